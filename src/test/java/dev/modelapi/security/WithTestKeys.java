package dev.modelapi.security;

import dev.modelapi.testsupport.RealServices;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The running service with keys required, on the real PostgreSQL and Redis, and the test keys of
 * {@link AccessControlTest}: the development key (every role), {@code reader} (predict, spam-roberta
 * only) and {@code slow} (predict, one request a second). One configuration, so one service for
 * every test class that names it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "modelapi.security.enabled=true",
        // a list set here replaces application.yaml's whole list: the development key again as keys[0]
        "modelapi.security.keys[0].name=development",
        "modelapi.security.keys[0].sha256=cf38ba39942a6f4c62ca89f21d908642af63e294531f80c568d64ad50ec61123",
        "modelapi.security.keys[0].roles=predict,admin,auditor",
        "modelapi.security.keys[1].name=reader",
        "modelapi.security.keys[1].sha256=" + AccessControlTest.READER_SHA256,
        "modelapi.security.keys[1].roles=predict",
        "modelapi.security.keys[1].models=spam-roberta",
        "modelapi.security.keys[2].name=slow",
        "modelapi.security.keys[2].sha256=" + AccessControlTest.SLOW_SHA256,
        "modelapi.security.keys[2].roles=predict",
        "modelapi.security.keys[2].requests-per-second=1"})
@RealServices
@interface WithTestKeys {
}
