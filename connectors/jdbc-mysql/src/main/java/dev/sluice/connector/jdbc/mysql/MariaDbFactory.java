package dev.sluice.connector.jdbc.mysql;

import org.apache.flink.connector.jdbc.core.database.dialect.JdbcDialect;

/**
 * Registers {@link MySqlDialect} for {@code jdbc:mariadb:} URLs, with MariaDB Connector/J ({@code
 * org.mariadb.jdbc.Driver}) as the default driver. A separate factory because the connector asks
 * a factory for its dialect without the URL, and the default driver depends on the URL's scheme.
 * (MariaDB servers are also reached with {@code jdbc:mysql:} URLs and Connector/J.)
 */
public class MariaDbFactory extends MySqlFactory {
    static final String MARIADB_URL_PREFIX = "jdbc:mariadb:";

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(MARIADB_URL_PREFIX);
    }

    @Override
    public JdbcDialect createDialect() {
        return new MySqlDialect("MariaDB", MySqlDialect.MARIADB_DRIVER);
    }
}
