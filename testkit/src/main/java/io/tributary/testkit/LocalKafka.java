package io.tributary.testkit;

import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node KRaft Kafka broker (combined broker and controller) inside this JVM.
 *
 * <p>Guarantees: a real broker speaking the Kafka protocol on a loopback port, with transactions and
 * consumer groups sized for one node. Not guaranteed: a fixed port (the testkit picks a free one) or
 * durability across JVM restarts (its log directory lives under {@code baseDir}).
 */
public final class LocalKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private LocalKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static LocalKafka start(Path baseDir) throws Exception {
        return start(baseDir, SecurityProtocol.PLAINTEXT);
    }

    /**
     * A broker whose client listener requires SASL/PLAIN ({@code SASL_PLAINTEXT}), for tests of the clients'
     * security settings. Its users are the test kit's: {@link #SASL_USER} with {@link #SASL_PASSWORD}. The test
     * kit points the JVM's {@code java.security.auth.login.config} at its JAAS file; clients name their own
     * credentials in {@code sasl.jaas.config}.
     */
    public static LocalKafka startSasl(Path baseDir) throws Exception {
        return start(baseDir, SecurityProtocol.SASL_PLAINTEXT);
    }

    public static final String SASL_USER = org.apache.kafka.common.test.JaasUtils.KAFKA_PLAIN_USER1;
    public static final String SASL_PASSWORD = org.apache.kafka.common.test.JaasUtils.KAFKA_PLAIN_USER1_PASSWORD;

    private static LocalKafka start(Path baseDir, SecurityProtocol protocol) throws Exception {
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setBrokerSecurityProtocol(protocol)
                .setControllerSecurityProtocol(protocol)
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(baseDir)
                // the production feature levels, not the test kit's default of the next, unreleased version
                .setBootstrapMetadataVersion(MetadataVersion.LATEST_PRODUCTION)
                .build();
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("num.partitions", "1")
                .setConfigProp("auto.create.topics.enable", "false")
                .setConfigProp("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE))
                // with SASL the test kit turns on an authorizer: authentication is what is tested, so no ACLs are needed
                .setConfigProp("allow.everyone.if.no.acl.found", "true")
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new LocalKafka(cluster);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public Map<String, Object> clientConfig() {
        return Map.of("bootstrap.servers", bootstrapServers());
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
