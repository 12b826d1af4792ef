package dev.sluice.runner;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Flink's reason for a failure, in one line. Flink wraps: "Unable to create a sink for writing
 * table ..." around "Could not find any factory for identifier 'nosuch' ...", "SQL validation
 * failed. From line 3, column 8 to ...: Object 'x' not found" around a position-free "Object 'x'
 * not found", "The main method caused an error" around everything.
 */
final class Reasons {
    /** At most this many characters of reason: the start log keeps the whole stack trace. */
    static final int MAX_LENGTH = 1500;

    private Reasons() {}

    /**
     * The most telling message of {@code t}'s cause chain: start at the root cause (usually the
     * real reason) and move outwards while an outer message contains the inner one, i.e. only
     * adds context such as the position ("SQL validation failed. From line 3 ...: " + inner).
     * Wrappers without a message of their own (none, or their cause's toString()) are skipped.
     * Line breaks and runs of blanks become one blank; a parser's "Was expecting one of: ..."
     * list and stack traces quoted in a message (the server's, in a REST error) are cut; a
     * sentence repeated at the start ("SQL validation failed. SQL validation
     * failed. ...", as Flink 1.20 and 2.0 write it) is kept once; a parser error without a
     * position gets Calcite's ("at line L, column C"); the result is at most {@link #MAX_LENGTH}
     * characters.
     */
    static String of(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        String best = null;
        for (int i = chain.size() - 1; i >= 0; i--) {
            String m = ownMessage(chain.get(i));
            if (m != null && (best == null || m.contains(best))) {
                best = m;
            }
        }
        if (best == null) {
            best = chain.get(chain.size() - 1).getClass().getName();
        }
        best = dropRepeatedSentence(best);
        if (!best.contains("line ")) {
            String pos = parserPosition(chain);
            if (pos != null) {
                best = best + " (at " + pos + ")";
            }
        }
        return clip(best);
    }

    /** c's message in one line, or null when it says nothing of its own. */
    private static String ownMessage(Throwable c) {
        String m = c.getMessage();
        if (m == null) {
            return null;
        }
        if (c.getCause() != null && m.equals(c.getCause().toString())) {
            return null; // new RuntimeException(cause)
        }
        m = oneLine(m);
        return m.isEmpty() ? null : m;
    }

    /** A stack frame line inside a message (the REST client quotes the server's stack trace). */
    private static final java.util.regex.Pattern STACK_FRAME =
            java.util.regex.Pattern.compile("\\R\\s*at [\\w$.<>/]+\\(");

    static String oneLine(String m) {
        int expecting = m.indexOf("Was expecting");
        if (expecting > 0) {
            m = m.substring(0, expecting);
        }
        java.util.regex.Matcher frame = STACK_FRAME.matcher(m);
        if (frame.find()) {
            m = m.substring(0, frame.start());
        }
        return m.replaceAll("\\s+", " ").trim();
    }

    /** "A. A. B" -> "A. B" (repeatedly). */
    static String dropRepeatedSentence(String m) {
        while (true) {
            int dot = m.indexOf(". ");
            if (dot <= 0) {
                return m;
            }
            String first = m.substring(0, dot + 2);
            if (!m.startsWith(first, first.length())) {
                return m;
            }
            m = m.substring(first.length());
        }
    }

    /**
     * "line L, column C" from a Calcite SqlParseException in the chain. Read by reflection:
     * Calcite is inside the planner's own class loader (flink-table-planner-loader), not on the
     * runner's class path, and the method names are the same in every Flink version's Calcite.
     */
    private static String parserPosition(List<Throwable> chain) {
        for (Throwable c : chain) {
            if (!c.getClass().getSimpleName().equals("SqlParseException")) {
                continue;
            }
            try {
                Method getPos = c.getClass().getMethod("getPos");
                Object pos = getPos.invoke(c);
                if (pos == null) {
                    return null;
                }
                int line = (Integer) pos.getClass().getMethod("getLineNum").invoke(pos);
                int column = (Integer) pos.getClass().getMethod("getColumnNum").invoke(pos);
                return line > 0 ? "line " + line + ", column " + column : null;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null; // a position is a nicety; the message stands without it
            }
        }
        return null;
    }

    private static String clip(String m) {
        return m.length() <= MAX_LENGTH ? m : m.substring(0, MAX_LENGTH - 3) + "...";
    }
}
