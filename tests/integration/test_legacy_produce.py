"""Produce v0-v2 with legacy message sets (magic 0 and 1), which Kafka 3.9
converts to record batch v2: old-protocol producers (librdkafka with
api.version.request=false and broker.version.fallback 0.9.0.0 / 0.10.0.0,
kafka-python with api_version (0, 9) / (0, 10)) write to CreateTime and
LogAppendTime topics with every codec, and a current consumer reads back
their keys, values and the timestamps Kafka would give (-1 for magic 0 on
CreateTime, the producer's for magic 1, the broker's append time on
LogAppendTime). Then hand-made bad message sets over the raw wire, each
answered with Kafka's error code and nothing stored."""

import gzip
import struct
import time
import zlib

import pytest

import kafka_wire as w
from sluice_harness import consume, create_topic, produce, unique, watermarks

CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3}
NONE, CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, INVALID_TIMESTAMP = 0, 2, 10, 32
UNSUPPORTED_COMPRESSION_TYPE, INVALID_RECORD = 76, 87


def _stored_batches(b, topic):
    """Every batch of partition 0 as a Fetch v4 returns it."""
    with w.connect(b.port) as s:
        r = w.roundtrip(s, 1, 4, 1, w.fetch_v4_body(topic, 0, 0))
    _, topics = w.parse_fetch_v4(r)
    part = topics[topic][0]
    assert part["error_code"] == 0, part
    return [w.parse_batch_header(x) for x in w.split_batches(part["records"])]


def _messages(n, tag):
    tag = tag.encode()
    return [{"key": b"k-%s-%d" % (tag, i), "value": (b"v-%s-%d-" % (tag, i)) * 10} for i in range(n)]


# --------------------------------------------------------------------------
# librdkafka (confluent-kafka) speaking the 0.9 and 0.10 protocols

# With broker.version.fallback 0.10 or later librdkafka asks for ApiVersions
# whatever api.version.request says, and then sends v2 batches: only the 0.9
# protocol (Produce v1, magic 0) is legacy for it. Magic 1 comes from
# kafka-python below and from the raw wire.
@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4"])
@pytest.mark.parametrize("ts_type", ["CreateTime", "LogAppendTime"])
def test_confluent_old_protocol_producer(broker_factory, ts_type, codec):
    fallback = "0.9.0.0"
    b = broker_factory()
    topic = unique("legacy")
    create_topic(b.bootstrap, topic, config={"message.timestamp.type": ts_type})
    msgs = _messages(40, codec)
    create_ts = int(time.time() * 1000) - 3600 * 1000  # an hour ago: unlike any append time
    for m in msgs:
        m["timestamp"] = create_ts
    before = int(time.time() * 1000)
    produce(b.bootstrap, topic, msgs, **{"api.version.request": "false", "broker.version.fallback": fallback,
                                         "compression.codec": codec, "batch.num.messages": 8,
                                         "enable.idempotence": "false"})
    after = int(time.time() * 1000)
    got = consume(b.bootstrap, topic)
    assert [(m.key(), m.value()) for m in got] == [(m["key"], m["value"]) for m in msgs]
    assert [m.offset() for m in got] == list(range(len(msgs)))
    stamps = {m.timestamp()[1] for m in got}
    if ts_type == "LogAppendTime":
        assert all(before <= t <= after for t in stamps), (before, stamps, after)
    else:
        assert stamps == {-1}  # magic 0 carries no timestamp, though the producer had one
    # Stored as v2 batches, compressed as the producer compressed them
    # (compression.type=producer), several messages per batch.
    headers = _stored_batches(b, topic)
    assert all(h["magic"] == 2 and h["producer_id"] == -1 for h in headers)
    assert {h["attributes"] & 7 for h in headers} == {CODEC_IDS[codec]}
    assert len(headers) < len(msgs)


