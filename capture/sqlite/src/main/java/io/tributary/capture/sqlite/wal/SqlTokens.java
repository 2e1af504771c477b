package io.tributary.capture.sqlite.wal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A tokenizer for the subset of SQLite's SQL that {@code CREATE TABLE} statements use. */
final class SqlTokens {
    enum Kind { WORD, QUOTED, STRING, NUMBER, BLOB, PUNCT }

    /** A token; {@code start} and {@code end} are its offsets in the SQL text (end exclusive). */
    record Token(Kind kind, String text, int start, int end) {
        /** A bare (unquoted) keyword, compared case-insensitively. */
        boolean is(String keyword) {
            return kind == Kind.WORD && text.equalsIgnoreCase(keyword);
        }

        boolean isPunct(String p) {
            return kind == Kind.PUNCT && text.equals(p);
        }

        boolean isName() {
            return kind == Kind.WORD || kind == Kind.QUOTED || kind == Kind.STRING;
        }

        String upper() {
            return text.toUpperCase(Locale.ROOT);
        }
    }

    private SqlTokens() {
    }

    static List<Token> tokenize(String sql) throws WalFormatException {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int e = sql.indexOf('\n', i);
                i = e < 0 ? n : e + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int e = sql.indexOf("*/", i + 2);
                i = e < 0 ? n : e + 2;
            } else if ((c == 'x' || c == 'X') && i + 1 < n && sql.charAt(i + 1) == '\'') {
                int e = sql.indexOf('\'', i + 2);
                if (e < 0) {
                    throw new WalFormatException("unterminated blob literal in: " + sql);
                }
                out.add(new Token(Kind.BLOB, sql.substring(i + 2, e), i, e + 1));
                i = e + 1;
            } else if (c == '\'' || c == '"' || c == '`') {
                i = quoted(sql, i, c, c == '\'' ? Kind.STRING : Kind.QUOTED, out);
            } else if (c == '[') {
                int e = sql.indexOf(']', i);
                if (e < 0) {
                    throw new WalFormatException("unterminated [identifier] in: " + sql);
                }
                out.add(new Token(Kind.QUOTED, sql.substring(i + 1, e), i, e + 1));
                i = e + 1;
            } else if (isDigit(c) || (c == '.' && i + 1 < n && isDigit(sql.charAt(i + 1)))) {
                // digits, hex digits, '.', an exponent and its sign, and '_' digit separators (SQLite 3.46)
                int s = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '.' || sql.charAt(i) == '_'
                        || ((sql.charAt(i) == '+' || sql.charAt(i) == '-') && (sql.charAt(i - 1) == 'e' || sql.charAt(i - 1) == 'E')))) {
                    i++;
                }
                out.add(new Token(Kind.NUMBER, sql.substring(s, i), s, i));
            } else if (Character.isLetter(c) || c == '_' || c > 127) {
                int s = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$'
                        || sql.charAt(i) > 127)) {
                    i++;
                }
                out.add(new Token(Kind.WORD, sql.substring(s, i), s, i));
            } else {
                out.add(new Token(Kind.PUNCT, String.valueOf(c), i, i + 1));
                i++;
            }
        }
        return out;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int quoted(String sql, int start, char q, Kind kind, List<Token> out) throws WalFormatException {
        StringBuilder b = new StringBuilder();
        int i = start + 1;
        while (true) {
            if (i >= sql.length()) {
                throw new WalFormatException("unterminated quote in: " + sql);
            }
            char c = sql.charAt(i);
            if (c == q) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == q) {
                    b.append(q);
                    i += 2;
                    continue;
                }
                out.add(new Token(kind, b.toString(), start, i + 1));
                return i + 1;
            }
            b.append(c);
            i++;
        }
    }
}
