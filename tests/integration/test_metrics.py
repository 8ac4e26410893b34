"""Prometheus metrics, /healthz and /readyz on the broker's HTTP listener
(http.listeners): data produced and consumed with confluent-kafka, the
exposition checked line by line against the text format 0.0.4, bad HTTP
input, and a real Prometheus (Debian's /usr/bin/prometheus) scraping the
broker and answering a query over the scraped series."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from sluice_harness import (free_port, produce, unique, wait_until, create_topic,
                            consume)
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

PROMETHEUS = "/usr/bin/prometheus"

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_VALUE = r'"(?:[^"\\\n]|\\\\|\\"|\\n)*"'
LABELS = r"\{(?:%s=%s(?:,%s=%s)*)?\}" % (NAME, LABEL_VALUE, NAME, LABEL_VALUE)
NUMBER = r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+)|[+-]Inf|NaN)"
SAMPLE = re.compile(r"^(%s)(%s)? (%s)$" % (NAME, LABELS, NUMBER))
LABEL_PAIR = re.compile(r"(%s)=(%s)" % (NAME, LABEL_VALUE))


def unescape(v):
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), v[1:-1])


def parse_exposition(text):
    """Checks every line of the text format and returns
    {(name, frozenset(labels)): value} plus {family: type}."""
    assert text.endswith("\n"), "exposition must end with a newline"
    helps, types, samples = {}, {}, {}
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert re.fullmatch(NAME, name) and help_text, "line %d: bad HELP: %r" % (n, line)
            assert name not in helps, "line %d: second HELP for %s" % (n, name)
            helps[name] = help_text
            continue
        if line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            assert typ in ("counter", "gauge", "histogram", "summary", "untyped"), "line %d: %r" % (n, line)
            assert name in helps, "line %d: TYPE of %s before its HELP" % (n, name)
            types[name] = typ
            continue
        assert not line.startswith("#"), "line %d: unknown comment %r" % (n, line)
        m = SAMPLE.match(line)
        assert m, "line %d is not a well-formed sample: %r" % (n, line)
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        family = name
        if name not in types:
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            assert types.get(family) == "histogram", "line %d: sample %s has no TYPE" % (n, name)
        if types[family] == "counter":
            assert name.endswith("_total"), "counter %s must end in _total" % name
        pairs = frozenset((k, unescape(v)) for k, v in LABEL_PAIR.findall(labels))
        key = (name, pairs)
        assert key not in samples, "line %d: duplicate series %r" % (n, line)
        samples[key] = float(value)
    return samples, types


def series(samples, name, **labels):
    """Values of `name` whose labels include `labels`."""
    want = set(labels.items())
    return [v for (n, l), v in samples.items() if n == name and want <= set(l)]


def one(samples, name, **labels):
    found = series(samples, name, **labels)
    assert len(found) == 1, "%s%r: %r" % (name, labels, found)
    return found[0]


def http_get(port, path, method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def raw_exchange(port, data, timeout=10):
    """Sends bytes, reads until the server closes; returns what came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


@pytest.fixture
def http_broker(broker_factory):
    port = free_port()
    b = broker_factory({"http.listeners": "http://127.0.0.1:%d" % port,
                        "sluice.http.request.timeout.ms": "800"})
    b.http_port = port
    wait_until(lambda: http_get(port, "/healthz")[0] == 200, 10, "the HTTP listener")
    return b


def produce_and_commit(broker, topic, group, values):
    """Produces `values` to partition 0 and commits offset 3 for `group`."""
    from confluent_kafka import Consumer, TopicPartition
    create_topic(broker.bootstrap, topic, partitions=2)
    produce(broker.bootstrap, topic, [{"value": v, "partition": 0} for v in values])
    got = consume(broker.bootstrap, topic, 0)
    assert [m.value() for m in got] == values
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                  "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(topic, 0, 3)], asynchronous=False)
    finally:
        c.close()


