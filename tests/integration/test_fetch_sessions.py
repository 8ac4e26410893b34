"""Fetch behaviour that clients rely on but no installed client exercises
fully: incremental fetch sessions (KIP-227, Fetch v7+) and long polls that
wake on new data. Driven with raw frames from kafka_wire.py; the data is
produced with confluent-kafka."""

import threading
import time

import kafka_wire as kw
from sluice_harness import create_topic, produce, unique

FETCH = 1
OFFSET_OUT_OF_RANGE = 1


def fetch_v7_body(session_id, epoch, partitions, forgotten=(), max_wait_ms=0, min_bytes=0):
    """partitions: [(topic, partition, offset)], forgotten: [(topic, [partitions])]."""
    by_topic = {}
    for topic, partition, offset in partitions:
        by_topic.setdefault(topic, []).append((partition, offset))
    topics = kw.array(list(by_topic.items()), lambda t: kw.string(t[0]) + kw.array(
        t[1], lambda p: kw.int32(p[0]) + kw.int64(p[1]) + kw.int64(-1) + kw.int32(1 << 20)))
    forgotten_enc = kw.array(list(forgotten), lambda f: kw.string(f[0]) + kw.array(f[1], kw.int32))
    return (kw.int32(-1) + kw.int32(max_wait_ms) + kw.int32(min_bytes) + kw.int32(1 << 24) + kw.int8(0)
            + kw.int32(session_id) + kw.int32(epoch) + topics + forgotten_enc)


def parse_fetch_v7(r):
    """-> (error_code, session_id, {(topic, partition): partition dict})."""
    error, session_id, parts = kw.parse_fetch_v7(r)
    return error, session_id, {(name, p["partition"]): p for name, p in parts}


def fetch(sock, cid, body, timeout=5.0):
    return parse_fetch_v7(kw.roundtrip(sock, FETCH, 7, cid, body, timeout=timeout))


def test_incremental_session_sends_only_news(broker):
    topic = unique("fs")
    create_topic(broker.bootstrap, topic, partitions=2)
    produce(broker.bootstrap, topic, [{"value": b"a", "partition": 0}, {"value": b"b", "partition": 1}])
    s = kw.connect(broker.port)

    # Epoch 0 opens a session and answers for every partition.
    err, sid, parts = fetch(s, 1, fetch_v7_body(0, 0, [(topic, 0, 0), (topic, 1, 0)]))
    assert err == 0 and sid != 0
    assert set(parts) == {(topic, 0), (topic, 1)}
    assert all(p["records"] for p in parts.values())

    # Epoch 1, positions moved past the data: nothing new to say.
    err, sid2, parts = fetch(s, 2, fetch_v7_body(sid, 1, [(topic, 0, 1), (topic, 1, 1)]))
    assert (err, sid2) == (0, sid)
    assert parts == {}

    # New data on partition 1 only: the next incremental fetch names no
    # partitions at all and still gets partition 1's records.
    produce(broker.bootstrap, topic, [{"value": b"c", "partition": 1}])
    err, _, parts = fetch(s, 3, fetch_v7_body(sid, 2, []))
    assert err == 0
    assert set(parts) == {(topic, 1)}
    assert parts[(topic, 1)]["high_watermark"] == 2 and parts[(topic, 1)]["records"]

    # Forgetting partition 0 removes it from the session.
    produce(broker.bootstrap, topic, [{"value": b"d", "partition": 0}])
    err, _, parts = fetch(s, 4, fetch_v7_body(sid, 3, [(topic, 1, 2)], forgotten=[(topic, [0])]))
    assert err == 0
    assert (topic, 0) not in parts


