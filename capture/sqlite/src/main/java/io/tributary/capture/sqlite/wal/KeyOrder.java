package io.tributary.capture.sqlite.wal;

import java.util.Comparator;

/**
 * SQLite's key order for change output: rowids numerically; WITHOUT ROWID keys column by column with
 * NULL &lt; numbers &lt; text &lt; blobs, numbers by value (integers against reals exactly), text by its collation
 * (BINARY as code points, which equals UTF-8 byte order; NOCASE folding ASCII only; RTRIM ignoring trailing
 * spaces; unknown collations as BINARY), blobs by unsigned bytes, and DESC columns reversed.
 * For UTF-16 databases BINARY text order may differ from SQLite's for characters outside the BMP.
 */
final class KeyOrder implements Comparator<Object> {
    private final TableDef def;

    KeyOrder(TableDef def) {
        this.def = def;
    }

    @Override
    public int compare(Object a, Object b) {
        if (a instanceof Long x) {
            return Long.compare(x, (Long) b);
        }
        Object[] x = ((RowKey) a).values;
        Object[] y = ((RowKey) b).values;
        for (int i = 0; i < x.length; i++) {
            String collation = def.columns.get(def.keyColumns[i]).collation();
            int c = value(x[i], y[i], collation);
            if (c != 0) {
                return def.keyDescending[i] ? -c : c;
            }
        }
        return 0;
    }

    static int value(Object a, Object b, String collation) {
        int ra = rank(a);
        int rb = rank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        if (a == null) {
            return 0;
        }
        if (a instanceof byte[] x) {
            return java.util.Arrays.compareUnsigned(x, (byte[]) b);
        }
        if (a instanceof String s) {
            return text(s, (String) b, collation);
        }
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        if (a instanceof Long x) {
            return -realVsInt((Double) b, x);
        }
        if (b instanceof Long y) {
            return realVsInt((Double) a, y);
        }
        double p = (Double) a;
        double q = (Double) b;
        return p < q ? -1 : p > q ? 1 : 0;
    }

    private static int rank(Object v) {
        return v == null ? 0 : v instanceof Long || v instanceof Double ? 1 : v instanceof String ? 2 : 3;
    }

    private static int realVsInt(double r, long i) {
        if (r < -9.223372036854775808E18) {
            return -1;
        }
        if (r >= 9.223372036854775808E18) {
            return 1;
        }
        long t = (long) r;
        if (t != i) {
            return Long.compare(t, i);
        }
        double frac = r - (double) t;
        return frac > 0 ? 1 : frac < 0 ? -1 : 0;
    }

    private static int text(String a, String b, String collation) {
        if (collation.equals("RTRIM")) {
            return codePoints(stripTrailingSpaces(a), stripTrailingSpaces(b), false);
        }
        return codePoints(a, b, collation.equals("NOCASE"));
    }

    private static String stripTrailingSpaces(String s) {
        int e = s.length();
        while (e > 0 && s.charAt(e - 1) == ' ') {
            e--;
        }
        return s.substring(0, e);
    }

    private static int codePoints(String a, String b, boolean foldAscii) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (foldAscii) {
                x = x >= 'A' && x <= 'Z' ? x + 32 : x;
                y = y >= 'A' && y <= 'Z' ? y + 32 : y;
            }
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
