package dev.sluice.runner;

/**
 * A script the runner refuses or could not run, tied to a script line: the runner reports it as
 * {@code SLUICE-SQL-ERROR line <line>: <message>}. Line 0 means the failure belongs to no single
 * line (the arguments, reading the script, submitting the job).
 */
public final class ScriptException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int line;

    public ScriptException(int line, String message) {
        super(message);
        this.line = line;
    }

    public ScriptException(int line, String message, Throwable cause) {
        super(message, cause);
        this.line = line;
    }

    public int line() {
        return line;
    }

    @Override
    public String toString() {
        return "line " + line + ": " + getMessage();
    }
}
