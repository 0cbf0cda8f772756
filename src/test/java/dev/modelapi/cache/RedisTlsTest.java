package dev.modelapi.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.testsupport.EmbeddedRedisServer;
import dev.modelapi.testsupport.LocalPorts;
import dev.modelapi.testsupport.TemporaryDirectories;
import dev.modelapi.testsupport.TestCertificates;
import io.lettuce.core.RedisCommandTimeoutException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import redis.embedded.RedisServer;

/**
 * Redis over TLS as the service connects to it (Spring Boot's Redis client with the service's
 * {@link RedisClientConfiguration}, the settings README: Transport security gives): a real Redis
 * serving a certificate the test's own authority signed on its TLS port, {@code REDIS_URL=rediss://...}
 * and the authority as an SSL bundle. Commands go over the verified connection; the same port
 * refuses a plain client.
 *
 * <p>The client reaches Redis through a proxy that holds each new connection for a second before
 * passing it on, as a cold TLS handshake on a loaded machine does (CI once failed here when
 * Lettuce timed the handshake with the 500 ms command timeout): connecting may take up to the
 * connect timeout, each command still at most the command timeout. The connect timeout is 10 s
 * here (2 s by default) to leave a busy CI machine room for the handshake after that second.
 */
@SpringBootTest(classes = RedisTlsTest.RedisOnly.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class RedisTlsTest {

    static final TestCertificates CERTIFICATES = TestCertificates.make(TemporaryDirectories.make("redis-tls-"));
    static final TlsRedis REDIS = TlsRedis.start(CERTIFICATES);
    static final int TLS_PORT = REDIS.tlsPort();
    static final int PLAIN_PORT = REDIS.plainPort();
    static final SlowOpeningProxy PROXY = new SlowOpeningProxy(TLS_PORT, Duration.ofSeconds(1));

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({RedisAutoConfiguration.class, SslAutoConfiguration.class})
    @Import(RedisClientConfiguration.class)
    static class RedisOnly {
    }

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", () -> "rediss://127.0.0.1:" + PROXY.port());
        registry.add("spring.data.redis.connect-timeout", () -> "10s");
        registry.add("spring.data.redis.ssl.bundle", () -> "redis");
        registry.add("spring.ssl.bundle.pem.redis.truststore.certificate", () -> "file:" + CERTIFICATES.ca());
    }

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    RedisConnectionFactory connections;

    @AfterAll
    static void stop() throws IOException {
        PROXY.close();
        REDIS.server().stop();
    }

    @Test
    void shouldTalkToRedisOverAVerifiedTlsConnection() {
        redis.opsForValue().set("modelapi:tls-test", "sealed in transit");

        assertThat(redis.opsForValue().get("modelapi:tls-test")).isEqualTo("sealed in transit");
        assertThat(connections.getConnection().ping()).isEqualTo("PONG");
        assertThat(PROXY.opened()).isPositive();
    }

    @Test
    void shouldStillTimeACommandOutAtTheCommandTimeout() {
        redis.opsForValue().set("modelapi:tls-paused", "before");
        plain("CLIENT PAUSE 5000 WRITE");
        try {
            assertThatThrownBy(() -> redis.opsForValue().set("modelapi:tls-paused", "never in time"))
                    .isInstanceOf(QueryTimeoutException.class)
                    .hasRootCauseInstanceOf(RedisCommandTimeoutException.class)
                    .rootCause().hasMessageContaining("500 millisecond");
        } finally {
            plain("CLIENT UNPAUSE");
        }
    }

    @Test
    void shouldRefuseAPlainClientOnTheTlsPort() {
        var plain = new org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory(
                new org.springframework.data.redis.connection.RedisStandaloneConfiguration("127.0.0.1", TLS_PORT),
                org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration.builder()
                        .commandTimeout(java.time.Duration.ofSeconds(3)).build());
        plain.afterPropertiesSet();
        plain.start();
        try {
            assertThatThrownBy(() -> plain.getConnection().ping()).isInstanceOf(RuntimeException.class);
        } finally {
            plain.destroy();
        }
    }

    /** One inline command on Redis's plain port, its one-line reply asserted OK. */
    private static void plain(String command) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), PLAIN_PORT)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            String reply = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            assertThat(reply).as(command).isEqualTo("+OK");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Passes loopback connections on to a port, each after holding it for a while. */
    static final class SlowOpeningProxy implements AutoCloseable {

        private final ServerSocket server;
        private final AtomicInteger opened = new AtomicInteger();
        /** Opens each held connection once its hold is over. */
        private final ScheduledExecutorService opener = Executors.newSingleThreadScheduledExecutor(work -> {
            Thread thread = new Thread(work, "proxy-open");
            thread.setDaemon(true);
            return thread;
        });

        SlowOpeningProxy(int target, Duration hold) {
            try {
                server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            daemon("proxy-accept", () -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        opener.schedule(() -> open(client, target), hold.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        int opened() {
            return opened.get();
        }

        private void open(Socket client, int target) {
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                opened.incrementAndGet();
                daemon("proxy-up", () -> pipe(client, upstream));
                daemon("proxy-down", () -> pipe(upstream, client));
            } catch (IOException e) {
                close(client);
            }
        }

        private static void pipe(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException ignored) {
                // either side closed
            } finally {
                close(from);
                close(to);
            }
        }

        private static void close(Socket socket) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        private static void daemon(String name, Runnable work) {
            Thread thread = new Thread(work, name);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws IOException {
            opener.shutdownNow();
            server.close();
        }
    }

    /**
     * Redis with a plain and a TLS port. Both ports are picked free and closed before Redis binds
     * them, so another process may take one meanwhile (CI once lost the class to that: Redis exited
     * and every test failed in the class's initialiser); a start that fails is tried again on two
     * new ports, as {@code EmbeddedRedisServer} does for the plain one.
     */
    record TlsRedis(RedisServer server, int tlsPort, int plainPort) {

        private static final int START_ATTEMPTS = 3;

        static TlsRedis start(TestCertificates certificates) {
            IOException last = null;
            for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
                int plain = LocalPorts.free();
                int tls = LocalPorts.free();
                if (tls == plain) {
                    last = new IOException("the same free port came back twice: " + tls);
                    continue;
                }
                try {
                    RedisServer server = EmbeddedRedisServer.builder(plain)
                            .setting("tls-port " + tls)
                            .setting("tls-cert-file " + certificates.certificate())
                            .setting("tls-key-file " + certificates.key())
                            .setting("tls-ca-cert-file " + certificates.ca())
                            .setting("tls-auth-clients no")
                            .build();
                    server.start();
                    return new TlsRedis(server, tls, plain);
                } catch (IOException e) {
                    last = e;
                }
            }
            throw new UncheckedIOException("embedded Redis with TLS did not start in " + START_ATTEMPTS
                    + " attempts", last);
        }
    }
}
