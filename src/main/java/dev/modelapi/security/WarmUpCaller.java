package dev.modelapi.security;

import dev.modelapi.pipeline.PredictionTask;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The service's own start-up warm-up as a caller: a random token made when the JVM starts and
 * never written anywhere, sent by the warm-up in {@value #HEADER}. It may predict with every
 * model and nothing else, has no rate limit, and its principal ({@code warm-up}) is one no key may
 * take, so its answers are not cached and leave no audit row (the in-memory audit database writes
 * them to compile its writer and deletes them before readiness: {@code AuditWarmUp}).
 */
@Component
public class WarmUpCaller {

    /** The request header that carries the token; the routes never see it. */
    public static final String HEADER = "X-ModelApi-Warm-Up";

    static final Caller CALLER = new Caller(PredictionTask.WARM_UP_PRINCIPAL, Set.of(Role.PREDICT), List.of("*"), 0);

    private final String token;

    public WarmUpCaller() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random);
    }

    /** The token for the warm-up's requests. */
    public String token() {
        return token;
    }

    /** Whether a header value is this JVM's token (compared in constant time). */
    boolean matches(String header) {
        return header != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.US_ASCII),
                header.strip().getBytes(StandardCharsets.US_ASCII));
    }
}
