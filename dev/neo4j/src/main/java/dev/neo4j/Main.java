package dev.neo4j;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.internal.kernel.api.connectioninfo.ClientConnectionInfo;
import org.neo4j.internal.kernel.api.security.AuthenticationResult;
import org.neo4j.internal.kernel.api.security.LoginContext;
import org.neo4j.io.ByteUnit;
import org.neo4j.io.fs.DefaultFileSystemAbstraction;
import org.neo4j.io.fs.FileSystemAbstraction;
import org.neo4j.kernel.api.security.AuthManager;
import org.neo4j.kernel.api.security.AuthToken;
import org.neo4j.kernel.impl.security.Credential;
import org.neo4j.kernel.impl.security.User;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.logging.Level;
import org.neo4j.logging.NullLogProvider;
import org.neo4j.logging.log4j.Log4jLogProvider;
import org.neo4j.memory.EmptyMemoryTracker;
import org.neo4j.server.security.SecureHasher;
import org.neo4j.server.security.SystemGraphCredential;
import org.neo4j.server.security.auth.CommunitySecurityModule;
import org.neo4j.server.security.auth.FileUserRepository;

import sun.misc.Signal;

/**
 * Runs Neo4j Community embedded with a Bolt connector, for local development and tests.
 *
 * <p>Contract relied on by scripts: exactly one line on stdout,
 * {@code NEO4J READY bolt://127.0.0.1:<port>}, once Bolt accepts connections and the
 * password works; everything else goes to stderr or to the log files under the data dir.
 * Exit status: 0 after a clean shutdown on SIGTERM/SIGINT/SIGHUP, 1 when the start or the
 * shutdown failed, 2 on bad arguments.
 */
public final class Main {

    private static final String USER = "neo4j";
    private static final String HOST = "127.0.0.1";

    private Main() {}

    /** Parsed command line (flags win over environment variables, which win over defaults). */
    private static final class Options {
        int port = 7687;
        String password = "dev-password";
        Path dataDir;
        boolean temp;
        boolean apoc;
        boolean verbose;
    }

    public static void main(String[] args) {
        // Anything Neo4j or its libraries print "by accident" must not reach stdout,
        // which belongs to the READY line. Keep the real stdout aside and redirect System.out.
        PrintStream stdout = System.out;
        System.setOut(System.err);

        Options opt;
        try {
            opt = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("neo4j-dev: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }

        Server server = new Server(opt);

        // Handle the signals ourselves instead of relying only on a shutdown hook: a JVM that
        // exits because of SIGTERM reports status 143 even when every hook succeeded, while
        // scripts (and the tests) want 0 for a clean stop. sun.misc.Signal lives in the
        // jdk.unsupported module, which is exported for exactly this kind of use (javac warns).
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (String name : List.of("TERM", "INT", "HUP")) {
            Signal.handle(new Signal(name), s -> stopRequested.countDown());
        }
        // Safety net for any other exit path (System.exit elsewhere, an uncaught error...).
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "neo4j-dev-shutdown"));

        try {
            server.start();
        } catch (Throwable t) {
            System.err.println("NEO4J FAILED: " + describe(t));
            if (opt.verbose) {
                t.printStackTrace();
            }
            server.stop();
            System.exit(1);
            return;
        }

        // A stop requested while starting wins: never announce a server that is about to go.
        if (stopRequested.getCount() > 0) {
            stdout.println("NEO4J READY bolt://" + HOST + ":" + opt.port);
            stdout.flush();
        }

        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.err.println("neo4j-dev: stopping");
        boolean clean = server.stop();
        System.err.println(clean ? "neo4j-dev: stopped" : "neo4j-dev: shutdown failed");
        System.exit(clean ? 0 : 1);
    }

    /** Owns the DBMS and, with --temp, the temporary store. */
    private static final class Server {
        private final Options opt;
        private DatabaseManagementService dbms;
        private Boolean stopResult; // null until stop() ran once

