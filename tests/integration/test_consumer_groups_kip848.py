"""KIP-848 consumer groups (ConsumerGroupHeartbeat v0-1, ConsumerGroupDescribe
v0, ListGroups v5) with a real client, @platformatic/kafka 2.12.1 with
groupProtocol 'consumer' (js/platformatic_kip848_member.mjs), and with raw
frames (kafka_wire.py).

With the client: two members sharing a 4-partition topic, each record
consumed and committed once, then a third member joining (revoke before
assign: ConsumerGroupDescribe sampled all along never shows a partition in
two members' assignments, and the members' own timelines never overlap); a
member SIGKILLed mid-stream, its partitions going to the survivor after the
session timeout and read from the committed offsets; committed offsets and
the members across broker restarts; records produced by confluent-kafka read
exactly; an empty classic group (librdkafka 2.0.2 members) taken over by
consumer-protocol members at its commits and handed back once empty, and
with group.consumer.migration.policy=disabled GROUP_ID_NOT_FOUND for a
consumer-protocol join while classic members are in (the online migration
itself is test_group_migration.py's).

Raw: ConsumerGroupDescribe v0 and ListGroups v5 (type and state filters) over
consumer and classic groups; a full heartbeat gets the member's assignment;
malformed heartbeats get Kafka's error codes (with only the code and a
message set) and create no group; wrong epochs, unknown members and unknown
groups; a truncated frame closes the connection.

The broker runs with low group.consumer.* bounds (heartbeat interval 300 ms,
session timeout 3 s) so that rebalances and session expiries are fast."""

import base64
import json
import os
import threading
import time

import kafka_wire as w
from group_helpers import (GROUP_BROKER, CKMember, Wire, close_all, messages_for, wait_balanced,
                           wait_group_state)
from event_process import EventProcess
from group_helpers import wait_consumed as ck_wait_consumed
from sluice_harness import broker_alive, create_topic, produce, run, unique, wait_until

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
MEMBER_JS = "platformatic_kip848_member.mjs"

# Kafka error codes
NONE = 0
UNKNOWN_MEMBER_ID = 25
INVALID_REQUEST = 42
GROUP_ID_NOT_FOUND = 69
FENCED_MEMBER_EPOCH = 110
UNSUPPORTED_ASSIGNOR = 112
INVALID_REGULAR_EXPRESSION = 128

SESSION_MS = 3000
HEARTBEAT_MS = 300
KIP848_BROKER = dict(GROUP_BROKER, **{
    "group.consumer.min.heartbeat.interval.ms": "100",
    "group.consumer.heartbeat.interval.ms": str(HEARTBEAT_MS),
    "group.consumer.min.session.timeout.ms": "1000",
    "group.consumer.session.timeout.ms": str(SESSION_MS),
})
T = 30.0


def kip848_broker(factory):
    return factory(dict(KIP848_BROKER))


def unb64(v):
    return None if v is None else base64.b64decode(v)


# --------------------------------------------------------------------------
# Raw frames

def call(sock, api_key, version, body, cid=[7000]):
    cid[0] += 1
    return w.roundtrip(sock, api_key, version, cid[0], body, flexible=True, timeout=10)


def heartbeat(sock, version=1, **kw):
    return w.parse_consumer_group_heartbeat(call(
        sock, w.API_CONSUMER_GROUP_HEARTBEAT, version, w.consumer_group_heartbeat_body(version, **kw)))


def describe(port, *groups):
    with w.connect(port, 10) as s:
        _, out = w.parse_consumer_group_describe_v0(call(
            s, w.API_CONSUMER_GROUP_DESCRIBE, 0, w.consumer_group_describe_v0_body(groups)))
    return out if len(groups) != 1 else out[groups[0]]


def list_groups(port, states=(), types=()):
    with w.connect(port, 10) as s:
        err, groups = w.parse_list_groups_v5(call(s, w.API_LIST_GROUPS, 5,
                                                  w.list_groups_v5_body(states, types)))
    assert err == NONE
    return groups


def committed(port, group, topic, partitions):
    """{partition: committed offset} (OffsetFetch v1, -1: none)."""
    with Wire(port) as c:
        f = c.fetch_offsets(group, {topic: list(partitions)})
    return {p: f[topic][p][0] for p in partitions}


def wait_described(port, group, what, pred, timeout=T):
    last = {}

    def ok():
        d = describe(port, group)
        last["d"] = d
        return d if pred(d) else None
    try:
        return wait_until(ok, timeout, what, 0.1)
    except AssertionError as e:
        raise AssertionError("%s; last ConsumerGroupDescribe: %r" % (e, last.get("d")))


def stable_with(port, group, topic, member_ids, partitions, per_member=None):
    """Wait until the group is Stable with exactly these members, each
    owning (current assignment) its target, all together the topic's
    partitions once each. Returns {member id: sorted partitions}."""
    def pred(d):
        if d["error_code"] != NONE or d["group_state"] != "Stable":
            return False
        ms = {m["member_id"]: m for m in d["members"]}
        if set(ms) != set(member_ids):
            return False
        owned = [ms[i]["assignment"].get(topic, []) for i in member_ids]
        if sorted(p for o in owned for p in o) != list(range(partitions)):
            return False
        if per_member is not None and any(len(o) != per_member for o in owned):
            return False
        return all(ms[i]["assignment"] == ms[i]["target_assignment"]
                   and ms[i]["member_epoch"] == d["assignment_epoch"] for i in member_ids)
    d = wait_described(port, group, "group %s stable with %d members" % (group, len(member_ids)), pred)
    return {m["member_id"]: m["assignment"].get(topic, []) for m in d["members"]}


