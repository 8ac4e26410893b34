"""confluent-kafka-python 1.7 (librdkafka 2.0.2) against sluiced: producer
(acks=all, keys, headers, CreateTime, every codec, oversize), assign()ed
consumer (no group membership: consumer groups are a separate issue),
watermarks, offsets_for_times, and the AdminClient.

This confluent-kafka version has no incremental_alter_configs and no
delete_records (checked below), so those are not exercised here."""

import os
import time

import pytest
from confluent_kafka import (KafkaError, KafkaException, TIMESTAMP_CREATE_TIME, Consumer,
                             TopicPartition)
from confluent_kafka.admin import ConfigResource, ConfigSource, NewPartitions, NewTopic

from sluice_harness import (CODECS, admin, codecs_in, consume, create_topic, produce,
                            topic_names, unique, wait_topic, wait_until, watermarks)

T = 15  # seconds, per admin/client call


# --------------------------------------------------------------------------
# helpers

def admin_error_code(fut):
    """The KafkaError code a failed admin future carries."""
    with pytest.raises(KafkaException) as ei:
        fut.result(T)
    return ei.value.args[0].code()


def source_of(entry):
    s = entry.source
    return s.value if hasattr(s, "value") else int(s)


def describe(bootstrap, restype, name):
    res = ConfigResource(restype, name)
    fs = admin(bootstrap).describe_configs([res], request_timeout=T)
    assert len(fs) == 1
    return list(fs.values())[0].result(T)


def describe_topic(bootstrap, topic):
    return describe(bootstrap, ConfigResource.Type.TOPIC, topic)


def assert_entry(entries, name, value, source):
    assert name in entries, "%s missing from described configs: %s" % (name, sorted(entries))
    e = entries[name]
    assert e.value == value, "%s = %r, expected %r" % (name, e.value, value)
    assert source_of(e) == source.value, "%s source %r, expected %s" % (name, e.source, source)
    assert e.is_default == (source == ConfigSource.DEFAULT_CONFIG), (name, e.is_default)


# --------------------------------------------------------------------------
# producer / consumer

def test_produce_acks_all_keys_headers_timestamps_roundtrip(broker):
    topic = unique("ck-kh")
    create_topic(broker.bootstrap, topic, 1)
    base = int(time.time() * 1000) - 3600 * 1000
    msgs = []
    for i in range(30):
        msgs.append({"key": b"k%03d" % i, "value": b"v%03d" % i, "timestamp": base + 7 * i,
                     "partition": 0,
                     "headers": [("h", b"hv%d" % i), ("dup", b"1"), ("dup", b"2")]})
    msgs.append({"key": b"tombstone", "value": None, "timestamp": base + 1000, "partition": 0})
    msgs.append({"value": b"no key", "timestamp": base + 1001, "partition": 0})

    d = produce(broker.bootstrap, topic, msgs, acks="all")
    assert [(p, o) for p, o, _, _ in d.ok] == [(0, i) for i in range(len(msgs))], \
        "delivery reports must come back in order with contiguous offsets"

    got = consume(broker.bootstrap, topic, 0, 0)
    assert len(got) == len(msgs)
    for i, (m, want) in enumerate(zip(got, msgs)):
        assert m.offset() == i
        assert m.partition() == 0
        assert m.key() == want.get("key")
        assert m.value() == want["value"]
        assert (m.headers() or []) == want.get("headers", [])
        assert m.timestamp() == (TIMESTAMP_CREATE_TIME, want["timestamp"])


