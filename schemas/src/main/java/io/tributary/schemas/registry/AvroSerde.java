package io.tributary.schemas.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro in the Confluent wire format: byte 0 (magic 0), the schema id as a 4-byte big-endian int, then the
 * Avro binary encoding. Subjects follow the topic-name strategy ({@code <topic>-key}, {@code <topic>-value}).
 * A null record is a null payload (a tombstone) both ways. A record it read is written back unchanged as the
 * bytes it was read from, with the new subject's schema id ({@link WireRecord}). Usable as a Kafka {@link Serializer},
 * {@link Deserializer} and Kafka Streams {@link Serde}.
 *
 * <p>Config key {@value #REGISTRY_URL} names the registry when built by Kafka from class names.
 */
public final class AvroSerde implements Serde<GenericRecord>, Serializer<GenericRecord>, Deserializer<GenericRecord> {
    public static final String REGISTRY_URL = "tributary.registry.url";
    private static final byte MAGIC = 0;
    private SchemaRegistryClient registry;
    private boolean isKey;
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();
    private final Map<Schema, GenericDatumWriter<GenericRecord>> writers = new ConcurrentHashMap<>();

    /** For Kafka to build from a class name; {@link #configure} must follow. */
    public AvroSerde() {
    }

    public AvroSerde(SchemaRegistryClient registry, boolean isKey) {
        this.registry = registry;
        this.isKey = isKey;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        if (registry == null) {
            Object url = configs.get(REGISTRY_URL);
            if (url == null) {
                throw new IllegalArgumentException("AvroSerde needs the config '" + REGISTRY_URL + "' (the schema registry URL)");
            }
            registry = new SchemaRegistryClient(url.toString());
        }
    }

    public SchemaRegistryClient registry() {
        return registry;
    }

    @Override
    public byte[] serialize(String topic, GenericRecord record) {
        if (record == null) {
            return null;
        }
        Schema schema = record.getSchema();
        int id = registry.register(topic + (isKey ? "-key" : "-value"), schema);
        if (record instanceof WireRecord read && read.wire() != null) {
            return withSchemaId(read.wire(), id);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(128);
            out.write(MAGIC);
            out.write(ByteBuffer.allocate(4).putInt(id).array());
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
            writers.computeIfAbsent(schema, GenericDatumWriter::new).write(record, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode a record of " + schema.getFullName() + " for topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public GenericRecord deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        int id = schemaId(topic, data);
        GenericDatumReader<GenericRecord> reader = readers.computeIfAbsent(id, i -> new GenericDatumReader<>(registry.schemaById(i)));
        try {
            BinaryDecoder dec = DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null);
            WireRecord record = new WireRecord(reader.getSchema());
            reader.read(record, dec);
            record.readFrom(data);
            return record;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode a record with schema id " + id + " on topic " + topic + ": " + e.getMessage(), e);
        }
    }

    /** The schema id of a record's Confluent wire bytes ({@code data} not null). */
    public static int schemaId(String topic, byte[] data) {
        if (data.length < 5 || data[0] != MAGIC) {
            throw new SerializationException("record on topic " + topic + " is not in the Confluent Avro wire format "
                    + "(expected magic byte 0 and a 4-byte schema id; got " + data.length + " bytes starting with " + (data.length == 0 ? "nothing" : data[0]) + ")");
        }
        return ByteBuffer.wrap(data, 1, 4).getInt();
    }

    /** {@code wire} (Confluent wire bytes) with schema id {@code id} instead of its own: a copy. */
    public static byte[] withSchemaId(byte[] wire, int id) {
        byte[] out = java.util.Arrays.copyOf(wire, wire.length);
        ByteBuffer.wrap(out, 1, 4).putInt(id);
        return out;
    }

    @Override
    public Serializer<GenericRecord> serializer() {
        return this;
    }

    @Override
    public Deserializer<GenericRecord> deserializer() {
        return this;
    }

    @Override
    public void close() {
        // the registry client holds no resources that need closing
    }
}
