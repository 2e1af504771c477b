package io.tributary.sink.postgres;

import io.tributary.schemas.event.Column;
import java.util.function.IntFunction;

/**
 * How one column's values travel in a set-based statement ({@link TableWriter}): the array element type they
 * are bound as, the cast that makes them the target column's type, and each value as its array element. A
 * column of the source's own type uses {@link #of(Column)}; a column an existing target declares otherwise
 * uses the conversion {@link TargetConversions} planned, which checks every value and refuses one that does
 * not fit ({@link ValueDoesNotFit}) rather than let PostgreSQL cut or round it.
 */
final class ColumnBinding {
    /** One non-null value as its array element. */
    interface Element {
        Object of(Object value) throws ValueDoesNotFit;
    }

    private final String arrayType;
    private final String cast;
    private final IntFunction<Object[]> arrays;
    private final Element element;

    ColumnBinding(String arrayType, String cast, IntFunction<Object[]> arrays, Element element) {
        this.arrayType = arrayType;
        this.cast = cast;
        this.arrays = arrays;
        this.element = element;
    }

    /** The column bound as its own (source) type. */
    static ColumnBinding of(Column c) {
        return new ColumnBinding(TableWriter.arrayType(c), PgTypes.arrayCast(c), n -> TableWriter.newArray(c, n), v -> TableWriter.element(c, v));
    }

    /** A column bound as text and cast on the server to {@code sqlType}, each value made text by {@code element}. */
    static ColumnBinding asText(String sqlType, Element element) {
        return new ColumnBinding("text", "::" + sqlType + "[]", String[]::new, element);
    }

    String arrayType() {
        return arrayType;
    }

    /** The statement parameter: {@code ?::<element>[]} and the cast. */
    String parameter() {
        return "?::" + arrayType + "[]" + cast;
    }

    Object[] newArray(int n) {
        return arrays.apply(n);
    }

    Object element(Object value) throws ValueDoesNotFit {
        return value == null ? null : element.of(value);
    }
}
