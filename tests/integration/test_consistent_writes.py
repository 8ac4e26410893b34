"""Consistent writes (optimistic concurrency) on a topic with the key index:
the record header sluice.expected.offset over Kafka, and
POST /v1/topics/{topic}/keys/{key}/records with If-Match over HTTP.

Twenty writers (confluent-kafka idempotent producers and HTTP clients, mixed)
race read-latest / conditional-append loops on a few keys. Afterwards every
key's history, read through the GET endpoint, must be a chain: the first
record expects -1, each next one its predecessor's offset. Every acknowledged
append is in it, and every refusal was a real conflict: the 412's latest
offset is a later record of the key, and a refused Kafka append's expected
offset was already followed by another record. Once more with kill -9 and a
restart in the middle. Bad input of each kind is refused and appends nothing.
"""

import json
import random
import threading
import time
import urllib.parse
import urllib.request

import pytest

from sluice_harness import create_topic, free_port, producer, unique, wait_until, watermarks

HEADER = "sluice.expected.offset"
KEYS = ["acc-1", "acc-2", "acc/3 ü"]


def request(port, path, method="GET", body=None, headers=None, timeout=15):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method, data=body,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def key_path(topic, key, **params):
    q = ("?" + urllib.parse.urlencode(params)) if params else ""
    return "/v1/topics/%s/keys/%s/records%s" % (urllib.parse.quote(topic, safe=""),
                                               urllib.parse.quote(key, safe=""), q)


def text_of(field):
    return field["text"] if "text" in field else field["base64"]


def latest(port, topic, key):
    status, text = request(port, key_path(topic, key, order="newest", limit=1))
    assert status == 200, text
    records = json.loads(text)["records"]
    return records[0]["offset"] if records else -1


def history(port, topic, key):
    """[(offset, value, expected header or None)], oldest first."""
    out, start = [], 0
    while True:
        status, text = request(port, key_path(topic, key, from_offset=start, limit=50))
        assert status == 200, text
        doc = json.loads(text)
        for r in doc["records"]:
            assert text_of(r["key"]) == key
            expected = [text_of(h["value"]) for h in r["headers"] if text_of(h["key"]) == HEADER]
            out.append((r["offset"], text_of(r["value"]), expected[0] if expected else None))
        if not doc["more"]:
            return out
        start = doc["next_offset"]


def post(port, topic, key, value, if_match=None, **params):
    headers = {} if if_match is None else {"If-Match": str(if_match)}
    status, text = request(port, key_path(topic, key, **params), "POST", value.encode(), headers)
    return status, json.loads(text)


@pytest.fixture
def ev_broker(broker_factory):
    port = free_port()
    b = broker_factory({"http.listeners": "http://127.0.0.1:%d" % port})
    b.http_port = port
    wait_until(lambda: request(port, "/healthz")[0] == 200, 10, "the HTTP listener")
    return b


def indexed_topic(b, **config):
    t = unique("cw")
    create_topic(b.bootstrap, t, 1, dict({"sluice.key.index.enable": "true", "segment.bytes": "4096"}, **config))
    return t


def kafka_append(p, topic, key, value, expected):
    """One conditional append; (offset, None) or (None, KafkaError)."""
    out = {}

    def done(err, msg):
        out["err"], out["offset"] = err, (None if err else msg.offset())

    p.produce(topic, value.encode(), key.encode(), headers=[(HEADER, str(expected).encode())], on_delivery=done)
    p.flush(30)
    assert "err" in out, "no delivery report"
    return out["offset"], out["err"]


class Outcomes:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked = []       # (key, offset, value, expected)
        self.conflicts = []   # (key, expected, latest or None, how)
        self.unknown = []     # (key, value, why): the outcome was not learnt (broker down)
        self.other = []       # anything else: must stay empty

    def add(self, name, item):
        with self.lock:
            getattr(self, name).append(item)


def kafka_writer(b, topic, n, rounds, rng, out, stop):
    from confluent_kafka import KafkaError
    p = producer(b.bootstrap, enable_idempotence=True, linger_ms=0, message_timeout_ms=8000)
    for i in range(rounds):
        if stop.is_set():
            break
        key, value = rng.choice(KEYS), "k%d-%d" % (n, i)
        try:
            expected = latest(b.http_port, topic, key)
        except OSError:
            time.sleep(0.2)
            continue
        offset, err = kafka_append(p, topic, key, value, expected)
        if err is None:
            out.add("acked", (key, offset, value, expected))
        elif err.code() == KafkaError.INVALID_RECORD:
            out.add("conflicts", (key, expected, None, "kafka: %s" % err))
        elif err.code() in (KafkaError._MSG_TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN):
            out.add("unknown", (key, value, str(err)))
        elif err.fatal():
            out.add("unknown", (key, value, str(err)))
            p = producer(b.bootstrap, enable_idempotence=True, linger_ms=0, message_timeout_ms=8000)
        else:
            out.add("other", (key, value, str(err)))


