package io.milepost.common;

/**
 * Log lines at WARN and above must not carry user ids (an erased user's id would survive in the
 * log). Exception messages often do (a database names the key that conflicted), so they are logged
 * at those levels with their types and stack traces only; the messages go to DEBUG.
 */
public final class LogSafe {
    private LogSafe() {}

    /** A copy of {@code e} and its causes with the same types and stack traces and no messages. */
    public static Throwable redact(Throwable e) {
        return redact(e, 0);
    }

    private static Throwable redact(Throwable e, int depth) {
        if (e == null || depth > 20) {
            return null;
        }
        Throwable copy = new Redacted(e.getClass().getName(), redact(e.getCause(), depth + 1));
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }

    /** {@code message} with every occurrence of {@code userId} replaced by {@code <user>}. */
    public static String withoutUser(String message, String userId) {
        return message == null || userId == null || userId.isEmpty() ? message : message.replace(userId, "<user>");
    }

    /** Stands for a logged exception: its type name, its stack trace, no message. */
    static final class Redacted extends RuntimeException {
        Redacted(String type, Throwable cause) {
            super(type + " (message at DEBUG)", cause, false, true);
        }
    }
}
