"""Consumer groups in a replicated cluster: a group's coordinator is the
leader of its __consumer_offsets partition, that topic is replicated, and a
group keeps its committed offsets when the coordinator's broker is killed
with -9. confluent-kafka (librdkafka) members, raw frames for the checks.
"""

import group_helpers as gh
from sluice_harness import produce, unique, wait_until
from test_cluster import bootstrap_of, by_node, create_replicated, partition_meta, start_cluster
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

GROUP_CLUSTER = {
    "offsets.topic.num.partitions": "3",
    "group.initial.rebalance.delay.ms": "0",
    "group.min.session.timeout.ms": "1000",
}


def coordinator_of(brokers, group):
    """FindCoordinator from any live broker until one is named."""
    def ask():
        for b in brokers:
            if not b.running():
                continue
            try:
                with gh.Wire(b.port) as c:
                    r = c.find_coordinator(group)
            except OSError:
                continue
            if r["error_code"] == gh.NONE:
                return r
        return None
    return wait_until(ask, 30, "a coordinator for %s" % group, 0.2)


def committed(port, group, topic, partition=0):
    with gh.Wire(port) as c:
        offset, _, error = c.fetch_offsets(group, {topic: [partition]})[topic][partition]
    return offset, error


def test_a_group_keeps_its_offsets_when_its_coordinator_is_killed(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd, extra=GROUP_CLUSTER)
    topic = unique("grouped")
    group = unique("g")
    create_replicated(brokers, topic)
    produce(bootstrap_of(brokers), topic, [{"value": b"a%04d" % i} for i in range(300)])

    first = gh.CKMember(bootstrap_of(brokers), group, [topic], name="first", commit_each=True,
                        session_ms=6000).start()
    try:
        gh.wait_consumed([first], 300)
    finally:
        first.close()
    coord = coordinator_of(brokers, group)
    assert committed(coord["port"], group, topic) == (300, gh.NONE)

    # __consumer_offsets is replicated: every broker holds the group's partition.
    offsets_partition = partition_meta(brokers, "__consumer_offsets",
                                       partition_for(group, 3))
    assert sorted(offsets_partition.replicas) == [0, 1, 2]
    assert offsets_partition.leader == coord["node_id"]

    second = gh.CKMember(bootstrap_of(brokers), group, [topic], name="second", commit_each=True,
                         session_ms=6000).start()
    try:
        wait_until(lambda: second.partitions(topic) == {0}, 30, "the second member assigned")
        by_node(brokers, coord["node_id"]).kill9()
        produce(bootstrap_of(brokers), topic, [{"value": b"b%04d" % i} for i in range(300)],
                message_timeout_ms=30000, timeout=40)
        # It continues from the committed offsets: only the new records.
        gh.wait_consumed([second], 300, timeout=60)
        got = [v for _, _, _, v in second.consumed()]
        assert got[:300] == [b"b%04d" % i for i in range(300)], "re-read or skipped records: %r" % got[:3]
    finally:
        second.close()

    moved = coordinator_of(brokers, group)
    assert moved["node_id"] != coord["node_id"]
    assert committed(moved["port"], group, topic) == (600, gh.NONE)


def test_only_the_leader_of_the_groups_partition_coordinates_it(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd, extra=GROUP_CLUSTER)
    topic = unique("t")
    group = unique("g")
    create_replicated(brokers, topic)
    coord = coordinator_of(brokers, group)
    for b in brokers:
        with gh.Wire(b.port) as c:
            answer = c.commit(group, -1, "", {topic: [(0, 5, None)]})[topic][0]
        expected = gh.NONE if b.port == coord["port"] else gh.NOT_COORDINATOR
        assert answer == expected, "broker %s answered %d" % (b.overrides["node.id"], answer)
    assert committed(coord["port"], group, topic) == (5, gh.NONE)
    other = next(b for b in brokers if b.port != coord["port"])
    assert committed(other.port, group, topic)[1] == gh.NOT_COORDINATOR


def partition_for(group, partitions):
    """Kafka's partition for a group: abs(Java String.hashCode) % partitions."""
    h = 0
    for ch in group:
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    if h >= 1 << 31:
        h -= 1 << 32
    return abs(h) % partitions


def test_a_sync_is_answered_only_once_the_isr_holds_the_group(etcd, broker_factory):
    """The leader's SyncGroup writes the group's assignment to
    __consumer_offsets; as in Kafka, members get it only once every ISR
    member holds it. With the followers stopped (and still in the ISR: long
    lease and lag bounds), the write cannot commit and the sync answers
    COORDINATOR_NOT_AVAILABLE after offsets.commit.timeout.ms; once they run
    again the group forms."""
    import os
    import signal
    import time

    slow = dict(GROUP_CLUSTER, **{"metadata.etcd.session.timeout.ms": "30000",
                                  "replica.lag.time.max.ms": "30000",
                                  "offsets.commit.timeout.ms": "1500"})
    brokers = start_cluster(broker_factory, etcd, extra=slow)
    group = unique("g")
    coord = coordinator_of(brokers, group)
    wait_until(lambda: len(partition_meta(brokers, "__consumer_offsets", partition_for(group, 3)).isrs) == 3,
               30, "the group's partition fully in sync")
    others = [b for b in brokers if b.port != coord["port"]]

    def join_and_sync(c):
        j = c.join(group, session_timeout_ms=20000)
        if j["error_code"] == gh.MEMBER_ID_REQUIRED:
            j = c.join(group, j["member_id"], session_timeout_ms=20000)
        assert j["error_code"] == gh.NONE, j
        assignment = gh.assignment_v0({"t": [0]})
        started = time.monotonic()
        s = c.sync(group, j["generation_id"], j["member_id"], [(j["member_id"], assignment)])
        return s, time.monotonic() - started

    for b in others:
        os.kill(b.pid, signal.SIGSTOP)
    try:
        with gh.Wire(coord["port"]) as c:
            answer, took = join_and_sync(c)
        assert answer["error_code"] == gh.COORDINATOR_NOT_AVAILABLE, answer
        assert took >= 1.2, "answered after %.2f s, before the write could commit" % took
    finally:
        for b in others:
            os.kill(b.pid, signal.SIGCONT)

    with gh.Wire(coord["port"]) as c:
        answer, _ = wait_until(lambda: (lambda r: r if r[0]["error_code"] == gh.NONE else None)(join_and_sync(c)),
                               30, "the group forms once the followers run")
    assert gh.decode_assignment(answer["assignment"])["t"] == [0]
