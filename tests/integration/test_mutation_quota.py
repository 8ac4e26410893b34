"""controller_mutation_rate (KIP-599): CreateTopics, CreatePartitions and
DeleteTopics count the partitions they create or delete against the
client's quota. Versions that know THROTTLING_QUOTA_EXCEEDED (CreateTopics
v6+, CreatePartitions v3+, DeleteTopics v5+) have the topics that find the
quota already exceeded refused with it (a topic that finds it under is done
whole); older versions are done and only throttled. Raw requests for the
exact answers, confluent-kafka's AdminClient for a real client slowed down."""

import time

import kafka_wire as kw
from confluent_kafka.admin import NewTopic
from sluice_harness import admin, topic_names, unique, wait_until
from test_quotas import alter

NONE = 0
THROTTLING_QUOTA_EXCEEDED = 89
TOPIC_ALREADY_EXISTS = 36
INVALID_TOPIC_EXCEPTION = 17
API_CREATE_TOPICS = 19
API_DELETE_TOPICS = 20
API_CREATE_PARTITIONS = 37


def send(sock, api_key, version, body, client_id, cid=1):
    kw.send_all(sock, kw.request(api_key, version, cid, body, flexible=True, client_id=client_id))
    r = kw.Reader(kw.recv_frame(sock, 10.0))
    assert r.int32() == cid
    r.tagged_fields()
    return r


def create_topics(sock, version, topics, client_id, validate_only=False):
    """topics: [(name, partitions)]; (throttle_time_ms, [(name, error)])."""
    body = (kw.compact_array(topics, lambda t: kw.compact_string(t[0]) + kw.int32(t[1]) + kw.int16(1)
                             + kw.compact_array([]) + kw.compact_array([]) + kw.uvarint(0))
            + kw.int32(10000) + kw.int8(1 if validate_only else 0) + kw.uvarint(0))
    r = send(sock, API_CREATE_TOPICS, version, body, client_id)
    throttle = r.int32()

    def config(r):
        r.compact_string(), r.compact_string(), r.int8(), r.int8(), r.int8()
        r.tagged_fields()

    def topic(r):
        name = r.compact_string()
        if version >= 7:
            r.take(16)
        code = r.int16()
        r.compact_string()
        r.int32(), r.int16()
        r.compact_array(config)
        r.tagged_fields()
        return name, code
    out = r.compact_array(topic)
    r.tagged_fields()
    r.expect_end()
    return throttle, out


def create_partitions(sock, version, topics, client_id):
    """topics: [(name, new count)]; (throttle_time_ms, [(name, error)])."""
    body = (kw.compact_array(topics, lambda t: kw.compact_string(t[0]) + kw.int32(t[1]) + kw.uvarint(0)
                             + kw.uvarint(0))
            + kw.int32(10000) + kw.int8(0) + kw.uvarint(0))
    r = send(sock, API_CREATE_PARTITIONS, version, body, client_id)
    throttle = r.int32()

    def result(r):
        name, code = r.compact_string(), r.int16()
        r.compact_string()
        r.tagged_fields()
        return name, code
    out = r.compact_array(result)
    r.tagged_fields()
    r.expect_end()
    return throttle, out


def delete_topics(sock, version, names, client_id):
    """By name (v4/v5); (throttle_time_ms, [(name, error)])."""
    body = kw.compact_array(names, kw.compact_string) + kw.int32(10000) + kw.uvarint(0)
    r = send(sock, API_DELETE_TOPICS, version, body, client_id)
    throttle = r.int32()

    def result(r):
        name, code = r.compact_string(), r.int16()
        if version >= 5:
            r.compact_string()
        r.tagged_fields()
        return name, code
    out = r.compact_array(result)
    r.tagged_fields()
    r.expect_end()
    return throttle, out


def limit(port, client_id, rate):
    assert alter(port, [([("client-id", client_id)], [("controller_mutation_rate", rate)])]) == [(NONE, None)]


