package dev.modelapi.sanitize;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Input limits ({@code modelapi.sanitize.*}).
 *
 * @param maxTextSize the largest text accepted, in UTF-8 bytes as received; larger is a 413
 */
@Validated
@ConfigurationProperties("modelapi.sanitize")
public record SanitizeProperties(@NotNull @DefaultValue("64KB") DataSize maxTextSize) {
}
