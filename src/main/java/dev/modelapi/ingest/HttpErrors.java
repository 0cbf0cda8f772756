package dev.modelapi.ingest;

/**
 * The service's error code and message for an HTTP status that the servlet container or Spring MVC
 * gave before any route ran (an unknown path, a request that could not be parsed), so those answers
 * have the same JSON shape as the routes' own: a code a program can switch on and a message that
 * quotes nothing of the request.
 */
record HttpErrors(String code, String message) {

    static HttpErrors of(int status) {
        return switch (status) {
            case 400 -> new HttpErrors("invalid_request", "the request could not be read");
            case 401 -> new HttpErrors("unauthorized", "an API key is required");
            case 403 -> new HttpErrors("forbidden", "not allowed");
            case 404 -> new HttpErrors("not_found", "nothing is served at this path; see /openapi.yaml");
            case 405 -> new HttpErrors("method_not_allowed", "this method is not allowed here");
            case 406 -> new HttpErrors("not_acceptable", "the answer is JSON; the Accept header rules it out");
            case 408 -> new HttpErrors("request_timeout", "the request was not received in time");
            case 413 -> new HttpErrors("payload_too_large", "the request body is too large");
            case 414 -> new HttpErrors("uri_too_long", "the request URL is too long");
            case 415 -> new HttpErrors("unsupported_media_type", "this Content-Type is not accepted here");
            case 431 -> new HttpErrors("headers_too_large", "the request headers are too large");
            case 503 -> new HttpErrors("unavailable", "the service cannot answer now; try again shortly");
            default -> status >= 500
                    ? new HttpErrors("internal_error", "unexpected error; the request id is in the service log")
                    : new HttpErrors("invalid_request", "the request was refused (HTTP " + status + ")");
        };
    }
}
