"""WriteTxnMarkers as a transaction coordinator sends it: COMMIT and ABORT
control batches appended by the leader with Kafka's producer and coordinator
epoch fencing, invisible to consumers (librdkafka skips control batches),
and read_committed consumers that read up to the last stable offset."""

import kafka_wire as w
from sluice_harness import broker_alive, consume, create_topic, unique, watermarks
from test_idempotent_producer import NONE, INVALID_PRODUCER_EPOCH, Wire, batch

T = 5.0
UNKNOWN_TOPIC_OR_PARTITION = 3
TRANSACTION_COORDINATOR_FENCED = 52


def write_markers(port, markers, cid=1):
    with w.connect(port, T) as s:
        r = w.roundtrip(s, w.API_WRITE_TXN_MARKERS, 1, cid, w.write_txn_markers_v1_body(markers), flexible=True)
        return w.parse_write_txn_markers_v1(r)


def test_markers_are_fenced_by_epochs_and_skipped_by_consumers(broker):
    topic = unique("markers")
    create_topic(broker.bootstrap, topic, 1)
    c = Wire(broker.port, topic)
    try:
        assert c.produce(batch(6000, 2, 0))["error_code"] == NONE  # offsets 0-2
        [(pid, topics)] = write_markers(broker.port, [(6000, 2, True, 3, [(topic, [0]), ("no-such-topic", [0])])])
        assert pid == 6000
        assert topics == {topic: {0: NONE}, "no-such-topic": {0: UNKNOWN_TOPIC_OR_PARTITION}}
        assert watermarks(broker.bootstrap, topic) == (0, 4)  # the marker took offset 3
        # An older producer epoch, an older coordinator epoch: refused, nothing written.
        [(_, stale_producer)] = write_markers(broker.port, [(6000, 1, False, 3, [(topic, [0])])])
        [(_, stale_coordinator)] = write_markers(broker.port, [(6000, 2, False, 2, [(topic, [0])])])
        assert stale_producer[topic][0] == INVALID_PRODUCER_EPOCH
        assert stale_coordinator[topic][0] == TRANSACTION_COORDINATOR_FENCED
        assert watermarks(broker.bootstrap, topic) == (0, 4)
        described = c.describe_producers()["producers"][6000]
        assert (described["producer_epoch"], described["coordinator_epoch"]) == (2, 3)
        # The producer goes on after its marker.
        assert c.produce(batch(6000, 2, 3))["base_offset"] == 4
    finally:
        c.close()
    for isolation in ("read_uncommitted", "read_committed"):
        msgs = consume(broker.bootstrap, topic, isolation_level=isolation)
        assert [m.offset() for m in msgs] == [0, 1, 2, 4, 5, 6], isolation
    assert broker_alive(broker.port, T)
