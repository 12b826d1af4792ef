package dev.sluice.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StatementSplitterTest {
    private static List<String> texts(String script) throws ScriptException {
        return StatementSplitter.split(script).stream().map(Statement::text).collect(Collectors.toList());
    }

    private static List<Integer> lines(String script) throws ScriptException {
        return StatementSplitter.split(script).stream().map(Statement::line).collect(Collectors.toList());
    }

    @Test
    void splitsOnSemicolonsAndDropsEmptyStatements() throws Exception {
        assertEquals(List.of("SELECT 1", "SELECT 2"), texts("SELECT 1;;  ;\nSELECT 2;\n"));
    }

    @Test
    void lastStatementNeedsNoSemicolon() throws Exception {
        assertEquals(List.of("A", "B"), texts("A;\nB  \n"));
    }

    @Test
    void emptyAndCommentOnlyScriptsHaveNoStatements() throws Exception {
        assertEquals(List.of(), texts(""));
        assertEquals(List.of(), texts("-- only; a comment\n/* and; another */\n"));
    }

    @Test
    void semicolonsInCommentsDoNotSplit() throws Exception {
        String script = "-- head; comment\nSET 'a' = 'b'; -- tail; comment\n"
                + "CREATE TABLE t /* a; b */ (x INT);\n";
        assertEquals(List.of("SET 'a' = 'b'", "CREATE TABLE t /* a; b */ (x INT)"), texts(script));
    }

    @Test
    void commentsAreBlankedInCodeButKeptInText() throws Exception {
        Statement s = StatementSplitter.split("CREATE /* x; */ TABLE -- y\n t").get(0);
        assertEquals("CREATE /* x; */ TABLE -- y\n t", s.text());
        assertEquals("CREATE" + " ".repeat(10) + "TABLE     \n t", s.code());
    }

    @Test
    void semicolonsInStringsAndQuotedIdentifiersDoNotSplit() throws Exception {
        String script = "INSERT INTO `a;b` SELECT 'x;y', \"p;q\" FROM t;SELECT 2";
        assertEquals(List.of("INSERT INTO `a;b` SELECT 'x;y', \"p;q\" FROM t", "SELECT 2"), texts(script));
    }

    @Test
    void doubledQuotesAreEscapes() throws Exception {
        assertEquals(List.of("SELECT 'it''s; fine'", "SELECT `a``;b`", "X"),
                texts("SELECT 'it''s; fine';SELECT `a``;b`;X"));
        // An escaped quote right before the closing one.
        assertEquals(List.of("SELECT ''''", "Y"), texts("SELECT '''';Y"));
    }

    @Test
    void commentMarkersInStringsAreText() throws Exception {
        assertEquals(List.of("SELECT '--;', '/*;'", "Z"), texts("SELECT '--;', '/*;';Z"));
    }

    @Test
    void lineIsTheLineOfTheFirstToken() throws Exception {
        String script = "\n-- comment\n  /* block\n comment */ SET a=b;\n\n\nINSERT INTO t\nSELECT 1;\n  END";
        assertEquals(List.of(4, 7, 9), lines(script));
        List<Statement> st = StatementSplitter.split(script);
        assertEquals(13, st.get(0).column());
        assertEquals(8, st.get(1).endLine());
        assertEquals(3, st.get(2).column());
    }

    @Test
    void linesCountCrLfAndLoneCr() throws Exception {
        assertEquals(List.of(1, 2, 3, 5), lines("A;\r\nB;\rC;\r\n\r\nD"));
    }

    @Test
    void byteOrderMarkIsSkipped() throws Exception {
        assertEquals(List.of("SET a=b"), texts("\uFEFFSET a=b;"));
    }

    @Test
    void multiLineStringsKeepLineCounting() throws Exception {
        assertEquals(List.of(1, 3), lines("SELECT 'a\nb';\nSELECT 2"));
    }

    @Test
    void positionedTextHasTheScriptsLinesAndColumns() throws Exception {
        Statement s = StatementSplitter.split("A;\n\n\tB;  SELECT\n x").get(2);
        assertEquals(3, s.line());
        assertEquals("\n\n\t    SELECT\n x", s.positioned()); // "\tB;  " -> tab + 4 blanks
    }

    @Test
    void statementSetsInBothSyntaxesSplitIntoTheirParts() throws Exception {
        String script = "EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT 1;\nINSERT INTO b SELECT 2;\nEND;\n"
                + "BEGIN STATEMENT SET;\nINSERT INTO c SELECT 3;\nEND;";
        assertEquals(List.of("EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT 1", "INSERT INTO b SELECT 2",
                "END", "BEGIN STATEMENT SET", "INSERT INTO c SELECT 3", "END"), texts(script));
        assertEquals(List.of(1, 3, 4, 5, 6, 7), lines(script));
    }

    @Test
    void unterminatedStringFailsWithItsLines() {
        ScriptException e = assertThrows(ScriptException.class,
                () -> StatementSplitter.split("SET a=b;\nINSERT INTO t\nSELECT 'it''s\n\nFROM x;"));
        assertEquals(2, e.line());
        assertEquals("Statement at line 2 failed: unterminated string: the ' opened on line 3 is never"
                + " closed", e.getMessage());
    }

    @Test
    void unterminatedIdentifiersFail() {
        ScriptException e = assertThrows(ScriptException.class, () -> StatementSplitter.split("A;\nSELECT `x;"));
        assertEquals(2, e.line());
        assertEquals("unterminated identifier: the ` opened on line 2 is never closed", e.reason());
        e = assertThrows(ScriptException.class, () -> StatementSplitter.split("SELECT \"x"));
        assertEquals(1, e.line());
    }

    @Test
    void unterminatedCommentFailsWithItsLine() {
        ScriptException e = assertThrows(ScriptException.class,
                () -> StatementSplitter.split("A;\n\n/* never\nclosed; SELECT 1;"));
        assertEquals(3, e.line());
        assertEquals("unterminated comment: the /* opened on line 3 is never closed", e.reason());
        // Inside a statement: the statement's line, the comment's line in the message.
        e = assertThrows(ScriptException.class, () -> StatementSplitter.split("SELECT\n1 /* x"));
        assertEquals(1, e.line());
        assertEquals("unterminated comment: the /* opened on line 2 is never closed", e.reason());
    }

    @Test
    void lineCommentAtEndOfScriptIsFine() throws Exception {
        assertEquals(List.of("A"), texts("A -- no newline at the end; fine"));
    }

    @Test
    void blockCommentNeedsItsOwnCloser() {
        // "/*/" does not close the comment it opens.
        assertThrows(ScriptException.class, () -> StatementSplitter.split("/*/ A;"));
    }
}
