package dev.sluice.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ScriptPlanTest {
    private static List<Integer> insertLines(ScriptPlan p) {
        return p.inserts().stream().map(Command::line).collect(Collectors.toList());
    }

    @Test
    void everyInsertInsideAndOutsideSetsIsCollected() throws Exception {
        String script = String.join("\n",
                "SET 'pipeline.name' = 'x';",                // 1
                "CREATE TABLE s (a INT) WITH ('connector'='datagen');",
                "INSERT INTO a SELECT * FROM s;",           // 3
                "EXECUTE STATEMENT SET BEGIN",              // 4
                "  INSERT INTO b SELECT * FROM s;",         // 5
                "  INSERT INTO c SELECT * FROM s;",         // 6
                "END;",
                "BEGIN STATEMENT SET;",                     // 8
                "INSERT INTO d SELECT * FROM s;",           // 9
                "END;",
                "INSERT OVERWRITE e SELECT * FROM s");      // 11
        ScriptPlan p = ScriptPlan.of(script);
        assertEquals(List.of(3, 5, 6, 9, 11), insertLines(p));
        assertEquals(List.of(Command.Kind.SET, Command.Kind.DDL, Command.Kind.INSERT, Command.Kind.BEGIN_SET,
                Command.Kind.INSERT, Command.Kind.INSERT, Command.Kind.END_SET, Command.Kind.BEGIN_SET,
                Command.Kind.INSERT, Command.Kind.END_SET, Command.Kind.INSERT),
                p.commands().stream().map(Command::kind).collect(Collectors.toList()));
    }

    @Test
    void noInsertFails() {
        ScriptException e = assertThrows(ScriptException.class,
                () -> ScriptPlan.of("CREATE TABLE t (a INT) WITH ('connector'='datagen');"));
        assertEquals(0, e.line());
        assertTrue(e.getMessage().startsWith("The script has no INSERT statement"), e.getMessage());
        assertThrows(ScriptException.class, () -> ScriptPlan.of("-- nothing at all\n"));
    }

    @Test
    void emptyStatementSetStillCountsAsNoInsert() {
        assertThrows(ScriptException.class, () -> ScriptPlan.of("BEGIN STATEMENT SET;\nEND;"));
    }

    @Test
    void unclosedSetFailsAtItsBegin() {
        ScriptException e = assertThrows(ScriptException.class,
                () -> ScriptPlan.of("SET a=b;\nBEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;"));
        assertEquals(2, e.line());
        assertEquals("Statement at line 2 failed: the statement set begun on this line has no END", e.getMessage());
    }

    @Test
    void nestedSetFails() {
        ScriptException e = assertThrows(ScriptException.class,
                () -> ScriptPlan.of("BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\nEXECUTE STATEMENT SET BEGIN\n"
                        + "INSERT INTO b SELECT 1; END; END;"));
        assertEquals(3, e.line());
    }

    @Test
    void endWithoutBeginFails() {
        ScriptException e = assertThrows(ScriptException.class, () -> ScriptPlan.of("INSERT INTO a SELECT 1;\nEND;"));
        assertEquals(2, e.line());
    }

    @Test
    void onlyInsertsInsideASet() {
        ScriptException e = assertThrows(ScriptException.class,
                () -> ScriptPlan.of("BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\nSET a=b;\nEND;"));
        assertEquals(3, e.line());
        assertTrue(e.reason().startsWith("only INSERT statements may be inside a statement set"), e.reason());
    }

    @Test
    void queriesAreRefusedWithTheirLine() {
        ScriptException e = assertThrows(ScriptException.class,
                () -> ScriptPlan.of("INSERT INTO a SELECT 1;\n\n  SELECT * FROM a;"));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().startsWith("Statement at line 3 failed: a query would run as a job of its own"));
    }

    @Test
    void splitterErrorsSurface() {
        ScriptException e = assertThrows(ScriptException.class, () -> ScriptPlan.of("INSERT INTO a\nSELECT 'x"));
        assertEquals(1, e.line());
    }
}
