"""Kafka's replication throttle on a cluster of two brokers: with
leader.replication.throttled.rate (set dynamically on the leader, as
kafka-configs.sh --entity-type brokers does) and the topic's
leader.replication.throttled.replicas, a replica added by a reassignment
catches up no faster than the rate allows; the same with
follower.replication.throttled.rate on the new replica's broker and
follower.replication.throttled.replicas. Once in sync a replica is never held
back (acks=all producers keep their speed), and after the catch-up the new
replica holds every acknowledged record: the old one is killed with -9 and
everything is read back from the new one. Data by confluent-kafka; configs
by its admin client; the reassignment as raw AlterPartitionReassignments
(no Debian client has it)."""

import time

from confluent_kafka.admin import ConfigResource

from sluice_harness import admin, consume, free_port, produce, unique, wait_until
from test_cluster import bootstrap_of, by_node, partition_meta, start_cluster, values
from test_cluster_reassignment import alter, create_on
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)
from test_metrics import http_get, one, parse_exposition

T = 15
RECORDS = 6000
VALUE = 1000  # bytes: 6 MB to copy
RATE = 1000000  # bytes per second


def alter_configs(brokers, kind, name, configs):
    res = ConfigResource(kind, name, set_config=configs)
    for f in admin(bootstrap_of(brokers)).alter_configs([res], request_timeout=T).values():
        f.result(T)


def fill(brokers, topic, n=RECORDS, tag=b"r"):
    msgs = [{"value": tag + b"%06d-" % i + b"x" * (VALUE - 8)} for i in range(n)]
    produce(bootstrap_of(brokers), topic, msgs, **{"linger.ms": 20, "batch.size": 1000000})
    return [m["value"] for m in msgs]


def seconds_to_join_isr(brokers, topic, node):
    start = time.monotonic()
    assert alter(brokers[0], {topic: {0: [0, node]}}) == {(topic, 0): 0}
    wait_until(lambda: node in partition_meta(brokers, topic).isrs, 60, "broker %d in the ISR" % node)
    return time.monotonic() - start


def check_everything_on(brokers, topic, node, expected):
    """Kill the old replica (broker 0) with -9: the new one leads and has every record."""
    by_node(brokers, 0).kill9()
    wait_until(lambda: partition_meta(brokers, topic).leader == node, 30, "broker %d leading" % node)
    assert values(consume(by_node(brokers, node).bootstrap, topic)) == expected


def test_the_leader_throttles_a_catching_up_replica(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd, n=2)
    topic = unique("lthrottle")
    create_on(brokers, topic, [0])
    expected = fill(brokers, topic)
    alter_configs(brokers, "broker", "0", {"leader.replication.throttled.rate": str(RATE)})
    alter_configs(brokers, "topic", topic, {"leader.replication.throttled.replicas": "*"})
    took = seconds_to_join_isr(brokers, topic, 1)
    # 6 MB at 1 MB/s, less one second's burst: at least ~5 s. Unthrottled
    # the copy takes well under a second.
    assert took >= 3.5, "caught up in %.1f s: not throttled" % took

    # In sync, it is not held back even at 100 KB/s: 3 MB acks=all in far
    # less than the 30 s a throttle would take.
    alter_configs(brokers, "broker", "0", {"leader.replication.throttled.rate": "100000"})
    alter_configs(brokers, "topic", topic, {"leader.replication.throttled.replicas": "*", "min.insync.replicas": "2"})
    start = time.monotonic()
    expected += fill(brokers, topic, n=3000, tag=b"s")
    assert time.monotonic() - start < 15

    check_everything_on(brokers, topic, 1, expected)


def max_lag(port):
    return fetcher_series(port)[0]


def fetcher_series(port):
    """MaxLag and the FollowerReplication byte-rate."""
    samples, _ = parse_exposition(http_get(port, "/metrics")[2])
    return (one(samples, "kafka_server_replicafetchermanager_maxlag", clientId="Replica"),
            one(samples, "kafka_server_followerreplication_byte_rate"))


