"""@platformatic/kafka 2.12.1 (a current pure-JavaScript client that negotiates
today's API versions: ApiVersions v3, Metadata v12, Produce v11, Fetch v17,
ListOffsets v9, FindCoordinator v6, JoinGroup v9, SyncGroup v5, Heartbeat v4,
LeaveGroup v5, OffsetCommit v9, OffsetFetch v9, CreateTopics v7, DeleteTopics
v6, CreatePartitions v3, DescribeConfigs v4, ListGroups v5, DescribeGroups v5,
DeleteGroups v2) against sluiced.

Covered: the producer with keys, headers, timestamps and every codec the
client can compress with on this node, read back exactly with confluent-kafka
(and checked on disk); the default (murmur2) partitioner with topic
auto-creation; the group consumer reading exactly what confluent-kafka
produced, then the group through ListGroups/DescribeGroups/DeleteGroups; two
group members sharing a 4-partition topic, committing, and resuming at the
commits after the members and then the broker restart (the group and its
offsets seen through the client's admin too); admin create/list/metadata/
describe-configs/create-partitions/delete, with Kafka's error codes for the
wrong calls; an oversized record gets MESSAGE_TOO_LARGE and the broker and
the producer carry on.

The JavaScript side is js/platformatic_*.mjs (one JSON document, or JSON
lines for the long-running group member, on stdout). The client declares
node >= 22.22; on this machine's node 20 it runs with a Promise.withResolvers
polyfill (js/platformatic_polyfill.mjs), and it has no zstd there (zlib gets
zstd in node 22.15), so zstd is tested only where node has it."""

import base64
import json
import os

from group_helpers import T, group_broker, messages_for, wait_group_state
from event_process import EventProcess
from sluice_harness import (CODECS, broker_alive, codecs_in, consume, create_topic, produce, run,
                            topic_names, unique, wait_topic, wait_until)

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
VERSION = "2.12.1"

# Kafka error codes
MESSAGE_TOO_LARGE = 10
UNKNOWN_TOPIC_OR_PARTITION = 3
TOPIC_ALREADY_EXISTS = 36
INVALID_PARTITIONS = 37
GROUP_ID_NOT_FOUND = 69
# DescribeConfigs config sources
DYNAMIC_TOPIC_CONFIG = 1
DEFAULT_CONFIG = 5


def node(script, *args, timeout=70):
    cp = run(["node", script] + [str(a) for a in args], timeout=timeout, cwd=JS_DIR)
    return json.loads(cp.stdout.decode())


def jsadmin(broker, *args):
    """{"ok": result} or {"error": ..., "codes": [...]}"""
    return node("platformatic_admin.mjs", broker.bootstrap, *args)


def ok(res):
    assert "error" not in res, "admin call failed: %s" % json.dumps(res)[:3000]
    return res["ok"]


def unb64(v):
    return None if v is None else base64.b64decode(v)


def node_has_zstd():
    cp = run(["node", "-e", "process.stdout.write(String(typeof require('zlib').zstdCompressSync))"],
             cwd=JS_DIR, timeout=30)
    return cp.stdout.decode() == "function"


def test_node_and_platformatic_kafka_are_installed():
    cp = run(["node", "-e", "process.stdout.write(JSON.parse(require('fs').readFileSync("
              "'node_modules/@platformatic/kafka/package.json')).version)"], cwd=JS_DIR, timeout=30)
    assert cp.stdout.decode() == VERSION