def http_writer(b, topic, n, rounds, rng, out, stop):
    for i in range(rounds):
        if stop.is_set():
            break
        key, value = rng.choice(KEYS), "h%d-%d" % (n, i)
        try:
            expected = latest(b.http_port, topic, key)
            status, doc = post(b.http_port, topic, key, value, expected)
        except OSError as e:
            # Refused or cut off: while the broker is down the outcome may be unknown.
            out.add("unknown", (key, value, str(e)))
            time.sleep(0.2)
            continue
        if status == 201:
            out.add("acked", (key, doc["offset"], value, expected))
        elif status == 412:
            assert doc["error"] == "INVALID_RECORD" and doc["expected_offset"] == expected, doc
            out.add("conflicts", (key, expected, doc["latest_offset"], doc["message"]))
        else:
            out.add("other", (key, value, "%d %r" % (status, doc)))


def race(b, topic, writers=20, rounds=12, during=None, out=None):
    out, stop = out or Outcomes(), threading.Event()
    threads = []
    for n in range(writers):
        target = kafka_writer if n % 2 == 0 else http_writer
        t = threading.Thread(target=target, args=(b, topic, n, rounds, random.Random(n), out, stop), daemon=True)
        threads.append(t)
        t.start()
    if during:
        during()
    for t in threads:
        t.join(180)
        assert not t.is_alive(), "a writer hung"
    return out


def check_chains(b, topic, out):
    histories = {key: history(b.http_port, topic, key) for key in KEYS}
    for key, h in histories.items():
        previous = -1
        for offset, value, expected in h:
            assert expected == str(previous), "%s: record %d (%s) expected %s, predecessor %d" % (
                key, offset, value, expected, previous)
            previous = offset
        # The index answers the key's latest.
        assert latest(b.http_port, topic, key) == (h[-1][0] if h else -1)
    for key, offset, value, expected in out.acked:
        assert (offset, value, str(expected)) in histories[key], (key, offset, value)
    for key, expected, said_latest, how in out.conflicts:
        offsets = [o for o, _, _ in histories[key]]
        # Real conflicts: the expected offset was not the key's latest then,
        # so some record of the key follows it (or it never was the key's).
        later = [o for o in offsets if o > expected]
        assert later or (expected != -1 and expected not in offsets), (key, expected, how)
        if said_latest is not None:
            assert said_latest != expected, how
            assert said_latest in offsets and said_latest > expected, (key, expected, said_latest, how)
            assert ("the latest is %d" % said_latest) in how, how
    assert not out.other, out.other[:5]
    return histories


def test_twenty_writers_race_and_every_history_is_a_chain(ev_broker):
    b = ev_broker
    topic = indexed_topic(b)
    out = race(b, topic)
    histories = check_chains(b, topic, out)
    assert not out.unknown, out.unknown[:5]
    # The race was real: both kinds of writer got through and were refused.
    assert len(out.acked) >= len(KEYS), out.acked
    assert out.conflicts, "no writer ever conflicted"
    assert any(v.startswith("k") for _, _, v, _ in out.acked) and any(v.startswith("h") for _, _, v, _ in out.acked)
    assert sum(len(h) for h in histories.values()) == len(out.acked)
    assert watermarks(b.bootstrap, topic)[1] == len(out.acked)


def test_kill9_in_the_middle_keeps_the_chains(ev_broker):
    b = ev_broker
    topic = indexed_topic(b)
    out = Outcomes()
    at_kill = {}

    def crash():
        wait_until(lambda: len(out.acked) >= 10, 30, "appends before the crash")
        at_kill["acked"] = len(out.acked)
        b.kill9()
        time.sleep(0.5)
        b.start()
        wait_until(lambda: request(b.http_port, "/healthz")[0] == 200, 20, "the restarted HTTP listener")

    race(b, topic, writers=10, rounds=25, during=crash, out=out)
    histories = check_chains(b, topic, out)
    assert b.exit_codes and b.exit_codes[-1] == -9
    # The writers went on after the restart.
    assert len(out.acked) > at_kill["acked"] and out.conflicts
    # After recovery the index still judges: the latest passes, a stale one conflicts.
    for key in KEYS:
        last = histories[key][-1][0] if histories[key] else -1
        status, doc = post(b.http_port, topic, key, "after", last)
        assert status == 201, doc
        after = doc["offset"]
        status, doc = post(b.http_port, topic, key, "stale", last)
        assert status == 412 and doc["latest_offset"] == after, doc


