package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.ModelsApi;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;

/**
 * Many clients that reset their connections at random moments, some while their answers are being
 * written, as a load generator does at the end of a run (HttpClientGoneTest has the one client that
 * leaves while its request waits): every request ends (its exchange, its place in flight), the
 * drops are counted, and nothing is logged at WARN. The container may fail such a request and
 * recycle it while the thread that finished the route is still writing the answer; the engine
 * then read the recycled request for its debug line, which threw out of the route's callback, and
 * Camel logged that with a stack trace: 2-7 times at the end of every 30 s wrk run of 32 connections
 * (2026-12-02), and 4 times in this test. A second race of the same moment failed this test once in
 * CI (stop 33): the container, handling the reset, ran its error page ("Exception while processing
 * an asynchronous request") while the route's thread was still writing the answer to the same
 * response; the engine now writes and completes under the lock its error listener takes. A third
 * line, the container's own connection error, is bounded apart ({@link #containerErrors}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "modelapi.cache.enabled=false")
class HttpClientResetTest {

    private static final int CLIENTS = 32;
    private static final byte[] BODY = ("{\"text\": \"Subject: your account was locked. Verify your password at "
            + "the link below within 24 hours or lose access to your mailbox.\"}").getBytes(StandardCharsets.UTF_8);

    @LocalServerPort
    int port;

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    MeterRegistry meters;

    @Autowired
    CamelContext camel;

    /** How this context's Camel threads are named: "Camel (camel-1) thread #". */
    private String camelThreads;

    /**
     * Warnings logged on this context's threads: its Camel pools and the container's request
     * threads (other contexts cached in the same test JVM may warn about their own affairs).
     */
    private final ListAppender<ILoggingEvent> warnings = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            String thread = event.getThreadName();
            if (event.getLevel().isGreaterOrEqual(Level.WARN)
                    && (thread.startsWith(camelThreads) || thread.startsWith("http-nio-"))) {
                if (isContainersConnectionError(event)) {
                    containerErrors.add(event);
                } else {
                    super.append(event);
                }
            }
        }
    };

    /**
     * Tomcat's connection handler's "Error reading request, ignored": an exception out of its own
     * processing of a reset connection. CI saw it once (stop 36, 919 tests, with no stack trace in
     * the log); 9 runs of this test here (4 under 4 busy processes) and 5 minutes of 32-64 resetting
     * clients against the packaged service did not show it again. Kept apart from the warnings and
     * bounded, with its stack trace in the failure, until its cause is known.
     */
    private final List<ILoggingEvent> containerErrors = Collections.synchronizedList(new ArrayList<>());

    private static boolean isContainersConnectionError(ILoggingEvent event) {
        return event.getLoggerName().startsWith("org.apache.coyote.")
                && "Error reading request, ignored".equals(event.getFormattedMessage());
    }

    @BeforeEach
    void listen() {
        String name = camel.getExecutorServiceManager().resolveThreadName("probe");
        camelThreads = name.substring(0, name.indexOf('#') + 1);
        warnings.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(warnings);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(warnings);
    }

    @Test
    void shouldEndEveryRequestQuietlyWhenItsClientClosesWhileTheAnswerIsOnTheWay() throws Exception {
        assertThat(camelThreads).as("the threads whose warnings count").startsWith("Camel (").endsWith(") thread #");
        double abandonedBefore = meters.counter("modelapi.http.abandoned").count();
        assertThat(predict().getStatusCode().value()).isEqualTo(200);

        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            List<Future<Integer>> sent = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                sent.add(clients.submit(() -> sendAndHangUp(until)));
            }
            int requests = 0;
            for (Future<Integer> count : sent) {
                requests += count.get(60, TimeUnit.SECONDS);
            }
            assertThat(requests).isGreaterThan(CLIENTS);
        } finally {
            clients.shutdownNow();
        }

        // every request ended: its exchange and its place in flight are released
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> meters.get("modelapi.http.inflight").gauge().value() == 0);
        assertThat(meters.counter("modelapi.http.abandoned").count()).isGreaterThan(abandonedBefore);
        assertThat(warnings.list).extracting(HttpClientResetTest::describe).isEmpty();
        List<String> connectionErrors = containerErrors.stream().map(HttpClientResetTest::describe).toList();
        connectionErrors.forEach(System.out::println);
        assertThat(connectionErrors).as("the container's own connection errors").hasSizeLessThanOrEqualTo(2);
        assertThat(predict().getStatusCode().value()).isEqualTo(200);
    }

    /**
     * Sends requests until {@code until}, each on a new connection: one in four (the first among
     * them) is answered and timed, and the next three are reset at a random moment around that
     * time, so that some resets land while their answers are being written.
     */
    private int sendAndHangUp(long until) throws Exception {
        byte[] head = ("POST /api/v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + BODY.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        long answerNanos = 0;
        int requests = 0;
        while (System.nanoTime() < until) {
            boolean timed = requests % 4 == 0;
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoLinger(true, 0); // a reset, as a client killed mid-request
                OutputStream out = socket.getOutputStream();
                long sent = System.nanoTime();
                out.write(head);
                out.write(BODY);
                out.flush();
                requests++;
                if (timed) {
                    socket.getInputStream().read(); // the answer's first byte
                    answerNanos = System.nanoTime() - sent;
                } else {
                    TimeUnit.NANOSECONDS.sleep((long) (answerNanos * ThreadLocalRandom.current().nextDouble(0.6, 1.4)));
                }
            }
        }
        return requests;
    }

    /** A warning with its thread and stack trace, so that a failure says where it came from. */
    private static String describe(ILoggingEvent event) {
        String where = event.getLevel() + " on " + event.getThreadName() + " from " + event.getLoggerName() + ": ";
        return where + event.getFormattedMessage()
                + (event.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy()));
    }

    private ResponseEntity<String> predict() throws Exception {
        return ModelsApi.post(http, json, "/api/v1/predict", json.readTree(BODY));
    }
}
