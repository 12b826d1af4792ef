package dev.sluice.runner;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a SQL script into statements on ';'.
 *
 * <p>A ';' ends a statement only outside single-quoted strings ({@code 'it''s'}: a doubled quote
 * is a quote), double-quoted and back-quoted identifiers (doubled quotes likewise), {@code --}
 * line comments and {@code /* *}{@code /} block comments (not nested, as in Flink's parser). A
 * statement starts at its first character that is neither blank nor part of a comment, so its
 * line is the line of its first keyword; comments inside a statement stay in its text. Statements
 * that are empty (only blanks and comments) are dropped; the last statement needs no ';'. Line
 * breaks are \n, \r\n or a lone \r; a leading byte order mark is skipped.
 */
public final class StatementSplitter {
    private StatementSplitter() {}

    private enum State { CODE, SINGLE_QUOTE, DOUBLE_QUOTE, BACKTICK, LINE_COMMENT, BLOCK_COMMENT }

    /**
     * @return the script's statements in order
     * @throws ScriptException when the script ends inside a string, a quoted identifier or a block
     *     comment: its line is that of the statement it is in (of the comment when no statement
     *     began yet), its message names the line where the string or comment opened
     */
    public static List<Statement> split(String script) throws ScriptException {
        List<Statement> out = new ArrayList<>();
        String s = script;
        int n = s.length();
        int i = (n > 0 && s.charAt(0) == '\uFEFF') ? 1 : 0;

        // `code` mirrors the script with comments blanked (line breaks kept).
        StringBuilder code = new StringBuilder(n);
        code.append(s, 0, i);
        State state = State.CODE;
        int line = 1;
        int lineStart = i; // index of the current line's first character
        int openedLine = 0; // where the current string/identifier/comment began
        int start = -1; // index of the current statement's first character, -1 before it
        int startLine = 0;
        int startLineStart = 0;

        while (i < n) {
            char c = s.charAt(i);
            char next = i + 1 < n ? s.charAt(i + 1) : '\0';
            switch (state) {
                case CODE:
                    if (c == '-' && next == '-') {
                        state = State.LINE_COMMENT;
                        code.append("  ");
                        i += 2;
                        continue;
                    }
                    if (c == '/' && next == '*') {
                        state = State.BLOCK_COMMENT;
                        openedLine = line;
                        code.append("  ");
                        i += 2;
                        continue;
                    }
                    if (c == ';') {
                        if (start >= 0) {
                            out.add(statement(s, code, start, i, startLine, startLineStart));
                            start = -1;
                        }
                        code.append(' ');
                        i++;
                        continue;
                    }
                    if (start < 0 && !Character.isWhitespace(c)) {
                        start = i;
                        startLine = line;
                        startLineStart = lineStart;
                    }
                    if (c == '\'') {
                        state = State.SINGLE_QUOTE;
                        openedLine = line;
                    } else if (c == '"') {
                        state = State.DOUBLE_QUOTE;
                        openedLine = line;
                    } else if (c == '`') {
                        state = State.BACKTICK;
                        openedLine = line;
                    }
                    code.append(c);
                    break;
                case SINGLE_QUOTE:
                case DOUBLE_QUOTE:
                case BACKTICK:
                    if (c == closing(state)) {
                        if (next == c) {
                            // A doubled quote is an escaped quote: the string goes on (and keeps
                            // the line it was opened on, for the error if it never ends).
                            code.append(c).append(c);
                            i += 2;
                            continue;
                        }
                        state = State.CODE;
                    }
                    code.append(c);
                    break;
                case LINE_COMMENT:
                    if (c == '\n' || c == '\r') {
                        state = State.CODE;
                        code.append(c);
                    } else {
                        code.append(' ');
                    }
                    break;
                case BLOCK_COMMENT:
                    if (c == '*' && next == '/') {
                        state = State.CODE;
                        code.append("  ");
                        i += 2;
                        continue;
                    }
                    code.append(c == '\n' || c == '\r' ? c : ' ');
                    break;
                default:
                    throw new AssertionError(state);
            }
            // Line accounting for the character just consumed (one character at a time here).
            if (c == '\n' || (c == '\r' && next != '\n')) {
                line++;
                lineStart = i + 1;
            }
            i++;
        }

        // The error belongs to the statement the unterminated part is in (or, for a comment
        // before any statement, to the comment's line); the message names where it opened.
        int errorLine = start >= 0 ? startLine : openedLine;
        switch (state) {
            case SINGLE_QUOTE:
                throw new ScriptException(errorLine, "unterminated string: the ' opened on line "
                        + openedLine + " is never closed");
            case DOUBLE_QUOTE:
                throw new ScriptException(errorLine, "unterminated identifier: the \" opened on line "
                        + openedLine + " is never closed");
            case BACKTICK:
                throw new ScriptException(errorLine, "unterminated identifier: the ` opened on line "
                        + openedLine + " is never closed");
            case BLOCK_COMMENT:
                throw new ScriptException(errorLine, "unterminated comment: the /* opened on line "
                        + openedLine + " is never closed");
            default:
                break;
        }
        if (start >= 0) {
            out.add(statement(s, code, start, n, startLine, startLineStart));
        }
        return out;
    }

    private static char closing(State state) {
        switch (state) {
            case SINGLE_QUOTE:
                return '\'';
            case DOUBLE_QUOTE:
                return '"';
            default:
                return '`';
        }
    }

    /** The statement s[start, end) with trailing blanks and comments cut off. */
    private static Statement statement(
            String s, StringBuilder code, int start, int end, int line, int lineStart) {
        int last = end;
        while (last > start && Character.isWhitespace(code.charAt(last - 1))) {
            last--;
        }
        return new Statement(
                s.substring(start, last), code.substring(start, last), line, s.substring(lineStart, start));
    }
}
