"""Online migration between a classic group and a consumer group (KIP-848's
upgrade and downgrade; group.consumer.migration.policy, bidirectional by
default as in Kafka 4).

With real clients: three confluent-kafka members (librdkafka 2.0.2, the
classic protocol only; eager "range", and "cooperative-sticky" whose rejoins
name the partitions they keep) consume a 6-partition topic while a
producer keeps writing; one by one they are replaced by @platformatic/kafka
members on the consumer protocol (js/platformatic_kip848_member.mjs, which
retries a commit that races a new member epoch, as Kafka's consumer does): the
first one's ConsumerGroupHeartbeat upgrades the live group, the classic
members stay in it as classic members and rebalance through the broker's
assignor. Then one by one the consumer-protocol members are replaced by new
classic members; when the last consumer-protocol member leaves, the group
is a classic group again. At each stable point every partition is owned by
exactly one member (ConsumerGroupDescribe, and the members' own views), every
record produced is consumed at least once, committed offsets never go back,
and the group ends as a classic group owned by the last three members.

With policy=disabled: the live classic group refuses consumer-protocol
members (GROUP_ID_NOT_FOUND), through the client and raw.

Raw (kafka_wire.py): a classic group whose members' metadata is not the
consumer protocol's is not upgraded; classic JoinGroup, SyncGroup,
Heartbeat and LeaveGroup against a consumer group with bad input get
Kafka's error codes; a bad policy value stops the broker at startup with a
message naming the property."""

import json
import subprocess
import threading
import time

import kafka_wire as w
import pytest
from group_helpers import CKMember, Wire, close_all, decode_assignment, wait_balanced, wait_group_state
from sluice_harness import create_topic, free_port, producer, run, sluiced_path, unique, wait_until
from test_consumer_groups_kip848 import (JS_DIR, KIP848_BROKER, MEMBER_JS, Member, describe, heartbeat,
                                         kill_all, list_groups)

NONE = 0
ILLEGAL_GENERATION = 22
INCONSISTENT_GROUP_PROTOCOL = 23
UNKNOWN_MEMBER_ID = 25
REBALANCE_IN_PROGRESS = 27
GROUP_ID_NOT_FOUND = 69
MEMBER_ID_REQUIRED = 79
UNKNOWN_SERVER_ERROR = -1

PARTS = 6
T = 60.0


class CooperativeCK(CKMember):
    """A cooperative member keeps its partitions, and commits, through a
    rebalance; Kafka refuses a commit that races one (REBALANCE_IN_PROGRESS
    while a classic group rebalances, ILLEGAL_GENERATION when a JoinGroup
    moved the member to a new generation or member epoch meanwhile). Such a
    refusal is counted and consumption goes on: the next record's commit
    covers it, or the partition's next owner reads the record again."""

    refused_commits = 0

    def _poll_once(self):
        from confluent_kafka import KafkaError, KafkaException
        try:
            super()._poll_once()
        except KafkaException as e:
            if e.args[0].code() not in (KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION):
                raise
            self.refused_commits += 1


def classic_member(bootstrap, group, topic, name, strategy):
    kind = CooperativeCK if strategy == "cooperative-sticky" else CKMember
    return kind(bootstrap, group, [topic], name=name, strategy=strategy, commit_each=True).start()


def migration_broker(factory, **extra):
    conf = dict(KIP848_BROKER)
    conf.update(extra)
    return factory(conf)


class LoadProducer:
    """Produces to every partition in turn from a thread until stopped;
    remembers each delivered record's (partition, offset)."""

    def __init__(self, bootstrap, topic):
        self.topic = topic
        self.p = producer(bootstrap, **{"linger.ms": 5})
        self.delivered = set()
        self.errors = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _report(self, err, msg):
        if err is not None:
            self.errors.append(err)
        else:
            self.delivered.add((msg.partition(), msg.offset()))

    def _run(self):
        i = 0
        while not self._stop.is_set():
            self.p.produce(self.topic, b"v%d" % i, partition=i % PARTS, on_delivery=self._report)
            i += 1
            self.p.poll(0.01)
            time.sleep(0.01)

    def stop(self):
        self._stop.set()
        self._thread.join(10)
        assert self.p.flush(30) == 0
        assert not self.errors, self.errors[:3]


