"""Consumer groups with kafka-python 2.0.2 against sluiced. kafka-python
speaks only old, non-flexible group APIs (FindCoordinator v0, JoinGroup <= 2,
OffsetCommit v2, OffsetFetch v1), so these tests cover those paths:
balanced range assignment, rebalance on leave, and committed offsets across
consumer and broker restarts."""

import time

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition

from group_helpers import (advance_and_check_resume, SESSION_MS, T, KPMember, close_all, group_broker, messages_for,
                           wait_balanced, wait_consumed, wait_group_state)
from sluice_harness import broker_alive, create_topic, produce, unique


def test_three_members_two_partitions_each_then_leave(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("kp"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=6)
    members = []
    try:
        for n in ("kp-a", "kp-b", "kp-c"):
            members.append(KPMember(broker.bootstrap, group, [topic], name=n).start())
        owners = wait_balanced(members, topic, 6, sizes=2, timeout=45)
        d = wait_group_state(broker.port, group, "Stable", members=3)
        assert d["protocol_type"] == "consumer"
        assert d["protocol"] == "range"  # kafka-python's first (default) assignor

        msgs = messages_for(topic, 6, 4)
        produce(broker.bootstrap, topic, msgs)
        wait_consumed(members, len(msgs))
        seen = {}
        for m in members:
            for _, p, off, value in m.consumed():
                assert p in owners[m.name], "%s consumed partition %d it does not own" % (m.name, p)
                assert (p, off) not in seen, "partition %d offset %d consumed twice" % (p, off)
                seen[(p, off)] = value
        assert sorted(seen.values()) == sorted(m["value"] for m in msgs)

        # one member leaves (LeaveGroup on close): the survivors get 3 each
        members[2].close()
        wait_balanced(members[:2], topic, 6, sizes=3, timeout=45)
        wait_group_state(broker.port, group, "Stable", members=2)
        assert broker_alive(broker.port)
    finally:
        close_all(members)


def _consumer(broker, group, reset):
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group, client_id="kp-resume",
                      api_version=None, enable_auto_commit=False, auto_offset_reset=reset,
                      session_timeout_ms=SESSION_MS, heartbeat_interval_ms=400,
                      fetch_max_wait_ms=100, request_timeout_ms=30000)
    return c


def _consume(c, n, timeout=T):
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n:
        assert time.monotonic() < deadline, "got %d of %d records in %d s" % (len(out), n, timeout)
        for recs in c.poll(timeout_ms=200, max_records=n - len(out)).values():
            out.extend((r.partition, r.offset, r.value) for r in recs)
    return out


def test_commit_and_resume_after_consumer_and_broker_restart(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("kp-commit"), unique("grp")
    parts, per = 3, 20
    create_topic(broker.bootstrap, topic, partitions=parts)
    msgs = messages_for(topic, parts, per)
    produce(broker.bootstrap, topic, msgs)

    consumed = []
    positions = {p: 0 for p in range(parts)}
    tps = [TopicPartition(topic, p) for p in range(parts)]

    def run_phase(n, reset, expect_committed):
        c = _consumer(broker, group, reset)
        try:
            c.subscribe([topic])
            if expect_committed is not None:
                got = {tp.partition: c.committed(tp) for tp in tps}
                assert got == expect_committed, "committed %r, expected %r" % (got, expect_committed)
            batch = _consume(c, n)
            advance_and_check_resume(batch, positions, expect_committed)
            consumed.extend(batch)
            c.commit({tp: OffsetAndMetadata(positions[tp.partition], "") for tp in tps})
            got = {tp.partition: c.committed(tp) for tp in tps}
            assert got == positions
        finally:
            c.close(autocommit=False)
        return dict(positions)

    committed = run_phase(15, "earliest", None)
    committed = run_phase(20, "latest", committed)   # consumer restart
    broker.restart()
    committed = run_phase(parts * per - 35, "latest", committed)  # broker restart too
    assert committed == {p: per for p in range(parts)}

    got = sorted((p, off) for p, off, _ in consumed)
    assert got == sorted((p, o) for p in range(parts) for o in range(per)), "gaps or duplicates"
    assert sorted(v for _, _, v in consumed) == sorted(m["value"] for m in msgs)
