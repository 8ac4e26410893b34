"""Partition reassignment (KIP-455) in a cluster of three brokers.

No client Debian ships has AlterPartitionReassignments (confluent-kafka 1.7,
kafka-python 2.0.2), so the requests are raw frames (kafka_wire), and
kafkajs 2.2.4's admin (scripts/install-js-clients) checks them as a client
sees them; the data is produced and consumed with confluent-kafka and the
metadata checked with kcat:

- a partition on [0, 1] moves to [1, 2] while a producer (acks=all) keeps
  writing; once the move is done, broker 0 is no replica (kcat -L shows
  [1, 2]) and, killed with -9, takes nothing with it: every acknowledged
  record is read back, and the new replica holds the leader's batches;
- ListPartitionReassignments shows a move in progress (replicas, adding,
  removing) for named partitions and for all; a cancellation reverts it;
- bad input gets Kafka's errors (INVALID_REPLICA_ASSIGNMENT,
  UNKNOWN_TOPIC_OR_PARTITION, NO_REASSIGNMENT_IN_PROGRESS) and a malformed
  frame a closed connection, never a crash;
- kafkajs moves a partition and lists the move, and refuses a broker named
  twice;
- a single node takes [itself] as nothing to do, anything else as
  INVALID_REPLICA_ASSIGNMENT;
- a move survives its leader or the controller killed with -9 mid-move,
  with every acknowledged record read back.
"""

import json
import os
import signal
import subprocess
import threading
import time

import pytest

import kafka_wire as kw
from sluice_harness import Delivery, admin, consume, producer, run, unique, wait_until
from test_cluster import bootstrap_of, by_node, partition_meta, start_cluster, values
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

T = 15
INVALID_REPLICA_ASSIGNMENT = 39
UNKNOWN_TOPIC_OR_PARTITION = 3
NO_REASSIGNMENT_IN_PROGRESS = 85


def call(broker, api_key, body):
    s = kw.connect(broker.port)
    try:
        r = kw.roundtrip(s, api_key, 0, 1, body, flexible=True, timeout=T)
        r.tagged_fields()  # response header v1
        return r
    finally:
        s.close()


def alter(broker, moves):
    code, out = kw.parse_alter_partition_reassignments_v0(
        call(broker, kw.API_ALTER_PARTITION_REASSIGNMENTS, kw.alter_partition_reassignments_v0_body(moves)))
    assert code == 0
    return {tp: err for tp, (err, _) in out.items()}


def ongoing(broker, topics=None):
    code, out = kw.parse_list_partition_reassignments_v0(
        call(broker, kw.API_LIST_PARTITION_REASSIGNMENTS, kw.list_partition_reassignments_v0_body(topics)))
    assert code == 0
    return out


def create_on(brokers, topic, replicas, config=None):
    from confluent_kafka.admin import NewTopic
    fs = admin(bootstrap_of(brokers)).create_topics(
        [NewTopic(topic, 1, replica_assignment=[replicas], config=config or {})], request_timeout=T)
    fs[topic].result(T)
    wait_until(lambda: partition_meta(brokers, topic).leader >= 0, T, "a leader for " + topic)


def kcat_replicas(broker, topic):
    md = json.loads(run(["kcat", "-b", broker.bootstrap, "-L", "-J", "-t", topic]).stdout)
    (t,) = md["topics"]
    (p,) = t["partitions"]
    return sorted(r["id"] for r in p["replicas"]), sorted(r["id"] for r in p["isrs"])


