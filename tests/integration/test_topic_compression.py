"""What Kafka's LogValidator does to a producer's batch before the append,
checked on disk and with real clients: a topic's compression.type other than
`producer` recompresses every batch into its codec (librdkafka producers in
each codec, read back by confluent-kafka and kafka-python); a batch whose
record offset deltas have gaps is accepted and stored renumbered; a batch
whose header claims a wrong max timestamp is stored with its records' max;
a recompressed batch over max.message.bytes is refused."""

import glob
import os
import struct

import pytest

import kafka_wire as w
from sluice_harness import codecs_in, consume, create_topic, produce, read_batch_headers, unique

CODEC = {"none": 0, "uncompressed": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def segments(broker, topic, partition=0):
    return glob.glob(os.path.join(broker.data_dir, "%s-%d" % (topic, partition), "*.log"))


@pytest.mark.parametrize("topic_codec,producer_codec", [
    ("zstd", "lz4"), ("gzip", "none"), ("uncompressed", "snappy"), ("lz4", "zstd"), ("snappy", "gzip")])
def test_topic_compression_type_recompresses_what_producers_send(broker, topic_codec, producer_codec):
    topic = unique("codec")
    create_topic(broker.bootstrap, topic, config={"compression.type": topic_codec})
    msgs = [{"key": b"k%d" % i, "value": (b"value-%d-" % i) * 30, "headers": [("n", b"%d" % i)]} for i in range(500)]
    produce(broker.bootstrap, topic, msgs, **{"compression.type": producer_codec, "linger.ms": 20,
                                              "enable.idempotence": True})
    assert codecs_in(segments(broker, topic)) == {CODEC[topic_codec]}
    got = consume(broker.bootstrap, topic)
    assert [(m.offset(), m.key(), m.value()) for m in got] == [(i, m["key"], m["value"]) for i, m in enumerate(msgs)]
    assert got[123].headers() == [("n", b"123")]

    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=5000)
    try:
        c.assign([TopicPartition(topic, 0)])
        values = [m.value for m in c][:500]
    finally:
        c.close()
    assert values == [m["value"] for m in msgs]


def test_producer_keeps_the_producers_codec(broker):
    topic = unique("keep")
    create_topic(broker.bootstrap, topic, config={"compression.type": "producer"})
    produce(broker.bootstrap, topic, [{"value": b"x" * 200} for _ in range(50)], **{"compression.type": "gzip"})
    produce(broker.bootstrap, topic, [{"value": b"y" * 200} for _ in range(50)], **{"compression.type": "lz4"})
    assert codecs_in(segments(broker, topic)) == {1, 3}


def test_relaxed_validation_recompresses_too(broker):
    topic = unique("relaxed-codec")
    create_topic(broker.bootstrap, topic, config={"compression.type": "zstd", "produce.batch.validation": "relaxed"})
    produce(broker.bootstrap, topic, [{"value": b"r%d" % i} for i in range(100)], **{"compression.type": "lz4"})
    assert codecs_in(segments(broker, topic)) == {4}
    assert [m.value() for m in consume(broker.bootstrap, topic)] == [b"r%d" % i for i in range(100)]


def _gapped_batch(base_timestamp):
    """Three records with offset deltas 0, 2, 5 under a header that says
    three records, last delta 2 (consistent, as Kafka requires)."""
    body = b"".join(w.encode_record(d, 0, b"k%d" % d, b"v%d" % d) for d in (0, 2, 5))
    after_crc = (w.int16(0) + w.int32(2) + w.int64(base_timestamp) + w.int64(base_timestamp)
                 + w.int64(-1) + w.int16(-1) + w.int32(-1) + w.int32(3) + body)
    after_length = w.int32(-1) + w.int8(2) + w.uint32(w.crc32c(after_crc)) + after_crc
    return w.int64(0) + w.int32(len(after_length)) + after_length


def _produce_raw(broker, topic, batch):
    with w.connect(broker.port) as s:
        topics, _ = w.parse_produce_v3(w.roundtrip(s, 0, 3, 1, w.produce_v3_body(topic, 0, batch)))
    return topics[topic][0]["error_code"]


def test_gapped_offset_deltas_are_accepted_and_stored_renumbered(broker):
    topic = unique("gaps")
    create_topic(broker.bootstrap, topic)
    produce(broker.bootstrap, topic, [{"value": b"first"}])
    assert _produce_raw(broker, topic, _gapped_batch(1700000000000)) == 0  # Kafka accepts it
    got = consume(broker.bootstrap, topic)
    assert [(m.offset(), m.key(), m.value()) for m in got] == [
        (0, None, b"first"), (1, b"k0", b"v0"), (2, b"k2", b"v2"), (3, b"k5", b"v5")]
    # The stored batch is renumbered: its records run 1..3 like its header.
    with open(segments(broker, topic)[0], "rb") as f:
        data = f.read()
    second = read_batch_headers(segments(broker, topic)[0])[1]
    records = w.parse_records(data[second.position:second.position + 12 + second.batch_length])
    assert [r["offset"] for r in records] == [1, 2, 3]


def test_the_max_timestamp_comes_from_the_records(broker):
    topic = unique("maxts")
    create_topic(broker.bootstrap, topic)
    batch = bytearray(w.record_batch([(b"a", b"1", [], 1700000000000), (b"b", b"2", [], 1700000005000)],
                                     base_timestamp=1700000000000))
    batch[35:43] = struct.pack(">q", 1600000000000)  # a header that lies about its max timestamp
    batch[17:21] = struct.pack(">I", w.crc32c(bytes(batch[21:])))
    assert _produce_raw(broker, topic, bytes(batch)) == 0
    stored = read_batch_headers(segments(broker, topic)[0])
    assert [h.max_timestamp for h in stored] == [1700000005000]
    got = consume(broker.bootstrap, topic)
    assert [m.timestamp()[1] for m in got] == [1700000000000, 1700000005000]


def test_a_recompressed_batch_over_max_message_bytes_is_refused(broker):
    topic = unique("toolarge")
    create_topic(broker.bootstrap, topic, config={"compression.type": "uncompressed", "max.message.bytes": "100000"})
    # 300 KB of one byte: a few hundred bytes in zstd, 300 KB uncompressed.
    from confluent_kafka import KafkaError
    d = produce(broker.bootstrap, topic, [{"value": b"z" * 300000}], check=False,
                **{"compression.type": "zstd", "message.max.bytes": 1000000})
    assert [err.code() for err, _, _ in d.failed] == [KafkaError.MSG_SIZE_TOO_LARGE], d.failed
    assert all(os.path.getsize(p) == 0 for p in segments(broker, topic))
