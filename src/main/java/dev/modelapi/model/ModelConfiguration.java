package dev.modelapi.model;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Loads the local model repository at start-up and reports it to health and metrics. */
@Configuration(proxyBeanMethods = false)
class ModelConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ModelConfiguration.class);

    static {
        DjlRuntime.applyDefaults();
        DjlRuntime.logNativeAllocator();
    }

    @Bean(destroyMethod = "close")
    ModelRegistry modelRegistry(ModelProperties settings, MeterRegistry meters,
            // the batcher's setting, read by name: the model package does not depend on the batching one
            @Value("${modelapi.batching.request-timeout:30s}") Duration requestTimeout,
            @Value("${" + ThreadNice.SETTING + ":" + ThreadNice.DEFAULT + "}") int workerNice) {
        ModelRegistry registry = ModelRegistry.loadFrom(settings.directory(), settings, requestTimeout);
        registry.forwards().threadNice(workerNice);
        registry.forwards().threadSlice(settings.forwardSlice());
        ThreadNice.meter(meters, "forward", registry.forwards(), ForwardPool::reniced);
        FunctionCounter.builder("modelapi.threads.sliced", registry.forwards(), ForwardPool::sliced)
                .description("Forward threads that set their time slice to modelapi.models.forward-slice at their first batch")
                .register(meters);
        registry.all().forEach(classifier -> registerGauges(registry, classifier, meters));
        registry.onLoad(classifier -> registerGauges(registry, classifier, meters));
        FunctionCounter.builder("modelapi.model.evictions", registry, ModelRegistry::evictions)
                .description("Model versions unloaded to make room under max-loaded / max-loaded-size")
                .register(meters);
        Gauge.builder("modelapi.model.forwards.running", registry.forwards(), ForwardPool::running)
                .description("Forwards running across all models, one per forward thread; bounded by "
                        + "modelapi.models.max-concurrent-forwards (" + registry.forwards().size() + ")")
                .register(meters);
        Gauge.builder("modelapi.model.forwards.threads", registry.forwards(), ForwardPool::threads)
                .description("Forward threads, spares for stalled forwards included; bounded by twice "
                        + "modelapi.models.max-concurrent-forwards")
                .register(meters);
        Gauge.builder("modelapi.model.forwards.stalled", registry.forwards(), ForwardPool::stalled)
                .description("Forwards running for longer than modelapi.models.stalled-forward")
                .register(meters);
        Gauge.builder("modelapi.model.forwards.queued", registry.forwards(), ForwardPool::queued)
                .description("Batches of all models waiting for a forward thread; each model's share is bounded by "
                        + "modelapi.models.queue-capacity")
                .register(meters);
        Gauge.builder("modelapi.models.loaded", registry, r -> r.all().size())
                .description("Model versions loaded; bounded by modelapi.models.max-loaded")
                .register(meters);
        registerMallocGauges(meters);
        registerThreadPolicy(meters);
        if (DjlRuntime.trimSupported()) {
            FunctionCounter.builder("modelapi.native.malloc.trims", registry.nativeHeapTrim(), NativeHeapTrim::trims)
                    .description("Trims of the native heap (glibc's malloc_trim, jemalloc's arena purge) after "
                            + "modelapi.models.native-heap-trim-after without forwards, and at the start-up warm-up's end")
                    .register(meters);
            FunctionCounter.builder("modelapi.native.malloc.trimmed", registry.nativeHeapTrim(),
                            NativeHeapTrim::releasedBytes)
                    .description("Resident bytes those trims gave back")
                    .baseUnit("bytes")
                    .register(meters);
        }
        return registry;
    }

    /** The threads at SCHED_BATCH ({@link ThreadPolicy}), and a line in the log saying what the start set. */
    private static void registerThreadPolicy(MeterRegistry meters) {
        if (!ThreadPolicy.supported()) {
            return;
        }
        int set = ThreadPolicy.setAtStart();
        if (set >= 0) {
            log.info("Threads scheduled SCHED_BATCH ({}=batch): {} at start, and every thread made since",
                    ThreadPolicy.SETTING, set);
        }
        Gauge.builder("modelapi.threads.sched.batch", () -> ThreadPolicy.threadsAt(ThreadPolicy.SCHED_BATCH))
                .description("The process's threads at the SCHED_BATCH scheduling policy (" + ThreadPolicy.SETTING
                        + "=batch, the default: all of them; inherit: those the process started with)")
                .register(meters);
    }

    /**
     * The C allocator's heap, where libtorch's tensors live: glibc's (what the arenas keep free is
     * bounded by the most they held at once and by DjlRuntime's trim threshold per arena) or, preloaded,
     * jemalloc's (what it keeps resident beyond its allocations: dirty pages until they decay, about
     * 10 s by default, and its fragmentation); none where neither can tell.
     */
    static void registerMallocGauges(MeterRegistry meters) {
        registerMallocGauges(meters, MallocReading.MAX_AGE_NANOS);
    }

    /** {@link #registerMallocGauges(MeterRegistry)}, each reading kept for {@code maxAgeNanos} (0: none kept). */
    static void registerMallocGauges(MeterRegistry meters, long maxAgeNanos) {
        if (DjlRuntime.mallocBytes() == null) {
            return;
        }
        MallocReading reading = new MallocReading(DjlRuntime::mallocBytes, System::nanoTime, maxAgeNanos);
        mallocGauge(meters, reading, "in_use", b -> b.arenaInUse() + b.mmapped());
        mallocGauge(meters, reading, "free", DjlRuntime.MallocBytes::free);
    }

    private static void mallocGauge(MeterRegistry meters, MallocReading reading, String state,
            ToLongFunction<DjlRuntime.MallocBytes> value) {
        Gauge.builder("modelapi.native.malloc", () -> {
                    DjlRuntime.MallocBytes bytes = reading.get();
                    return bytes == null ? 0 : value.applyAsLong(bytes);
                })
                .description("The C allocator's heap (glibc's malloc, or jemalloc preloaded): bytes of blocks in "
                        + "use (state=in_use) and bytes it keeps resident for the next allocations (state=free; "
                        + "glibc: at most 128 MiB at each arena's top, modelapi.malloc.tune; jemalloc: dirty pages "
                        + "until they decay)")
                .baseUnit("bytes")
                .tag("state", state)
                .register(meters);
    }

    /**
     * One reading of the allocator's statistics for both gauges of a scrape, taken again once it is
     * older than a second: jemalloc's statistics are refreshed by a call of their own ({@code epoch}),
     * and the two gauges would otherwise each refresh them and read two different moments.
     */
    static final class MallocReading implements Supplier<DjlRuntime.MallocBytes> {
        static final long MAX_AGE_NANOS = 1_000_000_000L;

        private record Reading(long atNanos, DjlRuntime.MallocBytes bytes) {
        }

        private final Supplier<DjlRuntime.MallocBytes> source;
        private final LongSupplier clock;
        private final long maxAgeNanos;
        private volatile Reading last;

        MallocReading(Supplier<DjlRuntime.MallocBytes> source, LongSupplier clock, long maxAgeNanos) {
            this.source = source;
            this.clock = clock;
            this.maxAgeNanos = maxAgeNanos;
        }

        @Override
        public DjlRuntime.MallocBytes get() {
            long now = clock.getAsLong();
            Reading reading = last;
            if (reading == null || now - reading.atNanos() >= maxAgeNanos) {
                reading = new Reading(now, source.get());
                last = reading;
            }
            return reading.bytes();
        }
    }

    /** Gauges read through the registry, so a reloaded version reports its new copy and an unloaded one 0. */
    private static void registerGauges(ModelRegistry registry, TextClassifier classifier, MeterRegistry meters) {
        String name = classifier.name();
        String version = classifier.version();
        gauge(meters, registry, name, version, "modelapi.model.workers.busy",
                "Batches of the model running now; modelapi.model.workers is the bound", TextClassifier::busyWorkers);
        gauge(meters, registry, name, version, "modelapi.model.workers",
                "Predictors of the model: the most batches of it that run at once on the forward threads",
                TextClassifier::workers);
        gauge(meters, registry, name, version, "modelapi.model.queue.size",
                "Batches of the model waiting for a forward thread; bounded by modelapi.models.queue-capacity",
                TextClassifier::queuedBatches);
        gauge(meters, registry, name, version, "modelapi.model.memory.bytes",
                "Resident memory the process gained while the model loaded and warmed up", TextClassifier::memoryBytes);
        gauge(meters, registry, name, version, "modelapi.model.bytes",
                "Size of the model's TorchScript file", TextClassifier::modelBytes);
        gauge(meters, registry, name, version, "modelapi.model.load.seconds",
                "Time the last load of the model took, warm-up included", c -> c.loadTime().toMillis() / 1000.0);
    }

    private static void gauge(MeterRegistry meters, ModelRegistry registry, String name, String version, String metric,
            String description, java.util.function.ToDoubleFunction<TextClassifier> value) {
        Gauge.builder(metric, registry, r -> r.find(name, version).map(value::applyAsDouble).orElse(0.0))
                .description(description)
                .tags("model", name, "version", version)
                .register(meters);
    }

    /** Down while no model is loaded; names the directories that failed either way. */
    @Bean
    HealthIndicator modelsHealthIndicator(ModelRegistry registry) {
        return () -> {
            Health.Builder health = registry.all().isEmpty() ? Health.down() : Health.up();
            registry.all().forEach(c -> health.withDetail(c.directory().id(), "loaded"));
            registry.failures().forEach(health::withDetail);
            return health.build();
        };
    }
}
