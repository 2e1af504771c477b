package io.tributary.capture.sqlite.wal;

import io.tributary.capture.sqlite.wal.SqliteTypes.Affinity;
import io.tributary.capture.sqlite.wal.SqlTokens.Kind;
import io.tributary.capture.sqlite.wal.SqlTokens.Token;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Parses the {@code CREATE TABLE} text SQLite keeps in {@code sqlite_schema} (always the normalised form
 * SQLite wrote, never {@code AS SELECT}). It extracts what decoding and the table's shape in the contract
 * need: column names, declared types, NOT NULL, constant defaults (evaluated as SQLite does, see
 * {@link SqliteTypes}), collations, generated columns, the primary key and WITHOUT ROWID. CHECK and
 * REFERENCES clauses are skipped, not validated.
 */
final class CreateTableParser {
    private static final Set<String> COLUMN_CONSTRAINTS = Set.of("CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE",
            "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS");
    private static final Set<String> TABLE_CONSTRAINTS = Set.of("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN");

    private final List<Token> t;
    private final String sql;
    private int p;
    private final List<ColumnDef> all = new ArrayList<>();
    private final List<Boolean> virtual = new ArrayList<>();
    private final List<String> pkNames = new ArrayList<>();
    private final List<Boolean> pkDesc = new ArrayList<>();
    private boolean columnPkDesc;

    private CreateTableParser(String sql) throws WalFormatException {
        this.sql = sql;
        this.t = SqlTokens.tokenize(sql);
    }

    static TableDef parse(String name, int rootPage, String sql) throws WalFormatException {
        return new CreateTableParser(sql).table(name, rootPage);
    }

    private TableDef table(String name, int rootPage) throws WalFormatException {
        expect("CREATE");
        if (peek().is("TEMP") || peek().is("TEMPORARY")) {
            p++;
        }
        expect("TABLE");
        if (peek().is("IF")) {
            p += 3;
        }
        next();
        if (peek().isPunct(".")) {
            p += 2;
        }
        expectPunct("(");
        do {
            element();
        } while (nextIsPunct(","));
        expectPunct(")");
        boolean withoutRowid = false;
        while (p < t.size()) {
            Token k = next();
            if (k.is("WITHOUT")) {
                expect("ROWID");
                withoutRowid = true;
            } else if (!k.is("STRICT") && !k.isPunct(",") && !k.isPunct(";")) {
                throw fail("unexpected table option " + k.text());
            }
        }
        return build(name, rootPage, withoutRowid);
    }

