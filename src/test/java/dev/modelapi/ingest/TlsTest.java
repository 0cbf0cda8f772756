package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.TemporaryDirectories;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * TLS is nothing but Boot's {@code server.ssl.*}: with a keystore the test makes with keytool, the
 * API answers over HTTPS to a client that trusts that certificate, and to nobody else.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TlsTest {

    private static final String ALIAS = "modelapi";

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final Keystore KEYSTORE = Keystore.generate();

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    @DynamicPropertySource
    static void tls(DynamicPropertyRegistry registry) {
        registry.add("server.ssl.enabled", () -> "true");
        registry.add("server.ssl.key-store", () -> KEYSTORE.file().toUri().toString());
        registry.add("server.ssl.key-store-type", () -> "PKCS12");
        registry.add("server.ssl.key-store-password", KEYSTORE::password);
        registry.add("server.ssl.key-alias", () -> ALIAS);
    }

    @Test
    void shouldAnswerHealthOverHttpsToAClientThatTrustsTheCertificate() throws Exception {
        HttpResponse<String> response = trustingClient().send(
                HttpRequest.newBuilder(uri("https", "/actuator/health")).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json.readTree(response.body()).get("status").asText()).isEqualTo("UP");
    }

    @Test
    void shouldClassifyOverHttps() throws Exception {
        HttpResponse<String> response = trustingClient().send(
                HttpRequest.newBuilder(uri("https", "/api/v1/predict")).timeout(TIMEOUT)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"Subject: hello over TLS\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode answer = json.readTree(response.body());
        assertThat(answer.path("label").asText()).isIn("ham", "spam");
    }

    @Test
    void shouldFailTheHandshakeForAClientWithTheDefaultTrustStore() {
        HttpClient defaultTrust = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        HttpRequest health = HttpRequest.newBuilder(uri("https", "/actuator/health")).timeout(TIMEOUT).GET().build();

        assertThatThrownBy(() -> defaultTrust.send(health, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class)
                .satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(SSLHandshakeException.class));
    }

    @Test
    void shouldNotServePlainHttpOnTheTlsPort() throws Exception {
        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
        HttpRequest health = HttpRequest.newBuilder(uri("http", "/actuator/health")).timeout(TIMEOUT).GET().build();

        // Tomcat answers plain HTTP on a TLS port with 400, or the connection simply fails.
        Optional<Integer> status;
        try {
            status = Optional.of(plain.send(health, HttpResponse.BodyHandlers.ofString()).statusCode());
        } catch (IOException refused) {
            status = Optional.empty();
        }
        assertThat(status).isNotEqualTo(Optional.of(200));
    }

    private URI uri(String scheme, String path) {
        return URI.create(scheme + "://localhost:" + port + path);
    }

    /** A client whose only trust anchor is the generated certificate (no JVM default CAs). */
    private static HttpClient trustingClient() throws GeneralSecurityException {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try {
            trusted.load(null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        trusted.setCertificateEntry(ALIAS, KEYSTORE.load().getCertificate(ALIAS));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).connectTimeout(TIMEOUT).build();
    }

    private static List<Throwable> causes(Throwable e) {
        return Stream.iterate(e, Objects::nonNull, Throwable::getCause).toList();
    }

    /** A fresh self-signed PKCS12 keystore for localhost, made by the JDK's keytool. */
    private record Keystore(Path file, String password) {

        static Keystore generate() {
            try {
                Path file = TemporaryDirectories.make("modelapi-tls-").resolve("keystore.p12");
                byte[] secret = new byte[24];
                new SecureRandom().nextBytes(secret);
                String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);

                // The password goes through the environment, not the command line other processes can read.
                ProcessBuilder keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                        "-genkeypair", "-noprompt",
                        "-alias", ALIAS, "-keyalg", "RSA", "-keysize", "2048",
                        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                        "-validity", "2",
                        "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass:env", "KEYSTORE_PASSWORD")
                        .redirectErrorStream(true);
                keytool.environment().put("KEYSTORE_PASSWORD", password);
                Process process = keytool.start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(1, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("keytool did not finish within a minute: " + output);
                }
                if (process.exitValue() != 0) {
                    throw new IllegalStateException("keytool exited with " + process.exitValue() + ": " + output);
                }
                return new Keystore(file, password);
            } catch (IOException e) {
                throw new UncheckedIOException("could not run keytool", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while keytool ran", e);
            }
        }

        KeyStore load() throws GeneralSecurityException {
            try (InputStream in = Files.newInputStream(file)) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(in, password.toCharArray());
                return store;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
