"""Idempotent producers: Kafka's sequence and epoch rules on raw Produce
requests, a retried batch answered with its first offsets across a kill -9,
DescribeProducers, and real idempotent clients (librdkafka, kafkajs)."""

import json
import os

import pytest

import kafka_wire as w
from sluice_harness import broker_alive, consume, create_topic, produce, run, unique, watermarks

T = 5.0

NONE = 0
OUT_OF_ORDER_SEQUENCE_NUMBER = 45
INVALID_PRODUCER_EPOCH = 47
TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53
INVALID_RECORD = 87
TRANSACTIONAL = 0x10


def batch(pid, epoch, seq, count=3, attributes=0):
    records = [(b"k%d" % i, b"v%d-%d" % (seq, i), []) for i in range(count)]
    return w.record_batch(records, producer_id=pid, producer_epoch=epoch, base_sequence=seq,
                          attributes=attributes)


class Wire:
    """One connection producing with Produce v3 (acks=all) to partition 0."""

    def __init__(self, port, topic):
        self.sock = w.connect(port, T)
        self.topic = topic
        self.cid = 0

    def produce(self, records):
        self.cid += 1
        r = w.roundtrip(self.sock, w.API_PRODUCE, 3, self.cid,
                        w.produce_v3_body(self.topic, 0, records, acks=-1))
        topics, _ = w.parse_produce_v3(r)
        return topics[self.topic][0]

    def describe_producers(self):
        self.cid += 1
        r = w.roundtrip(self.sock, w.API_DESCRIBE_PRODUCERS, 0, self.cid,
                        w.describe_producers_v0_body([(self.topic, [0])]), flexible=True)
        return w.parse_describe_producers_v0(r)[self.topic][0]

    def close(self):
        self.sock.close()


def test_kafkas_sequence_and_epoch_rules_on_the_wire(broker):
    topic = unique("idem")
    create_topic(broker.bootstrap, topic, 1)
    c = Wire(broker.port, topic)
    try:
        first = c.produce(batch(4000, 0, 0))
        assert (first["error_code"], first["base_offset"]) == (NONE, 0)
        assert c.produce(batch(4000, 0, 3))["base_offset"] == 3
        # The retry of either batch is answered with its first offset and
        # appends nothing.
        for seq, offset in ((0, 0), (3, 3)):
            retry = c.produce(batch(4000, 0, seq))
            assert (retry["error_code"], retry["base_offset"]) == (NONE, offset)
        assert watermarks(broker.bootstrap, topic) == (0, 6)
        # A gap, an overlap, a stale epoch, a new epoch not starting at 0.
        assert c.produce(batch(4000, 0, 7))["error_code"] == OUT_OF_ORDER_SEQUENCE_NUMBER
        assert c.produce(batch(4000, 0, 5))["error_code"] == OUT_OF_ORDER_SEQUENCE_NUMBER
        assert c.produce(batch(4000, 1, 4))["error_code"] == OUT_OF_ORDER_SEQUENCE_NUMBER
        bumped = c.produce(batch(4000, 1, 0))
        assert (bumped["error_code"], bumped["base_offset"]) == (NONE, 6)
        assert c.produce(batch(4000, 0, 6))["error_code"] == INVALID_PRODUCER_EPOCH
        # Bad input: a producer id without a sequence, a transactional batch
        # without a transaction.
        assert c.produce(batch(4001, 0, -1))["error_code"] == INVALID_RECORD
        assert c.produce(batch(4002, 0, 0, attributes=TRANSACTIONAL))["error_code"] == \
            TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        # An unknown producer may start anywhere (Kafka since KIP-360).
        assert c.produce(batch(4003, 0, 17))["error_code"] == NONE
        assert watermarks(broker.bootstrap, topic) == (0, 12)

        described = c.describe_producers()
        assert described["error_code"] == NONE
        assert set(described["producers"]) == {4000, 4003}
        p = described["producers"][4000]
        assert (p["producer_epoch"], p["last_sequence"], p["current_txn_start_offset"]) == (1, 2, -1)
        assert described["producers"][4003]["last_sequence"] == 19
    finally:
        c.close()
    # Nothing refused reached the log: offsets 0-11 are exactly the accepted batches.
    msgs = consume(broker.bootstrap, topic)
    assert [m.value() for m in msgs] == (
        [b"v0-%d" % i for i in range(3)] + [b"v3-%d" % i for i in range(3)]
        + [b"v0-%d" % i for i in range(3)] + [b"v17-%d" % i for i in range(3)])
    assert broker_alive(broker.port, T)