def test_same_batch_and_compressed(ev_broker):
    b = ev_broker
    topic = indexed_topic(b)
    from confluent_kafka import KafkaError
    for compression in ("lz4", "zstd", "gzip"):
        p = producer(b.bootstrap, compression_type=compression, linger_ms=200, enable_idempotence=True)
        key = "batch-" + compression
        base = watermarks(b.bootstrap, topic)[1]
        reports = []
        # Records of one batch count in order: each expects the one before it.
        for i, expected in enumerate([-1, base, base + 1]):
            p.produce(topic, b"v%d" % i, key.encode(), headers=[(HEADER, str(expected).encode())],
                      on_delivery=lambda err, msg: reports.append((err, msg.offset())))
        p.flush(30)
        assert [r[0] for r in reports] == [None] * 3, reports
        assert sorted(r[1] for r in reports) == [base, base + 1, base + 2]
        offset, err = kafka_append(p, topic, key, "stale", base + 1)
        assert err is not None and err.code() == KafkaError.INVALID_RECORD, err
        offset, err = kafka_append(p, topic, key, "next", base + 2)
        assert err is None and offset == base + 3, err
    for key in ("batch-lz4", "batch-zstd", "batch-gzip"):
        h = history(b.http_port, topic, key)
        assert [e for _, _, e in h] == ["-1", str(h[0][0]), str(h[1][0]), str(h[2][0])]


def test_bad_headers_are_refused_and_append_nothing(ev_broker):
    b = ev_broker
    from confluent_kafka import KafkaError
    topic = indexed_topic(b)
    plain = unique("plain")
    create_topic(b.bootstrap, plain, 1)
    p = producer(b.bootstrap, enable_idempotence=True, linger_ms=0)
    assert kafka_append(p, topic, "a", "first", -1)[1] is None
    end = watermarks(b.bootstrap, topic)[1]
    for bad in ("abc", "-2", "", "1.5", " 0", "99999", str(end)):
        p2 = producer(b.bootstrap, linger_ms=0)
        offset, err = kafka_append(p2, topic, "a", "bad", bad)
        assert err is not None and err.code() == KafkaError.INVALID_RECORD, (bad, err)
    assert watermarks(b.bootstrap, topic)[1] == end
    # A topic without the index: refused, so nobody believes a check happened.
    offset, err = kafka_append(producer(b.bootstrap, linger_ms=0), plain, "a", "x", -1)
    assert err is not None and err.code() == KafkaError.INVALID_RECORD, err
    assert watermarks(b.bootstrap, plain)[1] == 0
    # Other headers on that topic pass as before.
    d = producer(b.bootstrap, linger_ms=0)
    d.produce(plain, b"x", b"a", headers=[("other", b"1")])
    assert d.flush(20) == 0
    assert watermarks(b.bootstrap, plain)[1] == 1


def test_post_answers_and_bad_input(ev_broker):
    b = ev_broker
    port = b.http_port
    topic = indexed_topic(b, **{"max.message.bytes": "2000"})
    plain = unique("plain")
    create_topic(b.bootstrap, plain, 1)

    status, doc = post(port, topic, "k", "one", -1)
    assert status == 201 and doc == {"topic": topic, "partition": 0, "offset": 0}, doc
    status, doc = post(port, topic, "k", "two", '"0"', **{"header.type": "deposit"})
    assert status == 201 and doc["offset"] == 1, doc
    status, doc = post(port, topic, "k", "unconditional")
    assert status == 201 and doc["offset"] == 2, doc
    h = history(port, topic, "k")
    assert [(o, v, e) for o, v, e in h] == [(0, "one", "-1"), (1, "two", "0"), (2, "unconditional", None)]
    status, text = request(port, key_path(topic, "k", from_offset=1, limit=1))
    assert {"key": {"text": "type"}, "value": {"text": "deposit"}} in json.loads(text)["records"][0]["headers"]

    status, doc = post(port, topic, "k", "late", 1)
    assert status == 412, doc
    assert doc["error"] == "INVALID_RECORD" and doc["expected_offset"] == 1 and doc["latest_offset"] == 2, doc
    status, doc = post(port, topic, "new-key", "x", 0)
    assert status == 412 and doc["latest_offset"] == -1, doc

    cases = [
        (dict(if_match="abc"), 400, "INVALID_REQUEST"),
        (dict(if_match="-2"), 400, "INVALID_REQUEST"),
        (dict(if_match="*"), 400, "INVALID_REQUEST"),
        (dict(if_match="3"), 400, "INVALID_RECORD"),        # the offset this record would get
        (dict(if_match="500"), 400, "INVALID_RECORD"),      # beyond the log end
        (dict(if_match="2", partition=5), 404, "UNKNOWN_TOPIC_OR_PARTITION"),
        (dict(if_match="2", bogus=1), 400, "INVALID_REQUEST"),
        (dict(if_match="2", value="x" * 5000), 400, "MESSAGE_TOO_LARGE"),
    ]
    for kw, want_status, want_error in cases:
        value = kw.pop("value", "v")
        status, doc = post(port, topic, "k", value, **kw)
        assert (status, doc["error"]) == (want_status, want_error), (kw, status, doc)
        assert doc["message"], doc
    status, doc = post(port, plain, "k", "v", -1)
    assert (status, doc["error"]) == (400, "INVALID_REQUEST") and "no key index" in doc["message"], doc
    status, doc = post(port, "no-such-topic", "k", "v", -1)
    assert (status, doc["error"]) == (404, "UNKNOWN_TOPIC_OR_PARTITION"), doc
    status, text = request(port, key_path(topic, "k"), "PUT", b"v")
    assert status == 405, text
    assert watermarks(b.bootstrap, topic)[1] == 3
    assert watermarks(b.bootstrap, plain)[1] == 0
    assert b.running()


