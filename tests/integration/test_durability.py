"""Durability of sluiced across clean restarts and kill -9, segment rolling,
retention, and persistence of topic metadata and configs.

Every wait is a deadline loop; nothing here asserts speed with a fixed sleep."""

import os
import time

from confluent_kafka.admin import ConfigResource, NewTopic

import kafka_wire as w
from sluice_harness import (Delivery, admin, codecs_in, consume, create_topic, produce, producer,
                            read_batch_headers, topic_names, unique, wait_topic, wait_until,
                            watermarks)

T = 15


def values_of(msgs):
    return [m.value() for m in msgs]


def assert_contiguous(msgs, start=0):
    offs = [m.offset() for m in msgs]
    assert offs == list(range(start, start + len(offs))), \
        "offsets not contiguous from %d: first gaps at %r" % (
            start, [(a, b) for a, b in zip(offs, offs[1:]) if b != a + 1][:5])


def describe_topic(bootstrap, topic):
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    fs = admin(bootstrap).describe_configs([res], request_timeout=T)
    return list(fs.values())[0].result(T)


def source_value(entry):
    s = entry.source
    return s.value if hasattr(s, "value") else int(s)


DYNAMIC_TOPIC_CONFIG = 1


def check_segments(broker, topic, partition=0, max_closed_size=None):
    """Structural checks of a partition's segment files; returns
    [(base offset from name, size, [batch headers])]."""
    segs = broker.segment_files(topic, partition)
    assert segs, "no segments in %s" % broker.partition_dir(topic, partition)
    out = []
    next_offset = None
    for i, path in enumerate(segs):
        name = os.path.basename(path)
        base = int(name[:20])
        headers = read_batch_headers(path)
        size = os.path.getsize(path)
        stem = path[:-len(".log")]
        assert os.path.exists(stem + ".index"), "%s has no .index" % name
        assert os.path.exists(stem + ".timeindex"), "%s has no .timeindex" % name
        if headers:
            assert headers[0].base_offset == base, \
                "%s: first batch has base offset %d" % (name, headers[0].base_offset)
            # The file holds whole batches and nothing else.
            last = headers[-1]
            assert last.position + 12 + last.batch_length == size, \
                "%s: %d bytes of batches, file is %d bytes" % (
                    name, last.position + 12 + last.batch_length, size)
        for h in headers:
            assert h.magic == 2
            if next_offset is not None:
                assert h.base_offset == next_offset, \
                    "%s: batch at %d, expected %d" % (name, h.base_offset, next_offset)
            next_offset = h.base_offset + h.last_offset_delta + 1
        if max_closed_size is not None and i < len(segs) - 1 and len(headers) > 1:
            assert size <= max_closed_size, "closed segment %s is %d bytes" % (name, size)
        out.append((base, size, headers))
    return out


# --------------------------------------------------------------------------

def test_clean_restart_keeps_every_record_exactly_once(broker):
    topic = unique("dur-clean")
    create_topic(broker.bootstrap, topic, 1)
    expected = []
    phases = [("none", 400), ("gzip", 300), ("lz4", 200), ("zstd", 100)]
    for codec, count in phases:
        msgs = [{"key": b"k%d" % (len(expected) + i),
                 "value": b"%s-%06d " % (codec.encode(), len(expected) + i) + b"z" * 60,
                 "partition": 0} for i in range(count)]
        d = produce(broker.bootstrap, topic, msgs, compression_type=codec,
                    batch_num_messages=25, linger_ms=2)
        assert sorted(o for _, o, _, _ in d.ok) == list(range(len(expected),
                                                               len(expected) + count))
        expected += [m["value"] for m in msgs]
    n = len(expected)
    assert codecs_in(broker.segment_files(topic, 0)) == {0, 1, 3, 4}

    broker.restart()
    wait_topic(broker.bootstrap, topic, 1, T)
    assert watermarks(broker.bootstrap, topic) == (0, n)
    got = consume(broker.bootstrap, topic, 0, 0, timeout=30)
    assert_contiguous(got)
    assert values_of(got) == expected

    # New records continue after the old ones, not at 0.
    d = produce(broker.bootstrap, topic, [{"value": b"after-%d" % i, "partition": 0}
                                          for i in range(10)])
    assert sorted(o for _, o, _, _ in d.ok) == list(range(n, n + 10))
    broker.restart()
    wait_topic(broker.bootstrap, topic, 1, T)
    got = consume(broker.bootstrap, topic, 0, 0, timeout=30)
    assert_contiguous(got)
    assert values_of(got) == expected + [b"after-%d" % i for i in range(10)]