class CommitWatcher:
    """Samples the group's committed offsets (OffsetFetch v1) every 100 ms;
    any partition whose offset goes back is recorded."""

    def __init__(self, port, group, topic):
        self.port, self.group, self.topic = port, group, topic
        self.last = {}
        self.regressions = []
        self.samples = 0
        self.errors = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            with Wire(self.port) as c:
                while not self._stop.is_set():
                    got = c.fetch_offsets(self.group, {self.topic: list(range(PARTS))})[self.topic]
                    for p, (off, _, err) in got.items():
                        if err == NONE and off >= 0:
                            if off < self.last.get(p, -1):
                                self.regressions.append((p, self.last[p], off))
                            self.last[p] = max(off, self.last.get(p, -1))
                    self.samples += 1
                    time.sleep(0.1)
        except Exception as e:  # noqa: BLE001 - reported by stop()
            self.errors.append(e)

    def stop(self):
        self._stop.set()
        self._thread.join(10)
        assert not self.errors, self.errors
        assert self.samples > 20, self.samples
        assert not self.regressions, "committed offsets went back: %r" % self.regressions[:5]


def consumer_group_stable(port, group, topic, client_ids):
    """ConsumerGroupDescribe until Stable with members of exactly these client
    ids, each owning its target at the assignment epoch, all together every
    partition once. Returns {client id: partitions}."""
    last = {}

    def ok():
        d = describe(port, group)
        last["d"] = d
        if d["error_code"] != NONE or d["group_state"] != "Stable":
            return None
        if sorted(m["client_id"] for m in d["members"]) != sorted(client_ids):
            return None
        owned = []
        for m in d["members"]:
            if m["assignment"] != m["target_assignment"] or m["member_epoch"] != d["assignment_epoch"]:
                return None
            owned += m["assignment"].get(topic, [])
        if sorted(owned) != list(range(PARTS)):
            return None
        return {m["client_id"]: m["assignment"].get(topic, []) for m in d["members"]}
    try:
        return wait_until(ok, T, "consumer group %s stable with %r" % (group, client_ids), 0.2)
    except AssertionError as e:
        raise AssertionError("%s; last ConsumerGroupDescribe: %r" % (e, last.get("d")))


def own_views_agree(classic, consumers, owners, topic):
    """The members' own assignments match what the broker says they own."""
    def ok():
        for m in classic:
            m.check()
            if sorted(m.partitions(topic)) != sorted(owners[m.name]):
                return False
        for m in consumers:
            m.check()
            if sorted(m.assignment()) != sorted(owners["sluice-kip848-" + m.name]):
                return False
        return True
    wait_until(ok, T, "members' own assignments to match the group's", 0.2)


def consumed_positions(classic, consumers):
    got = set()
    for m in classic:
        got |= {(p, off) for _, p, off, _ in m.consumed()}
    for m in consumers:
        got |= {(p, off) for p, off, _ in m.messages()}
    return got


