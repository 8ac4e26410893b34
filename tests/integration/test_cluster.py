"""A replicated cluster: etcd and three sluiced on loopback, each partition
on three brokers, confluent-kafka (librdkafka) and kcat as the clients.

Every acknowledged record is checked after brokers are killed with -9 or
stopped; the followers' logs are compared with the leader's batch by batch.
"""

import json

import pytest

from sluice_harness import admin, consume, produce, run, unique, wait_until
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

SESSION_MS = 2000  # a killed broker's lease runs out after this


def start_cluster(broker_factory, etcd_url, n=3, extra=None, per_node=None):
    """n brokers on one etcd; `extra` overrides for all of them, `per_node`
    (node id -> overrides) for one."""
    conf = {
        "metadata.etcd.endpoints": etcd_url,
        "metadata.etcd.prefix": "/" + unique("c"),
        "metadata.etcd.session.timeout.ms": str(SESSION_MS),
        "replica.lag.time.max.ms": "2000",
        "default.replication.factor": "3",
        # A controlled shutdown gives up after 3 s rather than Kafka's 15:
        # the harness allows a SIGTERM 10 s.
        "controlled.shutdown.retry.backoff.ms": "1000",
    }
    conf.update(extra or {})
    brokers = [broker_factory(dict(conf, **{"node.id": str(i)}, **(per_node or {}).get(i, {})), name="sluiced-%d" % i)
               for i in range(n)]
    wait_until(lambda: len(admin(brokers[0].bootstrap).list_topics(timeout=10).brokers) == n, 20,
               "every broker registered")
    return brokers


def bootstrap_of(brokers):
    return ",".join(b.bootstrap for b in brokers if b.running())


def partition_meta(brokers, topic, partition=0):
    md = admin(bootstrap_of(brokers)).list_topics(topic, timeout=10)
    return md.topics[topic].partitions[partition]


def create_replicated(brokers, topic, config=None, partitions=1):
    from confluent_kafka.admin import NewTopic
    fs = admin(bootstrap_of(brokers)).create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=3, config=config or {})], request_timeout=15)
    fs[topic].result(15)
    for p in range(partitions):
        wait_until(lambda: partition_meta(brokers, topic, p).leader >= 0, 15, "a leader for %s-%d" % (topic, p))


def by_node(brokers, node):
    return next(b for b in brokers if b.overrides["node.id"] == str(node))


def values(messages):
    return [m.value() for m in messages]