def test_the_follower_throttles_its_own_fetches(etcd, broker_factory):
    port = free_port()
    brokers = start_cluster(broker_factory, etcd, n=2, per_node={1: {"http.listeners": "http://127.0.0.1:%d" % port}})
    topic = unique("fthrottle")
    create_on(brokers, topic, [0])
    expected = fill(brokers, topic)
    alter_configs(brokers, "broker", "1", {"follower.replication.throttled.rate": str(RATE)})
    alter_configs(brokers, "topic", topic, {"follower.replication.throttled.replicas": "0:1"})
    assert max_lag(port) == 0
    start = time.monotonic()
    assert alter(brokers[0], {topic: {0: [0, 1]}}) == {(topic, 0): 0}
    # While it catches up, the fetcher's MaxLag shows how far behind it is
    # and the byte-rate how fast the throttle lets it copy.
    lags, rates = [], []
    while 1 not in partition_meta(brokers, topic).isrs:
        assert time.monotonic() - start < 60, "broker 1 never joined the ISR"
        lag, rate = fetcher_series(port)
        lags.append(lag)
        rates.append(rate)
        time.sleep(0.2)
    took = time.monotonic() - start
    assert took >= 3.5, "caught up in %.1f s: not throttled" % took
    assert max(lags) > RECORDS // 4 and max(lags) <= RECORDS, lags
    assert 0.2 * RATE < max(rates) <= 2 * RATE, rates
    wait_until(lambda: max_lag(port) == 0, T, "MaxLag back to 0")
    check_everything_on(brokers, topic, 1, expected)


def replication_bytes(port):
    samples, _ = parse_exposition(http_get(port, "/metrics")[2])
    return (one(samples, "kafka_server_brokertopicmetrics_replicationbytesin_total"),
            one(samples, "kafka_server_brokertopicmetrics_replicationbytesout_total"))


def test_a_replica_not_listed_is_not_throttled(etcd, broker_factory):
    ports = {0: free_port(), 1: free_port()}
    brokers = start_cluster(broker_factory, etcd, n=2,
                            per_node={n: {"http.listeners": "http://127.0.0.1:%d" % p} for n, p in ports.items()})
    topic = unique("unlisted")
    create_on(brokers, topic, [0])
    expected = fill(brokers, topic)
    # A rate of 1 byte per second, but the topic lists another broker's replica.
    alter_configs(brokers, "broker", "0", {"leader.replication.throttled.rate": "1"})
    alter_configs(brokers, "topic", topic, {"leader.replication.throttled.replicas": "0:5"})
    took = seconds_to_join_isr(brokers, topic, 1)
    assert took < 30
    # ReplicationBytesIn/Out: the 6 MB went from broker 0 to broker 1.
    in_0, out_0 = replication_bytes(ports[0])
    in_1, out_1 = replication_bytes(ports[1])
    assert in_1 >= RECORDS * VALUE and out_0 >= RECORDS * VALUE, (in_1, out_0)
    assert in_0 == 0 and out_1 == 0, (in_0, out_1)
    check_everything_on(brokers, topic, 1, expected)


def test_bad_throttled_replica_lists_are_refused(etcd, broker_factory):
    from confluent_kafka.admin import NewTopic
    brokers = start_cluster(broker_factory, etcd, n=1)
    for bad in ["0", "a:1", "0:1,*", "-1:0"]:
        fs = admin(bootstrap_of(brokers)).create_topics(
            [NewTopic(unique("bad"), 1, 1, config={"leader.replication.throttled.replicas": bad})], request_timeout=T)
        (f,) = fs.values()
        try:
            f.result(T)
            raise AssertionError("%r accepted" % bad)
        except Exception as e:  # KafkaException(INVALID_CONFIG)
            assert "INVALID_CONFIG" in str(e) or "must be the literal" in str(e), e