def test_produce_every_codec_read_back_with_confluent(broker):
    expected_codecs = ["none", "gzip", "snappy", "lz4"] + (["zstd"] if node_has_zstd() else [])
    topics = {c: unique("plt-" + c) for c in expected_codecs}
    for t in topics.values():
        create_topic(broker.bootstrap, t)
    n = 30
    out = node("platformatic_produce.mjs", "batches", broker.bootstrap, n, 0,
               *["%s:%s" % (t, c) for c, t in topics.items()])
    assert sorted(out["available"]) == sorted(expected_codecs)
    base = int(out["base"])
    for codec, topic in topics.items():
        sends = out["results"][topic]
        # one ProduceResult per send() of 10 records: base offsets 0, 10, 20
        assert sends == [{"offsets": [{"topic": topic, "partition": 0, "offset": str(10 * i)}]}
                         for i in range(n // 10)], codec
        got = consume(broker.bootstrap, topic, 0, 0)
        assert len(got) == n, codec
        for i, m in enumerate(got):
            assert m.offset() == i
            assert m.key() == b"key-%d" % i
            assert m.value() == (b"value-%d %s " % (i, codec.encode())) + b"platformatic " * 20
            assert m.headers() == [("h", b"hv-%d" % i), ("fixed", b"yes"), ("empty", b"")]
            assert m.timestamp() == (1, base + i)  # (TIMESTAMP_CREATE_TIME, ts)
        assert codecs_in(broker.segment_files(topic, 0)) == {CODECS[codec]}, codec
        assert [h.record_count for h in broker.batch_headers(topic, 0)] == [10] * (n // 10), codec


def test_keyed_records_default_partitioner_and_auto_create(broker_factory):
    """Records without a partition go to murmur2(key) % partitions (the
    client's default partitioner); the topic does not exist and is created by
    the client's Metadata request with allow_auto_topic_creation."""
    from kafka.partitioner.default import murmur2  # kafka-python, unsigned 32-bit result
    broker = broker_factory({"num.partitions": "3"})
    topic = unique("plt-keyed")
    n = 40
    out = node("platformatic_produce.mjs", "batches", broker.bootstrap, n, "key", "%s:gzip" % topic)
    base = int(out["base"])
    wait_topic(broker.bootstrap, topic, 3)
    expected = {p: [] for p in range(3)}
    for i in range(n):
        key = b"key-%d" % i
        expected[murmur2(key) % 3].append(i)
    assert all(expected.values()), expected  # every partition gets some records
    for p in range(3):
        got = consume(broker.bootstrap, topic, p, 0)
        assert [m.key() for m in got] == [b"key-%d" % i for i in expected[p]], p
        for m, i in zip(got, expected[p]):
            assert m.value() == b"value-%d gzip " % i + b"platformatic " * 20
            assert m.headers() == [("h", b"hv-%d" % i), ("fixed", b"yes"), ("empty", b"")]
            assert m.timestamp() == (1, base + i)


def test_group_consumer_reads_exactly_what_confluent_produced(broker_factory):
    broker = group_broker(broker_factory)
    topic = unique("plt-from-ck")
    create_topic(broker.bootstrap, topic, partitions=3)
    msgs = []
    for i in range(24):
        m = {"partition": i % 3, "timestamp": 1700000000000 + i,
             "key": None if i % 8 == 5 else b"k\x00\xff-%d" % i,
             "value": None if i % 8 == 6 else bytes(range(256))[i:] + b"-%d" % i,
             "headers": [("h", b"v-%d" % i), ("dup", b"1"), ("dup", b"2"), ("bin", b"\x00\x01\xfe")]}
        if i % 8 == 7:
            m["headers"] = []
        msgs.append(m)
    # lz4 batches: the client decompresses them
    produce(broker.bootstrap, topic, msgs, compression_type="lz4", linger_ms=50)

    group = unique("grp")
    got = node("platformatic_consume.mjs", "read", broker.bootstrap, topic, group, len(msgs))
    assert len(got) == len(msgs)
    by_pos = {(g["partition"], int(g["offset"])): g for g in got}
    assert len(by_pos) == len(msgs)
    for p in range(3):
        mine = [m for m in msgs if m["partition"] == p]
        for off, m in enumerate(mine):
            g = by_pos[(p, off)]
            assert unb64(g["key"]) == m["key"], (p, off)
            assert unb64(g["value"]) == m["value"], (p, off)
            assert [(unb64(k).decode(), unb64(v)) for k, v in g["headers"]] == m["headers"], (p, off)
            assert int(g["timestamp"]) == m["timestamp"], (p, off)

    # The reader left its group (LeaveGroup on close): the group admin calls
    # see it Empty; an unknown group is Dead (DescribeGroups v5 has no
    # GROUP_ID_NOT_FOUND); DeleteGroups removes it, a second time is
    # GROUP_ID_NOT_FOUND.
    wait_group_state(broker.port, group, "Empty", members=0)
    nosuch = unique("nosuch")
    listed, described, deleted, listed2, deleted2 = jsadmin(
        broker, "list-groups", "+", "describe-groups", group, nosuch, "+", "delete-groups", group,
        "+", "list-groups", "+", "delete-groups", group)
    assert ok(listed)[group] == {"id": group, "state": "Empty", "groupType": "classic",
                                 "protocolType": "consumer"}
    described = ok(described)
    assert described[group] == {"id": group, "state": "Empty", "protocolType": "consumer",
                                "protocol": "", "members": {},
                                "authorizedOperations": -2147483648}
    assert described[nosuch]["state"] == "Dead"
    assert described[nosuch]["members"] == {}
    assert ok(deleted) == [{"throttleTimeMs": 0, "results": [{"groupId": group, "errorCode": 0}]}]
    assert group not in ok(listed2)
    assert deleted2.get("codes") == [GROUP_ID_NOT_FOUND], deleted2


class PltMember(EventProcess):
    """node js/platformatic_consume.mjs member ...: a group member's events."""

    def __init__(self, bootstrap, topic, group, name):
        super().__init__(name, ["node", "platformatic_consume.mjs", "member", bootstrap, topic, group, name],
                         cwd=JS_DIR)

    def assignment(self, topic):
        joins = self.of("join")
        if not joins:
            return None
        return frozenset(joins[-1]["assignment"].get(topic, []))

    def messages(self):
        return [(e["partition"], e["offset"], e["value"]) for e in self.of("msg")]


def wait_balanced(members, topic, partitions, per_member):
    def settled():
        for m in members:
            m.check()
        got = [m.assignment(topic) for m in members]
        if any(g is None or len(g) != per_member for g in got):
            return None
        if set().union(*got) != set(range(partitions)) or sum(len(g) for g in got) != partitions:
            return None
        gens = {m.of("join")[-1]["generation"] for m in members}
        return len(gens) == 1 and {m.name: g for m, g in zip(members, got)}
    try:
        return wait_until(settled, 45, "platformatic members balanced, %d partitions each" % per_member)
    except AssertionError as e:
        raise AssertionError("%s; joins: %r" % (e, {m.name: m.of("join") for m in members}))


def wait_consumed(members, count, timeout=T):
    def done():
        for m in members:
            m.check()
        return sum(len(m.messages()) for m in members) >= count
    try:
        wait_until(done, timeout, "%d messages consumed by platformatic members" % count)
    except AssertionError as e:
        raise AssertionError("%s; got %r" % (e, {m.name: len(m.messages()) for m in members}))


def test_two_members_share_partitions_commit_and_resume(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("plt-share"), unique("grp")
    parts = 4
    create_topic(broker.bootstrap, topic, partitions=parts)
    members = []
    try:
        a = PltMember(broker.bootstrap, topic, group, "plt-a")
        members.append(a)
        b = PltMember(broker.bootstrap, topic, group, "plt-b")
        members.append(b)
        owners = wait_balanced([a, b], topic, parts, 2)
        wait_group_state(broker.port, group, "Stable", members=2)

        # The group as the client's admin sees it (ListGroups v5, DescribeGroups v5).
        listed = ok(jsadmin(broker, "list-groups"))
        assert listed[group] == {"id": group, "state": "Stable", "groupType": "classic",
                                 "protocolType": "consumer"}
        desc = ok(jsadmin(broker, "describe-groups", group))[group]
        assert desc["state"] == "Stable"
        assert desc["protocolType"] == "consumer"
        assert desc["protocol"] == "roundrobin"
        dmembers = desc["members"]
        assert len(dmembers) == 2
        assert sorted(m["clientId"] for m in dmembers.values()) == [
            "sluice-platformatic-plt-a", "sluice-platformatic-plt-b"]
        member_ids = {m.of("join")[-1]["member_id"]: m.name for m in (a, b)}
        assert set(dmembers) == set(member_ids)
        for mid, dm in dmembers.items():
            assert dm["metadata"]["topics"] == [topic]
            assert sorted(dm["assignments"][topic]["partitions"]) == sorted(owners[member_ids[mid]])

        # 10 per partition, produced once the group is stable
        msgs = messages_for(topic, parts, 10)
        produce(broker.bootstrap, topic, msgs)
        wait_consumed([a, b], len(msgs))
        seen = {}
        for m in (a, b):
            for p, off, value in m.messages():
                assert p in owners[m.name], "%s consumed partition %d it does not own" % (m.name, p)
                assert (p, off) not in seen, "partition %d offset %d consumed twice" % (p, off)
                seen[(p, off)] = value
        assert sorted(seen) == [(p, o) for p in range(parts) for o in range(10)]
        assert sorted(seen.values()) == sorted(m["value"].decode() for m in msgs)
        a.stop()
        b.stop()
        wait_group_state(broker.port, group, "Empty", members=0)

        # Committed offsets as the client's admin sees them (OffsetFetch v9).
        [offs] = ok(jsadmin(broker, "group-offsets", group))
        assert offs["groupId"] == group
        [t] = offs["topics"]
        assert t["name"] == topic
        assert sorted((p["partitionIndex"], p["committedOffset"]) for p in t["partitions"]) == \
            [(p, "10") for p in range(parts)]
        assert ok(jsadmin(broker, "list-groups"))[group]["state"] == "Empty"

        def resume(tag, first, count, name):
            more = messages_for(topic, parts, count, start=first, tag=tag)
            produce(broker.bootstrap, topic, more)
            m = PltMember(broker.bootstrap, topic, group, name)
            members.append(m)
            wait_consumed([m], len(more))
            got = m.messages()
            assert m.assignment(topic) == set(range(parts))
            # starts exactly at the committed offsets: nothing old, nothing missing
            assert sorted((p, off) for p, off, _ in got) == \
                [(p, o) for p in range(parts) for o in range(first, first + count)], got
            assert sorted(v for _, _, v in got) == sorted(x["value"].decode() for x in more)
            m.stop()

        resume("again", 10, 5, "plt-c")      # members restarted
        broker.restart()
        resume("reborn", 15, 5, "plt-d")     # broker restarted too
    finally:
        for m in members:
            m.kill()


def test_admin_topics(broker):
    topic = unique("plt-admin")
    # One client process for the whole sequence: loading the client takes ~1 s.
    (created, again, listed, md, described, grown, md5, fewer) = jsadmin(
        broker, "create", topic, 3, "retention.ms=3600000", "+", "create", topic, 3, "+", "list",
        "+", "metadata", topic, "+", "describe", topic, "+", "partitions", topic, 5,
        "+", "metadata", topic, "+", "partitions", topic, 2)

    [created] = ok(created)
    assert created["name"] == topic
    assert created["partitions"] == 3
    assert created["replicas"] == 1
    assert created["configuration"]["retention.ms"] == "3600000"
    assert created["configuration"]["cleanup.policy"] == "delete"

    assert again.get("codes") == [TOPIC_ALREADY_EXISTS], again

    assert topic in ok(listed)

    md = ok(md)
    assert md["brokers"] == {"0": {"host": "127.0.0.1", "port": broker.port, "rack": None}}
    assert md["controllerId"] == 0
    t = md["topics"][topic]
    assert t["id"] == created["id"]
    assert t["partitionsCount"] == 3
    for p in t["partitions"]:
        assert (p["leader"], p["replicas"], p["isr"], p["offlineReplicas"]) == (0, [0], [0], [])

    [res] = ok(described)
    assert res["resourceName"] == topic
    configs = {c["name"]: c for c in res["configs"]}
    assert configs["retention.ms"]["value"] == "3600000"
    assert configs["retention.ms"]["configSource"] == DYNAMIC_TOPIC_CONFIG
    assert configs["cleanup.policy"]["value"] == "delete"
    assert configs["cleanup.policy"]["configSource"] == DEFAULT_CONFIG

    assert ok(grown) is None
    t5 = ok(md5)["topics"][topic]
    assert t5["partitionsCount"] == 5
    assert [p["leader"] for p in t5["partitions"]] == [0] * 5
    assert fewer.get("codes") == [INVALID_PARTITIONS], fewer
    wait_topic(broker.bootstrap, topic, 5)  # librdkafka sees 5 too

    assert ok(jsadmin(broker, "delete", topic)) is None
    last = {}

    def gone():
        listed, again = jsadmin(broker, "list", "+", "delete", topic)
        last["delete"] = again
        return topic not in ok(listed)
    wait_until(gone, 20, "deleted topic to leave listTopics")
    assert topic not in topic_names(broker.bootstrap)
    # deleting it again (after it left the listing): UNKNOWN_TOPIC_OR_PARTITION
    assert last["delete"].get("codes") == [UNKNOWN_TOPIC_OR_PARTITION], last["delete"]


def test_oversized_record_is_message_too_large(broker):
    topic = unique("plt-big")
    create_topic(broker.bootstrap, topic, config={"max.message.bytes": "20000"})
    out = node("platformatic_produce.mjs", "oversize", broker.bootstrap, topic, 30000)
    assert out["big"]["ok"] is False
    assert out["big"]["codes"] == [MESSAGE_TOO_LARGE], out["big"]
    # the producer and its connection carry on: the next record is offset 0
    assert out["small"] == {"ok": True, "result": {
        "offsets": [{"topic": topic, "partition": 0, "offset": "0"}]}}, out["small"]
    assert broker_alive(broker.port)
    [m] = consume(broker.bootstrap, topic, 0, 0)
    assert (m.key(), m.value()) == (b"small", b"after the big one")
