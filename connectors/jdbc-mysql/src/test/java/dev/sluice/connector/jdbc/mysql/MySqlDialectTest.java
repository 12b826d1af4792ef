package dev.sluice.connector.jdbc.mysql;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Optional;
import org.apache.flink.connector.jdbc.core.database.JdbcFactoryLoader;
import org.apache.flink.connector.jdbc.core.database.dialect.JdbcDialect;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;
import org.junit.jupiter.api.Test;

class MySqlDialectTest {
    private final MySqlDialect dialect = new MySqlDialect();

    private static RowType row(DataType... fields) {
        DataTypes.Field[] named = new DataTypes.Field[fields.length];
        for (int i = 0; i < fields.length; i++) named[i] = DataTypes.FIELD("f" + i, fields[i]);
        return (RowType) DataTypes.ROW(named).getLogicalType();
    }

    // ---- registration through the connector's SPI

    @Test
    void theConnectorFindsTheMySqlDialectForJdbcMysqlUrls() {
        JdbcDialect d =
                JdbcFactoryLoader.loadDialect(
                        "jdbc:mysql://127.0.0.1:3306/shop", getClass().getClassLoader());
        assertInstanceOf(MySqlDialect.class, d);
        assertEquals("MySQL", d.dialectName());
        assertEquals(Optional.of("com.mysql.cj.jdbc.Driver"), d.defaultDriverName());
    }

    @Test
    void theConnectorFindsTheMariaDbFlavourForJdbcMariadbUrls() {
        JdbcDialect d =
                JdbcFactoryLoader.loadDialect(
                        "jdbc:mariadb://127.0.0.1:3306/shop", getClass().getClassLoader(), null);
        assertInstanceOf(MySqlDialect.class, d);
        assertEquals("MariaDB", d.dialectName());
        assertEquals(Optional.of("org.mariadb.jdbc.Driver"), d.defaultDriverName());
        assertEquals("`t`", d.quoteIdentifier("t"));
    }

