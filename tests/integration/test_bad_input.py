"""Hostile and malformed input on raw sockets, with frames built by hand
(kafka_wire.py), plus exact protocol checks real clients depend on
(ApiVersions header/format rules, error codes on Produce and Fetch).

After every abuse the broker must still serve a fresh client."""

import os
import socket
import struct
import threading
import time

import pytest

import kafka_wire as w
from sluice_harness import broker_alive, run, unique, wait_until

T = 5.0  # seconds for any single answer or close


# --------------------------------------------------------------------------
# helpers

def make_broker(factory, **overrides):
    conf = {"num.partitions": "1", "auto.create.topics.enable": "true"}
    conf.update({k.replace("_", "."): v for k, v in overrides.items()})
    return factory(conf)


def assert_alive(broker):
    assert broker.running(), "sluiced died:\n" + broker.log_tail()
    assert broker_alive(broker.port, T), "fresh ApiVersions request not answered"


def ensure_topic(port, topic):
    """Metadata v1 for the topic (auto-creates it) until it has a leader."""
    cid = [100]

    def ready():
        with w.connect(port, T) as s:
            cid[0] += 1
            md = w.parse_metadata_v1(w.roundtrip(s, w.API_METADATA, 1, cid[0],
                                                 w.metadata_v1_body([topic])))
        [t] = md["topics"]
        assert t["name"] == topic
        return t["error_code"] == 0 and t["partitions"] and all(
            p["leader"] == 0 and p["error_code"] == 0 for p in t["partitions"]) and t

    return wait_until(ready, 10, "topic %s to be auto-created with a leader" % topic, 0.1)


def produce_v3(port, topic, partition, batch, cid=11):
    with w.connect(port, T) as s:
        r = w.roundtrip(s, w.API_PRODUCE, 3, cid, w.produce_v3_body(topic, partition, batch))
        topics, throttle = w.parse_produce_v3(r)
    assert list(topics) == [topic]
    assert list(topics[topic]) == [partition]
    return topics[topic][partition]


def fetch_v4(port, topic, partition, offset, cid=12):
    with w.connect(port, T) as s:
        r = w.roundtrip(s, w.API_FETCH, 4, cid, w.fetch_v4_body(topic, partition, offset))
        _, topics = w.parse_fetch_v4(r)
    assert list(topics) == [topic]
    return topics[topic][partition]


def simple_batch(n=3, value_size=10, ts=None):
    ts = ts or int(time.time() * 1000)
    return w.record_batch([(b"k%d" % i, bytes([65 + i]) * value_size, [("h", b"v%d" % i)], ts + i)
                           for i in range(n)], base_timestamp=ts)


def expect_closed(sock, what):
    assert w.wait_closed(sock, T), "broker kept the connection open after %s" % what


# --------------------------------------------------------------------------
# the codec itself (no broker needed)

def test_crc32c_check_value():
    assert w.crc32c(b"123456789") == 0xE3069283
    assert w.crc32c(b"") == 0
    # incremental use gives the same answer
    assert w.crc32c(b"6789", w.crc32c(b"12345")) == 0xE3069283


def test_record_batch_builder_matches_kafka_python():
    from kafka.record.default_records import DefaultRecordBatch
    ts = 1700000000000
    recs = [(b"key-a", b"value-a", [("h1", b"x")], ts),
            (None, b"value-b", [], ts + 5),
            (b"key-c", None, [("h2", b""), ("h3", None)], ts + 9)]
    batch = w.record_batch(recs, base_offset=42, base_timestamp=ts)
    assert w.batch_crc_ok(batch)
    h = w.parse_batch_header(batch)
    assert (h["base_offset"], h["magic"], h["record_count"], h["last_offset_delta"],
            h["max_timestamp"]) == (42, 2, 3, 2, ts + 9)
    assert h["batch_length"] == len(batch) - 12

    kb = DefaultRecordBatch(batch)
    assert kb.validate_crc()
    got = [(r.offset, r.timestamp, r.key, r.value, list(r.headers)) for r in kb]
    assert got == [(42 + i, t, k, v, hs) for i, (k, v, hs, t) in enumerate(recs)]
    assert [(r["offset"], r["timestamp"], r["key"], r["value"], r["headers"])
            for r in w.parse_records(batch)] == got

    bad = bytearray(batch)
    bad[-3] ^= 0x01
    assert not w.batch_crc_ok(bytes(bad))
    assert not DefaultRecordBatch(bytes(bad)).validate_crc()
    # The CRC does not cover base offset, length or partition leader epoch.
    moved = bytearray(batch)
    moved[0:8] = w.int64(7)
    moved[12:16] = w.int32(5)
    assert w.batch_crc_ok(bytes(moved))