def test_topic_compression_type_recompresses_a_legacy_set(broker_factory):
    b = broker_factory()
    topic = unique("legacy-gzip")
    create_topic(b.bootstrap, topic, config={"compression.type": "gzip"})
    msgs = _messages(20, "r")
    produce(b.bootstrap, topic, msgs, **{"api.version.request": "false", "broker.version.fallback": "0.9.0.0",
                                         "compression.codec": "snappy"})
    got = consume(b.bootstrap, topic)
    assert [(m.key(), m.value()) for m in got] == [(m["key"], m["value"]) for m in msgs]
    assert {h["attributes"] & 7 for h in _stored_batches(b, topic)} == {CODEC_IDS["gzip"]}


def test_compacted_topic_refuses_a_keyless_legacy_message(broker_factory):
    b = broker_factory()
    topic = unique("legacy-compact")
    create_topic(b.bootstrap, topic, config={"cleanup.policy": "compact"})
    d = produce(b.bootstrap, topic, [{"value": b"no key"}], check=False,
                **{"api.version.request": "false", "broker.version.fallback": "0.9.0.0"})
    assert len(d.failed) == 1 and "INVALID_RECORD" in str(d.failed[0]), d.failed
    produce(b.bootstrap, topic, [{"key": b"k", "value": b"keyed"}],
            **{"api.version.request": "false", "broker.version.fallback": "0.9.0.0"})
    assert [(m.key(), m.value()) for m in consume(b.bootstrap, topic)] == [(b"k", b"keyed")]


# --------------------------------------------------------------------------
# kafka-python with the 0.9 and 0.10 protocols

# kafka-python writes magic 0 lz4 only with the xxhash module, which Debian
# does not ship; librdkafka covers that case above.
KP_CASES = [(v, c) for v in [(0, 9), (0, 10)] for c in [None, "gzip", "snappy", "lz4"] if (v, c) != ((0, 9), "lz4")]


@pytest.mark.parametrize("ts_type", ["CreateTime", "LogAppendTime"])
@pytest.mark.parametrize("api_version,codec", KP_CASES)
def test_kafka_python_old_protocol_producer(broker_factory, api_version, ts_type, codec):
    from kafka import KafkaProducer
    b = broker_factory()
    topic = unique("legacy-kp")
    create_topic(b.bootstrap, topic, config={"message.timestamp.type": ts_type})
    msgs = _messages(30, str(codec))
    create_ts = int(time.time() * 1000) - 7200 * 1000
    before = int(time.time() * 1000)
    p = KafkaProducer(bootstrap_servers=b.bootstrap, api_version=api_version, compression_type=codec,
                      linger_ms=20, acks="all")
    try:
        futures = [p.send(topic, key=m["key"], value=m["value"], partition=0, timestamp_ms=create_ts) for m in msgs]
        p.flush(30)
        offsets = [f.get(timeout=30).offset for f in futures]
    finally:
        p.close(10)
    after = int(time.time() * 1000)
    assert offsets == list(range(len(msgs)))
    got = consume(b.bootstrap, topic)
    assert [(m.key(), m.value()) for m in got] == [(m["key"], m["value"]) for m in msgs]
    stamps = {m.timestamp()[1] for m in got}
    if ts_type == "LogAppendTime":
        assert all(before <= t <= after for t in stamps), (before, stamps, after)
    elif api_version == (0, 9):
        assert stamps == {-1}
    else:
        assert stamps == {create_ts}
    assert {h["attributes"] & 7 for h in _stored_batches(b, topic)} == {CODEC_IDS[codec or "none"]}


# --------------------------------------------------------------------------
# Fetch v0-v3: Kafka 3.9 down-converts to magic 0/1 there; Sluice serves its
# v2 batches as stored, which these clients read because they pick the
# format by the magic byte (see protocol/README.md for the clients that
# would not).

