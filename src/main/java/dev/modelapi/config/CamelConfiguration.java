package dev.modelapi.config;

import org.apache.camel.processor.aggregate.GroupedBodyAggregationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Beans the YAML routes name that belong to no single feature. */
@Configuration(proxyBeanMethods = false)
class CamelConfiguration {

    /** An aggregator's strategy when a batch is just the list of its bodies (texts to infer, rows to insert). */
    @Bean
    GroupedBodyAggregationStrategy bodiesAsList() {
        return new GroupedBodyAggregationStrategy();
    }
}
