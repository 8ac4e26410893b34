"""Consumer groups with confluent-kafka (librdkafka 2.0.2) against sluiced:
balanced assignment with the range and roundrobin assignors, rebalance on
leave and on a SIGKILLed member (session timeout), committed offsets across
consumer and broker restarts, cooperative-sticky incremental rebalancing,
and static membership (KIP-345)."""

import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from group_helpers import (advance_and_check_resume, SESSION_MS, T, CKMember, ProcMember, close_all, decode_assignment,
                           group_broker, messages_for, wait_balanced, wait_consumed,
                           wait_group_state)
from sluice_harness import broker_alive, create_topic, produce, unique, wait_until


def assert_each_once_by_owner(members, topic, expected, owners):
    """Every expected (partition, value) consumed exactly once, by the member
    that owned the partition."""
    seen = {}
    for m in members:
        for t, p, off, value in m.consumed():
            assert t == topic
            key = (p, off)
            assert key not in seen, "offset %d of partition %d consumed twice (%s and %s)" % (
                off, p, seen[key][0], m.name)
            seen[key] = (m.name, value)
            assert p in owners[m.name], "%s consumed partition %d it does not own (%s)" % (
                m.name, p, sorted(owners[m.name]))
    got = sorted((p, v) for (p, _), (_, v) in seen.items())
    assert got == sorted(expected)


@pytest.mark.parametrize("strategy", ["range", "roundrobin"])
def test_three_members_two_partitions_each_then_leave(broker_factory, strategy):
    broker = group_broker(broker_factory)
    topic, group = unique("cg"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=6)
    members = []
    try:
        for n in ("a", "b", "c"):
            members.append(CKMember(broker.bootstrap, group, [topic], name=n,
                                    strategy=strategy).start())
        owners = wait_balanced(members, topic, 6, sizes=2)
        d = wait_group_state(broker.port, group, "Stable", members=3)
        assert d["protocol_type"] == "consumer"
        assert d["protocol"] == strategy
        # the broker's view of each member's assignment is what the member uses
        by_client = {m["client_id"]: set(decode_assignment(m["assignment"]).get(topic, []))
                     for m in d["members"]}
        assert by_client == {k: set(v) for k, v in owners.items()}

        msgs = messages_for(topic, 6, 5)
        produce(broker.bootstrap, topic, msgs)
        wait_consumed(members, len(msgs))
        assert_each_once_by_owner(members, topic,
                                  [(m["partition"], m["value"]) for m in msgs], owners)

        # one member leaves (close() sends LeaveGroup): the other two take over
        members[2].close()
        survivors = members[:2]
        wait_balanced(survivors, topic, 6, sizes=3)
        wait_group_state(broker.port, group, "Stable", members=2)
        assert broker_alive(broker.port)
    finally:
        close_all(members)


def test_sigkilled_member_partitions_move_after_session_timeout(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("cg-kill"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=6)
    procs = []
    try:
        for n in ("p1", "p2", "p3"):
            procs.append(ProcMember(broker.bootstrap, group, topic, n, strategy="range",
                                    session_ms=SESSION_MS))
        wait_balanced(procs, topic, 6, sizes=2, timeout=40)
        victim = procs[2]
        victim.kill9()
        t0 = time.monotonic()
        survivors = procs[:2]
        wait_balanced(survivors, topic, 6, sizes=3, timeout=SESSION_MS / 1000 + 30)
        took = time.monotonic() - t0
        # Kafka keeps a silent member until its session times out; a broker
        # that dropped it earlier (e.g. on connection close) is not Kafka.
        assert took >= SESSION_MS / 1000 / 2, (
            "the killed member's partitions moved after %.1f s, before its %d ms session "
            "timeout" % (took, SESSION_MS))
        assert all(p.alive() for p in survivors)
        wait_group_state(broker.port, group, "Stable", members=2)
    finally:
        close_all(procs)


def _consumer(bootstrap, group, reset):
    return Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                     "client.id": "resume", "session.timeout.ms": SESSION_MS,
                     "heartbeat.interval.ms": 400, "enable.auto.commit": False,
                     "auto.offset.reset": reset, "fetch.wait.max.ms": 100,
                     "socket.timeout.ms": 10000,
                     "partition.assignment.strategy": "range"})


def _consume(c, n, timeout=T):
    """Poll until n messages; returns [(partition, offset, value)]."""
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n:
        assert time.monotonic() < deadline, "got %d of %d messages in %d s" % (len(out), n, timeout)
        m = c.poll(0.2)
        if m is None:
            continue
        assert not m.error() or not m.error().fatal(), m.error()
        if m.error():
            continue
        out.append((m.partition(), m.offset(), m.value()))
    return out