class DescribeSampler:
    """ConsumerGroupDescribe every few ms in a thread; every snapshot is
    checked for a partition in two members' current assignments. (Partitions
    a member is still revoking are not in its described assignment, as in
    Kafka: the members' own timelines cover that window.)"""

    def __init__(self, port, group):
        self.port, self.group = port, group
        self.snapshots = 0
        self.overlaps = []
        self.errors = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            with w.connect(self.port, 10) as s:
                while not self._stop.is_set():
                    _, out = w.parse_consumer_group_describe_v0(call(
                        s, w.API_CONSUMER_GROUP_DESCRIBE, 0, w.consumer_group_describe_v0_body([self.group])))
                    d = out[self.group]
                    self.snapshots += 1
                    owner = {}
                    for m in d["members"]:
                        for t, ps in m["assignment"].items():
                            for p in ps:
                                if (t, p) in owner:
                                    self.overlaps.append((t, p, owner[(t, p)], m["member_id"], d))
                                owner[(t, p)] = m["member_id"]
                    time.sleep(0.01)
        except Exception as e:  # noqa: BLE001 - reported by stop()
            self.errors.append(e)

    def halt(self):
        self._stop.set()
        self._thread.join(15)

    def stop(self):
        self.halt()
        assert not self.errors, "ConsumerGroupDescribe sampling failed: %r" % self.errors
        assert self.snapshots > 10, self.snapshots
        assert not self.overlaps, "a partition owned by two members at once: %r" % self.overlaps[:3]


# --------------------------------------------------------------------------
# A @platformatic/kafka member in a child process

class Member(EventProcess):
    """node js/platformatic_kip848_member.mjs member ...: a consumer-protocol
    member's events."""

    def __init__(self, bootstrap, topic, group, name, **opts):
        self.topic = topic
        argv = ["node", MEMBER_JS, "member", bootstrap, topic, group, name]
        argv += ["%s=%s" % kv for kv in sorted(opts.items())]
        super().__init__(name, argv, cwd=JS_DIR)

    @property
    def member_id(self):
        running = self.of("running")
        return running[-1]["member_id"] if running else None

    def wait_running(self, timeout=T):
        def ok():
            self.check()
            return self.member_id
        return wait_until(ok, timeout, "%s to join" % self.name)

    def assignment(self):
        a = self.of("assignment")
        return frozenset(a[-1]["partitions"].get(self.topic, [])) if a else frozenset()

    def messages(self):
        """[(partition, offset, value bytes)] committed, in order."""
        return [(e["partition"], e["offset"], unb64(e["value"])) for e in self.of("msg")]


def kill_all(members):
    for m in members:
        m.kill()


def wait_consumed(members, count, timeout=T):
    def done():
        for m in members:
            m.check()
        return sum(len(m.messages()) for m in members) >= count
    try:
        wait_until(done, timeout, "%d records consumed" % count)
    except AssertionError as e:
        raise AssertionError("%s; got %r" % (e, {m.name: len(m.messages()) for m in members}))


def assert_exactly_once(members, topic, expected):
    """expected: {(partition, offset): value}. Each consumed once, by a
    member owning that partition when it did."""
    seen = {}
    for m in members:
        for p, off, value in m.messages():
            assert (p, off) not in seen, "%s and %s both consumed partition %d offset %d" % (
                seen[(p, off)][0], m.name, p, off)
            seen[(p, off)] = (m.name, value)
    assert sorted(seen) == sorted(expected), "consumed %r" % sorted(seen)
    for k, (name, value) in seen.items():
        assert value == expected[k], (k, name, value, expected[k])


def owned_intervals(member, topic):
    """{partition: [(from t, to t or None)]} from the member's own assignment events."""
    out = {}
    current = {}
    for e in member.of("assignment"):
        now = set(e["partitions"].get(topic, []))
        for p in list(current):
            if p not in now:
                out.setdefault(p, []).append((current.pop(p), e["t"]))
        for p in now:
            current.setdefault(p, e["t"])
    for p, since in current.items():
        out.setdefault(p, []).append((since, None))
    return out


def assert_no_double_ownership(members, topic):
    """The members' own timelines: a partition is never assigned to a member
    before the one that had it dropped it."""
    spans = {}
    for m in members:
        for p, ivs in owned_intervals(m, topic).items():
            spans.setdefault(p, []).extend((a, b, m.name) for a, b in ivs)
    for p, ivs in spans.items():
        ivs.sort(key=lambda x: x[0])
        for (a1, b1, n1), (a2, b2, n2) in zip(ivs, ivs[1:]):
            assert b1 is not None and b1 <= a2, (
                "partition %d: %s owned it from %.3f to %r, %s from %.3f" % (p, n1, a1, b1, n2, a2))


def expected_records(msgs):
    """messages_for() output (produced in order, one partition each) ->
    {(partition, offset): value}, given the topic was empty before."""
    counts = {}
    out = {}
    for m in msgs:
        p = m["partition"]
        off = counts.get(p, 0)
        counts[p] = off + 1
        out[(p, off)] = m["value"]
    return out


def wait_members_see(members, owners):
    """Wait until each member's own assignment is what the group says it owns."""
    def ok():
        for m in members:
            m.check()
        return all(sorted(m.assignment()) == owners[m.member_id] for m in members)
    wait_until(ok, T, "members to see their assignments %r" % owners)


def let_old_fetches_return():
    """The client does not drop what a fetch sent before a rebalance brings
    back for partitions it gave up meanwhile (its long polls wait up to
    maxWaitTime, 200 ms): records produced right after a rebalance could be
    read by the old owner too. Tests produce only once those fetches are
    back."""
    time.sleep(0.5)


# --------------------------------------------------------------------------
# 1. Sharing, and a third member joining

