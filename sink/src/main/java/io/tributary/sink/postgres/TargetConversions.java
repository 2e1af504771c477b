package io.tributary.sink.postgres;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Conversions;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The conversion plan of one existing target column: its declared type is the declaration, and the source
 * column's values are written as that type. A source type equal to the target's or a lossless widening of it
 * (smallint→integer→bigint→numeric, real→double precision, varchar(n)→varchar(m≥n)/text,
 * numeric(p,s)→numeric(q≥p,s)/numeric, json→jsonb) is written as it is. The declared conversions check every
 * value and refuse one that does not fit ({@link ValueDoesNotFit}: the record becomes a dead letter, the rest
 * of the table arrives), never cutting or rounding silently:
 * <ul>
 *   <li>bigint into integer or smallint, integer into smallint: the value must be in range;</li>
 *   <li>text into varchar(n): at most n characters; text into json or jsonb: one valid JSON document;</li>
 *   <li>double, real, decimal or an integer into numeric(p,s): the decimal as Java prints the double (the
 *       shortest text that reads back as the same bits) must fit p and s, or, with {@code round} declared,
 *       is rounded to s fractional digits; NaN and infinities never fit;</li>
 *   <li>naive date-times (a SQLite DATETIME/TIMESTAMP column, which travels as UTC, a PostgreSQL timestamp,
 *       date-time text) into timestamp stay naive, into timestamptz mean UTC or the declared {@code time-zone};
 *       an instant (timestamptz) into a naive timestamp column needs the {@code time-zone} it is written in;</li>
 *   <li>text into date or time: ISO text; 0/1 integers into boolean; numbers into timestamp or timestamptz
 *       with the declared {@code epoch} unit.</li>
 * </ul>
 * Anything else is refused at start with the column, both types and, where a declaration allows it, the
 * option under {@code services[].options.<table>.convert.<column>}.
 */
final class TargetConversions {
    /** Lossless widenings: source type -> target types that hold every value. */
    private static final Map<String, Set<String>> WIDER = Map.of(
            "smallint", Set.of("integer", "bigint", "numeric"),
            "integer", Set.of("bigint", "numeric"),
            "bigint", Set.of("numeric"),
            "real", Set.of("double precision"),
            "json", Set.of("jsonb"));
    private static final Pattern NUMERIC = Pattern.compile("numeric(?:\\((\\d+),(\\d+)\\))?");
    private static final Pattern SIZED = Pattern.compile(".*\\((\\d+)\\)");
    private static final Pattern WITH_OFFSET = Pattern.compile(".*(?:[zZ]|[+-]\\d\\d(?::?\\d\\d)?)$");
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String TIMESTAMP = "timestamp without time zone";
    private static final String TIMESTAMPTZ = "timestamp with time zone";

    /**
     * What to do with one column: written as it is ({@link #AS_IS}), through {@code binding} (which checks
     * {@code check}), or refused with the reason and the fix.
     */
    record Decision(ColumnBinding binding, String check, String refusal) {
        static final Decision AS_IS = new Decision(null, null, null);

        static Decision converted(ColumnBinding binding, String check) {
            return new Decision(binding, check, null);
        }
    }

    private TargetConversions() {
    }

    /** How {@code col} of {@code table} is written into a target column declared {@code have} (format_type's spelling). */
    static Decision decide(String table, Column col, String have, PipelineConfig.Convert declared) {
        return decide(table, col, PgTypes.sqlType(col), have, declared);
    }

    /** As above, for a column the sink writes as {@code sqlType} (the source's declared type where the target has it). */
    static Decision decide(String table, Column col, String sqlType, String have, PipelineConfig.Convert declared) {
        String want = canonical(sqlType);
        String where = "column " + col.name() + " is " + have + " in the target but " + want + " in the source (declared " + col.sourceType() + ")";
        String option = "options." + table + ".convert." + col.name();
        Plan plan = new Plan(table, col, have, declared, option);
        if (have.equals(want) || widens(want, have)) {
            boolean rezone = col.type() == ColumnType.TIMESTAMPTZ && naive(col) && declared.timeZone() != null;
            return rezone ? plan.instantFromNaive() : Decision.AS_IS;
        }
        try {
            Decision d = plan.decide();
            return d != null ? d : new Decision(null, null, where + ": no conversion between them; change the target column to " + want
                    + " or a type that holds every value of it");
        } catch (NeedsDeclaration e) {
            return new Decision(null, null, where + ": " + e.getMessage());
        }
    }