def test_kill9_mid_run_keeps_every_acknowledged_record(broker):
    topic = unique("dur-kill")
    create_topic(broker.bootstrap, topic, 1)
    p = producer(broker.bootstrap, acks="all", linger_ms=1, batch_num_messages=20,
                 message_timeout_ms=3000, socket_timeout_ms=3000, retry_backoff_ms=100)
    d = Delivery()
    sent = 0
    killed_at_acks = None
    after_kill = 0
    pad = b"p" * 1000
    deadline = time.monotonic() + 30
    # Produce flat out; kill -9 once >= 400 records are acknowledged AND
    # >= 100 more are sent but unacknowledged (in flight or queued), then
    # keep producing a little into the dead broker.
    while after_kill < 300 and time.monotonic() < deadline:
        try:
            p.produce(topic, b"rec-%07d-" % sent + pad, partition=0, on_delivery=d)
            sent += 1
        except BufferError:
            p.poll(0.001)
        p.poll(0)
        if killed_at_acks is None:
            if len(d.ok) >= 400 and sent - len(d.ok) - len(d.failed) >= 100:
                assert not d.failed, "deliveries failed while the broker was up: %r" % (
                    d.failed[:3],)
                broker.kill9()
                killed_at_acks = len(d.ok)
        else:
            after_kill += 1
    assert killed_at_acks is not None, "only %d of %d records acknowledged in 30 s" % (
        len(d.ok), sent)
    left = p.flush(30)  # everything unacked times out (message.timeout.ms=3000)
    assert left == 0
    assert len(d.ok) + len(d.failed) == sent
    del p  # no retries may reach the restarted broker

    broker.start()
    wait_topic(broker.bootstrap, topic, 1, T)
    low, high = watermarks(broker.bootstrap, topic)
    assert low == 0
    assert high >= len(d.ok)
    got = consume(broker.bootstrap, topic, 0, 0, timeout=30)
    assert_contiguous(got)
    vals = values_of(got)
    assert len(set(vals)) == len(vals), "duplicated records after kill -9"
    where = {m.value(): m.offset() for m in got}
    missing = [(o, v) for _, o, _, v in d.ok if v not in where]
    assert not missing, "%d acknowledged records lost, e.g. %r" % (len(missing), missing[:5])
    moved = [(o, where[v], v) for _, o, _, v in d.ok if where[v] != o]
    assert not moved, "acknowledged records changed offset: %r" % moved[:5]
    check_segments(broker, topic)

    # The log is writable after recovery and continues where it ends.
    d2 = produce(broker.bootstrap, topic, [{"value": b"post-crash", "partition": 0}])
    assert [o for _, o, _, _ in d2.ok] == [high]


def test_segments_roll_at_log_segment_bytes_across_restarts(broker_factory):
    b = broker_factory({"log.segment.bytes": "4096"})
    topic = unique("dur-roll")
    create_topic(b.bootstrap, topic, 1)
    vals = [b"roll-%05d-" % i + b"q" * 90 for i in range(300)]
    produce(b.bootstrap, topic, [{"value": v, "partition": 0} for v in vals],
            batch_num_messages=10, linger_ms=1, compression_type="none")

    segs = check_segments(b, topic, max_closed_size=4096)
    assert len(segs) >= 5, "expected several segments of <= 4096 bytes, got %r" % (
        [(base, size) for base, size, _ in segs],)
    assert segs[0][0] == 0
    before = [(base, size) for base, size, _ in segs]

    b.restart()
    wait_topic(b.bootstrap, topic, 1, T)
    segs = check_segments(b, topic, max_closed_size=4096)
    assert [(base, size) for base, size, _ in segs] == before, \
        "a clean restart changed the segment files"

    more = [b"more-%05d-" % i + b"q" * 90 for i in range(200)]
    d = produce(b.bootstrap, topic, [{"value": v, "partition": 0} for v in more],
                batch_num_messages=10, linger_ms=1, compression_type="none")
    assert sorted(o for _, o, _, _ in d.ok) == list(range(300, 500))
    segs = check_segments(b, topic, max_closed_size=4096)
    assert len(segs) > len(before)

    b.restart()
    wait_topic(b.bootstrap, topic, 1, T)
    check_segments(b, topic, max_closed_size=4096)
    got = consume(b.bootstrap, topic, 0, 0, timeout=30)
    assert_contiguous(got)
    assert values_of(got) == vals + more
    # Reading from the middle of a middle segment works too.
    got = consume(b.bootstrap, topic, 0, 257, 263)
    assert [m.offset() for m in got][:6] == list(range(257, 263))


def _fetch_error(port, topic, offset):
    with w.connect(port) as s:
        r = w.roundtrip(s, w.API_FETCH, 4, 7, w.fetch_v4_body(topic, 0, offset))
        _, topics = w.parse_fetch_v4(r)
        return topics[topic][0]["error_code"]


