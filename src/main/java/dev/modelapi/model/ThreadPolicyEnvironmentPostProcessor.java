package dev.modelapi.model;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Applies {@code modelapi.thread-policy} ({@link ThreadPolicy}) as soon as the configuration is
 * read, before Spring makes any of the service's threads, so that they all start with it. Runs after
 * Boot's own post-processors (application.yaml is read by then); an unknown value stops the start.
 */
class ThreadPolicyEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        ThreadPolicy.applyAtStart(environment.getProperty(ThreadPolicy.SETTING, ThreadPolicy.DEFAULT));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
