"""Dynamic broker configs across a cluster: two sluiced on one etcd share the
cluster-wide default (a record under <prefix>/records/broker_config/), each
keeps its own per-broker level, and a topic led by either follows them."""

from confluent_kafka.admin import ConfigSource

from sluice_harness import create_topic, unique, wait_until
from test_cluster import start_cluster
from test_dynamic_configs import BROKER, GROUP, NONE, SET, describe_raw, one
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

T = 15
TOPIC = 2


def retention_seen_by(broker, topic):
    # Raw, to this broker: a client would ask whichever broker it likes, and
    # the per-broker level differs between them.
    code, _, entries = describe_raw(broker.port, TOPIC, topic)
    assert code == NONE
    return entries["retention.ms"][0], entries["retention.ms"][2]


def test_two_brokers_share_the_cluster_default_and_keep_their_own_level(etcd, broker_factory):
    a, b = start_cluster(broker_factory, etcd, n=2, extra={"default.replication.factor": "2"})
    topic = unique("dyn-cluster")
    create_topic(a.bootstrap, topic, 1)

    # Set on broker 0, seen by broker 1 through etcd's watch.
    assert one(a.port, BROKER, "", [("log.retention.ms", SET, "3600000")]) == (NONE, None)
    want = ("3600000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)
    wait_until(lambda: retention_seen_by(b, topic) == want, T, "broker 1 sees the cluster default")
    assert retention_seen_by(a, topic) == want
    assert describe_raw(b.port, BROKER, "")[2]["log.retention.ms"][0] == "3600000"

    # A per-broker value applies to its broker only.
    assert one(b.port, BROKER, "1", [("log.retention.ms", SET, "1800000")]) == (NONE, None)
    assert retention_seen_by(b, topic) == ("1800000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    assert retention_seen_by(a, topic) == want
    # Each broker serves only its own id.
    code, _ = one(a.port, BROKER, "1", [("log.retention.ms", SET, "1")])
    assert code != NONE

    # Group configs are cluster-wide too.
    assert one(a.port, GROUP, "g1", [("consumer.session.timeout.ms", SET, "50000")]) == (NONE, None)
    wait_until(lambda: describe_raw(b.port, GROUP, "g1")[2]["consumer.session.timeout.ms"][0] == "50000", T,
               "broker 1 sees the group config")

    # Restarting a broker keeps both levels.
    b.restart()
    wait_until(lambda: retention_seen_by(b, topic) == ("1800000", ConfigSource.DYNAMIC_BROKER_CONFIG.value), T,
               "broker 1 back with its level")