def test_members_share_partitions_and_a_third_one_joins(broker_factory):
    broker = kip848_broker(broker_factory)
    topic, group = unique("k848-share"), unique("grp")
    parts = 4
    create_topic(broker.bootstrap, topic, partitions=parts)
    members = []
    # ConsumerGroupDescribe from before the first member joins to the end
    sampler = DescribeSampler(broker.port, group)
    try:
        a = Member(broker.bootstrap, topic, group, "a")
        members.append(a)
        b = Member(broker.bootstrap, topic, group, "b")
        members.append(b)
        ids = [a.wait_running(), b.wait_running()]
        owners = stable_with(broker.port, group, topic, ids, parts, per_member=2)
        wait_members_see([a, b], owners)

        first = messages_for(topic, parts, 10)
        let_old_fetches_return()
        produce(broker.bootstrap, topic, first)
        wait_consumed([a, b], len(first))
        assert_exactly_once([a, b], topic, expected_records(first))
        assert committed(broker.port, group, topic, range(parts)) == {p: 10 for p in range(parts)}

        # A third member: partitions move, revoked before they are assigned.
        c = Member(broker.bootstrap, topic, group, "c")
        members.append(c)
        ids.append(c.wait_running())
        owners = stable_with(broker.port, group, topic, ids, parts)
        assert sorted(len(v) for v in owners.values()) == [1, 1, 2], owners
        wait_members_see(members, owners)
        assert_no_double_ownership(members, topic)

        second = messages_for(topic, parts, 5, start=10, tag="second")
        let_old_fetches_return()
        produce(broker.bootstrap, topic, second)
        expected = expected_records(first)
        expected.update({(p, 10 + i): v for (p, i), v in expected_records(second).items()})
        wait_consumed(members, len(expected))
        assert_exactly_once(members, topic, expected)
        for m in members:
            for p, off, _ in m.messages():
                if off >= 10:
                    assert p in owners[m.member_id], (m.name, p, off, owners)
        assert committed(broker.port, group, topic, range(parts)) == {p: 15 for p in range(parts)}
        for m in members:
            m.stop()
        d = wait_described(broker.port, group, "group empty", lambda d: d["group_state"] == "Empty")
        assert d["members"] == []
        sampler.stop()
        assert_no_double_ownership(members, topic)
    finally:
        sampler.halt()
        kill_all(members)


# --------------------------------------------------------------------------
# 2. SIGKILL: the survivor takes over at the committed offsets

def test_killed_member_partitions_go_to_survivor_at_committed_offsets(broker_factory):
    broker = kip848_broker(broker_factory)
    topic, group = unique("k848-kill"), unique("grp")
    parts = 4
    create_topic(broker.bootstrap, topic, partitions=parts)
    members = []
    try:
        # Slow members (a pause before each commit), so the kill lands mid-stream.
        a = Member(broker.bootstrap, topic, group, "victim", delay=20)
        members.append(a)
        b = Member(broker.bootstrap, topic, group, "survivor", delay=20)
        members.append(b)
        ids = [a.wait_running(), b.wait_running()]
        owners = stable_with(broker.port, group, topic, ids, parts, per_member=2)
        theirs = owners[a.member_id]
        wait_members_see([a, b], owners)

        per = 40
        msgs = messages_for(topic, parts, per)
        let_old_fetches_return()
        produce(broker.bootstrap, topic, msgs)
        wait_until(lambda: len(a.messages()) >= 12, T, "the victim to commit some records")
        a.proc.kill()
        killed_at = time.time() * 1000
        a.proc.wait(10)
        done_by_a = {p: max([o for q, o, _ in a.messages() if q == p], default=-1) for p in theirs}
        recv_by_a = {p: max([e["offset"] for e in a.of("recv") if e["partition"] == p], default=-1)
                     for p in theirs}
        assert any(recv_by_a[p] < per - 1 for p in theirs), "the victim had read everything: %r" % recv_by_a

        # Until its session ends the victim keeps its partitions: nobody commits them.
        time.sleep(0.3)
        at_kill = committed(broker.port, group, topic, theirs)
        # where a new owner starts: the commit, else (none yet) the earliest offset
        start = {p: max(at_kill[p], 0) for p in theirs}
        for p in theirs:
            # what it reported committed <= what the broker has <= what it had received
            assert done_by_a[p] + 1 <= start[p] <= recv_by_a[p] + 1, (p, done_by_a, at_kill, recv_by_a)
        d = describe(broker.port, group)
        assert {m["member_id"] for m in d["members"]} == set(ids), d

        # After the session timeout everything is the survivor's.
        stable_with(broker.port, group, topic, [b.member_id], parts)
        wait_until(lambda: b.assignment() == set(range(parts)), T, "the survivor to own every partition")
        taken = [e for e in b.of("assignment")
                 if e["t"] > killed_at and set(e["partitions"].get(topic, [])) >= set(theirs)][0]
        # not before the victim's session ran out (counted from its last
        # answered heartbeat), nor long after
        last_hb = a.of("hb")[-1]["t"]
        assert taken["t"] - last_hb >= SESSION_MS - 100, (taken, last_hb)
        assert taken["t"] - killed_at <= SESSION_MS + 3000, (taken, killed_at)

        wait_until(lambda: {(p, o) for p, o, _ in b.messages()}
                   >= {(p, o) for p in range(parts) for o in range(start.get(p, 0), per)},
                   T, "the survivor to consume everything from the commits on")
        got_b = b.messages()
        recv_a = {(e["partition"], e["offset"]) for e in a.of("recv")}
        for p in theirs:
            offsets = [o for q, o, _ in got_b if q == p]
            # resumed exactly at the committed offset: nothing lost, and only
            # what the victim had not committed is read again
            assert offsets == list(range(start[p], per)), (p, at_kill[p], offsets)
            # below it, the victim had read everything
            assert {(p, o) for o in range(start[p])} <= recv_a, (p, start[p])
        for p in set(range(parts)) - set(theirs):
            assert [o for q, o, _ in got_b if q == p] == list(range(per)), p
        values = {(p, o): v for m in (a, b) for p, o, v in m.messages()}
        expected = expected_records(msgs)
        assert all(expected[k] == v for k, v in values.items())
        assert committed(broker.port, group, topic, range(parts)) == {p: per for p in range(parts)}
        b.stop()
    finally:
        kill_all(members)


# --------------------------------------------------------------------------
# 3. Broker restart: committed offsets and the group survive