def test_committed_offsets_survive_consumer_and_broker_restart(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("cg-commit"), unique("grp")
    parts, per = 3, 30
    create_topic(broker.bootstrap, topic, partitions=parts)
    msgs = messages_for(topic, parts, per)
    produce(broker.bootstrap, topic, msgs)
    all_msgs = sorted((m["partition"], int(m["value"].split(b"-")[2]), m["value"]) for m in msgs)

    consumed = []
    positions = {p: 0 for p in range(parts)}

    def run_phase(n, reset, expect_committed):
        c = _consumer(broker.bootstrap, group, reset)
        try:
            c.subscribe([topic])
            tps = [TopicPartition(topic, p) for p in range(parts)]
            if expect_committed is not None:
                got = {tp.partition: tp.offset for tp in c.committed(tps, timeout=15)}
                assert got == expect_committed, "committed offsets %r, expected %r" % (
                    got, expect_committed)
            batch = _consume(c, n)
            advance_and_check_resume(batch, positions, expect_committed)
            consumed.extend(batch)
            commit = [TopicPartition(topic, p, positions[p]) for p in range(parts)]
            res = c.commit(offsets=commit, asynchronous=False)
            assert sorted((tp.partition, tp.offset, tp.error) for tp in res) == \
                [(p, positions[p], None) for p in range(parts)]
            got = {tp.partition: tp.offset for tp in c.committed(tps, timeout=15)}
            assert got == positions
        finally:
            c.close()
        return dict(positions)

    # fresh group: starts from the beginning
    committed = run_phase(20, "earliest", None)
    assert sum(committed.values()) == 20
    # new consumer, same group: resumes at the commit; "latest" would lose
    # messages if the commit were missing
    committed = run_phase(35, "latest", committed)
    broker.restart()
    committed = run_phase(parts * per - 55, "latest", committed)
    assert committed == {p: per for p in range(parts)}

    # every message exactly once across the three consumers: no gaps, no duplicates
    got = sorted((p, off) for p, off, _ in consumed)
    assert got == sorted((p, o) for p, o, _ in all_msgs)
    assert sorted(v for _, _, v in consumed) == sorted(v for _, _, v in all_msgs)


def test_cooperative_sticky_incremental_rebalance(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("cg-coop"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=6)
    members = []
    try:
        a = CKMember(broker.bootstrap, group, [topic], name="coop-a",
                     strategy="cooperative-sticky").start()
        members.append(a)
        wait_balanced([a], topic, 6, sizes=6)
        initial = a.partitions(topic)
        assert initial == set(range(6))
        n_events_before = len(a.events)

        b = CKMember(broker.bootstrap, group, [topic], name="coop-b",
                     strategy="cooperative-sticky").start()
        members.append(b)
        owners = wait_balanced([a, b], topic, 6, sizes=3)
        wait_group_state(broker.port, group, "Stable", members=2)
        kept, moved = owners["coop-a"], owners["coop-b"]

        later = a.events[n_events_before:]
        revoked = set()
        for _, kind, ps in later:
            ps = {p for _, p in ps}
            assert kind != "lost", "coop-a lost its partitions: %r" % later
            if kind == "revoke":
                # cooperative: only the partitions that move are revoked
                assert ps < set(initial), "revoke of %r is not a strict subset of %r" % (
                    sorted(ps), sorted(initial))
                assert not ps & kept, "coop-a had %r revoked but keeps them" % sorted(ps & kept)
                revoked |= ps
            if kind == "assign":
                assert not ps - kept
        assert revoked == moved
        # coop-a never gave up the partitions it keeps
        assert a.min_assignment_after_first == 3, a.assign_history
        assigned_b = set()
        for _, kind, ps in b.events:
            if kind == "assign":
                assigned_b |= {p for _, p in ps}
        assert assigned_b == moved
    finally:
        close_all(members)


def test_static_member_rejoins_without_rebalance(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("cg-static"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=6)
    session = 20000  # the restart happens well within it
    members = []
    try:
        a = CKMember(broker.bootstrap, group, [topic], name="static-a", session_ms=session,
                     conf={"group.instance.id": "instance-a"}).start()
        b = CKMember(broker.bootstrap, group, [topic], name="static-b", session_ms=session,
                     conf={"group.instance.id": "instance-b"}).start()
        members += [a, b]
        owners = wait_balanced([a, b], topic, 6, sizes=3)
        d1 = wait_group_state(broker.port, group, "Stable", members=2)
        b_member_id = {m["client_id"]: m["member_id"] for m in d1["members"]}["static-b"]
        b_events = list(b.events)

        # a static member sends no LeaveGroup on close (KIP-345) ...
        a.close()
        t_closed = time.monotonic()
        # ... and rejoining with the same group.instance.id within the session
        # timeout gets the same assignment back, without a rebalance
        a2 = CKMember(broker.bootstrap, group, [topic], name="static-a", session_ms=session,
                      conf={"group.instance.id": "instance-a"}).start()
        members.append(a2)
        wait_until(lambda: a2.partitions(topic) == owners["static-a"] or (a2.check(), False)[1],
                   T, "the restarted static member to get its old partitions %r back"
                   % sorted(owners["static-a"]))
        assert time.monotonic() - t_closed < session / 1000

        # the group works: fresh messages reach both members, from their own partitions
        msgs = messages_for(topic, 6, 2, tag="after")
        produce(broker.bootstrap, topic, msgs)
        wait_until(lambda: {p for _, p, _, v in a2.consumed() + b.consumed()
                            if v.startswith(b"after")} == set(range(6)),
                   T, "messages produced after the rejoin consumed on every partition")
        assert b.events == b_events, "the other member saw a rebalance: %r" % b.events[len(b_events):]
        assert b.partitions(topic) == owners["static-b"]
        assert a2.partitions(topic) == owners["static-a"]
        d2 = wait_group_state(broker.port, group, "Stable", members=2)
        ids = {m["client_id"]: m["member_id"] for m in d2["members"]}
        assert ids["static-b"] == b_member_id
    finally:
        close_all(members)