    /** A conversion that is possible only with a declaration: the message names the option. */
    private static final class NeedsDeclaration extends RuntimeException {
        NeedsDeclaration(String message) {
            super(message, null, false, false);
        }
    }

    /** The conversion of one column into one declared target type. */
    private record Plan(String table, Column col, String have, PipelineConfig.Convert declared, String option) {
        Decision decide() {
            String base = have.replaceAll("\\(.*", "");
            ColumnType from = col.type();
            boolean integral = from == ColumnType.INT64 || from == ColumnType.INT32 || from == ColumnType.INT16;
            return switch (base) {
                case "integer" -> from == ColumnType.INT64 ? narrow(Integer.MIN_VALUE, Integer.MAX_VALUE) : null;
                case "smallint" -> from == ColumnType.INT64 || from == ColumnType.INT32 ? narrow(Short.MIN_VALUE, Short.MAX_VALUE) : null;
                case "character varying" -> from == ColumnType.TEXT ? maxLength() : null;
                case "json", "jsonb" -> from == ColumnType.TEXT ? json() : null;
                case "numeric" -> integral || from == ColumnType.FLOAT64 || from == ColumnType.FLOAT32 || from == ColumnType.DECIMAL ? decimal() : null;
                case TIMESTAMP -> from == ColumnType.TIMESTAMPTZ ? naiveFromInstant() : from == ColumnType.TEXT ? text(true) : epoch(true);
                case TIMESTAMPTZ -> from == ColumnType.TIMESTAMP ? instantFromNaive() : from == ColumnType.TEXT ? text(false) : epoch(false);
                case "date" -> from == ColumnType.TEXT ? Decision.converted(ColumnBinding.asText("date", v -> parse(v, "an ISO date (2024-01-31)",
                        s -> LocalDate.parse(s).toString())), "ISO date text") : null;
                case "time without time zone" -> from == ColumnType.TEXT ? Decision.converted(ColumnBinding.asText("time",
                        v -> parse(v, "an ISO time (13:45:00)", s -> LocalTime.parse(s).toString())), "ISO time text") : null;
                case "boolean" -> integral ? Decision.converted(new ColumnBinding("bool", "", Boolean[]::new, v -> zeroOrOne((Number) v)), "0 or 1") : null;
                default -> null;
            };
        }

        private Decision narrow(long min, long max) {
            boolean small = max == Short.MAX_VALUE;
            return Decision.converted(new ColumnBinding(small ? "int2" : "int4", "", small ? Short[]::new : Integer[]::new, v -> {
                long x = ((Number) v).longValue();
                if (x < min || x > max) {
                    throw doesNotFit("22003", "a value out of range for " + have + " (" + min + " to " + max + ")");
                }
                return small ? (Object) (short) x : (Object) (int) x;
            }), "range " + min + ".." + max);
        }

        private Decision maxLength() {
            Matcher m = SIZED.matcher(have);
            int n = m.matches() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
            return Decision.converted(ColumnBinding.asText("text", v -> {
                String s = v.toString();
                if (s.codePointCount(0, s.length()) > n) {
                    throw doesNotFit("22001", "a text of " + s.codePointCount(0, s.length()) + " characters, longer than " + have + " allows");
                }
                return s;
            }), "at most " + n + " characters");
        }

        private Decision json() {
            return Decision.converted(ColumnBinding.asText(have, v -> {
                String s = v.toString();
                try {
                    JSON.readTree(s);
                } catch (JacksonException e) {
                    throw doesNotFit("22P02", "not a JSON document (" + e.getOriginalMessage() + ")");
                }
                return s;
            }), "a JSON document");
        }