    @Test
    void otherUrlsAreNotTaken() {
        assertTrue(new MySqlFactory().acceptsURL("jdbc:mysql://h/db"));
        assertTrue(new MySqlFactory().acceptsURL("jdbc:mysql:loadbalance://h1,h2/db"));
        assertTrue(new MariaDbFactory().acceptsURL("jdbc:mariadb://h/db"));
        assertEquals(false, new MySqlFactory().acceptsURL("jdbc:mariadb://h/db"));
        assertEquals(false, new MariaDbFactory().acceptsURL("jdbc:mysql://h/db"));
        assertEquals(false, new MySqlFactory().acceptsURL("jdbc:postgresql://h/db"));
        assertEquals(false, new MySqlFactory().acceptsURL(null));
        // Only the connector's own Derby dialect and ours are on this classpath.
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () ->
                                JdbcFactoryLoader.loadDialect(
                                        "jdbc:postgresql://h/db", getClass().getClassLoader()));
        assertTrue(e.getMessage().contains("jdbc:postgresql://h/db"), e.getMessage());
    }

    @Test
    void thereIsNoCatalogAndTheMessageSaysWhatToDoInstead() {
        UnsupportedOperationException e =
                assertThrows(
                        UnsupportedOperationException.class,
                        () ->
                                new MySqlFactory()
                                        .createCatalog(
                                                getClass().getClassLoader(),
                                                "c",
                                                "db",
                                                "u",
                                                "p",
                                                "jdbc:mysql://h:3306"));
        assertTrue(e.getMessage().contains("CREATE TABLE"), e.getMessage());
    }

    // ---- the SQL it generates

    @Test
    void identifiersAreQuotedWithBackticks() {
        assertEquals("`users`", dialect.quoteIdentifier("users"));
        assertEquals("`my col`", dialect.quoteIdentifier("my col"));
        assertEquals("`a``b`", dialect.quoteIdentifier("a`b"));
        assertEquals("`shop`.`users`", dialect.quoteIdentifier("shop.users"));
    }

    @Test
    void insertUsesNamedParametersAndQuotedNames() {
        assertEquals(
                "INSERT INTO `users`(`uid`, `name`) VALUES (:uid, :name)",
                dialect.getInsertIntoStatement("users", new String[] {"uid", "name"}));
    }

    @Test
    void upsertIsInsertOnDuplicateKeyUpdateOfTheNonKeyColumns() {
        assertEquals(
                Optional.of(
                        "INSERT INTO `shop`.`users`(`uid`, `name`, `visits`) VALUES (:uid, :name,"
                                + " :visits) ON DUPLICATE KEY UPDATE `name`=VALUES(`name`),"
                                + " `visits`=VALUES(`visits`)"),
                dialect.getUpsertStatement(
                        "shop.users",
                        new String[] {"uid", "name", "visits"},
                        new String[] {"uid"}));
    }

    @Test
    void upsertOfOnlyKeyColumnsIsANoOpOnDuplicates() {
        assertEquals(
                Optional.of(
                        "INSERT INTO `users`(`uid`) VALUES (:uid) ON DUPLICATE KEY UPDATE"
                                + " `uid`=VALUES(`uid`)"),
                dialect.getUpsertStatement(
                        "users", new String[] {"uid"}, new String[] {"uid"}));
    }

    @Test
    void updateDeleteSelectAndExistsQuoteEveryName() {
        assertEquals(
                "UPDATE `users` SET `name` = :name WHERE `uid` = :uid",
                dialect.getUpdateStatement(
                        "users", new String[] {"name"}, new String[] {"uid"}));
        assertEquals(
                "DELETE FROM `users` WHERE `uid` = :uid",
                dialect.getDeleteStatement("users", new String[] {"uid"}));
        assertEquals(
                "SELECT `uid`, `name` FROM `users` WHERE `uid` = :uid",
                dialect.getSelectFromStatement(
                        "users", new String[] {"uid", "name"}, new String[] {"uid"}));
        assertEquals(
                "SELECT 1 FROM `users` WHERE `uid` = :uid",
                dialect.getRowExistsStatement("users", new String[] {"uid"}));
        assertEquals("LIMIT 10", dialect.getLimitClause(10));
    }

    @Test
    void batchedStatementsAreRewrittenUnlessTheUrlSaysOtherwise() {
        assertEquals(
                "jdbc:mysql://h/db?rewriteBatchedStatements=true",
                dialect.appendDefaultUrlProperties("jdbc:mysql://h/db"));
        assertEquals(
                "jdbc:mysql://h/db?useSSL=false&rewriteBatchedStatements=true",
                dialect.appendDefaultUrlProperties("jdbc:mysql://h/db?useSSL=false"));
        assertEquals(
                "jdbc:mysql://h/db?rewriteBatchedStatements=false",
                dialect.appendDefaultUrlProperties(
                        "jdbc:mysql://h/db?rewriteBatchedStatements=false"));
    }

    // ---- types

    @Test
    void theUsualTypesAreAccepted() {
        assertDoesNotThrow(
                () ->
                        dialect.validate(
                                row(
                                        DataTypes.CHAR(3),
                                        DataTypes.STRING(),
                                        DataTypes.BOOLEAN(),
                                        DataTypes.BYTES(),
                                        DataTypes.DECIMAL(38, 10),
                                        DataTypes.TINYINT(),
                                        DataTypes.SMALLINT(),
                                        DataTypes.INT(),
                                        DataTypes.BIGINT(),
                                        DataTypes.FLOAT(),
                                        DataTypes.DOUBLE(),
                                        DataTypes.DATE(),
                                        DataTypes.TIME(),
                                        DataTypes.TIMESTAMP(6),
                                        DataTypes.TIMESTAMP_LTZ(3))));
    }

    @Test
    void otherTypesAndTooPreciseTimestampsAreRefusedNamingTheType() {
        ValidationException array =
                assertThrows(
                        ValidationException.class,
                        () -> dialect.validate(row(DataTypes.ARRAY(DataTypes.INT()))));
        assertTrue(array.getMessage().contains("ARRAY"), array.getMessage());
        assertTrue(array.getMessage().contains("MySQL"), array.getMessage());
        // (DECIMAL's precision is 1 to 38 in Flink itself, inside MySQL's 1 to 65.)
        ValidationException timestamp =
                assertThrows(
                        ValidationException.class,
                        () -> dialect.validate(row(DataTypes.TIMESTAMP(9))));
        assertTrue(timestamp.getMessage().contains("[0, 6]"), timestamp.getMessage());
        assertTrue(timestamp.getMessage().contains("f0"), timestamp.getMessage());
    }

    @Test
    void theDialectAndItsConverterTravelToTheTasks() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new MariaDbFactory().createDialect());
            out.writeObject(dialect.getRowConverter(row(DataTypes.INT(), DataTypes.STRING())));
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            MySqlDialect back = (MySqlDialect) in.readObject();
            assertEquals("MariaDB", back.dialectName());
            assertEquals(Optional.of("org.mariadb.jdbc.Driver"), back.defaultDriverName());
            MySqlDialectConverter converter = (MySqlDialectConverter) in.readObject();
            assertEquals("MySQL", converter.converterName());
        }
    }
}