def test_old_protocol_consumers_read_v2_batches(broker_factory):
    from kafka import KafkaConsumer, TopicPartition
    b = broker_factory()
    topic = unique("legacy-fetch")
    create_topic(b.bootstrap, topic)
    msgs = _messages(25, "f")
    produce(b.bootstrap, topic, msgs, **{"compression.codec": "lz4"})
    want = [(m["key"], m["value"]) for m in msgs]
    got = consume(b.bootstrap, topic, **{"api.version.request": "false", "broker.version.fallback": "0.9.0.0"})
    assert [(m.key(), m.value()) for m in got] == want
    for api_version in [(0, 9), (0, 10)]:
        c = KafkaConsumer(bootstrap_servers=b.bootstrap, api_version=api_version, auto_offset_reset="earliest",
                          enable_auto_commit=False, consumer_timeout_ms=5000)
        try:
            c.assign([TopicPartition(topic, 0)])
            assert [(m.key, m.value) for m in c] == want, api_version
        finally:
            c.close()


# --------------------------------------------------------------------------
# Hand-made message sets over the raw wire

def message(key, value, magic=0, attributes=0, timestamp=-1, offset=0, crc=None):
    body = struct.pack(">bb", magic, attributes)
    if magic == 1:
        body += struct.pack(">q", timestamp)
    for field in (key, value):
        body += struct.pack(">i", -1) if field is None else struct.pack(">i", len(field)) + field
    if crc is None:
        crc = zlib.crc32(body) & 0xFFFFFFFF
    msg = struct.pack(">I", crc) + body
    return struct.pack(">qi", offset, len(msg)) + msg


def wrapper(inner, codec_id=1, magic=0, attributes_extra=0, timestamp=-1, offset=0, payload=None):
    if payload is None:
        payload = gzip.compress(inner)
    return message(None, payload, magic=magic, attributes=codec_id | attributes_extra, timestamp=timestamp,
                   offset=offset)


def produce_v2_body(topic, records, acks=1, timeout_ms=5000):
    return (w.int16(acks) + w.int32(timeout_ms)
            + w.array([(topic, [(0, records)])],
                      lambda t: w.string(t[0]) + w.array(t[1], lambda p: w.int32(p[0]) + w.bytes_(p[1]))))


def produce_legacy(b, topic, records, version=2):
    """The partition's error code and base offset for one Produce v0-v2."""
    with w.connect(b.port) as s:
        r = w.roundtrip(s, 0, version, 7, produce_v2_body(topic, records))
    r.int32()  # topics count (1)
    assert r.string() == topic
    assert r.int32() == 1
    part, error, base = r.int32(), r.int16(), r.int64()
    assert part == 0
    return error, base


@pytest.fixture
def legacy_topic(broker):
    topic = unique("legacy-raw")
    create_topic(broker.bootstrap, topic)
    return broker, topic


def test_raw_magic_1_wrapper_with_relative_offsets_reads_back(legacy_topic):
    b, topic = legacy_topic
    inner = b"".join(message(b"k%d" % i, b"v%d" % i, magic=1, timestamp=1000 + i, offset=i) for i in range(3))
    assert produce_legacy(b, topic, wrapper(inner, magic=1, timestamp=5, offset=2)) == (NONE, 0)
    # Kafka takes a wrapper offset of 0 as librdkafka sends it.
    assert produce_legacy(b, topic, wrapper(inner, magic=1, timestamp=5, offset=0)) == (NONE, 3)
    got = consume(b.bootstrap, topic)
    assert [(m.key(), m.value(), m.timestamp()[1]) for m in got] == \
        [(b"k%d" % i, b"v%d" % i, 1000 + i) for i in range(3)] * 2


def test_raw_partial_trailing_message_is_dropped(legacy_topic):
    b, topic = legacy_topic
    whole = message(b"k", b"v")
    assert produce_legacy(b, topic, whole + message(b"k2", b"v2")[:-3], version=0) == (NONE, 0)
    assert watermarks(b.bootstrap, topic) == (0, 1)


