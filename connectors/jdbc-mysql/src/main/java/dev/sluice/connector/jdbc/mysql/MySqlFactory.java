package dev.sluice.connector.jdbc.mysql;

import org.apache.flink.connector.jdbc.core.database.JdbcFactory;
import org.apache.flink.connector.jdbc.core.database.catalog.JdbcCatalog;
import org.apache.flink.connector.jdbc.core.database.dialect.JdbcDialect;

/**
 * Registers {@link MySqlDialect} with Flink's JDBC connector (4.0) for {@code jdbc:mysql:} URLs,
 * with Connector/J ({@code com.mysql.cj.jdbc.Driver}) as the default driver. Found by the
 * connector's {@code JdbcFactoryLoader} through {@code
 * META-INF/services/org.apache.flink.connector.jdbc.core.database.JdbcFactory}.
 */
public class MySqlFactory implements JdbcFactory {
    static final String URL_PREFIX = "jdbc:mysql:";

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(URL_PREFIX);
    }

    @Override
    public JdbcDialect createDialect() {
        return new MySqlDialect("MySQL", MySqlDialect.MYSQL_DRIVER);
    }

    /** Not provided: this jar is a dialect for tables ('connector' = 'jdbc'), not a catalog. */
    @Override
    public JdbcCatalog createCatalog(
            ClassLoader classLoader,
            String catalogName,
            String defaultDatabase,
            String username,
            String pwd,
            String baseUrl) {
        throw new UnsupportedOperationException(
                "Sluice's MySQL/MariaDB dialect (dev.sluice:sluice-connector-jdbc-mysql) has no"
                        + " JDBC catalog: declare the tables with CREATE TABLE ... WITH"
                        + " ('connector' = 'jdbc', 'url' = '" + baseUrl + "', ...)");
    }
}