def test_offsets_and_group_survive_broker_restart(broker_factory):
    broker = kip848_broker(broker_factory)
    topic, group = unique("k848-restart"), unique("grp")
    parts = 4
    create_topic(broker.bootstrap, topic, partitions=parts)
    members = []
    try:
        a = Member(broker.bootstrap, topic, group, "a")
        members.append(a)
        b = Member(broker.bootstrap, topic, group, "b")
        members.append(b)
        ids = [a.wait_running(), b.wait_running()]
        owners = stable_with(broker.port, group, topic, ids, parts, per_member=2)
        wait_members_see([a, b], owners)
        first = messages_for(topic, parts, 5)
        let_old_fetches_return()
        produce(broker.bootstrap, topic, first)
        wait_consumed([a, b], len(first))
        before = describe(broker.port, group)

        broker.restart()
        assert committed(broker.port, group, topic, range(parts)) == {p: 5 for p in range(parts)}
        after = describe(broker.port, group)
        assert after["error_code"] == NONE, after
        assert (after["group_epoch"], after["assignment_epoch"]) == (before["group_epoch"],
                                                                    before["assignment_epoch"])
        assert {m["member_id"]: m["assignment"] for m in after["members"]} == \
            {m["member_id"]: m["assignment"] for m in before["members"]}

        # The members carry on (same member ids, same partitions).
        assert stable_with(broker.port, group, topic, ids, parts, per_member=2) == owners
        second = messages_for(topic, parts, 5, start=5, tag="second")
        produce(broker.bootstrap, topic, second)
        expected = expected_records(first)
        expected.update({(p, 5 + i): v for (p, i), v in expected_records(second).items()})
        wait_consumed([a, b], len(expected))
        assert_exactly_once([a, b], topic, expected)
        for m in (a, b):
            m.check()
            assert all(p in owners[m.member_id] for p, _, _ in m.messages())
        a.stop()
        b.stop()
        wait_described(broker.port, group, "group empty", lambda d: d["group_state"] == "Empty")

        # Again with nobody in the group: a new member starts at the commits.
        broker.restart()
        third = messages_for(topic, parts, 3, start=10, tag="third")
        produce(broker.bootstrap, topic, third)
        c = Member(broker.bootstrap, topic, group, "c")
        members.append(c)
        wait_consumed([c], len(third))
        assert sorted((p, o) for p, o, _ in c.messages()) == \
            [(p, o) for p in range(parts) for o in range(10, 13)]
        c.stop()
    finally:
        kill_all(members)


# --------------------------------------------------------------------------
# 4. What confluent-kafka produced, read by a consumer-protocol group

def test_group_reads_exactly_what_confluent_produced(broker_factory):
    broker = kip848_broker(broker_factory)
    topic, group = unique("k848-ck"), unique("grp")
    parts = 3
    create_topic(broker.bootstrap, topic, partitions=parts)
    msgs = []
    for i in range(30):
        m = {"partition": i % parts, "timestamp": 1700000000000 + i,
             "key": None if i % 7 == 5 else b"k\x00\xff-%d" % i,
             "value": None if i % 7 == 6 else bytes(range(256))[i:] + b"-%d" % i,
             "headers": [("h", b"v-%d" % i), ("dup", b"1"), ("dup", b"2"), ("bin", b"\x00\x01\xfe")]}
        if i % 7 == 3:
            m["headers"] = []
        msgs.append(m)
    members = []
    try:
        # Both ask for the range assignor (groupRemoteAssignor).
        a = Member(broker.bootstrap, topic, group, "a", assignor="range")
        members.append(a)
        b = Member(broker.bootstrap, topic, group, "b", assignor="range")
        members.append(b)
        ids = [a.wait_running(), b.wait_running()]
        owners = stable_with(broker.port, group, topic, ids, parts)
        # range: contiguous ranges, one member has the extra partition
        assert sorted(map(tuple, owners.values())) == [(0,), (1, 2)] or \
            sorted(map(tuple, owners.values())) == [(0, 1), (2,)], owners
        assert describe(broker.port, group)["assignor_name"] == "range"
        wait_members_see([a, b], owners)
        # lz4 batches of several records: the client decompresses them
        let_old_fetches_return()
        produce(broker.bootstrap, topic, msgs, compression_type="lz4", linger_ms=50)
        wait_consumed([a, b], len(msgs))
        got = {}
        for m in (a, b):
            for e in m.of("msg"):
                key = (e["partition"], e["offset"])
                assert key not in got, "consumed twice: %r" % (key,)
                assert e["partition"] in owners[m.member_id], (m.name, key)
                got[key] = e
        assert len(got) == len(msgs)
        for p in range(parts):
            mine = [m for m in msgs if m["partition"] == p]
            for off, m in enumerate(mine):
                g = got[(p, off)]
                assert unb64(g["key"]) == m["key"], (p, off)
                assert unb64(g["value"]) == m["value"], (p, off)
                assert [(unb64(k).decode(), unb64(v)) for k, v in g["headers"]] == m["headers"], (p, off)
                assert int(g["timestamp"]) == m["timestamp"], (p, off)
        assert committed(broker.port, group, topic, range(parts)) == {p: 10 for p in range(parts)}
        a.stop()
        b.stop()
    finally:
        kill_all(members)


# --------------------------------------------------------------------------
# 5. Classic -> consumer -> classic, each time once the group is empty

def join_classic_raw(port, group, topic):
    """One JoinGroup v4 round as a new classic member (the second step with
    the member id when the broker asks for one)."""
    with Wire(port) as c:
        r = c.join(group, "", topics=[topic], session_timeout_ms=6000)
        if r["error_code"] == 79:  # MEMBER_ID_REQUIRED
            r = c.join(group, r["member_id"], topics=[topic], session_timeout_ms=6000)
        return r


def join_consumer_raw(port, group, topic):
    with w.connect(port, 10) as s:
        return heartbeat(s, group_id=group, member_id=unique("raw"), member_epoch=0,
                         rebalance_timeout_ms=5000, subscribed_topic_names=[topic], topic_partitions=[])