        Server(Options opt) {
            this.opt = opt;
        }

        void start() throws Exception {
            checkPortFree();
            Path home = opt.temp ? Files.createTempDirectory("neo4j-dev-") : opt.dataDir;
            opt.dataDir = home;
            Files.createDirectories(home);
            System.err.println("neo4j-dev: store " + home + (opt.temp ? " (temporary)" : ""));

            Map<Setting<?>, Object> settings = settings(home);
            boolean freshStore = seedInitialPassword(home, settings);

            long t0 = System.nanoTime();
            dbms = new DatabaseManagementServiceBuilder(home)
                    // Neo4j's user log (start/stop, warnings) to stderr; debug.log goes to <home>/logs.
                    .setUserLogProvider(new Log4jLogProvider(System.err, opt.verbose ? Level.DEBUG : Level.WARN))
                    .setConfig(settings)
                    .build();

            // build() returns once the DBMS is up, but wait explicitly for the databases the
            // clients need: "system" for the password, the default one for queries.
            awaitAvailable(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
            awaitAvailable(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);

            long t1 = System.nanoTime();
            String how = ensurePassword(freshStore);
            long t2 = System.nanoTime();
            awaitBoltSocket();
            System.err.printf("neo4j-dev: dbms up in %d ms, password %s in %d ms, JVM uptime %d ms%n",
                    (t1 - t0) / 1_000_000, how, (t2 - t1) / 1_000_000,
                    ManagementFactory.getRuntimeMXBean().getUptime());
        }

        private Map<Setting<?>, Object> settings(Path home) {
            Map<Setting<?>, Object> s = new HashMap<>();
            // Bolt only, loopback only, no TLS: a local dev/test server.
            s.put(BoltConnector.enabled, true);
            s.put(BoltConnector.listen_address, new SocketAddress(HOST, opt.port));
            s.put(BoltConnector.advertised_address, new SocketAddress(HOST, opt.port));
            s.put(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED);
            // No HTTP(S): nothing uses it and it would make a second instance collide on 7474.
            s.put(HttpConnector.enabled, false);
            s.put(HttpsConnector.enabled, false);

            s.put(GraphDatabaseSettings.auth_enabled, true);
            // The dev password is short; Neo4j 5 requires 8 characters by default.
            s.put(GraphDatabaseSettings.auth_minimum_password_length, 1);

            // Small footprint: several instances may run at once on a 2-core / 24 GiB box.
            s.put(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(128));
            s.put(GraphDatabaseSettings.keep_logical_logs, "2 files");
            s.put(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(16));
            // Preallocation would reserve a full rotation-size file per database up front.
            s.put(GraphDatabaseSettings.preallocate_logical_logs, false);
            s.put(GraphDatabaseSettings.udc_enabled, false);
            // Netty's graceful shutdown waits a 5 s "quiet period" per Bolt event loop group
            // (two of them), which made every stop take ~10 s. Nothing is left to drain by then.
            s.put(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0);
            s.put(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5));

            // Logs live next to the store, never on stdout.
            s.put(GraphDatabaseSettings.logs_directory, home.resolve("logs"));

            if (opt.apoc) {
                // run.sh puts the APOC jars on the classpath (for its kernel extensions) and
                // passes this directory, which Neo4j scans for procedures and functions.
                String dir = System.getProperty("neo4jdev.plugins");
                if (dir == null || dir.isBlank()) {
                    throw new IllegalStateException("--apoc needs -Dneo4jdev.plugins=<dir with the APOC jars> (run.sh sets it)");
                }
                s.put(GraphDatabaseSettings.plugin_dir, Path.of(dir).toAbsolutePath());
                s.put(GraphDatabaseSettings.procedure_unrestricted, List.of("apoc.*"));
                s.put(GraphDatabaseSettings.procedure_allowlist, List.of("*"));
            }
            return s;
        }

