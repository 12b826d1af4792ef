package dev.sluice.connector.jdbc.mysql;

import org.apache.flink.connector.jdbc.core.database.dialect.AbstractDialectConverter;
import org.apache.flink.table.types.logical.RowType;

/**
 * Converts between Flink's rows and MySQL's JDBC values. Connector/J and MariaDB Connector/J hand
 * back the standard JDBC classes for the supported types, so the connector's own conversions
 * apply unchanged.
 */
public class MySqlDialectConverter extends AbstractDialectConverter {
    private static final long serialVersionUID = 1L;

    public MySqlDialectConverter(RowType rowType) {
        super(rowType);
    }

    @Override
    public String converterName() {
        return "MySQL";
    }
}
