// The page: a login form, then who you are, the feed page by page, and a like
// button per post. Everything the server sends is put in the page as text
// (textContent), never as HTML.
import type { ObservableQuery } from '@apollo/client';
import type { Subscription } from 'rxjs';
import { createApi } from './client';
import { describe } from './errors';
import type { FeedQuery, FeedQueryVariables } from './gql/graphql';
import { FeedDocument, LikePostDocument, MeDocument, UnlikePostDocument } from './operations';

/** How many posts one page of the feed holds. */
const FEED_PAGE_SIZE = 5;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
};
const errors = $('errors');
const loginSection = $('login');
const loginForm = $<HTMLFormElement>('login-form');
const loginSubmit = $<HTMLButtonElement>('login-submit');
const sessionSection = $('session');
const meName = $('me-name');
const meEmail = $('me-email');
const feedStatus = $('feed-status');
const feedList = $<HTMLOListElement>('feed');
const moreButton = $<HTMLButtonElement>('more');

const endpoint = document.querySelector<HTMLMetaElement>('meta[name="graphql-endpoint"]')?.content;
if (!endpoint) throw new Error('index.html names no graphql-endpoint');

const api = createApi(endpoint, (error) => {
  signedOut();
  showErrors(error);
});

/** showErrors lists error codes and what they mean; undefined clears the list. */
function showErrors(error: unknown) {
  errors.replaceChildren();
  if (error === undefined) return;
  for (const { code, message } of describe(error)) {
    const p = document.createElement('p');
    const c = document.createElement('code');
    c.className = 'error-code';
    c.textContent = code;
    p.append(c, ` ${message}`);
    errors.append(p);
  }
}

let watching: Subscription[] = [];
let feedQuery: ObservableQuery<FeedQuery, FeedQueryVariables> | null = null;
let endCursor: string | null = null;
let hasNextPage = false;

loginForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(loginForm);
  loginSubmit.disabled = true;
  showErrors(undefined);
  try {
    await api.login(String(form.get('username')), String(form.get('password')));
    loginForm.reset();
    signedIn();
  } catch (error) {
    showErrors(error);
  } finally {
    loginSubmit.disabled = false;
  }
});

$('logout').addEventListener('click', async () => {
  signedOut();
  await api.logout();
});

moreButton.addEventListener('click', () => {
  if (!feedQuery || !endCursor) return;
  moreButton.disabled = true;
  feedQuery
    .fetchMore({ variables: { after: endCursor } })
    .catch(showErrors)
    .finally(() => {
      moreButton.disabled = !hasNextPage;
    });
});

feedList.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button.like');
  const id = button?.closest('li')?.dataset.postId;
  if (!button || !id) return;
  const liked = button.getAttribute('aria-pressed') === 'true';
  button.disabled = true;
  api.client
    .mutate({ mutation: liked ? UnlikePostDocument : LikePostDocument, variables: { id } })
    .then(() => showErrors(undefined), showErrors)
    .finally(() => {
      button.disabled = false;
    });
});

// The script runs: the form may be submitted now (index.html disables it).
loginSubmit.disabled = false;

function signedIn() {
  loginSection.hidden = true;
  sessionSection.hidden = false;

  const me = api.client.watchQuery({ query: MeDocument });
  watching.push(
    me.subscribe((result) => {
      if (result.error) showErrors(result.error);
      if (result.dataState !== 'complete' || !result.data.me) return;
      meName.textContent = result.data.me.name ?? '(no name)';
      meEmail.textContent = result.data.me.email ?? '';
    }),
  );

  feedQuery = api.client.watchQuery({
    query: FeedDocument,
    variables: { first: FEED_PAGE_SIZE },
    notifyOnNetworkStatusChange: true,
  });
  watching.push(
    feedQuery.subscribe((result) => {
      if (result.error) showErrors(result.error);
      if (result.dataState === 'complete') renderFeed(result.data.feed);
      moreButton.disabled = result.loading || !hasNextPage;
      moreButton.textContent = result.loading ? 'Loading…' : 'More';
    }),
  );
}

function signedOut() {
  for (const s of watching) s.unsubscribe();
  watching = [];
  feedQuery = null;
  endCursor = null;
  hasNextPage = false;
  feedList.replaceChildren();
  meName.textContent = '';
  meEmail.textContent = '';
  sessionSection.hidden = true;
  loginSection.hidden = false;
}

type Post = FeedQuery['feed']['edges'][number]['node'];

/** renderFeed updates the list in place, post by post, so focus stays where it was. */
function renderFeed(feed: FeedQuery['feed']) {
  endCursor = feed.pageInfo.endCursor ?? null;
  hasNextPage = feed.pageInfo.hasNextPage;
  feedStatus.textContent = `Showing ${feed.edges.length} of ${feed.totalCount} posts.`;
  const existing = new Map<string, HTMLLIElement>();
  for (const li of feedList.querySelectorAll<HTMLLIElement>(':scope > li')) existing.set(li.dataset.postId!, li);
  feed.edges.forEach(({ node }, i) => {
    const li = existing.get(node.id) ?? postItem(node.id);
    existing.delete(node.id);
    updatePost(li, node);
    if (feedList.children[i] !== li) feedList.insertBefore(li, feedList.children[i] ?? null);
  });
  for (const li of existing.values()) li.remove();
}

function postItem(id: string): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.postId = id;
  const article = document.createElement('article');
  const title = document.createElement('h3');
  title.className = 'title';
  const byline = document.createElement('p');
  byline.className = 'byline';
  const like = document.createElement('button');
  like.type = 'button';
  like.className = 'like';
  const count = document.createElement('span');
  count.className = 'like-count';
  article.append(title, byline, like, ' ', count);
  li.append(article);
  return li;
}

function updatePost(li: HTMLLIElement, post: Post) {
  li.querySelector('.title')!.textContent = post.title;
  const time = document.createElement('time');
  time.dateTime = post.createdAt;
  time.textContent = new Date(post.createdAt).toLocaleString();
  li.querySelector('.byline')!.replaceChildren(`by ${post.author.name ?? 'someone'}, `, time);
  const like = li.querySelector<HTMLButtonElement>('.like')!;
  like.textContent = 'Like';
  like.setAttribute('aria-pressed', String(post.viewerHasLiked));
  like.setAttribute('aria-label', `Like “${post.title}”`);
  li.querySelector('.like-count')!.textContent = `${post.likeCount} ${post.likeCount === 1 ? 'like' : 'likes'}`;
}
