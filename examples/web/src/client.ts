// The Apollo Client setup a frontend team would copy: the session's tokens in
// memory, an Authorization header on every request, one token refresh shared
// by every request that finds its token expired, and the feed's pages merged
// by relayStylePagination.
import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  ServerError,
} from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { relayStylePagination } from '@apollo/client/utilities';
import { from, switchMap, throwError } from 'rxjs';
import { LoginDocument, RefreshDocument } from './operations';

/** The tokens of the signed-in user. */
interface Session {
  accessToken: string;
  refreshToken: string | null;
}

/** What createApi returns: the client for the app's operations, and sign-in and sign-out. */
export interface Api {
  client: ApolloClient;
  /** Signs in with the login mutation and returns the user's name; rejects with the server's error. */
  login(username: string, password: string): Promise<string | null>;
  /** Forgets the tokens and everything cached for the user. */
  logout(): Promise<void>;
}

/**
 * createApi builds the clients for the GraphQL endpoint at uri. onSessionEnded
 * runs when a refresh fails (the refresh token was revoked, the account blocked):
 * the app then shows the login form with the error.
 */
export function createApi(uri: string, onSessionEnded: (error: unknown) => void): Api {
  // The tokens live in this closure only: not in localStorage or a cookie, so
  // other scripts on the origin cannot read them later, and a reload signs out.
  let session: Session | null = null;

  // login and refreshToken go through a client of their own, with no token
  // and no retry, so a failing refresh can never trigger another refresh.
  const authClient = new ApolloClient({
    link: new HttpLink({ uri }),
    cache: new InMemoryCache(),
    defaultOptions: { mutate: { fetchPolicy: 'no-cache' } },
  });

  // One refresh at a time: requests that fail together wait for the same one.
  let refreshing: Promise<string | null> | null = null;
  const refreshOnce = (): Promise<string | null> => {
    refreshing ??= refresh().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };
  const refresh = async (): Promise<string | null> => {
    const refreshToken = session?.refreshToken;
    if (!refreshToken) return null;
    try {
      const { data } = await authClient.mutate({ mutation: RefreshDocument, variables: { refreshToken } });
      if (!data) return null;
      // A tenant that rotates refresh tokens sends a new one; otherwise keep ours.
      session = {
        accessToken: data.refreshToken.accessToken,
        refreshToken: data.refreshToken.refreshToken ?? refreshToken,
      };
      return session.accessToken;
    } catch (error) {
      session = null;
      onSessionEnded(error);
      return null;
    }
  };

  // Sends the access token, and remembers which one, so a request that fails
  // after another request already refreshed just retries with the new token.
  const authLink = new ApolloLink((operation, forward) => {
    const token = session?.accessToken;
    operation.setContext(({ headers }) => ({
      sentToken: token,
      headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers,
    }));
    return forward(operation);
  });

  // On an expired or refused token: refresh once, then send the operation
  // again (through authLink, with the new token). A second failure is final.
  const refreshLink = new ErrorLink(({ error, operation, forward }) => {
    const context = operation.getContext();
    if (context.retried || !session || !tokenRefused(error, context.response)) return;
    operation.setContext({ retried: true });
    const token =
      session.accessToken !== context.sentToken ? Promise.resolve(session.accessToken) : refreshOnce();
    return from(token).pipe(switchMap((t) => (t ? forward(operation) : throwError(() => error))));
  });

  const client = new ApolloClient({
    link: ApolloLink.from([refreshLink, authLink, new HttpLink({ uri })]),
    cache: new InMemoryCache({
      typePolicies: {
        // feed(first, after) is one list in the cache: fetchMore's pages are
        // appended to it, whatever after they were fetched with.
        Query: { fields: { feed: relayStylePagination() } },
      },
    }),
  });

  return {
    client,
    async login(username, password) {
      const { data } = await authClient.mutate({ mutation: LoginDocument, variables: { username, password } });
      if (!data) throw new Error('The login answered no data.');
      session = { accessToken: data.login.accessToken, refreshToken: data.login.refreshToken };
      return data.login.user.name;
    },
    async logout() {
      session = null;
      await client.clearStore();
    },
  };
}

/**
 * tokenRefused tells whether the server refused the access token: HTTP 401
 * (the server's answer to a presented token that fails validation), or the
 * error UNAUTHENTICATED with extensions.reason token_expired. A field that
 * needs a token when none was sent is UNAUTHENTICATED without a reason, and
 * a refresh would not help it.
 */
function tokenRefused(error: unknown, response: Response | undefined): boolean {
  if (response?.status === 401) return true;
  if (ServerError.is(error)) return error.statusCode === 401;
  return (
    CombinedGraphQLErrors.is(error) &&
    error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED' && e.extensions?.reason === 'token_expired')
  );
}
