package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelapi.model.IdleThreads;
import dev.modelapi.model.ThreadNice;
import dev.modelapi.model.ThreadPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.util.concurrent.SynchronousExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The audit's writers in a real Camel context on this (Linux) machine: the consumer of a writer
 * route and its aggregator's timeout checker run at SCHED_IDLE, read back from the kernel; a route of
 * another name is left alone; rows piling up in {@code seda:audit} take the writers back to the
 * policy they had, and they go idle again once the queue is short. Where the process may not leave
 * SCHED_IDLE (not root, no CAP_SYS_NICE or RLIMIT_NICE 20) nothing is made idle.
 */
class AuditWritersTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final CamelContext camel = new DefaultCamelContext();
    /** Policy of each thread that ran a step, by route: the writer's consumer, its checker, another route's consumer. */
    private final ConcurrentHashMap<String, Integer> tids = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        camel.stop();
    }

    @Test
    void shouldIdleTheWritersAndTakeThemBackWhileTheQueueIsLong() throws Exception {
        boolean reversible = ThreadPolicy.idleIsReversible();
        IdleThreads idle = new IdleThreads(true, reversible, 20, 2, meters);
        AuditWriters writers = new AuditWriters(idle, Set.of("audit-write"), 100);
        writers.beforeApplicationStart(camel);
        CountDownLatch first = new CountDownLatch(1);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("seda:audit?size=100").routeId("audit-write")
                        .process(exchange -> {
                            tids.put("consumer", ThreadNice.currentTid());
                            first.countDown();
                            // the database is slow: rows wait in the queue until the test lets them go
                            release.await(30, TimeUnit.SECONDS);
                        })
                        .aggregate(constant("all"), (old, row) -> row).completionSize(1000).completionTimeout(20)
                        .completionTimeoutCheckerInterval(10)
                        // as routes/audit.camel.yaml: a batch is written on the thread that completed it
                        .executorService(new SynchronousExecutorService())
                        .process(exchange -> tids.put("checker", ThreadNice.currentTid()));
                from("seda:other?size=100").routeId("other")
                        .process(exchange -> tids.put("other", ThreadNice.currentTid()));
            }
        });
        camel.start();
        ProducerTemplate producer = camel.createProducerTemplate();
        producer.sendBody("seda:other", "row");
        producer.sendBody("seda:audit", "row");
        assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> tids.containsKey("other"));
        assertThat(ThreadPolicy.policyOf(tids.get("other"))).isEqualTo(ThreadPolicy.SCHED_OTHER);
        if (!idle.active()) {
            assertThat(ThreadPolicy.policyOf(tids.get("consumer"))).isEqualTo(ThreadPolicy.SCHED_OTHER);
            return;
        }
        int consumer = tids.get("consumer");
        assertThat(ThreadPolicy.policyOf(consumer)).isEqualTo(ThreadPolicy.SCHED_IDLE);

        // rows pile up behind the busy writer; each one made reports the queue's length
        for (int row = 0; row < 25; row++) {
            producer.sendBody("seda:audit", "row " + row);
            writers.rowQueued();
        }
        assertThat(writers.queued()).isEqualTo(25);
        assertThat(idle.promoted()).isTrue();
        assertThat(ThreadPolicy.policyOf(consumer)).isEqualTo(ThreadPolicy.SCHED_OTHER);
        assertThat(meters.get("modelapi.deferred.promotions").counter().count()).isEqualTo(1.0);

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> writers.queued() == 0 && tids.containsKey("checker"));
        writers.rowQueued();
        assertThat(idle.promoted()).isFalse();
        assertThat(ThreadPolicy.policyOf(consumer)).isEqualTo(ThreadPolicy.SCHED_IDLE);
        // the aggregator's timeout checker completed the batch, on a writer thread too
        assertThat(ThreadPolicy.policyOf(tids.get("checker"))).isEqualTo(ThreadPolicy.SCHED_IDLE);
        assertThat(idle.idleNow()).isEqualTo(2);

        camel.stop();
        // the pools' threads left: none is counted any more
        await().atMost(Duration.ofSeconds(10)).until(() -> idle.idleNow() == 0
                && !Files.exists(Path.of("/proc/self/task/" + consumer)));
    }
}
