package io.tributary.transform.normalize;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.TableSchema;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns what SQLite applications store into proper types, from the declared type each column carries:
 * <ul>
 *   <li>{@code BOOLEAN} stored as 0/1 -> BOOLEAN;</li>
 *   <li>{@code DATETIME}/{@code TIMESTAMP} text, naive and meaning UTC ("2024-01-02 03:04:05.678", ISO
 *       with 'T', or with an explicit offset) -> TIMESTAMPTZ;</li>
 *   <li>{@code DATE} text -> DATE;</li>
 *   <li>{@code JSON} text -> JSON (kept as the text, byte for byte).</li>
 * </ul>
 * Other columns and every event of a non-SQLite source pass unchanged. A value that cannot be converted
 * exactly (a boolean 7, a date that is not a date) throws {@link IllegalArgumentException} naming the
 * table, column and value; the topology sends that record to the dead-letter topic.
 */
public final class Normalizer {
    private static final DateTimeFormatter NAIVE = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd")
            .optionalStart().appendLiteral(' ').optionalEnd()
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendPattern("HH:mm")
            .optionalStart().appendPattern(":ss").optionalEnd()
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .optionalEnd()
            .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
            .parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0)
            .toFormatter(Locale.ROOT);

    private final Map<Schema, TableSchema[]> shapes = new ConcurrentHashMap<>();

    /** The normalised envelope; the same instance when nothing in it needs normalising. */
    public GenericRecord normalize(GenericRecord key, GenericRecord envelope) {
        if (envelope == null) {
            return null;
        }
        TableSchema[] pair = shapes.computeIfAbsent(envelope.getSchema(), s -> {
            TableSchema in = Envelope.tableSchema(s, key.getSchema());
            return new TableSchema[] {in, normalizedShape(in)};
        });
        if (pair[0].equals(pair[1])) {
            return envelope;
        }
        TableSchema out = pair[1];
        ChangeEvent in = Envelope.read(key, envelope);
        return Envelope.value(in.withRows(out, convert(in.before(), out), convert(in.after(), out)));
    }

    static TableSchema normalizedShape(TableSchema in) {
        List<Column> cols = new ArrayList<>();
        for (Column c : in.columns()) {
            Column out = c.withType(target(c), null);
            cols.add(c.defaultValue() == null ? out : out.withType(out.type(), convertValue(c.defaultValue(), out, in)));
        }
        return new TableSchema(in.table(), cols, in.primaryKey());
    }

    private static ColumnType target(Column c) {
        String declared = c.sourceType() == null ? "" : c.sourceType().toUpperCase(Locale.ROOT);
        if (c.type() == ColumnType.INT64 && declared.startsWith("BOOL")) {
            return ColumnType.BOOLEAN;
        }
        if (c.type() == ColumnType.TEXT) {
            if (declared.startsWith("DATETIME") || declared.startsWith("TIMESTAMP")) {
                return ColumnType.TIMESTAMPTZ;
            }
            if (declared.equals("DATE")) {
                return ColumnType.DATE;
            }
            if (declared.equals("JSON") || declared.equals("JSONB")) {
                return ColumnType.JSON;
            }
        }
        return c.type();
    }

    private static Map<String, Object> convert(Map<String, Object> row, TableSchema out) {
        if (row == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>(row);
        for (Column c : out.columns()) {
            Object v = m.get(c.name());
            if (v != null) {
                m.put(c.name(), convertValue(v, c, out));
            }
        }
        return m;
    }

    static Object convertValue(Object v, Column c, TableSchema t) {
        try {
            return switch (c.type()) {
                case BOOLEAN -> v instanceof Long l ? bool(l) : v;
                case TIMESTAMPTZ -> v instanceof String s ? micros(s) : v;
                case DATE -> v instanceof String s ? (int) LocalDate.parse(s.trim()).toEpochDay() : v;
                default -> v;
            };
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot normalise " + t.table().topic() + "." + c.name() + " (declared "
                    + c.sourceType() + ") value '" + v + "' to " + c.type() + ": " + e.getMessage(), e);
        }
    }

    private static boolean bool(long l) {
        if (l == 0 || l == 1) {
            return l == 1;
        }
        throw new IllegalArgumentException("a BOOLEAN must be 0 or 1");
    }

    /** Microseconds since the epoch; naive text means UTC. Sub-microsecond digits are refused, not rounded. */
    public static long micros(String s) {
        String text = s.trim();
        java.time.Instant instant;
        if (text.endsWith("Z") || text.matches(".*[+-]\\d\\d:?\\d\\d$")) {
            instant = OffsetDateTime.parse(text.replace(' ', 'T'), new DateTimeFormatterBuilder()
                    .append(NAIVE).appendOffset("+HH:MM", "Z").toFormatter(Locale.ROOT)).toInstant();
        } else {
            instant = LocalDateTime.parse(text, NAIVE).toInstant(ZoneOffset.UTC);
        }
        if (instant.getNano() % 1000 != 0) {
            throw new IllegalArgumentException("more than microsecond precision");
        }
        return ChronoUnit.MICROS.between(java.time.Instant.EPOCH, instant);
    }
}
