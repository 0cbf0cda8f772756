package dev.modelapi.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which gRPC calls need which role, with the probes open or behind a key as HTTP's are. */
class GrpcKeyInterceptorTest {

    static GrpcKeyInterceptor interceptor(boolean healthNeedsKey) {
        return new GrpcKeyInterceptor(new SecurityProperties(true, List.of(), 50, healthNeedsKey, false,
                Duration.ofSeconds(30)), null, null);
    }

    @Test
    void shouldAskEachCallForItsRole() {
        GrpcKeyInterceptor open = interceptor(false);
        GrpcKeyInterceptor closed = interceptor(true);

        assertThat(open.rolesFor("ModelInfer")).containsExactly(Role.PREDICT);
        assertThat(open.rolesFor("ServerMetadata")).isEmpty(); // any valid key
        assertThat(open.rolesFor("ModelMetadata")).isEmpty();
        assertThat(open.rolesFor("SomethingElse")).isEmpty();
        for (String probe : List.of("ServerLive", "ServerReady", "ModelReady")) {
            assertThat(open.rolesFor(probe)).as(probe).isNull(); // no key
            assertThat(closed.rolesFor(probe)).as(probe).isEmpty();
        }
    }
}
