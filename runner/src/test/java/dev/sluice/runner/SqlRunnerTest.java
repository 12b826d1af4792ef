package dev.sluice.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlRunnerTest {
    @Test
    void arguments() throws Exception {
        SqlRunner.Arguments a = SqlRunner.Arguments.parse(new String[] {"--script", "/x.sql", "--name", "my app"});
        assertEquals(Paths.get("/x.sql"), a.script);
        assertEquals("my app", a.name);
        a = SqlRunner.Arguments.parse(new String[] {"--script=/y.sql"});
        assertEquals(Paths.get("/y.sql"), a.script);
        assertNull(a.name);
    }

    @Test
    void badArguments() {
        for (String[] args : new String[][] {{}, {"--script"}, {"--name", "x"}, {"/x.sql"},
                {"--script", "/x.sql", "--bogus"}, {"--script", "/x", "--name", " "}}) {
            ScriptException e = assertThrows(ScriptException.class, () -> SqlRunner.Arguments.parse(args));
            assertEquals(0, e.line());
            assertTrue(e.getMessage().contains("usage: dev.sluice.runner.SqlRunner --script PATH [--name NAME]"),
                    e.getMessage());
        }
    }

    @Test
    void readsUtf8(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("s.sql");
        Files.write(f, "SET 'k' = 'ä€';".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("SET 'k' = 'ä€';", SqlRunner.read(f));
    }

    @Test
    void refusesInvalidUtf8AndMissingFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("latin1.sql");
        Files.write(f, new byte[] {'S', 'E', 'T', ' ', (byte) 0xE4});
        ScriptException e = assertThrows(ScriptException.class, () -> SqlRunner.read(f));
        assertTrue(e.getMessage().endsWith("is not valid UTF-8"), e.getMessage());
        e = assertThrows(ScriptException.class, () -> SqlRunner.read(dir.resolve("missing.sql")));
        assertTrue(e.getMessage().startsWith("Cannot read the script "), e.getMessage());
    }

    @Test
    void secretNames() {
        assertTrue(SqlRunner.isSecretName("properties.sasl.jaas.PASSWORD"));
        assertTrue(SqlRunner.isSecretName("s3.secret-key"));
        assertTrue(SqlRunner.isSecretName("x.token"));
        assertTrue(!SqlRunner.isSecretName("pipeline.name"));
    }
}