def test_a_partition_moves_while_producing_and_survives_its_old_replica(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("moved")
    create_on(brokers, topic, [0, 1], {"min.insync.replicas": "2"})
    assert partition_meta(brokers, topic).leader == 0

    p = producer(bootstrap_of(brokers), message_timeout_ms=30000)
    acked = Delivery()
    sent = 0

    def send(n, prefix):
        nonlocal sent
        for i in range(n):
            while True:
                try:
                    p.produce(topic, b"%s%06d" % (prefix, i), on_delivery=acked)
                    break
                except BufferError:
                    p.poll(0.05)
            sent += 1
        p.poll(0)

    send(20000, b"before")
    assert p.flush(30) == 0

    # Keep producing while the partition moves.
    stop = threading.Event()

    def during():
        i = 0
        while not stop.is_set():
            send(200, b"during%05d-" % i)
            i += 1
            time.sleep(0.01)

    writer = threading.Thread(target=during)
    writer.start()
    try:
        time.sleep(0.3)
        assert alter(brokers[2], {topic: {0: [1, 2]}}) == {(topic, 0): 0}
        wait_until(lambda: not ongoing(brokers[1], {topic: [0]}), 30, "the reassignment complete")
    finally:
        stop.set()
        writer.join()
    send(1000, b"after")
    assert p.flush(30) == 0
    assert not acked.failed, acked.failed[:3]
    assert len(acked.ok) == sent
    assert any(v.startswith(b"during") for _, _, _, v in acked.ok), "nothing produced during the move"

    wait_until(lambda: kcat_replicas(brokers[1], topic) == ([1, 2], [1, 2]), T, "kcat -L showing [1, 2]")
    assert partition_meta(brokers, topic).leader in (1, 2)
    assert ongoing(brokers[0]) == {}
    # The old replica keeps no records of the partition (Kafka's StopReplica
    # with delete).
    wait_until(lambda: by_node(brokers, 0).batch_headers(topic) == [], T, "broker 0 dropping its old replica's records")

    by_node(brokers, 0).kill9()
    survivors = [b for b in brokers if b.running()]
    got = consume(bootstrap_of(survivors), topic, timeout=30)
    assert [m.offset() for m in got] == list(range(len(got)))
    acked_values = {v for _, _, _, v in acked.ok}
    assert acked_values <= set(values(got)), "acknowledged records lost: %d" % len(acked_values - set(values(got)))
    leader = by_node(brokers, partition_meta(survivors, topic).leader)
    other = by_node(brokers, 2 if leader.overrides["node.id"] == "1" else 1)
    wait_until(lambda: other.batch_headers(topic) == leader.batch_headers(topic), T,
               "the new replica holding the leader's batches")


def test_list_shows_a_move_in_progress_and_cancel_reverts_it(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd, extra={"metadata.etcd.session.timeout.ms": "6000"})
    topic = unique("cancelled")
    create_on(brokers, topic, [0, 1])
    # Broker 2 paused: still registered (its session has 6 s) but never
    # catches up, so the move stays in progress.
    two = by_node(brokers, 2)
    os.kill(two.proc.pid, signal.SIGSTOP)
    try:
        assert alter(brokers[0], {topic: {0: [1, 2]}}) == {(topic, 0): 0}
        expected = {(topic, 0): ([1, 2, 0], [2], [0])}
        assert ongoing(brokers[1], {topic: [0, 5], "no-such-topic": [0]}) == expected
        assert ongoing(brokers[0], None) == expected
        assert alter(brokers[1], {topic: {0: None}}) == {(topic, 0): 0}
        wait_until(lambda: ongoing(brokers[0]) == {}, T, "the reassignment cancelled")
        meta = partition_meta(brokers[:2], topic)
        assert sorted(meta.replicas) == [0, 1]
        assert sorted(meta.isrs) == [0, 1]
        assert alter(brokers[1], {topic: {0: None}}) == {(topic, 0): NO_REASSIGNMENT_IN_PROGRESS}
    finally:
        os.kill(two.proc.pid, signal.SIGCONT)


def test_bad_reassignments_get_kafkas_errors(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("bad")
    create_on(brokers, topic, [0, 1])
    assert alter(brokers[0], {topic: {0: [1, 1]}}) == {(topic, 0): INVALID_REPLICA_ASSIGNMENT}
    assert alter(brokers[0], {topic: {0: [1, 7]}}) == {(topic, 0): INVALID_REPLICA_ASSIGNMENT}
    assert alter(brokers[0], {topic: {0: []}}) == {(topic, 0): INVALID_REPLICA_ASSIGNMENT}
    assert alter(brokers[0], {topic: {5: [1, 2]}}) == {(topic, 5): UNKNOWN_TOPIC_OR_PARTITION}
    assert alter(brokers[0], {"no-such-topic": {0: [1, 2]}}) == {("no-such-topic", 0): UNKNOWN_TOPIC_OR_PARTITION}
    assert alter(brokers[0], {topic: {0: None}}) == {(topic, 0): NO_REASSIGNMENT_IN_PROGRESS}
    assert alter(brokers[0], {topic: {0: [0, 1]}}) == {(topic, 0): 0}  # where it is: nothing to do
    assert ongoing(brokers[0]) == {}

    # A truncated body: the connection closes and the broker carries on.
    body = kw.alter_partition_reassignments_v0_body({topic: {0: [1, 2]}})
    s = kw.connect(brokers[0].port)
    try:
        kw.send_all(s, kw.request(kw.API_ALTER_PARTITION_REASSIGNMENTS, 0, 1, body[:9], flexible=True))
        assert kw.wait_closed(s, T)
    finally:
        s.close()
    # An array count far beyond the bytes sent.
    s = kw.connect(brokers[0].port)
    try:
        kw.send_all(s, kw.request(kw.API_ALTER_PARTITION_REASSIGNMENTS, 0, 1, kw.int32(1000) + b"\xff\xff\xff\x0f",
                                  flexible=True))
        assert kw.wait_closed(s, T)
    finally:
        s.close()
    assert brokers[0].running()
    assert ongoing(brokers[0]) == {}
    meta = partition_meta(brokers, topic)
    assert sorted(meta.replicas) == [0, 1]


def test_single_node_takes_only_itself(broker_factory):
    from confluent_kafka.admin import NewTopic
    b = broker_factory()
    topic = unique("single")
    admin(b.bootstrap).create_topics([NewTopic(topic, 1, 1)], request_timeout=T)[topic].result(T)
    wait_until(lambda: topic in admin(b.bootstrap).list_topics(timeout=10).topics, T, "the topic")
    assert alter(b, {topic: {0: [0]}}) == {(topic, 0): 0}
    assert alter(b, {topic: {0: [1]}}) == {(topic, 0): INVALID_REPLICA_ASSIGNMENT}
    assert alter(b, {topic: {0: [0, 0]}}) == {(topic, 0): INVALID_REPLICA_ASSIGNMENT}
    assert alter(b, {topic: {0: None}}) == {(topic, 0): NO_REASSIGNMENT_IN_PROGRESS}
    assert alter(b, {topic: {3: [0]}}) == {(topic, 3): UNKNOWN_TOPIC_OR_PARTITION}
    assert ongoing(b) == {}


JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


def jsadmin(broker, *args):
    """kafkajs admin.js: (exit code, parsed stdout or stderr text)."""
    cp = subprocess.run(["node", "admin.js", broker.bootstrap] + [str(a) for a in args], cwd=JS_DIR,
                        capture_output=True, timeout=70)
    if cp.returncode != 0:
        return cp.returncode, cp.stderr.decode()
    return 0, json.loads(cp.stdout.decode())


def test_kafkajs_moves_and_lists(etcd, broker_factory):
    if not os.path.isdir(os.path.join(JS_DIR, "node_modules", "kafkajs")):
        import pytest
        pytest.skip("kafkajs not installed (scripts/install-js-clients)")
    brokers = start_cluster(broker_factory, etcd, extra={"metadata.etcd.session.timeout.ms": "6000"})
    topic = unique("js-moved")
    create_on(brokers, topic, [0, 1])
    two = by_node(brokers, 2)
    os.kill(two.proc.pid, signal.SIGSTOP)
    try:
        assert jsadmin(brokers[0], "reassign", topic, 0, "1,2") == (0, {"reassigned": True})
        rc, listed = jsadmin(brokers[1], "reassignments", topic, 0)
        assert rc == 0, listed
        assert listed == {"topics": [{"name": topic, "partitions": [
            {"partition": 0, "replicas": [1, 2, 0], "addingReplicas": [2], "removingReplicas": [0]}]}]}
        rc, listed = jsadmin(brokers[1], "reassignments")
        assert rc == 0 and [t["name"] for t in listed["topics"]] == [topic], listed
    finally:
        os.kill(two.proc.pid, signal.SIGCONT)
    wait_until(lambda: not ongoing(brokers[0]), 30, "the reassignment complete")
    wait_until(lambda: kcat_replicas(brokers[0], topic) == ([1, 2], [1, 2]), T, "kcat -L showing [1, 2]")
    rc, err = jsadmin(brokers[0], "reassign", topic, 0, "2,2")
    # kafkajs folds per-partition errors into one aggregate (the code is
    # checked on the raw frame in test_bad_reassignments_get_kafkas_errors).
    assert rc != 0 and "Errors altering partition reassignments" in err, err


def controller_of(brokers):
    return admin(bootstrap_of(brokers)).list_topics(timeout=T).controller_id


@pytest.mark.parametrize("victim", ["leader", "controller"])
def test_a_move_survives_its_leader_or_the_controller_killed(etcd, broker_factory, victim):
    """kill -9 mid-move: the partition's leader (a new leader from the ISR
    carries the move on) or the controller (a new one finishes it). Every
    acknowledged record is read back afterwards."""
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("killed-mid-move")
    create_on(brokers, topic, [0, 1])
    wait_until(lambda: partition_meta(brokers, topic).leader == 0, T, "broker 0 leading")
    controller = controller_of(brokers)
    p = producer(bootstrap_of(brokers), message_timeout_ms=60000)
    acked = Delivery()
    pad = b"x" * 1000  # 30 MB for the new replica to copy: the move takes a while
    for i in range(30000):
        while True:
            try:
                p.produce(topic, b"r%06d" % i + pad, on_delivery=acked)
                break
            except BufferError:
                p.poll(0.05)
    assert p.flush(30) == 0

    node = 0 if victim == "leader" else controller
    target = [1, 2] if node != 1 else [2, 0]
    stop = threading.Event()

    def during():
        i = 0
        while not stop.is_set():
            p.produce(topic, b"d%06d" % i, on_delivery=acked)
            p.poll(0)
            i += 1
            time.sleep(0.002)

    writer = threading.Thread(target=during)
    writer.start()
    try:
        asked = by_node(brokers, (node + 1) % 3)
        assert alter(asked, {topic: {0: target}}) == {(topic, 0): 0}
        assert ongoing(asked, {topic: [0]}), "the move finished before the kill"
        by_node(brokers, node).kill9()
        survivors = [b for b in brokers if b.running()]
        if node in target:
            # The killed broker is a target replica: the move waits for it.
            by_node(brokers, node).start()
            survivors = brokers
        wait_until(lambda: not ongoing(survivors[0], {topic: [0]}), 60, "the move to finish")
    finally:
        stop.set()
        writer.join()
    assert p.flush(60) == 0
    assert not acked.failed, acked.failed[:3]
    wait_until(lambda: sorted(partition_meta(survivors, topic).replicas) == sorted(target), T, "the new replicas")
    got = consume(bootstrap_of(survivors), topic, timeout=60)
    acked_values = {v for _, _, _, v in acked.ok}
    assert acked_values <= set(values(got)), "acknowledged records lost: %d" % len(acked_values - set(values(got)))
