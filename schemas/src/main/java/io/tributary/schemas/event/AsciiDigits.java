package io.tributary.schemas.event;

/**
 * Reads a fixed-width run of ASCII digits out of a text, for the hand-written parsers of timestamps that
 * avoid {@code java.time}'s formatters on hot paths ({@link Conversions} in the transform and reconciliation,
 * the timestamptz reader of capture-postgres). One copy, so that both parsers refuse the same characters.
 *
 * <p>Only {@code '0'}-{@code '9'} count: unlike {@link Character#isDigit} or {@link Integer#parseInt}, no other
 * script's digits and no sign, so a parser that gets -1 can hand the text to the formatter it stands in for.
 */
public final class AsciiDigits {
    /** The most digits {@link #value} reads: nine always fit an int. */
    public static final int MAX_COUNT = 9;

    private AsciiDigits() {
    }

    /**
     * The non-negative value of the {@code count} ASCII digits of {@code text} from index {@code from}, or -1
     * when one of them is not an ASCII digit. The caller checks that the text is long enough.
     *
     * @throws IllegalArgumentException when {@code count} is negative or above {@link #MAX_COUNT}
     * @throws IndexOutOfBoundsException when the text ends before {@code from + count}
     */
    public static int value(CharSequence text, int from, int count) {
        if (count < 0 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count " + count + " is not within 0-" + MAX_COUNT);
        }
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