def test_strict_versions_refuse_the_topics_over_the_quota(broker_factory):
    b = broker_factory()
    cid = unique("mut")
    limit(b.port, cid, 2.0)  # 2 partitions/s, a burst of one 1 s window
    a, c, d, existing = unique("a"), unique("b"), unique("c"), unique("x")
    with kw.connect(b.port) as s:
        assert create_topics(s, 6, [(existing, 1)], unique("other")) == (0, [(existing, NONE)])
    with kw.connect(b.port) as s:
        # a fits; b finds the quota not yet exceeded and is done whole (the
        # burst); c finds it exceeded; an existing topic gets its own error.
        throttle, got = create_topics(s, 6, [(a, 2), (c, 2), (d, 1), (existing, 1)], cid)
        assert got == [(a, NONE), (c, NONE), (d, THROTTLING_QUOTA_EXCEEDED), (existing, TOPIC_ALREADY_EXISTS)]
        assert 500 <= throttle <= 1000
    assert d not in topic_names(b.bootstrap)
    with kw.connect(b.port) as s:
        # Still over: validate_only and invalid names are answered as without a quota.
        e = unique("e")
        assert create_topics(s, 6, [(e, 50)], cid, validate_only=True) == (0, [(e, NONE)])
        assert create_topics(s, 6, [("bad name", 1)], cid) == (0, [("bad name", INVALID_TOPIC_EXCEPTION)])
    time.sleep(2.1)  # the debt is repaid
    with kw.connect(b.port) as s:
        # As Kafka's strict quota: a request that only goes over is done and
        # not throttled; the next one is refused and throttled.
        f, g = unique("f"), unique("g")
        assert create_topics(s, 6, [(f, 5)], cid) == (0, [(f, NONE)])
        throttle, got = create_topics(s, 6, [(g, 1)], cid)
        assert got == [(g, THROTTLING_QUOTA_EXCEEDED)] and 1000 <= throttle <= 1500
    # Another client id has no quota: not refused, not throttled.
    with kw.connect(b.port) as s:
        assert create_topics(s, 6, [(d, 5)], unique("other")) == (0, [(d, NONE)])
    time.sleep(2.1)  # the debt is repaid
    with kw.connect(b.port) as s:
        throttle, got = create_partitions(s, 3, [(a, 6), (c, 3)], cid)
        assert got == [(a, NONE), (c, THROTTLING_QUOTA_EXCEEDED)] and throttle > 0
    time.sleep(2.1)
    with kw.connect(b.port) as s:
        throttle, got = delete_topics(s, 5, [a, c], cid)
        assert got == [(a, NONE), (c, THROTTLING_QUOTA_EXCEEDED)] and throttle > 0
    names = topic_names(b.bootstrap)
    assert a not in names and c in names


def test_older_versions_are_done_and_throttled_with_a_muted_channel(broker_factory):
    b = broker_factory()
    cid = unique("mut")
    limit(b.port, cid, 2.0)
    topics = [(unique("p"), 2) for _ in range(3)]
    with kw.connect(b.port) as s:
        throttle, got = create_topics(s, 5, topics, cid)
        assert got == [(n, NONE) for n, _ in topics]
        assert 1500 <= throttle <= 2000  # 6 partitions at 2/s, 2 of burst
        # KIP-219: the next request is not read until the throttle passed.
        start = time.monotonic()
        throttle2, got = delete_topics(s, 4, [topics[0][0]], cid)
        assert time.monotonic() - start >= throttle / 1000.0 - 0.1
        assert got == [(topics[0][0], NONE)] and throttle2 > 0


def test_an_admin_client_over_its_mutation_rate_is_slowed_down(broker_factory):
    b = broker_factory()
    a = admin(b.bootstrap)

    def create_each(n):
        start = time.monotonic()
        for _ in range(n):
            fs = a.create_topics([NewTopic(unique("q"), num_partitions=10, replication_factor=1)],
                                 request_timeout=30)
            for f in fs.values():
                f.result()
        return time.monotonic() - start

    unlimited = create_each(5)
    # librdkafka sends client.id "rdkafka"; 10 partitions/s with a burst of 10.
    limit(b.port, "rdkafka", 10.0)
    limited = create_each(5)
    # 50 partitions at 10/s: the first request takes the burst, the second
    # goes into debt (a request that finds the sensor under its quota is
    # done whole), each later one waits 1 s for the muted channel: ~3 s.
    assert limited >= 2.7, (unlimited, limited)
    assert unlimited < 2.0, (unlimited, limited)
