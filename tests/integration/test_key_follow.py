"""Following one key live: GET /v1/topics/{t}/keys/{k}/records?follow=true
as server-sent events, and `sluice events --follow`.

A follower over plain http.client gets the key's history, then the records
confluent-kafka produces after it connected, in order, each `id:` its
offset; after a reconnect with Last-Event-ID it resumes with the next one. A
waiting follower costs the broker no CPU (no polling). kill -9 of the broker
ends the stream. Bad input (no key index, too many followers, bad
parameters or Last-Event-ID) gets a clear error.
"""

import http.client
import json
import os
import subprocess
import time

from sluice_harness import create_topic, free_port, produce, unique, wait_until
from test_cli import cli_path
from test_consistent_writes import key_path, request


class Stream:
    """One event stream; events() yields (id, record) as they come."""

    def __init__(self, port, topic, key, last_event_id=None, timeout=15, **params):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
        self.conn.request("GET", key_path(topic, key, follow="true", **params), headers=headers)
        self.resp = self.conn.getresponse()

    def next_event(self):
        """(id, record), or None when the stream ended. Comments are skipped."""
        event = {}
        while True:
            line = self.resp.fp.readline()
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if line == "":
                if event:
                    return int(event["id"]), json.loads(event["data"])
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            event[name] = value

    def close(self):
        self.resp.close()  # holds the socket open otherwise
        self.conn.close()


def follow_broker(broker_factory, **overrides):
    port = free_port()
    b = broker_factory(dict({"http.listeners": "http://127.0.0.1:%d" % port}, **overrides))
    b.http_port = port
    wait_until(lambda: request(port, "/healthz")[0] == 200, 10, "the HTTP listener")
    return b


def indexed_topic(b):
    t = unique("follow")
    create_topic(b.bootstrap, t, 1, {"sluice.key.index.enable": "true", "segment.bytes": "4096"})
    return t


