package io.tributary.capture.sqlite.wal;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes a record (header of serial types, then values) into a table's columns.
 *
 * <p>Values: INTEGER as {@link Long} (exact 64-bit), REAL as {@link Double} (bit for bit), TEXT as
 * {@link String}, BLOB as {@code byte[]}, NULL as null. Like SQLite's own read path, an integer stored in a
 * REAL-affinity column (SQLite stores whole REAL values that way) comes back as a Double, and the rowid
 * alias stored as NULL comes back as the rowid. Fields missing at the end of the record (written before an
 * {@code ALTER TABLE ADD COLUMN}) take the column's {@link ColumnDef#defaultValue()}, as SQLite reads them;
 * a default that is an expression cannot be evaluated here, and such a record is a
 * {@link WalFormatException} naming the column rather than a guess.
 */
final class RecordDecoder {
    private RecordDecoder() {
    }

    static Object[] decode(byte[] b, int off, int len, TableDef def, long rowid, Charset enc) throws WalFormatException {
        int end = off + len;
        long hdrSize = Varint.read(b, off);
        if (hdrSize < 1 || hdrSize > len) {
            throw new WalFormatException("record header of " + hdrSize + " bytes in a " + len + "-byte payload of " + def.name);
        }
        int h = off + Varint.length(b, off);
        int hdrEnd = off + (int) hdrSize;
        int body = hdrEnd;
        int ncol = def.columns.size();
        Object[] values = new Object[ncol];
        boolean[] set = new boolean[ncol];
        int field = 0;
        while (h < hdrEnd) {
            long type = Varint.read(b, h);
            h += Varint.length(b, h);
            if (field >= ncol) {
                throw new WalFormatException("record of " + def.name + " has more fields than the table's " + ncol + " columns");
            }
            int size = size(type);
            if (body + size > end) {
                throw new WalFormatException("record field overruns the payload of " + def.name);
            }
            int col = def.recordToColumn[field++];
            values[col] = value(b, body, type, size, enc);
            set[col] = true;
            body += size;
        }
        for (int c = 0; c < ncol; c++) {
            if (!set[c]) {
                values[c] = defaultOf(def, def.columns.get(c));
            } else if (values[c] instanceof Long l && def.columns.get(c).affinity() == SqliteTypes.Affinity.REAL) {
                values[c] = (double) l;
            }
        }
        if (def.rowidColumn >= 0 && values[def.rowidColumn] == null) {
            values[def.rowidColumn] = rowid;
        }
        return values;
    }

    /** The value a record written before column {@code c} was added reads for it; refused when only SQLite could evaluate it. */
    private static Object defaultOf(TableDef def, ColumnDef c) throws WalFormatException {
        if (c.defaultExpression() != null) {
            throw new WalFormatException("a record of " + def.name + " predates column " + c.name() + ", whose default ("
                    + c.defaultExpression() + ") is an expression only SQLite can evaluate; its value cannot be read from the files");
        }
        return c.defaultValue();
    }

    static int size(long type) throws WalFormatException {
        if (type >= 12) {
            return (int) ((type - 12) >> 1);
        }
        switch ((int) type) {
            case 0, 8, 9: return 0;
            case 1: return 1;
            case 2: return 2;
            case 3: return 3;
            case 4: return 4;
            case 5: return 6;
            case 6, 7: return 8;
            default: throw new WalFormatException("reserved serial type " + type);
        }
    }

    private static Object value(byte[] b, int off, long type, int size, Charset enc) {
        if (type >= 12) {
            if ((type & 1) == 0) {
                return Arrays.copyOfRange(b, off, off + size);
            }
            return enc == StandardCharsets.UTF_8 ? new String(b, off, size, StandardCharsets.UTF_8) : new String(b, off, size, enc);
        }
        switch ((int) type) {
            case 0: return null;
            case 7: return Double.longBitsToDouble(bigEndian(b, off, 8));
            case 8: return 0L;
            case 9: return 1L;
            default: return bigEndian(b, off, size);
        }
    }

    /** Sign-extended big-endian integer of 1 to 8 bytes. */
    private static long bigEndian(byte[] b, int off, int size) {
        long v = b[off];
        for (int i = 1; i < size; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }
}
