package keytrail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.kernel.internal.Version;

/**
 * Minimal local Neo4j 5.26 LTS Community server for keytrail development and CI.
 *
 * <p>Runs an embedded DBMS with the Bolt connector on 127.0.0.1 only, auth enabled, usage
 * reporting disabled. The password of user {@code neo4j} is taken from the environment variable
 * {@code KEYTRAIL_NEO4J_PASSWORD} (never from the command line, so it does not show up in
 * {@code ps}) and is (re)applied on every start via the system database, so the user never
 * needs the interactive "change the initial password" step.
 *
 * <p>Usage: {@code java -cp target/classes:target/lib/* keytrail.Neo4jLocal <homeDir> [port]}
 *
 * <p>Prints {@code KEYTRAIL_NEO4J_READY bolt://127.0.0.1:<port>} once Bolt is accepting logins and
 * shuts down cleanly on SIGTERM/SIGINT (JVM shutdown hook).
 */
public final class Neo4jLocal {

    static final String READY_MARKER = "KEYTRAIL_NEO4J_READY";

    private Neo4jLocal() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: keytrail.Neo4jLocal <homeDir> [port]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port;
        long pageCache;
        try {
            port = args.length > 1 ? Integer.parseInt(args[1]) : 7687;
            pageCache = parseBytes(System.getProperty("keytrail.neo4j.pagecache", "512m"));
        } catch (NumberFormatException e) {
            System.err.println("bad port or page cache size (keytrail.neo4j.pagecache, e.g. 512m): " + e.getMessage());
            System.exit(2);
            return;
        }
        String password = System.getenv("KEYTRAIL_NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("KEYTRAIL_NEO4J_PASSWORD must be set (at least 8 characters)");
            System.exit(2);
        }

        Files.createDirectories(home);
        long t0 = System.nanoTime();
        log("starting Neo4j (embedded, Community) home=" + home + " port=" + port);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                // No HTTP(S): Bolt is all keytrail needs. (Not started in embedded mode anyway.)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // Wrong passwords are still rejected, but 3 failures in a row would lock user neo4j
                // for 5 s for everyone (default), which makes "bad credentials" tests flaky for
                // the tests that run next. 0 disables the lockout; loopback-only dev server.
                .setConfig(GraphDatabaseSettings.auth_max_failed_attempts, 0)
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress("127.0.0.1"))
                .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress("127.0.0.1"))
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                // Nothing phones home: usage data collector off, and its network client too.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseInternalSettings.udc_network_enabled, false)
                // A dev server need not wait 5 s for Bolt worker threads on shutdown.
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .build();
        log(String.format("DBMS started in %.1fs", (System.nanoTime() - t0) / 1e9));

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("shutdown requested, stopping Neo4j ...");
            try {
                dbms.shutdown();
                log("Neo4j stopped cleanly");
            } catch (Throwable t) {
                log("error during shutdown: " + t);
            } finally {
                stopped.countDown();
            }
        }, "keytrail-neo4j-shutdown"));

        try {
            applyPassword(dbms, password);
        } catch (Throwable t) {
            log("FAILED to set the neo4j password: " + t);
            System.exit(1); // runs the shutdown hook
        }

        log(String.format("Neo4j %s Community up in %.1fs",
                Version.getNeo4jVersion(), (System.nanoTime() - t0) / 1e9));
        System.out.println(READY_MARKER + " bolt://127.0.0.1:" + port);
        System.out.flush();

        stopped.await(); // keep the main thread alive until the shutdown hook has run
    }

    /**
     * With auth enabled a fresh DBMS has user neo4j with password "neo4j" and "change required".
     * ALTER USER on the system database (an embedded transaction is fully privileged) sets our
     * password and clears the flag. Neo4j refuses to "change" a password to the same value; that
     * just means it is already set, which is the normal case on every start after the first.
     */
    static void applyPassword(DatabaseManagementService dbms, String password) {
        var system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            log("password for user neo4j set");
        } catch (RuntimeException e) {
            if (!isSamePasswordError(e)) {
                throw e;
            }
            // Password already current; make sure no "change required" flag is left over.
            system.executeTransactionally("ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
            log("password for user neo4j unchanged (already current)");
        }
    }

    private static boolean isSamePasswordError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String msg = t.getMessage();
            if (msg != null && msg.contains("Old password and new password cannot be the same")) {
                return true;
            }
        }
        return false;
    }

    static long parseBytes(String s) {
        String v = s.trim().toLowerCase();
        long mult = 1;
        char last = v.charAt(v.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            mult = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            v = v.substring(0, v.length() - 1);
        }
        return Long.parseLong(v) * mult;
    }

    private static void log(String msg) {
        System.out.println("[keytrail-neo4j] " + msg);
        System.out.flush();
    }
}
