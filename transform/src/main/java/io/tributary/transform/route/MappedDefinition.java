package io.tributary.transform.route;

import io.tributary.common.config.TableMapping;
import io.tributary.schemas.event.TableDefinition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A source table's definition ({@link TableDefinition}: generated keys, defaults, indexes, constraints) in the
 * service's names, so a table the sink creates for a mapped table is as ready for the application as any
 * other. Generated columns, defaults and indexes follow their columns' new names; what names a left-out
 * column is left out. Foreign keys name other tables and their columns, which their own mappings may rename,
 * and CHECK expressions name columns inside SQL text: neither can be renamed safely, so a mapped table keeps
 * its CHECKs only when no column is renamed or left out, and never its foreign keys. What is left out is
 * logged once per table.
 */
final class MappedDefinition {
    private static final Logger log = LoggerFactory.getLogger(MappedDefinition.class);

    private MappedDefinition() {
    }

    static TableDefinition of(TableDefinition d, TableMapping m) {
        if (d.isEmpty()) {
            return d;
        }
        List<String> generated = d.generated().stream().map(m::targetColumn).flatMap(Optional::stream).toList();
        Map<String, String> defaults = new LinkedHashMap<>();
        d.defaults().forEach((c, expression) -> m.targetColumn(c).ifPresent(name -> defaults.put(name, expression)));
        List<TableDefinition.Index> indexes = d.indexes().stream()
                .filter(i -> i.columns().stream().allMatch(c -> m.targetColumn(c).isPresent()))
                .map(i -> new TableDefinition.Index(i.name(), i.columns().stream().map(c -> m.targetColumn(c).orElseThrow()).toList(), i.unique()))
                .toList();
        boolean namesKept = m.rename().isEmpty() && m.exclude().isEmpty();
        List<TableDefinition.Check> checks = namesKept ? d.checks() : List.of();
        int leftOut = d.indexes().size() - indexes.size() + d.checks().size() - checks.size() + d.foreignKeys().size();
        if (leftOut > 0) {
            log.warn("mapped table {} -> {}: {} of the source's indexes and constraints are left out of the target's definition "
                    + "(foreign keys always; CHECKs when columns are renamed or left out; indexes on left-out columns); "
                    + "create them in the service's own migrations", m.source(), m.targetTable(), leftOut);
        }
        return new TableDefinition(generated, defaults, indexes, List.of(), checks);
    }
}
