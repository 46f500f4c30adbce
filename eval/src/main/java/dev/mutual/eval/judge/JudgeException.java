package dev.mutual.eval.judge;

/** The judge endpoint gave no usable reply: a non-retryable HTTP error, or retries exhausted. */
public class JudgeException extends RuntimeException {
    public JudgeException(String message) {
        super(message);
    }

    public JudgeException(String message, Throwable cause) {
        super(message, cause);
    }
}
