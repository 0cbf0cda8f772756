package dev.modelapi.config;

import dev.modelapi.observability.RequestLogUnitOfWork;
import dev.modelapi.observability.RouteMeters;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ExecutorService;
import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.DefaultThreadPoolFactory;

import org.apache.camel.processor.aggregate.GroupedBodyAggregationStrategy;
import org.apache.camel.util.concurrent.SynchronousExecutorService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Beans the YAML routes name that belong to no single feature. */
@Configuration(proxyBeanMethods = false)
class CamelConfiguration {

    /** The request's ids in the logging MDC at every step, in place of Camel's MDC logging (off). */
    @Bean
    RequestLogUnitOfWork.Factory requestLogUnitOfWork() {
        return new RequestLogUnitOfWork.Factory();
    }

    /**
     * The route meters (camel_exchanges_*, camel_route_policy_seconds per route), in place of
     * camel-micrometer's route policy ({@code camel.metrics.enable-route-policy: false}); Camel adds
     * every route policy factory in the registry to each route.
     */
    @Bean
    RouteMeters routeMeters(MeterRegistry meters) {
        return new RouteMeters(meters);
    }

    /**
     * Executor metrics for every Camel pool. camel-opentelemetry installs a thread pool factory that
     * wraps each pool for context propagation, and Micrometer cannot measure a wrapped pool, so the
     * routes' pools would go unmeasured. Camel's tracing keeps spans on the exchange, not in the
     * thread's context, so the plain pools lose nothing (ObservabilityTest checks the span tree).
     * {@link MeasuredThreadPoolFactory} rather than camel-micrometer's factory: see there why.
     */
    @Bean
    CamelContextConfiguration measuredThreadPools(MeterRegistry meters) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camel) {
                camel.getExecutorServiceManager().setThreadPoolFactory(
                        new MeasuredThreadPoolFactory(meters, new DefaultThreadPoolFactory()));
            }

            @Override
            public void afterApplicationStart(CamelContext camel) {
            }
        };
    }

    /**
     * An executor that runs each task on the thread that submits it. Routes name it where a step
     * must hand work to an executor but a thread switch would only cost: the batch aggregator,
     * whose completed batch only dispatches to the ensemble's pool, the audit wiretap, whose
     * copy only becomes a row on the bounded {@code seda:audit} queue, and the audit aggregators,
     * whose batch is inserted by the audit's writer thread that completed it.
     */
    @Bean
    ExecutorService sameThread() {
        return new SynchronousExecutorService();
    }

    /** An aggregator's strategy when a batch is just the list of its bodies (texts to infer, rows to insert). */
    @Bean
    GroupedBodyAggregationStrategy bodiesAsList() {
        return new GroupedBodyAggregationStrategy();
    }
}
