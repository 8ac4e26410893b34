"""Transactions in a replicated cluster: a transactional id's coordinator is
the leader of its __transaction_state partition, that topic is replicated,
markers go over the wire to the leaders on other brokers, and a commit
survives its coordinator killed with -9 (the new leader loads the id and
finishes what it finds half ended). confluent-kafka as the judge."""

import os
import signal
import threading

import kafka_wire as kw
from sluice_harness import unique, wait_until
from test_cluster import bootstrap_of, by_node, create_replicated, partition_meta, start_cluster
from test_cluster_groups import partition_for
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)
from test_transactions import (INVALID_TXN_STATE, NONE, T, add_partitions, describe, find_coordinator, init_pid,
                               produce_txn, read_all, txn_producer)

NOT_COORDINATOR = 16

TXN_CLUSTER = {"transaction.state.log.num.partitions": "3"}


def coordinator_of(brokers, txn_id, other_than=None):
    def ask():
        for b in brokers:
            if not b.running():
                continue
            try:
                with kw.connect(b.port) as s:
                    r = find_coordinator(s, txn_id)
            except OSError:
                continue
            if r["error_code"] == NONE and r["node_id"] != other_than:
                return r
        return None
    return wait_until(ask, 30, "a coordinator for %s" % txn_id, 0.2)


def run_transaction(p, topic, prefix, n, partitions):
    p.begin_transaction()
    for i in range(n):
        p.produce(topic, b"%s-%d" % (prefix, i), partition=i % partitions)
    p.flush(T)


def test_commit_across_brokers(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd, extra=TXN_CLUSTER)
    topic = unique("txn")
    create_replicated(brokers, topic, partitions=3)
    txn_id = unique("tx")
    p = txn_producer(bootstrap_of(brokers), txn_id)
    p.init_transactions(T)
    coord = coordinator_of(brokers, txn_id)
    state = partition_meta(brokers, "__transaction_state", partition_for(txn_id, 3))
    assert sorted(state.replicas) == [0, 1, 2]
    assert state.leader == coord["node_id"]
    leaders = {partition_meta(brokers, topic, i).leader for i in range(3)}
    run_transaction(p, topic, b"c", 30, 3)
    p.commit_transaction(T)
    run_transaction(p, topic, b"a", 9, 3)
    p.abort_transaction(T)
    got = read_all(bootstrap_of(brokers), topic, "read_committed", partitions=3)
    assert sorted(got) == sorted(b"c-%d" % i for i in range(30)), "leaders %r" % leaders

    # KIP-890 over the wire: a leader that is not the coordinator asks it
    # before a producer's first transactional batch, and refuses a batch of
    # a partition outside the transaction.
    other = next(i for i in range(3) if partition_meta(brokers, topic, i).leader != coord["node_id"])
    leader = by_node(brokers, partition_meta(brokers, topic, other).leader)
    with kw.connect(coord["port"]) as s:
        got = init_pid(s, txn_id)
        pid, epoch = got["producer_id"], got["producer_epoch"]
    with kw.connect(leader.port) as s:
        assert produce_txn(s, txn_id, topic, pid, epoch, 0, partition=other) == INVALID_TXN_STATE
        with kw.connect(coord["port"]) as c:
            assert add_partitions(c, txn_id, pid, epoch, [(topic, [other])]) == {(topic, other): NONE}
        assert produce_txn(s, txn_id, topic, pid, epoch, 0, partition=other) == NONE


def test_only_the_leader_of_the_ids_partition_coordinates_it(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd, extra=TXN_CLUSTER)
    txn_id = unique("tx")
    coord = coordinator_of(brokers, txn_id)
    wait_until(lambda: init_pid_on(coord["port"], txn_id) == NONE, 20, "the coordinator loaded")
    for b in brokers:
        if b.port != coord["port"]:
            assert init_pid_on(b.port, txn_id) == NOT_COORDINATOR
            with kw.connect(b.port) as s:
                assert describe(s, [txn_id])[0]["error_code"] == NOT_COORDINATOR


def init_pid_on(port, txn_id):
    with kw.connect(port) as s:
        return init_pid(s, txn_id)["error_code"]


def describe_on(port, txn_id):
    try:
        with kw.connect(port) as s:
            return describe(s, [txn_id])[0]
    except OSError:
        return None


def test_a_commit_survives_its_coordinator_killed(etcd, broker_factory):
    """The coordinator dies between PrepareCommit and CompleteCommit: the
    data partition's leader is stopped (SIGSTOP) so its marker cannot be
    written, the coordinator is killed with -9 once it has written
    PrepareCommit, and the new coordinator finishes the commit. Four
    brokers, __transaction_state with two replicas, and a data partition led
    by neither, so the stopped broker holds up only the marker."""
    brokers = start_cluster(broker_factory, etcd, n=4,
                            extra=dict(TXN_CLUSTER, **{"transaction.state.log.replication.factor": "2",
                                                        # one replica must do once the other is killed
                                                        "transaction.state.log.min.isr": "1"}))
    topic = unique("txn")
    create_replicated(brokers, topic, partitions=4)
    txn_id = unique("tx")
    p = txn_producer(bootstrap_of(brokers), txn_id, message_timeout_ms=60000, transaction_timeout_ms=60000,
                     socket_timeout_ms=60000)
    p.init_transactions(T)
    coord = coordinator_of(brokers, txn_id)
    state_replicas = partition_meta(brokers, "__transaction_state", partition_for(txn_id, 3)).replicas
    assert len(state_replicas) == 2 and coord["node_id"] in state_replicas
    q = next((i for i in range(4) if partition_meta(brokers, topic, i).leader not in state_replicas), None)
    assert q is not None, "no partition led outside %r" % (state_replicas,)
    data_leader = by_node(brokers, partition_meta(brokers, topic, q).leader)
    p.begin_transaction()
    for i in range(20):
        p.produce(topic, b"first-%d" % i, partition=q)
    p.flush(T)

    outcome = {}

    def commit():
        try:
            p.commit_transaction(120)
            outcome["ok"] = True
        except Exception as e:  # noqa: BLE001  (reported below)
            outcome["error"] = e
    os.kill(data_leader.pid, signal.SIGSTOP)
    try:
        t = threading.Thread(target=commit)
        t.start()
        wait_until(lambda: (describe_on(coord["port"], txn_id) or {}).get("state") == "PrepareCommit", 30,
                   "PrepareCommit written")
        by_node(brokers, coord["node_id"]).kill9()
    finally:
        os.kill(data_leader.pid, signal.SIGCONT)
    moved = coordinator_of(brokers, txn_id, other_than=coord["node_id"])
    wait_until(lambda: (describe_on(moved["port"], txn_id) or {}).get("state") == "CompleteCommit", 60,
               "the new coordinator to complete the commit")
    t.join(120)
    assert outcome.get("ok"), outcome
    bootstrap = bootstrap_of(brokers)
    got = read_all(bootstrap, topic, "read_committed", expect=20, timeout=60, partitions=4)
    assert sorted(got) == sorted(b"first-%d" % i for i in range(20))

    # The same producer carries on with the new coordinator.
    run_transaction(p, topic, b"second", 6, 4)
    p.commit_transaction(60)
    got = read_all(bootstrap, topic, "read_committed", expect=26, timeout=60, partitions=4)
    assert len(got) == 26
