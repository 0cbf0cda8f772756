package dev.modelapi.warmup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelapi.model.ResidentMemory;
import dev.modelapi.security.WarmUpCaller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;

/**
 * Sends the service its own prediction requests once it has started, over HTTP on loopback, so
 * that the JIT compiles the request path (Tomcat, the key check, every route, JSON, the
 * batcher, the translator, the vote) before users arrive: without it the first minute or two of
 * traffic runs partly interpreted, with the compiler taking a fifth of the CPU. Readiness (health
 * indicator {@code warmUp}) is out of service until it is done; its answers are not cached (see
 * {@link WarmUpCaller}) and leave no audit row: the default run's in-memory audit database writes
 * them, to compile its writer too, and they are deleted once answered. Then, still before readiness, it gives
 * back the memory the start-up left resident and the service does not go on to use
 * ({@code modelapi.warm-up.settle}).
 */
class WarmUp implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(WarmUp.class);

    /** Every n-th request is a batch of {@link #BATCH_TEXTS} texts, so the batch routes warm too. */
    private static final int BATCH_EVERY = 10;
    private static final int BATCH_TEXTS = 4;
    /** Gives up when this many requests in a row fail before any is answered (a misconfiguration). */
    private static final int FAILURES_BEFORE_GIVING_UP = 20;

    enum State { WAITING, RUNNING, DONE, SKIPPED }

    /**
     * The audit's part (bean {@code AuditWarmUp}): where its database is the default run's in-memory
     * one it writes the warm-up's texts too, to compile its writer, and they are deleted once answered.
     */
    interface AuditRows {
        AuditRows NONE = new AuditRows() {
            @Override
            public void begin() {
            }

            @Override
            public void forget(long texts) {
            }
        };

        /** Before the first request. */
        void begin();

        /** After the last answer, before readiness: the texts the warm-up answered. */
        void forget(long texts);
    }

    private final WarmUpProperties settings;
    private final ServerProperties server;
    private final WarmUpCaller caller;
    private final ObjectMapper json;
    private final AuditRows auditRows;
    /** A full collection and the allocator's free native heap given back; run once, after the requests. */
    private final Runnable settle;
    private final Counter answered;
    private final Counter failed;
    /** Texts in the requests answered: a batch request's {@link #BATCH_TEXTS}, one otherwise. */
    private final AtomicLong textsAnswered = new AtomicLong();
    private final AtomicReference<State> state;
    private volatile String detail = "";
    private volatile long startedNanos;
    private volatile long tookMillis;
    /** Resident bytes the settle gave back; -1 until it ran (or where /proc cannot tell). */
    private volatile long settledBytes = -1;

    WarmUp(WarmUpProperties settings, ServerProperties server, WarmUpCaller caller, ObjectMapper json,
            MeterRegistry meters, AuditRows auditRows, Runnable settle) {
        this.settings = settings;
        this.server = server;
        this.caller = caller;
        this.json = json;
        this.auditRows = auditRows;
        this.settle = settle;
        this.state = new AtomicReference<>(settings.enabled() && settings.requests() > 0 ? State.WAITING : State.SKIPPED);
        if (state.get() == State.SKIPPED) {
            detail = "modelapi.warm-up is off";
        }
        this.answered = counter(meters, "answered");
        this.failed = counter(meters, "failed");
        Gauge.builder("modelapi.warmup.running", state, s -> s.get() == State.RUNNING ? 1 : 0)
                .description("1 while the start-up warm-up is sending its requests")
                .register(meters);
    }

    private static Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("modelapi.warmup.requests")
                .description("The start-up warm-up's own prediction requests")
                .tag("outcome", outcome)
                .register(meters);
    }

    /** Starts the warm-up on a thread of its own once the web server listens and the routes run. */
    @EventListener
    public void onReady(ApplicationReadyEvent event) {
        if (state.get() != State.WAITING) {
            return;
        }
        if (!(event.getApplicationContext() instanceof WebServerApplicationContext web) || web.getWebServer() == null
                || web.getWebServer().getPort() <= 0) {
            skip("no web server to send requests to");
            return;
        }
        if (server.getSsl() != null && server.getSsl().isEnabled()) {
            skip("the warm-up speaks plain HTTP and server.ssl is on");
            return;
        }
        String contextPath = server.getServlet().getContextPath() == null ? "" : server.getServlet().getContextPath();
        URI base = URI.create("http://127.0.0.1:" + web.getWebServer().getPort() + contextPath);
        Thread runner = new Thread(() -> run(base), "warm-up");
        runner.setDaemon(true);
        runner.start();
    }

    private void skip(String why) {
        state.set(State.SKIPPED);
        detail = why;
        log.info("Start-up warm-up skipped: {}", why);
    }

    void run(URI base) {
        state.set(State.RUNNING);
        startedNanos = System.nanoTime();
        long deadline = startedNanos + settings.maxDuration().toNanos();
        log.info("Warming up the request path: {} requests, {} at a time, for at most {}; readiness waits for it",
                settings.requests(), settings.concurrency(), settings.maxDuration());
        // The requests are sent with the blocking send() on `concurrency` threads of its own. Not with
        // sendAsync(): the JDK's client hands each response to CompletableFuture's default executor,
        // which on a machine of one or two cores (a common pool of parallelism 1) starts a new
        // thread per task: 4,000 threads for 4,000 requests (docs/performance.md).
        ExecutorService senders = Executors.newFixedThreadPool(settings.concurrency(), daemon("warm-up-sender"));
        ExecutorService pool = Executors.newFixedThreadPool(2, daemon("warm-up-http"));
        HttpClient http = HttpClient.newBuilder().executor(pool).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        WarmUpTexts texts = new WarmUpTexts(Long.toHexString(System.nanoTime() ^ caller.token().hashCode()));
        Semaphore inFlight = new Semaphore(settings.concurrency());
        auditRows.begin();
        try {
            int sent = 0;
            for (int i = 0; i < settings.requests() && System.nanoTime() < deadline; i++) {
                if (answered() == 0 && failed() >= FAILURES_BEFORE_GIVING_UP) {
                    detail = "gave up: its first " + failed() + " requests failed (" + detail + ")";
                    log.warn("Start-up warm-up {}", detail);
                    break;
                }
                if (!inFlight.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    break;
                }
                HttpRequest request = request(base, texts, i);
                int textsOfRequest = batch(i) ? BATCH_TEXTS : 1;
                senders.execute(() -> {
                    try {
                        if (count(http.send(request, HttpResponse.BodyHandlers.ofString()), null)) {
                            textsAnswered.addAndGet(textsOfRequest);
                        }
                    } catch (IOException | RuntimeException e) {
                        count(null, e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        count(null, e);
                    } finally {
                        inFlight.release();
                    }
                });
                sent++;
            }
            // the last requests finish, or time out, before readiness says up
            inFlight.tryAcquire(settings.concurrency(), settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (sent < settings.requests() && answered() > 0) {
                detail = "stopped at modelapi.warm-up.max-duration after " + sent + " requests";
            }
            log.info("Start-up warm-up done in {} ms: {} requests answered, {} failed{}",
                    (System.nanoTime() - startedNanos) / 1_000_000, answered(), failed(),
                    detail.isEmpty() ? "" : "; " + detail);
            if (answered() > 0) {
                forgetAuditRows();
            }
            if (settings.settle() && answered() > 0) {
                settle();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            detail = "interrupted";
        } catch (RuntimeException e) {
            detail = "failed: " + e;
            log.warn("Start-up warm-up failed; readiness does not wait for it", e);
        } finally {
            tookMillis = (System.nanoTime() - startedNanos) / 1_000_000;
            state.set(State.DONE);
            senders.shutdownNow();
            pool.shutdownNow();
        }
    }

    /** Its rows out of the audit database that wrote them (the default run's in-memory one) before readiness. */
    private void forgetAuditRows() {
        try {
            auditRows.forget(textsAnswered.get());
        } catch (RuntimeException e) {
            log.warn("Start-up warm-up: deleting its audit rows failed; the in-memory limit removes them", e);
        }
    }

    /**
     * The start-up's allocations, given back before users come: G1 commits its initial heap (a
     * 64th of the machine's memory) and grows it through the start-up, and glibc's arenas (or
     * jemalloc's, until their pages decay) keep what the warm-up's concurrent batches held. Neither shrinks under steady load, so without this a
     * start that reached more than the load's working set kept it: 810-1,053 MiB at readiness between
     * identical starts of the ensemble, whose forwards at 32 clients need 870-920 (docs/performance.md).
     */
    private void settle() {
        long start = System.nanoTime();
        long before = ResidentMemory.bytes();
        try {
            settle.run();
        } catch (RuntimeException e) {
            log.warn("Start-up warm-up: giving back the start-up's memory failed", e);
            return;
        }
        long after = ResidentMemory.bytes();
        settledBytes = before > 0 && after > 0 ? Math.max(0, before - after) : -1;
        log.info("Start-up warm-up settled in {} ms: resident memory {} -> {} MiB (a full collection, the "
                + "allocator's free native heap given back)", (System.nanoTime() - start) / 1_000_000, before >> 20, after >> 20);
    }

    private static ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private HttpRequest request(URI base, WarmUpTexts texts, int index) {
        ObjectNode body = json.createObjectNode();
        String path;
        if (batch(index)) {
            path = "/api/v1/predict/batch";
            var array = body.putArray("texts");
            for (int k = 0; k < BATCH_TEXTS; k++) {
                array.add(texts.text(index * BATCH_TEXTS + k + settings.requests()));
            }
        } else {
            path = "/api/v1/predict";
            body.put("text", texts.text(index));
        }
        return HttpRequest.newBuilder(base.resolve(base.getPath() + path))
                .timeout(settings.requestTimeout())
                .header("Content-Type", "application/json")
                .header(WarmUpCaller.HEADER, caller.token())
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
    }

    private static boolean batch(int index) {
        return index % BATCH_EVERY == BATCH_EVERY - 1;
    }

    /** @return whether the request was answered */
    private boolean count(HttpResponse<String> response, Throwable failure) {
        if (failure == null && response.statusCode() / 100 == 2) {
            answered.increment();
            return true;
        }
        failed.increment();
        String why = failure != null ? failure.toString()
                : "HTTP " + response.statusCode() + " " + abbreviate(response.body());
        if (answered() == 0) {
            detail = why;
        }
        log.debug("A warm-up request failed: {}", why);
        return false;
    }

    /** Counted by the meters, which are this bean's own (one warm-up per application context). */
    private int answered() {
        return (int) answered.count();
    }

    private int failed() {
        return (int) failed.count();
    }

    private static String abbreviate(String text) {
        return text == null ? "" : text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    /** Out of service while waiting or running, so a load balancer sends no traffic to a cold JVM. */
    @Override
    public Health health() {
        State now = state.get();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("state", now.name().toLowerCase(java.util.Locale.ROOT));
        details.put("requests", settings.requests());
        details.put("concurrency", settings.concurrency());
        details.put("answered", answered());
        details.put("failed", failed());
        if (now == State.RUNNING) {
            details.put("elapsedMillis", (System.nanoTime() - startedNanos) / 1_000_000);
        } else if (now == State.DONE) {
            details.put("tookMillis", tookMillis);
            if (settledBytes >= 0) {
                details.put("settledMiB", settledBytes >> 20);
            }
        }
        if (!detail.isEmpty()) {
            details.put("detail", detail);
        }
        boolean ready = now == State.DONE || now == State.SKIPPED;
        return (ready ? Health.up() : Health.outOfService()).withDetails(details).build();
    }
}
