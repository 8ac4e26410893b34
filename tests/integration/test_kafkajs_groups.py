"""kafkajs 2.2.4 consumer groups against sluiced: a group consumer reads what
kafkajs produced; two members share a 4-partition topic (2 each), every
message is consumed exactly once and committed; new members resume exactly
at the committed offsets after the members restart and after the broker
restarts. The long-running members are js/group_member.js processes that
report their assignment and each committed message as JSON lines."""

import json
import os

from group_helpers import T, group_broker, messages_for, wait_group_state
from event_process import EventProcess
from sluice_harness import create_topic, produce, run, unique, wait_until

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


def node(script, *args, timeout=70):
    cp = run(["node", script] + [str(a) for a in args], timeout=timeout, cwd=JS_DIR)
    return json.loads(cp.stdout.decode())


class JsMember(EventProcess):
    """node js/group_member.js: a kafkajs group member's events."""

    def __init__(self, bootstrap, topic, group, name):
        super().__init__(name, ["node", "group_member.js", bootstrap, topic, group, name], cwd=JS_DIR)

    def assignment(self, topic):
        joins = self.of("join")
        if not joins:
            return None
        return frozenset(joins[-1]["assignment"].get(topic, []))

    def messages(self):
        return [(e["partition"], e["offset"], e["value"]) for e in self.of("msg")]


def kill_all(members):
    for m in members:
        m.kill()


def wait_js_balanced(members, topic, partitions, per_member):
    def ok():
        for m in members:
            m.check()
        got = [m.assignment(topic) for m in members]
        if any(g is None or len(g) != per_member for g in got):
            return None
        union = set().union(*got)
        if union != set(range(partitions)) or sum(len(g) for g in got) != partitions:
            return None
        leaders = {m.of("join")[-1]["leader"] for m in members}
        return len(leaders) == 1 and {m.name: g for m, g in zip(members, got)}
    try:
        return wait_until(ok, 45, "kafkajs members balanced, %d partitions each" % per_member, 0.1)
    except AssertionError as e:
        raise AssertionError("%s; joins: %r" % (e, {m.name: m.of("join") for m in members}))


def wait_js_consumed(members, count, timeout=T):
    def ok():
        for m in members:
            m.check()
        return sum(len(m.messages()) for m in members) >= count
    try:
        wait_until(ok, timeout, "%d messages consumed by kafkajs members" % count, 0.1)
    except AssertionError as e:
        raise AssertionError("%s; got %r" % (e, {m.name: len(m.messages()) for m in members}))


def test_kafkajs_group_consumer_reads_what_kafkajs_produced(broker_factory):
    broker = broker_factory({"num.partitions": "1", "group.initial.rebalance.delay.ms": "0"})
    topic = unique("js-group")
    n = 30
    out = node("produce.js", broker.bootstrap, topic, n, "gzip", 0)
    base = out["base"]

    got = node("consume_group.js", broker.bootstrap, topic, unique("grp"), n)
    assert len(got) == n
    for i, m in enumerate(sorted(got, key=lambda m: int(m["offset"]))):
        assert m["partition"] == 0
        assert m["offset"] == str(i)
        assert m["key"] == "key-%d" % i
        assert m["value"] == ("value-%d " % i) + "kafkajs " * 20
        assert m["headers"] == {"h": "hv-%d" % i, "fixed": "yes"}
        assert m["timestamp"] == str(base + i)


def test_kafkajs_two_members_share_partitions_and_resume_at_commits(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("js-share"), unique("grp")
    parts = 4
    create_topic(broker.bootstrap, topic, partitions=parts)
    members = []
    try:
        a = JsMember(broker.bootstrap, topic, group, "js-a")
        members.append(a)
        b = JsMember(broker.bootstrap, topic, group, "js-b")
        members.append(b)
        owners = wait_js_balanced([a, b], topic, parts, 2)
        wait_group_state(broker.port, group, "Stable", members=2)

        # 10 per partition, produced once the group is stable
        msgs = messages_for(topic, parts, 10)
        produce(broker.bootstrap, topic, msgs)
        wait_js_consumed([a, b], len(msgs))
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

        def resume(tag, first, count, name):
            more = messages_for(topic, parts, count, start=first, tag=tag)
            produce(broker.bootstrap, topic, more)
            m = JsMember(broker.bootstrap, topic, group, name)
            members.append(m)
            wait_js_consumed([m], len(more))
            got = m.messages()
            assert m.assignment(topic) == set(range(parts))
            # starts exactly at the committed offsets: nothing old, nothing missing
            assert sorted((p, off) for p, off, _ in got) == \
                [(p, o) for p in range(parts) for o in range(first, first + count)], got
            assert sorted(v for _, _, v in got) == sorted(x["value"].decode() for x in more)
            m.stop()

        resume("again", 10, 5, "js-c")      # members restarted
        broker.restart()
        resume("reborn", 15, 5, "js-d")     # broker restarted too
    finally:
        kill_all(members)


def test_kafkajs_group_offsets_visible_to_other_clients(broker_factory):
    """What kafkajs committed is what an OffsetFetch from librdkafka sees."""
    from confluent_kafka import Consumer, TopicPartition
    broker = group_broker(broker_factory)
    topic, group = unique("js-off"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=2)
    produce(broker.bootstrap, topic, messages_for(topic, 2, 7))
    m = JsMember(broker.bootstrap, topic, group, "js-off")
    try:
        wait_js_consumed([m], 14)
        m.stop()
    finally:
        m.kill()
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                  "enable.auto.commit": False})
    try:
        got = c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=15)
    finally:
        c.close()
    assert [(tp.partition, tp.offset) for tp in got] == [(0, 7), (1, 7)]