def test_rolling_switch_between_classic_and_consumer_protocols(broker_factory):
    # Without online migration (test_group_migration.py has it, the default).
    broker = broker_factory(dict(KIP848_BROKER, **{"group.consumer.migration.policy": "disabled"}))
    topic, group = unique("k848-switch"), unique("grp")
    parts = 4
    create_topic(broker.bootstrap, topic, partitions=parts)
    ck, members = [], []
    try:
        # Classic members (librdkafka 2.0.2, range) consume and commit.
        ck = [CKMember(broker.bootstrap, group, [topic], name="classic-%d" % i, commit_each=True).start()
              for i in range(2)]
        wait_balanced(ck, topic, parts, sizes=2)
        first = messages_for(topic, parts, 5)
        produce(broker.bootstrap, topic, first)
        ck_wait_consumed(ck, len(first))
        wait_group_state(broker.port, group, "Stable", members=2)

        # While classic members are in it, the group refuses consumer-protocol
        # members (migration disabled): GROUP_ID_NOT_FOUND, through the client...
        out = json.loads(run(["node", MEMBER_JS, "join", broker.bootstrap, topic, group],
                             cwd=JS_DIR, timeout=40).stdout.decode())
        assert out["ok"] is False and out["codes"] == [GROUP_ID_NOT_FOUND], out
        assert out["messages"] == ["Group %s is not a consumer group." % group], out
        # ... and raw, with Kafka's message.
        r = join_consumer_raw(broker.port, group, topic)
        assert r["error_code"] == GROUP_ID_NOT_FOUND, r
        assert r["error_message"] == "Group %s is not a consumer group." % group, r
        assert describe(broker.port, group)["error_code"] == GROUP_ID_NOT_FOUND
        assert list_groups(broker.port, types=["classic"])[group] == {
            "protocol_type": "consumer", "group_state": "Stable", "group_type": "classic"}
        assert group not in list_groups(broker.port, types=["consumer"])
        wait_group_state(broker.port, group, "Stable", members=2)  # the classic group did not notice
        close_all(ck)
        wait_group_state(broker.port, group, "Empty", members=0)
        assert committed(broker.port, group, topic, range(parts)) == {p: 5 for p in range(parts)}

        # Empty: consumer-protocol members take the group over and resume at the commits.
        a = Member(broker.bootstrap, topic, group, "consumer-a")
        members.append(a)
        b = Member(broker.bootstrap, topic, group, "consumer-b")
        members.append(b)
        ids = [a.wait_running(), b.wait_running()]
        owners = stable_with(broker.port, group, topic, ids, parts, per_member=2)
        assert list_groups(broker.port, types=["consumer"])[group] == {
            "protocol_type": "consumer", "group_state": "Stable", "group_type": "consumer"}
        assert group not in list_groups(broker.port, types=["classic"])
        wait_members_see([a, b], owners)
        second = messages_for(topic, parts, 5, start=5, tag="second")
        let_old_fetches_return()
        produce(broker.bootstrap, topic, second)
        wait_consumed([a, b], len(second))
        time.sleep(0.3)  # nothing more arrives (nothing from before the commits)
        expected = {(p, 5 + i): v for (p, i), v in expected_records(second).items()}
        assert_exactly_once([a, b], topic, expected)
        for m in (a, b):
            assert all(p in owners[m.member_id] for p, _, _ in m.messages()), m.name

        a.stop()
        b.stop()
        wait_described(broker.port, group, "consumer group empty", lambda d: d["group_state"] == "Empty")
        assert committed(broker.port, group, topic, range(parts)) == {p: 10 for p in range(parts)}

        # Empty again: back to a classic group, resuming at the consumer group's commits.
        ck = [CKMember(broker.bootstrap, group, [topic], name="classic-again", commit_each=True).start()]
        wait_balanced(ck, topic, parts, sizes=4)
        third = messages_for(topic, parts, 3, start=10, tag="third")
        produce(broker.bootstrap, topic, third)
        ck_wait_consumed(ck, len(third))
        time.sleep(0.3)
        assert sorted((p, o) for _, p, o, _ in ck[0].consumed()) == \
            [(p, o) for p in range(parts) for o in range(10, 13)]
        wait_group_state(broker.port, group, "Stable", members=1)
        assert describe(broker.port, group)["error_code"] == GROUP_ID_NOT_FOUND
        assert list_groups(broker.port, types=["classic"])[group]["group_type"] == "classic"
        close_all(ck)
        ck = []
        assert committed(broker.port, group, topic, range(parts)) == {p: 13 for p in range(parts)}
    finally:
        kill_all(members)
        close_all(ck)


# --------------------------------------------------------------------------
# 6. ListGroups v5 and ConsumerGroupDescribe v0, raw

def join_raw(sock, group, member_id, topics, version=1, **kw):
    args = dict(group_id=group, member_id=member_id, member_epoch=0, rebalance_timeout_ms=5000,
                subscribed_topic_names=topics, topic_partitions=[])
    args.update(kw)
    return heartbeat(sock, version, **args)


def heartbeat_until_stable(sock, port, group, joined, timeout=10):
    """Heartbeat as the member a join answered (reporting what it was last
    given) until ConsumerGroupDescribe says the group is Stable."""
    state = {"epoch": joined["member_epoch"], "owned": joined["assignment"] or {}}

    def stable():
        r = heartbeat(sock, group_id=group, member_id=joined["member_id"], member_epoch=state["epoch"],
                      topic_partitions=[(t, ps) for t, ps in sorted(state["owned"].items()) if ps])
        assert r["error_code"] == NONE, r
        state["epoch"] = r["member_epoch"]
        if r["assignment"] is not None:
            state["owned"] = r["assignment"]
        return describe(port, group)["group_state"] == "Stable"
    wait_until(stable, timeout, "group %s stable" % group)


