"""Cluster mode: two sluiced sharing one etcd (metadata.etcd.endpoints).

A topic created through one broker appears in the other's Metadata and gets
its partition directories there; deleting it through the second removes it
on both. Replicas are placed over the live brokers, so the replication
factor is bounded by their number. Data replication is not part of this
(each broker still hosts every partition itself). etcd runs on free ports in a temp dir and is killed by PID.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from sluice_harness import admin, free_port, unique, wait_until


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class EtcdServer:
    """One single-node etcd on free ports in a temp dir, started and stopped
    by PID; stop() and start() again keep its data dir and ports (the fault
    tests take etcd away under load and bring it back)."""

    def __init__(self):
        if shutil.which("etcd") is None:
            pytest.fail("etcd is not installed (Debian: etcd-server)")
        self.tmp = tempfile.mkdtemp(prefix="sluice-it-etcd-")
        self.client_port, self.peer_port = free_port(), free_port()
        self.url = "http://127.0.0.1:%d" % self.client_port
        self.proc = None
        self.log_path = os.path.join(self.tmp, "etcd.log")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        assert not self.running(), "etcd already running"
        peer = "http://127.0.0.1:%d" % self.peer_port
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                ["etcd", "--name", "it", "--data-dir", os.path.join(self.tmp, "data"),
                 "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                 "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                 "--initial-cluster", "it=" + peer],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.tmp)
        wait_until(lambda: self.running() and _port_open(self.client_port), 20, "etcd's client port")
        return self

    def stop(self, sig=signal.SIGKILL):
        if self.running():
            os.kill(self.proc.pid, sig)
        if self.proc is not None:
            self.proc.wait(20)

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def etcd():
    """One single-node etcd; yields its client endpoint."""
    server = EtcdServer()
    try:
        server.start()
        yield server.url
    finally:
        server.close()


def _cluster(broker_factory, etcd, prefix):
    conf = {"metadata.etcd.endpoints": etcd, "metadata.etcd.prefix": prefix}
    a = broker_factory(dict(conf, **{"node.id": "1"}), name="sluiced-a")
    b = broker_factory(dict(conf, **{"node.id": "2"}), name="sluiced-b")
    return a, b


def _topic(bootstrap, name):
    return admin(bootstrap).list_topics(timeout=10).topics.get(name)


def test_brokers_share_the_cluster_id(etcd, broker_factory):
    a, b = _cluster(broker_factory, etcd, "/" + unique("c"))
    ida = admin(a.bootstrap).list_topics(timeout=10).cluster_id
    idb = admin(b.bootstrap).list_topics(timeout=10).cluster_id
    assert ida and ida == idb


def test_create_on_one_broker_delete_on_the_other(etcd, broker_factory):
    from confluent_kafka.admin import NewTopic
    a, b = _cluster(broker_factory, etcd, "/" + unique("c"))
    topic = unique("shared")

    fs = admin(a.bootstrap).create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)],
                                          request_timeout=15)
    fs[topic].result(15)

    # The creator answers only once its own metadata shows the topic.
    t = _topic(a.bootstrap, topic)
    assert t is not None and t.error is None and len(t.partitions) == 3

    def on_b():
        t = _topic(b.bootstrap, topic)
        return t if t is not None and t.error is None and len(t.partitions) == 3 else None
    tb = wait_until(on_b, 15, "topic %s in the second broker's metadata" % topic)
    assert sorted(tb.partitions) == [0, 1, 2]
    for broker in (a, b):
        for p in range(3):
            path = broker.partition_dir(topic, p)
            wait_until(lambda: os.path.isdir(path), 10, "partition dir %s" % path)

    fs = admin(b.bootstrap).delete_topics([topic], request_timeout=15)
    fs[topic].result(15)
    assert _topic(b.bootstrap, topic) is None
    wait_until(lambda: _topic(a.bootstrap, topic) is None, 15,
               "topic %s gone from the first broker's metadata" % topic)
    for broker in (a, b):
        # Deleted partitions are renamed aside, then removed in the background.
        wait_until(lambda: not os.path.isdir(broker.partition_dir(topic, 0)), 15,
                   "partition dir of %s gone on %s" % (topic, broker.name))


def test_a_taken_name_is_refused_by_the_other_broker(etcd, broker_factory):
    from confluent_kafka.admin import NewTopic
    from confluent_kafka import KafkaException
    a, b = _cluster(broker_factory, etcd, "/" + unique("c"))
    topic = unique("once")
    admin(a.bootstrap).create_topics([NewTopic(topic, 1, 1)], request_timeout=15)[topic].result(15)
    wait_until(lambda: _topic(b.bootstrap, topic) is not None, 15, "topic on the second broker")
    with pytest.raises(KafkaException) as e:
        admin(b.bootstrap).create_topics([NewTopic(topic, 1, 1)], request_timeout=15)[topic].result(15)
    assert "TOPIC_ALREADY_EXISTS" in str(e.value)


def test_bad_etcd_endpoints_refuse_to_start(broker_factory):
    from sluice_harness import BrokerError
    with pytest.raises(BrokerError) as e:
        broker_factory({"metadata.etcd.endpoints": "localhost:2379"})
    assert "metadata.etcd.endpoints" in str(e.value)


def test_partitions_and_configs_changed_on_one_broker_reach_the_other(etcd, broker_factory):
    from confluent_kafka.admin import ConfigResource, NewPartitions, NewTopic
    a, b = _cluster(broker_factory, etcd, "/" + unique("c"))
    topic = unique("grow")
    admin(a.bootstrap).create_topics([NewTopic(topic, 1, 1)], request_timeout=15)[topic].result(15)
    wait_until(lambda: _topic(b.bootstrap, topic) is not None, 15, "topic on the second broker")

    admin(b.bootstrap).create_partitions([NewPartitions(topic, 3)], request_timeout=15)[topic].result(15)
    wait_until(lambda: len(_topic(a.bootstrap, topic).partitions) == 3, 15, "3 partitions on the first broker")
    wait_until(lambda: os.path.isdir(a.partition_dir(topic, 2)), 10, "new partition dir on the first broker")

    res = ConfigResource("topic", topic, set_config={"retention.ms": "123456"})
    admin(b.bootstrap).alter_configs([res], request_timeout=15)[res].result(15)

    def retention_on_a():
        r = ConfigResource("topic", topic)
        entries = admin(a.bootstrap).describe_configs([r], request_timeout=10)[r].result(10)
        return entries["retention.ms"].value == "123456"
    wait_until(retention_on_a, 15, "retention.ms on the first broker")


def test_replication_factor_is_bounded_by_the_live_brokers(etcd, broker_factory):
    from confluent_kafka.admin import NewTopic
    from confluent_kafka import KafkaException
    a, b = _cluster(broker_factory, etcd, "/" + unique("c"))
    topic = unique("rf2")
    # Both brokers are registered once they serve: a factor of 2 fits.
    admin(a.bootstrap).create_topics([NewTopic(topic, 2, 2)], request_timeout=15)[topic].result(15)
    wait_until(lambda: _topic(b.bootstrap, topic) is not None, 15, "topic on the second broker")
    too_wide = unique("rf3")
    with pytest.raises(KafkaException) as e:
        admin(b.bootstrap).create_topics([NewTopic(too_wide, 1, 3)], request_timeout=15)[too_wide].result(15)
    assert "INVALID_REPLICATION_FACTOR" in str(e.value)


def test_a_restarted_broker_rejoins_without_waiting_out_its_session(etcd, broker_factory):
    conf = {"metadata.etcd.endpoints": etcd, "metadata.etcd.prefix": "/" + unique("c"),
            "metadata.etcd.session.timeout.ms": "30000", "node.id": "1"}
    a = broker_factory(conf, name="sluiced-a")
    a.stop()
    started = time.monotonic()
    a.start()
    # A clean stop revoked the session: no 30 s wait for it to expire.
    assert time.monotonic() - started < 8
