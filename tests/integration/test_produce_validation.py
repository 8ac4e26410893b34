"""produce.batch.validation with a real client: librdkafka batches
(compressed and not) pass relaxed validation and read back intact, as under
strict; a batch whose lz4 payload is garbage under a valid CRC is refused by
a strict topic and stored by a relaxed one (raw wire)."""

import struct

import pytest

import kafka_wire as w
from sluice_harness import consume, create_topic, produce, unique


@pytest.mark.parametrize("codec", ["none", "lz4", "zstd", "gzip", "snappy"])
def test_real_producer_batches_pass_relaxed_and_read_back(broker_factory, codec):
    b = broker_factory()
    topic = unique("relaxed")
    create_topic(b.bootstrap, topic, config={"produce.batch.validation": "relaxed"})
    msgs = [{"key": b"k%d" % i, "value": (b"v%d-" % i) * 20, "headers": [("h", b"%d" % i)]} for i in range(300)]
    produce(b.bootstrap, topic, msgs, **{"compression.type": codec, "linger.ms": 20})
    got = consume(b.bootstrap, topic)
    assert [(m.key(), m.value()) for m in got] == [(m["key"], m["value"]) for m in msgs]
    assert got[7].headers() == [("h", b"7")]


def _garbage_lz4_batch():
    batch = bytearray(w.record_batch([(b"k", b"x" * 100, [])], attributes=3))  # lz4 codec, payload left plain
    for i in range(61, len(batch)):
        batch[i] = 0xEE
    crc = w.crc32c(bytes(batch[21:]))
    batch[17:21] = struct.pack(">I", crc)
    return bytes(batch)


def test_a_garbage_payload_is_refused_by_strict_and_stored_by_relaxed(broker_factory):
    b = broker_factory()
    strict, relaxed = unique("strict"), unique("relaxed")
    create_topic(b.bootstrap, strict)
    create_topic(b.bootstrap, relaxed, config={"produce.batch.validation": "relaxed"})
    batch = _garbage_lz4_batch()
    with w.connect(b.port) as s:
        for n, (topic, want) in enumerate([(strict, 2), (relaxed, 0)]):  # CORRUPT_MESSAGE, NONE
            r = w.roundtrip(s, 0, 3, n, w.produce_v3_body(topic, 0, batch))
            topics, _ = w.parse_produce_v3(r)
            assert topics[topic][0]["error_code"] == want, (topic, topics)
