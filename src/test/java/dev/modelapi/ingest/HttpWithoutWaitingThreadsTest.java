package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.Bursts;
import dev.modelapi.testsupport.KernelThreads;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.Ordered;
import org.springframework.http.ResponseEntity;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * No thread waits for a request's answer: with four container threads and four task threads,
 * twelve requests at once still wait in one batch together (a thread held per request, as Camel's
 * own Spring Boot engine holds a task thread, would cap the batch at four). And an answer written
 * later, by another thread, does not send the request through the servlet filters and Spring MVC a
 * second time (an async dispatch, as a handler returning a future gets). With
 * modelapi.worker-thread-nice at 10, the request threads and the forward threads that ran a batch
 * take it, and the JIT compilers keep the process's own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "server.tomcat.threads.max=4", "server.tomcat.threads.min-spare=1",
        "spring.task.execution.pool.core-size=4", "spring.task.execution.pool.max-size=4",
        "modelapi.batching.max-delay=1500ms", "modelapi.cache.enabled=false", "modelapi.worker-thread-nice=10"})
class HttpWithoutWaitingThreadsTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    DispatchCounter dispatches;

    @Autowired
    MeterRegistry meters;

    /** Counts the dispatches of predict requests through the filter chain, by dispatcher type. */
    static final class DispatchCounter extends OncePerRequestFilter {
        final Map<DispatcherType, AtomicInteger> counts = new ConcurrentHashMap<>();

        @Override
        protected boolean shouldNotFilterAsyncDispatch() {
            return false;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (request.getRequestURI().equals("/api/v1/predict")) {
                counts.computeIfAbsent(request.getDispatcherType(), t -> new AtomicInteger()).incrementAndGet();
            }
            chain.doFilter(request, response);
        }
    }

    @TestConfiguration
    static class Filters {
        @Bean
        DispatchCounter dispatchCounter() {
            return new DispatchCounter();
        }

        @Bean
        FilterRegistrationBean<DispatchCounter> dispatchCounterRegistration(DispatchCounter counter) {
            FilterRegistrationBean<DispatchCounter> registration = new FilterRegistrationBean<>(counter);
            registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
            // ahead of RouteDispatchFilter, the last filter, which hands the request to the route
            registration.setOrder(Ordered.LOWEST_PRECEDENCE - 10);
            return registration;
        }
    }

    @Test
    void shouldBatchMoreConcurrentRequestsThanContainerThreads() throws Exception {
        List<ResponseEntity<String>> responses = Bursts.predictions(http, json, 12, 12);

        assertThat(responses).allSatisfy(r -> assertThat(r.getStatusCode().value()).as(r.getBody()).isEqualTo(200));
        int largestBatch = 0;
        for (ResponseEntity<String> response : responses) {
            largestBatch = Math.max(largestBatch, json.readTree(response.getBody()).get("batchSize").asInt());
        }
        assertThat(largestBatch).isGreaterThan(4);
    }

    @Test
    void shouldPassEachRequestThroughTheFiltersOnceThoughAnotherThreadAnswersIt() throws Exception {
        dispatches.counts.clear();

        List<ResponseEntity<String>> responses = Bursts.predictions(http, json, 8, 8);

        assertThat(responses).allSatisfy(r -> assertThat(r.getStatusCode().value()).as(r.getBody()).isEqualTo(200));
        assertThat(dispatches.counts.get(DispatcherType.REQUEST)).hasValue(8);
        assertThat(dispatches.counts).doesNotContainKeys(DispatcherType.ASYNC, DispatcherType.ERROR);
    }

    @Test
    void shouldMeasureTheContainersRequestThreadsAgainstTheirBound() throws Exception {
        List<ResponseEntity<String>> responses = Bursts.predictions(http, json, 12, 12);

        assertThat(responses).allSatisfy(r -> assertThat(r.getStatusCode().value()).as(r.getBody()).isEqualTo(200));
        assertThat(meters.get("modelapi.http.threads.max").gauge().value()).isEqualTo(4);
        // twelve requests at once started threads up to the bound, never past it. The two series are
        // read one after the other while the threads finish the last answers, so a thread that went
        // from busy to idle between the reads is counted twice: read them again until they agree
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
            double busy = meters.get("modelapi.http.threads").tag("state", "busy").gauge().value();
            double idle = meters.get("modelapi.http.threads").tag("state", "idle").gauge().value();
            assertThat(busy).isBetween(0.0, 4.0);
            assertThat(busy + idle).isBetween(2.0, 4.0);
        });
        // what Tomcat's poller hands over after the answers (a connection's next read, or its close)
        // waits for a request thread, which runs at a lower priority than the poller (modelapi.worker-thread-nice)
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(
                () -> assertThat(meters.get("modelapi.http.threads.queued").gauge().value()).isZero());
    }

    @Test
    void shouldRunTheWorkersNicerThanTheCompilersWhenAsked() throws Exception {
        List<ResponseEntity<String>> responses = Bursts.predictions(http, json, 4, 4);
        assertThat(responses).allSatisfy(r -> assertThat(r.getStatusCode().value()).as(r.getBody()).isEqualTo(200));

        Map<String, List<Integer>> niceByName = KernelThreads.niceByName();

        assertThat(nicesOf(niceByName, "http-nio.*")).as("the servlet container's threads").contains(10);
        assertThat(nicesOf(niceByName, "forward-\\d+")).as("the forward threads that ran a batch").contains(10);
        assertThat(niceByName.get("C2 CompilerThre")).as("the C2 compiler's threads").containsOnly(0);
        assertThat(meters.get("modelapi.threads.reniced").tag("pool", "http").functionCounter().count())
                .isGreaterThanOrEqualTo(1);
        assertThat(meters.get("modelapi.threads.reniced").tag("pool", "forward").functionCounter().count())
                .isGreaterThanOrEqualTo(1);
    }

    private static List<Integer> nicesOf(Map<String, List<Integer>> niceByName, String names) {
        return niceByName.entrySet().stream().filter(e -> e.getKey().matches(names))
                .flatMap(e -> e.getValue().stream()).toList();
    }
}
