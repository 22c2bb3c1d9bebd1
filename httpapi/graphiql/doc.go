// Package graphiql serves the GraphiQL IDE from the server itself, so the page
// works offline, on a locked-down network and on a plane.
//
// The page (Page) loads React, ReactDOM and GraphiQL from files embedded in
// the binary (vendor/, copied unmodified from npm at the versions pinned in
// dev/graphiql/vendor.sh, with their licenses and a MANIFEST of SHA-256
// sums) and its own bootstrap (static/). Assets serves those files under
// AssetsPath at URLs that carry a hash of their content, so they are cached
// for a year and a new build's files get new URLs; the page itself is never
// cached. The page's Content-Security-Policy allows scripts, styles and
// fetches from the server's own origin only (fonts and icons also as the
// data: URLs the GraphiQL stylesheet inlines), so an external URL fails
// loudly in the browser console instead of hanging on "Loading…".
//
// The bootstrap never stores headers (shouldPersistHeaders false, and it
// forgets headers an earlier version of the page persisted), offers no
// subscription URL (the API has no subscriptions), opens with a login
// mutation for a demo user, and puts "Authorization: Bearer <accessToken>"
// into the Headers pane whenever a login or refreshToken result carries an
// access token.
package graphiql
