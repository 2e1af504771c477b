package io.tributary.capture.sqlite.wal;

import io.tributary.common.sql.Identifiers;
import io.tributary.schemas.event.TableDefinition;
import io.tributary.capture.sqlite.wal.SqlTokens.Kind;
import io.tributary.capture.sqlite.wal.SqlTokens.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The CHECK constraints of a SQLite table, from its {@code CREATE TABLE} text, translated to PostgreSQL where
 * a direct form exists: comparisons, arithmetic, AND/OR/NOT, IN, BETWEEN, IS [NOT] NULL, {@code ==} as
 * {@code =}, LIKE as ILIKE (SQLite's LIKE ignores ASCII case), {@code ifnull} as {@code coalesce}, and the
 * functions both have. A CHECK using anything else (GLOB, typeof, a date function, a blob literal) or a
 * column whose values the pipeline converts (a BOOLEAN stored as 0/1, DATETIME text) is left out, with the
 * reason in {@code leftOut}: it cannot be said the same way in the target.
 */
public final class CheckClauses {
    private static final Set<String> SAME_FUNCTIONS = Set.of("LENGTH", "LOWER", "UPPER", "ABS", "ROUND", "COALESCE", "NULLIF", "SUBSTR",
            "TRIM", "LTRIM", "RTRIM", "REPLACE", "MIN", "MAX");
    private static final Map<String, String> RENAMED = Map.of("IFNULL", "coalesce", "LIKE", "ILIKE");
    private static final Set<String> REFUSED_WORDS = Set.of("GLOB", "REGEXP", "MATCH", "COLLATE", "ESCAPE");

    private CheckClauses() {
    }

    /**
     * The CHECKs of {@code def} in PostgreSQL, named as declared or {@code <table>_check<n>}; those that cannot
     * be translated are described in {@code leftOut}. {@code converted}: columns (lower case) whose values the
     * target holds in another type.
     */
    public static List<TableDefinition.Check> of(TableDef def, Set<String> converted, List<String> leftOut) throws WalFormatException {
        List<Token> t = SqlTokens.tokenize(def.sql());
        List<TableDefinition.Check> out = new ArrayList<>();
        int n = 0;
        for (int i = 0; i < t.size(); i++) {
            if (!t.get(i).is("CHECK") || i + 1 >= t.size() || !t.get(i + 1).isPunct("(")) {
                continue;
            }
            int end = closing(t, i + 1);
            String name = i >= 2 && t.get(i - 2).is("CONSTRAINT") ? t.get(i - 1).text() : def.name() + "_check" + (n == 0 ? "" : String.valueOf(n));
            n++;
            String source = def.sql().substring(t.get(i).start(), t.get(end).end());
            String why = refusal(t, i + 2, end, converted);
            if (why != null) {
                leftOut.add(source + ": " + why);
            } else {
                out.add(new TableDefinition.Check(name, translate(t, i + 2, end, def)));
            }
            i = end;
        }
        return out;
    }

    private static int closing(List<Token> t, int open) throws WalFormatException {
        int depth = 0;
        for (int i = open; i < t.size(); i++) {
            depth += t.get(i).isPunct("(") ? 1 : t.get(i).isPunct(")") ? -1 : 0;
            if (depth == 0) {
                return i;
            }
        }
        throw new WalFormatException("unbalanced CHECK ( in: " + t);
    }

    /** Why tokens [from, to) cannot be said in PostgreSQL, or null. */
    private static String refusal(List<Token> t, int from, int to, Set<String> converted) {
        for (int i = from; i < to; i++) {
            Token k = t.get(i);
            boolean call = i + 1 < to && t.get(i + 1).isPunct("(");
            if (k.kind() == Kind.BLOB) {
                return "a blob literal";
            }
            if (k.kind() == Kind.WORD && REFUSED_WORDS.contains(k.upper())) {
                return k.upper() + " has no direct PostgreSQL form";
            }
            if (k.kind() == Kind.WORD && call && !SAME_FUNCTIONS.contains(k.upper()) && !RENAMED.containsKey(k.upper())
                    && !Set.of("IN", "AND", "OR", "NOT").contains(k.upper())) {
                return "function " + k.text() + " is SQLite's";
            }
            if ((k.kind() == Kind.WORD || k.kind() == Kind.QUOTED) && converted.contains(k.text().toLowerCase(Locale.ROOT))) {
                return "column " + k.text() + " holds converted values in the target (its CHECK is about SQLite's storage)";
            }
        }
        return null;
    }

    private static String column(TableDef def, String name) {
        int i = def.columnIndex(name);
        return i < 0 ? name : def.columns().get(i).name();
    }

    /** Tokens [from, to) as PostgreSQL text; a column named bare is quoted as declared (PostgreSQL would fold it to lower case). */
    private static String translate(List<Token> t, int from, int to, TableDef def) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = from; i < to; i++) {
            Token k = t.get(i);
            if (k.isPunct("=") && i > from && t.get(i - 1).isPunct("=") && t.get(i - 1).end() == k.start()) {
                continue; // == is =
            }
            if (i > from && t.get(i - 1).end() < k.start()) {
                sb.append(' ');
            }
            sb.append(switch (k.kind()) {
                case QUOTED -> Identifiers.quote(column(def, k.text()));
                case STRING -> "'" + k.text().replace("'", "''") + "'";
                case WORD -> def.columnIndex(k.text()) >= 0 ? Identifiers.quote(column(def, k.text())) : RENAMED.getOrDefault(k.upper(), k.text());
                default -> k.text();
            });
        }
        return sb.append(')').toString();
    }
}
