package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;

/**
 * A web page from another origin calls the API in a real browser (headless Chromium, Debian's
 * package): the page's origin is allowed (modelapi.cors.allowed-origins), so the browser's
 * preflight is answered without a key and the page reads the prediction, its request id and an
 * error answer; a page from an origin not allowed cannot read anything. The page is served by a
 * plain HTTP server on its own port: http://127.0.0.1:<port> is allowed, http://localhost:<port>
 * (another origin, the same server) is not.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.cors.allowed-origins=http://127.0.0.1:[*], https://app.example.com",
                "modelapi.security.enabled=true"}) // off for most tests (src/test/resources/config)
class CorsBrowserTest {

    static final String KEY = "modelapi-dev-key";
    static HttpServer pages;

    @TempDir
    static Path profile;

    @LocalServerPort
    int port;

    @Autowired
    TestRestTemplate http;

    @BeforeAll
    static void servePages() throws IOException {
        pages = HttpServer.create(new InetSocketAddress(0), 0);
        pages.createContext("/", exchange -> {
            String service = exchange.getRequestURI().getQuery(); // ?http://127.0.0.1:<service port>
            byte[] page = PAGE.replace("SERVICE", service).replace("KEY", KEY).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        pages.start();
    }

    @AfterAll
    static void stopPages() {
        pages.stop(0);
    }

    /** Two calls: a prediction with the key (a preflight first: JSON and a custom header), and one without a key. */
    static final String PAGE = """
            <!doctype html><html><body><pre id="answer">pending</pre><pre id="refused">pending</pre><script>
            fetch('SERVICE/api/v1/predict', {method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-API-Key': 'KEY'},
                body: JSON.stringify({text: 'Congratulations! You won a free cruise, claim your prize now'})})
              .then(r => r.json().then(j => document.getElementById('answer').textContent =
                  'status=' + r.status + ' label=' + j.label + ' requestId=' + r.headers.get('X-Request-ID')))
              .catch(e => document.getElementById('answer').textContent = 'blocked: ' + e);
            fetch('SERVICE/api/v1/predict', {method: 'POST', headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({text: 'hello'})})
              .then(r => r.json().then(j => document.getElementById('refused').textContent =
                  'status=' + r.status + ' code=' + j.error.code + ' requestId=' + r.headers.get('X-Request-ID')))
              .catch(e => document.getElementById('refused').textContent = 'blocked: ' + e);
            </script></body></html>
            """;

    /** The page's DOM once its scripts have run, as headless Chromium dumps it. */
    String browse(String pageHost) throws Exception {
        String url = "http://" + pageHost + ":" + pages.getAddress().getPort() + "/page?http://127.0.0.1:" + port;
        Process chromium = new ProcessBuilder(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile.resolve(pageHost),
                "--virtual-time-budget=20000", "--dump-dom", url))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(chromium.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        return dom;
    }

    static String chromium() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("headless Chromium is needed (Debian: apt-get install chromium; .ci/run installs it)");
    }

    static String element(String dom, String id) {
        Matcher m = Pattern.compile("<pre id=\"" + id + "\">([^<]*)</pre>").matcher(dom);
        assertThat(m.find()).as(dom).isTrue();
        return m.group(1);
    }

    @Test
    void shouldLetAPageFromAnAllowedOriginCallTheApiAndReadItsAnswersAndErrors() throws Exception {
        String dom = browse("127.0.0.1");

        assertThat(element(dom, "answer")).matches("status=200 label=(spam|ham) requestId=[0-9a-f-]{36}");
        assertThat(element(dom, "refused")).matches("status=401 code=missing_api_key requestId=[0-9a-f-]{36}");
    }

    @Test
    void shouldKeepAPageFromAnotherOriginFromReadingAnything() throws Exception {
        String dom = browse("localhost");

        assertThat(element(dom, "answer")).startsWith("blocked: TypeError");
        assertThat(element(dom, "refused")).startsWith("blocked: TypeError");
    }

    @Test
    void shouldAnswerAPreflightWithoutAKeyAndOnlyForAllowedOrigins() {
        HttpHeaders preflight = new HttpHeaders();
        preflight.setOrigin("https://app.example.com");
        preflight.setAccessControlRequestMethod(HttpMethod.POST);
        preflight.setAccessControlRequestHeaders(List.of("content-type", "x-api-key"));

        ResponseEntity<String> allowed = http.exchange("/api/v1/predict", HttpMethod.OPTIONS, new HttpEntity<>(preflight),
                String.class);

        assertThat(allowed.getStatusCode().value()).isEqualTo(200);
        assertThat(allowed.getHeaders().getAccessControlAllowOrigin()).isEqualTo("https://app.example.com");
        assertThat(allowed.getHeaders().getAccessControlAllowMethods()).contains(HttpMethod.POST);
        assertThat(allowed.getHeaders().getAccessControlAllowHeaders()).contains("x-api-key");
        assertThat(allowed.getHeaders().getAccessControlMaxAge()).isEqualTo(3600);

        HttpHeaders keyless = new HttpHeaders();
        keyless.setOrigin("https://app.example.com");
        keyless.setContentType(org.springframework.http.MediaType.APPLICATION_JSON);
        ResponseEntity<String> noKey = http.exchange("/api/v1/predict", HttpMethod.POST,
                new HttpEntity<>("{\"text\": \"hello\"}", keyless), String.class);
        assertThat(noKey.getStatusCode().value()).as(noKey.getBody()).isEqualTo(401);
        assertThat(noKey.getHeaders().getAccessControlAllowOrigin()).isEqualTo("https://app.example.com");
        assertThat(noKey.getHeaders().getAccessControlExposeHeaders()).contains("X-Request-ID", "Retry-After");

        preflight.setOrigin("https://evil.example.net");
        ResponseEntity<String> refused = http.exchange("/api/v1/predict", HttpMethod.OPTIONS, new HttpEntity<>(preflight),
                String.class);
        assertThat(refused.getStatusCode().value()).isEqualTo(403);
        assertThat(refused.getHeaders().getAccessControlAllowOrigin()).isNull();
    }
}
