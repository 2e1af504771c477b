package io.tributary.schemas.event;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A {@link TableDefinition} as Avro schema properties (see {@code docs/events.md}): per row field
 * {@value #GENERATED} and {@value #DEFAULT_EXPRESSION}; on the envelope record {@value #INDEXES},
 * {@value #FOREIGN_KEYS} and {@value #CHECKS}, JSON arrays. A property is written only when it says something,
 * so a table with nothing of the kind keeps the schema it had before they travelled.
 */
final class DefinitionProps {
    static final String GENERATED = "tributary.generated";
    static final String DEFAULT_EXPRESSION = "tributary.default.expression";
    static final String INDEXES = "tributary.indexes";
    static final String FOREIGN_KEYS = "tributary.foreign.keys";
    static final String CHECKS = "tributary.checks";

    private DefinitionProps() {
    }

    static void annotateField(Schema.Field f, String column, TableDefinition d) {
        if (d.isGenerated(column)) {
            f.addProp(GENERATED, true);
        }
        String expression = d.defaults().get(column);
        if (expression != null) {
            f.addProp(DEFAULT_EXPRESSION, expression);
        }
    }

    static void annotateEnvelope(Schema envelope, TableDefinition d) {
        if (!d.indexes().isEmpty()) {
            envelope.addProp(INDEXES, d.indexes().stream().map(i -> ordered("name", i.name(), "columns", i.columns(), "unique", i.unique())).toList());
        }
        if (!d.foreignKeys().isEmpty()) {
            envelope.addProp(FOREIGN_KEYS, d.foreignKeys().stream().map(k -> ordered("name", k.name(), "columns", k.columns(), "references", k.table(),
                    "referenced.columns", k.referencedColumns(), "on.delete", k.onDelete(), "on.update", k.onUpdate())).toList());
        }
        if (!d.checks().isEmpty()) {
            envelope.addProp(CHECKS, d.checks().stream().map(c -> ordered("name", c.name(), "expression", c.expression())).toList());
        }
    }

    private static Map<String, Object> ordered(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** The definition {@code envelope} (and its row record) carries; {@link TableDefinition#NONE} for none. */
    static TableDefinition read(Schema envelope, Schema row) {
        List<String> generated = new ArrayList<>();
        Map<String, String> defaults = new LinkedHashMap<>();
        for (Schema.Field f : row.getFields()) {
            if (Boolean.TRUE.equals(f.getObjectProp(GENERATED))) {
                generated.add(Envelope.columnName(f));
            }
            if (f.getProp(DEFAULT_EXPRESSION) != null) {
                defaults.put(Envelope.columnName(f), f.getProp(DEFAULT_EXPRESSION));
            }
        }
        List<TableDefinition.Index> indexes = maps(envelope, INDEXES).stream()
                .map(m -> new TableDefinition.Index(text(m, "name"), strings(m, "columns"), Boolean.TRUE.equals(m.get("unique")))).toList();
        List<TableDefinition.ForeignKey> keys = maps(envelope, FOREIGN_KEYS).stream()
                .map(m -> new TableDefinition.ForeignKey(text(m, "name"), strings(m, "columns"), text(m, "references"), strings(m, "referenced.columns"),
                        text(m, "on.delete"), text(m, "on.update"))).toList();
        List<TableDefinition.Check> checks = maps(envelope, CHECKS).stream()
                .map(m -> new TableDefinition.Check(text(m, "name"), text(m, "expression"))).toList();
        return new TableDefinition(generated, defaults, indexes, keys, checks);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> maps(Schema s, String prop) {
        Object v = s.getObjectProp(prop);
        return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    private static String text(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : v.toString();
    }

    private static List<String> strings(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof List<?> l ? l.stream().map(Object::toString).toList() : List.of();
    }
}
