package dev.modelapi.ingest;

import dev.modelapi.errors.InvalidRequestException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * An HTTP request's body as text, read once before its route runs: at most {@code limit} bytes
 * (more is a 413 without reading the rest), decoded strictly in the charset its Content-Type names,
 * UTF-8 when it names none, as JSON is (RFC 8259). Bytes that are not valid in that charset are a
 * 400 {@code invalid_encoding}, not replaced in silence and not a 500 from a later conversion; a
 * charset Java does not know is a 415. A body sent with {@code Content-Encoding: gzip} or
 * {@code deflate} (as tritonclient may send it) is decompressed first, the limit holding for the
 * decompressed bytes; another coding is a 415.
 */
final class RequestBodies {

    private RequestBodies() {
    }

    /**
     * A request's body: its text, and with the Open Inference Protocol's binary tensor data
     * extension the bytes that follow the JSON header ({@code binary}, else null).
     */
    record Body(String text, ByteBuffer binary) {
    }

    /** The body as text, or null when the request has none. */
    static String read(HttpServletRequest request, long limit) {
        Body body = read(request, limit, false);
        return body == null ? null : body.text();
    }

    /**
     * The body, or null when the request has none. With {@code binaryExtension} and an
     * {@value InferenceProtocol#HEADER_LENGTH} header, only that many leading bytes are the JSON
     * text; the rest is left as bytes. A header that is not a length within the body is a 400.
     */
    static Body read(HttpServletRequest request, long limit, boolean binaryExtension) {
        long declared = request.getContentLengthLong();
        if (declared <= 0 && request.getHeader("Transfer-Encoding") == null) {
            return null;
        }
        if (declared > limit) {
            throw tooLarge(limit);
        }
        Charset charset = charsetOf(request.getContentType());
        String coding = contentCoding(request);
        byte[] bytes;
        try {
            bytes = declared > 0 && coding.equals("identity")
                    ? declaredBytes(request.getInputStream(), (int) declared)
                    : decoded(request, coding).readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        } catch (ZipException | EOFException e) {
            throw InvalidRequestException.badRequest("invalid_encoding",
                    "the request body is not valid " + request.getHeader("Content-Encoding") + " data");
        } catch (IOException e) {
            throw InvalidRequestException.badRequest("invalid_request", "the request body could not be read");
        }
        if (bytes.length > limit) {
            throw tooLarge(limit); // the limit holds for the body as decompressed too
        }
        String jsonLength = binaryExtension ? request.getHeader(InferenceProtocol.HEADER_LENGTH) : null;
        if (jsonLength == null) {
            return new Body(decode(bytes, bytes.length, charset), null);
        }
        int length = headerLength(jsonLength, bytes.length);
        return new Body(decode(bytes, length, charset), ByteBuffer.wrap(bytes, length, bytes.length - length).slice());
    }

    /** The request's Content-Encoding, stripped and lower-case; "identity" when it names none. */
    private static String contentCoding(HttpServletRequest request) {
        String coding = request.getHeader("Content-Encoding");
        return coding == null || coding.isBlank() ? "identity" : coding.strip().toLowerCase(Locale.ROOT);
    }

    /**
     * Exactly the Content-Length's bytes, into one array of that size (reading to the end in
     * chunks would allocate and copy several times the body). A body that ends sooner is a 400.
     */
    private static byte[] declaredBytes(InputStream in, int length) throws IOException {
        byte[] bytes = new byte[length];
        if (in.readNBytes(bytes, 0, length) < length) {
            throw InvalidRequestException.badRequest("invalid_request", "the request body ended before its Content-Length");
        }
        return bytes;
    }

    /** The body's bytes, decompressed when its {@code coding} is gzip or deflate; another coding is a 415. */
    private static InputStream decoded(HttpServletRequest request, String coding) throws IOException {
        return switch (coding) {
            case "identity" -> request.getInputStream();
            case "gzip", "x-gzip" -> new GZIPInputStream(request.getInputStream());
            case "deflate" -> new InflaterInputStream(request.getInputStream()); // zlib, as RFC 9110 means it
            default -> throw new InvalidRequestException(415, "unsupported_media_type",
                    "Content-Encoding " + request.getHeader("Content-Encoding")
                            + " is not supported; send identity, gzip or deflate");
        };
    }

    private static int headerLength(String value, int bodyLength) {
        int length = -1;
        try {
            length = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            // refused below
        }
        if (length < 0 || length > bodyLength) {
            throw InvalidRequestException.badRequest("invalid_header", InferenceProtocol.HEADER_LENGTH
                    + " must be the length in bytes of the body's JSON part, 0 to " + bodyLength);
        }
        return length;
    }

    private static String decode(byte[] bytes, int length, Charset charset) {
        if (isAscii(bytes, length) && asciiIsItself(charset)) {
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1); // one copy, no decoder's buffer
        }
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw InvalidRequestException.badRequest("invalid_encoding", "the request body is not valid " + charset.name());
        }
    }

    private static boolean isAscii(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the charset reads every byte below 0x80 as that ASCII character (what most bodies are). */
    private static boolean asciiIsItself(Charset charset) {
        return charset.equals(StandardCharsets.UTF_8) || charset.equals(StandardCharsets.US_ASCII)
                || charset.equals(StandardCharsets.ISO_8859_1);
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