def test_metrics_after_real_traffic(http_broker):
    topic = unique("metrics")
    # A group name Kafka allows but the text format must escape.
    group = 'g"quoted\\back\nline'
    values = [("value-%d" % i).encode() * 7 for i in range(50)]
    produce_and_commit(http_broker, topic, group, values)

    status, headers, text = http_get(http_broker.http_port, "/metrics")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples, types = parse_exposition(text)

    value_bytes = sum(len(v) for v in values)
    bytes_in = one(samples, "kafka_server_brokertopicmetrics_bytesin_total", topic=topic)
    # Batches carry headers, keys, varints: more than the values, but not wildly more.
    assert value_bytes <= bytes_in < value_bytes + 4096
    assert one(samples, "kafka_server_brokertopicmetrics_messagesin_total", topic=topic) == len(values)
    assert one(samples, "kafka_server_brokertopicmetrics_totalproducerequests_total", topic=topic) >= 1
    assert one(samples, "kafka_server_brokertopicmetrics_failedproducerequests_total", topic=topic) == 0
    assert one(samples, "kafka_server_brokertopicmetrics_bytesout_total", topic=topic) >= value_bytes
    assert one(samples, "kafka_server_brokertopicmetrics_totalfetchrequests_total", topic=topic) >= 1

    assert one(samples, "kafka_network_requestmetrics_requests_total", request="Produce") >= 1
    assert one(samples, "kafka_network_requestmetrics_requests_total", request="Fetch") >= 1
    assert types["kafka_network_requestmetrics_totaltimems"] == "histogram"
    count = one(samples, "kafka_network_requestmetrics_totaltimems_count", request="Produce")
    assert one(samples, "kafka_network_requestmetrics_totaltimems_bucket", request="Produce", le="+Inf") == count
    buckets = sorted((float(dict(l)["le"]), v) for (n, l), v in samples.items()
                     if n == "kafka_network_requestmetrics_totaltimems_bucket" and ("request", "Produce") in l)
    assert [v for _, v in buckets] == sorted(v for _, v in buckets), "buckets must be cumulative"

    assert one(samples, "kafka_log_log_logendoffset", topic=topic, partition="0") == len(values)
    assert one(samples, "kafka_log_log_logendoffset", topic=topic, partition="1") == 0
    assert one(samples, "kafka_log_log_size", topic=topic, partition="0") >= value_bytes
    assert one(samples, "kafka_server_replicamanager_partitioncount") >= 2
    assert one(samples, "kafka_server_replicamanager_leadercount") >= 2
    assert one(samples, "kafka_server_replicamanager_underreplicatedpartitions") == 0
    assert one(samples, "kafka_controller_kafkacontroller_activecontrollercount") == 1
    assert one(samples, "kafka_controller_kafkacontroller_offlinepartitionscount") == 0
    assert one(samples, "kafka_consumergroup_lag", group=group, topic=topic, partition="0") == len(values) - 3
    assert one(samples, "kafka_server_socketservermetrics_connection_count") >= 0

    # The counters move with more traffic.
    produce(http_broker.bootstrap, topic, [{"value": b"x" * 100, "partition": 0}])
    samples2, _ = parse_exposition(http_get(http_broker.http_port, "/metrics")[2])
    assert one(samples2, "kafka_server_brokertopicmetrics_bytesin_total", topic=topic) >= bytes_in + 100
    assert one(samples2, "kafka_consumergroup_lag", group=group, topic=topic, partition="0") == len(values) - 2

    # acks=0 requests get no answer but are requests all the same.
    produced = one(samples2, "kafka_network_requestmetrics_requests_total", request="Produce")
    produce(http_broker.bootstrap, topic, [{"value": b"fire-and-forget", "partition": 0}], acks="0")
    wait_until(lambda: one(parse_exposition(http_get(http_broker.http_port, "/metrics")[2])[0],
                           "kafka_network_requestmetrics_requests_total", request="Produce") > produced,
               10, "the acks=0 Produce counted")


def test_throttle_time_of_a_producer_over_its_quota(http_broker):
    from test_quotas import alter, produce_for, NONE
    topic = unique("throttled")
    create_topic(http_broker.bootstrap, topic)

    def throttle_sum():
        samples, _ = parse_exposition(http_get(http_broker.http_port, "/metrics")[2])
        found = series(samples, "kafka_network_requestmetrics_throttletimems_sum", request="Produce")
        return found[0] if found else 0.0

    produce(http_broker.bootstrap, topic, [{"value": b"x" * 1000}] * 20)
    assert throttle_sum() == 0  # no quota, no throttle
    assert alter(http_broker.port, [([("client-id", "slow")], [("producer_byte_rate", 100000.0)])]) == [(NONE, None)]
    produce_for(http_broker.bootstrap, topic, "slow", 0, 3)
    assert throttle_sum() > 0