def test_acks_1_and_acks_0_are_accepted(broker):
    topic = unique("ck-acks")
    create_topic(broker.bootstrap, topic, 1)
    d1 = produce(broker.bootstrap, topic, [{"value": b"a1-%d" % i} for i in range(5)], acks=1)
    assert len(d1.ok) == 5
    # acks=0: no response is sent; the records must still land.
    produce(broker.bootstrap, topic, [{"value": b"a0-%d" % i} for i in range(5)], acks=0)
    wait_until(lambda: watermarks(broker.bootstrap, topic) == (0, 10), T, "10 records")
    got = consume(broker.bootstrap, topic, 0, 0)
    assert [m.value() for m in got] == [b"a1-%d" % i for i in range(5)] + \
        [b"a0-%d" % i for i in range(5)]


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_compression_codec_roundtrip_and_on_disk(broker, codec):
    topic = unique("ck-" + codec)
    create_topic(broker.bootstrap, topic, 1)
    msgs = [{"key": b"key-%d" % (i % 7), "value": (b"%s payload %04d " % (codec.encode(), i)) * 20,
             "headers": [("n", b"%d" % i)], "partition": 0} for i in range(500)]
    d = produce(broker.bootstrap, topic, msgs, compression_type=codec, linger_ms=50)
    assert sorted(o for _, o, _, _ in d.ok) == list(range(500))

    got = consume(broker.bootstrap, topic, 0, 0)
    assert [(m.offset(), m.key(), m.value(), m.headers()) for m in got] == \
        [(i, m["key"], m["value"], m["headers"]) for i, m in enumerate(msgs)]

    segs = broker.segment_files(topic, 0)
    assert segs
    assert codecs_in(segs) == {CODECS[codec]}, \
        "stored batches carry codecs %r, expected only %s" % (codecs_in(segs), codec)
    assert sum(h.record_count for h in broker.batch_headers(topic, 0)) == 500


def test_assign_at_offset_watermarks_and_offsets_for_times(broker):
    topic = unique("ck-oft")
    create_topic(broker.bootstrap, topic, 1)
    base = int(time.time() * 1000) - 100000
    produce(broker.bootstrap, topic,
            [{"value": b"m%d" % i, "timestamp": base + 100 * i, "partition": 0} for i in range(10)])

    assert watermarks(broker.bootstrap, topic, 0) == (0, 10)

    got = consume(broker.bootstrap, topic, 0, start=6)
    assert [(m.offset(), m.value()) for m in got] == [(i, b"m%d" % i) for i in range(6, 10)]

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": unique("g"),
                  "enable.auto.commit": False})
    try:
        def lookup(ts):
            res = c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=T)
            assert len(res) == 1 and res[0].error is None, res
            return res[0].offset

        assert lookup(base - 1) == 0
        assert lookup(base) == 0
        assert lookup(base + 250) == 3
        assert lookup(base + 900) == 9
        assert lookup(base + 901) == -1  # no record at or after: OFFSET_END
    finally:
        c.close()


def test_message_larger_than_message_max_bytes_is_rejected(broker_factory):
    b = broker_factory({"message.max.bytes": "10000"})
    topic = unique("ck-big")
    create_topic(b.bootstrap, topic, 1)

    # The topic inherits the limit as max.message.bytes.
    assert_entry(describe_topic(b.bootstrap, topic), "max.message.bytes", "10000",
                 ConfigSource.STATIC_BROKER_CONFIG)

    big = os.urandom(20000)  # incompressible, and sent uncompressed anyway
    d = produce(b.bootstrap, topic, [{"value": big, "partition": 0}], check=False,
                message_max_bytes=200000, compression_type="none")
    assert not d.ok
    assert len(d.failed) == 1
    assert d.failed[0][0].code() == KafkaError.MSG_SIZE_TOO_LARGE, d.failed[0][0]

    # The broker still takes records that fit, and the rejected one took no offset.
    d = produce(b.bootstrap, topic, [{"value": os.urandom(5000), "partition": 0}],
                compression_type="none")
    assert [(p, o) for p, o, _, _ in d.ok] == [(0, 0)]
    assert watermarks(b.bootstrap, topic) == (0, 1)


# --------------------------------------------------------------------------
# AdminClient

def test_list_topics_brokers_and_controller(broker):
    topic = unique("ck-list")
    create_topic(broker.bootstrap, topic, 2)
    md = admin(broker.bootstrap).list_topics(timeout=T)
    assert list(md.brokers) == [0]
    assert md.brokers[0].host == "127.0.0.1"
    assert md.brokers[0].port == broker.port
    assert md.controller_id == 0
    t = md.topics[topic]
    assert t.error is None
    assert sorted(t.partitions) == [0, 1]
    for p in t.partitions.values():
        assert p.leader == 0
        assert p.replicas == [0]
        assert p.isrs == [0]


