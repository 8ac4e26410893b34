"""The web console on the broker's HTTP listener: headless Chromium (Debian's
/usr/bin/chromium, driven by playwright-core in js/console_browser.mjs)
clicks through every page of a broker holding data produced by
confluent-kafka and consumer groups run by it, then performs the console's
actions, whose effects are checked here with confluent-kafka's admin client.
Then the JSON API's bad input over plain HTTP and raw sockets."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

from sluice_harness import (admin, create_topic, free_port, produce, topic_names, unique, wait_until,
                            watermarks)
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

HERE = os.path.dirname(os.path.abspath(__file__))
JS = os.path.join(HERE, "js")
CHROMIUM = "/usr/bin/chromium"
# Where a run's screenshots are copied when set (the README's come from here).
SHOTS_ENV = "SLUICE_CONSOLE_SCREENSHOTS"


def request(port, path, method="GET", body=None, headers=None):
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def api(port, path, method="GET", body=None):
    """(status, parsed JSON, headers) of /api/v1/<path>."""
    status, headers, text = request(port, "/api/v1/" + path, method, body)
    assert headers["Content-Type"] == "application/json", (path, headers["Content-Type"], text)
    return status, json.loads(text), headers


def raw_exchange(port, data, timeout=10):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def console_broker(broker_factory, **extra):
    port = free_port()
    overrides = {"http.listeners": "http://127.0.0.1:%d" % port,
                 "group.initial.rebalance.delay.ms": "0"}
    overrides.update(extra)
    b = broker_factory(overrides)
    b.http_port = port
    wait_until(lambda: request(port, "/healthz")[0] == 200, 10, "the HTTP listener")
    return b


def run_browser(settings):
    assert os.path.exists(CHROMIUM), "chromium is missing: run scripts/install-deps --with-test-clients"
    assert os.path.isdir(os.path.join(JS, "node_modules", "playwright-core")), \
        "playwright-core is missing: run scripts/install-js-clients"
    p = subprocess.run(["node", "console_browser.mjs", json.dumps(settings)], cwd=JS,
                       capture_output=True, text=True, timeout=150)
    assert p.returncode == 0, "browser run (%s) failed:\n%s\n%s" % (settings["phase"], p.stderr[-4000:],
                                                                    p.stdout[-2000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


class LiveMember:
    """A confluent-kafka consumer in a group, polling on a thread until stop()."""

    def __init__(self, bootstrap, topic, group, client_id):
        from confluent_kafka import Consumer
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "client.id": client_id,
                                  "auto.offset.reset": "earliest", "session.timeout.ms": 10000,
                                  "enable.auto.commit": False})
        self.consumer.subscribe([topic])
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            self.consumer.poll(0.2)

    def stop(self):
        self.stopping.set()
        self.thread.join(20)
        self.consumer.close()


def consume_and_commit(bootstrap, topic, group, count):
    """Joins `group`, reads `count` records, commits, leaves: an Empty group
    with protocol type consumer and offsets."""
    from confluent_kafka import Consumer
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    got, deadline = 0, time.monotonic() + 30
    while got < count and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and m.error() is None:
            got += 1
    assert got == count, "read %d of %d records" % (got, count)
    c.commit(asynchronous=False)
    c.close()


def committed(bootstrap, group, topic, partitions):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        tps = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
        return [tp.offset for tp in tps]
    finally:
        c.close()


def test_console_pages_and_actions_in_chromium(broker_factory):
    b = console_broker(broker_factory)
    topic, doomed, new_topic = unique("orders"), unique("doomed"), unique("created")
    group_reset, group_live = unique("billing"), unique("audit")
    client_id = unique("audit-client")
    create_topic(b.bootstrap, topic, partitions=3)
    create_topic(b.bootstrap, doomed, partitions=1)

    base = int(time.time() * 1000) - 3600 * 1000
    xss = {"key": "<script>window.__xss=1</script>", "value": '<img src=x onerror="window.__xss=2">',
           "headerKey": "<b>x-html</b>", "headerValue": "<script>window.__xss=3</script>"}
    json_value = json.dumps({"id": 1, "name": "one", "tags": ["a", "<b>"], "nested": {"ok": True}})
    p0 = [{"key": b"k0", "value": b"plain text", "timestamp": base},
          {"key": b"k1", "value": json_value.encode(), "timestamp": base + 1000},
          {"key": b"k2", "value": b"two", "timestamp": base + 2000},
          {"key": b"k3", "value": b"three", "timestamp": base + 3000},
          {"key": b"k4", "value": b"four", "timestamp": base + 4000},
          {"key": xss["key"].encode(), "value": xss["value"].encode(), "timestamp": base + 5000,
           "headers": [(xss["headerKey"], xss["headerValue"].encode())]},
          {"key": b"\xff\xfe\x00\x01", "value": b"binary key", "timestamp": base + 6000},
          {"key": b"k7", "value": b"seven", "timestamp": base + 7000},
          {"key": b"k8", "value": b"eight", "timestamp": base + 8000},
          {"key": b"k9", "value": b"nine", "timestamp": base + 9000}]
    produce(b.bootstrap, topic, [dict(m, partition=0) for m in p0], max_in_flight=1)
    produce(b.bootstrap, topic, [{"value": b"v%d" % i, "partition": p} for p in (1, 2) for i in range(5)])
    consume_and_commit(b.bootstrap, topic, group_reset, 20)
    produce(b.bootstrap, topic, [{"value": b"late%d" % i, "partition": 1} for i in range(5)])

    live = LiveMember(b.bootstrap, topic, group_live, client_id)
    try:
        def stable():
            status, g, _ = api(b.http_port, "groups/" + group_live)
            return status == 200 and g["state"] == "Stable" and len(g["members"]) == 1
        wait_until(stable, 30, "the live group to be Stable")
        hw = [watermarks(b.bootstrap, topic, p)[1] for p in range(3)]
        assert hw == [10, 10, 5]
        shots = tempfile.mkdtemp(prefix="sluice-console-shots-")
        settings = {"url": "http://127.0.0.1:%d" % b.http_port, "bootstrap": b.bootstrap, "kafkaPort": b.port,
                    "shots": shots, "topic": topic, "partitions": 3, "highWatermarks": hw,
                    "groupReset": group_reset, "groupLive": group_live, "liveClientId": client_id,
                    "lag": 5, "lagPartition": 1,
                    "xss": dict(xss, offset=5), "json": {"offset": 1, "value": json_value},
                    "binary": {"offset": 6, "keyHex": "ff fe 00 01", "keyBase64": "//4AAQ=="},
                    "timestamped": {"offset": 7, "timestamp": base + 7000}}
        read = run_browser(dict(settings, phase="read"))
        assert "NON_EMPTY_GROUP" in read["refused"]
        assert any("Delete group %s" % group_live in d for d in read["dialogs"])
    finally:
        live.stop()
    # The record the browser saw arrive while following is really there.
    assert watermarks(b.bootstrap, topic, 0)[1] == 11

    wait_until(lambda: api(b.http_port, "groups/" + group_live)[1].get("state") == "Empty", 20,
               "the live group to empty")
    settings.update(phase="act", newTopic=new_topic, doomedTopic=doomed, lagAfterReset=11 + 10 + 5)
    acted = run_browser(settings)
    assert acted["done"]
    assert len(acted["dialogs"]) == 8  # every action asked first, refused ones too

    # The effects, seen by a real client.
    md = admin(b.bootstrap).list_topics(timeout=10)
    assert len(md.topics[new_topic].partitions) == 4
    assert doomed not in topic_names(b.bootstrap)
    from confluent_kafka.admin import ConfigResource
    res = ConfigResource(ConfigResource.Type.TOPIC, new_topic)
    configs = admin(b.bootstrap).describe_configs([res])[res].result(10)
    assert configs["retention.ms"].value == "3600000"
    assert committed(b.bootstrap, group_reset, topic, 3) == [0, 0, 0]
    ids = {g.id for g in admin(b.bootstrap).list_groups(timeout=10)}
    assert group_live not in ids and group_reset in ids

    if os.environ.get(SHOTS_ENV):
        os.makedirs(os.environ[SHOTS_ENV], exist_ok=True)
        for name in os.listdir(shots):
            shutil.copy(os.path.join(shots, name), os.environ[SHOTS_ENV])
    for name in ("brokers.png", "topics.png", "topic.png", "groups.png", "group.png", "messages.png",
                 "messages-json.png", "messages-hex.png"):
        assert os.path.getsize(os.path.join(shots, name)) > 1000, name
    shutil.rmtree(shots, ignore_errors=True)


def test_console_api_bad_input(broker_factory):
    b = console_broker(broker_factory, **{"sluice.http.request.timeout.ms": "800"})
    port = b.http_port
    topic = unique("t")
    create_topic(b.bootstrap, topic, partitions=2)
    produce(b.bootstrap, topic, [{"value": b"v%d" % i, "partition": 0} for i in range(3)])

    # Oversized body: 413 before the body is read; bad JSON and shapes: 400.
    status, _, _ = request(port, "/api/v1/topics", "POST", b'{"name":"' + b"x" * 9000 + b'"}',
                           {"Content-Type": "application/json"})
    assert status == 413
    for body in (b"{nope", b"[]", b'"x"', b'{"name": 5}', b'{"name": "a", "partitions": "2"}',
                 b'{"name": "a", "partitions": 1.5}', b'{"name": "a", "configs": {"retention.ms": 5}}'):
        status, e, _ = api(port, "topics", "POST", body)
        assert (status, e["error"]) == (400, "INVALID_REQUEST"), body

    # Kafka's own checks, through the same code as CreateTopics and friends.
    for name in ("..", "a/b", "../../metrics", "x" * 250, ""):
        status, e, _ = api(port, "topics", "POST", {"name": name})
        assert (status, e["error"]) == (400, "INVALID_TOPIC_EXCEPTION"), name
    status, e, _ = api(port, "topics", "POST", {"name": topic})
    assert (status, e["error"]) == (409, "TOPIC_ALREADY_EXISTS")
    status, e, _ = api(port, "topics", "POST", {"name": unique("z"), "partitions": 0})
    assert (status, e["error"]) == (400, "INVALID_PARTITIONS")
    status, e, _ = api(port, "topics", "POST", {"name": unique("z"), "configs": {"cleanup.policy": "sometimes"}})
    assert (status, e["error"]) == (400, "INVALID_CONFIG")
    status, e, _ = api(port, "topics/%s/partitions" % topic, "POST", {"count": 1})
    assert (status, e["error"]) == (400, "INVALID_PARTITIONS")
    status, e, _ = api(port, "topics/%s/configs" % topic, "PATCH", {"set": {"no.such.config": "1"}})
    assert (status, e["error"]) == (400, "INVALID_CONFIG")

    # Unknown things: 404 with Kafka's names.
    status, e, _ = api(port, "topics/nope")
    assert (status, e["error"]) == (404, "UNKNOWN_TOPIC_OR_PARTITION")
    status, e, _ = api(port, "topics/nope/partitions/0/records")
    assert (status, e["error"]) == (404, "UNKNOWN_TOPIC_OR_PARTITION")
    status, e, _ = api(port, "topics/%s/partitions/7/records" % topic)
    assert (status, e["error"]) == (404, "UNKNOWN_TOPIC_OR_PARTITION")
    status, e, _ = api(port, "topics/nope", "DELETE")
    assert (status, e["error"]) == (404, "UNKNOWN_TOPIC_OR_PARTITION")
    status, e, _ = api(port, "groups/nope")
    assert (status, e["error"]) == (404, "GROUP_ID_NOT_FOUND")
    status, e, _ = api(port, "groups/nope", "DELETE")
    assert (status, e["error"]) == (404, "GROUP_ID_NOT_FOUND")
    for path in ("/api/v1/nothing", "/api/v2/topics", "/api/v1/", "/api", "/api/v1/topics/%s/extra/x" % topic):
        status, headers, text = request(port, path)
        assert status == 404, path
        assert json.loads(text)["error"] == "INVALID_REQUEST"
    for path in ("/console/nothing.js", "/console/../metrics", "/elsewhere"):
        assert request(port, path)[0] == 404, path

    # Path tricks: a decoded '/' or '..' is part of one name, never a path.
    for path in ("topics/..", "topics/%2E%2E", "topics/..%2F..%2Fmetrics", "topics/a%2Fb",
                 "topics/%s%%2Fpartitions" % topic):
        status, e, _ = api(port, path)
        assert (status, e["error"]) == (404, "UNKNOWN_TOPIC_OR_PARTITION"), path
    for path in ("topics/%zz", "topics/a%2", "topics//x"):
        status, e, _ = api(port, path)
        assert (status, e["error"]) == (400, "INVALID_REQUEST"), path

    # Methods a path does not serve: 405 naming the ones it does.
    for method, path, allow in (("DELETE", "topics", "GET, POST"), ("PUT", "cluster", "GET"),
                                ("GET", "topics/%s/configs" % topic, "PUT, PATCH"),
                                ("POST", "groups/g", "GET, DELETE"), ("GET", "groups/g/reset-offsets", "POST")):
        status, e, headers = api(port, path, method, b"{}" if method != "GET" else None)
        assert status == 405 and headers["Allow"] == allow, (method, path, status, headers["Allow"])
    status, headers, _ = request(port, "/console/app.js", "POST", b"x")
    assert status == 405 and headers["Allow"] == "GET"
    assert request(port, "/metrics", "POST", b"x")[0] == 405

    # Record reads: bad parameters 400, an offset outside the log 416.
    for query in ("offset=-1", "offset=abc", "offset=", "limit=0", "limit=501", "limit=x", "from=middle",
                  "offset=1&from=end", "timestamp=-5", "unknown=1", "offset=1&offset=2", "offset=%zz"):
        status, e, _ = api(port, "topics/%s/partitions/0/records?%s" % (topic, query))
        assert (status, e["error"]) == (400, "INVALID_REQUEST"), query
    for path in ("topics/%s/partitions/-1/records" % topic, "topics/%s/partitions/x/records" % topic,
                 "topics/%s/partitions/99999999999/records" % topic):
        assert api(port, path)[0] == 400, path
    status, e, _ = api(port, "topics/%s/partitions/0/records?offset=4" % topic)
    assert (status, e["error"]) == (416, "OFFSET_OUT_OF_RANGE")
    status, r, _ = api(port, "topics/%s/partitions/0/records?offset=3" % topic)
    assert status == 200 and r["records"] == [] and r["next_offset"] == 3
    status, r, _ = api(port, "topics/%s/partitions/0/records?limit=2" % topic)
    assert [x["value"]["text"] for x in r["records"]] == ["v0", "v1"] and r["next_offset"] == 2

    # Offset resets: bad strategies 400; a group with members 409 NON_EMPTY_GROUP.
    for body in ({}, {"strategy": "sideways"}, {"strategy": "timestamp"}, {"strategy": "earliest", "topic": 3}):
        status, e, _ = api(port, "groups/g/reset-offsets", "POST", body)
        assert (status, e["error"]) == (400, "INVALID_REQUEST"), body
    status, e, _ = api(port, "groups/g/reset-offsets", "POST", {"strategy": "latest", "topic": "nope"})
    assert (status, e["error"]) == (404, "UNKNOWN_TOPIC_OR_PARTITION")
    group = unique("g")
    member = LiveMember(b.bootstrap, topic, group, "member")
    try:
        wait_until(lambda: api(port, "groups/" + group)[1].get("state") == "Stable", 30, "a Stable group")
        status, e, _ = api(port, "groups/%s/reset-offsets" % group, "POST", {"strategy": "earliest", "topic": topic})
        assert (status, e["error"]) == (409, "NON_EMPTY_GROUP")
        status, e, _ = api(port, "groups/" + group, "DELETE")
        assert (status, e["error"]) == (409, "NON_EMPTY_GROUP")
    finally:
        member.stop()
    status, r, _ = api(port, "groups/%s/reset-offsets" % group, "POST", {"strategy": "latest", "topic": topic})
    assert status == 200 and {(o["partition"], o["offset"]) for o in r["offsets"]} == {(0, 3), (1, 0)}
    assert committed(b.bootstrap, group, topic, 2) == [3, 0]

    # Malformed HTTP and headers past the limit: answered, then closed.
    assert raw_exchange(port, b"GARBAGE\r\n\r\n").startswith(b"HTTP/1.1 400")
    big = b"GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"
    assert raw_exchange(port, big).startswith(b"HTTP/1.1 431")
    # A kept-alive connection serves an API error, then the next request.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /api/v1/topics/nope HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    assert out.startswith(b"HTTP/1.1 404") and b"HTTP/1.1 200 OK" in out and out.endswith(b"ok\n")
    assert b.running()
    # The existing endpoints are unchanged.
    assert request(port, "/healthz")[0] == 200 and request(port, "/readyz")[2] == "ready\n"
    assert "kafka_log_log_size" in request(port, "/metrics")[2]


def test_console_read_only_and_disabled(broker_factory):
    ro = console_broker(broker_factory, **{"http.console.read.only": "true"})
    topic = unique("t")
    create_topic(ro.bootstrap, topic)
    status, c, _ = api(ro.http_port, "cluster")
    assert status == 200 and c["read_only"] is True
    for method, path, body in (("POST", "topics", {"name": unique("x")}), ("DELETE", "topics/" + topic, None),
                               ("POST", "topics/%s/partitions" % topic, {"count": 3}),
                               ("PATCH", "topics/%s/configs" % topic, {"set": {"retention.ms": "1"}}),
                               ("POST", "groups/g/reset-offsets", {"strategy": "earliest"}),
                               ("DELETE", "groups/g", None)):
        status, e, _ = api(ro.http_port, path, method, body)
        assert (status, e["error"]) == (403, "CLUSTER_AUTHORIZATION_FAILED"), (method, path)
        assert "http.console.read.only" in e["message"]
    assert topic in topic_names(ro.bootstrap)
    md = admin(ro.bootstrap).list_topics(timeout=10)
    assert len(md.topics[topic].partitions) == 1
    status, headers, page = request(ro.http_port, "/console/")
    assert status == 200 and "<title>Sluice console</title>" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    shots = tempfile.mkdtemp(prefix="sluice-console-shots-")
    assert run_browser({"phase": "read-only", "url": "http://127.0.0.1:%d" % ro.http_port, "topic": topic,
                        "shots": shots})["readOnly"]
    shutil.rmtree(shots, ignore_errors=True)

    off = console_broker(broker_factory, **{"http.console.enable": "false"})
    for path in ("/", "/console/", "/console/app.js", "/api/v1/cluster"):
        assert request(off.http_port, path)[0] == 404, path
    assert request(off.http_port, "/metrics")[0] == 200


def test_console_in_a_cluster_names_the_broker_that_holds_it(etcd, broker_factory):  # noqa: F811
    """Two brokers on etcd: the metadata is the same on both; records and a
    group are answered by their leader / coordinator, and the other broker
    answers 421 naming it."""
    from test_cluster import start_cluster
    ports = {i: free_port() for i in range(2)}
    brokers = start_cluster(broker_factory, etcd, n=2,
                            extra={"default.replication.factor": "1", "group.initial.rebalance.delay.ms": "0"},
                            per_node={i: {"http.listeners": "http://127.0.0.1:%d" % p} for i, p in ports.items()})
    bootstrap = ",".join(b.bootstrap for b in brokers)
    topic = unique("spread")
    create_topic(bootstrap, topic, partitions=4)
    md = admin(bootstrap).list_topics(topic, timeout=10).topics[topic].partitions
    leaders = {p: md[p].leader for p in range(4)}
    assert set(leaders.values()) == {0, 1}, leaders  # placed over both
    produce(bootstrap, topic, [{"value": b"v%d" % p, "partition": p} for p in range(4)])

    for node in (0, 1):
        status, c, _ = api(ports[node], "cluster")
        assert status == 200 and sorted(b["id"] for b in c["brokers"]) == [0, 1]
        assert sum(b["controller"] for b in c["brokers"]) == 1
        assert sum(b["partitions_led"] for b in c["brokers"]) >= 4
        status, t, _ = api(ports[node], "topics/" + topic)
        assert [p["leader"] for p in t["partitions"]] == [leaders[p] for p in range(4)]
        for p in t["partitions"]:
            hosted = p["leader"] == node
            assert (p["high_watermark"] == 1) if hosted else p["high_watermark"] is None, (node, p)

    for p, leader in leaders.items():
        status, r, _ = api(ports[leader], "topics/%s/partitions/%d/records" % (topic, p))
        assert status == 200 and [x["value"]["text"] for x in r["records"]] == ["v%d" % p]
        other = 1 - leader
        status, e, _ = api(ports[other], "topics/%s/partitions/%d/records" % (topic, p))
        assert (status, e["error"]) == (421, "NOT_LEADER_OR_FOLLOWER")
        assert e["broker"] == {"id": leader, "host": "127.0.0.1", "port": brokers[leader].port}

    group = unique("g")
    consume_and_commit(bootstrap, topic, group, 4)

    def answers():
        return {node: api(ports[node], "groups/" + group) for node in (0, 1)}
    wait_until(lambda: sorted(a[0] for a in answers().values()) == [200, 421], 20, "one coordinator")
    got = answers()
    coordinator = next(n for n, a in got.items() if a[0] == 200)
    assert got[coordinator][1]["total_lag"] == 0
    refused = got[1 - coordinator][1]
    assert refused["error"] == "NOT_COORDINATOR"
    assert refused["broker"] == {"id": coordinator, "host": "127.0.0.1", "port": brokers[coordinator].port}
    status, e, _ = api(ports[1 - coordinator], "groups/" + group, "DELETE")
    assert (status, e["error"]) == (421, "NOT_COORDINATOR")
    assert api(ports[coordinator], "groups/" + group, "DELETE")[0] == 200


def test_console_describes_a_consumer_protocol_group(broker_factory):
    """A KIP-848 member (raw ConsumerGroupHeartbeat frames) shows with its
    assignment, which DescribeGroups would not give (it answers Dead)."""
    import kafka_wire as w
    from test_consumer_groups_kip848 import KIP848_BROKER, heartbeat_until_stable, join_raw
    b = console_broker(broker_factory, **KIP848_BROKER)
    topic, group = unique("t"), unique("g")
    create_topic(b.bootstrap, topic, partitions=3)
    with w.connect(b.port, 10) as s:
        joined = join_raw(s, group, unique("m"), [topic])
        heartbeat_until_stable(s, b.port, group, joined)
        status, g, _ = api(b.http_port, "groups/" + group)
        assert status == 200, g
        assert (g["type"], g["state"], g["protocol_type"]) == ("consumer", "Stable", "consumer")
        assert [m["member_id"] for m in g["members"]] == [joined["member_id"]]
        assert g["members"][0]["assignment"] == [{"topic": topic, "partitions": [0, 1, 2]}]
        status, listed, _ = api(b.http_port, "groups")
        assert {"group_id": group, "state": "Stable", "protocol_type": "consumer", "type": "consumer"} \
            in listed["groups"]
