package dev.sluice.runner;

/**
 * A script the runner refuses or could not run. Its message is what `bin/flink run` prints after
 * "The program finished with the following exception:" (behind "The main method caused an
 * error: "), which is where Sluice reads a deploy's failure reason from, so it is one line:
 *
 * <ul>
 *   <li>tied to a statement: {@code Statement at line N failed: REASON}, N being the 1-based script
 *       line of the statement's first token;
 *   <li>tied to no statement (arguments, reading the script, a script without INSERT, a
 *       submission that failed for no statement's sake): {@code REASON} alone.
 * </ul>
 *
 * <p>The Flink exception behind it, if any, is its cause, so the CLI's stack trace keeps it.
 */
public final class ScriptException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final String reason;

    /** @param line the statement's line, or 0 for a failure that belongs to no statement */
    public ScriptException(int line, String reason) {
        this(line, reason, null);
    }

    public ScriptException(int line, String reason, Throwable cause) {
        super(format(line, reason), cause);
        this.line = line;
        this.reason = reason;
    }

    /** The 1-based line of the failing statement's first token; 0 when there is none. */
    public int line() {
        return line;
    }

    /** The message without the "Statement at line N failed: " prefix. */
    public String reason() {
        return reason;
    }

    private static String format(int line, String reason) {
        return line > 0 ? "Statement at line " + line + " failed: " + reason : reason;
    }
}
