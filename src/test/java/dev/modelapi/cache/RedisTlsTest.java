package dev.modelapi.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.testsupport.LocalPorts;
import dev.modelapi.testsupport.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import redis.embedded.RedisServer;

/**
 * Redis over TLS as the service connects to it (Spring Boot's Redis client, the settings README:
 * Transport security gives): a real Redis serving a certificate the test's own authority signed on
 * its TLS port, {@code REDIS_URL=rediss://...} and the authority as an SSL bundle. Commands go over
 * the verified connection; the same port refuses a plain client.
 */
@SpringBootTest(classes = RedisTlsTest.RedisOnly.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class RedisTlsTest {

    static final TestCertificates CERTIFICATES = TestCertificates.make(temp());
    static final int TLS_PORT = LocalPorts.free();
    static final RedisServer REDIS = start();

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({RedisAutoConfiguration.class, SslAutoConfiguration.class})
    static class RedisOnly {
    }

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", () -> "rediss://127.0.0.1:" + TLS_PORT);
        registry.add("spring.data.redis.ssl.bundle", () -> "redis");
        registry.add("spring.ssl.bundle.pem.redis.truststore.certificate", () -> "file:" + CERTIFICATES.ca());
    }

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    RedisConnectionFactory connections;

    @AfterAll
    static void stop() throws IOException {
        REDIS.stop();
    }

    @Test
    void shouldTalkToRedisOverAVerifiedTlsConnection() {
        redis.opsForValue().set("modelapi:tls-test", "sealed in transit");

        assertThat(redis.opsForValue().get("modelapi:tls-test")).isEqualTo("sealed in transit");
        assertThat(connections.getConnection().ping()).isEqualTo("PONG");
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

    private static RedisServer start() {
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .port(LocalPorts.free())
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("tls-port " + TLS_PORT)
                    .setting("tls-cert-file " + CERTIFICATES.certificate())
                    .setting("tls-key-file " + CERTIFICATES.key())
                    .setting("tls-ca-cert-file " + CERTIFICATES.ca())
                    .setting("tls-auth-clients no")
                    .build();
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded Redis with TLS did not start", e);
        }
    }

    private static Path temp() {
        try {
            return Files.createTempDirectory("redis-tls-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