        private Decision decimal() {
            Matcher m = NUMERIC.matcher(have);
            Integer p = m.matches() && m.group(1) != null ? Integer.valueOf(m.group(1)) : null;
            int s = p == null ? Integer.MAX_VALUE : Integer.parseInt(m.group(2));
            RoundingMode mode = declared.round() == null ? null : declared.round().equals("half-up") ? RoundingMode.HALF_UP : RoundingMode.HALF_EVEN;
            return Decision.converted(ColumnBinding.asText(have, v -> {
                BigDecimal d = decimalOf(v);
                if (d.scale() > s) {
                    if (mode == null) {
                        throw doesNotFit("22003", "a value with " + d.scale() + " fractional digits; " + have + " keeps " + s
                                + " (declare " + option + ".round: half-even to round it)");
                    }
                    d = d.setScale(s, mode);
                }
                if (p != null && d.precision() - d.scale() > p - s) {
                    throw doesNotFit("22003", "a value with more than " + (p - s) + " integer digits, which " + have + " cannot hold");
                }
                return d.toPlainString();
            }), p == null ? "any finite number" : "at most " + (p - s) + " integer and " + s + " fractional digits"
                    + (mode == null ? "" : ", rounded " + declared.round()));
        }

        private BigDecimal decimalOf(Object v) throws ValueDoesNotFit {
            if (v instanceof Double x && !Double.isFinite(x) || v instanceof Float f && !Float.isFinite(f)) {
                throw doesNotFit("22003", "a value that is not a finite number, which " + have + " cannot hold");
            }
            String text = v instanceof Double x ? Double.toString(x) : v instanceof Float f ? Float.toString(f) : v.toString();
            BigDecimal d = new BigDecimal(text).stripTrailingZeros();
            return d.scale() < 0 ? d.setScale(0) : d;
        }

        /** An instant (UTC microseconds) into a naive timestamp column: a source written naive stays as written. */
        private Decision naiveFromInstant() {
            ZoneId zone = zone();
            if (!naive(col) && declared.timeZone() == null) {
                throw new NeedsDeclaration("the source's instants need the zone the column's naive values are in; declare " + option
                        + ".time-zone (UTC, or an IANA name)");
            }
            return Decision.converted(ColumnBinding.asText("timestamp", v -> naiveText(((Number) v).longValue(), naive(col) ? ZoneOffset.UTC : zone)),
                    naive(col) ? "kept naive" : "written in " + zone);
        }

        /** Naive values into timestamptz: UTC, or the declared zone. */
        private Decision instantFromNaive() {
            ZoneId zone = zone();
            return Decision.converted(ColumnBinding.asText("timestamptz", v -> instantText(inZone(((Number) v).longValue(), zone))),
                    "naive values as " + zone);
        }

        private Decision text(boolean toNaive) {
            ZoneId zone = zone();
            return Decision.converted(ColumnBinding.asText(toNaive ? "timestamp" : "timestamptz", v -> {
                String s = v.toString().trim();
                long micros = parse(v, "date-time text (2024-01-31 13:45:00[.ffffff][+offset])", Conversions::micros);
                boolean naiveText = !WITH_OFFSET.matcher(s).matches();
                if (toNaive) {
                    return naiveText(micros, naiveText ? ZoneOffset.UTC : zone);
                }
                return instantText(naiveText ? inZone(micros, zone) : micros);
            }), toNaive ? "date-time text, kept naive" : "date-time text, naive text as " + zone);
        }

