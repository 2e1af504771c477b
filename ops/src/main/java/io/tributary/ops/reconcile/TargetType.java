package io.tributary.ops.reconcile;

import io.tributary.schemas.event.ColumnType;

/**
 * A target column's type as reconcile compares it, from PostgreSQL's {@code udt_name}. Values of both sides
 * are put in the terms of the target column's type (see {@link Canonical}).
 */
enum TargetType {
    BOOL, INT, FLOAT4, FLOAT8, NUMERIC, TEXT, BYTEA, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, JSON, JSONB, UUID, OTHER;

    static TargetType of(String udt) {
        return switch (udt) {
            case "bool" -> BOOL;
            case "int2", "int4", "int8" -> INT;
            case "float4" -> FLOAT4;
            case "float8" -> FLOAT8;
            case "numeric" -> NUMERIC;
            case "text", "varchar", "bpchar", "name", "citext" -> TEXT;
            case "bytea" -> BYTEA;
            case "date" -> DATE;
            case "time" -> TIME;
            case "timestamp" -> TIMESTAMP;
            case "timestamptz" -> TIMESTAMPTZ;
            case "json" -> JSON;
            case "jsonb" -> JSONB;
            case "uuid" -> UUID;
            default -> OTHER;
        };
    }

    /**
     * The {@link io.tributary.schemas.event.Column#normalizedType()} a SQLite column of this target type
     * carried: the sink created the target column from the normalised schema, so the target type is the type
     * the capture declared the stored values to mean (0/1 meaning BOOLEAN, naive UTC text meaning TIMESTAMPTZ or,
     * in an existing naive {@code timestamp} column, the same naive date-time,
     * date text meaning DATE, JSON text). Null when SQLite stores values of this type as themselves.
     */
    ColumnType sqliteMeaning() {
        return switch (this) {
            case BOOL -> ColumnType.BOOLEAN;
            case TIMESTAMPTZ, TIMESTAMP -> ColumnType.TIMESTAMPTZ; // a naive timestamp target: the same text, kept naive (Canonical.naive)
            case DATE -> ColumnType.DATE;
            case JSON, JSONB -> ColumnType.JSON;
            default -> null;
        };
    }

    /** Whether a relative tolerance can apply to values of this type. */
    boolean numeric() {
        return this == FLOAT4 || this == FLOAT8 || this == NUMERIC;
    }

    /** Whether PostgreSQL orders values of this type by a collation (text types). */
    boolean collated() {
        return this == TEXT;
    }
}
