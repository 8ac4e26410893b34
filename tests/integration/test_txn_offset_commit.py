"""TxnOffsetCommit: a transactional producer's offsets for a group are held
pending until its transaction's marker reaches the group's
__consumer_offsets partition (WriteTxnMarkers): COMMIT applies them, ABORT
drops them, OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT
meanwhile, and a restarted coordinator still holds them pending."""

import pytest

import kafka_wire as w
from sluice_harness import create_topic, unique
from test_cluster_groups import partition_for

T = 5.0
NONE = 0
INVALID_PRODUCER_EPOCH = 47
UNSTABLE_OFFSET_COMMIT = 88
OFFSETS_PARTITIONS = 50


class Coordinator:
    def __init__(self, port):
        self.port = port
        self.cid = 0

    def call(self, api, version, body, parse):
        self.cid += 1
        with w.connect(self.port, T) as s:
            return parse(w.roundtrip(s, api, version, self.cid, body, flexible=True))

    def txn_commit(self, group, pid, epoch, offsets):
        return self.call(w.API_TXN_OFFSET_COMMIT, 3,
                         w.txn_offset_commit_v3_body("txn-" + group, group, pid, epoch, offsets),
                         w.parse_txn_offset_commit_v3)

    def fetch(self, group, topic, stable):
        topics, error = self.call(w.API_OFFSET_FETCH, 7, w.offset_fetch_v7_body(group, {topic: [0]}, stable),
                                  w.parse_offset_fetch_v7)
        assert error == NONE
        return topics[topic][0]

    def marker(self, group, pid, epoch, commit):
        body = w.write_txn_markers_v1_body(
            [(pid, epoch, commit, 0, [("__consumer_offsets", [partition_for(group, OFFSETS_PARTITIONS)])])])
        [(_, topics)] = self.call(w.API_WRITE_TXN_MARKERS, 1, body, w.parse_write_txn_markers_v1)
        return topics["__consumer_offsets"][partition_for(group, OFFSETS_PARTITIONS)]


@pytest.mark.parametrize("commit", [True, False], ids=["commit", "abort"])
def test_transactional_offsets_wait_for_their_marker(broker, commit):
    topic, group = unique("t"), unique("g")
    create_topic(broker.bootstrap, topic, 1)
    c = Coordinator(broker.port)
    assert c.txn_commit(group, 7000, 0, {topic: {0: 42}}) == {topic: {0: NONE}}
    assert c.fetch(group, topic, stable=True) == (-1, UNSTABLE_OFFSET_COMMIT)
    assert c.fetch(group, topic, stable=False) == (-1, NONE)
    assert c.marker(group, 7000, 0, commit) == NONE
    assert c.fetch(group, topic, stable=True) == ((42, NONE) if commit else (-1, NONE))
    # A stale producer epoch is refused and changes nothing.
    assert c.txn_commit(group, 7000, 0, {topic: {0: 50}}) == {topic: {0: NONE}}
    assert c.marker(group, 7000, 1, False) == NONE  # epoch 1 now
    assert c.txn_commit(group, 7000, 0, {topic: {0: 60}}) == {topic: {0: INVALID_PRODUCER_EPOCH}}


def test_pending_offsets_survive_a_coordinator_restart(broker):
    topic, group = unique("t"), unique("g")
    create_topic(broker.bootstrap, topic, 1)
    c = Coordinator(broker.port)
    assert c.txn_commit(group, 7100, 0, {topic: {0: 7}}) == {topic: {0: NONE}}
    broker.kill9()
    broker.start()
    c = Coordinator(broker.port)

    def pending():
        return c.fetch(group, topic, stable=True)

    from sluice_harness import wait_until
    wait_until(lambda: pending() == (-1, UNSTABLE_OFFSET_COMMIT), 10, "the pending offset after the restart")
    assert c.marker(group, 7100, 0, True) == NONE
    assert c.fetch(group, topic, stable=True) == (7, NONE)
