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

    @Test
    void shouldHashATextsUtf8BytesWhateverItHoldsAndHowLongItIs() {
        java.util.Random random = new java.util.Random(7);
        for (int n = 0; n < 500; n++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(n % 10 == 0 ? 5_000 : 100); // past the 1 KiB buffer too
            boolean ascii = random.nextBoolean();
            for (int c = 0; c < length; c++) {
                text.append(ascii || random.nextInt(50) > 0 ? (char) random.nextInt(0x80) : (char) random.nextInt(0x10000));
            }
            String expected = Sha256.hex(Sha256.digest().digest(text.toString().getBytes(StandardCharsets.UTF_8)));

            assertThat(Sha256.hex(text.toString())).as("text %d", n).isEqualTo(expected);
            assertThat(Sha256.hexOf(text.toString())).as("text %d", n).isEqualTo(expected);
        }
        assertThat(Sha256.hexOf("caf\u00e9", "\ud83d\ude00")).isEqualTo(Sha256.hex(Sha256.digest()
                .digest("caf\u00e9\0\ud83d\ude00".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void shouldLeaveNothingOfAFailedCallInTheThreadsDigest() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sha256.hexOf("ab", (String) null))
                .isInstanceOf(NullPointerException.class);

        assertThat(Sha256.hex("abc")).isEqualTo(ABC);
    }
}
