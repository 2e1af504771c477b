package io.tributary.transform.route;

import io.tributary.common.config.PipelineConfig;
import java.util.Properties;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * A service's topology ({@link ServiceTopology#build}) on a {@link TopologyTestDriver} with the given Streams
 * settings (the production ones from {@code TransformAppAccess}), with the input topic of one table and the
 * output topic of its service table: the set-up of the topology tests (FullRowsTest, MappedTopologyTest).
 */
final class TopologyRun implements AutoCloseable {
    final TopologyTestDriver driver;
    final TestInputTopic<GenericRecord, GenericRecord> in;
    final TestOutputTopic<GenericRecord, GenericRecord> out;

    TopologyRun(PipelineConfig.Service service, SchemaInlineSerde serde, Properties settings, String inTopic, String outTopic) {
        StreamsBuilder b = new StreamsBuilder();
        ServiceTopology.build(b, service, serde, serde, ServiceTopology.Observer.NONE);
        this.driver = new TopologyTestDriver(b.build(), settings);
        this.in = driver.createInputTopic(inTopic, serde.serializer(), serde.serializer());
        this.out = driver.createOutputTopic(outTopic, serde.deserializer(), serde.deserializer());
    }

    @Override
    public void close() {
        driver.close();
    }
}
