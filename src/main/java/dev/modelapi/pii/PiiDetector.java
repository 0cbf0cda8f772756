package dev.modelapi.pii;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds personal data in free text so that it can be reported or redacted before the text is
 * stored, logged or passed on. Regexes only propose candidates; checksums (Luhn, ISO 13616 mod 97)
 * and range checks decide, which keeps order numbers, dates and versions out. Stateless and
 * thread-safe. Patterns repeat character classes or bounded groups only: an unbounded group
 * repetition recurses once per iteration in {@code java.util.regex} and overflows the stack on long
 * inputs; and they are possessive or anchored by lookbehinds so that scanning stays linear.
 */
public final class PiiDetector {

    /** Local part and domain as wide as they go; which dots and labels are valid is decided in code. */
    private static final Pattern EMAIL = Pattern.compile(
            "(?<![A-Za-z0-9._%+-])[A-Za-z0-9_%+-][A-Za-z0-9._%+-]*+@[A-Za-z0-9.-]++");

    /** Digits with spaces and dashes between them; which groups make a card is decided in code. */
    private static final Pattern DIGITS_AND_SEPARATORS = Pattern.compile("(?<![0-9])[0-9][0-9 -]*+");

    private static final Pattern IBAN = Pattern.compile(
            "(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![A-Za-z0-9])");

    private static final Pattern US_SSN = Pattern.compile("(?<![0-9])[0-9]{3}([ -])[0-9]{2}\\1[0-9]{4}(?![0-9])");

    private static final Pattern IPV4 = Pattern.compile(
            "(?<![0-9.])(?:[0-9]{1,3}\\.){3}[0-9]{1,3}(?![0-9]|\\.[0-9])");

    private static final Pattern IPV6 = Pattern.compile(
            "(?<![0-9A-Za-z_:.])(?:[0-9A-Fa-f]{0,4}:){2,8}(?:(?:[0-9]{1,3}\\.){3}[0-9]{1,3}|[0-9A-Fa-f]{1,4})?"
                    + "(?![0-9A-Za-z_:]|\\.[0-9])");

    private static final Pattern E164 = Pattern.compile(
            "(?<![0-9A-Za-z_+])\\+[0-9]++(?:(?:[ .-]?\\([0-9]{1,4}\\)[ .-]?|[ .-])[0-9]++){0,14}+");

    private static final Pattern NORTH_AMERICAN_PHONE = Pattern.compile(
            "(?<![0-9A-Za-z_+.-])(?:1[ .-])?(?:\\([0-9]{3}\\) ?[0-9]{3}[ .-]|[0-9]{3}([ .-])[0-9]{3}\\1)[0-9]{4}"
                    + "(?![0-9A-Za-z_]|[.-][0-9])");

    private static final Comparator<PiiMatch> EARLIER_THEN_LONGER = Comparator.comparingInt(PiiMatch::start)
            .thenComparing(Comparator.comparingInt(PiiMatch::end).reversed())
            .thenComparing(PiiMatch::type);

    /**
     * The personal data in the text, sorted by start and never overlapping. Of two overlapping
     * candidates the earlier wins, at the same start the longer. Phone numbers come last: a digit
     * run already taken as a card, IBAN, SSN or IP address is never also a phone number.
     */
    public List<PiiMatch> find(String text) {
        Objects.requireNonNull(text, "text");
        List<PiiMatch> candidates = new ArrayList<>();
        scan(EMAIL, PiiType.EMAIL, text, PiiDetector::emailEnd, candidates);
        findCards(text, candidates);
        scan(IBAN, PiiType.IBAN, text, PiiDetector::ibanEnd, candidates);
        scan(US_SSN, PiiType.US_SSN, text, PiiDetector::ssnEnd, candidates);
        scan(IPV4, PiiType.IP_ADDRESS, text, PiiDetector::ipv4End, candidates);
        scan(IPV6, PiiType.IP_ADDRESS, text, PiiDetector::ipv6End, candidates);
        List<PiiMatch> kept = nonOverlapping(candidates);

        List<PiiMatch> phones = new ArrayList<>();
        findE164(text, kept, phones);
        scan(NORTH_AMERICAN_PHONE, PiiType.PHONE, text, (t, m) -> m.end(), phones);
        List<PiiMatch> all = new ArrayList<>(kept);
        all.addAll(outside(kept, nonOverlapping(phones)));
        all.sort(EARLIER_THEN_LONGER);
        return List.copyOf(all);
    }

    /** The kinds of personal data in the text; empty if there is none. */
    public Set<PiiType> types(String text) {
        EnumSet<PiiType> types = EnumSet.noneOf(PiiType.class);
        for (PiiMatch match : find(text)) {
            types.add(match.type());
        }
        return types;
    }