        private Decision epoch(boolean toNaive) {
            ColumnType from = col.type();
            if (from != ColumnType.INT64 && from != ColumnType.INT32 && from != ColumnType.FLOAT64 && from != ColumnType.DECIMAL) {
                return null;
            }
            if (declared.epoch() == null) {
                throw new NeedsDeclaration("numbers become date-times only with their unit; declare " + option
                        + ".epoch (seconds, milliseconds or microseconds)");
            }
            long factor = switch (declared.epoch()) {
                case "seconds" -> 1_000_000L;
                case "milliseconds" -> 1_000L;
                default -> 1L;
            };
            return Decision.converted(ColumnBinding.asText(toNaive ? "timestamp" : "timestamptz", v -> {
                BigDecimal micros = decimalOf(v).multiply(BigDecimal.valueOf(factor)).stripTrailingZeros();
                if (micros.scale() > 0 || micros.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 2)) > 0) {
                    throw doesNotFit("22008", "an epoch value that is not a whole number of microseconds in range");
                }
                return toNaive ? naiveText(micros.longValueExact(), zone()) : instantText(micros.longValueExact());
            }), "epoch " + declared.epoch());
        }

        private ZoneId zone() {
            return declared.timeZone() == null ? ZoneOffset.UTC : ZoneId.of(declared.timeZone());
        }

        private Object zeroOrOne(Number v) throws ValueDoesNotFit {
            long x = v.longValue();
            if (x != 0 && x != 1) {
                throw doesNotFit("22P02", "a value other than 0 or 1 for a boolean");
            }
            return x == 1;
        }

        private <T> T parse(Object v, String what, java.util.function.Function<String, T> parser) throws ValueDoesNotFit {
            try {
                return parser.apply(v.toString().trim());
            } catch (DateTimeException | IllegalArgumentException e) {
                throw doesNotFit("22007", "not " + what);
            }
        }

        private ValueDoesNotFit doesNotFit(String state, String what) {
            return new ValueDoesNotFit(state, "column " + col.name() + " of target table " + table + " (" + have + "): " + what);
        }
    }

    /** UTC microseconds of a naive date-time that travelled as UTC, read as a date-time of {@code zone} instead. */
    private static long inZone(long utcMicros, ZoneId zone) {
        Instant asUtc = instant(utcMicros);
        Instant real = LocalDateTime.ofInstant(asUtc, ZoneOffset.UTC).atZone(zone).toInstant();
        return Math.addExact(Math.multiplyExact(real.getEpochSecond(), 1_000_000L), real.getNano() / 1000);
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
    }

    private static String instantText(long micros) {
        return instant(micros).toString();
    }

    private static String naiveText(long micros, ZoneId zone) {
        return LocalDateTime.ofInstant(instant(micros), zone).toString();
    }

    /** A TIMESTAMPTZ column whose source wrote naive date-times (SQLite DATETIME text, which travels as UTC). */
    private static boolean naive(Column col) {
        String declared = col.sourceType() == null ? "" : col.sourceType().toUpperCase(Locale.ROOT);
        return col.type() == ColumnType.TIMESTAMPTZ && !declared.contains("TZ") && !declared.contains("TIME ZONE");
    }

    private static boolean widens(String want, String have) {
        String w = want.replaceAll("\\(.*", "");
        String h = have.replaceAll("\\(.*", "");
        return WIDER.getOrDefault(w, Set.of()).contains(h)
                || want.equals("text") && have.equals("character varying")
                || want.startsWith("character varying(") && (have.equals("text") || have.equals("character varying")
                    || have.startsWith("character varying(") && size(have) >= size(want))
                || want.startsWith("numeric") && (have.equals("numeric") || want.startsWith("numeric(") && have.startsWith("numeric(")
                    && have.endsWith("," + want.replaceAll(".*,", "")) && size(have) >= size(want));
    }

    private static int size(String type) {
        return Integer.parseInt(type.replaceAll(".*?\\((\\d+).*", "$1"));
    }

    /** Our type spelled as PostgreSQL's format_type spells it. */
    static String canonical(String sqlType) {
        return sqlType.replaceFirst("^varchar", "character varying").replaceFirst("^char\\(", "character(")
                .replace("timestamptz", TIMESTAMPTZ).replaceFirst("^timestamp$", TIMESTAMP)
                .replaceFirst("^time$", "time without time zone");
    }
}
