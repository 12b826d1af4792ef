package dev.sluice.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CommandTest {
    private static Command one(String sql) throws ScriptException {
        List<Command> c = Command.classify(StatementSplitter.split(sql).get(0));
        assertEquals(1, c.size(), c.toString());
        return c.get(0);
    }

    private static Command.Kind kind(String sql) throws ScriptException {
        return one(sql).kind();
    }

    @Test
    void setWithQuotedKeyAndValue() throws Exception {
        Command c = one("SET 'pipeline.name' = 'my app'");
        assertEquals(Command.Kind.SET, c.kind());
        assertEquals("pipeline.name", c.key());
        assertEquals("my app", c.value());
    }

    @Test
    void setUnquotedWithoutBlanks() throws Exception {
        Command c = one("set execution.checkpointing.interval=10s");
        assertEquals("execution.checkpointing.interval", c.key());
        assertEquals("10s", c.value());
    }

    @Test
    void setUnquotedWithDashesAndBlanks() throws Exception {
        Command c = one("SET  table.exec.mini-batch.enabled  =  true ");
        assertEquals("table.exec.mini-batch.enabled", c.key());
        assertEquals("true", c.value());
    }

    @Test
    void setValueWithEscapedQuoteEqualsAndSemicolon() throws Exception {
        Command c = one("SET 'a=b' = 'it''s = 1;2'");
        assertEquals("a=b", c.key());
        assertEquals("it's = 1;2", c.value());
    }

    @Test
    void setUnquotedValueMayHoldEquals() throws Exception {
        Command c = one("SET k = a=b");
        assertEquals("k", c.key());
        assertEquals("a=b", c.value());
    }

    @Test
    void setEmptyValue() throws Exception {
        assertEquals("", one("SET 'k' = ''").value());
    }

    @Test
    void setIgnoresComments() throws Exception {
        Command c = one("SET /* c */ 'k' -- c\n = 'v' -- trailing");
        assertEquals("k", c.key());
        assertEquals("v", c.value());
    }

    @Test
    void bareSetLists() throws Exception {
        Command c = one("SET");
        assertEquals(Command.Kind.SET, c.kind());
        assertNull(c.key());
    }

    @Test
    void malformedSetFailsWithLine() {
        ScriptException e = assertThrows(ScriptException.class, () -> one("\n\nSET 'k'"));
        assertEquals(3, e.line());
        assertEquals("Statement at line 3 failed: SET needs the form SET 'key' = 'value'", e.getMessage());
        e = assertThrows(ScriptException.class, () -> one("SET = 'v'"));
        assertEquals(1, e.line());
    }

    @Test
    void reset() throws Exception {
        assertEquals("a.b", one("RESET 'a.b'").key());
        assertEquals("a.b-c", one("reset a.b-c").key());
        Command all = one("RESET");
        assertEquals(Command.Kind.RESET, all.kind());
        assertNull(all.key());
    }

    @Test
    void inserts() throws Exception {
        assertEquals(Command.Kind.INSERT, kind("INSERT INTO t SELECT 1"));
        assertEquals(Command.Kind.INSERT, kind("insert overwrite t SELECT 1"));
        assertEquals(Command.Kind.INSERT, kind("/* c */ Insert Into t VALUES (1)"));
        Command e = one("EXECUTE INSERT INTO t SELECT 1");
        assertEquals(Command.Kind.INSERT, e.kind());
        assertEquals("INSERT INTO t SELECT 1", e.statement().text());
    }

    @Test
    void tableAsSelectIsAnInsert() throws Exception {
        assertEquals(Command.Kind.INSERT, kind("CREATE TABLE t WITH ('connector'='blackhole') AS SELECT 1"));
        assertEquals(Command.Kind.INSERT, kind("CREATE OR REPLACE TABLE t AS SELECT 1"));
        assertEquals(Command.Kind.INSERT, kind("REPLACE TABLE t AS SELECT 1"));
        // AS inside the column list (computed columns, watermarks) is not a CTAS.
        assertEquals(Command.Kind.DDL, kind("CREATE TABLE t (a INT, b AS a + 1, ts TIMESTAMP(3),"
                + " WATERMARK FOR ts AS ts) WITH ('connector'='datagen')"));
        assertEquals(Command.Kind.DDL, kind("CREATE TEMPORARY VIEW v AS SELECT 1"));
        assertEquals(Command.Kind.DDL, kind("CREATE FUNCTION f AS 'com.example.F'"));
    }

    @Test
    void ddlAndOthersGoToFlink() throws Exception {
        for (String sql : List.of("CREATE TABLE t (a INT)", "CREATE VIEW v AS SELECT 1",
                "CREATE CATALOG c WITH ('type'='generic_in_memory')", "CREATE DATABASE d",
                "CREATE TEMPORARY FUNCTION f AS 'x'", "DROP TABLE t", "ALTER TABLE t RENAME TO u",
                "USE CATALOG c", "USE d", "LOAD MODULE hive", "FOO BAR")) {
            assertEquals(Command.Kind.DDL, kind(sql), sql);
        }
    }

    @Test
    void informationalStatements() throws Exception {
        for (String sql : List.of("SHOW TABLES", "DESCRIBE t", "DESC t", "EXPLAIN INSERT INTO t SELECT 1")) {
            assertEquals(Command.Kind.INFO, kind(sql), sql);
        }
    }

    @Test
    void queriesAreRefused() throws Exception {
        for (String sql : List.of("SELECT 1", "WITH a AS (SELECT 1) SELECT * FROM a", "VALUES (1)",
                "(SELECT 1)", "EXECUTE PLAN '/x.json'")) {
            assertEquals(Command.Kind.UNSUPPORTED, kind(sql), sql);
        }
    }

    @Test
    void statementSetMarkers() throws Exception {
        assertEquals(Command.Kind.BEGIN_SET, kind("BEGIN STATEMENT SET"));
        assertEquals(Command.Kind.END_SET, kind("end"));
        assertEquals(Command.Kind.BEGIN_SET, kind("EXECUTE STATEMENT SET BEGIN"));
    }

    @Test
    void executeStatementSetCarriesItsFirstInsert() throws Exception {
        List<Command> c = Command.classify(
                StatementSplitter.split("\nEXECUTE STATEMENT SET\nBEGIN\n  INSERT INTO a SELECT 1").get(0));
        assertEquals(List.of(Command.Kind.BEGIN_SET, Command.Kind.INSERT),
                c.stream().map(Command::kind).collect(Collectors.toList()));
        assertEquals(2, c.get(0).line());
        Command insert = c.get(1);
        assertEquals(4, insert.line());
        assertEquals(3, insert.statement().column());
        assertEquals("INSERT INTO a SELECT 1", insert.statement().text());
        assertEquals("\n\n\n  INSERT INTO a SELECT 1", insert.statement().positioned());
    }

    @Test
    void malformedStatementSetMarkersFail() {
        assertEquals(1, assertThrows(ScriptException.class, () -> one("EXECUTE STATEMENT SET INSERT INTO a")).line());
        assertEquals(1, assertThrows(ScriptException.class,
                () -> one("BEGIN STATEMENT SET INSERT INTO a SELECT 1")).line());
        assertEquals(1, assertThrows(ScriptException.class, () -> one("END INSERT INTO a SELECT 1")).line());
    }
}
