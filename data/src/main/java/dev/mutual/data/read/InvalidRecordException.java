package dev.mutual.data.read;

/**
 * One record of a data file is unusable. {@code reason} is a short key used to count skipped records
 * ("missing field 'response'"), {@code detail} adds what was expected and found. The reader turns it into a
 * {@link dev.mutual.data.UserInputException} naming FILE:LINE, or counts it when invalid records are skipped.
 */
final class InvalidRecordException extends Exception {
    final String reason;
    /** True when the record could not even be parsed as a JSON object (it never reached a parser). */
    final boolean unparsed;

    InvalidRecordException(String reason, String detail) {
        this(reason, detail, false);
    }

    private InvalidRecordException(String reason, String detail, boolean unparsed) {
        super(reason + " (" + detail + ")");
        this.reason = reason;
        this.unparsed = unparsed;
    }

    static InvalidRecordException unparsed(String reason, String detail) {
        return new InvalidRecordException(reason, detail, true);
    }
}