def test_create_topics_partitions_config_and_describe(broker):
    topic = unique("ck-create")
    fs = admin(broker.bootstrap).create_topics(
        [NewTopic(topic, num_partitions=3, replication_factor=1,
                  config={"retention.ms": "3600000"})], request_timeout=T)
    assert fs[topic].result(T) is None
    t = wait_topic(broker.bootstrap, topic, 3, T)
    assert sorted(t.partitions) == [0, 1, 2]

    entries = describe_topic(broker.bootstrap, topic)
    assert_entry(entries, "retention.ms", "3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG)
    assert_entry(entries, "cleanup.policy", "delete", ConfigSource.DEFAULT_CONFIG)
    assert_entry(entries, "segment.bytes", "1073741824", ConfigSource.DEFAULT_CONFIG)

    # Records go to the partition asked for.
    d = produce(broker.bootstrap, topic, [{"value": b"p%d" % p, "partition": p} for p in range(3)])
    assert sorted((p, o) for p, o, _, _ in d.ok) == [(0, 0), (1, 0), (2, 0)]
    for p in range(3):
        assert [m.value() for m in consume(broker.bootstrap, topic, p, 0)] == [b"p%d" % p]


def test_create_topics_validate_only_creates_nothing(broker):
    topic = unique("ck-validate")
    fs = admin(broker.bootstrap).create_topics(
        [NewTopic(topic, num_partitions=2, replication_factor=1)],
        validate_only=True, request_timeout=T)
    assert fs[topic].result(T) is None
    assert topic not in topic_names(broker.bootstrap)
    assert not os.path.exists(broker.partition_dir(topic, 0))
    # ...and it can then really be created.
    create_topic(broker.bootstrap, topic, 2)


def test_create_duplicate_topic_is_topic_already_exists(broker):
    topic = unique("ck-dup")
    create_topic(broker.bootstrap, topic, 1)
    fs = admin(broker.bootstrap).create_topics(
        [NewTopic(topic, num_partitions=1, replication_factor=1)], request_timeout=T)
    assert admin_error_code(fs[topic]) == KafkaError.TOPIC_ALREADY_EXISTS


@pytest.mark.parametrize("name", ["bad name with spaces", "bad/slash", "..", "x" * 250])
def test_create_invalid_topic_name_is_rejected(broker, name):
    fs = admin(broker.bootstrap).create_topics(
        [NewTopic(name, num_partitions=1, replication_factor=1)], request_timeout=T)
    assert admin_error_code(fs[name]) == KafkaError.TOPIC_EXCEPTION  # 17, INVALID_TOPIC_EXCEPTION
    assert name not in topic_names(broker.bootstrap)


def test_describe_broker_config_override_and_default(broker_factory):
    b = broker_factory({"num.partitions": "3", "log.retention.ms": "7200000"})
    entries = describe(b.bootstrap, ConfigResource.Type.BROKER, "0")
    assert_entry(entries, "num.partitions", "3", ConfigSource.STATIC_BROKER_CONFIG)
    assert_entry(entries, "log.retention.ms", "7200000", ConfigSource.STATIC_BROKER_CONFIG)
    assert_entry(entries, "message.max.bytes", "1048588", ConfigSource.DEFAULT_CONFIG)

    # A topic without overrides inherits the broker's static value.
    topic = unique("ck-inherit")
    create_topic(b.bootstrap, topic, 1)
    tentries = describe_topic(b.bootstrap, topic)
    assert_entry(tentries, "retention.ms", "7200000", ConfigSource.STATIC_BROKER_CONFIG)

    # num.partitions applies to auto-created topics.
    auto = unique("ck-auto")
    produce(b.bootstrap, auto, [{"value": b"x"}])
    assert len(wait_topic(b.bootstrap, auto, None, T).partitions) == 3


def test_alter_configs_replaces_the_topic_overrides(broker):
    topic = unique("ck-alter")
    create_topic(broker.bootstrap, topic, 1,
                 config={"retention.ms": "3600000", "segment.bytes": "1048576"})
    entries = describe_topic(broker.bootstrap, topic)
    assert_entry(entries, "segment.bytes", "1048576", ConfigSource.DYNAMIC_TOPIC_CONFIG)

    res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "7200000"})
    fs = admin(broker.bootstrap).alter_configs([res], request_timeout=T)
    assert list(fs.values())[0].result(T) is None

    entries = describe_topic(broker.bootstrap, topic)
    assert_entry(entries, "retention.ms", "7200000", ConfigSource.DYNAMIC_TOPIC_CONFIG)
    # AlterConfigs (non-incremental) sets the full override set: what was not
    # named goes back to its default.
    assert_entry(entries, "segment.bytes", "1073741824", ConfigSource.DEFAULT_CONFIG)

    bad = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "soon"})
    fs = admin(broker.bootstrap).alter_configs([bad], request_timeout=T)
    assert admin_error_code(list(fs.values())[0]) == KafkaError.INVALID_CONFIG
    assert_entry(describe_topic(broker.bootstrap, topic), "retention.ms", "7200000",
                 ConfigSource.DYNAMIC_TOPIC_CONFIG)