def test_request_frame_layout():
    f = w.request(18, 0, 7, b"", client_id="c")
    assert f == b"\x00\x00\x00\x0b" + b"\x00\x12" + b"\x00\x00" + b"\x00\x00\x00\x07" \
        + b"\x00\x01c"
    f2 = w.request(18, 3, 7, w.api_versions_v3_body("n", "v"), flexible=True, client_id="c")
    assert f2 == b"\x00\x00\x00\x11" + b"\x00\x12\x00\x03\x00\x00\x00\x07\x00\x01c" + b"\x00" \
        + b"\x02n\x02v\x00"
    assert w.varint(-1) == b"\x01" and w.varint(1) == b"\x02" and w.varint(-64) == b"\x7f"
    assert w.uvarint(300) == b"\xac\x02"
    assert w.Reader(w.varint(-123456789)).varint() == -123456789


# --------------------------------------------------------------------------
# ApiVersions

@pytest.mark.parametrize("version", [0, 1, 2])
def test_api_versions_non_flexible(broker, version):
    with w.connect(broker.port, T) as s:
        r = w.roundtrip(s, w.API_API_VERSIONS, version, 1000 + version, b"")
        err = r.int16()
        entries = r.array(lambda rr: (rr.int16(), rr.int16(), rr.int16()))
        if version >= 1:
            r.int32()  # throttle_time_ms
        r.expect_end()
    assert err == 0
    keys = {k: (lo, hi) for k, lo, hi in entries}
    assert len(keys) == len(entries), "duplicate api keys in %r" % entries
    for k in (0, 1, 3):  # Produce, Fetch, Metadata: full ranges from v0
        assert k in keys, "api key %d not advertised: %r" % (k, keys)
        assert keys[k][0] == 0, "api key %d min version %d, clients need 0" % (k, keys[k][0])
    assert keys[0][1] >= 3 and keys[1][1] >= 4, "record batch v2 needs Produce v3 + Fetch v4"
    assert 18 in keys and keys[18][0] == 0 and keys[18][1] >= 3
    for k, (lo, hi) in keys.items():
        assert 0 <= lo <= hi, (k, lo, hi)


def test_api_versions_v3_flexible_body_with_response_header_v0(broker):
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.request(w.API_API_VERSIONS, 3, 31, w.api_versions_v3_body(),
                                flexible=True))
        resp = w.recv_frame(s, T)
    r = w.Reader(resp)
    assert r.int32() == 31
    # Response header v0: the body starts right after the correlation id.
    # A tagged-fields byte here would shift everything and break the strict
    # parse below (which must consume the frame exactly).
    err, keys, throttle, _tags = w.parse_api_versions_v3(r)
    assert err == 0
    assert keys[18][0] == 0 and keys[18][1] >= 3
    assert keys[0][0] == 0 and keys[1][0] == 0
    assert throttle >= 0


def test_api_versions_unknown_version_answers_35_in_v0_format_and_keeps_connection(broker):
    with w.connect(broker.port, T) as s:
        # A client newer than the broker: flexible header v2 and a v3-style body.
        w.send_all(s, w.request(w.API_API_VERSIONS, 99, 77, w.api_versions_v3_body(),
                                flexible=True))
        resp = w.recv_frame(s, T)
        r = w.Reader(resp)
        assert r.int32() == 77
        err, keys = w.parse_api_versions_v0(r)  # strict v0 layout, nothing after
        assert err == 35, "UNSUPPORTED_VERSION expected, got %d" % err
        assert 18 in keys, "the v0 answer must list ApiVersions so the client can retry lower"
        assert keys[18][0] == 0 and keys[18][1] >= 3

        # The connection stays usable: the client retries with a lower version.
        r = w.roundtrip(s, w.API_API_VERSIONS, 0, 78, b"")
        err, keys = w.parse_api_versions_v0(r)
        assert err == 0 and 0 in keys


