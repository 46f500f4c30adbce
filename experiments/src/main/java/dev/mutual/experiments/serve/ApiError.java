package dev.mutual.experiments.serve;

/**
 * A request the server refuses, answered as OpenAI does:
 * {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status.
 *
 * @see OpenAiServer
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400 invalid_request_error naming the field at fault (null when no one field is). */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    static ApiError invalid(String param, String code, String message) {
        return new ApiError(400, "invalid_request_error", param, code, message);
    }
}
