package io.tributary.schemas.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AsciiDigitsTest {
    @Test
    void readsTheDigitsAtTheGivenPlace() {
        assertEquals(2026, AsciiDigits.value("2026-11-30", 0, 4));
        assertEquals(11, AsciiDigits.value("2026-11-30", 5, 2));
        assertEquals(7, AsciiDigits.value("x07", 1, 2));
        assertEquals(999_999_999, AsciiDigits.value("999999999", 0, 9));
        assertEquals(0, AsciiDigits.value("abc", 1, 0), "no digits: 0");
    }

    @Test
    void anythingButAnAsciiDigitIsMinusOne() {
        assertEquals(-1, AsciiDigits.value("20x6", 0, 4));
        assertEquals(-1, AsciiDigits.value("-1", 0, 2), "no sign");
        assertEquals(-1, AsciiDigits.value("+1", 0, 2), "no sign");
        assertEquals(-1, AsciiDigits.value(" 1", 0, 2));
        assertEquals(-1, AsciiDigits.value("\u0661\u0662", 0, 2), "Arabic-Indic digits, which Character.isDigit accepts");
        assertEquals(-1, AsciiDigits.value("1/", 0, 2), "'/' is just below '0'");
        assertEquals(-1, AsciiDigits.value("1:", 0, 2), "':' is just above '9'");
    }

    @Test
    void refusesACountThatMayNotFitAnIntAndATextTooShort() {
        assertThrows(IllegalArgumentException.class, () -> AsciiDigits.value("1234567890", 0, 10));
        assertThrows(IllegalArgumentException.class, () -> AsciiDigits.value("1", 0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> AsciiDigits.value("12", 0, 3));
    }
}