def test_list_groups_v5_and_consumer_group_describe_raw(broker_factory):
    broker = kip848_broker(broker_factory)
    topic, other = unique("k848-desc"), unique("k848-rx")
    create_topic(broker.bootstrap, topic, partitions=4)
    create_topic(broker.bootstrap, other, partitions=2)
    cg, rx, simple, live = unique("cg"), unique("rx"), unique("classic-empty"), unique("classic-live")
    with w.connect(broker.port, 10) as s:
        # Two members, the second named by the broker (v0), reconciled to Stable.
        j1 = join_raw(s, cg, "m1-" + cg, [topic], rack_id="rack-a")
        assert (j1["error_code"], j1["member_id"], j1["member_epoch"]) == (NONE, "m1-" + cg, 1), j1
        assert j1["heartbeat_interval_ms"] == HEARTBEAT_MS
        [topic_id] = j1["assignment"]
        assert j1["assignment"] == {topic_id: [0, 1, 2, 3]}
        j2 = join_raw(s, cg, "", [topic], version=0)
        assert j2["error_code"] == NONE and j2["member_id"] and j2["member_epoch"] == 2, j2
        m1, m2 = j1["member_id"], j2["member_id"]
        d = describe(broker.port, cg)
        assert (d["error_code"], d["group_state"], d["group_epoch"], d["assignment_epoch"]) == \
            (NONE, "Reconciling", 2, 2), d
        by_id = {m["member_id"]: m for m in d["members"]}
        assert by_id[m1]["assignment"] == {topic: [0, 1, 2, 3]} and by_id[m1]["member_epoch"] == 1
        assert by_id[m2]["assignment"] == {} and by_id[m2]["member_epoch"] == 2
        theirs = by_id[m2]["target_assignment"][topic]
        mine = by_id[m1]["target_assignment"][topic]
        assert sorted(mine + theirs) == [0, 1, 2, 3] and len(mine) == 2

        r = heartbeat(s, group_id=cg, member_id=m1, member_epoch=1,
                      topic_partitions=[(topic_id, [0, 1, 2, 3])])
        assert (r["error_code"], r["member_epoch"], r["assignment"]) == (NONE, 1, {topic_id: mine}), r
        r = heartbeat(s, group_id=cg, member_id=m1, member_epoch=1, topic_partitions=[(topic_id, mine)])
        assert (r["error_code"], r["member_epoch"]) == (NONE, 2), r
        r = heartbeat(s, group_id=cg, member_id=m2, member_epoch=2, topic_partitions=[])
        assert (r["error_code"], r["member_epoch"], r["assignment"]) == (NONE, 2, {topic_id: theirs}), r

        # A member subscribed by regex (v1) asking for the range assignor: the
        # group's assignor is the one its members ask for.
        j = join_raw(s, rx, "m-" + rx, None, subscribed_topic_regex="k848-rx-.*", server_assignor="range")
        assert j["error_code"] == NONE and j["member_epoch"] >= 1, j
        # (Kafka may resolve the regex after the first answer: heartbeat on.)
        heartbeat_until_stable(s, broker.port, rx, j)

        # Two classic groups: one from a simple commit, one with a member.
        with Wire(broker.port) as c:
            assert c.commit(simple, -1, "", {topic: [(0, 1, None)]}) == {topic: {0: NONE}}
        r = join_classic_raw(broker.port, live, topic)
        assert r["error_code"] == NONE, r
        with Wire(broker.port) as c:
            assert c.sync(live, r["generation_id"], r["member_id"], [])["error_code"] == NONE

    d = describe(broker.port, cg)
    assert {k: d[k] for k in ("error_code", "error_message", "group_id", "group_state", "group_epoch",
                              "assignment_epoch", "assignor_name", "authorized_operations")} == {
        "error_code": NONE, "error_message": None, "group_id": cg, "group_state": "Stable",
        "group_epoch": 2, "assignment_epoch": 2, "assignor_name": "uniform",
        "authorized_operations": -2147483648}, d
    by_id = {m["member_id"]: m for m in d["members"]}
    assert set(by_id) == {m1, m2}
    for mid, parts, rack in ((m1, mine, "rack-a"), (m2, theirs, None)):
        m = by_id[mid]
        assert {k: m[k] for k in ("instance_id", "rack_id", "member_epoch", "client_id", "client_host",
                                  "subscribed_topic_names", "subscribed_topic_regex")} == {
            "instance_id": None, "rack_id": rack, "member_epoch": 2, "client_id": "sluice-wire-test",
            "client_host": "/127.0.0.1", "subscribed_topic_names": [topic],
            "subscribed_topic_regex": None}, m
        assert m["assignment"] == m["target_assignment"] == {topic: parts}, m
        assert m["assignment_ids"] == m["target_ids"] == {topic: topic_id}, m

    d = describe(broker.port, rx)
    assert (d["group_state"], d["assignor_name"]) == ("Stable", "range"), d
    [m] = d["members"]
    assert (m["subscribed_topic_names"], m["subscribed_topic_regex"]) == ([], "k848-rx-.*"), m
    assert m["assignment"] == {other: [0, 1]}, m

    # Several groups in one request, in order; not-found and classic groups are errors.
    nosuch = unique("nosuch")
    with w.connect(broker.port, 10) as s:
        r = call(s, w.API_CONSUMER_GROUP_DESCRIBE, 0, w.consumer_group_describe_v0_body([cg, nosuch, simple, rx]))
        _, out = w.parse_consumer_group_describe_v0(r)
    assert list(out) == [cg, nosuch, simple, rx]
    for g in (nosuch, simple):
        assert out[g]["error_code"] == GROUP_ID_NOT_FOUND, out[g]
        assert g in out[g]["error_message"], out[g]
        assert (out[g]["group_state"], out[g]["members"]) == ("", []), out[g]
    assert out[simple]["error_message"] == "Group %s is not a consumer group." % simple

    # ListGroups v5: states and types filters (both case-insensitive, as in
    # Kafka). A group that only has commits has no protocol type.
    want = {cg: ("consumer", "Stable", "consumer"), rx: ("consumer", "Stable", "consumer"),
            simple: ("", "Empty", "classic"), live: ("consumer", "Stable", "classic")}

    def listed(**kw):
        got = list_groups(broker.port, **kw)
        return {g: (v["protocol_type"], v["group_state"], v["group_type"]) for g, v in got.items() if g in want}

    assert listed() == want
    assert listed(types=["consumer"]) == {cg: want[cg], rx: want[rx]}
    assert set(list_groups(broker.port, types=["consumer"])) == {cg, rx}
    assert listed(types=["classic"]) == {simple: want[simple], live: want[live]}
    assert listed(types=["consumer", "classic"]) == want
    assert listed(types=["CONSUMER"]) == {cg: want[cg], rx: want[rx]}
    assert listed(types=["bogus"]) == {}
    assert listed(states=["Stable"], types=["classic"]) == {live: want[live]}
    assert listed(states=["empty"]) == {simple: want[simple]}
    assert listed(states=["Reconciling"], types=["consumer"]) == {}


