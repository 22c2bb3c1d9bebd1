// The GraphiQL page's bootstrap. It is a file served by the server, not an
// inline script, so the page's Content-Security-Policy can refuse all inline
// code. It runs after React, ReactDOM and GraphiQL (all loaded with defer, in
// order).
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint');

  // message replaces the page's content with a sentence, so a failure never
  // leaves "Loading GraphiQL…" on screen.
  function message(text) {
    var p = document.createElement('p');
    p.className = 'graphiql-page-message';
    p.textContent = text;
    root.replaceChildren(p);
  }

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    message('GraphiQL did not load: one of its scripts is missing (see the browser console). ' +
      'Reload the page; the server serves every file the page needs.');
    return;
  }

  var defaultQuery = [
    '# Sign in: run the Login operation below. When a login or refreshToken result',
    '# carries an accessToken, this page puts "Authorization: Bearer <token>" into',
    '# the Headers pane (kept in memory only: reloading the page forgets it).',
    '# Demo users of the dev issuer: alice@, bob@, carol@example.com, password',
    '# demo-pass-123. Then run Me.',
    '',
    'mutation Login {',
    '  login(username: "alice@example.com", password: "demo-pass-123") {',
    '    accessToken',
    '    expiresIn',
    '    user { id name email }',
    '  }',
    '}',
    '',
    'query Me {',
    '  me { id name email }',
    '}',
    ''
  ].join('\n');

  // forgetPersistedHeaders removes headers (Bearer tokens) that earlier
  // versions of this page stored in localStorage under GraphiQL's own keys.
  function forgetPersistedHeaders() {
    try {
      localStorage.removeItem('graphiql:headers');
      localStorage.removeItem('graphiql:shouldPersistHeaders');
      var stored = localStorage.getItem('graphiql:tabState');
      var state = stored && JSON.parse(stored);
      if (state && Array.isArray(state.tabs)) {
        state.tabs.forEach(function (tab) { tab.headers = null; });
        localStorage.setItem('graphiql:tabState', JSON.stringify(state));
      }
    } catch (e) {
      // Storage disabled or not in GraphiQL's format: nothing of ours to forget.
    }
  }

  // accessTokenIn returns the accessToken of a top-level field of data (the
  // AuthPayload of login or refreshToken, under any alias), or "".
  function accessTokenIn(body) {
    var data = body && body.data;
    if (!data || typeof data !== 'object') {
      return '';
    }
    for (var key in data) {
      var value = data[key];
      if (value && typeof value.accessToken === 'string' && value.accessToken !== '') {
        return value.accessToken;
      }
    }
    return '';
  }

  // newFetcher posts operations to the endpoint with the Headers pane's
  // headers, and hands any access token in a result to onToken along with
  // the headers the operation was sent with.
  function newFetcher(onToken) {
    return async function (params, opts) {
      var sent = (opts && opts.headers) || {};
      var headers = Object.assign({ 'Content-Type': 'application/json', Accept: 'application/json' }, sent);
      var res = await fetch(endpoint, {
        method: 'POST',
        headers: headers,
        body: JSON.stringify(params),
        credentials: 'same-origin'
      });
      var body;
      try {
        body = JSON.parse(await res.text());
      } catch (e) {
        return { errors: [{ message: 'HTTP ' + res.status + ': the answer is not JSON.' }] };
      }
      var token = accessTokenIn(body);
      if (token) {
        onToken(token, sent);
      }
      return body;
    };
  }

  var h = React.createElement;

  // App holds the Headers pane's value; GraphiQL copies a changed headers
  // prop into the pane, which is how a new token gets there.
  function App() {
    var state = React.useState('');
    var setHeaders = state[1];
    var fetcher = React.useMemo(function () {
      return newFetcher(function (token, sent) {
        var next = Object.assign({}, sent, { Authorization: 'Bearer ' + token });
        setHeaders(JSON.stringify(next, null, 2));
      });
    }, []);
    return h(GraphiQL, {
      fetcher: fetcher,
      headers: state[0],
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
      inputValueDeprecation: true
    });
  }

  forgetPersistedHeaders();
  try {
    ReactDOM.createRoot(root).render(h(App));
  } catch (e) {
    message('GraphiQL failed to start: ' + e.message);
    throw e;
  }
})();