def test_pipelined_requests_are_answered_in_order(broker):
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.request(w.API_API_VERSIONS, 0, 1, b"")
                   + w.request(w.API_METADATA, 1, 2, w.metadata_v1_body([]))
                   + w.request(w.API_API_VERSIONS, 2, 3, b""))
        cids = []
        for _ in range(3):
            cids.append(w.Reader(w.recv_frame(s, T)).int32())
    assert cids == [1, 2, 3]


def test_burst_of_tiny_requests_in_one_write_is_answered_in_order(broker):
    # Thousands of frames arrive in a few reads; each is answered once, in
    # order, and the broker neither recurses per buffered frame nor queues
    # answers without bound while this client is not reading yet.
    n = 3000
    with w.connect(broker.port, 30) as s:
        data = b"".join(w.request(w.API_API_VERSIONS, 0, cid, b"") for cid in range(n))
        # Sent from a thread: the broker stops reading while its answers
        # wait, so a blocking sendall here could never finish.
        sender = threading.Thread(target=w.send_all, args=(s, data))
        sender.start()
        cids = [w.Reader(w.recv_frame(s, 30)).int32() for _ in range(n)]
        sender.join(30)
    assert cids == list(range(n))
    assert_alive(broker)


def test_request_sent_one_byte_at_a_time_is_answered(broker):
    frame = w.request(w.API_METADATA, 1, 42, w.metadata_v1_body([]))
    with w.connect(broker.port, T) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(frame)):
            w.send_all(s, frame[i:i + 1])
            time.sleep(0.001)
        r = w.recv_frame(s, T)
    assert w.Reader(r).int32() == 42


def test_frame_larger_than_read_buffer_split_across_reads(broker):
    # A Metadata request naming 2,000 topics (~40 KB) arrives in pieces with
    # pauses between them, and is followed in the same write by a second
    # request: both are answered, in order. The names are invalid, so
    # nothing is auto-created.
    names = ["split!%05d-%s" % (i, "x" * 8) for i in range(2000)]
    big = w.request(w.API_METADATA, 1, 7, w.metadata_v1_body(names))
    small = w.request(w.API_API_VERSIONS, 0, 8, b"")
    data = big + small
    assert len(big) > 16 * 1024
    with w.connect(broker.port, T) as s:
        for at in range(0, len(data), 5000):
            w.send_all(s, data[at:at + 5000])
            time.sleep(0.01)
        first = w.Reader(w.recv_frame(s, T))
        second = w.Reader(w.recv_frame(s, T))
    assert first.int32() == 7
    md = w.parse_metadata_v1(first)
    assert sorted(t["name"] for t in md["topics"]) == names
    assert {t["error_code"] for t in md["topics"]} == {17}  # INVALID_TOPIC_EXCEPTION
    assert second.int32() == 8


# --------------------------------------------------------------------------
# framing abuse

def test_http_garbage_closes_connection_broker_keeps_serving(broker):
    with w.connect(broker.port, T) as s:
        w.send_all(s, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        expect_closed(s, "an HTTP request")
    assert_alive(broker)
    run(["kcat", "-b", broker.bootstrap, "-L", "-m", "10"], timeout=30)


def test_garbage_frame_closes_connection(broker):
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.int32(12) + b"\xff" * 12)
        expect_closed(s, "a frame of 0xff bytes")
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.int32(64) + os.urandom(64))
        w.wait_closed(s, 1)  # random: may or may not parse; only liveness matters
    assert_alive(broker)


@pytest.mark.parametrize("length", [-1, -5, -2 ** 31])
def test_negative_frame_length_closes_connection(broker, length):
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.int32(length) + b"\x00" * 16)
        expect_closed(s, "frame length %d" % length)
    assert_alive(broker)


