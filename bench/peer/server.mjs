// Benchmark peer: @neo4j/graphql + Apollo Server over the same Neo4j graph as
// the Go server. See README.md. Prints "PEER READY <url>" once listening.
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const env = (name, fallback) => {
  const v = process.env[name];
  if (v !== undefined && v !== "") return v;
  if (fallback !== undefined) return fallback;
  console.error(`peer: ${name} is required`);
  process.exit(2);
};

const port = Number(env("PORT"));
const database = env("NEO4J_DATABASE", "neo4j");
const poolSize = Number(env("NEO4J_POOL_SIZE", "100"));
const auth0Domain = env("AUTH0_DOMAIN").replace(/\/+$/, "");
const audience = env("AUTH0_AUDIENCE");

const driver = neo4j.driver(
  env("NEO4J_URI"),
  neo4j.auth.basic(env("NEO4J_USERNAME"), env("NEO4J_PASSWORD")),
  { maxConnectionPoolSize: poolSize },
);

// @neo4j/graphql 7.6 opens each session with
//   { database: "neo4j", ...sessionConfig, bookmarkManager: driver.executeQueryBookmarkManager }
// (classes/Executor.js driverRun), i.e. it always chains every query causally
// through the driver-wide executeQuery bookmark manager, and no option turns
// that off. The Go server uses one session per request without a bookmark
// manager, so the library is handed a view of the driver whose
// executeQueryBookmarkManager is undefined: its sessions then have none.
const unchainedDriver = new Proxy(driver, {
  get(target, prop) {
    if (prop === "executeQueryBookmarkManager") return undefined;
    const value = Reflect.get(target, prop, target);
    return typeof value === "function" ? value.bind(target) : value;
  },
});

const neoSchema = new Neo4jGraphQL({
  typeDefs: readFileSync(new URL("./typeDefs.graphql", import.meta.url), "utf8"),
  driver: unchainedDriver,
  features: {
    // Drop the deprecated generated filters/operations: a smaller schema.
    excludeDeprecatedFields: {
      mutationOperations: true,
      aggregationFilters: true,
      aggregationFiltersOutsideConnection: true,
      relationshipFilters: true,
      attributeFilters: true,
    },
    authorization: {
      key: { url: `${auth0Domain}/.well-known/jwks.json` },
      verifyOptions: {
        algorithms: ["RS256"],
        issuer: `${auth0Domain}/`,
        audience,
      },
    },
  },
});

const schema = await neoSchema.getSchema();

const server = new ApolloServer({
  schema,
  introspection: true,
  includeStacktraceInErrorResponses: false,
  plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
  // Apollo's own SIGTERM/SIGINT handlers stop the server and then re-raise
  // the signal, which our handler below (still registered) swallows; the
  // standalone server's drain then waits up to 10 s for sockets with
  // requests in flight. The shutdown below is ours alone, and bounded.
  stopOnTerminationSignals: false,
});

const sessionConfig = { database };

const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port },
  context: async ({ req }) => ({
    token: req.headers.authorization,
    sessionConfig,
  }),
});

process.stdout.write(`PEER READY http://127.0.0.1:${port}/graphql\n`);

let stopping = false;
// withTimeout resolves with what p resolves to, or "timed out" after ms.
const withTimeout = (p, ms) =>
  Promise.race([
    p.then(() => "done", (e) => `failed: ${e?.message ?? e}`),
    new Promise((resolve) => setTimeout(() => resolve("timed out"), ms).unref()),
  ]);
// shutdown exits within 2 s even with keep-alive clients connected and
// requests in flight: Apollo's drain (which ends idle sockets and waits for
// busy ones) gets 1 s, the driver 0.5 s, and a timer exits regardless.
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  const began = Date.now();
  setTimeout(() => {
    console.error(`peer: ${signal}: still stopping after 1.8 s, exiting`);
    process.exit(0);
  }, 1800).unref();
  const apollo = await withTimeout(server.stop(), 1000);
  const apolloMs = Date.now() - began;
  const drv = await withTimeout(driver.close(), 500);
  console.error(`peer: ${signal}: Apollo stop ${apollo} (${apolloMs} ms), driver close ${drv} (${Date.now() - began} ms in all)`);
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