def test_cleaner_series_after_a_compaction(broker_factory):
    from test_compacted_topics import CLEANER_OVERRIDES, COMPACTED
    port = free_port()
    b = broker_factory(dict(CLEANER_OVERRIDES, **{"http.listeners": "http://127.0.0.1:%d" % port}))
    metrics = lambda: parse_exposition(http_get(port, "/metrics")[2])[0]  # noqa: E731
    assert one(metrics(), "kafka_log_logcleaner_runs_total") == 0
    topic = unique("cleaned")
    create_topic(b.bootstrap, topic, config=COMPACTED)
    keys = [b"k%02d" % i for i in range(20)]
    produce(b.bootstrap, topic, [{"key": k, "value": k * 30} for _ in range(12) for k in keys])
    wait_until(lambda: one(metrics(), "kafka_log_logcleaner_runs_total") >= 1, 30, "a committed cleaning")
    m = metrics()
    assert one(m, "kafka_log_logcleaner_bytes_read_total") > one(m, "kafka_log_logcleaner_bytes_written_total") > 0
    assert 0 < one(m, "kafka_log_logcleaner_cleaner_recopy_percent") < 100
    assert one(m, "kafka_log_logcleaner_failures_total") == 0


def test_health_and_readiness(http_broker):
    assert http_get(http_broker.http_port, "/healthz")[:1] == (200,)
    status, _, body = http_get(http_broker.http_port, "/readyz")
    assert (status, body) == (200, "ready\n")