    /** The text with every match replaced by its type's placeholder, such as {@code [EMAIL]}. */
    public String redact(String text) {
        List<PiiMatch> matches = find(text);
        if (matches.isEmpty()) {
            return text;
        }
        StringBuilder redacted = new StringBuilder(text.length());
        int copied = 0;
        for (PiiMatch match : matches) {
            redacted.append(text, copied, match.start()).append(match.type().placeholder());
            copied = match.end();
        }
        return redacted.append(text, copied, text.length()).toString();
    }

    /** Where a validated candidate ends (it may be shorter than the regex match), or -1 to reject it. */
    @FunctionalInterface
    private interface Validation {
        int end(String text, Matcher candidate);
    }

    // After a rejected candidate the search resumes one char later, so a valid match that starts
    // inside it is still found; the lookbehinds refuse to start inside a word, so this stays linear.
    private static void scan(Pattern pattern, PiiType type, String text, Validation validation, List<PiiMatch> out) {
        Matcher matcher = pattern.matcher(text);
        int from = 0;
        while (from < text.length() && matcher.find(from)) {
            int end = validation.end(text, matcher);
            if (end > matcher.start()) {
                out.add(new PiiMatch(type, matcher.start(), end));
                from = end;
            } else {
                from = matcher.start() + 1;
            }
        }
    }

    private static List<PiiMatch> nonOverlapping(List<PiiMatch> candidates) {
        candidates.sort(EARLIER_THEN_LONGER);
        List<PiiMatch> kept = new ArrayList<>();
        int keptEnd = 0;
        for (PiiMatch candidate : candidates) {
            if (candidate.start() >= keptEnd) {
                kept.add(candidate);
                keptEnd = candidate.end();
            }
        }
        return kept;
    }

    /** The candidates that overlap none of the taken matches; both lists sorted and non-overlapping. */
    private static List<PiiMatch> outside(List<PiiMatch> taken, List<PiiMatch> candidates) {
        List<PiiMatch> free = new ArrayList<>();
        int t = 0;
        for (PiiMatch candidate : candidates) {
            while (t < taken.size() && taken.get(t).end() <= candidate.start()) {
                t++;
            }
            if (t == taken.size() || taken.get(t).start() >= candidate.end()) {
                free.add(candidate);
            }
        }
        return free;
    }

    // Email -------------------------------------------------------------------------------------

    /**
     * Where the longest valid address in the candidate ends, or -1: a local part of at most 64
     * chars without leading, trailing or doubled dots, then at least two domain labels ending in
     * an alphabetic top-level domain. Labels the regex took from a following word or a full stop
     * are left out.
     */
    private static int emailEnd(String text, Matcher candidate) {
        int start = candidate.start();
        int at = text.indexOf('@', start);
        if (at - start > 64 || text.charAt(at - 1) == '.') {
            return -1;
        }
        for (int i = start + 1; i < at; i++) {
            if (text.charAt(i) == '.' && text.charAt(i - 1) == '.') {
                return -1;
            }
        }
        int end = -1;
        int labels = 0;
        int labelStart = at + 1;
        for (int i = at + 1; i <= candidate.end() && i - at - 1 <= 253; i++) {
            if (i < candidate.end() && text.charAt(i) != '.') {
                continue;
            }
            if (!isDomainLabel(text, labelStart, i)) {
                break;
            }
            if (++labels >= 2 && isTopLevelDomain(text, labelStart, i)) {
                end = i;
            }
            labelStart = i + 1;
        }
        return end;
    }

    private static boolean isDomainLabel(String text, int start, int end) {
        return end - start >= 1 && end - start <= 63 && text.charAt(start) != '-' && text.charAt(end - 1) != '-';
    }

    private static boolean isTopLevelDomain(String text, int start, int end) {
        if (end - start < 2) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        return true;
    }

    // Payment cards ----------------------------------------------------------------------------

    private static void findCards(String text, List<PiiMatch> out) {
        Matcher matcher = DIGITS_AND_SEPARATORS.matcher(text);
        int[] starts = new int[8];
        int[] ends = new int[8];
        while (matcher.find()) {
            int i = matcher.start();
            while (i < matcher.end()) {
                // One sequence: digit groups joined by exactly one separator.
                int count = 0;
                while (true) {
                    if (count == starts.length) {
                        starts = Arrays.copyOf(starts, count * 2);
                        ends = Arrays.copyOf(ends, count * 2);
                    }
                    starts[count] = i;
                    while (i < matcher.end() && isDigit(text.charAt(i))) {
                        i++;
                    }
                    ends[count++] = i;
                    if (i + 1 < matcher.end() && isDigit(text.charAt(i + 1))) {
                        i++;
                    } else {
                        break;
                    }
                }
                findCardsInSequence(text, starts, ends, count, out);
                while (i < matcher.end() && !isDigit(text.charAt(i))) {
                    i++;
                }
            }
        }
    }

