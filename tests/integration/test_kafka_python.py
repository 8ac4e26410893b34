"""kafka-python 2.0.2 against sluiced. kafka-python uses no flexible versions
and guesses the broker version from ApiVersions v0 (plus Metadata v0
probes), then picks request versions from that guess -- so these tests
cover the old, non-flexible paths (Produce <=7, Fetch <=4, Metadata v1) and
its own compression framings (e.g. xerial-framed snappy)."""

import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.conn import BrokerConnection
from kafka.errors import TopicAlreadyExistsError

import kafka_wire as w
from sluice_harness import CODECS, codecs_in, unique, wait_until

T = 15


def advertised_versions(port):
    with w.connect(port) as s:
        r = w.roundtrip(s, w.API_API_VERSIONS, 0, 1, w.api_versions_v0_body())
        err, keys = w.parse_api_versions_v0(r)
    assert err == 0
    return keys


def new_producer(broker, **kw):
    conf = dict(bootstrap_servers=broker.bootstrap, api_version=None, request_timeout_ms=10000,
                max_block_ms=T * 1000, linger_ms=20, retries=3)
    conf.update(kw)
    return KafkaProducer(**conf)


def new_consumer(broker, **kw):
    conf = dict(bootstrap_servers=broker.bootstrap, api_version=None, group_id=None,
                enable_auto_commit=False, auto_offset_reset="none", fetch_max_wait_ms=100,
                request_timeout_ms=11000)
    conf.update(kw)
    return KafkaConsumer(**conf)


def new_admin(broker):
    return KafkaAdminClient(bootstrap_servers=broker.bootstrap, api_version=None,
                            request_timeout_ms=T * 1000)


def consume_all(broker, topic, count, partition=0):
    c = new_consumer(broker)
    try:
        tp = TopicPartition(topic, partition)
        c.assign([tp])
        c.seek_to_beginning(tp)
        out = []
        deadline = time.monotonic() + T
        while len(out) < count and time.monotonic() < deadline:
            for recs in c.poll(timeout_ms=200).values():
                out.extend(recs)
        assert len(out) == count, "got %d of %d records in %d s" % (len(out), count, T)
        assert c.end_offsets([tp])[tp] == count
        assert c.beginning_offsets([tp])[tp] == 0
        return out
    finally:
        c.close()


def test_version_probe_matches_advertised_versions(broker):
    keys = advertised_versions(broker.port)
    expected = BrokerConnection._infer_broker_version_from_api_versions(None, keys)
    p = new_producer(broker)
    try:
        probed = p.config["api_version"]
    finally:
        p.close(timeout=5)
    c = new_consumer(broker)
    try:
        assert c.config["api_version"] == probed
    finally:
        c.close()
    assert probed == expected, \
        "kafka-python guessed %r, the advertised versions imply %r" % (probed, expected)
    # Record batch v2 (headers) and zstd need what a 2.1+ broker advertises
    # (Fetch v10 / Produce v7); a broker serving Fetch 0-11 implies >= (2, 3).
    assert probed >= (2, 1, 0), "advertised versions %r only imply %r" % (keys, probed)


CASES = [(acks, codec) for codec in (None, "gzip", "snappy", "lz4", "zstd") for acks in (1, "all")]


@pytest.mark.parametrize("acks,codec", CASES, ids=["%s-acks%s" % (c, a) for a, c in CASES])
def test_produce_then_assign_consume(broker, acks, codec):
    topic = unique("kp-%s" % codec)
    n = 120
    base = int(time.time() * 1000) - 600000
    p = new_producer(broker, acks=acks, compression_type=codec)
    try:
        futs = []
        for i in range(n):
            futs.append(p.send(topic, key=b"key-%d" % (i % 5),
                               value=(b"%d kafka-python %s " % (i, str(codec).encode())) * 10,
                               headers=[("idx", b"%d" % i), ("empty", b"")],
                               partition=0, timestamp_ms=base + i))
        p.flush(timeout=T)
        metas = [f.get(timeout=T) for f in futs]
    finally:
        p.close(timeout=5)
    assert [(m.partition, m.offset) for m in metas] == [(0, i) for i in range(n)]

    recs = consume_all(broker, topic, n)
    for i, r in enumerate(recs):
        assert r.offset == i
        assert r.key == b"key-%d" % (i % 5)
        assert r.value == (b"%d kafka-python %s " % (i, str(codec).encode())) * 10
        assert list(r.headers) == [("idx", b"%d" % i), ("empty", b"")]
        assert r.timestamp == base + i
        assert r.timestamp_type == 0  # CreateTime

    segs = broker.segment_files(topic, 0)
    assert segs
    want = CODECS[codec or "none"]
    assert codecs_in(segs) == {want}, \
        "stored batches carry codecs %r, expected only %d" % (codecs_in(segs), want)


def test_admin_create_describe_delete(broker):
    topic = unique("kp-admin")
    a = new_admin(broker)
    try:
        resp = a.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1,
                                         topic_configs={"retention.ms": "3600000"})],
                               timeout_ms=T * 1000)
        assert all(e[1] == 0 for e in resp.topic_errors), resp
        wait_until(lambda: topic in a.list_topics(), T, "topic listed")

        with pytest.raises(TopicAlreadyExistsError):
            a.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)],
                            timeout_ms=T * 1000)

        [resp] = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        [(err, _msg, rtype, rname, entries)] = resp.resources
        assert err == 0
        assert rname == topic
        byname = {e[0]: e for e in entries}
        e = byname["retention.ms"]
        assert e[1] == "3600000"
        if resp.API_VERSION == 0:
            assert e[3] is False  # is_default
        else:
            assert e[3] == 1  # config_source DYNAMIC_TOPIC_CONFIG
        assert byname["cleanup.policy"][1] == "delete"

        [bresp] = a.describe_configs([ConfigResource(ConfigResourceType.BROKER, "0")])
        [(berr, _m, _t, bname, bentries)] = bresp.resources
        assert berr == 0 and bname == "0"
        assert {e[0]: e[1] for e in bentries}["message.max.bytes"] == "1048588"

        resp = a.delete_topics([topic], timeout_ms=T * 1000)
        assert all(e[1] == 0 for e in resp.topic_error_codes), resp
        wait_until(lambda: topic not in a.list_topics(), T, "deleted topic gone from metadata")
    finally:
        a.close()
