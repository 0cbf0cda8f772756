package dev.modelapi.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;

/** Many prediction requests at once, each with its own text, for the overload tests. */
public final class Bursts {

    private Bursts() {
    }

    /** Sends {@code requests} single-text predictions from {@code clients} threads; answers in sending order. */
    public static List<ResponseEntity<String>> predictions(TestRestTemplate http, ObjectMapper json, int requests,
            int clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Callable<ResponseEntity<String>>> calls = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                Map<String, String> body = Map.of("text", "burst " + i + " " + UUID.randomUUID());
                calls.add(() -> ModelsApi.post(http, json, "/api/v1/predict", body));
            }
            List<ResponseEntity<String>> responses = new ArrayList<>();
            for (Future<ResponseEntity<String>> response : pool.invokeAll(calls)) {
                responses.add(response.get());
            }
            return responses;
        } finally {
            pool.shutdown();
        }
    }
}