@pytest.mark.parametrize("clean", [True, False], ids=["restart", "kill9"])
def test_a_retry_after_a_restart_is_still_recognised(broker, clean):
    topic = unique("idem")
    create_topic(broker.bootstrap, topic, 1, config={"segment.bytes": "2000"})
    c = Wire(broker.port, topic)
    for i in range(40):  # several segments: snapshots at the rolls
        assert c.produce(batch(5000, 2, i * 3))["error_code"] == NONE
    c.close()
    if clean:
        broker.restart()
    else:
        broker.kill9()
        broker.start()
    c = Wire(broker.port, topic)
    try:
        retry = c.produce(batch(5000, 2, 39 * 3))
        assert (retry["error_code"], retry["base_offset"]) == (NONE, 117)
        assert c.produce(batch(5000, 2, 39 * 3 + 4))["error_code"] == OUT_OF_ORDER_SEQUENCE_NUMBER
        assert c.produce(batch(5000, 1, 120))["error_code"] == INVALID_PRODUCER_EPOCH
        assert c.produce(batch(5000, 2, 120))["base_offset"] == 120
        assert c.describe_producers()["producers"][5000]["last_sequence"] == 122
    finally:
        c.close()
    assert watermarks(broker.bootstrap, topic) == (0, 123)


def _check_exactly_once(bootstrap, topic, partitions, count, value):
    seen = []
    for p in range(partitions):
        msgs = consume(bootstrap, topic, partition=p)
        values = [m.value().decode() for m in msgs]
        expected = [value(i) for i in range(count) if i % partitions == p]
        assert values == expected, "partition %d: %d records, expected %d" % (p, len(values), len(expected))
        seen += values
    assert len(seen) == count


def test_librdkafka_idempotent_producer(broker):
    topic = unique("idem")
    create_topic(broker.bootstrap, topic, 3)
    n = 3000
    d = produce(broker.bootstrap, topic,
                ({"value": b"value-%d" % i, "partition": i % 3} for i in range(n)),
                enable_idempotence=True, linger_ms=2)
    assert len(d.ok) == n
    _check_exactly_once(broker.bootstrap, topic, 3, n, lambda i: "value-%d" % i)
    with w.connect(broker.port, T) as s:
        r = w.roundtrip(s, w.API_DESCRIBE_PRODUCERS, 0, 1,
                        w.describe_producers_v0_body([(topic, [0, 1, 2])]), flexible=True)
        described = w.parse_describe_producers_v0(r)[topic]
    # One producer id, the same on every partition, its last sequence the
    # partition's record count - 1.
    ids = {pid for part in described.values() for pid in part["producers"]}
    assert len(ids) == 1
    for p, part in described.items():
        [(pid, state)] = part["producers"].items()
        assert state["last_sequence"] == n // 3 - 1


def test_kafkajs_idempotent_producer(broker):
    topic = unique("idem")
    create_topic(broker.bootstrap, topic, 2)
    n = 400
    cp = run(["node", "produce_idempotent.js", broker.bootstrap, topic, str(n), "2"], timeout=90,
             cwd=os.path.join(os.path.dirname(__file__), "js"))
    sends = json.loads(cp.stdout)["sends"]
    assert len(sends) == n // 10
    assert all(r["errorCode"] == 0 for send in sends for r in send)
    _check_exactly_once(broker.bootstrap, topic, 2, n, lambda i: "value-%d" % i)
