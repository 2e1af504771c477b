package io.tributary.ops.local.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** {@link BrokerRequests} on meters registered as the broker registers them (one per API and version). */
class BrokerRequestsTest {
    public interface MeterMBean {
        long getCount();
    }

    public static final class Meter implements MeterMBean {
        volatile long count;

        Meter(long count) {
            this.count = count;
        }

        @Override
        public long getCount() {
            return count;
        }
    }

    private static Meter register(MBeanServer server, String api, int version, long count) throws Exception {
        Meter m = new Meter(count);
        server.registerMBean(m, new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,request=" + api + ",version=" + version));
        return m;
    }

    @Test
    void sumsTheVersionsOfAnApiAndPrintsWhatCameSinceTheStart() throws Exception {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        Meter produce12 = register(server, "Produce", 12, 100);
        Meter produce13 = register(server, "Produce", 13, 5);
        Meter fetch = register(server, "Fetch", 17, 40);
        register(server, "EndTxn", 5, 3);
        server.registerMBean(new Meter(1_000), new ObjectName("kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce,version=12"));
        BrokerRequests requests = new BrokerRequests(server);

        assertEquals(Map.of("Produce", 105L, "Fetch", 40L, "EndTxn", 3L), requests.counts());

        requests.start();
        produce12.count += 300;
        produce13.count += 100;
        fetch.count += 200;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        requests.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), "during the test", 1_000, "change");
        String printed = bytes.toString(StandardCharsets.UTF_8);

        assertTrue(printed.contains(": 600 ("), printed);
        assertTrue(printed.matches("(?s).*Produce\\s+400\\s.*0\\.400 per change.*"), printed);
        assertTrue(printed.matches("(?s).*Fetch\\s+200\\s.*0\\.200 per change.*"), printed);
        assertTrue(printed.indexOf("Produce") < printed.indexOf("Fetch"), "most first: " + printed);
        assertTrue(!printed.contains("EndTxn"), "an API without requests since the start is left out: " + printed);
    }

    @Test
    void saysSoWhereNoBrokerRunsInTheJvm() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new BrokerRequests(MBeanServerFactory.newMBeanServer()).start().print(new PrintStream(bytes, true, StandardCharsets.UTF_8), "x", 1, "row");
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("no request meters"));
    }
}