    private TableDef build(String name, int rootPage, boolean withoutRowid) throws WalFormatException {
        List<ColumnDef> stored = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (!virtual.get(i)) {
                stored.add(all.get(i));
            }
        }
        List<Integer> keys = new ArrayList<>();
        List<Boolean> desc = new ArrayList<>();
        for (int i = 0; i < pkNames.size(); i++) {
            int idx = indexOf(stored, pkNames.get(i));
            if (idx < 0) {
                throw fail("primary key column " + pkNames.get(i) + " is not a stored column");
            }
            if (!keys.contains(idx)) {
                keys.add(idx);
                desc.add(pkDesc.get(i));
            }
        }
        int rowidColumn = -1;
        if (!withoutRowid && keys.size() == 1 && stored.get(keys.get(0)).declaredType().equalsIgnoreCase("INTEGER")
                && !columnPkDesc) {
            rowidColumn = keys.get(0);
        }
        if (withoutRowid && keys.isEmpty()) {
            throw fail("WITHOUT ROWID table without PRIMARY KEY");
        }
        int[] keyArr = keys.stream().mapToInt(Integer::intValue).toArray();
        boolean[] descArr = new boolean[keyArr.length];
        for (int i = 0; i < keyArr.length; i++) {
            descArr[i] = desc.get(i);
        }
        return new TableDef(name, rootPage, sql, withoutRowid, stored, rowidColumn, keyArr, descArr);
    }

    private static int indexOf(List<ColumnDef> cols, String name) {
        for (int i = 0; i < cols.size(); i++) {
            if (cols.get(i).name().equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    private void element() throws WalFormatException {
        Token first = peek();
        if (first.kind() == Kind.WORD && TABLE_CONSTRAINTS.contains(first.upper())) {
            tableConstraint();
        } else {
            column();
        }
    }

    private void tableConstraint() throws WalFormatException {
        if (peek().is("CONSTRAINT")) {
            p += 2;
        }
        Token k = next();
        if (k.is("PRIMARY")) {
            expect("KEY");
            expectPunct("(");
            do {
                pkNames.add(name(next()));
                boolean desc = false;
                while (!peek().isPunct(",") && !peek().isPunct(")")) {
                    Token m = next();
                    if (m.is("COLLATE")) {
                        next();
                    } else if (m.is("DESC")) {
                        desc = true;
                    } else if (!m.is("ASC")) {
                        throw fail("unexpected " + m.text() + " in PRIMARY KEY");
                    }
                }
                pkDesc.add(desc);
            } while (nextIsPunct(","));
            expectPunct(")");
        }
        skipToElementEnd();
    }

    private void column() throws WalFormatException {
        String colName = name(next());
        String declared = declaredType();
        Affinity affinity = SqliteTypes.affinity(declared);
        Default dflt = Default.NONE;
        String collation = "BINARY";
        boolean notNull = false;
        boolean generated = false;
        boolean isVirtual = false;
        while (!atElementEnd()) {
            Token k = next();
            if (k.is("CONSTRAINT")) {
                next();
            } else if (k.is("PRIMARY")) {
                expect("KEY");
                pkNames.add(colName);
                boolean desc = peek().is("DESC");
                pkDesc.add(desc);
                columnPkDesc |= desc;
            } else if (k.is("NOT") && peek().is("NULL")) {
                p++;
                notNull = true;
            } else if (k.is("DEFAULT") && !t.get(p - 2).is("SET")) {
                dflt = defaultClause(affinity);
            } else if (k.is("COLLATE")) {
                collation = name(next()).toUpperCase(java.util.Locale.ROOT);
            } else if (k.is("CHECK") || k.is("AS")) {
                skipBalanced();
                if (k.is("AS")) {
                    generated = true;
                    isVirtual = !peek().is("STORED");
                }
            } else if (k.isPunct("(")) {
                p--;
                skipBalanced();
            }
            // other words (UNIQUE, ON CONFLICT, REFERENCES..., GENERATED ALWAYS, ASC/DESC, AUTOINCREMENT)
            // carry nothing decoding needs
        }
        all.add(new ColumnDef(colName, declared, affinity, notNull, dflt.value, dflt.expression, collation, generated));
        virtual.add(isVirtual);
    }

    /**
     * The declared type as SQLite keeps it (and {@code PRAGMA table_info} reports it): the text from its first
     * to its last token, parenthesised arguments included ({@code VARCHAR(10, 2)}); a single quoted name
     * without its quotes; "" when there is none.
     */
    private String declaredType() throws WalFormatException {
        int from = -1;
        int to = -1;
        int count = 0;
        Token first = null;
        while (!atElementEnd() && !(peek().kind() == Kind.WORD && COLUMN_CONSTRAINTS.contains(peek().upper()))) {
            Token k = peek();
            if (first == null) {
                first = k;
                from = k.start();
            }
            if (k.isPunct("(")) {
                skipBalanced();
            } else {
                p++;
            }
            to = t.get(p - 1).end();
            count++;
        }
        if (first == null) {
            return "";
        }
        if (count == 1 && (first.kind() == Kind.QUOTED || first.kind() == Kind.STRING)) {
            return first.text();
        }
        return sql.substring(from, to);
    }

    /** A column's default: a constant (evaluated as SQLite does under the column's affinity), or an expression's text. */
    private record Default(Object value, String expression) {
        static final Default NONE = new Default(null, null);
    }

    private Default defaultClause(Affinity affinity) throws WalFormatException {
        int from = p;
        Default constant = constant(affinity);
        if (constant != null) {
            return constant;
        }
        p = from;
        if (peek().isPunct("(")) {
            skipBalanced();
        } else {
            if (peek().isPunct("-") || peek().isPunct("+")) {
                p++;
            }
            next();
        }
        return new Default(null, sql.substring(t.get(from).start(), t.get(p - 1).end()));
    }

    /**
     * A constant default as SQLite evaluates one: a literal, optionally signed (numbers only) and in
     * parentheses, or a bare name (read as a string), NULL, TRUE or FALSE; null when the default is anything
     * else (CURRENT_TIMESTAMP, an expression).
     */
    private Default constant(Affinity a) {
        int open = 0;
        while (p < t.size() && peek().isPunct("(")) {
            p++;
            open++;
        }
        boolean signed = p < t.size() && (peek().isPunct("-") || peek().isPunct("+"));
        boolean negative = signed && peek().isPunct("-");
        if (signed) {
            p++;
        }
        if (p >= t.size()) {
            return null;
        }
        Token k = t.get(p++);
        Object v;
        try {
            v = switch (k.kind()) {
                case NUMBER -> SqliteTypes.numericLiteral(k.text(), negative, a);
                case STRING -> signed ? null : SqliteTypes.textLiteral(k.text(), a);
                case BLOB -> signed ? null : HexFormat.of().parseHex(k.text());
                case QUOTED -> signed || open > 0 ? null : SqliteTypes.textLiteral(k.text(), a);
                case WORD -> signed ? null : word(k, a, open > 0);
                default -> null;
            };
        } catch (IllegalArgumentException malformed) {
            return null; // a hex literal over 64 bits or an odd blob: SQLite would not have accepted it either
        }
        if (v == null && !(k.is("NULL") && !signed)) {
            return null;
        }
        for (int i = 0; i < open; i++) {
            if (!nextIsPunct(")")) {
                return null;
            }
        }
        return new Default(v, null);
    }

    /** NULL (a null value), TRUE, FALSE, or a bare name, which SQLite reads as a string unless it is in an expression. */
    private static Object word(Token k, Affinity a, boolean inExpression) {
        if (k.is("TRUE") || k.is("FALSE")) {
            return SqliteTypes.integerLiteral(k.is("TRUE") ? 1 : 0, false, a);
        }
        if (k.is("NULL") || inExpression || k.upper().startsWith("CURRENT_")) {
            return null;
        }
        return SqliteTypes.textLiteral(k.text(), a);
    }

    private boolean atElementEnd() {
        return p >= t.size() || peek().isPunct(",") || peek().isPunct(")");
    }

    private void skipToElementEnd() throws WalFormatException {
        while (!atElementEnd()) {
            if (peek().isPunct("(")) {
                skipBalanced();
            } else {
                p++;
            }
        }
    }

    private void skipBalanced() throws WalFormatException {
        expectPunct("(");
        int depth = 1;
        while (depth > 0) {
            Token k = next();
            depth += k.isPunct("(") ? 1 : k.isPunct(")") ? -1 : 0;
        }
    }

    private String name(Token k) throws WalFormatException {
        if (!k.isName()) {
            throw fail("expected a name, found " + k.text());
        }
        return k.text();
    }

    private boolean nextIsPunct(String s) {
        if (p < t.size() && peek().isPunct(s)) {
            p++;
            return true;
        }
        return false;
    }

    private Token peek() {
        return p < t.size() ? t.get(p) : new Token(Kind.PUNCT, "<end>", sql.length(), sql.length());
    }

    private Token next() throws WalFormatException {
        if (p >= t.size()) {
            throw fail("unexpected end");
        }
        return t.get(p++);
    }

    private void expect(String keyword) throws WalFormatException {
        if (!next().is(keyword)) {
            throw fail("expected " + keyword);
        }
    }

    private void expectPunct(String s) throws WalFormatException {
        if (!next().isPunct(s)) {
            throw fail("expected " + s);
        }
    }

    private WalFormatException fail(String why) {
        return new WalFormatException("cannot parse CREATE TABLE (" + why + " at token " + p + "): " + sql);
    }
}
