package dev.sluice.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReasonsTest {
    @Test
    void rootCauseWinsOverAnUnrelatedWrapper() {
        Exception root = new IllegalStateException("Could not find any factory for identifier 'nosuch' that"
                + " implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath.\n\n"
                + "Available factory identifiers are:\n\nblackhole\ndatagen");
        Exception wrapper = new RuntimeException("Unable to create a sink for writing table 't'.\n\nTable options"
                + " are:\n\n'connector'='nosuch'", root);
        assertEquals("Could not find any factory for identifier 'nosuch' that implements"
                + " 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath. Available factory"
                + " identifiers are: blackhole datagen", Reasons.of(wrapper));
    }

    @Test
    void outerMessageThatAddsContextWins() {
        Exception root = new IllegalStateException("Object 'x' not found");
        Exception mid = new RuntimeException("From line 3, column 18 to line 3, column 28: Object 'x' not found", root);
        Exception top = new RuntimeException("SQL validation failed. SQL validation failed. From line 3, column 18"
                + " to line 3, column 28: Object 'x' not found", mid);
        assertEquals("SQL validation failed. From line 3, column 18 to line 3, column 28: Object 'x' not found",
                Reasons.of(top));
    }

    @Test
    void wrappersWithoutOwnMessageAreSkipped() {
        Exception root = new IllegalArgumentException("bad value");
        assertEquals("bad value", Reasons.of(new RuntimeException(new RuntimeException(root))));
        assertEquals("java.lang.NullPointerException", Reasons.of(new RuntimeException(new NullPointerException())));
    }

    @Test
    void parserExpectationsAreCut() {
        Exception e = new RuntimeException("SQL parse failed. Encountered \"FOO\" at line 3, column 1.\n"
                + "Was expecting one of:\n    \"ABS\" ...\n    \"ALL\" ...");
        assertEquals("SQL parse failed. Encountered \"FOO\" at line 3, column 1.", Reasons.of(e));
    }

    @Test
    void longReasonsAreClipped() {
        String r = Reasons.of(new RuntimeException("x".repeat(5000)));
        assertEquals(Reasons.MAX_LENGTH, r.length());
        assertTrue(r.endsWith("..."));
    }

    @Test
    void repeatedSentences() {
        assertEquals("A. B", Reasons.dropRepeatedSentence("A. A. A. B"));
        assertEquals("A. B. A.", Reasons.dropRepeatedSentence("A. B. A."));
    }

    @Test
    void stackTracesQuotedInAMessageAreCut() {
        Exception e = new RuntimeException("[Internal server error., <Exception on server side:\n"
                + "org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted.\n"
                + "\tat org.apache.flink.runtime.client.DuplicateJobSubmissionException.of(DuplicateJobSubmissionException.java:31)\n"
                + "\tat java.base/java.util.concurrent.CompletableFuture$UniCompose.tryFire(CompletableFuture.java:1150)\n"
                + "\nEnd of exception on server side>]");
        assertEquals("[Internal server error., <Exception on server side: org.apache.flink.runtime.client"
                + ".DuplicateJobSubmissionException: Job has already been submitted.", Reasons.of(e));
    }
}
