package dev.mutual.data;

/**
 * Bad input from the user: a recipe key, a data file line, a missing path. The message already names the
 * file, line or key, what was expected and what was found; the CLI prints it as is and exits with code 2.
 */
public class UserInputException extends RuntimeException {
    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
