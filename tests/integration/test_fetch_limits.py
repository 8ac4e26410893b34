"""Fetch byte limits, exactly as Kafka applies them (ReplicaManager.readFromLocalLog
and LogSegment.read; KIP-74):

* partitions are read in request order from one budget, the response's
  max_bytes (capped by the broker's fetch.max.bytes);
* each partition reads at most min(partition_max_bytes, what is left), as the
  raw bytes of the log from the batch holding its fetch offset, cut at that
  limit even inside a batch (clients drop the partial batch at the end);
* from Fetch v3 the first partition that has data gets its first batch whole
  even when it is larger than both limits; another partition whose first
  batch does not fit sends nothing (it is served whole when it comes first);
* Fetch v0-2 have no such exception: a first batch that does not fit is sent
  cut, and the client reports it too large;
* in an incremental fetch session the partitions that returned records move
  to the back, so the next budget goes first to the others.

Raw frames from kafka_wire.py, then librdkafka with tiny limits reading
everything back exactly."""

import threading
import time

import kafka_wire as kw
from sluice_harness import create_topic, unique

KB = 1000
NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3


def batch(value_size, count=1):
    """An uncompressed v2 batch of `count` records of `value_size` bytes."""
    return kw.record_batch([(None, b"v" * value_size, ())] * count)


def produce_raw(port, topic, partition, *batches):
    """Appends the batches to one partition, one Produce v3 request each (a
    request carries one batch per partition, as Kafka requires)."""
    with kw.connect(port) as s:
        for n, b in enumerate(batches):
            r = kw.roundtrip(s, kw.API_PRODUCE, 3, n, kw.produce_v3_body(topic, partition, b))
            parts, _ = kw.parse_produce_v3(r)
            assert parts[topic][partition]["error_code"] == NONE, parts


def produce_raw_partitions(port, topic, batch_of_partition):
    """One Produce v3 request with one batch for each partition named."""
    body = (kw.string(None) + kw.int16(1) + kw.int32(5000)
            + kw.array([(topic, sorted(batch_of_partition.items()))],
                       lambda t: kw.string(t[0]) + kw.array(t[1], lambda p: kw.int32(p[0]) + kw.bytes_(p[1]))))
    with kw.connect(port) as s:
        parts, _ = kw.parse_produce_v3(kw.roundtrip(s, kw.API_PRODUCE, 3, 1, body))
    assert all(parts[topic][p]["error_code"] == NONE for p in batch_of_partition), parts


def topic_with(broker, partitions, *batches_per_partition):
    topic = unique("fl")
    create_topic(broker.bootstrap, topic, partitions=partitions)
    for p, batches in enumerate(batches_per_partition):
        if batches:
            produce_raw(broker.port, topic, p, *batches)
    return topic


def fetch_v4(port, partitions, max_bytes, partition_max_bytes, **kwargs):
    with kw.connect(port, timeout=30) as s:
        r = kw.roundtrip(s, kw.API_FETCH, 4, 7,
                         kw.fetch_v4_partitions_body(partitions, max_bytes, partition_max_bytes, **kwargs),
                         timeout=30)
        _, topics = kw.parse_fetch_v4(r)
    return topics


def sizes(parts):
    return [len(parts[p]["records"]) for p in sorted(parts)]


def whole_log(port, topic, partition):
    """Every byte of a partition, fetched without limits that bite."""
    parts = fetch_v4(port, [(topic, partition, 0)], 1 << 24, 1 << 24)[topic]
    return parts[partition]["records"]


# --------------------------------------------------------------------------
# The two measured cases

def test_response_limit_lets_only_the_first_partition_exceed_it(broker):
    big = batch(100 * KB)
    topic = topic_with(broker, 4, [big], [big], [big], [big])
    parts = fetch_v4(broker.port, [(topic, p, 0) for p in range(4)], 150 * KB, 1 << 20)[topic]
    # Partition 0 takes its batch (it fits); 50 KB are left, less than any
    # other partition's first batch, so those send nothing. Sluice used to
    # answer 200 KB here.
    assert sizes(parts) == [len(big), 0, 0, 0]
    assert kw.split_batches(parts[0]["records"]) == [parts[0]["records"]]
    assert all(p["error_code"] == NONE and p["high_watermark"] == 1 for p in parts.values())


