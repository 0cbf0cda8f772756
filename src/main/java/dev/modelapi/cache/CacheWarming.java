package dev.modelapi.cache;

import com.github.benmanes.caffeine.cache.Cache;
import dev.modelapi.bounded.BoundedMaps;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import org.apache.camel.Body;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache warming (seed: proactive warming of frequently used models). The {@code cache-remember}
 * step of routes/pipeline.camel.yaml keeps each caller's text, with the ensemble it was answered
 * by and how often it was asked, in a bounded in-memory map ({@code kept-texts}, for
 * {@code keep-for} after it was last asked; Caffeine's admission keeps the often asked ones). When
 * a model's default version changes, the most asked texts that its old default answered go, with
 * the new version in its place, to {@code seda:cache-warm} (routes/cache.camel.yaml), which runs
 * them through the pipeline at {@code texts-per-second}; their answers are cached, not audited.
 * One warming at a time: a change while one is queued is skipped and counted.
 */
public class CacheWarming {

    private static final Logger log = LoggerFactory.getLogger(CacheWarming.class);

    /** A kept text: what it was answered by, and how often it was asked while kept. */
    record Kept(String text, EnsembleSpec ensemble, LongAdder asked) {
    }

    private final CacheWarmingProperties settings;
    private final Cache<String, Kept> kept;
    private final java.util.function.Supplier<ProducerTemplate> producer;
    private final Counter answered;
    private final Counter failed;
    private final Counter skipped;

    CacheWarming(CacheWarmingProperties settings, java.util.function.Supplier<ProducerTemplate> producer,
            MeterRegistry meters) {
        this.settings = settings;
        this.producer = producer;
        this.kept = BoundedMaps.upkeptByCaller().maximumSize(settings.keptTexts())
                .expireAfterAccess(settings.keepFor()).build();
        Gauge.builder("modelapi.cache.warming.kept", kept, k -> {
                    k.cleanUp();
                    return k.estimatedSize();
                })
                .description("Texts kept in memory for cache warming; bounded by modelapi.cache.warming.kept-texts")
                .register(meters);
        this.answered = warmed(meters, "answered");
        this.failed = warmed(meters, "failed");
        this.skipped = warmed(meters, "skipped");
    }

    private static Counter warmed(MeterRegistry meters, String outcome) {
        return Counter.builder("modelapi.cache.warming.texts")
                .description("Texts the cache warming ran after a default version changed, by outcome"
                        + " (skipped: a warming was already queued)")
                .tag("outcome", outcome)
                .register(meters);
    }

    /** The {@code cache-remember} step: keeps a caller's text for warming (a cache hit counts as asked too). */
    public void remember(@Body PredictionTask task) {
        if (!settings.enabled() || !task.fromCaller() || task.cacheKey() == null) {
            return;
        }
        kept.asMap().computeIfAbsent(task.cacheKey(), key -> new Kept(task.text(), task.ensemble(), new LongAdder()))
                .asked().increment();
    }

    /** The texts kept now, without the map's upkeep first (the gauge runs it). */
    long keptNow() {
        return kept.asMap().size();
    }

    /**
     * The texts to warm after {@code name}'s default went from {@code before} to {@code after}: the
     * most asked kept texts that {@code before} answered, each with {@code after} in its place.
     */
    List<PredictionTask> plan(String name, String before, String after) {
        ModelRef old = new ModelRef(name, before);
        ModelRef now = new ModelRef(name, after);
        String requestId = "cache-warming-" + UUID.randomUUID();
        List<Kept> chosen = kept.asMap().values().stream()
                .filter(k -> k.ensemble().models().contains(old))
                .sorted(Comparator.comparingLong((Kept k) -> k.asked().sum()).reversed())
                .limit(settings.maxTexts())
                .toList();
        long received = System.nanoTime();
        return java.util.stream.IntStream.range(0, chosen.size()).mapToObj(i -> {
            Kept k = chosen.get(i);
            List<ModelRef> models = k.ensemble().models().stream().map(m -> m.equals(old) ? now : m).toList();
            EnsembleSpec ensemble = new EnsembleSpec(models, k.ensemble().method(), k.ensemble().weights(),
                    k.ensemble().quorum(), k.ensemble().name());
            return new PredictionTask(requestId, i, "cache-warming", PredictionTask.CACHE_WARMING_PRINCIPAL, k.text(),
                    ensemble, received);
        }).toList();
    }

    /** Registered with the model registry: a default change starts a warming, unless one is queued. */
    void defaultChanged(String name, String before, String after) {
        if (!settings.enabled()) {
            return;
        }
        List<PredictionTask> texts = plan(name, before, after);
        if (texts.isEmpty()) {
            return;
        }
        try {
            // the route's own queue bound (one warming waiting while one runs); full: refused at once
            producer.get().sendBody("seda:cache-warm?size=1&blockWhenFull=false", texts);
            log.info("Cache warming: {} of the texts {}:{} answered lately go to {}:{} at {} per second", texts.size(),
                    name, before, name, after, settings.textsPerSecond());
        } catch (RuntimeException e) {
            skipped.increment(texts.size());
            log.info("Cache warming for {}:{} skipped: another warming is queued ({})", name, after, e.getMessage());
        }
    }

    /** The {@code cache-warm-text} step: one text as the pipeline takes it. */
    public List<PredictionTask> one(@Body PredictionTask task) {
        return List.of(task);
    }

    /** The {@code cache-warm-done} step. */
    public void answered() {
        answered.increment();
    }

    /** The {@code cache-warm-failed} step: a text that failed is left cold; the warming goes on. */
    public void failed(org.apache.camel.Exchange exchange) {
        failed.increment();
        Exception e = exchange.getProperty(org.apache.camel.Exchange.EXCEPTION_CAUGHT, Exception.class);
        log.debug("Cache warming: a text failed", e);
    }
}
