// Runs the graphql-http GraphQL-over-HTTP audit against a running server and
// exits non-zero when any MUST or SHOULD fails (MAYs are printed, never fatal).
//
//   node dev/audit/audit.mjs http://127.0.0.1:8080/graphql
//
// The e2e test TestGraphQLOverHTTPAudit starts a server and runs this; run
// `npm ci` in dev/audit first (.ci/run does).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint URL>');
  process.exit(2);
}

const results = await auditServer({ url });
let failed = 0;
for (const r of results) {
  const level = r.name.split(' ', 1)[0];
  if (r.status === 'ok') {
    console.log(`ok     ${r.id} ${r.name}`);
    continue;
  }
  const fatal = level === 'MUST' || level === 'SHOULD';
  if (fatal) failed++;
  let body = '';
  try {
    body = await r.response.text();
  } catch {
    // the body was already read by the audit
  }
  console.log(`${fatal ? 'FAIL ' : 'note '}  ${r.id} ${r.name}: ${r.reason}` +
    `\n         status ${r.response.status} ${r.response.headers.get('content-type') ?? ''} ${body.slice(0, 300)}`);
}
console.log(`${results.length} audits, ${failed} MUST/SHOULD failed`);
process.exit(failed ? 1 : 0);
