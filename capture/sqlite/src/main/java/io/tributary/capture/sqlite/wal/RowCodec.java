package io.tributary.capture.sqlite.wal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Decoded values (null, {@link Long}, {@link Double}, {@link String}, {@code byte[]}) to bytes and back, for
 * {@link KeyMatcher}'s spill: equal bytes if and only if {@link java.util.Arrays#deepEquals} holds, so the
 * spill's byte comparisons match rows as the in-memory path does. Doubles are kept by their bits
 * ({@link Double#doubleToLongBits}, as {@link Double#equals}), text char by char (so any Java string
 * round-trips, unpaired surrogates included).
 */
final class RowCodec {
    private static final int NULL = 0;
    private static final int LONG = 1;
    private static final int DOUBLE = 2;
    private static final int TEXT = 3;
    private static final int BLOB = 4;

    private RowCodec() {
    }

    static byte[] encode(Object[] values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + values.length * 12);
        varint(out, values.length);
        for (Object v : values) {
            if (v == null) {
                out.write(NULL);
            } else if (v instanceof Long l) {
                out.write(LONG);
                fixed(out, l);
            } else if (v instanceof Double d) {
                out.write(DOUBLE);
                fixed(out, Double.doubleToLongBits(d));
            } else if (v instanceof String s) {
                out.write(TEXT);
                varint(out, s.length());
                for (int i = 0; i < s.length(); i++) {
                    varint(out, s.charAt(i));
                }
            } else if (v instanceof byte[] b) {
                out.write(BLOB);
                varint(out, b.length);
                out.write(b, 0, b.length);
            } else {
                throw new IllegalArgumentException("not a decoded SQLite value: " + v.getClass().getName());
            }
        }
        return out.toByteArray();
    }

    static Object[] decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        Object[] values = new Object[varint(in)];
        for (int i = 0; i < values.length; i++) {
            int tag = in.get();
            values[i] = switch (tag) {
                case NULL -> null;
                case LONG -> in.getLong();
                case DOUBLE -> Double.longBitsToDouble(in.getLong());
                case TEXT -> {
                    char[] c = new char[varint(in)];
                    for (int j = 0; j < c.length; j++) {
                        c[j] = (char) varint(in);
                    }
                    yield new String(c);
                }
                case BLOB -> {
                    byte[] b = new byte[varint(in)];
                    in.get(b);
                    yield b;
                }
                default -> throw new IllegalStateException("spilled row with tag " + tag);
            };
        }
        return values;
    }

    private static void fixed(ByteArrayOutputStream out, long v) {
        for (int s = 56; s >= 0; s -= 8) {
            out.write((int) (v >>> s));
        }
    }

    private static void varint(ByteArrayOutputStream out, int v) {
        while ((v & ~0x7f) != 0) {
            out.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static int varint(ByteBuffer in) {
        int v = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.get();
            v |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
    }
}
