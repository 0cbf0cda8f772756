package dev.modelapi.sanitize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class InputInspectorTest {

    final InputInspector inspector = new InputInspector(32, 64, 0.1);

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "Is this review positive? The food was great and the staff friendly.",
            "hello мир, γεια σου κόσμε",
            "東京タワーはとても高いです。",
            "東京Tokyo ソウルSeoul",
            "naïve café, déjà vu, São Paulo, Zürich",
            "cafe\u0301 with a combining accent",
            "line one\n\tline two\r\nline three",
            "non\u00A0breaking spaces and emoji 🙂👍",
            "a 5 µm particle (micro sign, not Greek mu)",
            "שלום עולם and مرحبا بالعالم without controls"
    })
    void shouldRaiseNoFlagForOrdinaryText(String text) {
        assertThat(inspector.inspect(text)).isEmpty();
    }

    @Test
    void shouldReturnAModifiableEnumSet() {
        assertThat(inspector.inspect("clean")).isInstanceOf(EnumSet.class).isEmpty();
    }

    // INVISIBLE ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "free\u200Bmoney", "zero\u200Cwidth non-joiner", "zero\u200Djoiner", "word\u2060joiner",
            "\uFEFFbyte order mark", "soft\u00ADhyphen", "mongolian\u180Evowel separator",
            "f\u2061(x) function application", "invisible\u2062times", "invisible\u2063separator", "invisible\u2064plus",
            "tag characters smuggle ASCII \uDB40\uDC41\uDB40\uDC42"
    })
    void shouldFlagZeroWidthCharacters(String text) {
        assertThat(inspector.inspect(text)).containsExactly(InputFlag.INVISIBLE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"e\u0301", "tab\tand newline\n", "thin\u2009space", "ideographic\u3000space"})
    void shouldNotFlagMarksOrVisibleSpacingAsInvisible(String text) {
        assertThat(inspector.inspect(text)).doesNotContain(InputFlag.INVISIBLE);
    }

    // BIDI_CONTROL ------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C})
    void shouldFlagEveryBidiControlAsBidiNotInvisible(int control) {
        String text = "invoice" + Character.toString(control) + "fdp.exe";

        assertThat(inspector.inspect(text)).containsExactly(InputFlag.BIDI_CONTROL);
    }

    @Test
    void shouldFlagTrojanSourceStyleOverrides() {
        String text = "access_level != \"user\u202E \u2066// Check if admin\u2069 \u2066\"";

        assertThat(inspector.inspect(text)).containsExactly(InputFlag.BIDI_CONTROL);
    }

    @Test
    void shouldFlagBidiAndInvisibleTogether() {
        assertThat(inspector.inspect("a\u202Eb\u200Bc")).containsExactlyInAnyOrder(InputFlag.BIDI_CONTROL, InputFlag.INVISIBLE);
    }

    @Test
    void shouldNotFlagRightToLeftScriptsWithoutControls() {
        assertThat(inspector.inspect("עברית ועוד, العربية أيضا")).isEmpty();
    }

    // MIXED_SCRIPT ------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "log in to p\u0430ypal now",   // Cyrillic а
            "\u0410pple support",          // Cyrillic А
            "g\u03BFogle.com",             // Greek ο
            "\u0581oogle",                 // Armenian ց
            "\u13AApple",                  // Cherokee Ꭺ
            "micr\u043Es\u043Eft"          // Cyrillic о twice, still two scripts
    })
    void shouldFlagHomoglyphSpoofingWithinAWord(String text) {
        assertThat(inspector.inspect(text)).containsExactly(InputFlag.MIXED_SCRIPT);
    }

    @Test
    void shouldNotLetACombiningMarkSplitASpoofedWord() {
        assertThat(inspector.inspect("pay\u0301\u0440\u0430l")).containsExactly(InputFlag.MIXED_SCRIPT);
    }

    @Test
    void shouldNotLetAnInvisibleCharacterSplitASpoofedWord() {
        assertThat(inspector.inspect("pay\u200B\u0440\u0430l"))
                .containsExactlyInAnyOrder(InputFlag.MIXED_SCRIPT, InputFlag.INVISIBLE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "hello мир", "hello-мир", "English, русский, ελληνικά, հայերեն",
            "漢字ひらがなカタカナ", "東京Tokyo", "Привет123world", "ok 👍 хорошо"
    })
    void shouldNotFlagWordsThatEachUseOneScript(String text) {
        assertThat(inspector.inspect(text)).doesNotContain(InputFlag.MIXED_SCRIPT);
    }

    // REPETITION --------------------------------------------------------------------------------

    @Test
    void shouldFlagACharacterRepeatedMoreThanTheLimit() {
        assertThat(inspector.inspect("a".repeat(40))).containsExactly(InputFlag.REPETITION);
        assertThat(inspector.inspect("so good" + "!".repeat(33))).containsExactly(InputFlag.REPETITION);
    }

    @Test
    void shouldAcceptARunExactlyAtTheLimit() {
        assertThat(inspector.inspect("a".repeat(32))).isEmpty();
        assertThat(inspector.inspect("a".repeat(32) + " " + "a".repeat(32))).isEmpty();
    }

    @Test
    void shouldCountASurrogatePairAsOneCharacter() {
        assertThat(inspector.inspect("😀".repeat(32))).isEmpty();
        assertThat(inspector.inspect("😀".repeat(33))).containsExactly(InputFlag.REPETITION);
    }

    @ParameterizedTest
    @ValueSource(ints = {' ', '\n', '\t', '\u00A0', '\u3000'})
    void shouldNotFlagRunsOfWhitespace(int space) {
        assertThat(inspector.inspect("a" + Character.toString(space).repeat(100) + "b")).isEmpty();
    }

    @Test
    void shouldNotFlagAlternatingCharactersAsRepetition() {
        assertThat(inspector.inspect("ab ".repeat(100))).isEmpty();
    }

    // LONG_TOKEN --------------------------------------------------------------------------------

    @Test
    void shouldFlagARunWithoutWhitespaceLongerThanTheLimit() {
        String payload = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo=";

        assertThat(inspector.inspect("decode " + payload + " please")).containsExactly(InputFlag.LONG_TOKEN);
        assertThat(inspector.inspect("https://example.com/" + "abcdefghij".repeat(5))).containsExactly(InputFlag.LONG_TOKEN);
    }

    @Test
    void shouldAcceptATokenExactlyAtTheLimit() {
        assertThat(inspector.inspect("abcdefgh".repeat(8))).isEmpty();
        assertThat(inspector.inspect("abcdefgh".repeat(8) + "i")).containsExactly(InputFlag.LONG_TOKEN);
    }

    @Test
    void shouldMeasureTokensInCodePoints() {
        assertThat(inspector.inspect("😀😁".repeat(32))).isEmpty();
        assertThat(inspector.inspect("😀😁".repeat(33))).containsExactly(InputFlag.LONG_TOKEN);
    }

    @Test
    void shouldNotLetInvisibleCharactersSplitAToken() {
        assertThat(inspector.inspect("ab\u200B".repeat(30)))
                .containsExactlyInAnyOrder(InputFlag.LONG_TOKEN, InputFlag.INVISIBLE);
    }

    @Test
    void shouldNotFlagLongTextMadeOfShortWords() {
        assertThat(inspector.inspect("the quick brown fox jumps over the lazy dog ".repeat(500))).isEmpty();
    }

    // BINARY ------------------------------------------------------------------------------------

    @Test
    void shouldFlagANulCharacterWhateverTheShare() {
        assertThat(inspector.inspect("a perfectly normal sentence\u0000 with one NUL in it"))
                .containsExactly(InputFlag.BINARY);
    }

    @Test
    void shouldFlagAShareOfControlCharactersAboveTheLimit() {
        assertThat(inspector.inspect("\u0001\u0002\u0003 seventeen chars")).containsExactly(InputFlag.BINARY);
        assertThat(inspector.inspect("\u0080\u0081\u009F abc")).containsExactly(InputFlag.BINARY);
    }

    @Test
    void shouldFlagReplacementCharactersFromBrokenDecoding() {
        assertThat(inspector.inspect("\uFFFD\uFFFD abc")).containsExactly(InputFlag.BINARY);
    }

    @Test
    void shouldFlagUnpairedSurrogates() {
        assertThat(inspector.inspect("\uD800\uD800 ab")).containsExactly(InputFlag.BINARY);
        assertThat(inspector.inspect("\uDC00\uD800 ab")).containsExactly(InputFlag.BINARY);
        assertThat(inspector.inspect("\uD83D\uDE00 ab")).isEmpty();
    }

    @Test
    void shouldAcceptAShareExactlyAtTheLimit() {
        assertThat(inspector.inspect("\u0007123456789")).isEmpty();
        assertThat(inspector.inspect("\u0007\u000712345678")).containsExactly(InputFlag.BINARY);
    }

    @Test
    void shouldNotCountTabsAndLineBreaksAsBinary() {
        assertThat(inspector.inspect("a\tb\nc\r\nd\t\t\n\n\r\r")).isEmpty();
    }

    @Test
    void shouldFlagEveryControlCharacterWithAZeroShareLimit() {
        InputInspector strict = new InputInspector(32, 64, 0.0);

        assertThat(strict.inspect("one bell\u0007 in a long sentence of text")).containsExactly(InputFlag.BINARY);
        assertThat(strict.inspect("no control at all")).isEmpty();
    }

    // Together and at the edges -----------------------------------------------------------------

    @Test
    void shouldRaiseEveryFlagAtOnce() {
        String text = "\u0000\u202E p\u0430ypal " + "z".repeat(70) + " \u200B";

        assertThat(inspector.inspect(text)).containsExactlyInAnyOrder(InputFlag.values());
    }

    @Test
    void shouldRejectNull() {
        assertThatThrownBy(() -> inspector.inspect(null)).isInstanceOf(NullPointerException.class).hasMessage("rawText");
    }

    @Test
    void shouldRejectMeaninglessLimits() {
        assertThatThrownBy(() -> new InputInspector(0, 64, 0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxRepeatedCharacters");
        assertThatThrownBy(() -> new InputInspector(32, 0, 0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxTokenLength");
        assertThatThrownBy(() -> new InputInspector(32, 64, -0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBinaryShare");
        assertThatThrownBy(() -> new InputInspector(32, 64, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InputInspector(32, 64, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldInspectAMegabyteInLinearTime() {
        String text = ("p\u0430y " + "x".repeat(100) + "\u200B\u0001 ").repeat(10_000);

        Set<InputFlag> flags = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> inspector.inspect(text));

        assertThat(flags).isEqualTo(EnumSet.of(InputFlag.MIXED_SCRIPT, InputFlag.REPETITION, InputFlag.LONG_TOKEN,
                InputFlag.INVISIBLE));
    }

    // InputFlag ---------------------------------------------------------------------------------

    @Test
    void shouldNameFlagsInLowerSnakeCase() {
        assertThat(InputFlag.BIDI_CONTROL.wireName()).isEqualTo("bidi_control");
        assertThat(InputFlag.MIXED_SCRIPT.wireName()).isEqualTo("mixed_script");
        assertThat(InputFlag.LONG_TOKEN.wireName()).isEqualTo("long_token");
        assertThat(InputFlag.INVISIBLE.wireName()).isEqualTo("invisible");
    }

    @ParameterizedTest
    @EnumSource(InputFlag.class)
    void shouldParseItsOwnWireName(InputFlag flag) {
        assertThat(InputFlag.parse(flag.wireName())).isSameAs(flag);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bidi_control", "BIDI_CONTROL", "bidi-control", "Bidi-Control", " bidi_control "})
    void shouldParseWireNamesIgnoringCaseAndDashes(String name) {
        assertThat(InputFlag.parse(name)).isSameAs(InputFlag.BIDI_CONTROL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bidi", "bidicontrol", "bidi control", "bınary"})
    void shouldRejectUnknownWireNames(String name) {
        assertThatThrownBy(() -> InputFlag.parse(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mixed_script");
    }

    @Test
    void theAsciiShortcutsAgreeWithTheUnicodeTablesForEveryAsciiCharacter() {
        for (int c = 0; c < 0x80; c++) {
            assertThat(InputInspector.isAsciiSpace(c)).as("space %d", c)
                    .isEqualTo(Character.isWhitespace(c) || Character.isSpaceChar(c));
            assertThat(InputInspector.isAsciiBinary(c)).as("binary %d", c)
                    .isEqualTo(Character.getType(c) == Character.CONTROL && c != '\t' && c != '\n' && c != '\r');
            assertThat(InputInspector.isAsciiLetter(c)).as("letter %d", c).isEqualTo(Character.isLetter(c));
            assertThat(Character.getType(c)).as("no format or mark characters in ASCII %d", c)
                    .isNotIn((int) Character.FORMAT, (int) Character.NON_SPACING_MARK,
                            (int) Character.COMBINING_SPACING_MARK, (int) Character.ENCLOSING_MARK);
        }
    }
}
