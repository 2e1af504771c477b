package io.tributary.capture.sqlite.wal;

import io.tributary.capture.sqlite.wal.SqlTokens.Kind;
import io.tributary.capture.sqlite.wal.SqlTokens.Token;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Parses the {@code CREATE TABLE} text SQLite keeps in {@code sqlite_schema} (always the normalised form
 * SQLite wrote, never {@code AS SELECT}). It extracts only what decoding needs: column names, declared types,
 * literal defaults, collations, VIRTUAL generated columns, the primary key and WITHOUT ROWID. CHECK and
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
        for (ColumnDef c : all) {
            if (!c.virtual()) {
                stored.add(c);
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
        int[] keyArr = withoutRowid ? keys.stream().mapToInt(Integer::intValue).toArray() : new int[0];
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
        StringBuilder type = new StringBuilder();
        while (!atElementEnd() && !(peek().kind() == Kind.WORD && COLUMN_CONSTRAINTS.contains(peek().upper()))) {
            Token k = next();
            if (k.isPunct("(")) {
                p--;
                skipBalanced();
            } else {
                type.append(type.length() == 0 ? "" : " ").append(k.text());
            }
        }
        String declared = type.toString();
        ColumnDef.Affinity affinity = ColumnDef.affinityOf(declared);
        Object dflt = null;
        String collation = "BINARY";
        boolean virtual = false;
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
            } else if (k.is("DEFAULT") && !t.get(p - 2).is("SET")) {
                dflt = ColumnDef.applyAffinity(defaultValue(), affinity);
            } else if (k.is("COLLATE")) {
                collation = name(next()).toUpperCase(java.util.Locale.ROOT);
            } else if (k.is("CHECK") || k.is("AS")) {
                skipBalanced();
                if (k.is("AS")) {
                    virtual = !peek().is("STORED");
                }
            } else if (k.isPunct("(")) {
                p--;
                skipBalanced();
            }
            // other words (NOT NULL, UNIQUE, ON CONFLICT, REFERENCES..., GENERATED ALWAYS, ASC/DESC, AUTOINCREMENT)
            // carry nothing decoding needs
        }
        all.add(new ColumnDef(colName, declared, affinity, dflt, collation, virtual));
    }

    private Object defaultValue() throws WalFormatException {
        Token k = next();
        boolean negative = false;
        if (k.isPunct("-") || k.isPunct("+")) {
            negative = k.isPunct("-");
            k = next();
        }
        switch (k.kind()) {
            case NUMBER:
                return number(k.text(), negative);
            case STRING:
                return k.text();
            case BLOB:
                return HexFormat.of().parseHex(k.text());
            case PUNCT:
                if (k.isPunct("(")) {
                    p--;
                    skipBalanced();
                }
                return null;
            case WORD:
                if (k.is("TRUE") || k.is("FALSE")) {
                    return k.is("TRUE") ? 1L : 0L;
                }
                return k.is("NULL") || k.upper().startsWith("CURRENT_") ? null : k.text();
            default:
                return k.text();
        }
    }

    private static Object number(String text, boolean negative) {
        String s = negative ? "-" + text : text;
        try {
            if (text.startsWith("0x") || text.startsWith("0X")) {
                long v = Long.parseUnsignedLong(text.substring(2), 16);
                return negative ? -v : v;
            }
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Double.parseDouble(s);
        }
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
        return p < t.size() ? t.get(p) : new Token(Kind.PUNCT, "<end>");
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