def test_partition_limit_is_exceeded_only_by_the_first_partition_with_data(broker):
    big = batch(100 * KB)
    topic = topic_with(broker, 4, [big], [big], [big], [big])
    parts = fetch_v4(broker.port, [(topic, p, 0) for p in range(4)], 1 << 24, 50 * KB)[topic]
    # KIP-74: the first batch of the first partition with data comes whole
    # past the 50 KB limit; the others do not (Sluice used to send 4 x 100 KB).
    assert sizes(parts) == [len(big), 0, 0, 0]


# --------------------------------------------------------------------------
# Cuts inside a batch

def test_partition_is_cut_at_its_limit_inside_a_batch(broker):
    small = batch(10 * KB)
    topic = topic_with(broker, 1, [small, small, small])
    log = whole_log(broker.port, topic, 0)
    assert len(log) == 3 * len(small)
    parts = fetch_v4(broker.port, [(topic, 0, 0)], 1 << 24, 25 * KB)[topic]
    # Kafka sends the log's bytes up to the limit: two batches and the start
    # of the third, which clients drop.
    assert parts[0]["records"] == log[:25 * KB]
    assert len(kw.split_batches(parts[0]["records"])) == 2


def test_response_budget_cuts_a_later_partition_inside_a_batch(broker):
    small = batch(10 * KB)
    topic = topic_with(broker, 2, [small], [small, small, small])
    parts = fetch_v4(broker.port, [(topic, 0, 0), (topic, 1, 0)], 25 * KB, 1 << 20)[topic]
    assert sizes(parts) == [len(small), 25 * KB - len(small)]
    assert parts[1]["records"] == whole_log(broker.port, topic, 1)[:25 * KB - len(small)]


def test_first_batch_cut_by_the_budget_is_left_out_from_v3(broker):
    small, big = batch(10 * KB), batch(100 * KB)
    topic = topic_with(broker, 2, [small], [big])
    parts = fetch_v4(broker.port, [(topic, 0, 0), (topic, 1, 0)], 50 * KB, 1 << 20)[topic]
    assert sizes(parts) == [len(small), 0]
    # Once partition 1 is the first with data, its batch comes whole.
    parts = fetch_v4(broker.port, [(topic, 0, 1), (topic, 1, 0)], 50 * KB, 1 << 20)[topic]
    assert sizes(parts) == [0, len(big)]


def test_a_partition_without_data_does_not_use_up_the_exception(broker):
    big = batch(100 * KB)
    topic = topic_with(broker, 2, [batch(10)], [big])
    # Partition 0 is at its high watermark, partition 9 does not exist:
    # partition 1 is still the first with data.
    fetched = [(topic, 0, 1), (topic, 9, 0), (topic, 1, 0)]
    parts = fetch_v4(broker.port, fetched, 50 * KB, 50 * KB)[topic]
    assert parts[9]["error_code"] == UNKNOWN_TOPIC_OR_PARTITION
    assert len(parts[0]["records"]) == 0 and len(parts[1]["records"]) == len(big)


def test_zero_limits_still_return_one_batch_from_v3(broker):
    big = batch(100 * KB)
    topic = topic_with(broker, 2, [big], [big])
    parts = fetch_v4(broker.port, [(topic, 0, 0), (topic, 1, 0)], 0, 0)[topic]
    assert sizes(parts) == [len(big), 0]


# --------------------------------------------------------------------------
# Fetch v0-2: a hard limit

