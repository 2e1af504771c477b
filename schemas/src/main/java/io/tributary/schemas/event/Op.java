package io.tributary.schemas.event;

/** The operation of a change event, with Debezium's one-letter codes. */
public enum Op {
    CREATE("c"), UPDATE("u"), DELETE("d"), READ("r");

    private final String code;

    Op(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static Op fromCode(String code) {
        for (Op op : values()) {
            if (op.code.equals(code)) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown change-event op '" + code + "'; expected c, u, d or r");
    }
}
