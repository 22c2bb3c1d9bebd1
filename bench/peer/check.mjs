// Compares the peer with the product shape by shape: for a set of callers it
// runs Q1..Q5 (and Q6 once) against both servers, normalises both answers the
// way the benchmark harness does, and reports the first differing path.
//
//   node bench/peer/check.mjs            (both servers must be running)
//
// Env (defaults are the dev stack): PRODUCT_URL, PEER_URL, AUTH0_DOMAIN,
// NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE, CHECK_USERS (how
// many gen|n subjects, default 50). Exit status 0 when every comparison is
// equal, 1 otherwise.
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import neo4j from "neo4j-driver";

const env = (k, d) => process.env[k] || d;
const PRODUCT_URL = env("PRODUCT_URL", "http://127.0.0.1:8092/graphql");
const PEER_URL = env("PEER_URL", "http://127.0.0.1:8093/graphql");
const AUTH0_DOMAIN = env("AUTH0_DOMAIN", "http://127.0.0.1:8091").replace(/\/+$/, "");
const DATABASE = env("NEO4J_DATABASE", "neo4j");
const USERS = Number(env("CHECK_USERS", "50"));

const here = new URL(".", import.meta.url);
const read = (rel) => readFileSync(new URL(rel, here), "utf8");
const SHAPES = ["Q1_me", "Q2_me_posts", "Q3_nested", "Q4_connection", "Q5_feed", "Q6_create_post"];
const docs = Object.fromEntries(
  SHAPES.map((s) => [s, { product: read(`../operations/product/${s}.graphql`), peer: read(`operations/${s}.graphql`) }]),
);
const endCursorDocs = {
  product: `query C($userId: ID!) { user(id: $userId) { posts(first: 40) { pageInfo { endCursor } } } }`,
  peer: `query C($userId: ID!) { user(id: $userId) { posts: postsConnection(first: 40, sort: [{ node: { createdAt: DESC } }, { node: { id: DESC } }]) { pageInfo { endCursor } } } }`,
};

const driver = neo4j.driver(
  env("NEO4J_URI", "bolt://127.0.0.1:7690"),
  neo4j.auth.basic(env("NEO4J_USERNAME", "neo4j"), env("NEO4J_PASSWORD", "dev-password")),
);
async function cypher(query, params = {}) {
  const { records } = await driver.executeQuery(query, params, { database: DATABASE });
  return records.map((r) => r.toObject());
}

const tokens = new Map();
async function token(sub) {
  if (!tokens.has(sub)) {
    const res = await fetch(`${AUTH0_DOMAIN}/__dev/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ sub }),
    });
    if (!res.ok) throw new Error(`token for ${sub}: HTTP ${res.status}`);
    tokens.set(sub, (await res.json()).access_token);
  }
  return tokens.get(sub);
}

async function gql(url, sub, query, variables) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await token(sub)}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  if (body.errors?.length) throw new Error(`${url}: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body.data;
}

const globalID = (type, uuid) => Buffer.from(`${type}:${uuid}`).toString("base64url");
const GLOBAL_ID = /^([A-Z][A-Za-z]*):([0-9a-fA-F-]{36})$/;
const DATETIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function normDateTime(s) {
  const m = DATETIME.exec(s);
  if (!m) return s;
  const ms = ((m[2] ?? ".").slice(1) + "000").slice(0, 3);
  const d = new Date(`${m[1]}.${ms}${m[3]}`);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
}

function normalise(v, key) {
  if (Array.isArray(v)) return v.map((x) => normalise(x));
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "cursor" || k === "startCursor" || k === "endCursor") continue;
      out[k] = normalise(x, k);
    }
    return out;
  }
  if (typeof v === "string") {
    if (key === "id") {
      const decoded = Buffer.from(v, "base64url").toString("utf8");
      const m = GLOBAL_ID.exec(decoded);
      if (m && Buffer.from(decoded).toString("base64url") === v) return m[2];
    }
    return normDateTime(v);
  }
  return v;
}

// The first path where a and b differ, or null.
function firstDiff(a, b, path = "data") {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${path}: ${brief(a)} vs ${brief(b)}`;
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) return `${path}.length: ${a.length} vs ${b.length}`;
      const d = firstDiff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      if (!(k in a) || !(k in b)) return `${path}.${k}: ${k in a ? "only product" : "only peer"}`;
      const d = firstDiff(a[k], b[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${brief(a)} vs ${brief(b)}`;
}
const brief = (x) => JSON.stringify(x)?.slice(0, 120);

const results = { equal: 0, different: 0, failed: 0 };
// How many scalar values the equal answers held, per shape: a guard against
// comparing empty answers.
const leaves = (v) =>
  Array.isArray(v) ? v.reduce((n, x) => n + leaves(x), 0)
  : v && typeof v === "object" ? Object.values(v).reduce((n, x) => n + leaves(x), 0)
  : 1;
const perShape = {};
function record(shape, label, err, diff, answer) {
  const s = (perShape[shape] ??= { equal: 0, total: 0, values: 0 });
  if (answer !== undefined && !err && !diff) s.values += leaves(answer);
  s.total++;
  if (err) {
    results.failed++;
    console.log(`FAIL  ${shape} ${label}: ${err.message}`);
  } else if (diff) {
    results.different++;
    console.log(`DIFF  ${shape} ${label}: ${diff}`);
  } else {
    results.equal++;
    s.equal++;
  }
}