        private void awaitAvailable(String name) {
            GraphDatabaseService db = dbms.database(name);
            if (!db.isAvailable(120_000)) {
                throw new IllegalStateException("database '" + name + "' did not become available");
            }
        }

        /**
         * On a store that has never been started, writes the password of user neo4j to the
         * "initial user" file (data/dbms/auth.ini) exactly like {@code neo4j-admin dbms
         * set-initial-password} does. The system database reads it when it is created, so
         * neo4j starts out with our password and no "change required" flag.
         *
         * <p>Why not just run {@code ALTER USER} after start: that administration command is the
         * first Cypher the JVM compiles and costs ~3-5 s on a 2-core machine, about a third of
         * the whole start. It remains the fallback for existing stores (see ensurePassword).
         *
         * @return whether the store is new (no system database yet)
         */
        private boolean seedInitialPassword(Path home, Map<Setting<?>, Object> settings) throws Exception {
            Config config = Config.newBuilder().set(settings).set(GraphDatabaseSettings.neo4j_home, home).build();
            Path systemDb = config.get(GraphDatabaseInternalSettings.databases_root_path)
                    .resolve(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
            if (Files.exists(systemDb)) {
                return false;
            }
            Path authFile = CommunitySecurityModule.getInitialUserRepositoryFile(config);
            Files.deleteIfExists(authFile); // left over from an earlier, failed first start
            try (FileSystemAbstraction fs = new DefaultFileSystemAbstraction()) {
                FileUserRepository repo = new FileUserRepository(
                        fs, authFile, NullLogProvider.getInstance(), EmptyMemoryTracker.INSTANCE);
                repo.start();
                Credential credential = SystemGraphCredential.createCredentialForPassword(
                        opt.password.getBytes(StandardCharsets.UTF_8), new SecureHasher());
                repo.create(new User(USER, null, credential, false, false));
                repo.shutdown();
            }
            return true;
        }

        /**
         * Makes sure {@code neo4j/<password>} can log in over Bolt right away. Checked through
         * the DBMS's own AuthManager (the same one Bolt uses), which is cheap. Only when that
         * fails (a store created earlier with another password, or one still in the initial
         * "neo4j / change required" state) is the password set with Cypher on the system
         * database; embedded transactions run with full privileges, so no login is needed.
         *
         * @return how the password was ensured, for the startup log line
         */
        private String ensurePassword(boolean freshStore) throws Exception {
            if (loginResult() == AuthenticationResult.SUCCESS) {
                return freshStore ? "seeded" : "verified";
            }
            GraphDatabaseService system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
            system.executeTransactionally(
                    "ALTER USER " + USER + " SET PASSWORD $p CHANGE NOT REQUIRED", Map.of("p", opt.password));
            AuthenticationResult after = loginResult();
            if (after != AuthenticationResult.SUCCESS) {
                throw new IllegalStateException("login as " + USER + " still fails after ALTER USER: " + after);
            }
            return "changed";
        }

        private AuthenticationResult loginResult() throws Exception {
            GraphDatabaseAPI system = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
            AuthManager auth = system.getDependencyResolver().resolveDependency(AuthManager.class);
            LoginContext login = auth.login(
                    AuthToken.newBasicAuthToken(USER, opt.password), ClientConnectionInfo.EMBEDDED_CONNECTION);
            return login.subject().getAuthenticationResult();
        }

        /**
         * Fails fast with a clear message when the Bolt port is taken. Neo4j would notice too,
         * but only after initialising everything (~5 s) and with a deeply wrapped netty error.
         */
        private void checkPortFree() {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(HOST, opt.port));
            } catch (IOException e) {
                throw new IllegalStateException(
                        "Bolt port " + HOST + ":" + opt.port + " is not available (" + e.getMessage() + ")");
            }
        }