    // A first group right after a decimal point or a '+' belongs to a decimal or a phone number.
    private static void findCardsInSequence(String text, int[] starts, int[] ends, int count, List<PiiMatch> out) {
        int sequenceStart = starts[0];
        int sequenceEnd = ends[count - 1];
        boolean afterPlus = sequenceStart > 0 && text.charAt(sequenceStart - 1) == '+';
        boolean decimalBefore = isDecimalPoint(text, sequenceStart - 1, sequenceStart - 2);
        boolean decimalAfter = isDecimalPoint(text, sequenceEnd, sequenceEnd + 1);
        for (int first = decimalBefore || afterPlus ? 1 : 0; first < count; ) {
            int last = lastGroupOfCard(text, starts, ends, first, count, decimalAfter);
            if (last < 0) {
                first++;
            } else {
                out.add(new PiiMatch(PiiType.PAYMENT_CARD, starts[first], ends[last]));
                first = last + 1;
            }
        }
    }

    /**
     * The last group of the longest card starting at group {@code first}, or -1. A card is one run
     * of 13 to 19 digits, or a first group of four digits followed by groups of at most six, all
     * joined by the same separator; it must not start with 0 and must pass the Luhn check.
     */
    private static int lastGroupOfCard(String text, int[] starts, int[] ends, int first, int count, boolean decimalAfter) {
        if (text.charAt(starts[first]) == '0') {
            return -1;
        }
        int best = -1;
        int digits = 0;
        char separator = 0;
        for (int last = first; last < count; last++) {
            int length = ends[last] - starts[last];
            if (last > first) {
                char joint = text.charAt(starts[last] - 1);
                if (last == first + 1) {
                    if (ends[first] - starts[first] != 4) {
                        break;
                    }
                    separator = joint;
                }
                if (joint != separator || length > 6) {
                    break;
                }
            }
            digits += length;
            if (digits > 19) {
                break;
            }
            boolean partOfDecimal = last == count - 1 && decimalAfter;
            if (digits >= 13 && !partOfDecimal && passesLuhn(text, starts, ends, first, last)) {
                best = last;
            }
        }
        return best;
    }

    private static boolean passesLuhn(String text, int[] starts, int[] ends, int first, int last) {
        int sum = 0;
        boolean doubled = false;
        for (int group = last; group >= first; group--) {
            for (int i = ends[group] - 1; i >= starts[group]; i--) {
                int digit = text.charAt(i) - '0';
                if (doubled) {
                    digit *= 2;
                    if (digit > 9) {
                        digit -= 9;
                    }
                }
                sum += digit;
                doubled = !doubled;
            }
        }
        return sum % 10 == 0;
    }

    private static boolean isDecimalPoint(String text, int point, int digit) {
        return point >= 0 && digit >= 0 && point < text.length() && digit < text.length()
                && (text.charAt(point) == '.' || text.charAt(point) == ',') && isDigit(text.charAt(digit));
    }

    // IBAN --------------------------------------------------------------------------------------

    /** Drops trailing groups that the regex took from the following words until mod 97 holds. */
    private static int ibanEnd(String text, Matcher candidate) {
        int start = candidate.start();
        int end = candidate.end();
        while (true) {
            int length = end - start - countSpaces(text, start, end);
            if (length < 15) {
                return -1;
            }
            if (length <= 34 && ibanRemainder(text, start, end) == 1) {
                return end;
            }
            int lastSpace = text.lastIndexOf(' ', end - 1);
            if (lastSpace <= start) {
                return -1;
            }
            end = lastSpace;
        }
    }

    /** ISO 13616: country and check digits moved to the end, letters as 10 to 35, the number mod 97. */
    private static int ibanRemainder(String text, int start, int end) {
        int remainder = 0;
        for (int i = 0; i < end - start; i++) {
            char c = text.charAt(start + (i + 4) % (end - start));
            if (c == ' ') {
                continue;
            }
            int value = isDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97;
        }
        return remainder;
    }

    private static int countSpaces(String text, int start, int end) {
        int spaces = 0;
        for (int i = start; i < end; i++) {
            if (text.charAt(i) == ' ') {
                spaces++;
            }
        }
        return spaces;
    }

    // US social security numbers ----------------------------------------------------------------