async function compare(shape, sub, vars, label = sub) {
  try {
    const [p, q] = await Promise.all([
      gql(PRODUCT_URL, sub, docs[shape].product, vars.product),
      gql(PEER_URL, sub, docs[shape].peer, vars.peer),
    ]);
    const np = normalise(p);
    record(shape, label, null, firstDiff(np, normalise(q)), np);
  } catch (err) {
    record(shape, label, err);
  }
}

// Callers: gen|1..gen|USERS plus the heaviest users of the graph.
const heavy = await cypher(`
  CALL { MATCH (u:User) RETURN u ORDER BY COUNT { (u)-[:FOLLOWS]->() } DESC LIMIT 3
         UNION MATCH (u:User) RETURN u ORDER BY COUNT { (u)<-[:FOLLOWS]-() } DESC LIMIT 2
         UNION MATCH (u:User) RETURN u ORDER BY COUNT { (u)-[:AUTHORED]->() } DESC LIMIT 2 }
  MATCH (u)-[:HAS_IDENTITY]->(i:Identity) RETURN DISTINCT i.sub AS sub`);
const subjects = [...new Set([...Array.from({ length: USERS }, (_, i) => `gen|${i + 1}`), ...heavy.map((r) => r.sub)])];
const idRows = await cypher(
  `UNWIND $subs AS s MATCH (u:User)-[:HAS_IDENTITY]->(:Identity {sub: s}) RETURN s AS sub, u.id AS id`,
  { subs: subjects },
);
const userOf = new Map(idRows.map((r) => [r.sub, r.id]));
const [prolific] = await cypher(
  `MATCH (u:User) RETURN u.id AS id, COUNT { (u)-[:AUTHORED]->() } AS n ORDER BY n DESC LIMIT 1`,
);
console.log(`callers: ${subjects.length} (heavy: ${heavy.map((r) => r.sub).join(", ")}); Q4 author ${prolific.id} (${prolific.n} posts)`);

async function forSubject(sub) {
  await compare("Q1_me", sub, { product: {}, peer: {} });
  await compare("Q2_me_posts", sub, { product: {}, peer: {} });
  await compare("Q3_nested", sub, { product: {}, peer: {} });
  const productUser = globalID("User", prolific.id);
  await compare("Q4_connection", sub, { product: { userId: productUser }, peer: { userId: prolific.id } }, `${sub} page 1`);
  try {
    const [pc, qc] = await Promise.all([
      gql(PRODUCT_URL, sub, endCursorDocs.product, { userId: productUser }),
      gql(PEER_URL, sub, endCursorDocs.peer, { userId: prolific.id }),
    ]);
    await compare(
      "Q4_connection",
      sub,
      {
        product: { userId: productUser, after: pc.user.posts.pageInfo.endCursor },
        peer: { userId: prolific.id, after: qc.user.posts.pageInfo.endCursor },
      },
      `${sub} page 5`,
    );
  } catch (err) {
    record("Q4_connection", `${sub} page 5 cursor`, err);
  }
  await compare("Q5_feed", sub, { product: {}, peer: { viewerId: userOf.get(sub) } });
}

// A few callers at a time.
const queue = [...subjects];
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (queue.length) await forSubject(queue.shift());
  }),
);

// Q6 once per server with the same title, then remove the posts.
const title = `peer-check ${randomUUID()}`;
try {
  const vars = { title, body: "created by bench/peer/check.mjs" };
  const sub = "gen|1";
  const [p, q] = await Promise.all([
    gql(PRODUCT_URL, sub, docs.Q6_create_post.product, vars),
    gql(PEER_URL, sub, docs.Q6_create_post.peer, vars),
  ]);
  const np = normalise(p);
  const nq = normalise(q);
  const ids = [np.createPost?.id, nq.createPost?.id];
  for (const n of [np, nq]) if (n.createPost) n.createPost.id = "<new post>";
  record("Q6_create_post", sub, null, firstDiff(np, nq), np);
  // Both new posts must exist, authored by the caller.
  const [row] = await cypher(
    `MATCH (u:User {id: $uid})-[:AUTHORED]->(p:Post {title: $t}) WHERE p.id IN $ids RETURN count(p) AS n`,
    { uid: userOf.get(sub), t: title, ids },
  );
  if (Number(row.n) !== 2) record("Q6_create_post", `${sub} stored`, new Error(`found ${row.n} of 2 posts in the graph`));
} catch (err) {
  record("Q6_create_post", "gen|1", err);
} finally {
  await cypher(`MATCH (p:Post {title: $t}) DETACH DELETE p`, { t: title });
}

await driver.close();
for (const [shape, s] of Object.entries(perShape)) console.log(`${shape}: ${s.equal}/${s.total} equal (${s.values} values compared)`);
console.log(`${results.equal} equal, ${results.different} different, ${results.failed} failed`);
process.exit(results.different || results.failed ? 1 : 0);