def test_full_heartbeat_gets_the_assignment_again(broker_factory):
    """Kafka answers a full heartbeat (rebalance timeout, subscription and
    owned partitions all set -- what a member sends after a lost response)
    with the member's whole assignment, changed or not; a member that missed
    the answer carrying its new assignment learns it that way."""
    broker = kip848_broker(broker_factory)
    topic, group = unique("k848-full"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=4)
    with w.connect(broker.port, 10) as s:
        j1 = join_raw(s, group, "m1", [topic])
        [tid] = j1["assignment"]
        join_raw(s, group, "m2", [topic])
        r = heartbeat(s, group_id=group, member_id="m1", member_epoch=1,
                      topic_partitions=[(tid, [0, 1, 2, 3])])
        kept = r["assignment"][tid]
        assert r["error_code"] == NONE and len(kept) == 2, r
        # That answer is "lost": m1 sends a full heartbeat at its old epoch,
        # still owning everything.
        full = dict(group_id=group, member_id="m1", member_epoch=1, rebalance_timeout_ms=5000,
                    subscribed_topic_names=[topic], topic_partitions=[(tid, [0, 1, 2, 3])])
        r = heartbeat(s, **full)
        assert r["error_code"] == NONE and r["member_epoch"] == 1, r
        assert r["assignment"] == {tid: kept}, "a full heartbeat must carry the assignment: %r" % r
        # A plain heartbeat (nothing changed, no owned partitions) carries none.
        r = heartbeat(s, group_id=group, member_id="m1", member_epoch=1)
        assert r["error_code"] == NONE and r["assignment"] is None, r


# --------------------------------------------------------------------------
# 7. Malformed heartbeats

def error_shape(r):
    """The fields Kafka sets on a ConsumerGroupHeartbeat error: only the code
    and the message (member id null, epochs and interval 0, no assignment)."""
    return {k: r[k] for k in ("member_id", "member_epoch", "heartbeat_interval_ms", "assignment")}


KAFKA_ERROR_SHAPE = {"member_id": None, "member_epoch": 0, "heartbeat_interval_ms": 0, "assignment": None}


def test_malformed_heartbeats_get_kafkas_errors_and_create_nothing(broker_factory):
    broker = kip848_broker(broker_factory)
    topic = unique("k848-bad")
    create_topic(broker.bootstrap, topic, partitions=2)
    some_topic_id = os.urandom(16)

    def join(**kw):
        args = dict(group_id=unique("grp"), member_id=unique("m"), member_epoch=0, rebalance_timeout_ms=5000,
                    subscribed_topic_names=[topic], topic_partitions=[])
        args.update(kw)
        return args

    # (what, version, request, error code, a word of the error message)
    cases = [
        ("empty group id", 1, join(group_id=""), INVALID_REQUEST, "GroupId"),
        ("v1 join with an empty member id", 1, join(member_id=""), INVALID_REQUEST, "MemberId"),
        ("v0 heartbeat (epoch 1) with an empty member id", 0, join(member_id="", member_epoch=1),
         INVALID_REQUEST, "MemberId"),
        ("join without a subscription (names and regex null)", 1, join(subscribed_topic_names=None),
         INVALID_REQUEST, "Subscribed"),
        ("v0 join without a subscription", 0, join(subscribed_topic_names=None), INVALID_REQUEST, "Subscribed"),
        ("join owning partitions", 1, join(topic_partitions=[(some_topic_id, [0])]),
         INVALID_REQUEST, "TopicPartitions"),
        ("join without owned partitions (null)", 1, join(topic_partitions=None),
         INVALID_REQUEST, "TopicPartitions"),
        ("join with rebalance timeout -1", 1, join(rebalance_timeout_ms=-1), INVALID_REQUEST, "RebalanceTimeoutMs"),
        ("epoch -3", 1, join(member_epoch=-3), INVALID_REQUEST, "MemberEpoch"),
        ("static leave (-2) without an instance id", 1, join(member_epoch=-2), INVALID_REQUEST, "InstanceId"),
        ("empty instance id", 1, join(instance_id=""), INVALID_REQUEST, "InstanceId"),
        ("empty rack id", 1, join(rack_id=""), INVALID_REQUEST, "RackId"),
        ("unknown server assignor", 1, join(server_assignor="sticky"), UNSUPPORTED_ASSIGNOR, "sticky"),
        ("empty server assignor", 1, join(server_assignor=""), UNSUPPORTED_ASSIGNOR, "ServerAssignor"),
        ("invalid regex", 1, join(subscribed_topic_names=None, subscribed_topic_regex="k848-bad-["),
         INVALID_REGULAR_EXPRESSION, "k848-bad-["),
        ("invalid regex next to names", 1, join(subscribed_topic_regex="(unclosed"),
         INVALID_REGULAR_EXPRESSION, "(unclosed"),
    ]
    wrong = []
    groups = []
    with w.connect(broker.port, 10) as s:
        for what, version, req, code, word in cases:
            groups.append(req["group_id"])
            r = heartbeat(s, version, **req)
            got = (r["error_code"], error_shape(r))
            if got != (code, KAFKA_ERROR_SHAPE) or word not in (r["error_message"] or ""):
                wrong.append("%s (v%d): expected error %d with a message naming %r, got %r"
                             % (what, version, code, word, r))
    # None of them created a group.
    described = describe(broker.port, *[g for g in groups if g])
    for g, d in described.items():
        if d["error_code"] != GROUP_ID_NOT_FOUND:
            wrong.append("group %s exists after a rejected heartbeat: %r" % (g, d))
    listed = list_groups(broker.port)
    wrong += ["ListGroups lists %s" % g for g in groups if g in listed]
    assert not wrong, "\n".join(wrong)
    assert broker_alive(broker.port)


