#!/usr/bin/env python3
"""A service team's consumer of one Tributary topic, in Python.

Reads a per-table topic (<source>.<schema>.<table>) or a per-service topic (<service>.<table>) and prints
every change event as one JSON line on standard output (diagnostics go to standard error):

    python3 consumer.py --bootstrap kafka:9092 --registry http://registry:8080/apis/ccompat/v7 \\
        --topic monolith.public.trades --group my-service

What it shows (docs/consuming.md says the same for every language):

* Values and keys use the Confluent wire format: byte 0, a 4-byte big-endian schema id, Avro binary. The
  schema comes from the registry's GET /schemas/ids/{id} and is cached by id.
* Every column carries its contract type in the Avro field property `tributary.type`; this consumer converts
  by it (DATE, TIME, TIMESTAMP and TIMESTAMPTZ to ISO-8601 text, BYTES to hex, non-finite floats to
  "NaN"/"Infinity"/"-Infinity"; DECIMAL, JSON and UUID stay the exact text they travel as). The Avro logical
  types are dropped before decoding, so that the conversion is ours: the `avro` package (1.11) does not know
  local-timestamp-micros and cannot hold timestamps outside Python's years 1 to 9999.
* A delete is followed by a tombstone (same key, no value) for compaction: skipped unless --tombstones.
* Columns named in `unchanged` (PostgreSQL TOAST values the source did not send) are left out of `after`:
  keep the value you have.
* Offsets are committed after each event is printed: a crash repeats events, never skips one. Apply them
  idempotently, e.g. keep the newest source.pos per key.

Needs confluent-kafka and avro (Debian 12: python3-confluent-kafka 1.7, python3-avro 1.11). The registry
helpers of confluent-kafka's own Avro deserializer need fastavro, which Debian 12 does not package, so the
wire format is decoded here with the `avro` package.
"""
import argparse
import datetime
import io
import json
import math
import struct
import sys
import time
import urllib.request

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaError

EPOCH = datetime.datetime(1970, 1, 1)
TYPE_PROP = "tributary.type"


class Registry:
    """Schemas by id from a Confluent-compatible registry (Confluent, Karapace, Apicurio's /apis/ccompat/v7)."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        self.schemas = {}

    def schema(self, schema_id):
        if schema_id not in self.schemas:
            with urllib.request.urlopen(f"{self.url}/schemas/ids/{schema_id}", timeout=30) as r:
                text = json.load(r)["schema"]
            self.schemas[schema_id] = avro.schema.parse(json.dumps(without_logical_types(json.loads(text))))
        return self.schemas[schema_id]

    def decode(self, data):
        """One Confluent wire-format record: (its Avro schema, the decoded datum)."""
        if len(data) < 5 or data[0] != 0:
            raise ValueError("not the Confluent wire format (magic byte 0 and a 4-byte schema id expected)")
        (schema_id,) = struct.unpack(">I", data[1:5])
        schema = self.schema(schema_id)
        return schema, avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(data[5:])))


def without_logical_types(node):
    if isinstance(node, dict):
        return {k: without_logical_types(v) for k, v in node.items() if k != "logicalType"}
    if isinstance(node, list):
        return [without_logical_types(v) for v in node]
    return node


def column_value(kind, v):
    """A column value in JSON terms, by its contract type (the field's tributary.type)."""
    if v is None:
        return None
    if kind == "DATE":
        return (datetime.date(1970, 1, 1) + datetime.timedelta(days=v)).isoformat()
    if kind == "TIME":
        return (datetime.datetime.min + datetime.timedelta(microseconds=v)).time().isoformat()
    if kind in ("TIMESTAMP", "TIMESTAMPTZ"):
        try:
            text = (EPOCH + datetime.timedelta(microseconds=v)).isoformat()
        except OverflowError:
            return v  # outside Python's years 1 to 9999: the raw microseconds since 1970
        return text + "Z" if kind == "TIMESTAMPTZ" else text
    if kind == "BYTES":
        return v.hex()
    if kind in ("FLOAT32", "FLOAT64") and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def row(record_schema, datum, leave_out=()):
    if datum is None:
        return None
    if isinstance(record_schema, avro.schema.UnionSchema):
        record_schema = next(s for s in record_schema.schemas if s.type == "record")
    return {f.name: column_value(f.other_props.get(TYPE_PROP), datum[f.name])
            for f in record_schema.fields if f.name not in leave_out}


def event(msg, key_schema, key, value_schema, value):
    source = value["source"]
    row_schema = value_schema.fields_dict["after"].type
    unchanged = list(value.get("unchanged") or [])
    return {
        "topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(),
        "op": value["op"],
        "key": row(key_schema, key),
        "before": row(row_schema, value["before"]),
        "after": row(row_schema, value["after"], leave_out=unchanged),
        "unchanged": unchanged,
        "source": {k: source[k] for k in ("connector", "name", "db", "schema", "table", "snapshot", "ts_ms", "txId", "lsn", "pos")},
        "ts_ms": value["ts_ms"],
    }


def main(argv=None):
    p = argparse.ArgumentParser(description="Print a Tributary topic's change events as JSON lines.")
    p.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers, host:port[,host:port]")
    p.add_argument("--registry", required=True, help="base URL of a Confluent-compatible schema registry")
    p.add_argument("--topic", required=True)
    p.add_argument("--group", required=True, help="consumer group; offsets are committed for it")
    p.add_argument("--tombstones", action="store_true", help="print tombstones too, as {\"tombstone\": true, \"key\": ...}")
    p.add_argument("--max-events", type=int, default=0, help="stop after this many lines (0: never)")
    p.add_argument("--idle-timeout", type=float, default=0, help="stop after this many seconds without a record (0: never)")
    args = p.parse_args(argv)

    registry = Registry(args.registry)
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",  # only events of committed capture transactions
    })
    consumer.subscribe([args.topic])
    printed = 0
    last = time.monotonic()
    try:
        while not args.max_events or printed < args.max_events:
            msg = consumer.poll(1.0)
            if msg is None:
                if args.idle_timeout and time.monotonic() - last > args.idle_timeout:
                    print(f"no record for {args.idle_timeout} s, stopping after {printed} line(s)", file=sys.stderr)
                    return 0
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError(f"Kafka: {msg.error()}")
            last = time.monotonic()
            try:
                key_schema, key = registry.decode(msg.key())
                if msg.value() is None:
                    line = {"topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(),
                            "tombstone": True, "key": row(key_schema, key)} if args.tombstones else None
                else:
                    value_schema, value = registry.decode(msg.value())
                    line = event(msg, key_schema, key, value_schema, value)
            except Exception as e:
                raise RuntimeError(f"cannot decode {msg.topic()}/{msg.partition()}@{msg.offset()}: {e}") from e
            if line is not None:
                print(json.dumps(line, ensure_ascii=False), flush=True)
                printed += 1
            consumer.commit(message=msg, asynchronous=False)
        return 0
    finally:
        consumer.close()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
    except Exception as e:  # one line, not a traceback, for a person reading the terminal
        print(f"consumer.py: {e}", file=sys.stderr)
        sys.exit(1)