def test_v2_sends_a_first_batch_cut_at_the_partition_limit(broker):
    big = batch(100 * KB)
    topic = topic_with(broker, 2, [big], [big])
    with kw.connect(broker.port) as s:
        r = kw.roundtrip(s, kw.API_FETCH, 2, 3, kw.fetch_v2_body([(topic, 0, 0), (topic, 1, 0)], 50 * KB))
        _, topics = kw.parse_fetch_v2(r)
    parts = topics[topic]
    for p in (0, 1):
        assert parts[p]["records"] == whole_log(broker.port, topic, p)[:50 * KB]
    assert kw.split_batches(parts[0]["records"]) == []


# --------------------------------------------------------------------------
# The broker's fetch.max.bytes, and min_bytes

def test_broker_fetch_max_bytes_caps_the_request(broker_factory):
    broker = broker_factory({"fetch.max.bytes": str(150 * KB)})
    big = batch(100 * KB)
    topic = topic_with(broker, 2, [big, big], [big])
    # min_bytes above the cap counts as the cap (KafkaApis), so 150 KB answer
    # at once instead of waiting out max_wait_ms.
    started = time.monotonic()
    parts = fetch_v4(broker.port, [(topic, 0, 0), (topic, 1, 0)], 1 << 24, 1 << 20,
                     max_wait_ms=20000, min_bytes=1 << 24)[topic]
    assert time.monotonic() - started < 10
    assert sizes(parts) == [150 * KB, 0]


def test_min_bytes_zero_answers_at_once_without_data(broker):
    # Kafka delays a fetch only while fewer than min_bytes are readable
    # (ReplicaManager.fetchMessages); with min_bytes 0 (or less) that is
    # never, whatever max_wait_ms says. Sluice used to wait it out.
    topic = topic_with(broker, 1, [])
    for min_bytes in (0, -1):
        started = time.monotonic()
        parts = fetch_v4(broker.port, [(topic, 0, 0)], 1 << 20, 1 << 20, max_wait_ms=5000,
                         min_bytes=min_bytes)[topic]
        assert time.monotonic() - started < 2, min_bytes
        assert parts[0]["error_code"] == NONE and parts[0]["records"] == b""


# --------------------------------------------------------------------------
# Long polls and fetch sessions share the rules

def test_long_poll_woken_by_a_produce_obeys_the_limits(broker):
    big, small = batch(100 * KB), batch(10 * KB)

    def woken_fetch(max_bytes):
        topic = topic_with(broker, 2, [], [])
        fetched = [(topic, 0, 0), (topic, 1, 0)]
        # One request with a batch for each partition: as Kafka, the parked
        # fetch is woken once both are appended.
        timer = threading.Timer(0.3, lambda: produce_raw_partitions(broker.port, topic, {0: big, 1: small}))
        timer.start()
        try:
            started = time.monotonic()
            parts = fetch_v4(broker.port, fetched, max_bytes, 1 << 20, max_wait_ms=20000, min_bytes=1)[topic]
        finally:
            timer.join()
        assert time.monotonic() - started < 10
        return sizes(parts)

    assert woken_fetch(1 << 20) == [len(big), len(small)]
    # 105 KB: the first batch comes whole, the second does not fit what is left.
    assert woken_fetch(105 * KB) == [len(big), 0]


def session_fetch(sock, cid, session_id, epoch, partitions, **kwargs):
    r = kw.roundtrip(sock, kw.API_FETCH, 7, cid,
                     kw.fetch_v7_session_body(session_id, epoch, partitions, **kwargs), timeout=30)
    error, sid, parts = kw.parse_fetch_v7(r)
    assert error == NONE
    return sid, [(p["partition"], len(p["records"])) for _, p in parts]


