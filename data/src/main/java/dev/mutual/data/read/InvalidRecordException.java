package dev.mutual.data.read;

/**
 * One record of a data file is unusable. {@code reason} is a short key used to count skipped records
 * ("missing field 'response'"), {@code detail} adds what was expected and found. The reader turns it into a
 * {@link dev.mutual.data.UserInputException} naming FILE:LINE, or counts it when invalid records are skipped.
 */
final class InvalidRecordException extends Exception {
    final String reason;

    InvalidRecordException(String reason, String detail) {
        super(reason + " (" + detail + ")");
        this.reason = reason;
    }
}