    private static int ssnEnd(String text, Matcher candidate) {
        int start = candidate.start();
        int end = candidate.end();
        char separator = text.charAt(start + 3);
        boolean continuesBefore = start >= 2 && text.charAt(start - 1) == separator && isDigit(text.charAt(start - 2));
        boolean continuesAfter = end + 1 < text.length() && text.charAt(end) == separator && isDigit(text.charAt(end + 1));
        if (continuesBefore || continuesAfter) {
            return -1;
        }
        int area = number(text, start, start + 3);
        int group = number(text, start + 4, start + 6);
        int serial = number(text, start + 7, end);
        boolean assignable = area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
        return assignable ? end : -1;
    }

    // IP addresses ------------------------------------------------------------------------------

    private static int ipv4End(String text, Matcher candidate) {
        return isIpv4(text, candidate.start(), candidate.end()) ? candidate.end() : -1;
    }

    private static boolean isIpv4(String text, int start, int end) {
        int octetStart = start;
        for (int i = start; i <= end; i++) {
            if (i == end || text.charAt(i) == '.') {
                if (number(text, octetStart, i) > 255) {
                    return false;
                }
                octetStart = i + 1;
            }
        }
        return true;
    }

    /** Eight groups, or fewer around one {@code ::}; an IPv4 tail counts as two groups. */
    private static int ipv6End(String text, Matcher candidate) {
        String address = candidate.group();
        int compressed = address.indexOf("::");
        int groups;
        if (compressed < 0) {
            groups = ipv6Groups(address);
            return groups == 8 ? candidate.end() : -1;
        }
        if (address.indexOf("::", compressed + 1) >= 0) {
            return -1;
        }
        String head = address.substring(0, compressed);
        String tail = address.substring(compressed + 2);
        int headGroups = head.isEmpty() ? 0 : ipv6Groups(head);
        int tailGroups = tail.isEmpty() ? 0 : ipv6Groups(tail);
        groups = headGroups + tailGroups;
        boolean valid = headGroups >= 0 && tailGroups >= 0 && groups >= 1 && groups <= 7;
        return valid ? candidate.end() : -1;
    }

    /** How many groups a colon-separated part holds, or -1 if one is empty or malformed. */
    private static int ipv6Groups(String part) {
        String[] fields = part.split(":", -1);
        int groups = 0;
        for (int i = 0; i < fields.length; i++) {
            String field = fields[i];
            if (i == fields.length - 1 && field.indexOf('.') >= 0) {
                if (!isIpv4(field, 0, field.length())) {
                    return -1;
                }
                groups += 2;
            } else if (field.isEmpty() || field.length() > 4 || field.indexOf('.') >= 0) {
                return -1;
            } else {
                groups++;
            }
        }
        return groups;
    }

    // Phone numbers -----------------------------------------------------------------------------

    /**
     * International numbers. The regex takes every digit group that follows, so a candidate is cut
     * back to at most 15 digits and to before any match already taken, instead of being dropped.
     */
    private static void findE164(String text, List<PiiMatch> taken, List<PiiMatch> out) {
        Matcher matcher = E164.matcher(text);
        while (matcher.find()) {
            int limit = freeUntil(taken, matcher.start(), matcher.end());
            int end = e164End(text, matcher.start(), limit);
            if (end > 0) {
                out.add(new PiiMatch(PiiType.PHONE, matcher.start(), end));
            }
        }
    }

    /** Where the first taken match after {@code start} begins, capped at {@code end}; -1 if one covers start. */
    private static int freeUntil(List<PiiMatch> taken, int start, int end) {
        int low = 0;
        int high = taken.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (taken.get(middle).end() <= start) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        if (low == taken.size()) {
            return end;
        }
        int next = taken.get(low).start();
        return next <= start ? -1 : Math.min(next, end);
    }

    /** The longest prefix with 8 to 15 digits that ends after a whole digit group outside parentheses, or -1. */
    private static int e164End(String text, int start, int limit) {
        int digits = 0;
        int end = -1;
        for (int i = start + 1; i < limit && digits <= 15; i++) {
            if (!isDigit(text.charAt(i))) {
                continue;
            }
            digits++;
            boolean groupEnds = i + 1 == text.length() || !isDigit(text.charAt(i + 1));
            boolean inParentheses = i + 1 < limit && text.charAt(i + 1) == ')';
            if (groupEnds && !inParentheses && digits >= 8 && digits <= 15) {
                end = i + 1;
            }
        }
        return end;
    }

    // Helpers -----------------------------------------------------------------------------------

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The decimal value of a short run of ASCII digits. */
    private static int number(String text, int start, int end) {
        int value = 0;
        for (int i = start; i < end; i++) {
            value = value * 10 + (text.charAt(i) - '0');
        }
        return value;
    }
}
