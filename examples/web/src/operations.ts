// Every operation the app sends. graphql-codegen reads this file and writes
// their result and variable types into src/gql/ (`npm run codegen`), so each
// document below is a TypedDocumentNode.
import { graphql } from './gql';

/** The fields a session keeps from login and refreshToken. */
export const LoginDocument = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      accessToken
      expiresIn
      refreshToken
      user { id name }
    }
  }
`);

/** Exchanges the refresh token for a new access token. */
export const RefreshDocument = graphql(`
  mutation Refresh($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      accessToken
      expiresIn
      refreshToken
    }
  }
`);

/** The caller's own User. */
export const MeDocument = graphql(`
  query Me {
    me { id name email createdAt }
  }
`);

/** One page of the feed; relayStylePagination merges the pages in the cache. */
export const FeedDocument = graphql(`
  query Feed($first: Int!, $after: String) {
    feed(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          id
          title
          createdAt
          author { id name }
          likeCount
          viewerHasLiked
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

// The like mutations return the Post with id, likeCount and viewerHasLiked:
// the cache updates the normalized Post, and every list showing it re-renders
// without fetching the feed again.

/** Likes a post. */
export const LikePostDocument = graphql(`
  mutation LikePost($id: ID!) {
    likePost(id: $id) { id likeCount viewerHasLiked }
  }
`);

/** Removes the caller's like. */
export const UnlikePostDocument = graphql(`
  mutation UnlikePost($id: ID!) {
    unlikePost(id: $id) { id likeCount viewerHasLiked }
  }
`);