@pytest.mark.parametrize("strategy", ["range", "cooperative-sticky"])
def test_rolling_switch_classic_to_consumer_and_back(broker_factory, strategy):
    broker = migration_broker(broker_factory)
    topic, group = unique("mig"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=PARTS)
    classic, consumers, retired = [], [], []
    load = watcher = None
    try:
        classic = [classic_member(broker.bootstrap, group, topic, "classic-%d" % i, strategy) for i in range(3)]
        wait_balanced(classic, topic, PARTS, sizes=2, timeout=T)
        load = LoadProducer(broker.bootstrap, topic)
        watcher = CommitWatcher(broker.port, group, topic)
        wait_until(lambda: all(m.consumed() for m in classic), T, "every classic member consuming")
        assert list_groups(broker.port)[group]["group_type"] == "classic"

        # Upgrade: consumer-protocol members replace the classic ones one by one.
        for i in range(3):
            m = Member(broker.bootstrap, topic, group, "consumer-%d" % i, commit_retry=1)
            consumers.append(m)
            m.wait_running(T)
            assert list_groups(broker.port)[group]["group_type"] == "consumer"
            leaving = classic.pop(0)
            leaving.close()
            retired.append(leaving)
            ids = [c.name for c in classic] + ["sluice-kip848-" + c.name for c in consumers]
            owners = consumer_group_stable(broker.port, group, topic, ids)
            own_views_agree(classic, consumers, owners, topic)
        assert describe(broker.port, group)["group_state"] == "Stable"

        # Downgrade: classic members replace the consumer-protocol ones one by one.
        for i in range(3):
            c = classic_member(broker.bootstrap, group, topic, "back-%d" % i, strategy)
            classic.append(c)
            wait_until(lambda: c.partitions(topic), T, "%s to get partitions" % c.name)
            leaving = consumers.pop(0)
            leaving.stop()
            retired.append(leaving)
            if consumers:
                ids = [x.name for x in classic] + ["sluice-kip848-" + x.name for x in consumers]
                owners = consumer_group_stable(broker.port, group, topic, ids)
                own_views_agree(classic, consumers, owners, topic)

        # The last consumer-protocol member gone: a classic group again.
        assert describe(broker.port, group)["error_code"] == GROUP_ID_NOT_FOUND
        d = wait_group_state(broker.port, group, "Stable", members=3, timeout=T)
        assert d["protocol_type"] == "consumer" and d["protocol"] == strategy
        assert sorted(m["client_id"] for m in d["members"]) == ["back-0", "back-1", "back-2"]
        assert list_groups(broker.port)[group]["group_type"] == "classic"
        wait_balanced(classic, topic, PARTS, sizes=2, timeout=T)

        # Nothing lost: every produced record was consumed by someone, and
        # what is committed at the end is the log end.
        load.stop()
        produced = load.delivered
        assert len(produced) > 100, len(produced)
        wait_until(lambda: produced <= consumed_positions(
            [m for m in classic + retired if isinstance(m, CKMember)],
            [m for m in retired if isinstance(m, Member)]), T, "every produced record consumed")
        ends = {}
        for p, off in produced:
            ends[p] = max(ends.get(p, 0), off + 1)
        wait_until(lambda: all(watcher.last.get(p) == ends[p] for p in range(PARTS)), T,
                   "the commits to reach the log end %r" % ends)
        watcher.stop()
        for m in classic + [r for r in retired if isinstance(r, CKMember)]:
            m.check()  # no client failed along the way
    finally:
        if load is not None:
            load._stop.set()
        if watcher is not None:
            watcher._stop.set()
        kill_all(consumers)
        close_all(classic)


def test_disabled_policy_refuses_consumer_members_while_classic_ones_are_in(broker_factory):
    broker = migration_broker(broker_factory, **{"group.consumer.migration.policy": "disabled"})
    topic, group = unique("mig-off"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=2)
    classic = []
    try:
        classic = [CKMember(broker.bootstrap, group, [topic], name="classic-off").start()]
        wait_balanced(classic, topic, 2, sizes=2, timeout=T)
        out = json.loads(run(["node", MEMBER_JS, "join", broker.bootstrap, topic, group],
                             cwd=JS_DIR, timeout=40).stdout.decode())
        assert out["ok"] is False and out["codes"] == [GROUP_ID_NOT_FOUND], out
        assert out["messages"] == ["Group %s is not a consumer group." % group], out
        with w.connect(broker.port, 10) as s:
            r = heartbeat(s, group_id=group, member_id=unique("raw"), member_epoch=0, rebalance_timeout_ms=5000,
                          subscribed_topic_names=[topic], topic_partitions=[])
        assert r["error_code"] == GROUP_ID_NOT_FOUND, r
        assert r["error_message"] == "Group %s is not a consumer group." % group, r
        assert list_groups(broker.port)[group]["group_type"] == "classic"
        wait_group_state(broker.port, group, "Stable", members=1)
        assert classic[0].partitions(topic) == frozenset({0, 1})
    finally:
        close_all(classic)


# --------------------------------------------------------------------------
# Raw

def join_v4(c, group, member_id="", **kw):
    r = c.join(group, member_id, **kw)
    if r["error_code"] == MEMBER_ID_REQUIRED:
        r = c.join(group, r["member_id"], **kw)
    return r


def test_unreadable_classic_group_is_not_upgraded(broker_factory):
    broker = migration_broker(broker_factory)
    group = unique("grp")
    with Wire(broker.port) as c:
        # A member whose metadata is not a ConsumerProtocolSubscription.
        j = join_v4(c, group, protocols=(("range", b"\x00"),))
        assert j["error_code"] == NONE, j
        s = c.sync(group, j["generation_id"], j["member_id"], [(j["member_id"], b"\x00\x00\x00\x00\x00\x00")])
        assert s["error_code"] == NONE, s
        with w.connect(broker.port, 10) as s2:
            r = heartbeat(s2, group_id=group, member_id=unique("raw"), member_epoch=0, rebalance_timeout_ms=5000,
                          subscribed_topic_names=["t"], topic_partitions=[])
        assert r["error_code"] == GROUP_ID_NOT_FOUND, r
        assert c.heartbeat(group, j["generation_id"], j["member_id"])["error_code"] == NONE
        assert c.describe(group)["state"] == "Stable"
    assert broker.running()


