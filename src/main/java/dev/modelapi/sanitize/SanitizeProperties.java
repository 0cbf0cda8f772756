package dev.modelapi.sanitize;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Input limits and what to do about suspicious input ({@code modelapi.sanitize.*}).
 *
 * @param maxTextSize the largest text accepted, in UTF-8 bytes as received; larger is a 413
 * @param policies per flag ({@code invisible}, {@code bidi-control}, {@code mixed-script},
 *        {@code repetition}, {@code long-token}, {@code binary}): {@code allow}, {@code flag}
 *        (recorded in the audit and counted) or {@code reject} (a 400); a flag not listed is flagged
 * @param maxRepeatedCharacters more of one character in a row raises {@code repetition}
 * @param maxTokenLength a longer run without whitespace raises {@code long-token}
 * @param maxBinaryShare a larger share of control or replacement characters (or any NUL) raises {@code binary}
 */
@Validated
@ConfigurationProperties("modelapi.sanitize")
record SanitizeProperties(
        @NotNull @DefaultValue("64KB") DataSize maxTextSize,
        @NotNull @DefaultValue({}) Map<String, Policy> policies,
        @Min(2) @DefaultValue("32") int maxRepeatedCharacters,
        @Min(8) @DefaultValue("128") int maxTokenLength,
        @DecimalMin("0.0") @DecimalMax("1.0") @DefaultValue("0.1") double maxBinaryShare) {

    /** What a flag does to a text. */
    public enum Policy { ALLOW, FLAG, REJECT }

    /** The policy of a flag; property keys may use {@code -} or {@code _}. */
    public Policy policyOf(InputFlag flag) {
        for (Map.Entry<String, Policy> entry : policies.entrySet()) {
            if (entry.getKey().replace('-', '_').toLowerCase(Locale.ROOT).equals(flag.wireName())) {
                return entry.getValue();
            }
        }
        return Policy.FLAG;
    }
}
