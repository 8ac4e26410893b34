"""Shopify/sarama 1.22.1 (Debian's golang-github-shopify-sarama-dev, built
with go in GOPATH mode) against sluiced, through the small CLI in
go/sarama_client/main.go (built once per pytest session into
build/go-sarama/, with its go build cache there too).

Covered: the SyncProducer (acks=all and acks=1, no compression, gzip,
snappy, lz4) with keyed messages read back exactly with confluent-kafka and
with sarama's own partition consumer; zstd, which sarama 1.22.1 sends in
Produce v3 (Kafka wants UNSUPPORTED_COMPRESSION_TYPE there); a
sarama.ConsumerGroup with two members sharing a 4-partition topic,
committing, then resuming exactly at the committed offsets after the members
and the broker restart; ClusterAdmin (CreateTopic, ListTopics,
DescribeTopics, CreatePartitions, DeleteRecords, DeleteTopic, DescribeConfig,
AlterConfig, ListConsumerGroups, DescribeConsumerGroups,
ListConsumerGroupOffsets, DescribeCluster); records larger than
max.message.bytes get MESSAGE_TOO_LARGE and the broker stays up; a record
larger than the consumer's fetch size still comes whole (KIP-74). A member
leaving hands its partitions over at its commits; a SIGKILLed one only
after its session timeout.

sarama 1.22.1 does not negotiate versions with ApiVersions: with
config.Version = V2_1_0_0 it sends Metadata v5 (v0 for ListTopics and
DescribeCluster), Produce v3, Fetch v4, ListOffsets v1, FindCoordinator v0,
JoinGroup v1, SyncGroup v0, Heartbeat v0, LeaveGroup v0, OffsetCommit v1,
OffsetFetch v1, CreateTopics v2, DeleteTopics v1, CreatePartitions v0,
DeleteRecords v0, DescribeConfigs v0, AlterConfigs v0, ListGroups v0,
DescribeGroups v0."""

import collections
import json
import os
import subprocess
import time

import pytest

from group_helpers import GROUP_BROKER, wait_group_state
from event_process import EventProcess
from sluice_harness import (CODECS, broker_alive, codecs_in, consume, run, topic_names, unique,
                            wait_until, watermarks)

HERE = os.path.dirname(os.path.abspath(__file__))
GO_SRC = os.path.join(HERE, "go", "sarama_client")
GO_OUT = os.environ.get("SARAMA_GO_BUILD") or os.path.normpath(
    os.path.join(HERE, "..", "..", "build", "go-sarama"))
GOPATH = "/usr/share/gocode"

MESSAGE_TOO_LARGE = 10
UNKNOWN_TOPIC_OR_PARTITION = 3
TOPIC_ALREADY_EXISTS = 36
INVALID_PARTITIONS = 37
UNSUPPORTED_COMPRESSION_TYPE = 76


# --------------------------------------------------------------------------
# Building and running the Go client