def send(b, topic, pairs):
    """Produces [(key, value)]; returns {value: offset}."""
    d = produce(b.bootstrap, topic, [{"key": k.encode(), "value": v.encode()} for k, v in pairs], linger_ms=0)
    return {v.decode(): off for _, off, _, v in d.ok}


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_history_then_live_records_in_order_and_resume(broker_factory):
    b = follow_broker(broker_factory)
    topic = indexed_topic(b)
    offsets = send(b, topic, [("acc", "h0"), ("other", "x0"), ("acc", "h1"), ("acc", "h2")])
    s = Stream(b.http_port, topic, "acc")
    assert s.resp.status == 200 and s.resp.getheader("Content-Type") == "text/event-stream"
    got = [s.next_event() for _ in range(3)]
    assert [(i, r["offset"], r["value"]["text"]) for i, r in got] == \
        [(offsets[v], offsets[v], v) for v in ("h0", "h1", "h2")]

    # Live: produced after the follower caught up, other keys in between.
    live = []
    for n in range(5):
        offsets.update(send(b, topic, [("other", "y%d" % n), ("acc", "live%d" % n)]))
        live.append("live%d" % n)
    got = [s.next_event() for _ in range(5)]
    assert [(i, r["value"]["text"]) for i, r in got] == [(offsets[v], v) for v in live]
    assert all(r["key"]["text"] == "acc" for _, r in got)

    # Waiting costs nothing: no polling while nothing comes.
    before = cpu_seconds(b.pid)
    time.sleep(2)
    assert cpu_seconds(b.pid) - before < 0.2
    last = got[-1][0]
    s.close()

    # Reconnect with Last-Event-ID: the records after it, and then live ones.
    offsets.update(send(b, topic, [("acc", "missed0"), ("acc", "missed1")]))
    s = Stream(b.http_port, topic, "acc", last_event_id=last)
    got = [s.next_event() for _ in range(2)]
    assert [r["value"]["text"] for _, r in got] == ["missed0", "missed1"]
    offsets.update(send(b, topic, [("acc", "after")]))
    i, r = s.next_event()
    assert (i, r["value"]["text"]) == (offsets["after"], "after")
    s.close()

    # from_offset resumes too.
    s = Stream(b.http_port, topic, "acc", from_offset=offsets["missed1"])
    assert [s.next_event()[1]["value"]["text"] for _ in range(2)] == ["missed1", "after"]
    s.close()

    # sluice events --follow prints them as they come.
    cli = subprocess.Popen([cli_path(), "events", topic, "acc", "--http", "127.0.0.1:%d" % b.http_port,
                            "--follow", "--from-offset", str(offsets["after"])],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = cli.stdout.readline()
        assert first.split()[:1] == ["OFFSET"], first
        assert cli.stdout.readline().split()[0] == str(offsets["after"])
        offsets.update(send(b, topic, [("acc", "cli-live")]))
        line = cli.stdout.readline()
        assert line.split()[0] == str(offsets["cli-live"]) and "cli-live" in line, line
    finally:
        cli.kill()
        cli.wait()


def test_kill_9_ends_the_stream(broker_factory):
    b = follow_broker(broker_factory)
    topic = indexed_topic(b)
    send(b, topic, [("k", "v0")])
    s = Stream(b.http_port, topic, "k")
    assert s.next_event()[1]["value"]["text"] == "v0"
    b.kill9()
    t0 = time.time()
    try:
        ended = s.next_event()
    except (ConnectionError, OSError):
        ended = None
    assert ended is None and time.time() - t0 < 10
    s.close()


def test_keep_alive_and_a_clean_stop(broker_factory):
    b = follow_broker(broker_factory)
    topic = indexed_topic(b)
    send(b, topic, [("k", "v0")])
    s = Stream(b.http_port, topic, "k", timeout=30)
    assert s.next_event()[0] == 0
    t0 = time.time()
    line = s.resp.fp.readline()
    assert line == b": keep-alive\n" and 14 <= time.time() - t0 < 25, line
    # A broker stopping with a stream open ends it and exits cleanly.
    b.stop()
    assert s.next_event() is None
    s.close()


def test_bad_input_and_the_follower_cap(broker_factory):
    b = follow_broker(broker_factory, **{"sluice.http.key.follow.max": "2"})
    topic = indexed_topic(b)
    plain = unique("plain")
    create_topic(b.bootstrap, plain, 1)
    send(b, topic, [("k", "v0")])

    def refused(topic_, params, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", b.http_port, timeout=10)
        conn.request("GET", key_path(topic_, "k", **params), headers=headers or {})
        r = conn.getresponse()
        doc = json.loads(r.read())
        conn.close()
        return r.status, doc["error"], doc["message"]

    status, error, message = refused(plain, {"follow": "true"})
    assert (status, error) == (400, "INVALID_REQUEST") and "no key index" in message
    for params in ({"follow": "yes"}, {"follow": "true", "order": "newest"},
                   {"follow": "true", "view": "corrected"}, {"follow": "true", "format": "ndjson"}):
        assert refused(topic, params)[:2] == (400, "INVALID_REQUEST"), params
    assert refused(topic, {"follow": "true"}, {"Last-Event-ID": "x"})[:2] == (400, "INVALID_REQUEST")
    assert refused(topic, {"follow": "true", "from_offset": 99})[:2] == (416, "OFFSET_OUT_OF_RANGE")
    assert refused("nope", {"follow": "true"})[:2] == (404, "UNKNOWN_TOPIC_OR_PARTITION")

    a, c = Stream(b.http_port, topic, "k"), Stream(b.http_port, topic, "k")
    assert a.next_event()[1]["value"]["text"] == "v0" and c.next_event()[0] == 0
    status, error, message = refused(topic, {"follow": "true"})
    assert (status, error) == (503, "BROKER_NOT_AVAILABLE") and "sluice.http.key.follow.max=2" in message
    # follow=false is an ordinary read, not a stream.
    status, text = request(b.http_port, key_path(topic, "k", follow="false"))
    assert status == 200 and json.loads(text)["records"][0]["offset"] == 0
    a.close()

    def another():
        d = Stream(b.http_port, topic, "k")
        if d.resp.status != 200:
            d.close()
            return None
        return d

    d = wait_until(another, 10, "a closed stream's place freed")
    assert d.next_event()[0] == 0
    d.close()
    c.close()
    assert b.running()
