package dev.sluice.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A rough tokenizer for a statement's {@link Statement#code() code} (comments already blanked):
 * words, quoted strings and identifiers, and single-character symbols, each with its offset. It
 * is enough to classify a statement by its leading keywords and to read SET and RESET; Flink
 * parses everything else itself.
 */
final class Tokens {
    enum Kind { WORD, QUOTED, SYMBOL }

    static final class Token {
        final Kind kind;
        final String raw; // as written, quotes included
        final int start;
        final int end;

        Token(Kind kind, String raw, int start, int end) {
            this.kind = kind;
            this.raw = raw;
            this.start = start;
            this.end = end;
        }

        /** A word in upper case, else "". */
        String keyword() {
            return kind == Kind.WORD ? raw.toUpperCase(Locale.ROOT) : "";
        }

        boolean is(String keyword) {
            return keyword().equals(keyword);
        }

        boolean isSymbol(char c) {
            return kind == Kind.SYMBOL && raw.charAt(0) == c;
        }

        /** The value of a quoted token: quotes removed, doubled quotes undone. */
        String unquoted() {
            if (kind != Kind.QUOTED) {
                return raw;
            }
            char q = raw.charAt(0);
            String inner = raw.substring(1, raw.length() - 1);
            return inner.replace(String.valueOf(q) + q, String.valueOf(q));
        }

        @Override
        public String toString() {
            return raw;
        }
    }

    private Tokens() {}

    static List<Token> of(String code) {
        List<Token> out = new ArrayList<>();
        int n = code.length();
        int i = 0;
        while (i < n) {
            char c = code.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (isWordChar(c)) {
                int j = i;
                while (j < n && isWordChar(code.charAt(j))) {
                    j++;
                }
                out.add(new Token(Kind.WORD, code.substring(i, j), i, j));
                i = j;
            } else if (c == '\'' || c == '"' || c == '`') {
                int j = i + 1;
                while (j < n) {
                    if (code.charAt(j) == c) {
                        if (j + 1 < n && code.charAt(j + 1) == c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                int end = Math.min(j + 1, n); // an unterminated quote runs to the end
                out.add(new Token(Kind.QUOTED, code.substring(i, end), i, end));
                i = end;
            } else {
                out.add(new Token(Kind.SYMBOL, String.valueOf(c), i, i + 1));
                i++;
            }
        }
        return out;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