def test_heartbeat_epoch_and_member_errors(broker_factory):
    broker = kip848_broker(broker_factory)
    topic, group, ghost = unique("k848-epoch"), unique("grp"), unique("ghost")
    create_topic(broker.bootstrap, topic, partitions=4)
    wrong = []

    def expect(what, r, code, word):
        if (r["error_code"], error_shape(r)) != (code, KAFKA_ERROR_SHAPE) or word not in (r["error_message"] or ""):
            wrong.append("%s: expected error %d with a message naming %r, got %r" % (what, code, word, r))

    with w.connect(broker.port, 10) as s:
        # m1 at epoch 2 with half the partitions, m2 at epoch 2 with the rest
        j = join_raw(s, group, "m1", [topic])
        assert (j["error_code"], j["member_epoch"]) == (NONE, 1), j
        [tid] = j["assignment"]
        assert join_raw(s, group, "m2", [topic])["member_epoch"] == 2
        r = heartbeat(s, group_id=group, member_id="m1", member_epoch=1, topic_partitions=[(tid, [0, 1, 2, 3])])
        kept = r["assignment"][tid]
        r = heartbeat(s, group_id=group, member_id="m1", member_epoch=1, topic_partitions=[(tid, kept)])
        assert (r["error_code"], r["member_epoch"]) == (NONE, 2), r
        r = heartbeat(s, group_id=group, member_id="m2", member_epoch=2, topic_partitions=[])
        assert r["error_code"] == NONE and len(r["assignment"][tid]) == 2, r
        before = describe(broker.port, group)
        assert before["group_state"] == "Stable", before

        expect("a greater epoch", heartbeat(s, group_id=group, member_id="m1", member_epoch=5),
               FENCED_MEMBER_EPOCH, "epoch")
        expect("a smaller epoch, owning what it no longer has", heartbeat(
            s, group_id=group, member_id="m1", member_epoch=1, topic_partitions=[(tid, [0, 1, 2, 3])]),
            FENCED_MEMBER_EPOCH, "epoch")
        expect("an unknown member", heartbeat(s, group_id=group, member_id="nobody", member_epoch=1),
               UNKNOWN_MEMBER_ID, "nobody")
        expect("an unknown member leaving", heartbeat(s, group_id=group, member_id="nobody", member_epoch=-1),
               UNKNOWN_MEMBER_ID, "nobody")
        # A group that does not exist (Kafka: GroupIdNotFoundException
        # "Consumer group <id> not found." unless the member is joining).
        expect("a heartbeat to a group that does not exist",
               heartbeat(s, group_id=ghost, member_id="m1", member_epoch=1), GROUP_ID_NOT_FOUND, ghost)
        expect("a leave from a group that does not exist",
               heartbeat(s, group_id=ghost, member_id="m1", member_epoch=-1), GROUP_ID_NOT_FOUND, ghost)

        # The group did not change; its member carries on.
        after = describe(broker.port, group)
        if after != before:
            wrong.append("the group changed: %r -> %r" % (before, after))
        r = heartbeat(s, group_id=group, member_id="m1", member_epoch=2)
        if (r["error_code"], r["member_epoch"]) != (NONE, 2):
            wrong.append("the member was disturbed: %r" % r)
    if describe(broker.port, ghost)["error_code"] != GROUP_ID_NOT_FOUND:
        wrong.append("group %s was created" % ghost)
    assert not wrong, "\n".join(wrong)


def test_join_with_an_empty_subscription_is_accepted(broker_factory):
    """Kafka 4.0 (KAFKA-18095) lets a member join with an empty list of
    topic names, or an empty regex: it is in the group with no partitions."""
    broker = kip848_broker(broker_factory)
    group = unique("grp")
    with w.connect(broker.port, 10) as s:
        r1 = join_raw(s, group, "by-names", [])
        r2 = join_raw(s, group, "by-regex", None, subscribed_topic_regex="")
    for r in (r1, r2):
        assert (r["error_code"], r["error_message"]) == (NONE, None), r
        assert r["assignment"] == {}, r
    d = describe(broker.port, group)
    assert sorted(m["member_id"] for m in d["members"]) == ["by-names", "by-regex"], d


def test_truncated_heartbeat_closes_the_connection(broker_factory):
    broker = kip848_broker(broker_factory)
    topic, group = unique("k848-trunc"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=1)
    body = w.consumer_group_heartbeat_body(1, group_id=group, member_id="m1", member_epoch=0,
                                           rebalance_timeout_ms=5000, subscribed_topic_names=[topic],
                                           topic_partitions=[])
    for cut in (len(body) - 1, len(body) // 2, 3):
        with w.connect(broker.port, 10) as s:
            # a well-formed frame whose body ends early
            w.send_all(s, w.request(w.API_CONSUMER_GROUP_HEARTBEAT, 1, 99, body[:cut], flexible=True))
            assert w.wait_closed(s, 5), "connection still open after a heartbeat cut at %d bytes" % cut
        assert broker.running(), broker.log_tail()
        assert broker_alive(broker.port)
    d = describe(broker.port, group)
    assert d["error_code"] == GROUP_ID_NOT_FOUND, d
    # the broker still serves heartbeats
    with w.connect(broker.port, 10) as s:
        r = join_raw(s, group, "m1", [topic])
    assert (r["error_code"], r["member_epoch"]) == (NONE, 1), r
