package dev.modelapi.testsupport;

import static org.awaitility.Awaitility.await;

import dev.modelapi.ensemble.ModelInvoker;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.Prediction;
import dev.modelapi.model.TextClassifier;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The real model invoker, with a fault per model name that a test switches on: the model throws,
 * hangs (until {@link #healAll()} or 60 s), is slow (300 ms more per batch), or answers NaN /
 * probabilities that add up to 1.4. The
 * real model runs otherwise. Replaces the {@code modelInvoker} bean:
 *
 * <pre>{@code
 * @SpringBootTest(properties = "spring.main.allow-bean-definition-overriding=true")
 * @Import(FaultInjection.Config.class)
 * }</pre>
 */
public class FaultInjection extends ModelInvoker {

    public enum Fault { THROW, HANG, SLOW, NAN, BAD_SUM }

    public final Map<String, Fault> faults = new ConcurrentHashMap<>();
    public final AtomicInteger hangsStarted = new AtomicInteger();
    public final AtomicInteger hanging = new AtomicInteger();
    public final AtomicInteger mostHanging = new AtomicInteger();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private volatile CountDownLatch release = new CountDownLatch(1);

    public FaultInjection(ModelRegistry registry, MeterRegistry meters) {
        super(registry, meters);
    }

    @TestConfiguration
    public static class Config {
        @Bean("modelInvoker")
        FaultInjection modelInvoker(ModelRegistry registry, MeterRegistry meters) {
            return new FaultInjection(registry, meters);
        }
    }

    /** Every model well again; hung calls released and finished; counters of hangs reset. */
    public void healAll() {
        faults.clear();
        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> hanging.get() == 0);
        release = new CountDownLatch(1);
        mostHanging.set(0);
        hangsStarted.set(0);
    }

    /** Calls that reached the model (a breaker that refuses a call keeps it from here). */
    public int calls(String model) {
        return calls.getOrDefault(model, new AtomicInteger()).get();
    }

    @Override
    protected List<Prediction> predict(TextClassifier classifier, List<String> texts) {
        calls.computeIfAbsent(classifier.name(), n -> new AtomicInteger()).incrementAndGet();
        Fault fault = faults.get(classifier.name());
        if (fault == null) {
            return super.predict(classifier, texts);
        }
        switch (fault) {
            case THROW -> throw new IllegalStateException("injected failure of " + classifier.name());
            case SLOW -> {
                try {
                    new CountDownLatch(1).await(300, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.predict(classifier, texts);
            }
            case HANG -> {
                hangsStarted.incrementAndGet();
                mostHanging.accumulateAndGet(hanging.incrementAndGet(), Math::max);
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    hanging.decrementAndGet();
                }
                return super.predict(classifier, texts);
            }
            default -> {
                return super.predict(classifier, texts).stream().map(p -> corrupt(p, fault)).toList();
            }
        }
    }

    private static Prediction corrupt(Prediction real, Fault fault) {
        Map<String, Double> probabilities = new LinkedHashMap<>();
        real.probabilities().forEach((label, p) -> probabilities.put(label, fault == Fault.NAN ? Double.NaN : 0.7));
        return new Prediction(real.label(), probabilities.get(real.label()), probabilities);
    }
}
