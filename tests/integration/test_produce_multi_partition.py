"""Produce requests that carry many partitions: their appends are written
together (one io_uring submission, log/write_ring.h), or one pwrite each
with sluice.produce.io_uring.enable=false. librdkafka lingers so its
requests carry batches for many of 32 partitions; every record comes back
exactly, in order, per partition. A raw request mixing good and damaged
batches answers each partition on its own."""

import pytest

import kafka_wire as w
from sluice_harness import consume, create_topic, produce, unique

PARTITIONS = 32


@pytest.mark.parametrize("ring", ["true", "false"])
def test_librdkafka_to_32_partitions_reads_back_exactly(broker_factory, ring):
    b = broker_factory({"sluice.produce.io_uring.enable": ring})
    topic = unique("multi")
    create_topic(b.bootstrap, topic, partitions=PARTITIONS)
    msgs = [{"key": b"k%d" % i, "value": b"v%d-" % i * 10, "partition": i % PARTITIONS} for i in range(20000)]
    d = produce(b.bootstrap, topic, msgs, **{"linger.ms": 50, "acks": "all", "batch.num.messages": 10000})
    assert len(d.ok) == len(msgs)
    for p in range(PARTITIONS):
        got = consume(b.bootstrap, topic, partition=p)
        want = [m for m in msgs if m["partition"] == p]
        assert [(m.offset(), m.key(), m.value()) for m in got] == \
            [(i, m["key"], m["value"]) for i, m in enumerate(want)], "partition %d" % p


def test_a_damaged_partition_in_a_request_leaves_the_others_written(broker_factory):
    b = broker_factory()
    topic = unique("mixed")
    create_topic(b.bootstrap, topic, partitions=4)
    good = w.record_batch([(b"k", b"v" * 50, [])])
    damaged = bytearray(good)
    damaged[-1] ^= 0xFF  # the CRC no longer matches
    parts = [(0, good), (1, bytes(damaged)), (2, good), (3, good)]
    body = (w.string(None) + w.int16(1) + w.int32(5000)
            + w.array([(topic, parts)],
                      lambda t: w.string(t[0]) + w.array(t[1], lambda p: w.int32(p[0]) + w.bytes_(p[1]))))
    with w.connect(b.port) as s:
        for n in range(2):
            topics, _ = w.parse_produce_v3(w.roundtrip(s, 0, 3, n, body))
            answers = topics[topic]
            assert answers[1]["error_code"] == 2, answers  # CORRUPT_MESSAGE
            for p in (0, 2, 3):
                assert answers[p]["error_code"] == 0, answers
                assert answers[p]["base_offset"] == n, answers
    for p in (0, 2, 3):
        assert [m.offset() for m in consume(b.bootstrap, topic, partition=p)] == [0, 1]
    assert consume(b.bootstrap, topic, partition=1) == []
