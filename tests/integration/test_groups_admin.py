"""Admin views of consumer groups, through three clients: kafka-python's
KafkaAdminClient (ListGroups, DescribeGroups, OffsetFetch, DeleteGroups),
confluent-kafka's AdminClient.list_groups() (ListGroups + DescribeGroups),
and kcat -G as a balanced consumer-group member. Group lifecycle:
Stable with members -> Empty after they leave -> gone after DeleteGroups;
deleting a non-empty group fails with NON_EMPTY_GROUP (68), an unknown one
with GROUP_ID_NOT_FOUND (69)."""

import os
import signal
import subprocess
import threading

from kafka import TopicPartition as KTP

from group_helpers import (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, NONE, T, CKMember, KPAdmin,
                           close_all, decode_assignment, group_broker, messages_for,
                           wait_balanced, wait_consumed, wait_group_state)
from sluice_harness import admin, create_topic, produce, unique, wait_until


def kp_describe(a, group):
    [g] = a.describe_consumer_groups([group])
    assert g.group == group
    return g


def kp_groups(a):
    return dict(a.list_consumer_groups())


def ck_group(bootstrap, group):
    """confluent-kafka 1.7 AdminClient.list_groups(group) -> GroupMetadata."""
    gs = admin(bootstrap).list_groups(group, timeout=15)
    assert len(gs) == 1, gs
    assert gs[0].id == group
    return gs[0]