def test_incremental_session_always_sends_partitions_in_error(broker):
    # FetchSession.scala, CachedPartition.maybeUpdateResponseData: a partition
    # whose error is not NONE is in every incremental response, and once the
    # error is gone it is sent once more. Sluice used to send an unchanged
    # error only once.
    topic = unique("fs")
    create_topic(broker.bootstrap, topic, partitions=2)
    produce(broker.bootstrap, topic, [{"value": b"a", "partition": 0}])
    s = kw.connect(broker.port)
    # Partition 1 is empty: offset 5 is out of range (1).
    err, sid, parts = fetch(s, 1, fetch_v7_body(0, 0, [(topic, 0, 1), (topic, 1, 5)]))
    assert err == 0 and sid != 0
    assert parts[(topic, 1)]["error_code"] == OFFSET_OUT_OF_RANGE
    for epoch in (1, 2, 3):
        err, _, parts = fetch(s, 1 + epoch, fetch_v7_body(sid, epoch, []))
        assert err == 0
        assert set(parts) == {(topic, 1)}, epoch
        assert parts[(topic, 1)]["error_code"] == OFFSET_OUT_OF_RANGE
    # Back in range: sent once without the error, then no news.
    err, _, parts = fetch(s, 5, fetch_v7_body(sid, 4, [(topic, 1, 0)]))
    assert set(parts) == {(topic, 1)} and parts[(topic, 1)]["error_code"] == 0
    err, _, parts = fetch(s, 6, fetch_v7_body(sid, 5, []))
    assert err == 0 and parts == {}


def test_session_errors(broker):
    topic = unique("fs")
    create_topic(broker.bootstrap, topic)
    s = kw.connect(broker.port)
    err, sid, _ = fetch(s, 1, fetch_v7_body(0, 0, [(topic, 0, 0)]))
    assert err == 0 and sid != 0
    # Skipping an epoch: INVALID_FETCH_SESSION_EPOCH (71).
    err, _, _ = fetch(s, 2, fetch_v7_body(sid, 5, []))
    assert err == 71
    # A session that never existed: FETCH_SESSION_ID_NOT_FOUND (70).
    err, _, _ = fetch(s, 3, fetch_v7_body(sid + 1000, 1, []))
    assert err == 70
    # Epoch -1 closes the session: a sessionless full fetch answers with id 0.
    err, sid_after, parts = fetch(s, 4, fetch_v7_body(sid, -1, [(topic, 0, 0)]))
    assert (err, sid_after) == (0, 0) and (topic, 0) in parts
    err, _, _ = fetch(s, 5, fetch_v7_body(sid, 1, []))
    assert err == 70


def test_long_poll_wakes_on_new_data(broker):
    topic = unique("lp")
    create_topic(broker.bootstrap, topic)
    s = kw.connect(broker.port, timeout=60)
    # A 30 s long poll at the end of the log; a produce 0.3 s later must end
    # it with the new record. Were the fetch only answered at its deadline,
    # the 15 s receive limit below would fail the test.
    timer = threading.Timer(0.3, lambda: produce(broker.bootstrap, topic, [{"value": b"late"}]))
    timer.start()
    try:
        started = time.monotonic()
        err, _, parts = fetch(s, 1, fetch_v7_body(0, -1, [(topic, 0, 0)], max_wait_ms=30000, min_bytes=1),
                              timeout=15)
    finally:
        timer.join()
    assert err == 0
    assert parts[(topic, 0)]["high_watermark"] == 1
    assert b"late" in parts[(topic, 0)]["records"]
    assert time.monotonic() - started < 15


def test_long_poll_without_data_answers_at_deadline(broker):
    topic = unique("lp")
    create_topic(broker.bootstrap, topic)
    s = kw.connect(broker.port)
    err, _, parts = fetch(s, 1, fetch_v7_body(0, -1, [(topic, 0, 0)], max_wait_ms=200, min_bytes=1))
    assert err == 0
    assert parts[(topic, 0)]["records"] == b"" and parts[(topic, 0)]["high_watermark"] == 0
    # The connection is still usable afterwards.
    err, _, parts = fetch(s, 2, fetch_v7_body(0, -1, [(topic, 0, 0)]))
    assert err == 0