def test_frame_over_socket_request_max_bytes_closes_without_waiting_for_body(broker_factory):
    b = make_broker(broker_factory, socket_request_max_bytes="1048576")
    with w.connect(b.port, T) as s:
        # Claim 2 MiB but send only a header's worth: the broker must refuse on
        # the size alone, not wait for (or allocate) the body.
        w.send_all(s, w.int32(2 * 1024 * 1024)
                   + w.request_header_v1(w.API_API_VERSIONS, 0, 5))
        expect_closed(s, "a 2 MiB frame with socket.request.max.bytes=1 MiB")
    assert_alive(b)
    # A frame under the limit is still fine on a new connection.
    with w.connect(b.port, T) as s:
        r = w.roundtrip(s, w.API_METADATA, 1, 6, w.metadata_v1_body(["x" * 1000]))
        w.parse_metadata_v1(r)


def test_truncated_request_then_disconnect(broker):
    s1 = w.connect(broker.port, T)
    try:
        w.send_all(s1, w.int32(100) + b"\x00\x12\x00\x00\x00\x00\x00\x01\x00\x00")
        # While that request hangs half-sent, other clients are served.
        assert_alive(broker)
    finally:
        s1.close()
    assert_alive(broker)
    # Same, but the client vanishes with a reset instead of a FIN.
    s2 = w.connect(broker.port, T)
    w.send_all(s2, w.int32(100) + b"\x00" * 10)
    s2.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s2.close()
    assert_alive(broker)


@pytest.mark.parametrize("api_key,api_version", [(9999, 0), (-1, 0), (3, 999)],
                         ids=["unknown-key-9999", "key-minus-1", "metadata-v999"])
def test_unknown_api_or_version_closes_connection(broker, api_key, api_version):
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.request(api_key, api_version, 9, b"\x00" * 8))
        expect_closed(s, "api key %d version %d" % (api_key, api_version))
    assert_alive(broker)


@pytest.mark.parametrize("body", [
    w.int32(1_000_000) + w.string("a"),            # array count far beyond the frame
    w.int32(2) + w.int16(30000) + b"abc",          # string length beyond the frame
], ids=["lying-array-count", "lying-string-length"])
def test_malformed_metadata_request(broker, body):
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.request(w.API_METADATA, 1, 44, body))
        try:
            resp = w.recv_frame(s, T)
        except w.Closed:
            resp = None  # what Kafka does: close the connection
        except TimeoutError:
            pytest.fail("broker neither answered nor closed the connection")
    if resp is not None:
        # An answer is acceptable only if it is a well-formed Metadata v1
        # response to this request that creates nothing bogus.
        r = w.Reader(resp)
        assert r.int32() == 44
        md = w.parse_metadata_v1(r)
        assert all(t["error_code"] != 0 or t["name"] == "ok" for t in md["topics"])
    assert_alive(broker)


def test_trailing_bytes_after_a_body_are_ignored(broker):
    """Kafka reads the fields it knows and ignores what follows them."""
    topic = unique("trail")
    ensure_topic(broker.port, topic)
    with w.connect(broker.port, T) as s:
        r = w.roundtrip(s, w.API_METADATA, 1, 44, w.metadata_v1_body([topic]) + b"\x00\x01\x02")
        [t] = w.parse_metadata_v1(r)["topics"]
        assert t["name"] == topic and t["error_code"] == 0
        # The connection stays usable for the next request.
        w.parse_metadata_v1(w.roundtrip(s, w.API_METADATA, 1, 45, w.metadata_v1_body([topic])))
    assert_alive(broker)


def test_librdkafka_215_all_topics_metadata_request_is_answered(broker):
    """The frame librdkafka 2.15 sends for list_topics(): a 4-byte
    placeholder where the null topics array belongs. Kafka reads the null
    array and ignores the trailing bytes; so must we (captured with
    tests/unit/protocol/golden/capture.py from kcat on librdkafka 2.15.0)."""
    topic = unique("all")
    ensure_topic(broker.port, topic)
    captured = bytes.fromhex("0003000d00000003000772646b61666b610000000000010000")
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.frame(captured))
        r = w.Reader(w.recv_frame(s, T))
        assert r.int32() == 3
        md = w.parse_metadata_v13(r)
    assert md["error_code"] == 0
    assert [(b["node_id"], b["port"]) for b in md["brokers"]] == [(0, broker.port)]
    assert topic in [t["name"] for t in md["topics"]]
    assert_alive(broker)