@pytest.fixture(scope="session")
def sarama():
    """Path of the sarama_client binary, built once per session (go build is
    incremental: the cache under build/go-sarama makes rebuilds quick)."""
    os.makedirs(GO_OUT, exist_ok=True)
    exe = os.path.join(GO_OUT, "sarama_client")
    tmp = "%s.tmp-%d" % (exe, os.getpid())
    env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH, GOPROXY="off", GOFLAGS="",
               GOCACHE=os.path.join(GO_OUT, "cache"), GOENV="off",
               CGO_CFLAGS="-O2 -Wno-deprecated-declarations")
    try:
        cp = subprocess.run(["go", "build", "-o", tmp, "."], cwd=GO_SRC, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("go build of %s timed out\n%s" % (GO_SRC, e.stdout))
    except FileNotFoundError:
        raise AssertionError("no `go` on PATH: run scripts/install-deps --with-test-clients")
    if cp.returncode != 0:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise AssertionError("go build failed (%d):\n%s" % (cp.returncode,
                                                           cp.stdout.decode(errors="replace")))
    os.replace(tmp, exe)
    return exe


def sarama_json(exe, sub, broker, *args, timeout=60):
    cp = run([exe, sub, "-brokers", broker.bootstrap] + [str(a) for a in args], timeout=timeout)
    return json.loads(cp.stdout.decode())


def produce(exe, broker, topic, count, *args, timeout=60):
    return sarama_json(exe, "produce", broker, "-topic", topic, "-count", count, *args,
                       timeout=timeout)


def admin(exe, broker, *args):
    return sarama_json(exe, "admin", broker, *args, timeout=30)


def expected_value(tag, i, size):
    """What sarama_client's messageValue() makes (text padding)."""
    head = "%s-value-%d " % (tag, i)
    s = head
    while len(s) < size:
        s += "sarama "
    return s[:max(size, len(head))].encode()


def by_partition(sent):
    out = collections.defaultdict(list)
    for s in sent:
        out[s["partition"]].append(s)
    return out


# --------------------------------------------------------------------------
# Versions

def test_go_toolchain_and_sarama_package(sarama):
    cp = run(["dpkg-query", "-W", "-f=${Version}", "golang-github-shopify-sarama-dev"])
    assert cp.stdout.decode().startswith("1.22.1"), cp.stdout
    cp = run([sarama], check=False)
    assert cp.returncode == 2 and b"subcommand" in cp.stderr


# --------------------------------------------------------------------------
# SyncProducer

PRODUCE_CASES = [(acks, codec) for codec in ("none", "gzip", "snappy", "lz4")
                 for acks in ("all", "1")]


@pytest.mark.parametrize("acks,codec", PRODUCE_CASES)
def test_sync_producer_keyed_messages_read_back_exactly(broker_factory, sarama, acks, codec):
    broker = broker_factory({"num.partitions": "3"})
    topic = unique("sarama-%s-%s" % (codec, acks))
    n, size = 60, 150
    # The topic does not exist yet: sarama's Metadata v5 request auto-creates it.
    out = produce(sarama, broker, topic, n, "-acks", acks, "-compression", codec,
                  "-batch", 10, "-keys", 7, "-value-size", size, "-tag", codec)
    assert out["failed"] == []
    sent = out["sent"]
    base = out["base_ms"]
    assert [s["i"] for s in sent] == list(range(n))

    # the hash partitioner: one partition per key, and more than one partition used
    part_of_key = {}
    for s in sent:
        assert part_of_key.setdefault(s["key"], s["partition"]) == s["partition"], s
    parts = by_partition(sent)
    assert len(parts) >= 2 and set(parts) <= {0, 1, 2}

    for p in range(3):
        ss = parts.get(p, [])
        # offsets reported to sarama: dense, in send order
        assert [s["offset"] for s in ss] == list(range(len(ss)))
        assert watermarks(broker.bootstrap, topic, p) == (0, len(ss))
        if not ss:
            continue
        got = consume(broker.bootstrap, topic, p, 0)
        assert [(m.offset(), m.key(), m.value(), m.headers(), m.timestamp()[1]) for m in got] == \
            [(s["offset"], s["key"].encode(), expected_value(codec, s["i"], size),
              [("i", b"%d" % s["i"])], base + s["i"]) for s in ss]
        # stored as sarama compressed it
        assert codecs_in(broker.segment_files(topic, p)) == {CODECS[codec]}

    # sarama's own partition consumer (Fetch v4) reads one partition back too
    p, ss = sorted(parts.items())[0]
    c = sarama_json(sarama, "consume", broker, "-topic", topic, "-partition", p,
                    "-offset", -2, "-count", len(ss))
    assert c["errors"] == []
    assert c["high_watermark"] == len(ss)
    assert [(m["offset"], m["key"], m["value"], m["headers"], m["timestamp"])
            for m in c["messages"]] == \
        [(s["offset"], s["key"], expected_value(codec, s["i"], size).decode(),
          {"i": str(s["i"])}, base + s["i"]) for s in ss]


def test_sync_producer_zstd_in_produce_v3_gets_unsupported_compression_type(broker_factory,
                                                                           sarama):
    """sarama 1.22.1 compresses with zstd but still sends Produce v3 (its
    request builder never goes past v3). KIP-110: zstd batches are allowed in
    Produce v7+ only; in older versions every partition gets
    UNSUPPORTED_COMPRESSION_TYPE (76) and nothing is appended."""
    broker = broker_factory({"num.partitions": "1"})
    topic = unique("sarama-zstd")
    assert admin(sarama, broker, "create", topic, 1) == {"ok": True}
    out = produce(sarama, broker, topic, 5, "-compression", "zstd", "-batch", 5, "-keys", 1)
    assert out["sent"] == [], "zstd batch in Produce v3 was appended at offsets %r" % (
        [s["offset"] for s in out["sent"]],)
    assert [(f["i"], f["code"]) for f in out["failed"]] == \
        [(i, UNSUPPORTED_COMPRESSION_TYPE) for i in range(5)]
    assert watermarks(broker.bootstrap, topic, 0) == (0, 0)
    assert broker_alive(broker.port)
    # the same producer without zstd is fine on that topic
    out = produce(sarama, broker, topic, 5, "-compression", "gzip", "-batch", 5, "-keys", 1)
    assert out["failed"] == []
    assert [s["offset"] for s in out["sent"]] == [0, 1, 2, 3, 4]


def test_records_larger_than_max_message_bytes_get_message_too_large(broker_factory, sarama):
    """The client limit (Producer.MaxMessageBytes) is set above the record
    size, so MESSAGE_TOO_LARGE comes from the broker: from the topic's
    max.message.bytes, and from the broker-wide message.max.bytes (default
    1048588) for a topic without an override."""
    broker = broker_factory({"num.partitions": "1"})
    small, big = unique("sarama-small"), unique("sarama-big")
    assert admin(sarama, broker, "create", small, 1, "max.message.bytes=2000") == {"ok": True}
    assert admin(sarama, broker, "create", big, 1) == {"ok": True}

    out = produce(sarama, broker, small, 1, "-value-size", 5000, "-random",
                  "-max-message-bytes", 1000000)
    assert out["sent"] == []
    assert [(f["i"], f["code"]) for f in out["failed"]] == [(0, MESSAGE_TOO_LARGE)]
    assert broker_alive(broker.port)
    out = produce(sarama, broker, small, 3, "-value-size", 500, "-batch", 1)
    assert out["failed"] == [] and [s["offset"] for s in out["sent"]] == [0, 1, 2]

    out = produce(sarama, broker, big, 1, "-value-size", 1100000, "-random",
                  "-max-message-bytes", 2000000)
    assert out["sent"] == []
    assert [(f["i"], f["code"]) for f in out["failed"]] == [(0, MESSAGE_TOO_LARGE)]
    assert broker_alive(broker.port)
    out = produce(sarama, broker, big, 1, "-value-size", 1000000, "-random",
                  "-max-message-bytes", 2000000)
    assert out["failed"] == [] and [s["offset"] for s in out["sent"]] == [0]

    assert [len(m.value()) for m in consume(broker.bootstrap, small, 0, 0)] == [500] * 3
    assert [len(m.value()) for m in consume(broker.bootstrap, big, 0, 0)] == [1000000]
    # Fetch v4 with partition_max_bytes = 64 KiB, which sarama may not raise
    # (Fetch.Max): KIP-74, the first batch comes whole even when larger
    c = sarama_json(sarama, "consume", broker, "-topic", big, "-partition", 0, "-offset", -2,
                    "-count", 1, "-fetch-bytes", 65536, "-timeout", "10s")
    assert c["errors"] == []
    assert [(m["offset"], m["value_len"]) for m in c["messages"]] == [(0, 1000000)]
    assert broker_alive(broker.port)


# --------------------------------------------------------------------------
# ClusterAdmin

def test_cluster_admin_topics_and_configs(broker, sarama):
    topic, other = unique("sarama-admin"), unique("sarama-never")
    assert admin(sarama, broker, "create", topic, 3, "retention.ms=3600000",
                 "max.message.bytes=50000") == {"ok": True}
    again = admin(sarama, broker, "create", topic, 3)
    assert again["code"] == TOPIC_ALREADY_EXISTS, again
    # validate_only creates nothing
    assert admin(sarama, broker, "create-validate", other, 2) == {"ok": True}

    # ListTopics: Metadata v0 for all topics + one DescribeConfigs v0 for them;
    # only non-default configs are kept
    topics = admin(sarama, broker, "list")["topics"]
    assert other not in topics
    t = topics[topic]
    assert t["partitions"] == 3 and t["replication_factor"] == 1
    assert t["replicas"] == {"0": [0], "1": [0], "2": [0]}
    assert t["configs"] == {"retention.ms": "3600000", "max.message.bytes": "50000"}

    # DescribeTopics: Metadata v5 without auto-creation
    d = admin(sarama, broker, "describe", topic, other)["topics"]
    assert [x["name"] for x in d] == [topic, other]
    assert d[0]["code"] == 0 and d[0]["internal"] is False
    assert d[0]["partitions"] == [{"id": p, "code": 0, "leader": 0, "replicas": [0], "isr": [0]}
                                  for p in range(3)]
    assert d[1]["code"] == UNKNOWN_TOPIC_OR_PARTITION and d[1]["partitions"] is None
    assert other not in topic_names(broker.bootstrap)

    # CreatePartitions: 3 -> 5; going down is INVALID_PARTITIONS
    assert admin(sarama, broker, "create-partitions", topic, 5) == {"ok": True}
    down = admin(sarama, broker, "create-partitions", topic, 2)
    assert down["code"] == INVALID_PARTITIONS, down
    d = admin(sarama, broker, "describe", topic)["topics"]
    assert [p["id"] for p in d[0]["partitions"]] == [0, 1, 2, 3, 4]
    out = produce(sarama, broker, topic, 2, "-partition", 4)
    assert [(s["partition"], s["offset"]) for s in out["sent"]] == [(4, 0), (4, 1)]
    # DeleteRecords (v0) moves the log start offset
    assert admin(sarama, broker, "delete-records", topic, 4, 1) == {"ok": True}
    assert watermarks(broker.bootstrap, topic, 4) == (1, 2)

    # DescribeConfig (v0)
    cfg = admin(sarama, broker, "describe-config", "topic", topic)["configs"]
    assert cfg["retention.ms"] == {"value": "3600000", "default": False, "read_only": False,
                                   "sensitive": False}
    assert cfg["max.message.bytes"]["value"] == "50000"
    assert cfg["max.message.bytes"]["default"] is False
    assert cfg["cleanup.policy"]["value"] == "delete" and cfg["cleanup.policy"]["default"] is True

    # AlterConfig (v0) replaces the topic's whole set of overrides; validate
    # only changes nothing; an unknown name is refused
    assert admin(sarama, broker, "alter-config", topic, "-validate",
                 "retention.ms=60000") == {"ok": True}
    cfg = admin(sarama, broker, "describe-config", "topic", topic)["configs"]
    assert cfg["retention.ms"]["value"] == "3600000"
    assert admin(sarama, broker, "alter-config", topic, "retention.ms=7200000") == {"ok": True}
    cfg = admin(sarama, broker, "describe-config", "topic", topic)["configs"]
    assert cfg["retention.ms"] == {"value": "7200000", "default": False, "read_only": False,
                                   "sensitive": False}
    assert cfg["max.message.bytes"]["value"] == "1048588"
    assert cfg["max.message.bytes"]["default"] is True
    bogus = admin(sarama, broker, "alter-config", topic, "no.such.config=1")
    assert "no.such.config" in bogus.get("err", ""), bogus
    bad = admin(sarama, broker, "alter-config", topic, "retention.ms=soon")
    assert "retention.ms" in bad.get("err", ""), bad
    # a topic that does not exist has no configs
    assert "err" in admin(sarama, broker, "describe-config", "topic", other)
    assert admin(sarama, broker, "list")["topics"][topic]["configs"] == {"retention.ms": "7200000"}

    # broker configs (Kafka's resource type 4)
    bcfg = admin(sarama, broker, "describe-config", "broker", "0")["configs"]
    assert bcfg["message.max.bytes"]["value"] == "1048588"
    # sarama's BrokerResource constant (5) is no ConfigResource type: an error
    # for that resource, and the broker carries on
    assert "err" in admin(sarama, broker, "describe-config", "5", "0")
    assert broker_alive(broker.port)

    cluster = admin(sarama, broker, "cluster")
    assert cluster["brokers"] == [{"id": 0, "addr": broker.bootstrap}]

    # DeleteTopic, then again: UNKNOWN_TOPIC_OR_PARTITION
    assert admin(sarama, broker, "delete", topic) == {"ok": True}
    gone = admin(sarama, broker, "delete", topic)
    assert gone["code"] == UNKNOWN_TOPIC_OR_PARTITION, gone
    wait_until(lambda: topic not in admin(sarama, broker, "list")["topics"], 20,
               "deleted topic to leave ListTopics")
    assert topic not in topic_names(broker.bootstrap)


# --------------------------------------------------------------------------
# ConsumerGroup

class GoMember(EventProcess):
    """sarama_client consume-group in a child process: a group member's events."""

    failure_events = ("error",)

    def __init__(self, exe, broker, topic, group, name, mark_first=-1, session_ms=6000):
        super().__init__(name, [exe, "consume-group", "-brokers", broker.bootstrap, "-group", group,
                                "-topic", topic, "-name", name, "-mark-first", str(mark_first),
                                "-session-ms", str(session_ms)])

    def last_setup(self):
        s = self.of("setup")
        return s[-1] if s else None

    def claims(self, topic):
        s = self.last_setup()
        return None if s is None else frozenset(s["claims"].get(topic, []))

    def messages(self):
        return [(e["partition"], e["offset"], e["key"], e["value"]) for e in self.of("msg")]


def wait_balanced(members, topic, partitions):
    """Both members' latest sessions are of one generation and split the
    partitions between them, half each."""
    def ok():
        for m in members:
            m.check()
        setups = [m.last_setup() for m in members]
        if any(s is None for s in setups) or len({s["generation"] for s in setups}) != 1:
            return None
        got = [m.claims(topic) for m in members]
        if any(len(g) != partitions // len(members) for g in got):
            return None
        if set().union(*got) != set(range(partitions)):
            return None
        return {m.name: g for m, g in zip(members, got)}
    try:
        return wait_until(ok, 30, "sarama members balanced", 0.1)
    except AssertionError as e:
        raise AssertionError("%s; setups: %r" % (e, {m.name: m.of("setup") for m in members}))


def wait_claims(member, topic, partitions, timeout=30):
    def ok():
        member.check()
        return member.claims(topic) == set(partitions)
    try:
        wait_until(ok, timeout, "%s to own partitions %r" % (member.name, partitions), 0.1)
    except AssertionError as e:
        raise AssertionError("%s; setups: %r" % (e, member.of("setup")))


def wait_consumed(members, count, timeout=30):
    def ok():
        for m in members:
            m.check()
        return sum(len(m.messages()) for m in members) >= count
    try:
        wait_until(ok, timeout, "%d messages consumed by sarama members" % count, 0.1)
    except AssertionError as e:
        raise AssertionError("%s; got %r" % (e, {m.name: len(m.messages()) for m in members}))


def committed(exe, broker, group, topic, partitions):
    out = admin(exe, broker, "group-offsets", group, topic, partitions)
    assert out["code"] == 0, out
    res = {}
    for p in range(partitions):
        b = out["offsets"][str(p)]
        assert b["code"] == 0, out
        res[p] = b["offset"]
    return res


def test_consumer_group_two_members_commit_and_resume(broker_factory, sarama):
    broker = broker_factory(GROUP_BROKER)
    topic, group = unique("sarama-grp"), unique("sarama-g")
    parts = 4
    assert admin(sarama, broker, "create", topic, parts) == {"ok": True}
    assert admin(sarama, broker, "list-groups") == {"groups": {}}

    members = []

    def start(name, mark_first=-1):
        m = GoMember(sarama, broker, topic, group, name, mark_first)
        members.append(m)
        return m

    def ends():
        return {p: watermarks(broker.bootstrap, topic, p)[1] for p in range(parts)}

    try:
        a, b = start("a"), start("b")
        owners = wait_balanced([a, b], topic, parts)
        wait_group_state(broker.port, group, "Stable", members=2)

        # ListConsumerGroups / DescribeConsumerGroups while both are in
        assert admin(sarama, broker, "list-groups") == {"groups": {group: "consumer"}}
        [desc] = admin(sarama, broker, "describe-groups", group)["groups"]
        assert desc["code"] == 0 and desc["state"] == "Stable"
        assert desc["protocol_type"] == "consumer" and desc["protocol"] == "range"
        assert sorted(m["client_id"] for m in desc["members"].values()) == ["sarama-a", "sarama-b"]
        by_client = {m["client_id"]: m for m in desc["members"].values()}
        for m in (a, b):
            d = by_client["sarama-" + m.name]
            assert d["subscription"] == [topic]
            assert frozenset(d["assignment"][topic]) == owners[m.name]
            assert m.last_setup()["member"] in desc["members"]

        # produced once the group is stable: every record consumed once, by its owner
        out = produce(sarama, broker, topic, 40, "-keys", 8, "-tag", "one")
        assert out["failed"] == []
        sent = out["sent"]
        wait_consumed([a, b], len(sent))
        seen = {}
        for m in (a, b):
            for p, off, key, value in m.messages():
                assert p in owners[m.name], "%s consumed partition %d it does not own" % (m.name, p)
                assert (p, off) not in seen, "partition %d offset %d consumed twice" % (p, off)
                seen[(p, off)] = (key, value)
        assert seen == {(s["partition"], s["offset"]):
                        (s["key"], expected_value("one", s["i"], 100).decode()) for s in sent}
        end1 = ends()
        wait_until(lambda: committed(sarama, broker, group, topic, parts) == end1, 10,
                   "the members to commit everything they consumed")

        # b leaves (LeaveGroup): a takes over b's partitions at b's commits
        b.stop()
        wait_claims(a, topic, range(parts))
        wait_group_state(broker.port, group, "Stable", members=1)
        before = len(a.messages())
        out = produce(sarama, broker, topic, 20, "-keys", 8, "-tag", "mid")
        assert out["failed"] == []
        end_mid = ends()
        wait_consumed([a], before + len(out["sent"]))
        assert sorted((p, off) for p, off, _, _ in a.messages()[before:]) == \
            [(p, o) for p in range(parts) for o in range(end1[p], end_mid[p])]
        a.stop()
        wait_group_state(broker.port, group, "Empty", members=0)
        assert committed(sarama, broker, group, topic, parts) == end_mid

        # A new member resumes at the commits; it commits only the first 3
        # records it gets from each partition.
        out = produce(sarama, broker, topic, 40, "-keys", 8, "-tag", "two")
        assert out["failed"] == []
        second = by_partition(out["sent"])
        end2 = ends()
        assert all(len(second[p]) > 3 for p in range(parts)), second
        c = start("c", mark_first=3)
        wait_consumed([c], 40)
        assert c.claims(topic) == set(range(parts))
        got = sorted((p, off) for p, off, _, _ in c.messages())
        assert got == [(p, o) for p in range(parts) for o in range(end_mid[p], end2[p])]
        c.stop()
        want = {p: end_mid[p] + 3 for p in range(parts)}
        assert committed(sarama, broker, group, topic, parts) == want

        # After a broker restart, the next member starts exactly at those
        # commits: it re-reads what c had read but not committed, nothing
        # before, nothing missing.
        broker.restart()
        assert committed(sarama, broker, group, topic, parts) == want
        d = start("d")
        wait_consumed([d], sum(end2[p] - want[p] for p in range(parts)))
        got = d.messages()
        for p in range(parts):
            mine = [(off, key, value) for q, off, key, value in got if q == p]
            assert mine == [(s["offset"], s["key"], expected_value("two", s["i"], 100).decode())
                            for s in second[p] if s["offset"] >= want[p]]
        d.stop()
        assert committed(sarama, broker, group, topic, parts) == end2

        # the group is empty again and still listed
        [desc] = admin(sarama, broker, "describe-groups", group)["groups"]
        assert desc["code"] == 0 and desc["state"] == "Empty" and desc["members"] == {}
        assert admin(sarama, broker, "list-groups") == {"groups": {group: "consumer"}}
    finally:
        for m in members:
            m.kill()


def test_consumer_group_killed_member_is_expired_and_its_partitions_resume_at_commits(
        broker_factory, sarama):
    """b is SIGKILLed (no LeaveGroup, no last commit): the coordinator keeps
    it until its session times out (3 s), then a gets all partitions and
    reads b's from exactly b's commits (b committed only the first 2 records
    of each), and nothing of its own again."""
    broker = broker_factory(GROUP_BROKER)
    topic, group = unique("sarama-kill"), unique("sarama-g")
    parts = 4
    assert admin(sarama, broker, "create", topic, parts) == {"ok": True}
    members = []
    try:
        a = GoMember(sarama, broker, topic, group, "a", session_ms=3000)
        members.append(a)
        b = GoMember(sarama, broker, topic, group, "b", mark_first=2, session_ms=3000)
        members.append(b)
        owners = wait_balanced([a, b], topic, parts)
        out = produce(sarama, broker, topic, 40, "-keys", 8, "-tag", "k")
        assert out["failed"] == []
        sent = by_partition(out["sent"])
        assert all(len(sent[p]) > 2 for p in range(parts)), sent
        wait_consumed([a, b], 40)
        want = {p: (2 if p in owners["b"] else len(sent[p])) for p in range(parts)}
        wait_until(lambda: committed(sarama, broker, group, topic, parts) == want, 10,
                   "commits %r" % want)

        before = len(a.messages())
        b.kill()
        t0 = time.monotonic()
        wait_claims(a, topic, range(parts), timeout=20)
        took = time.monotonic() - t0
        assert took >= 1.5, "b was dropped %.1f s after SIGKILL, before its 3 s session ran out" % took
        wait_group_state(broker.port, group, "Stable", members=1)
        expect = [(p, s["offset"], s["key"], expected_value("k", s["i"], 100).decode())
                  for p in sorted(owners["b"]) for s in sent[p] if s["offset"] >= 2]
        wait_consumed([a], before + len(expect))
        time.sleep(0.3)  # anything more (a duplicate) would show up now
        assert sorted(a.messages()[before:]) == expect
        a.stop()
        assert committed(sarama, broker, group, topic, parts) == \
            {p: len(sent[p]) for p in range(parts)}
    finally:
        for m in members:
            m.kill()
