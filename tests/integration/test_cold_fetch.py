"""Fetches of data that is not in the page cache.

The connection reads such slices into the page cache on a helper thread
before sending them, instead of letting sendfile read the disk on the I/O
thread (broker/net/page_cache_warmer.h). What must not change for a client:
the bytes, and the order of responses on one connection — a warm response
queued behind a cold one waits for it.

Pages are dropped with fdatasync + posix_fadvise(DONTNEED) on the segment
files; where the file system keeps them anyway (tmpfs), the tests skip."""

import os
import shutil
import subprocess

import pytest

import kafka_wire as kw
from sluice_harness import consume, create_topic, unique

KB = 1000


def produce_raw(port, topic, partition, batches):
    with kw.connect(port) as s:
        for i, b in enumerate(batches):
            r = kw.roundtrip(s, kw.API_PRODUCE, 3, i, kw.produce_v3_body(topic, partition, b))
            parts, _ = kw.parse_produce_v3(r)
            assert parts[topic][partition]["error_code"] == 0, parts


def drop_pages(paths):
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def resident_bytes(paths):
    out = subprocess.run(["fincore", "-b", "-n", "-o", "RES"] + paths, capture_output=True, text=True,
                         check=True).stdout
    return sum(int(x) for x in out.split())


def drop_or_skip(paths):
    if not shutil.which("fincore"):
        pytest.skip("fincore (util-linux) is needed to see the page cache")
    drop_pages(paths)
    if resident_bytes(paths) > sum(os.path.getsize(p) for p in paths) // 2:
        pytest.skip("the data dir's file system keeps pages after DONTNEED")


def cold_topic(broker, partitions, batches_per_partition=6, batch_kb=200):
    topic = unique("cold")
    create_topic(broker.bootstrap, topic, partitions=partitions)
    for p in range(partitions):
        batches = [kw.record_batch([(None, bytes([65 + (p * 7 + i) % 26]) * (batch_kb * KB), ())])
                   for i in range(batches_per_partition)]
        produce_raw(broker.port, topic, p, batches)
    return topic


def log_bytes(broker, topic, partition):
    data = b""
    for path in broker.segment_files(topic, partition):
        with open(path, "rb") as f:
            data += f.read()
    return data


def test_pipelined_fetches_answer_in_order_with_the_bytes_on_disk(broker):
    topic = cold_topic(broker, 2)
    # Partition 0 cold, partition 1 warm: the warm answer must wait for the
    # cold one ahead of it.
    drop_or_skip(broker.segment_files(topic, 0))
    asks = [0, 1, 0, 1]
    with kw.connect(broker.port, timeout=30) as s:
        for corr, p in enumerate(asks):
            body = kw.fetch_v4_partitions_body([(topic, p, 0)], 1 << 24, 1 << 24)
            kw.send_all(s, kw.request(kw.API_FETCH, 4, 100 + corr, body))
        for corr, p in enumerate(asks):
            r = kw.Reader(kw.recv_frame(s, timeout=30))
            assert r.int32() == 100 + corr
            _, topics = kw.parse_fetch_v4(r)
            part = topics[topic][p]
            assert part["error_code"] == 0
            assert part["records"] == log_bytes(broker, topic, p), "partition %d, request %d" % (p, corr)


def test_a_client_reads_every_record_of_a_cold_log(broker):
    topic = cold_topic(broker, 3)
    paths = [f for p in range(3) for f in broker.segment_files(topic, p)]
    drop_or_skip(paths)
    for p in range(3):
        msgs = consume(broker.bootstrap, topic, partition=p, timeout=30)
        assert [m.offset() for m in msgs] == list(range(6))
        assert [m.value()[:1] for m in msgs] == [bytes([65 + (p * 7 + i) % 26]) for i in range(6)]
        assert all(len(m.value()) == 200 * KB for m in msgs)
    assert resident_bytes(paths) >= sum(os.path.getsize(f) for f in paths), "read in while serving"


