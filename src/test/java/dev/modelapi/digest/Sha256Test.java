package dev.modelapi.digest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The known answers of SHA-256 (FIPS 180-2 examples), in each form the service uses. */
class Sha256Test {

    static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void shouldGiveTheKnownAnswerAsLowercaseHexFromATextBytesOrAStream() throws Exception {
        assertThat(Sha256.hex("abc")).isEqualTo(ABC);
        assertThat(Sha256.hex(Sha256.digest().digest("abc".getBytes(StandardCharsets.US_ASCII)))).isEqualTo(ABC);
        assertThat(Sha256.hex(new ByteArrayInputStream("abc".getBytes(StandardCharsets.US_ASCII)))).isEqualTo(ABC);
        assertThat(Sha256.hex("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void shouldKeepTheJoinedPartsApart() {
        assertThat(Sha256.hexOf("abc")).isEqualTo(ABC);
        assertThat(Sha256.hexOf("ab", "c")).isNotEqualTo(Sha256.hexOf("a", "bc")).isNotEqualTo(ABC);
        assertThat(Sha256.hexOf("ab", "c")).isEqualTo(Sha256.hex("ab\0c"));
    }
}