def test_classic_calls_to_a_consumer_group_get_kafkas_errors(broker_factory):
    broker = migration_broker(broker_factory)
    topic, group = unique("mig-raw"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=2)
    with w.connect(broker.port, 10) as s:
        owner = heartbeat(s, group_id=group, member_id="cm", member_epoch=0, rebalance_timeout_ms=5000,
                          subscribed_topic_names=[topic], topic_partitions=[])
        assert owner["error_code"] == NONE, owner
        with Wire(broker.port) as c:
            # Another protocol type; an unreadable subscription (Kafka: an
            # IllegalStateException, answered UNKNOWN_SERVER_ERROR).
            bad_type = join_v4(c, group, protocol_type="connect", topics=(topic,))
            assert bad_type["error_code"] == INCONSISTENT_GROUP_PROTOCOL, bad_type
            garbage = join_v4(c, group, protocols=(("range", b"\x00\x00\x00\x00\x00\x09"),))
            assert garbage["error_code"] == UNKNOWN_SERVER_ERROR, garbage
            assert len(describe(broker.port, group)["members"]) == 1

            # A good classic member: no leader work, its member epoch as generation.
            j = join_v4(c, group, topics=(topic,))
            assert j["error_code"] == NONE, j
            assert j["leader"] == "" and j["members"] == [] and j["protocol_name"] == "range", j
            gen, mid = j["generation_id"], j["member_id"]
            assert c.sync(group, gen + 1, mid)["error_code"] == ILLEGAL_GENERATION
            assert c.heartbeat(group, gen + 1, mid)["error_code"] == ILLEGAL_GENERATION
            assert c.heartbeat(group, gen, "cm")["error_code"] == UNKNOWN_MEMBER_ID  # a consumer-protocol member
            assert c.heartbeat(group, gen, "ghost")["error_code"] == UNKNOWN_MEMBER_ID
            assert c.sync(group, gen, mid)["error_code"] == NONE
            # The consumer-protocol member gives a partition up; the classic
            # member is then told to rejoin, and gets it.
            tid, both = next(iter(owner["assignment"].items()))
            told = heartbeat(s, group_id=group, member_id="cm", member_epoch=owner["member_epoch"],
                             topic_partitions=[(tid, both)])
            assert told["error_code"] == NONE, told
            kept = told["assignment"][tid]
            assert len(kept) == 1, told
            done = heartbeat(s, group_id=group, member_id="cm", member_epoch=told["member_epoch"],
                             topic_partitions=[(tid, kept)])
            assert done["error_code"] == NONE and done["member_epoch"] > owner["member_epoch"], done
            assert c.heartbeat(group, gen, mid)["error_code"] == REBALANCE_IN_PROGRESS
            j2 = join_v4(c, group, mid, topics=(topic,))
            assert j2["error_code"] == NONE, j2
            s2 = c.sync(group, j2["generation_id"], mid)
            assert s2["error_code"] == NONE
            assert decode_assignment(s2["assignment"]) == {topic: sorted(set(both) - set(kept))}
            assert c.heartbeat(group, j2["generation_id"], mid)["error_code"] == NONE
            assert c.leave(group, "cm")["error_code"] == UNKNOWN_MEMBER_ID
            assert c.leave(group, mid)["error_code"] == NONE
            assert c.heartbeat(group, j2["generation_id"], mid)["error_code"] == UNKNOWN_MEMBER_ID
        assert [m["member_id"] for m in describe(broker.port, group)["members"]] == ["cm"]
    assert broker.running()


def test_bad_migration_policy_stops_the_broker(broker_factory, tmp_path):
    bad = subprocess.run([sluiced_path(), "--override", "log.dirs=%s" % tmp_path,
                          "--override", "listeners=PLAINTEXT://127.0.0.1:%d" % free_port(),
                          "--override", "group.consumer.migration.policy=sideways"],
                         capture_output=True, timeout=30)
    assert bad.returncode != 0
    assert b"group.consumer.migration.policy" in bad.stdout + bad.stderr
    # Kafka takes the names case-insensitively.
    assert migration_broker(broker_factory, **{"group.consumer.migration.policy": "Upgrade"}).running()
