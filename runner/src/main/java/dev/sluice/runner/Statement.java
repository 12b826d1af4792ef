package dev.sluice.runner;

/**
 * One statement of a script, as {@link StatementSplitter} cut it out: its text (from its first
 * significant character up to, not including, its ';'; comments inside it kept), and where it
 * starts in the script.
 *
 * <p>{@link #code()} is the same text with every comment replaced by blanks (line breaks kept), so
 * offsets in it are offsets in {@link #text()}; classification and SET parsing read it.
 * {@link #positioned()} is the text that is given to Flink: preceded by as many line breaks and
 * blanks as the statement had lines and columns before it in the script, so the line and column
 * numbers in Flink's own error messages are those of the script file.
 */
public final class Statement {
    private final String text;
    private final String code;
    private final int line;
    private final String linePrefix;

    /**
     * @param text the statement's text, starting at its first significant character
     * @param code {@code text} with comments blanked out; the same length as {@code text}
     * @param line the 1-based script line on which the statement starts
     * @param linePrefix the script's characters on that line before the statement's start
     */
    public Statement(String text, String code, int line, String linePrefix) {
        if (text.length() != code.length()) {
            throw new IllegalArgumentException("text and code differ in length");
        }
        this.text = text;
        this.code = code;
        this.line = line;
        this.linePrefix = linePrefix;
    }

    /** A statement without comments that starts at column 1 of {@code line} (for tests). */
    public static Statement of(String text, int line) {
        return new Statement(text, text, line, "");
    }

    public String text() {
        return text;
    }

    public String code() {
        return code;
    }

    /** The 1-based script line of the statement's first character. */
    public int line() {
        return line;
    }

    /** The 1-based column of the statement's first character. */
    public int column() {
        return linePrefix.length() + 1;
    }

    /** The 1-based script line of the statement's last character. */
    public int endLine() {
        return line + countLineBreaks(text, text.length());
    }

    /** The part of this statement that starts at {@code offset} of its text, e.g. the INSERT of
     * {@code EXECUTE STATEMENT SET BEGIN INSERT ...}. */
    public Statement from(int offset) {
        if (offset == 0) {
            return this;
        }
        int breaks = countLineBreaks(text, offset);
        String prefix;
        if (breaks == 0) {
            prefix = linePrefix + text.substring(0, offset);
        } else {
            int lineStart = lastLineStart(text, offset);
            prefix = text.substring(lineStart, offset);
        }
        return new Statement(text.substring(offset), code.substring(offset), line + breaks, prefix);
    }

    /** The text to give Flink: {@link #text()} at its script position (see the class comment). */
    public String positioned() {
        StringBuilder sb = new StringBuilder(line - 1 + linePrefix.length() + text.length());
        for (int i = 1; i < line; i++) {
            sb.append('\n');
        }
        for (int i = 0; i < linePrefix.length(); i++) {
            // Tabs stay tabs so a parser that expands them counts the same columns.
            sb.append(linePrefix.charAt(i) == '\t' ? '\t' : ' ');
        }
        return sb.append(text).toString();
    }

    @Override
    public String toString() {
        return "line " + line + ": " + text;
    }

    /** Line breaks (\n, \r\n or a lone \r) in s[0, end). */
    static int countLineBreaks(String s, int end) {
        int n = 0;
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c == '\n' || (c == '\r' && (i + 1 >= s.length() || s.charAt(i + 1) != '\n'))) {
                n++;
            }
        }
        return n;
    }

    private static int lastLineStart(String s, int end) {
        for (int i = end - 1; i >= 0; i--) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                return i + 1;
            }
        }
        return 0;
    }
}
