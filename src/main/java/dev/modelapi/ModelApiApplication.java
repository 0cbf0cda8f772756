package dev.modelapi;

import dev.modelapi.model.DjlRuntime;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point: the Spring Boot application that hosts the Camel routes and the model beans. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ModelApiApplication {

    public static void main(String[] args) {
        DjlRuntime.applyDefaults();
        SpringApplication.run(ModelApiApplication.class, args);
    }
}