BAD_SETS = {
    "bad_crc": (lambda: message(b"k", b"v", crc=12345), CORRUPT_MESSAGE),
    "truncated_only_message": (lambda: message(b"k", b"value")[:-2], CORRUPT_MESSAGE),
    "size_below_minimum": (lambda: struct.pack(">qi", 0, 10) + b"\0" * 10, CORRUPT_MESSAGE),
    "key_length_past_end": (lambda: _recrc(message(b"kk", b"v"), 18, struct.pack(">i", 99)), CORRUPT_MESSAGE),
    "garbage_in_gzip_wrapper": (lambda: wrapper(b"", payload=b"\x1f\x8b not gzip at all"), CORRUPT_MESSAGE),
    "garbage_inside_decompressed": (lambda: wrapper(struct.pack(">qi", 0, 3) + b"abc"), CORRUPT_MESSAGE),
    "inner_bad_crc": (lambda: wrapper(message(b"k", b"v", crc=1)), CORRUPT_MESSAGE),
    "unknown_codec": (lambda: message(None, b"x", attributes=5), UNSUPPORTED_COMPRESSION_TYPE),
    "zstd_wrapper": (lambda: message(None, b"x", attributes=4), INVALID_RECORD),
    "null_valued_wrapper": (lambda: message(None, None, attributes=1), INVALID_RECORD),
    "empty_inner_set": (lambda: wrapper(b""), INVALID_RECORD),
    "magic_2_inside_magic_1_wrapper":
        (lambda: wrapper(w.record_batch([(b"k", b"v", [])]), magic=1, timestamp=5), INVALID_RECORD),
    "magic_0_inside_magic_1_wrapper": (lambda: wrapper(message(b"k", b"v"), magic=1, timestamp=5), INVALID_RECORD),
    "compressed_inner_message": (lambda: wrapper(message(None, gzip.compress(b"x"), attributes=1)), INVALID_RECORD),
    "two_wrappers": (lambda: wrapper(message(b"a", b"1")) + wrapper(message(b"b", b"2")), INVALID_RECORD),
    "mixed_magics": (lambda: message(b"a", b"1") + message(b"b", b"2", magic=1, timestamp=5), INVALID_RECORD),
    "v2_batch_after_legacy": (lambda: message(b"a", b"1") + w.record_batch([(b"k", b"v", [])]), INVALID_RECORD),
    "wrapper_offset_below_last_inner":
        (lambda: wrapper(b"".join(message(b"k", b"v", magic=1, timestamp=5, offset=i) for i in range(3)),
                         magic=1, timestamp=5, offset=1), INVALID_RECORD),
    "producer_says_log_append_time": (lambda: message(b"k", b"v", magic=1, attributes=8, timestamp=-1),
                                      INVALID_TIMESTAMP),
    "larger_than_max_message_bytes": (lambda: message(b"k", b"x" * (1 << 20)), MESSAGE_TOO_LARGE),
}


def _recrc(msg, at, patch):
    """msg with bytes at `at` replaced and its CRC recomputed."""
    m = bytearray(msg)
    m[at:at + len(patch)] = patch
    m[12:16] = struct.pack(">I", zlib.crc32(bytes(m[16:])) & 0xFFFFFFFF)
    return bytes(m)


@pytest.mark.parametrize("shape", sorted(BAD_SETS))
def test_raw_bad_message_set_is_refused(legacy_topic, shape):
    b, topic = legacy_topic
    make, want = BAD_SETS[shape]
    for version in (0, 2):
        assert produce_legacy(b, topic, make(), version=version) == (want, -1), (shape, version)
    # Nothing was stored, and the broker still serves a good set.
    assert produce_legacy(b, topic, message(b"k", b"v")) == (NONE, 0)
    assert watermarks(b.bootstrap, topic) == (0, 1)


def test_raw_legacy_set_in_produce_v3_is_invalid_record(legacy_topic):
    b, topic = legacy_topic
    with w.connect(b.port) as s:
        r = w.roundtrip(s, 0, 3, 1, w.produce_v3_body(topic, 0, message(b"k", b"v", magic=1, timestamp=5)))
    topics, _ = w.parse_produce_v3(r)
    assert topics[topic][0]["error_code"] == INVALID_RECORD