def list_offsets_v1(port, topic, timestamps):
    """Each timestamp's (offset, timestamp) by ListOffsets v1, one request each."""
    out = {}
    with kw.connect(port, timeout=30) as s:
        for corr, ts in enumerate(timestamps):
            r = kw.roundtrip(s, kw.API_LIST_OFFSETS, 1, corr, kw.list_offsets_v1_body(topic, 0, ts), timeout=30)
            part = kw.parse_list_offsets_v1(r)[topic][0]
            assert part["error_code"] == 0, part
            out[ts] = (part["offset"], part["timestamp"])
    return out


def test_lookups_by_timestamp_on_a_cold_log_answer_as_on_a_warm_one(broker):
    # Lookups by timestamp read batch headers and a batch: on a cold log the
    # broker reads them in off the I/O thread and answers the same.
    import time
    from confluent_kafka import Consumer, TopicPartition
    topic = unique("cold-ts")
    create_topic(broker.bootstrap, topic, partitions=1)
    base = int(time.time() * 1000) - 600_000
    batches = [kw.record_batch([(None, bytes([65 + b]) * (50 * KB), (), base + 1000 * b + r) for r in range(4)],
                               base_timestamp=base + 1000 * b) for b in range(8)]
    produce_raw(broker.port, topic, 0, batches)
    asks = [base + 5002, base - 1, base + 3000, base + 7003, base + 7004]
    expected = {base + 5002: (22, base + 5002), base - 1: (0, base), base + 3000: (12, base + 3000),
                base + 7003: (31, base + 7003), base + 7004: (-1, -1)}
    assert list_offsets_v1(broker.port, topic, asks) == expected

    paths = broker.segment_files(topic, 0)
    drop_or_skip(paths)
    assert list_offsets_v1(broker.port, topic, asks) == expected
    assert resident_bytes(paths) > 0, "read in while answering"

    drop_pages(paths)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": unique("g")})
    try:
        got = c.offsets_for_times([TopicPartition(topic, 0, base + 5002)], timeout=30)
        assert [(tp.error, tp.offset) for tp in got] == [(None, 22)]
    finally:
        c.close()


def test_the_console_browses_a_cold_log_as_a_warm_one(broker_factory):
    # The message browser's reads find batches and read them without waiting
    # for the disk on the I/O thread: cold pages are read in first.
    import time
    from test_console import api, console_broker
    b = console_broker(broker_factory)
    topic = unique("cold-browse")
    create_topic(b.bootstrap, topic, partitions=1)
    base = int(time.time() * 1000) - 600_000
    batches = [kw.record_batch([(None, b"%d-%d:" % (i, r) + bytes([65 + i]) * (50 * KB), (), base + 1000 * i + r)
                                for r in range(4)], base_timestamp=base + 1000 * i) for i in range(8)]
    produce_raw(b.port, topic, 0, batches)
    queries = ["offset=0&limit=500", "offset=9&limit=7", "timestamp=%d&limit=3" % (base + 5002), "from=end&limit=5"]

    def browse():
        out = {}
        for q in queries:
            status, r, _ = api(b.http_port, "topics/%s/partitions/0/records?%s" % (topic, q))
            assert status == 200, (q, r)
            out[q] = ([x["offset"] for x in r["records"]], [x["value"]["text"][:5] for x in r["records"]],
                      r["next_offset"])
        return out

    warm = browse()
    assert warm["offset=9&limit=7"][0] == list(range(9, 16))
    assert warm["timestamp=%d&limit=3" % (base + 5002)][:2] == ([22, 23, 24], ["5-2:F", "5-3:F", "6-0:G"])
    assert warm["from=end&limit=5"][0] == list(range(27, 32))
    paths = b.segment_files(topic, 0)
    drop_or_skip(paths)
    assert browse() == warm
    assert resident_bytes(paths) > 0, "read in while answering"
