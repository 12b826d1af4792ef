package dev.sluice.runner;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the runner does with one statement of a script: the statement's kind and, for SET and
 * RESET, the option. {@link #classify} reads only the leading keywords (and SET/RESET as a whole);
 * everything else is Flink's to parse, so a statement the runner does not know goes to Flink
 * unchanged and Flink's error, if any, is the one reported.
 */
public final class Command {
    public enum Kind {
        /** {@code SET 'k' = 'v'} (or unquoted); {@code SET} alone lists what the script set. */
        SET,
        /** {@code RESET 'k'}, or {@code RESET} alone for every option the script set. */
        RESET,
        /** INSERT INTO / INSERT OVERWRITE: added to the script's one statement set. */
        INSERT,
        /** {@code BEGIN STATEMENT SET} or the head of {@code EXECUTE STATEMENT SET BEGIN}. */
        BEGIN_SET,
        /** The {@code END} of a statement set. */
        END_SET,
        /** SHOW, DESCRIBE, EXPLAIN: run by Flink, the result printed to the start log. */
        INFO,
        /** Everything else (CREATE, DROP, ALTER, USE, LOAD MODULE, ...): run by Flink at once. */
        DDL,
        /** A statement that would start a job of its own (SELECT, EXECUTE PLAN): refused. */
        UNSUPPORTED
    }

    private final Kind kind;
    private final Statement statement;
    private final String key;
    private final String value;
    private final String problem;

    private Command(Kind kind, Statement statement, String key, String value, String problem) {
        this.kind = kind;
        this.statement = statement;
        this.key = key;
        this.value = value;
        this.problem = problem;
    }

    public Kind kind() {
        return kind;
    }

    /** The statement to give Flink (for an INSERT after EXECUTE STATEMENT SET BEGIN, the INSERT). */
    public Statement statement() {
        return statement;
    }

    /** The 1-based line the statement starts on. */
    public int line() {
        return statement.line();
    }

    /** SET/RESET: the option's key; null for a bare SET or RESET. */
    public String key() {
        return key;
    }

    /** SET: the value. */
    public String value() {
        return value;
    }

    /** UNSUPPORTED: why. */
    public String problem() {
        return problem;
    }

    @Override
    public String toString() {
        return kind + (key != null ? " " + key + (value != null ? "=" + value : "") : "")
                + " @" + line();
    }

    /**
     * The commands of one statement: usually one; two for {@code EXECUTE STATEMENT SET BEGIN
     * INSERT ...} (BEGIN_SET, then the INSERT).
     *
     * @throws ScriptException for a malformed SET, RESET, BEGIN STATEMENT SET or END
     */
    public static List<Command> classify(Statement s) throws ScriptException {
        List<Tokens.Token> t = Tokens.of(s.code());
        if (t.isEmpty()) {
            // The splitter drops empty statements, so this is only a caller's mistake.
            throw new ScriptException(s.line(), "empty statement");
        }
        String first = t.get(0).keyword();
        switch (first) {
            case "SET":
                return one(parseSet(s, t));
            case "RESET":
                return one(parseReset(s, t));
            case "INSERT":
                return one(new Command(Kind.INSERT, s, null, null, null));
            case "BEGIN":
                if (isWords(t, 1, "STATEMENT", "SET")) {
                    if (t.size() > 3) {
                        throw new ScriptException(s.line(),
                                "BEGIN STATEMENT SET must be followed by ';' before its first INSERT");
                    }
                    return one(new Command(Kind.BEGIN_SET, s, null, null, null));
                }
                return one(new Command(Kind.DDL, s, null, null, null));
            case "END":
                if (t.size() > 1) {
                    throw new ScriptException(s.line(), "END of a statement set must be followed by ';'"
                            + " (found '" + t.get(1).raw + "' after it)");
                }
                return one(new Command(Kind.END_SET, s, null, null, null));
            case "EXECUTE":
                return classifyExecute(s, t);
            case "SELECT":
            case "WITH":
            case "VALUES":
            case "TABLE":
                return one(new Command(Kind.UNSUPPORTED, s, null, null,
                        "a query would run as a job of its own, and a deployed script is exactly one"
                                + " job: write the result somewhere with INSERT INTO ... SELECT"));
            case "SHOW":
            case "DESCRIBE":
            case "DESC":
            case "EXPLAIN":
                return one(new Command(Kind.INFO, s, null, null, null));
            default:
                if (t.get(0).isSymbol('(')) {
                    return one(new Command(Kind.UNSUPPORTED, s, null, null,
                            "a query would run as a job of its own, and a deployed script is exactly"
                                    + " one job: write the result somewhere with INSERT INTO ... SELECT"));
                }
                if (isTableAsSelect(t)) {
                    // CREATE/REPLACE TABLE ... AS SELECT writes rows, i.e. is a job: it joins the
                    // statement set like an INSERT (Flink accepts it in a StatementSet).
                    return one(new Command(Kind.INSERT, s, null, null, null));
                }
                return one(new Command(Kind.DDL, s, null, null, null));
        }
    }

    private static List<Command> classifyExecute(Statement s, List<Tokens.Token> t)
            throws ScriptException {
        if (isWords(t, 1, "STATEMENT", "SET")) {
            if (t.size() < 4 || !t.get(3).is("BEGIN")) {
                throw new ScriptException(s.line(), "expected BEGIN after EXECUTE STATEMENT SET");
            }
            List<Command> out = new ArrayList<>(2);
            out.add(new Command(Kind.BEGIN_SET, s, null, null, null));
            if (t.size() > 4) {
                // The set's first statement shares this piece: "EXECUTE STATEMENT SET BEGIN INSERT ...".
                List<Command> inner = classify(s.from(t.get(4).start));
                out.addAll(inner);
            }
            return out;
        }
        if (t.size() > 1 && t.get(1).is("INSERT")) {
            // EXECUTE INSERT ... is INSERT ...; Flink's StatementSet takes only the latter.
            return one(new Command(Kind.INSERT, s.from(t.get(1).start), null, null, null));
        }
        return one(new Command(Kind.UNSUPPORTED, s, null, null,
                "EXECUTE " + (t.size() > 1 ? t.get(1).raw + " " : "")
                        + "would run as a job of its own; a deployed script is exactly one job"));
    }

    /** CREATE [OR REPLACE] [TEMPORARY] TABLE ... AS ... or REPLACE TABLE ... AS ...: an AS outside
     * parentheses (computed columns and watermarks are inside the column list's). */
    private static boolean isTableAsSelect(List<Tokens.Token> t) {
        String first = t.get(0).keyword();
        if (!first.equals("CREATE") && !first.equals("REPLACE")) {
            return false;
        }
        int i = 1;
        while (i < t.size() && (t.get(i).is("OR") || t.get(i).is("REPLACE") || t.get(i).is("TEMPORARY"))) {
            i++;
        }
        if (i >= t.size() || !t.get(i).is("TABLE")) {
            return false;
        }
        int depth = 0;
        for (; i < t.size(); i++) {
            Tokens.Token k = t.get(i);
            if (k.isSymbol('(')) {
                depth++;
            } else if (k.isSymbol(')')) {
                depth--;
            } else if (depth == 0 && k.is("AS")) {
                return true;
            }
        }
        return false;
    }

    /**
     * SET 'key' = 'value', SET key = value, SET key=value (a key may hold dots and dashes; an
     * unquoted value is taken as written, trimmed, and may hold '='), or SET alone.
     */
    static Command parseSet(Statement s, List<Tokens.Token> t) throws ScriptException {
        if (t.size() == 1) {
            return new Command(Kind.SET, s, null, null, null);
        }
        String code = s.code();
        int eq = -1;
        for (Tokens.Token k : t) {
            if (k.isSymbol('=')) {
                eq = k.start;
                break;
            }
        }
        if (eq < 0) {
            throw new ScriptException(s.line(), "SET needs the form SET 'key' = 'value'");
        }
        String key = optionText(code.substring(t.get(0).end, eq));
        String value = optionText(code.substring(eq + 1));
        if (key.isEmpty()) {
            throw new ScriptException(s.line(), "SET without a key: use SET 'key' = 'value'");
        }
        return new Command(Kind.SET, s, key, value, null);
    }

    /** RESET 'key', RESET key, or RESET alone. */
    static Command parseReset(Statement s, List<Tokens.Token> t) throws ScriptException {
        if (t.size() == 1) {
            return new Command(Kind.RESET, s, null, null, null);
        }
        String key = optionText(s.code().substring(t.get(0).end));
        if (key.isEmpty()) {
            throw new ScriptException(s.line(), "RESET without a key");
        }
        return new Command(Kind.RESET, s, key, null, null);
    }

    /** A key or value as written: one quoted token unquoted, else the trimmed text. */
    private static String optionText(String text) {
        String trimmed = text.trim();
        List<Tokens.Token> t = Tokens.of(trimmed);
        if (t.size() == 1 && t.get(0).kind == Tokens.Kind.QUOTED) {
            return t.get(0).unquoted();
        }
        return trimmed;
    }

    private static boolean isWords(List<Tokens.Token> t, int from, String... words) {
        if (t.size() < from + words.length) {
            return false;
        }
        for (int i = 0; i < words.length; i++) {
            if (!t.get(from + i).is(words[i])) {
                return false;
            }
        }
        return true;
    }

    private static List<Command> one(Command c) {
        return Collections.singletonList(c);
    }
}