def test_kcat_lists_three_brokers_and_every_replica(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("listed")
    create_replicated(brokers, topic)
    out = run(["kcat", "-b", brokers[1].bootstrap, "-L", "-J", "-t", topic]).stdout
    md = json.loads(out)
    assert sorted(b["id"] for b in md["brokers"]) == [0, 1, 2]
    (t,) = md["topics"]
    (p,) = t["partitions"]
    assert sorted(r["id"] for r in p["replicas"]) == [0, 1, 2]
    assert sorted(r["id"] for r in p["isrs"]) == [0, 1, 2]


def test_kill_9_of_the_leader_loses_no_acknowledged_record(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("failover")
    create_replicated(brokers, topic, {"min.insync.replicas": "2"})
    first = produce(bootstrap_of(brokers), topic, [{"value": b"a%05d" % i} for i in range(500)])
    leader = partition_meta(brokers, topic).leader
    by_node(brokers, leader).kill9()

    # Producing resumes on the new leader once the old one's session ends.
    second = produce(bootstrap_of(brokers), topic, [{"value": b"b%05d" % i} for i in range(500)],
                     message_timeout_ms=30000, timeout=40)
    meta = wait_until(lambda: (lambda m: m if m.leader not in (-1, leader) else None)(partition_meta(brokers, topic)),
                      15, "a new leader")
    assert leader not in meta.isrs

    survivors = [b for b in brokers if b.running()]
    got = consume(bootstrap_of(survivors), topic)
    offsets = [m.offset() for m in got]
    assert offsets == list(range(len(got))), "offsets are not contiguous"
    acked = {v for _, _, _, v in first.ok + second.ok}
    assert acked <= set(values(got)), "acknowledged records lost: %d" % len(acked - set(values(got)))

    # The old leader comes back as a follower, truncates and catches up: its
    # log holds the same batches as the new leader's.
    old = by_node(brokers, leader)
    old.start()
    wait_until(lambda: sorted(partition_meta(brokers, topic).isrs) == [0, 1, 2], 30, "the old leader back in the ISR")
    new_leader = by_node(brokers, partition_meta(brokers, topic).leader)
    wait_until(lambda: old.batch_headers(topic) == new_leader.batch_headers(topic), 15,
               "the old leader's batches equal to the new leader's")


def test_acks_all_is_refused_below_min_insync_replicas(etcd, broker_factory):
    from confluent_kafka import KafkaError
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("mir")
    create_replicated(brokers, topic, {"min.insync.replicas": "2"})
    leader = partition_meta(brokers, topic).leader
    followers = [b for b in brokers if b.overrides["node.id"] != str(leader)]
    for f in followers:
        f.stop()
    wait_until(lambda: partition_meta(brokers, topic).isrs == [leader], 15, "the ISR down to the leader")

    refused = produce(bootstrap_of(brokers), topic, [{"value": b"x"}], check=False,
                      message_timeout_ms=6000, retries=2, timeout=15)
    assert [e.code() for e, _, _ in refused.failed] == [KafkaError.NOT_ENOUGH_REPLICAS]
    accepted = produce(bootstrap_of(brokers), topic, [{"value": b"one"}], acks="1")
    assert len(accepted.ok) == 1

    for f in followers:
        f.start()
    wait_until(lambda: sorted(partition_meta(brokers, topic).isrs) == [0, 1, 2], 30, "the ISR whole again")
    done = produce(bootstrap_of(brokers), topic, [{"value": b"all"}])
    assert len(done.ok) == 1
    for f in followers:
        wait_until(lambda: f.batch_headers(topic) == by_node(brokers, leader).batch_headers(topic), 15,
                   "%s's batches equal to the leader's" % f.name)


def test_replication_factor_above_the_broker_count_is_refused(etcd, broker_factory):
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import NewTopic
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("rf4")
    with pytest.raises(KafkaException) as e:
        admin(brokers[0].bootstrap).create_topics([NewTopic(topic, 1, 4)], request_timeout=15)[topic].result(15)
    assert "INVALID_REPLICATION_FACTOR" in str(e.value)
    assert topic not in admin(brokers[0].bootstrap).list_topics(timeout=10).topics


def test_kafka_python_and_kcat_fail_over(etcd, broker_factory):
    """kafka-python produces with acks=all across a kill -9 of the leader;
    kcat then reads every acknowledged record from the survivors."""
    from kafka import KafkaProducer
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("kp-failover")
    create_replicated(brokers, topic, {"min.insync.replicas": "2"})
    prod = KafkaProducer(bootstrap_servers=bootstrap_of(brokers).split(","), acks="all", retries=20,
                         retry_backoff_ms=200, request_timeout_ms=10000, max_in_flight_requests_per_connection=1)
    acked = []
    try:
        for i in range(200):
            acked.append((prod.send(topic, b"p%05d" % i).get(timeout=30), b"p%05d" % i))
        leader = partition_meta(brokers, topic).leader
        by_node(brokers, leader).kill9()
        for i in range(200, 400):
            acked.append((prod.send(topic, b"p%05d" % i).get(timeout=30), b"p%05d" % i))
    finally:
        prod.close(timeout=5)
    survivors = bootstrap_of(brokers)
    out = run(["kcat", "-b", survivors, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o %s\\n"],
              timeout=60).stdout
    got = {line.split(b" ", 1)[1] for line in out.splitlines() if b" " in line}
    missing = [v for _, v in acked if v not in got]
    assert not missing, "acknowledged records lost: %r" % missing[:5]
