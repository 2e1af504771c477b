package io.tributary.schemas.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.schemas.event.TableRef;
import org.junit.jupiter.api.Test;

class TopicsTest {
    @Test
    void aValidNameIsKeptAndEveryRefusedCodePointBecomesOneUnderscore() {
        assertEquals("monolith.public.trades", Topics.perTable(new TableRef("monolith", "public", "trades")));
        assertEquals("Bench-1.main.Experiment_Metrics", Topics.perTable(new TableRef("Bench-1", "main", "Experiment_Metrics")));
        assertEquals("app.main.order_lines", Topics.perTable(new TableRef("app", "main", "order$lines")));
        assertEquals("app.main.caf_", Topics.perTable(new TableRef("app", "main", "café")));
        assertEquals("app.main.t_x", Topics.perTable(new TableRef("app", "main", "t\uD83D\uDE00x")), "a surrogate pair is one code point");
        assertEquals("svc.a_b", Topics.perService("svc", "a b"));
    }
}