def test_retention_bytes_deletes_oldest_segments(broker_factory):
    b = broker_factory({"log.segment.bytes": "4096", "log.retention.bytes": "8192",
                        "log.retention.check.interval.ms": "200"})
    topic = unique("dur-ret")
    create_topic(b.bootstrap, topic, 1)
    vals = [b"ret-%05d-" % i + b"r" * 90 for i in range(400)]
    produce(b.bootstrap, topic, [{"value": v, "partition": 0} for v in vals],
            batch_num_messages=10, linger_ms=1, compression_type="none")

    first = os.path.join(b.partition_dir(topic, 0), "%020d.log" % 0)

    def deleted():
        low, high = watermarks(b.bootstrap, topic)
        return low > 0 and not os.path.exists(first) and (low, high)

    wait_until(deleted, 10, "retention to delete the first segment and advance the log start")

    def stable():
        s1 = [(base, size) for base, size, _ in check_segments(b, topic)]
        low, high = watermarks(b.bootstrap, topic)
        s2 = [(base, size) for base, size, _ in check_segments(b, topic)]
        total = sum(size for _, size in s2)
        return s1 == s2 and low == s2[0][0] and total < 8192 + 4096 and (low, high, s2)

    low, high, segs = wait_until(stable, 10, "log start offset == first segment's base offset, "
                                 "and total size under retention.bytes + one segment")
    assert high == 400
    assert 0 < low < 400

    got = consume(b.bootstrap, topic, 0, low)
    assert_contiguous(got, low)
    assert values_of(got) == vals[low:]
    assert _fetch_error(b.port, topic, 0) == 1  # OFFSET_OUT_OF_RANGE below the log start

    b.restart()
    wait_topic(b.bootstrap, topic, 1, T)
    low2, high2 = watermarks(b.bootstrap, topic)
    assert high2 == 400
    assert low2 >= low
    got = consume(b.bootstrap, topic, 0, low2)
    assert values_of(got) == vals[low2:]


def test_topic_retention_ms_deletes_expired_segments(broker_factory):
    b = broker_factory({"log.segment.bytes": "4096", "log.retention.check.interval.ms": "200"})
    topic = unique("dur-retms")
    create_topic(b.bootstrap, topic, 1, config={"retention.ms": "3600000"})
    old = int(time.time() * 1000) - 2 * 3600 * 1000
    produce(b.bootstrap, topic,
            [{"value": b"old-%04d-" % i + b"o" * 90, "timestamp": old + i, "partition": 0}
             for i in range(200)], batch_num_messages=10, linger_ms=1, compression_type="none")
    first = os.path.join(b.partition_dir(topic, 0), "%020d.log" % 0)

    def expired_deleted():
        low, high = watermarks(b.bootstrap, topic)
        return low > 0 and not os.path.exists(first) and (low, high)

    low, high = wait_until(expired_deleted, 10, "records older than retention.ms to be deleted")
    assert high == 200


def test_topic_metadata_and_configs_persist_across_restart_and_kill9(broker):
    keep = unique("dur-cfg")
    gone = unique("dur-gone")
    a = admin(broker.bootstrap)
    fs = a.create_topics([
        NewTopic(keep, num_partitions=3, replication_factor=1,
                 config={"retention.ms": "123456", "max.message.bytes": "50000"}),
        NewTopic(gone, num_partitions=1, replication_factor=1)], request_timeout=T)
    for f in fs.values():
        f.result(T)
    wait_topic(broker.bootstrap, keep, 3, T)
    wait_topic(broker.bootstrap, gone, 1, T)
    fs = admin(broker.bootstrap).delete_topics([gone], request_timeout=T)
    fs[gone].result(T)
    wait_until(lambda: gone not in topic_names(broker.bootstrap), T, "deleted topic gone")

    def check():
        wait_topic(broker.bootstrap, keep, 3, T)
        names = topic_names(broker.bootstrap)
        assert keep in names
        assert gone not in names, "a deleted topic came back after restart"
        entries = describe_topic(broker.bootstrap, keep)
        for name, value in (("retention.ms", "123456"), ("max.message.bytes", "50000")):
            assert entries[name].value == value, (name, entries[name].value)
            assert source_value(entries[name]) == DYNAMIC_TOPIC_CONFIG, (name, entries[name])

    check()
    broker.restart()
    check()
    broker.kill9()
    broker.start()
    check()


def recovery_points(data_dir):
    """{(topic, partition): offset} from the recovery-point checkpoint."""
    path = os.path.join(data_dir, "recovery-point-offset-checkpoint")
    if not os.path.exists(path):
        return {}
    lines = open(path).read().split("\n")
    points = {}
    for line in lines[2:]:
        if line.strip():
            topic, partition, offset = line.split()
            points[(topic, int(partition))] = int(offset)
    return points


def test_flush_ms_flushes_a_partition_nobody_produces_to_any_more(broker_factory):
    # flush.ms is checked on every produce and on the broker's periodic
    # check: the last records of a partition that falls quiet are flushed
    # too, and the recovery point (checkpointed on the same tick) reaches them.
    b = broker_factory({"log.retention.check.interval.ms": "100"})
    topic = "quiet-flush"
    create_topic(b.bootstrap, topic, 1, config={"flush.ms": "2000"})
    time.sleep(2.2)
    produce(b.bootstrap, topic, [{"value": b"first"}])   # due by time: flushed now
    time.sleep(0.3)
    produce(b.bootstrap, topic, [{"value": b"second"}])  # 0.3 s after that flush: not due
    wait_until(lambda: recovery_points(b.data_dir).get((topic, 0)) == 2, 15,
               "the recovery point to cover the second record")