def test_list_describe_offsets_delete(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("adm"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=2)
    msgs = messages_for(topic, 2, 10)
    produce(broker.bootstrap, topic, msgs)
    members = []
    a = KPAdmin(broker.bootstrap)
    try:
        for n in ("adm-a", "adm-b"):
            members.append(CKMember(broker.bootstrap, group, [topic], name=n, strategy="range",
                                    commit_each=True).start())
        owners = wait_balanced(members, topic, 2, sizes=1)
        wait_consumed(members, len(msgs))
        wait_until(lambda: sum(len(m.commits) for m in members) == len(msgs), T,
                   "every consumed message committed")
        wait_group_state(broker.port, group, "Stable", members=2)

        # ListGroups: the group, with protocol type "consumer"
        groups = kp_groups(a)
        assert groups.get(group) == "consumer", groups

        # DescribeGroups: Stable, range, both members with client ids and assignments
        g = kp_describe(a, group)
        assert g.error_code == NONE
        assert g.state == "Stable"
        assert g.protocol_type == "consumer"
        assert g.protocol == "range"
        assert sorted(m.client_id for m in g.members) == ["adm-a", "adm-b"]
        assert len({m.member_id for m in g.members}) == 2
        assert all(m.member_id for m in g.members)
        for m in g.members:
            assert m.client_host, m
            assert list(m.member_metadata.subscription) == [topic]
            assert {t: sorted(ps) for t, ps in m.member_assignment.assignment} == \
                {topic: sorted(owners[m.client_id])}

        # OffsetFetch (all partitions of the group): what the members committed
        offs = a.list_consumer_group_offsets(group)
        assert {(tp.topic, tp.partition): om.offset for tp, om in offs.items()} == \
            {(topic, 0): 10, (topic, 1): 10}
        offs = a.list_consumer_group_offsets(group, partitions=[KTP(topic, 1)])
        assert {(tp.topic, tp.partition): om.offset for tp, om in offs.items()} == {(topic, 1): 10}

        # confluent-kafka agrees
        cg = ck_group(broker.bootstrap, group)
        assert cg.error is None, cg.error
        assert cg.state == "Stable"
        assert cg.protocol_type == "consumer"
        assert cg.protocol == "range"
        assert sorted(m.client_id for m in cg.members) == ["adm-a", "adm-b"]
        assert {m.id for m in cg.members} == {m.member_id for m in g.members}
        for m in cg.members:
            assert decode_assignment(m.assignment) == {topic: sorted(owners[m.client_id])}
        assert group in {x.id for x in admin(broker.bootstrap).list_groups(timeout=15)}

        # a group with members cannot be deleted
        res = a.delete_consumer_groups([group])
        assert [(gid, err.errno) for gid, err in res] == [(group, NON_EMPTY_GROUP)]
        assert kp_describe(a, group).state == "Stable"

        # all members leave -> Empty, still listed, offsets kept
        close_all(members)
        members = []
        wait_until(lambda: kp_describe(a, group).state == "Empty", T, "group Empty")
        g = kp_describe(a, group)
        assert g.members == []
        assert kp_groups(a).get(group) == "consumer"
        assert ck_group(broker.bootstrap, group).state == "Empty"
        offs = a.list_consumer_group_offsets(group)
        assert {(tp.topic, tp.partition): om.offset for tp, om in offs.items()} == \
            {(topic, 0): 10, (topic, 1): 10}

        # delete -> gone from the list, offsets gone, described as Dead
        res = a.delete_consumer_groups([group])
        assert [(gid, err.errno) for gid, err in res] == [(group, NONE)]
        assert group not in kp_groups(a)
        assert group not in {x.id for x in admin(broker.bootstrap).list_groups(timeout=15)}
        assert a.list_consumer_group_offsets(group) == {}
        g = kp_describe(a, group)
        assert g.state == "Dead" and g.members == []

        # deleting a group that does not exist
        ghost = unique("ghost")
        res = a.delete_consumer_groups([ghost])
        assert [(gid, err.errno) for gid, err in res] == [(ghost, GROUP_ID_NOT_FOUND)]
        res = a.delete_consumer_groups([group])  # already deleted
        assert [(gid, err.errno) for gid, err in res] == [(group, GROUP_ID_NOT_FOUND)]
    finally:
        close_all(members)
        a.close()


def test_deleted_group_starts_over(broker_factory):
    """After DeleteGroups the old commits are gone: a new member of the same
    group id starts from auto.offset.reset, not from the deleted offsets."""
    broker = group_broker(broker_factory)
    topic, group = unique("adm-del"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=1)
    produce(broker.bootstrap, topic, messages_for(topic, 1, 6))
    m = CKMember(broker.bootstrap, group, [topic], name="del-1", commit_each=True).start()
    try:
        wait_consumed([m], 6)
        wait_until(lambda: len(m.commits) == 6, T, "commits")
    finally:
        m.close()
    with KPAdmin(broker.bootstrap) as a:
        wait_until(lambda: kp_describe(a, group).state == "Empty", T, "group Empty")
        assert [(g, e.errno) for g, e in a.delete_consumer_groups([group])] == [(group, NONE)]
    m2 = CKMember(broker.bootstrap, group, [topic], name="del-2").start()
    try:
        wait_consumed([m2], 6)
        assert [off for _, _, off, _ in m2.consumed()][:6] == list(range(6))
    finally:
        m2.close()


def test_kcat_balanced_consumer(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("adm-kcat"), unique("kcatgrp")
    create_topic(broker.bootstrap, topic, partitions=2)
    msgs = messages_for(topic, 2, 10, tag="kc")
    produce(broker.bootstrap, topic, msgs)
    argv = ["kcat", "-b", broker.bootstrap, "-X", "auto.offset.reset=earliest",
            "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=400",
            "-X", "client.id=kcat-member", "-u", "-f", "%p %o %s\\n", "-G", group, topic]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines, errs = [], []

    def read(stream, out):
        for raw in stream:
            out.append(raw.decode(errors="replace").rstrip("\n"))

    threading.Thread(target=read, args=(proc.stdout, lines), daemon=True).start()
    threading.Thread(target=read, args=(proc.stderr, errs), daemon=True).start()
    try:
        wait_until(lambda: len(lines) >= len(msgs) or proc.poll() is not None, T,
                   "kcat -G to print %d messages" % len(msgs))
        assert proc.poll() is None, "kcat exited %r: %s" % (proc.returncode, errs[-20:])
        got = sorted(tuple(l.split(" ", 2)) for l in lines)
        # values are kc-<partition>-<offset>
        assert got == sorted(("%d" % m["partition"], m["value"].decode().split("-")[2],
                              m["value"].decode()) for m in msgs), (got, errs[-10:])
        with KPAdmin(broker.bootstrap) as a:
            g = kp_describe(a, group)
            assert g.state == "Stable"
            assert g.protocol_type == "consumer"
            assert [m.client_id for m in g.members] == ["kcat-member"]
            assert {t: sorted(ps) for t, ps in g.members[0].member_assignment.assignment} == \
                {topic: [0, 1]}
        # SIGTERM: kcat closes the consumer (commit + LeaveGroup)
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(20)
        with KPAdmin(broker.bootstrap) as a:
            wait_until(lambda: kp_describe(a, group).state == "Empty", T, "kcat's group Empty")
            offs = a.list_consumer_group_offsets(group)
            assert {(tp.topic, tp.partition): om.offset for tp, om in offs.items()} == \
                {(topic, 0): 10, (topic, 1): 10}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
