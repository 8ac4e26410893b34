"""Idempotent producers in a three-broker cluster: the producer state moves
with leadership because followers build it from the batches they replicate,
so a librdkafka or kafkajs producer whose leader is killed with -9
mid-stream retries into the new leader and every record lands exactly
once, in order."""

from event_process import EventProcess
from sluice_harness import consume, unique, wait_until
from test_cluster import bootstrap_of, by_node, create_replicated, partition_meta, start_cluster, values
from test_cluster_faults import Load
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)
from test_kafkajs import JS_DIR


def test_an_idempotent_producer_writes_every_record_once_in_order_across_a_leader_kill(etcd, broker_factory):  # noqa: F811
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("idem-failover")
    create_replicated(brokers, topic, {"min.insync.replicas": "2"})
    load = Load(bootstrap_of(brokers), topic, b"idem-", linger_ms=2, enable_idempotence=True)
    wait_until(lambda: load.acked() >= 500, 30, "acknowledgements before the kill")
    old = partition_meta(brokers, topic).leader
    by_node(brokers, old).kill9()
    before = load.acked()
    wait_until(lambda: load.acked() >= before + 1000, 60, "acknowledgements from the new leader")
    delivered = load.stop()  # every record delivered, none failed
    new = partition_meta(brokers, topic).leader
    assert new not in (-1, old)

    got = values(wait_until(lambda: consume(bootstrap_of(brokers), topic, timeout=20), 60, "a complete read",
                            interval=0.5))
    sent = [b"idem-%07d" % i for i in range(load.sent)]
    assert len(delivered.ok) == load.sent
    duplicates = len(got) - len(set(got))
    assert duplicates == 0, "%d records written twice" % duplicates
    assert got == sent, "the log is not the records sent, once each, in order"


def test_an_idempotent_kafkajs_producer_writes_every_record_once_across_a_leader_kill(etcd, broker_factory):  # noqa: F811
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("idem-js-failover")
    create_replicated(brokers, topic, {"min.insync.replicas": "2"})
    old = partition_meta(brokers, topic).leader
    client = EventProcess("kafkajs", ["node", "produce_failover.js", bootstrap_of(brokers), topic, "1000", "idempotent"],
                          cwd=JS_DIR)
    try:
        wait_until(lambda: client.check() or len(client.of("acked")) >= 20, 30, "kafkajs acknowledgements")
        by_node(brokers, old).kill9()
        at_kill = len(client.of("acked"))
        client.proc.wait(90)
    finally:
        client.kill()
    assert client.proc.returncode == 0, "kafkajs failed:\n%s" % client.stderr_text()
    assert at_kill < 800, "kafkajs was nearly done before the leader died"
    assert [e["i"] for e in client.of("acked")] == list(range(1000))
    got = values(wait_until(lambda: consume(bootstrap_of(brokers), topic, timeout=20), 60, "a complete read",
                            interval=0.5))
    assert got == [b"fo-%d" % i for i in range(1000)], "not every record once, in order"