def test_incremental_session_moves_served_partitions_to_the_back(broker):
    big = batch(100 * KB)
    topic = topic_with(broker, 2, [big, big, big], [big, big, big])
    limits = dict(max_bytes=150 * KB, partition_max_bytes=1 << 20)
    with kw.connect(broker.port) as s:
        # Opening the session keeps the request's order: partition 0 first.
        sid, parts = session_fetch(s, 1, 0, 0, [(topic, 0, 0), (topic, 1, 0)], **limits)
        assert parts == [(0, 150 * KB), (1, 0)]
        # Still partition 0 first; it sends records, so it moves to the back.
        _, parts = session_fetch(s, 2, sid, 1, [(topic, 0, 1)], **limits)
        assert parts == [(0, 150 * KB)]
        # Now partition 1 takes the budget, though partition 0 has data too.
        _, parts = session_fetch(s, 3, sid, 2, [(topic, 0, 2)], **limits)
        assert parts == [(1, 150 * KB)]
        # And partition 0 is first again: its last batch, and no room left
        # for partition 1's next one.
        _, parts = session_fetch(s, 4, sid, 3, [(topic, 1, 1)], **limits)
        assert parts == [(0, len(big))]


def test_long_poll_in_a_session_reports_what_it_sends(broker):
    big = batch(100 * KB)
    topic = topic_with(broker, 2, [], [])
    with kw.connect(broker.port, timeout=30) as s:
        sid, parts = session_fetch(s, 1, 0, 0, [(topic, 0, 0), (topic, 1, 0)],
                                   max_bytes=150 * KB, partition_max_bytes=1 << 20)
        assert parts == [(0, 0), (1, 0)]

        # Both partitions get a batch while the long poll waits for more than
        # the 100 KB it can send; partition 1's batch does not fit beside
        # partition 0's. The wake-ups that were not enough must not count as
        # telling the client partition 1's new high watermark.
        def produce_both():
            produce_raw(broker.port, topic, 0, big)
            produce_raw(broker.port, topic, 1, big)

        timer = threading.Timer(0.3, produce_both)
        timer.start()
        try:
            r = kw.roundtrip(s, kw.API_FETCH, 7, 2,
                             kw.fetch_v7_session_body(sid, 1, [], 150 * KB, 1 << 20,
                                                      max_wait_ms=3000, min_bytes=150 * KB),
                             timeout=30)
        finally:
            timer.join()
        error, _, parts = kw.parse_fetch_v7(r)
    assert error == NONE
    got = {p["partition"]: (p["high_watermark"], len(p["records"])) for _, p in parts}
    assert got == {0: (1, len(big)), 1: (1, 0)}


# --------------------------------------------------------------------------
# A real consumer with tiny limits

def test_librdkafka_reads_everything_with_tiny_fetch_limits(broker):
    from confluent_kafka import Consumer, KafkaError, TopicPartition
    from sluice_harness import produce

    topic = unique("fl-rdk")
    create_topic(broker.bootstrap, topic, partitions=4)
    expected = {p: [] for p in range(4)}
    messages = []
    for i in range(400):
        p = i % 4
        value = (b"%d-%d:" % (p, i)) + b"x" * (50 + (i * 37) % 1200)
        if i == 201:
            value = b"huge:" + b"h" * 60000  # larger than both limits below
        expected[p].append(value)
        messages.append({"value": value, "partition": p})
    # Small producer batches and one large one, so fetches meet batches both
    # under and over the limits.
    produce(broker.bootstrap, topic, messages[:200], batch_size=4000)
    produce(broker.bootstrap, topic, messages[200:])

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": unique("g"),
                  "enable.auto.commit": False, "auto.offset.reset": "error",
                  "fetch.wait.max.ms": 100, "socket.timeout.ms": 10000,
                  # fetch.max.bytes is raised to at least message.max.bytes.
                  "message.max.bytes": 1000, "fetch.max.bytes": 4000,
                  "max.partition.fetch.bytes": 1500})
    got = {p: [] for p in range(4)}
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(4)])
        deadline = time.monotonic() + 60
        while sum(map(len, got.values())) < 400 and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is None:
                continue
            assert not m.error() or m.error().code() == KafkaError._PARTITION_EOF, m.error()
            if not m.error():
                assert m.offset() == len(got[m.partition()])
                got[m.partition()].append(m.value())
    finally:
        c.close()
    assert got == expected