def test_pipelined_requests_on_one_connection_and_record_errors(ev_broker):
    """Eight Produce v8 requests on one connection, all sent before any answer,
    all expecting the key to be new: one passes, seven are refused naming the
    record (KIP-467) and the offset that won."""
    import kafka_wire as w
    b = ev_broker
    topic = indexed_topic(b)
    s = w.connect(int(b.bootstrap.rsplit(":", 1)[1]))
    try:
        batch = w.record_batch([(b"p", b"v", [(HEADER, b"-1")])])
        for n in range(8):
            w.send_all(s, w.request(0, 8, n, w.produce_v3_body(topic, 0, batch, acks=-1)))
        answers = []
        for n in range(8):
            r = w.Reader(w.recv_frame(s))
            assert r.int32() == n
            answers.append(w.parse_produce_v8(r)[0][topic][0])
        won = [a for a in answers if a["error_code"] == 0]
        assert len(won) == 1, answers
        for a in answers:
            if a["error_code"] == 0:
                continue
            assert a["error_code"] == 87, a
            assert [e["batch_index"] for e in a["record_errors"]] == [0], a
            message = a["record_errors"][0]["message"]
            assert "Expected offset -1" in message and "the latest is %d" % won[0]["base_offset"] in message, a
            assert message in a["error_message"], a

        # A batch with a good record and a stale one: refused whole, the second named.
        latest_offset = won[0]["base_offset"]
        batch = w.record_batch([(b"p", b"ok", [(HEADER, str(latest_offset).encode())]),
                                (b"q", b"new", [(HEADER, b"-1")]),
                                (b"p", b"stale", [(HEADER, str(latest_offset).encode())]),
                                (b"r", b"bad", [(HEADER, b"x1")])])
        r = w.roundtrip(s, 0, 8, 100, w.produce_v3_body(topic, 0, batch, acks=-1))
        a = w.parse_produce_v8(r)[0][topic][0]
        assert a["error_code"] == 87, a
        assert [e["batch_index"] for e in a["record_errors"]] == [2, 3], a
        # Its sibling (batch index 0, at the log end) is the key's latest by then.
        assert "the latest is %d" % (latest_offset + 1) in a["record_errors"][0]["message"], a
        assert "must be a decimal offset" in a["record_errors"][1]["message"], a
        assert watermarks(b.bootstrap, topic)[1] == latest_offset + 1
    finally:
        s.close()


def test_read_only_http_refuses_appends(broker_factory):
    port = free_port()
    b = broker_factory({"http.listeners": "http://127.0.0.1:%d" % port, "http.console.read.only": "true"})
    wait_until(lambda: request(port, "/healthz")[0] == 200, 10, "the HTTP listener")
    topic = indexed_topic(b)
    status, doc = post(port, topic, "k", "v", -1)
    assert (status, doc["error"]) == (403, "CLUSTER_AUTHORIZATION_FAILED"), doc
    assert watermarks(b.bootstrap, topic)[1] == 0


def test_post_stores_the_topic_compression(ev_broker):
    """A topic with compression.type=zstd stores the POSTed record in zstd,
    as Kafka stores a producer's batch, and the chain reads back the same."""
    b = ev_broker
    topic = indexed_topic(b, **{"compression.type": "zstd"})
    assert post(b.http_port, topic, "z", "one", -1)[0] == 201
    assert post(b.http_port, topic, "z", "two", 0)[0] == 201
    assert [h.attributes & 0x7 for h in b.batch_headers(topic)] == [4, 4]
    assert [(o, v, e) for o, v, e in history(b.http_port, topic, "z")] == [(0, "one", "-1"), (1, "two", "0")]
    assert post(b.http_port, topic, "z", "stale", 0)[0] == 412