def fetch_v12_empty_body(tags):
    """Fetch v12 asking for nothing, with the given top-level tag section."""
    return (w.int32(-1) + w.int32(0) + w.int32(0) + w.int32(1 << 20) + w.int8(0) + w.int32(0) + w.int32(-1)
            + w.uvarint(1) + w.uvarint(1) + w.compact_string("") + tags)


def parse_fetch_v12_top(r):
    r.tagged_fields()  # response header v1
    return dict(throttle=r.int32(), error_code=r.int16(), session_id=r.int32())


def test_unknown_tagged_fields_are_skipped(broker):
    # In the request header (v2) and in the body: both ignored, as by Kafka.
    header = w.request_header_v1(w.API_FETCH, 12, 61) + w.uvarint(1) + w.uvarint(5) + w.uvarint(2) + b"xx"
    body = fetch_v12_empty_body(w.uvarint(1) + w.uvarint(9) + w.uvarint(3) + b"abc")
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.frame(header + body))
        r = w.Reader(w.recv_frame(s, T))
        assert r.int32() == 61
        assert parse_fetch_v12_top(r)["error_code"] == 0
    assert_alive(broker)


def test_known_tagged_field_is_read_by_its_type_not_its_size(broker):
    """Kafka decodes a known tag (Fetch's ClusterId, tag 0) by its type and
    never checks the size before it: a size of 1 before the 3-byte string
    "ab" is read fine, and the next tag follows the string."""
    tags = w.uvarint(2) + w.uvarint(0) + w.uvarint(1) + w.compact_string("ab") + w.uvarint(9) + w.uvarint(0)
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.request(w.API_FETCH, 12, 62, fetch_v12_empty_body(tags), flexible=True))
        r = w.Reader(w.recv_frame(s, T))
        assert r.int32() == 62
        assert parse_fetch_v12_top(r)["error_code"] == 0
    assert_alive(broker)


def test_tag_section_running_past_the_body_closes_the_connection(broker):
    # Two tags announced, one present: the body ends early, which Kafka
    # answers by closing the connection.
    tags = w.uvarint(2) + w.uvarint(9) + w.uvarint(1) + b"x"
    with w.connect(broker.port, T) as s:
        w.send_all(s, w.request(w.API_FETCH, 12, 63, fetch_v12_empty_body(tags), flexible=True))
        expect_closed(s, "a tag section running past the body")
    assert_alive(broker)


# --------------------------------------------------------------------------
# Produce / Fetch error codes

def test_produce_v3_corrupt_crc_is_corrupt_message(broker_factory):
    b = make_broker(broker_factory)
    topic = unique("raw-crc")
    ensure_topic(b.port, topic)
    good = simple_batch(3)
    bad = bytearray(good)
    bad[-2] ^= 0x40  # a byte of the last record's header value
    assert not w.batch_crc_ok(bytes(bad))

    res = produce_v3(b.port, topic, 0, bytes(bad))
    assert res["error_code"] == 2, "CORRUPT_MESSAGE expected: %r" % res

    res = produce_v3(b.port, topic, 0, good)
    assert res["error_code"] == 0, res
    assert res["base_offset"] == 0, "the corrupt batch must not have taken offsets"

    f = fetch_v4(b.port, topic, 0, 0)
    assert f["error_code"] == 0
    assert f["high_watermark"] == 3
    batches = w.split_batches(f["records"])
    assert len(batches) == 1
    assert w.batch_crc_ok(batches[0])
    # Stored exactly as produced: everything from the magic byte on is ours.
    assert batches[0][16:] == good[16:]
    assert [r["value"] for r in w.parse_records(batches[0])] == [b"A" * 10, b"B" * 10, b"C" * 10]


def test_produce_v3_batch_over_message_max_bytes_is_message_too_large(broker_factory):
    b = make_broker(broker_factory, message_max_bytes="10000")
    topic = unique("raw-big")
    ensure_topic(b.port, topic)
    big = w.record_batch([(None, b"x" * 20000, [])])
    res = produce_v3(b.port, topic, 0, big)
    assert res["error_code"] == 10, "MESSAGE_TOO_LARGE expected: %r" % res
    small = w.record_batch([(None, b"y" * 5000, [])])
    res = produce_v3(b.port, topic, 0, small)
    assert (res["error_code"], res["base_offset"]) == (0, 0)
    assert fetch_v4(b.port, topic, 0, 0)["high_watermark"] == 1


