package dev.modelapi.ingest;

import dev.modelapi.pipeline.InvalidRequestException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;

/**
 * An HTTP request's body as text, read once before its route runs: at most {@code limit} bytes
 * (more is a 413 without reading the rest), decoded strictly in the charset its Content-Type names,
 * UTF-8 when it names none, as JSON is (RFC 8259). Bytes that are not valid in that charset are a
 * 400 {@code invalid_encoding}, not replaced in silence and not a 500 from a later conversion; a
 * charset Java does not know is a 415.
 */
final class RequestBodies {

    private RequestBodies() {
    }

    /** The body, or null when the request has none. */
    static String read(HttpServletRequest request, long limit) {
        long declared = request.getContentLengthLong();
        if (declared <= 0 && request.getHeader("Transfer-Encoding") == null) {
            return null;
        }
        if (declared > limit) {
            throw tooLarge(limit);
        }
        Charset charset = charsetOf(request.getContentType());
        byte[] bytes;
        try {
            bytes = request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        } catch (IOException e) {
            throw InvalidRequestException.badRequest("invalid_request", "the request body could not be read");
        }
        if (bytes.length > limit) {
            throw tooLarge(limit);
        }
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw InvalidRequestException.badRequest("invalid_encoding", "the request body is not valid " + charset.name());
        }
    }

    /** The Content-Type's {@code charset} parameter, or UTF-8. */
    static Charset charsetOf(String contentType) {
        if (contentType == null) {
            return StandardCharsets.UTF_8;
        }
        for (String parameter : contentType.split(";")) {
            String trimmed = parameter.strip();
            if (trimmed.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                String name = trimmed.substring("charset=".length()).strip();
                if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
                    name = name.substring(1, name.length() - 1);
                }
                try {
                    return Charset.forName(name);
                } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                    throw new InvalidRequestException(415, "unsupported_media_type",
                            "unknown charset in the Content-Type; send UTF-8");
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    private static InvalidRequestException tooLarge(long limit) {
        return InvalidRequestException.tooLarge("body_too_large", "the request body is larger than " + limit + " bytes");
    }
}