def test_alter_configs_accepts_the_deprecated_message_format_version(broker):
    """Kafka 3.x still takes message.format.version (and ignores it: batches
    stay format v2); librdkafka's own test 0092 sets it mid-produce."""
    topic = unique("ck-mfv")
    create_topic(broker.bootstrap, topic, 1)
    produce(broker.bootstrap, topic, [{"value": b"before"}])
    res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"message.format.version": "0.10.0.0"})
    assert list(admin(broker.bootstrap).alter_configs([res], request_timeout=T).values())[0].result(T) is None
    assert_entry(describe_topic(broker.bootstrap, topic), "message.format.version", "0.10.0.0",
                 ConfigSource.DYNAMIC_TOPIC_CONFIG)
    produce(broker.bootstrap, topic, [{"value": b"after"}])
    assert [m.value() for m in consume(broker.bootstrap, topic, 0, 0)] == [b"before", b"after"]

    bad = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"message.format.version": "ten"})
    fs = admin(broker.bootstrap).alter_configs([bad], request_timeout=T)
    assert admin_error_code(list(fs.values())[0]) == KafkaError.INVALID_CONFIG


def test_create_partitions_grow_and_shrink(broker):
    topic = unique("ck-parts")
    create_topic(broker.bootstrap, topic, 1)
    produce(broker.bootstrap, topic, [{"value": b"before", "partition": 0}])

    fs = admin(broker.bootstrap).create_partitions([NewPartitions(topic, 3)], request_timeout=T)
    assert fs[topic].result(T) is None
    wait_topic(broker.bootstrap, topic, 3, T)
    d = produce(broker.bootstrap, topic, [{"value": b"new", "partition": 2}])
    assert [(p, o) for p, o, _, _ in d.ok] == [(2, 0)]
    assert [m.value() for m in consume(broker.bootstrap, topic, 0, 0)] == [b"before"]

    fs = admin(broker.bootstrap).create_partitions([NewPartitions(topic, 2)], request_timeout=T)
    assert admin_error_code(fs[topic]) == KafkaError.INVALID_PARTITIONS
    assert len(wait_topic(broker.bootstrap, topic, 3, T).partitions) == 3


def test_create_partitions_with_replica_assignments(broker):
    """Explicit assignments naming this broker are taken (librdkafka's test
    0081 uses them); a wrong count, an unknown broker or a duplicate broker
    is INVALID_REPLICA_ASSIGNMENT and changes nothing."""
    topic = unique("ck-assign")
    create_topic(broker.bootstrap, topic, 1)
    for bad in ([[0]], [[7], [0]], [[0, 0], [0]]):
        fs = admin(broker.bootstrap).create_partitions(
            [NewPartitions(topic, 3, replica_assignment=bad)], request_timeout=T)
        assert admin_error_code(fs[topic]) == KafkaError.INVALID_REPLICA_ASSIGNMENT, bad
    assert len(wait_topic(broker.bootstrap, topic, 1, T).partitions) == 1
    fs = admin(broker.bootstrap).create_partitions(
        [NewPartitions(topic, 3, replica_assignment=[[0], [0]])], request_timeout=T)
    assert fs[topic].result(T) is None
    assert len(wait_topic(broker.bootstrap, topic, 3, T).partitions) == 3


def test_delete_topics(broker):
    topic = unique("ck-del")
    keep = unique("ck-keep")
    create_topic(broker.bootstrap, topic, 2)
    create_topic(broker.bootstrap, keep, 1)
    produce(broker.bootstrap, topic, [{"value": b"x", "partition": 1}])

    fs = admin(broker.bootstrap).delete_topics([topic], request_timeout=T)
    assert fs[topic].result(T) is None
    wait_until(lambda: topic not in topic_names(broker.bootstrap), T,
               "deleted topic to vanish from metadata")
    assert keep in topic_names(broker.bootstrap)

    fs = admin(broker.bootstrap).delete_topics([topic], request_timeout=T)
    assert admin_error_code(fs[topic]) == KafkaError.UNKNOWN_TOPIC_OR_PART

    # The name is free again: a new topic of that name starts empty.
    create_topic(broker.bootstrap, topic, 1)
    assert watermarks(broker.bootstrap, topic, 0) == (0, 0)