def test_bad_http_input(http_broker):
    port = http_broker.http_port
    assert http_get(port, "/nothing")[0] == 404  # "/" is the web console (test_console.py)
    assert http_get(port, "/metrics/../etc/passwd")[0] == 404
    status, headers, _ = http_get(port, "/metrics", method="POST")
    assert status == 405 and headers["Allow"] == "GET"
    assert http_get(port, "/readyz", method="DELETE")[0] == 405

    big = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
    assert raw_exchange(port, big).startswith(b"HTTP/1.1 431 ")
    long_line = b"GET /" + b"m" * 20000 + b" HTTP/1.1\r\n\r\n"
    assert raw_exchange(port, long_line).startswith(b"HTTP/1.1 431 ")
    assert raw_exchange(port, bytes(range(256)) + b"\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    # A Kafka request on the HTTP port is garbage to HTTP too.
    assert raw_exchange(port, b"\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\x00\x00").startswith(b"HTTP/1.1 400 ")

    # Stalled mid-request: closed after sluice.http.request.timeout.ms (800).
    start = time.monotonic()
    assert raw_exchange(port, b"GET /metrics HTTP/1.1\r\nHo") == b""
    took = time.monotonic() - start
    assert 0.6 < took < 5, took

    # Still serving, both HTTP and Kafka.
    assert http_get(port, "/healthz")[0] == 200
    create_topic(http_broker.bootstrap, unique("after"))


def test_http_listener_off_and_bad_config(broker_factory, tmp_path):
    from sluice_harness import sluiced_path
    b = broker_factory()  # http.listeners="" in the harness
    assert b.running()
    bad = subprocess.run([sluiced_path(), "--override", "log.dirs=%s" % tmp_path,
                          "--override", "listeners=PLAINTEXT://127.0.0.1:%d" % free_port(),
                          "--override", "http.listeners=ftp://127.0.0.1:1"],
                         capture_output=True, timeout=30)
    assert bad.returncode != 0
    assert b"http.listeners" in bad.stdout + bad.stderr


def test_prometheus_scrapes_the_broker(http_broker, tmp_path):
    assert os.access(PROMETHEUS, os.X_OK), "install Debian's prometheus (scripts/install-deps)"
    topic = unique("scraped")
    values = [("scraped-%d" % i).encode() * 10 for i in range(40)]
    create_topic(http_broker.bootstrap, topic)
    produce(http_broker.bootstrap, topic, [{"value": v} for v in values])
    value_bytes = sum(len(v) for v in values)

    web_port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: sluice\n    static_configs:\n"
        "      - targets: ['127.0.0.1:%d']\n" % http_broker.http_port)
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen([PROMETHEUS, "--config.file=%s" % config,
                             "--storage.tsdb.path=%s" % (tmp_path / "tsdb"),
                             "--web.listen-address=127.0.0.1:%d" % web_port],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        query = "sum(kafka_server_brokertopicmetrics_bytesin_total{topic=\"%s\"})" % topic
        url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (web_port, urllib.parse.quote(query))
        result = {}

        def scraped():
            assert proc.poll() is None, "prometheus exited: %s" % (tmp_path / "prometheus.log").read_text()
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    answer = json.load(r)
            except (urllib.error.URLError, ConnectionError):
                return False
            found = answer["data"]["result"]
            if not found:
                return False
            result["value"] = float(found[0]["value"][1])
            return True

        wait_until(scraped, 60, "a Prometheus scrape of the broker")
        assert result["value"] >= value_bytes

        # And the target is healthy in Prometheus' own eyes (the format parsed).
        with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/targets" % web_port, timeout=5) as r:
            targets = json.load(r)["data"]["activeTargets"]
        assert [t["health"] for t in targets] == ["up"], targets
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_cluster_series_follow_an_isr_shrink_and_expand(etcd, broker_factory):
    """Three brokers with HTTP listeners: one active controller in sum, and
    the leader's under-replicated gauge and ISR counters when a follower
    stops and comes back; the leader stays ready meanwhile."""
    from test_cluster import start_cluster, create_replicated, partition_meta
    ports = {i: free_port() for i in range(3)}
    brokers = start_cluster(broker_factory, etcd,
                            per_node={i: {"http.listeners": "http://127.0.0.1:%d" % p} for i, p in ports.items()})

    def scrape(node):
        return parse_exposition(http_get(ports[node], "/metrics")[2])[0]

    wait_until(lambda: sum(one(scrape(i), "kafka_controller_kafkacontroller_activecontrollercount")
                           for i in range(3)) == 1, 20, "exactly one active controller")
    topic = unique("isr")
    create_replicated(brokers, topic)
    leader = partition_meta(brokers, topic).leader
    produce(",".join(b.bootstrap for b in brokers), topic, [{"value": b"v" * 100}])
    wait_until(lambda: sorted(partition_meta(brokers, topic).isrs) == [0, 1, 2], 30, "the full ISR")
    before = scrape(leader)
    assert one(before, "kafka_server_replicamanager_underreplicatedpartitions") == 0

    follower = next(b for b in brokers if b.overrides["node.id"] != str(leader))
    follower.stop()
    wait_until(lambda: one(scrape(leader), "kafka_server_replicamanager_underreplicatedpartitions") >= 1, 30,
               "the leader reporting an under-replicated partition")
    shrunk = scrape(leader)
    assert one(shrunk, "kafka_server_replicamanager_isrshrinks_total") > \
        one(before, "kafka_server_replicamanager_isrshrinks_total")
    assert http_get(ports[leader], "/readyz")[0] == 200

    follower.start()
    wait_until(lambda: one(scrape(leader), "kafka_server_replicamanager_underreplicatedpartitions") == 0, 30,
               "the ISR whole again")
    assert one(scrape(leader), "kafka_server_replicamanager_isrexpands_total") > \
        one(shrunk, "kafka_server_replicamanager_isrexpands_total")
    assert one(scrape(int(follower.overrides["node.id"])), "kafka_log_log_logendoffset",
               topic=topic, partition="0") >= 1


def test_readyz_is_503_while_a_partition_of_the_broker_has_no_leader(etcd, broker_factory):
    """A replica outside the ISR comes back while the only in-sync replica is
    down (unclean election off): its partition has no leader, so the broker
    is not ready, and its controller counts the offline partition; the
    leader's return makes it ready again."""
    from test_cluster import start_cluster, create_replicated, partition_meta
    ports = {i: free_port() for i in range(3)}
    brokers = start_cluster(broker_factory, etcd,
                            per_node={i: {"http.listeners": "http://127.0.0.1:%d" % p} for i, p in ports.items()})
    topic = unique("offline")
    create_replicated(brokers, topic)
    leader = partition_meta(brokers, topic).leader
    followers = [b for b in brokers if b.overrides["node.id"] != str(leader)]
    lead = next(b for b in brokers if b.overrides["node.id"] == str(leader))
    for f in followers:
        f.stop()
    wait_until(lambda: partition_meta(brokers, topic).isrs == [leader], 30, "the ISR down to the leader")
    lead.stop()
    back = followers[0]
    back.start()
    port = ports[int(back.overrides["node.id"])]

    def readyz():
        return http_get(port, "/readyz")
    wait_until(lambda: readyz()[0] == 503, 30, "/readyz 503 on the returning replica")
    assert readyz()[2] == "partition %s-0 has no leader\n" % topic
    samples, _ = parse_exposition(http_get(port, "/metrics")[2])
    # The only live broker is the controller.
    assert one(samples, "kafka_controller_kafkacontroller_activecontrollercount") == 1
    assert one(samples, "kafka_controller_kafkacontroller_offlinepartitionscount") >= 1
    assert http_get(port, "/healthz")[0] == 200

    lead.start()
    wait_until(lambda: readyz()[0] == 200, 30, "/readyz 200 once the leader is back")
