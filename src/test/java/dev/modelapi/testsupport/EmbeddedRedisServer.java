package dev.modelapi.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

/**
 * A real Redis (codemonstur's embedded binaries, Redis 6.2) on a free local port. {@link #shared()}
 * is the JVM's instance, stopped by a shutdown hook; {@link #startNew()} gives a test one of its own
 * to stop, for example to watch the cache survive Redis going away.
 */
public final class EmbeddedRedisServer {

    private static final int START_ATTEMPTS = 3;
    private static EmbeddedRedisServer shared;

    private final RedisServer server;
    private final int port;

    private EmbeddedRedisServer(RedisServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /** The JVM's Redis, started on first use. */
    public static synchronized EmbeddedRedisServer shared() {
        if (shared == null) {
            shared = startNew();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "embedded-redis-stop"));
        }
        return shared;
    }

    /**
     * A Redis of the caller's own, which the caller stops. Persistence is off so no dump file lands in
     * the working directory. Retries on a new port if another process took the free one meanwhile.
     */
    public static EmbeddedRedisServer startNew() {
        IOException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int port = LocalPorts.free();
            try {
                RedisServer server = builder(port).build();
                server.start();
                return new EmbeddedRedisServer(server, port);
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("embedded Redis did not start", last);
    }

    /**
     * A loopback Redis on {@code port} with persistence off, for a test that adds settings of its own
     * (TLS) before it builds and starts it.
     */
    public static RedisServerBuilder builder(int port) {
        return RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("save \"\"")
                .setting("appendonly no");
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Stops the server; a server already stopped stays stopped. */
    public void stop() {
        try {
            if (server.isActive()) {
                server.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("embedded Redis did not stop", e);
        }
    }
}