def test_produce_to_missing_partition_is_unknown_topic_or_partition(broker_factory):
    b = make_broker(broker_factory)
    topic = unique("raw-part")
    t = ensure_topic(b.port, topic)
    assert len(t["partitions"]) == 1
    res = produce_v3(b.port, topic, 5, simple_batch(1))
    assert res["error_code"] == 3, "UNKNOWN_TOPIC_OR_PARTITION expected: %r" % res
    assert not os.path.exists(b.partition_dir(topic, 5))


def test_fetch_beyond_end_is_offset_out_of_range(broker_factory):
    b = make_broker(broker_factory)
    topic = unique("raw-fetch")
    ensure_topic(b.port, topic)
    assert produce_v3(b.port, topic, 0, simple_batch(3))["error_code"] == 0

    f = fetch_v4(b.port, topic, 0, 100)
    assert f["error_code"] == 1, "OFFSET_OUT_OF_RANGE expected: %r" % f

    # At exactly the end: no error, no records, the high watermark.
    f = fetch_v4(b.port, topic, 0, 3)
    assert f["error_code"] == 0
    assert f["high_watermark"] == 3
    assert not f["records"]

    # From the middle: the batch holding offset 1 is returned whole.
    f = fetch_v4(b.port, topic, 0, 1)
    assert f["error_code"] == 0
    [batch] = w.split_batches(f["records"])
    assert [r["offset"] for r in w.parse_records(batch)] == [0, 1, 2]


# --------------------------------------------------------------------------
# out of file descriptors

def test_out_of_descriptors_is_a_storage_error_and_the_broker_recovers(broker_factory):
    from confluent_kafka.admin import AdminClient, NewTopic
    b = make_broker(broker_factory)
    # Far below what 400 partitions need (one descriptor each).
    run(["prlimit", "--pid", str(b.pid), "--nofile=150:"])
    a = AdminClient({"bootstrap.servers": b.bootstrap})
    fut = a.create_topics([NewTopic("too-many-fds", 400, 1)], operation_timeout=20)["too-many-fds"]
    with pytest.raises(Exception) as err:
        fut.result(30)
    assert err.value.args[0].code() == 56, err.value  # KAFKA_STORAGE_ERROR
    assert_alive(b)
    # Nothing of the failed topic is left, and its name can be used once
    # descriptors are back.
    md = a.list_topics(timeout=10)
    assert "too-many-fds" not in md.topics
    # Deleting the created partitions is background work; a delete that
    # runs out of descriptors is retried.
    deadline = time.monotonic() + 20
    while [d for d in os.listdir(b.data_dir) if d.startswith("too-many-fds-")] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [d for d in os.listdir(b.data_dir) if d.startswith("too-many-fds-")]
    run(["prlimit", "--pid", str(b.pid), "--nofile=4096:"])
    a.create_topics([NewTopic("too-many-fds", 40, 1)], operation_timeout=20)["too-many-fds"].result(30)
    run(["kcat", "-b", b.bootstrap, "-P", "-t", "too-many-fds", "-p", "39"], input=b"after\n")
    out = run(["kcat", "-b", b.bootstrap, "-C", "-t", "too-many-fds", "-p", "39", "-o", "beginning", "-e"])
    assert out.stdout.strip() == b"after"


def test_accept_out_of_descriptors_backs_off_and_resumes(broker_factory):
    b = make_broker(broker_factory)
    run(["prlimit", "--pid", str(b.pid), "--nofile=64:"])
    held = []
    try:
        # More connections than descriptors: the rest wait in the backlog
        # while the broker's accept fails with EMFILE.
        for _ in range(100):
            held.append(socket.create_connection(("127.0.0.1", b.port), timeout=T))
        time.sleep(1.0)
        log = b.log_tail(200000)
        failures = log.count("accept failed")
        assert 1 <= failures < 50, "accept retried %d times in ~1 s (a spin)" % failures
        assert b.running()
    finally:
        for s in held:
            s.close()
    run(["prlimit", "--pid", str(b.pid), "--nofile=4096:"])
    assert_alive(b)
