package io.tributary.transform.route;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * For broker-less topology tests only: Avro binary prefixed with the writer schema's JSON, so records are
 * self-describing and no registry is involved. The real wire format is tested against a real registry.
 */
final class SchemaInlineSerde implements Serde<GenericRecord> {
    @Override
    public Serializer<GenericRecord> serializer() {
        return (topic, r) -> {
            if (r == null) {
                return null;
            }
            try {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(bytes);
                out.writeUTF(r.getSchema().toString());
                var enc = EncoderFactory.get().binaryEncoder(out, null);
                new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
                enc.flush();
                return bytes.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    @Override
    public Deserializer<GenericRecord> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data));
                Schema s = new Schema.Parser().parse(in.readUTF());
                return new GenericDatumReader<GenericRecord>(s).read(null, DecoderFactory.get().binaryDecoder(in, null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