        /** The READY line promises that Bolt accepts connections: check it with a real socket. */
        private void awaitBoltSocket() throws InterruptedException {
            long deadline = System.nanoTime() + 30_000_000_000L;
            IOException last = null;
            while (System.nanoTime() < deadline) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(HOST, opt.port), 1000);
                    return;
                } catch (IOException e) {
                    last = e;
                    Thread.sleep(50);
                }
            }
            throw new IllegalStateException("Bolt port " + opt.port + " does not accept connections", last);
        }

        /** Idempotent; returns whether everything shut down cleanly. */
        synchronized boolean stop() {
            if (stopResult != null) {
                return stopResult;
            }
            boolean ok = true;
            if (dbms != null) {
                try {
                    dbms.shutdown();
                } catch (Throwable t) {
                    ok = false;
                    System.err.println("neo4j-dev: shutdown error: " + describe(t));
                }
            }
            if (opt.temp && opt.dataDir != null) {
                try {
                    deleteRecursively(opt.dataDir);
                } catch (IOException e) {
                    ok = false;
                    System.err.println("neo4j-dev: could not delete " + opt.dataDir + ": " + e);
                }
            }
            stopResult = ok;
            return ok;
        }
    }

    private static Options parse(String[] args) {
        Options o = new Options();
        Map<String, String> env = System.getenv();
        if (env.containsKey("NEO4J_BOLT_PORT")) {
            o.port = parsePort(env.get("NEO4J_BOLT_PORT"), "NEO4J_BOLT_PORT");
        }
        if (env.containsKey("NEO4J_PASSWORD")) {
            o.password = env.get("NEO4J_PASSWORD");
        }
        String defaultData = System.getProperty("neo4jdev.defaultData", "data");
        String data = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--port" -> o.port = parsePort(value(args, ++i, a), "--port");
                case "--password" -> o.password = value(args, ++i, a);
                case "--data" -> data = value(args, ++i, a);
                case "--temp" -> o.temp = true;
                case "--apoc" -> o.apoc = true;
                case "--verbose" -> o.verbose = true;
                case "-h", "--help" -> {
                    System.err.println(usage());
                    System.exit(0);
                }
                default -> throw new IllegalArgumentException("unknown argument: " + a);
            }
        }
        if (o.temp && data != null) {
            throw new IllegalArgumentException("--temp and --data are mutually exclusive");
        }
        if (o.password.isEmpty()) {
            throw new IllegalArgumentException("the password must not be empty");
        }
        o.dataDir = Path.of(data != null ? data : defaultData).toAbsolutePath().normalize();
        return o;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static int parsePort(String s, String what) {
        try {
            int p = Integer.parseInt(s.trim());
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": not a port number: " + s);
        }
    }

    private static String usage() {
        return String.join("\n",
                "usage: run.sh [--port N] [--password P] [--data DIR | --temp] [--apoc] [--verbose]",
                "  --port N       Bolt port on 127.0.0.1 (env NEO4J_BOLT_PORT, default 7687)",
                "  --password P   password of user neo4j (env NEO4J_PASSWORD, default dev-password)",
                "  --data DIR     store directory, reused across restarts (default dev/neo4j/data)",
                "  --temp         fresh temporary store, deleted on exit",
                "  --apoc         load APOC core and allow apoc.* procedures/functions",
                "  --verbose      Neo4j user log at DEBUG on stderr, stack traces on failure",
                "prints 'NEO4J READY bolt://127.0.0.1:<port>' on stdout when ready; stop with SIGTERM/SIGINT");
    }

    /** The distinct messages of an exception chain, outermost first (Neo4j wraps causes deeply). */
    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        Throwable cur = t;
        String prev = null;
        for (int depth = 0; cur != null && depth < 10; depth++, cur = cur.getCause()) {
            String msg = cur.getMessage();
            if (msg != null && !msg.equals(prev)) {
                if (sb.length() > 0) {
                    sb.append(" <- ");
                }
                sb.append(msg);
                prev = msg;
            }
        }
        return sb.length() > 0 ? sb.toString() : t.toString();
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
