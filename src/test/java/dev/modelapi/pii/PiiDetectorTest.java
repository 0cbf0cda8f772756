package dev.modelapi.pii;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PiiDetectorTest {

    final PiiDetector detector = new PiiDetector();

    /** Each match as {@code wire_name:matched text}, in the order found. */
    List<String> found(String text) {
        return detector.find(text).stream()
                .map(match -> match.type().wireName() + ":" + text.substring(match.start(), match.end()))
                .toList();
    }

    // EMAIL -------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "john.doe@example.com", "jane+newsletter@mail.example.co.uk", "first_last-99@sub.domain.org",
            "x@b.io", "UPPER.Case@Example.COM", "info%sales@example-site.net"
    })
    void shouldFindEmailAddresses(String email) {
        assertThat(found("write to <" + email + ">, thanks")).containsExactly("email:" + email);
    }

    @Test
    void shouldLeaveTheFullStopAfterAnEmailAddressOut() {
        assertThat(found("Mail ops@example.com.")).containsExactly("email:ops@example.com");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "a@b", "user@localhost", "@example.com", "john@.com", "john..doe@example.com", "name@example.c",
            "follow @handle", "john.doe@", "john@example_com"
    })
    void shouldNotTakeIncompleteAddressesForEmail(String text) {
        assertThat(detector.types(text)).isEmpty();
    }

    // PAYMENT_CARD ------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881", "378282246310005",
            "3782 822463 10005", "6011-0009-9013-9424", "4222222222222", "4000000000000000006",
            "4000 0000 0000 0000 006"
    })
    void shouldFindPaymentCardsThatPassLuhn(String card) {
        assertThat(found("paid with " + card + " yesterday")).containsExactly("payment_card:" + card);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "4111 1111 1111 1112", "4111111111111112", "5500-0000-0000-0005", "0000 0000 0000 0000",
            "4111 1111-1111 1111", "411111111111", "41111111111111111111", "pi is 3.4111111111111111",
            "total 4111111111111111.50"
    })
    void shouldNotTakeNumbersThatFailLuhnOrShapeForCards(String text) {
        assertThat(detector.types(text)).isEmpty();
    }

    @Test
    void shouldFindACardWithinALongerRunOfGroups() {
        assertThat(found("order 12 4111 1111 1111 1111 ok")).containsExactly("payment_card:4111 1111 1111 1111");
    }

    // IBAN --------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", "DE89370400440532013000",
            "DE89 3704 0044 0532 0130 00", "FR14 2004 1010 0505 0001 3M02 606", "NL91ABNA0417164300",
            "NO9386011117947"
    })
    void shouldFindIbansThatPassMod97(String iban) {
        assertThat(found("IBAN: " + iban + ". Thanks")).containsExactly("iban:" + iban);
    }

    @Test
    void shouldNotLetTheNextWordExtendAnIban() {
        assertThat(found("pay BE68 5390 0754 7034 EUR 20")).containsExactly("iban:BE68 5390 0754 7034");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GB82 WEST 1234 5698 7654 33", "DE89370400440532013001", "GB83WEST12345698765432",
            "US12 3456 7890 1234 5678", "GB82 WEST 1234", "DE8937040044", "gb82west12345698765432",
            "XGB82WEST12345698765432"
    })
    void shouldNotTakeStringsThatFailTheIbanCheck(String text) {
        assertThat(detector.types(text)).doesNotContain(PiiType.IBAN);
    }

    // US_SSN ------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"123-45-6789", "123 45 6789", "078-05-1120", "899-99-9999", "665-01-0001"})
    void shouldFindSocialSecurityNumbers(String ssn) {
        assertThat(found("SSN " + ssn + " on file")).containsExactly("us_ssn:" + ssn);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "123-00-4567", "123-45-0000",
            "123456789", "123-45 6789", "1123-45-6789", "123-45-67890", "9-123-45-6789", "123-45-6789-1"
    })
    void shouldNotTakeUnassignableOrMalformedNumbersForSsns(String text) {
        assertThat(detector.types(text)).isEmpty();
    }

    // IP_ADDRESS --------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "192.168.1.1", "10.0.0.255", "255.255.255.255", "8.8.8.8", "0.0.0.0",
            "2001:db8::1", "fe80::1ff:fe23:4567:890a", "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "::1", "::ffff:192.0.2.128", "2001:db8::", "FE80::ABCD"
    })
    void shouldFindIpAddresses(String ip) {
        assertThat(found("request from " + ip + " at noon")).containsExactly("ip_address:" + ip);
    }

    @Test
    void shouldLeaveTheFullStopAfterAnAddressOut() {
        assertThat(found("Blocked 10.1.2.3. Also 2001:db8::7.")).containsExactly("ip_address:10.1.2.3", "ip_address:2001:db8::7");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "256.1.1.1", "999.999.999.999", "version 1.2.3.4.5", "version 1.2.3", "meet at 12:30", "12:30:45",
            "std::vector", "2001:db8::1::2", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "00:1A:2B:3C:4D:5E",
            "Haskell x :: Int"
    })
    void shouldNotTakeVersionsTimesOrOutOfRangeNumbersForIpAddresses(String text) {
        assertThat(detector.types(text)).isEmpty();
    }

    // PHONE -------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "+1 (555) 123-4567", "+44 20 7946 0958", "+4915112345678", "+33 1 23 45 67 89", "+1-555-123-4567",
            "+1.555.123.4567", "(555) 123-4567", "(555)123-4567", "555-123-4567", "555.123.4567", "555 123 4567",
            "1-800-555-0199"
    })
    void shouldFindPhoneNumbers(String phone) {
        assertThat(found("call " + phone + " today")).containsExactly("phone:" + phone);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "2024", "in 2024 we sold 1500 units", "2024-01-15", "15.01.2024", "+1234", "+12345678901234567",
            "meet at 12:30", "555-1234", "+7 (912) 34", "555-123-45678", "ISBN 978-3-16-148410-0"
    })
    void shouldNotTakeYearsDatesOrShortNumbersForPhones(String text) {
        assertThat(detector.types(text)).isEmpty();
    }

    @Test
    void shouldEndAnInternationalNumberBeforeTheDigitGroupThatWouldExceedFifteenDigits() {
        assertThat(found("+49 151 1234 5678 2024")).containsExactly("phone:+49 151 1234 5678");
    }

    @Test
    void shouldEndAnInternationalNumberWhereAnotherMatchBegins() {
        assertThat(found("+44 20 7946 0958 123-45-6789"))
                .containsExactly("phone:+44 20 7946 0958", "us_ssn:123-45-6789");
    }

    // Overlaps ----------------------------------------------------------------------------------

    @Test
    void shouldPreferACardOverAPhoneNumber() {
        assertThat(found("+1 4111 1111 1111 1111")).containsExactly("payment_card:4111 1111 1111 1111");
    }

    @Test
    void shouldPreferAnSsnOrIpAddressOverAPhoneNumber() {
        assertThat(found("+1 123-45-6789")).containsExactly("us_ssn:123-45-6789");
        assertThat(found("+1 192.168.1.1")).containsExactly("ip_address:192.168.1.1");
    }

    @Test
    void shouldKeepTheEarlierOfTwoOverlappingMatches() {
        assertThat(found("admin@10.0.0.1.example.com")).containsExactly("email:admin@10.0.0.1.example.com");
        assertThat(found("::ffff:192.0.2.128")).containsExactly("ip_address:::ffff:192.0.2.128");
        assertThat(found("GB82 WEST 1234 5698 7654 32")).containsExactly("iban:GB82 WEST 1234 5698 7654 32");
    }

    @Test
    void shouldKeepTheLongerOfTwoMatchesAtTheSameStart() {
        assertThat(found("4111111111111111@example.com")).containsExactly("email:4111111111111111@example.com");
    }

    @Test
    void shouldReturnMatchesSortedAndApart() {
        String text = "b@example.org 555-123-4567 a@example.org 10.0.0.1 4111111111111111 +44 20 7946 0958 123-45-6789";

        List<PiiMatch> matches = detector.find(text);

        assertThat(matches).extracting(PiiMatch::type).containsExactly(PiiType.EMAIL, PiiType.PHONE, PiiType.EMAIL,
                PiiType.IP_ADDRESS, PiiType.PAYMENT_CARD, PiiType.PHONE, PiiType.US_SSN);
        for (int i = 1; i < matches.size(); i++) {
            assertThat(matches.get(i).start()).isGreaterThanOrEqualTo(matches.get(i - 1).end());
        }
    }

    // Whole texts -------------------------------------------------------------------------------

    @Test
    void shouldRedactEveryKindInOneSentence() {
        String text = "Contact jane.doe@example.com or +44 20 7946 0958, card 4111 1111 1111 1111, "
                + "IBAN GB82 WEST 1234 5698 7654 32, SSN 123-45-6789, server 192.168.0.1 or 2001:db8::1.";

        assertThat(detector.redact(text)).isEqualTo("Contact [EMAIL] or [PHONE], card [PAYMENT_CARD], "
                + "IBAN [IBAN], SSN [US_SSN], server [IP_ADDRESS] or [IP_ADDRESS].");
        assertThat(detector.types(text)).containsExactlyInAnyOrder(PiiType.values());
    }

    @Test
    void shouldLeaveATextWithoutPersonalDataAlone() {
        String text = "The meeting is at 12:30 on 2024-01-15 in room 101; release 1.2.3.4.5 ships in Q3, "
                + "order 4111 1111 1111 1112, ratio 3:2, price $1,299.99 and std::vector in C++.";

        assertThat(detector.find(text)).isEmpty();
        assertThat(detector.types(text)).isEmpty();
        assertThat(detector.redact(text)).isEqualTo(text);
    }

    @Test
    void shouldGiveOffsetsIntoTheOriginalText() {
        String text = "héllo 👋 mail x@example.com";

        assertThat(detector.find(text)).containsExactly(new PiiMatch(PiiType.EMAIL, 14, 27));
    }

    @Test
    void shouldRejectNull() {
        assertThatThrownBy(() -> detector.find(null)).isInstanceOf(NullPointerException.class).hasMessage("text");
        assertThatThrownBy(() -> detector.redact(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void shouldScanAdversarialTextsInLinearTime() {
        List<String> texts = List.of(
                "a".repeat(200_000), "a.".repeat(100_000) + "@", "a@".repeat(100_000),
                "x@" + "a.".repeat(100_000) + "1", "a!".repeat(100_000), "1 ".repeat(100_000) + ".5",
                "1-".repeat(100_000), "4111 ".repeat(50_000), ":".repeat(200_000), "a:".repeat(100_000),
                "1:".repeat(100_000), "1.".repeat(100_000), "+1 ".repeat(70_000), "+1 2".repeat(50_000),
                "+" + "1 ".repeat(100_000), "AA00 ".repeat(50_000), "GB82 ".repeat(50_000), "(555) ".repeat(40_000));
        for (String text : texts) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> detector.find(text),
                    () -> "too slow on " + text.substring(0, 20) + "...");
        }
    }

    // PiiType and PiiMatch ----------------------------------------------------------------------

    @Test
    void shouldNameTypesInLowerSnakeCaseWithBracketedPlaceholders() {
        assertThat(PiiType.PAYMENT_CARD.wireName()).isEqualTo("payment_card");
        assertThat(PiiType.US_SSN.wireName()).isEqualTo("us_ssn");
        assertThat(PiiType.IP_ADDRESS.wireName()).isEqualTo("ip_address");
        assertThat(PiiType.EMAIL.placeholder()).isEqualTo("[EMAIL]");
        assertThat(PiiType.PAYMENT_CARD.placeholder()).isEqualTo("[PAYMENT_CARD]");
    }

    @Test
    void shouldRejectAnEmptyOrInvertedMatch() {
        assertThatThrownBy(() -> new PiiMatch(PiiType.EMAIL, 3, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PiiMatch(PiiType.EMAIL, -1, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PiiMatch(null, 0, 3)).isInstanceOf(NullPointerException.class);
    }
}
