"""OffsetForLeaderEpoch (API 23, KIP-101/KIP-320): where a leader epoch ends
in a partition's log, as a Kafka leader answers it. Consumers validate
their position with it after a leader change (librdkafka 2.1+); followers
find their truncation point with it.

On one broker every partition is led in epoch 0, so epoch 0 ends at the log
end offset, a newer epoch is unknown (-1, -1), and a caller that believes in
a newer current epoch is told UNKNOWN_LEADER_EPOCH. Raw v3 and v4 (flexible)
frames, and @platformatic/kafka's own codec for the real-client check."""

import json
import os

import kafka_wire as kw
from sluice_harness import create_topic, produce, run, unique

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")

API_OFFSET_FOR_LEADER_EPOCH = 23
NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
UNKNOWN_LEADER_EPOCH = 75


def body_v3(topic, partitions, replica_id=-1):
    """partitions: [(partition, current_leader_epoch, leader_epoch)]"""
    return kw.int32(replica_id) + kw.array([topic], lambda t: kw.string(t) + kw.array(
        partitions, lambda p: kw.int32(p[0]) + kw.int32(p[1]) + kw.int32(p[2])))


def body_v4(topic, partitions, replica_id=-1):
    return kw.int32(replica_id) + kw.compact_array([topic], lambda t: kw.compact_string(t) + kw.compact_array(
        partitions, lambda p: kw.int32(p[0]) + kw.int32(p[1]) + kw.int32(p[2]) + kw.EMPTY_TAGGED_FIELDS)
        + kw.EMPTY_TAGGED_FIELDS) + kw.EMPTY_TAGGED_FIELDS


def ask(port, version, topic, partitions):
    flexible = version >= 4
    body = (body_v4 if flexible else body_v3)(topic, partitions)
    with kw.connect(port) as s:
        r = kw.roundtrip(s, API_OFFSET_FOR_LEADER_EPOCH, version, 3, body, flexible=flexible)
    if flexible:
        r.tagged_fields()  # response header v1
    r.int32()  # throttle

    def partition(r):
        out = dict(error_code=r.int16(), partition=r.int32(), leader_epoch=r.int32(), end_offset=r.int64())
        if flexible:
            r.tagged_fields()
        return out

    def topic_result(r):
        name = r.compact_string() if flexible else r.string()
        parts = (r.compact_array if flexible else r.array)(partition)
        if flexible:
            r.tagged_fields()
        return name, parts

    topics = (r.compact_array if flexible else r.array)(topic_result)
    if flexible:
        r.tagged_fields()
    r.expect_end()
    assert len(topics) == 1 and topics[0][0] == topic
    return {p["partition"]: p for p in topics[0][1]}


def test_epoch_zero_ends_at_the_log_end_and_newer_epochs_are_unknown(broker):
    topic = unique("ofle")
    create_topic(broker.bootstrap, topic, partitions=2)
    produce(broker.bootstrap, topic, [{"value": b"m%d" % i, "partition": 0} for i in range(5)])
    for version in (3, 4):
        got = ask(broker.port, version, topic, [(0, 0, 0), (1, -1, 0), (2, -1, 0)])
        assert got[0] == dict(error_code=NONE, partition=0, leader_epoch=0, end_offset=5), version
        # An empty partition: its epoch starts (and ends) at 0.
        assert got[1] == dict(error_code=NONE, partition=1, leader_epoch=0, end_offset=0), version
        assert got[2]["error_code"] == UNKNOWN_TOPIC_OR_PARTITION

        newer = ask(broker.port, version, topic, [(0, -1, 1)])[0]
        assert newer == dict(error_code=NONE, partition=0, leader_epoch=-1, end_offset=-1), version


def test_a_newer_current_epoch_is_unknown_leader_epoch(broker):
    topic = unique("ofle")
    create_topic(broker.bootstrap, topic)
    got = ask(broker.port, 4, topic, [(0, 3, 0)])[0]
    assert got["error_code"] == UNKNOWN_LEADER_EPOCH
    assert got["end_offset"] == -1


def test_unknown_topic(broker):
    got = ask(broker.port, 3, unique("missing"), [(0, -1, 0)])[0]
    assert got["error_code"] == UNKNOWN_TOPIC_OR_PARTITION


def test_truncated_request_closes_the_connection(broker):
    with kw.connect(broker.port) as s:
        kw.send_all(s, kw.request(API_OFFSET_FOR_LEADER_EPOCH, 3, 9, kw.int32(-1) + kw.int32(1) + kw.int16(5)))
        kw.wait_closed(s)


def test_platformatic_kafka_reads_the_answers(broker):
    topic = unique("ofle")
    create_topic(broker.bootstrap, topic, partitions=2)
    produce(broker.bootstrap, topic, [{"value": b"x", "partition": 1} for _ in range(3)])
    cp = run(["node", "platformatic_offset_for_leader_epoch.mjs", broker.bootstrap, topic, "0:0:0", "1:0:0"],
             timeout=70, cwd=JS_DIR)
    res = json.loads(cp.stdout.decode())
    assert "ok" in res, res
    parts = {p["partition"]: p for p in res["ok"]["topics"][0]["partitions"]}
    assert parts[0]["errorCode"] == NONE and parts[0]["leaderEpoch"] == 0 and parts[0]["endOffset"] == "0"
    assert parts[1]["errorCode"] == NONE and parts[1]["leaderEpoch"] == 0 and parts[1]["endOffset"] == "3"

    cp = run(["node", "platformatic_offset_for_leader_epoch.mjs", broker.bootstrap, topic, "0:5:0"],
             timeout=70, cwd=JS_DIR)
    res = json.loads(cp.stdout.decode())
    assert res.get("codes") == [UNKNOWN_LEADER_EPOCH], res
