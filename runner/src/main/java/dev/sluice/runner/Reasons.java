package dev.sluice.runner;

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
     * real reason) and move outwards while the outer message contains the inner one, i.e. only
     * adds context such as the position ("SQL validation failed. From line 3 ...: " + inner).
     * Wrappers without a message of their own (none, or their cause's toString()) are skipped.
     * Line breaks and runs of blanks become one blank; a parser's "Was expecting one of: ..."
     * list is cut; the result is at most {@link #MAX_LENGTH} characters.
     */
    static String of(Throwable t) {
        java.util.List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        String best = null;
        for (int i = chain.size() - 1; i >= 0; i--) {
            Throwable c = chain.get(i);
            String m = ownMessage(c);
            if (m == null) {
                continue;
            }
            if (best == null || m.contains(best)) {
                best = m;
            }
        }
        if (best == null) {
            Throwable root = chain.get(chain.size() - 1);
            best = root.getClass().getName();
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
        if (m.isEmpty()) {
            return null;
        }
        return m;
    }

    static String oneLine(String m) {
        int expecting = m.indexOf("Was expecting");
        if (expecting > 0) {
            m = m.substring(0, expecting);
        }
        return m.replaceAll("\\s+", " ").trim();
    }

    private static String clip(String m) {
        return m.length() <= MAX_LENGTH ? m : m.substring(0, MAX_LENGTH - 3) + "...";
    }
}
