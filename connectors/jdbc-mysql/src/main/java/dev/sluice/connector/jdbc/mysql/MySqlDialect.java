package dev.sluice.connector.jdbc.mysql;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.connector.jdbc.core.database.dialect.AbstractDialect;
import org.apache.flink.connector.jdbc.core.database.dialect.JdbcDialectConverter;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;

/**
 * The SQL that Flink's JDBC connector (4.0) sends to MySQL and MariaDB.
 *
 * <ul>
 *   <li>Identifiers are quoted with backticks; a backtick inside one is doubled. A name with dots
 *       is a qualified name: {@code db.users} becomes {@code `db`.`users`} (so a column whose name
 *       contains a dot cannot be used).
 *   <li>Upserts (a sink with a primary key) are {@code INSERT ... ON DUPLICATE KEY UPDATE}, setting
 *       every non-key column from {@code VALUES(col)}; when every column is part of the key, the key
 *       columns are set to themselves (a duplicate is then a no-op). The table must have a primary
 *       or unique key on the key columns, as MySQL decides duplicates by its own keys.
 *   <li>Types: those of Flink's MySQL dialect for 1.x: CHAR, VARCHAR, BOOLEAN, VARBINARY, DECIMAL
 *       (precision 1 to 65), TINYINT, SMALLINT, INTEGER, BIGINT, FLOAT, DOUBLE, DATE, TIME,
 *       TIMESTAMP and TIMESTAMP_LTZ (precision 0 to 6). Others are refused when the table is
 *       planned, with the column named.
 *   <li>{@code rewriteBatchedStatements=true} is added to the URL unless it is set (the driver then
 *       sends a batch as one multi-row INSERT).
 * </ul>
 *
 * <p>One class serves both databases; only the name and the default driver differ ({@link
 * MySqlFactory}, {@link MariaDbFactory}).
 */
public class MySqlDialect extends AbstractDialect {
    private static final long serialVersionUID = 1L;

    static final String MYSQL_DRIVER = "com.mysql.cj.jdbc.Driver";
    static final String MARIADB_DRIVER = "org.mariadb.jdbc.Driver";
    private static final String REWRITE_BATCHED = "rewriteBatchedStatements";

    private static final int MIN_DECIMAL_PRECISION = 1;
    private static final int MAX_DECIMAL_PRECISION = 65;
    private static final int MIN_TIMESTAMP_PRECISION = 0;
    private static final int MAX_TIMESTAMP_PRECISION = 6;

    private final String name;
    private final String driver;

    /** The MySQL flavour: named "MySQL", driver com.mysql.cj.jdbc.Driver (Connector/J). */
    public MySqlDialect() {
        this("MySQL", MYSQL_DRIVER);
    }

    /** A dialect with the given name (in Flink's messages) and default driver class. */
    public MySqlDialect(String name, String driver) {
        this.name = Objects.requireNonNull(name, "name");
        this.driver = Objects.requireNonNull(driver, "driver");
    }

    @Override
    public String dialectName() {
        return name;
    }

    @Override
    public Optional<String> defaultDriverName() {
        return Optional.of(driver);
    }

    @Override
    public JdbcDialectConverter getRowConverter(RowType rowType) {
        return new MySqlDialectConverter(rowType);
    }

    @Override
    public String getLimitClause(long limit) {
        return "LIMIT " + limit;
    }

    @Override
    public String quoteIdentifier(String identifier) {
        return Arrays.stream(identifier.split("\\.", -1))
                .map(part -> "`" + part.replace("`", "``") + "`")
                .collect(Collectors.joining("."));
    }

    @Override
    public Optional<String> getUpsertStatement(
            String tableName, String[] fieldNames, String[] uniqueKeyFields) {
        Set<String> keys = Set.of(uniqueKeyFields);
        String[] updated =
                Arrays.stream(fieldNames).filter(f -> !keys.contains(f)).toArray(String[]::new);
        if (updated.length == 0) {
            updated = uniqueKeyFields;
        }
        String assignments =
                Arrays.stream(updated)
                        .map(f -> quoteIdentifier(f) + "=VALUES(" + quoteIdentifier(f) + ")")
                        .collect(Collectors.joining(", "));
        return Optional.of(
                getInsertIntoStatement(tableName, fieldNames)
                        + " ON DUPLICATE KEY UPDATE "
                        + assignments);
    }

    @Override
    public String appendDefaultUrlProperties(String url) {
        if (url.contains(REWRITE_BATCHED + "=")) {
            return url;
        }
        return url + (url.contains("?") ? "&" : "?") + REWRITE_BATCHED + "=true";
    }

    @Override
    public Optional<Range> decimalPrecisionRange() {
        return Optional.of(Range.of(MIN_DECIMAL_PRECISION, MAX_DECIMAL_PRECISION));
    }

    @Override
    public Optional<Range> timestampPrecisionRange() {
        return Optional.of(Range.of(MIN_TIMESTAMP_PRECISION, MAX_TIMESTAMP_PRECISION));
    }

    @Override
    public Set<LogicalTypeRoot> supportedTypes() {
        return EnumSet.of(
                LogicalTypeRoot.CHAR,
                LogicalTypeRoot.VARCHAR,
                LogicalTypeRoot.BOOLEAN,
                LogicalTypeRoot.VARBINARY,
                LogicalTypeRoot.DECIMAL,
                LogicalTypeRoot.TINYINT,
                LogicalTypeRoot.SMALLINT,
                LogicalTypeRoot.INTEGER,
                LogicalTypeRoot.BIGINT,
                LogicalTypeRoot.FLOAT,
                LogicalTypeRoot.DOUBLE,
                LogicalTypeRoot.DATE,
                LogicalTypeRoot.TIME_WITHOUT_TIME_ZONE,
                LogicalTypeRoot.TIMESTAMP_WITHOUT_TIME_ZONE,
                LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE);
    }
}
