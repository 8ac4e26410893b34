"""Burrow (Debian's burrow, LinkedIn's lag monitor) against Sluice. Burrow
does not ask the broker for a group's offsets: it consumes
__consumer_offsets itself and parses Kafka's record formats, and asks the
partitions' log end offsets with ListOffsets. The lag it reports for a group
committing with confluent-kafka is checked partition by partition, on one
broker and on a three-broker cluster where the group's coordinator and the
topic's leaders differ. Burrow needs ZooKeeper for its own coordination:
Debian's zookeeper runs beside it, on a free port."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import urllib.request

import pytest
from confluent_kafka import Consumer, TopicPartition

from sluice_harness import create_topic, free_port, produce, unique, wait_until
from test_cluster import bootstrap_of, start_cluster
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

BURROW = "/usr/bin/Burrow"
ZOOKEEPER_CLASSPATH = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"


class Process:
    """A child process with its log in `tmp`, stopped by PID."""

    def __init__(self, argv, tmp, name, cwd=None):
        self.log = open(os.path.join(tmp, name + ".log"), "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     cwd=cwd or tmp)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def zookeeper_serving(port):
    """ZooKeeper accepts connections before it serves sessions; its `srvr`
    command answers only once it does."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"srvr")
            return b"Mode:" in s.recv(4096)
    except OSError:
        return False


@pytest.fixture
def burrow_for():
    """Starts ZooKeeper and a Burrow watching the given bootstrap servers;
    yields a function returning Burrow's HTTP base URL."""
    assert os.access(BURROW, os.X_OK), "install Debian's burrow (scripts/install-deps)"
    assert shutil.which("java"), "install Debian's zookeeper (scripts/install-deps)"
    tmp = tempfile.mkdtemp(prefix="sluice-it-burrow-")
    started = []

    def start(servers):
        zk_port, http_port = free_port(), free_port()
        started.append(Process(["java", "-Dzookeeper.admin.enableServer=false", "-cp", ZOOKEEPER_CLASSPATH,
                                "org.apache.zookeeper.server.ZooKeeperServerMain", str(zk_port),
                                os.path.join(tmp, "zk")], tmp, "zookeeper"))
        wait_until(lambda: zookeeper_serving(zk_port), 30, "ZooKeeper serving", 0.2)
        quoted = ", ".join('"%s"' % s for s in servers.split(","))
        with open(os.path.join(tmp, "burrow.toml"), "w") as f:
            f.write(BURROW_CONFIG % {"zk": zk_port, "servers": quoted, "http": http_port})
        started.append(Process([BURROW, "--config-dir", tmp], tmp, "burrow"))
        wait_until(lambda: port_open(http_port), 30, "Burrow's HTTP port")
        return "http://127.0.0.1:%d/v3/kafka/local" % http_port

    try:
        yield start
    finally:
        for p in reversed(started):
            p.stop()
        if os.environ.get("KEEP_BURROW") is None:
            shutil.rmtree(tmp, ignore_errors=True)


BURROW_CONFIG = """
[logging]
level = "info"
[zookeeper]
servers = [ "127.0.0.1:%(zk)d" ]
timeout = 6
root-path = "/burrow"
[client-profile.sluice]
client-id = "burrow"
kafka-version = "2.0.0"
[cluster.local]
class-name = "kafka"
servers = [ %(servers)s ]
client-profile = "sluice"
topic-refresh = 2
offset-refresh = 1
[consumer.local]
class-name = "kafka"
cluster = "local"
servers = [ %(servers)s ]
client-profile = "sluice"
offsets-topic = "__consumer_offsets"
start-latest = false
[httpserver.default]
address = "127.0.0.1:%(http)d"
[storage.default]
class-name = "inmemory"
workers = 4
intervals = 10
expire-group = 604800
min-distance = 1
[evaluator.default]
class-name = "caching"
expire-cache = 1
"""


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def burrow_lag(base, group):
    """{(topic, partition): current lag} and the total, as Burrow reports them."""
    status = get_json("%s/consumer/%s/lag" % (base, group))["status"]
    lags = {(p["topic"], p["partition"]): p["current_lag"] for p in status["partitions"] or []}
    return lags, status["totallag"]


def commit_in_group(bootstrap, group, topic, offsets):
    """A confluent-kafka member of `group` reads `topic` and commits
    offsets {partition: offset}."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    try:
        c.subscribe([topic])
        wait_until(lambda: c.poll(0.2) is not None or len(c.assignment()) == len(offsets), 30,
                   "the member assigned")
        c.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)
    finally:
        c.close()


def check_lag_followed(base, bootstrap, topic, group):
    produce(bootstrap, topic, [{"value": b"r%03d" % i, "partition": i % 2} for i in range(100)])
    commit_in_group(bootstrap, group, topic, {0: 30, 1: 50})

    def lag_is(expected, total):
        def check():
            lags, got_total = burrow_lag(base, group)
            return (lags, got_total) == (expected, total)
        return check

    wait_until(lag_is({(topic, 0): 20, (topic, 1): 0}, 20), 60, "Burrow's lag 20 + 0", 0.5)
    # More records and a later commit: Burrow follows both.
    produce(bootstrap, topic, [{"value": b"s%03d" % i, "partition": 1} for i in range(10)])
    wait_until(lag_is({(topic, 0): 20, (topic, 1): 10}, 30), 60, "Burrow's lag after new records", 0.5)
    commit_in_group(bootstrap, group, topic, {0: 50, 1: 60})
    wait_until(lag_is({(topic, 0): 0, (topic, 1): 0}, 0), 60, "Burrow's lag once caught up", 0.5)
    assert group in get_json("%s/consumer" % base)["consumers"]


def test_burrow_reports_a_groups_lag(broker, burrow_for):
    topic, group = unique("burrowed"), unique("bg")
    create_topic(broker.bootstrap, topic, partitions=2)
    base = burrow_for(broker.bootstrap)
    check_lag_followed(base, broker.bootstrap, topic, group)


def test_burrow_reports_lag_across_a_cluster(etcd, broker_factory, burrow_for):
    brokers = start_cluster(broker_factory, etcd, extra={"offsets.topic.num.partitions": "6"})
    bootstrap = bootstrap_of(brokers)
    topic, group = unique("burrowed"), unique("bg")
    create_topic(bootstrap, topic, partitions=2)
    base = burrow_for(bootstrap)
    check_lag_followed(base, bootstrap, topic, group)
