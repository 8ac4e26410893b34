"""Ad-hoc queries: POST /v1/query and `sluice query`.

confluent-kafka produces JSON values (and some that are not JSON) with
headers and explicit timestamps over several partitions and small segments;
each filter kind's answer must be exactly the produced records that pass it,
computed here from what was produced. The byte cap is hit, reported, and a
resumed query finishes the rest; aborted transactions stay out; kafka-python
reads the same records the query shows; bad input gets clear errors and the
broker keeps serving.
"""

import http.client
import json
import random

import pytest

from sluice_harness import create_topic, produce, unique, wait_until
from test_cli import cli

PARTITIONS = 3
BASE_TS = 1_700_000_000_000
KEYS = ["acc-%d" % i for i in range(12)] + ["other-%d" % i for i in range(3)]


def post(port, body, method="POST", path="/v1/query"):
    """(status, headers, lines or error JSON)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        text = r.read().decode()
        if r.status != 200:
            return r.status, r.headers, json.loads(text)
        return r.status, r.headers, [json.loads(line) for line in text.splitlines()]
    finally:
        conn.close()


def query(port, body):
    """The records as (partition, offset) and the summary; checks the framing."""
    status, headers, lines = post(port, body)
    assert status == 200, lines
    assert headers["Content-Type"] == "application/x-ndjson"
    assert headers["Transfer-Encoding"] == "chunked"
    assert lines and "summary" in lines[-1], lines[-3:]
    for r in lines[:-1]:
        assert "summary" not in r and {"partition", "offset", "timestamp", "key", "value", "headers"} <= set(r)
    return lines[:-1], lines[-1]["summary"]


def query_all(port, body):
    """Follows `next` until the answer is complete; every page's records."""
    records, pages = [], 0
    while True:
        got, summary = query(port, body)
        records += got
        pages += 1
        assert summary["records"] == len(got)
        if not summary["truncated"]:
            assert summary["reason"] is None and summary["next"] == {}
            return records, pages
        assert summary["reason"] in ("limit", "max_bytes_scanned"), summary
        assert summary["next"], summary
        body = dict(body, resume=summary["next"])


def ids(records):
    return [(r["partition"], r["offset"]) for r in records]


@pytest.fixture
def q_broker(broker_factory):
    from test_console import console_broker
    return console_broker(broker_factory, **{"sluice.http.query.max.bytes.scanned.limit": "100000000"})


def produce_events(b, topic, n, rng):
    """n events; returns [{partition, offset, key, value, headers, timestamp}]."""
    msgs = []
    for i in range(n):
        key = rng.choice(KEYS)
        kind = rng.choice(["deposit", "withdrawal", "fee"])
        if i % 17 == 5:
            value = b"not json %d" % i
        elif i % 23 == 7:
            value = json.dumps([i, kind]).encode()  # JSON, but no object
        else:
            doc = {"amount": rng.choice([rng.randrange(0, 500), rng.randrange(0, 500) + 0.5]), "kind": kind,
                   "seq": i, "meta": {"src": rng.choice(["atm", "web", "branch"])}}
            if i % 11 == 0:
                doc["amount"] = str(doc["amount"])  # a string is never a number
            value = json.dumps(doc).encode()
        headers = [("kind", kind.encode())]
        if i % 3 == 0:
            headers.append(("region", rng.choice([b"eu", b"us"])))
        msgs.append({"key": key.encode(), "value": value, "headers": headers,
                     "timestamp": BASE_TS + i * 1000 + rng.randrange(0, 3000)})
    by_value = {m["value"]: m for m in msgs}
    d = produce(b.bootstrap, topic, msgs, partitioner="murmur2_random", linger_ms=20,
                batch_num_messages=rng.choice([1, 5, 40]), compression_type=rng.choice(["none", "lz4"]))
    out = []
    for p, off, k, v in d.ok:
        m = by_value[v]
        out.append({"partition": p, "offset": off, "key": k.decode(), "value": v, "timestamp": m["timestamp"],
                    "headers": [(h, hv.decode()) for h, hv in m["headers"]]})
    out.sort(key=lambda e: (e["partition"], e["offset"]))
    return out


def field(value, path):
    try:
        doc = json.loads(value)
    except ValueError:
        return None, False
    if not isinstance(doc, dict):
        return None, False
    for part in path.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return None, False
        doc = doc[part]
    return doc, True


def holds(v, op, operand):
    num = lambda x: isinstance(x, (int, float)) and not isinstance(x, bool)  # noqa: E731
    comparable = (num(v) and num(operand)) or (isinstance(v, str) and isinstance(operand, str))
    if op in ("eq", "ne"):
        equal = comparable and v == operand or (isinstance(v, bool) and isinstance(operand, bool) and v == operand) \
            or (v is None and operand is None)
        return equal if op == "eq" else not equal
    if not comparable:
        return False
    return {"lt": v < operand, "lte": v <= operand, "gt": v > operand, "gte": v >= operand}[op]


def model(events, f):
    """The (partition, offset) pairs the filter `f` must answer, in answer order."""
    out = []
    for e in events:
        if "partitions" in f and e["partition"] not in f["partitions"]:
            continue
        if "keys" in f and e["key"] not in f["keys"]:
            continue
        if "key_prefix" in f and not e["key"].startswith(f["key_prefix"]):
            continue
        if e["offset"] < f.get("from_offset", 0) or ("to_offset" in f and e["offset"] >= f["to_offset"]):
            continue
        t = f.get("event_time", {})
        if ("from" in t and e["timestamp"] < t["from"]) or ("to" in t and e["timestamp"] >= t["to"]):
            continue
        if any((name, value) not in e["headers"] for name, value in f.get("headers", {}).items()):
            continue
        ok = True
        for path, ops in f.get("value", {}).items():
            v, present = field(e["value"], path)
            ok = ok and present and all(holds(v, op, operand) for op, operand in ops.items())
        if ok:
            out.append((e["partition"], e["offset"]))
    return out


FILTERS = [
    {},
    {"keys": ["acc-1", "acc-7"]},
    {"keys": ["other-2"], "partitions": [0, 1, 2]},
    {"key_prefix": "acc-1"},
    {"from_offset": 40, "to_offset": 90},
    {"event_time": {"from": BASE_TS + 100_000, "to": BASE_TS + 220_000}},
    {"event_time": {"from": BASE_TS + 300_000}},
    {"headers": {"kind": "deposit"}},
    {"headers": {"kind": "fee", "region": "eu"}},
    {"value": {"amount": {"gte": 100, "lt": 250}}},
    {"value": {"amount": {"gt": 499}}},
    {"value": {"meta.src": {"eq": "atm"}}},
    {"value": {"kind": {"ne": "fee"}}},
    {"value": {"kind": {"gte": "fee"}}},
    {"keys": ["acc-3", "acc-4", "acc-5"], "value": {"amount": {"lte": 300}}, "headers": {"kind": "withdrawal"},
     "event_time": {"to": BASE_TS + 250_000}},
    {"partitions": [1], "key_prefix": "acc", "value": {"meta.src": {"ne": "web"}}, "from_offset": 10},
]


@pytest.mark.parametrize("indexed", [True, False])
def test_each_filter_kind_answers_what_was_produced(q_broker, indexed):
    b = q_broker
    topic = unique("q")
    config = {"segment.bytes": "4096"}
    if indexed:
        config["sluice.key.index.enable"] = "true"
    create_topic(b.bootstrap, topic, PARTITIONS, config)
    events = produce_events(b, topic, 400, random.Random(16))
    by_id = {(e["partition"], e["offset"]): e for e in events}
    for f in FILTERS:
        body = dict(f, topic=topic, limit=1000000)
        if not indexed and "keys" in f:
            body["allow_scan"] = True
        records, summary = query(b.http_port, body)
        expected = model(events, f)
        assert ids(records) == expected, f
        assert summary == {"records": len(expected), "scanned_bytes": summary["scanned_bytes"], "truncated": False,
                           "reason": None, "next": {}}, f
        assert summary["scanned_bytes"] > 0 or not expected
        for r in records:
            e = by_id[(r["partition"], r["offset"])]
            assert r["key"] == {"text": e["key"]}
            assert r["value"] == {"text": e["value"].decode()}
            assert r["timestamp"] == e["timestamp"] and r["timestamp_type"] == "CreateTime"
            assert [(h["key"]["text"], h["value"]["text"]) for h in r["headers"]] == e["headers"]
    # Through the key index only the keys' batches are read: far less than a scan.
    if indexed:
        _, by_index = query(b.http_port, {"topic": topic, "keys": ["acc-1"]})
        _, by_scan = query(b.http_port, {"topic": topic, "key_prefix": "acc-1"})
        assert by_index["scanned_bytes"] * 3 < by_scan["scanned_bytes"], (by_index, by_scan)


def test_byte_cap_is_reported_and_resuming_finishes_the_rest(q_broker):
    b = q_broker
    topic = unique("q")
    create_topic(b.bootstrap, topic, PARTITIONS, {"segment.bytes": "8192", "sluice.key.index.enable": "true"})
    events = produce_events(b, topic, 600, random.Random(7))
    for f in ({"value": {"amount": {"gte": 200}}}, {"keys": ["acc-2", "acc-9"]}):
        expected = model(events, f)
        first, summary = query(b.http_port, dict(f, topic=topic, max_bytes_scanned=3000))
        assert summary["truncated"] and summary["reason"] == "max_bytes_scanned", summary
        assert summary["scanned_bytes"] >= 3000
        assert ids(first) == expected[:len(first)]
        records, pages = query_all(b.http_port, dict(f, topic=topic, max_bytes_scanned=3000))
        assert pages >= 2
        assert ids(records) == expected, f

    # The limit cuts the same way.
    f = {"headers": {"kind": "deposit"}}
    expected = model(events, f)
    got, summary = query(b.http_port, dict(f, topic=topic, limit=25))
    assert ids(got) == expected[:25]
    assert summary["truncated"] and summary["reason"] == "limit" and summary["records"] == 25
    last_p, last_o = expected[24]
    assert summary["next"][str(last_p)] == last_o + 1
    records, pages = query_all(b.http_port, dict(f, topic=topic, limit=25))
    assert ids(records) == expected and pages >= len(expected) // 25


def test_aborted_transactions_are_left_out(q_broker):
    from confluent_kafka import Producer
    b = q_broker
    for indexed in (True, False):
        topic = unique("qt")
        create_topic(b.bootstrap, topic, 1, {"sluice.key.index.enable": str(indexed).lower()})
        p = Producer({"bootstrap.servers": b.bootstrap, "transactional.id": unique("tx"), "linger.ms": 5})
        p.init_transactions(15)
        kept = []
        for round_ in range(6):
            p.begin_transaction()
            for i in range(5):
                value = json.dumps({"round": round_, "i": i}).encode()
                p.produce(topic, value, key=b"acc-1")
            p.flush(15)  # written before the end: an abort would otherwise purge them unsent
            if round_ % 2:
                p.abort_transaction(15)
            else:
                p.commit_transaction(15)
                kept += [(round_, i) for i in range(5)]
        body = {"topic": topic, "keys": ["acc-1"], "allow_scan": True}

        def rounds():
            records, summary = query(b.http_port, body)
            assert not summary["truncated"]
            return [(json.loads(r["value"]["text"])["round"], json.loads(r["value"]["text"])["i"]) for r in records]
        # The last commit's marker may land just after commit_transaction returns.
        wait_until(lambda: len(rounds()) >= len(kept), 10, "the committed records")
        assert rounds() == kept, indexed
        records, _ = query(b.http_port, {"topic": topic, "value": {"round": {"gte": 3}}})
        assert len(records) == 5 and all(json.loads(r["value"]["text"])["round"] == 4 for r in records)


def test_kafka_python_reads_the_records_the_query_shows(q_broker):
    from kafka import KafkaConsumer, TopicPartition
    b = q_broker
    topic = unique("q")
    create_topic(b.bootstrap, topic, PARTITIONS, {"segment.bytes": "4096"})
    produce_events(b, topic, 200, random.Random(3))
    records, _ = query(b.http_port, {"topic": topic, "value": {"meta.src": {"eq": "web"}}})
    assert records
    c = KafkaConsumer(bootstrap_servers=b.bootstrap, group_id=None, enable_auto_commit=False,
                      auto_offset_reset="earliest", consumer_timeout_ms=5000)
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        c.assign(tps)
        seen = {}
        ends = c.end_offsets(tps)
        while len(seen) < sum(ends.values()):
            batch = c.poll(timeout_ms=1000)
            if not batch:
                break
            for tp, msgs in batch.items():
                for m in msgs:
                    seen[(tp.partition, m.offset)] = m
    finally:
        c.close()
    # What kafka-python consumed, filtered here, is what the query answered.
    web = sorted(k for k, m in seen.items() if field(m.value, "meta.src") == ("web", True))
    assert ids(records) == web
    for r in records:
        m = seen[(r["partition"], r["offset"])]
        assert r["value"]["text"].encode() == m.value and r["key"]["text"].encode() == m.key
        assert r["timestamp"] == m.timestamp
        assert [(h["key"]["text"], h["value"]["text"].encode()) for h in r["headers"]] == list(m.headers)


def test_bad_input_gets_clear_errors(q_broker):
    b = q_broker
    port = b.http_port
    topic = unique("q")
    create_topic(b.bootstrap, topic, 2, {})
    plain = unique("plain")
    create_topic(b.bootstrap, plain, 1, {})

    def refused(body, status, error, words, **kw):
        got_status, _, doc = post(port, body, **kw)
        assert got_status == status and doc["error"] == error, (body, got_status, doc)
        assert words in doc["message"], (body, doc)

    refused(b"{\"topic\": ", 400, "INVALID_REQUEST", "not JSON")
    refused(b"[]", 400, "INVALID_REQUEST", "JSON object")
    refused({}, 400, "INVALID_REQUEST", "topic is required")
    refused({"topic": topic, "filter": 1}, 400, "INVALID_REQUEST", "unknown field filter")
    refused({"topic": topic, "from_offset": "0"}, 400, "INVALID_REQUEST", "from_offset")
    refused({"topic": topic, "value": {"a": {"lt": [1]}}}, 400, "INVALID_REQUEST", "value.a.lt")
    refused({"topic": topic, "value": {"a": {"matches": 1}}}, 400, "INVALID_REQUEST", "unknown operator")
    refused({"topic": topic, "keys": ["a"], "key_prefix": "b"}, 400, "INVALID_REQUEST", "not both")
    refused({"topic": topic, "ingestion_time": {"from": 1}}, 400, "INVALID_REQUEST", "not supported yet")
    refused({"topic": topic, "keys": ["k%d" % i for i in range(1001)]}, 400, "INVALID_REQUEST", "too broad")
    refused({"topic": unique("missing")}, 404, "UNKNOWN_TOPIC_OR_PARTITION", "does not exist")
    refused({"topic": topic, "partitions": [2]}, 404, "UNKNOWN_TOPIC_OR_PARTITION", "-2 does not exist")
    refused({"topic": topic, "resume": {"5": 0}}, 404, "UNKNOWN_TOPIC_OR_PARTITION", "-5 does not exist")
    refused({"topic": plain, "keys": ["a"]}, 400, "INVALID_REQUEST", "allow_scan")
    refused({"topic": topic, "max_bytes_scanned": 100000001}, 403, "POLICY_VIOLATION", "too broad".capitalize())
    status, headers, doc = post(port, "", method="GET")
    assert status == 405 and "POST" in headers["Allow"]
    # Still serving.
    produce(b.bootstrap, plain, [{"key": b"a", "value": b"{}"}])
    records, summary = query(port, {"topic": plain, "keys": ["a"], "allow_scan": True})
    assert len(records) == 1 and not summary["truncated"]


def test_sluice_query_prints_records_and_the_summary(q_broker):
    b = q_broker
    topic = unique("q")
    create_topic(b.bootstrap, topic, PARTITIONS, {"segment.bytes": "4096", "sluice.key.index.enable": "true"})
    events = produce_events(b, topic, 300, random.Random(5))
    http = "127.0.0.1:%d" % b.http_port
    f = {"key_prefix": "acc-1", "headers": {"kind": "deposit"}, "value": {"amount": {"gte": 100}, "meta.src": {"ne": "web"}}}
    out, err = cli("query", topic, "--http", http, "--key-prefix", "acc-1", "--header", "kind=deposit",
                   "--where", "amount>=100", "--where", "meta.src!=web")
    assert ids([json.loads(line) for line in out.splitlines()]) == model(events, f)
    summary = json.loads(err.strip().splitlines()[-1])["summary"]
    assert summary["records"] == len(model(events, f)) and not summary["truncated"]

    f = {"keys": ["acc-4", "other-1"], "event_time": {"from": BASE_TS + 50_000, "to": BASE_TS + 200_000}}
    expected = model(events, f)
    got, resume = [], []
    while True:
        out, err = cli("query", topic, "--http", http, "-k", "acc-4", "-k", "other-1", "--event-time-from",
                       str(BASE_TS + 50_000), "--event-time-to", str(BASE_TS + 200_000), "--limit", "4", *resume)
        got += [json.loads(line) for line in out.splitlines()]
        summary = json.loads(err.strip().splitlines()[-1])["summary"]
        if not summary["truncated"]:
            break
        resume = ["--resume", json.dumps(summary["next"])]
    assert ids(got) == expected and len(expected) > 4

    _, err = cli("query", unique("missing"), "--http", http, rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err
    _, err = cli("query", topic, "--http", http, "--where", "amount", rc=2)
    assert "--where" in err


def test_console_key_history_and_query_pages_in_chromium(q_broker, tmp_path):
    import os
    import subprocess
    js = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
    assert os.path.exists("/usr/bin/chromium"), "chromium is missing: run scripts/install-deps --with-test-clients"
    assert os.path.isdir(os.path.join(js, "node_modules", "playwright-core")), \
        "playwright-core is missing: run scripts/install-js-clients"
    b = q_broker
    topic = unique("q")
    create_topic(b.bootstrap, topic, PARTITIONS, {"segment.bytes": "4096", "sluice.key.index.enable": "true"})
    plain = unique("plain")
    create_topic(b.bootstrap, plain, 1, {})
    events = produce_events(b, topic, 300, random.Random(11))
    key = "acc-5"
    mine = [e for e in events if e["key"] == key]
    assert len(mine) > 6
    f = {"key_prefix": "acc-1", "headers": {"kind": "deposit"}, "value": {"amount": {"gte": 50}}}
    expected = model(events, f)
    assert len(expected) > 6
    settings = {"url": "http://127.0.0.1:%d" % b.http_port, "shots": str(tmp_path), "plainTopic": plain,
                "key": {"topic": topic, "key": key, "offsets": [e["offset"] for e in mine],
                        "values": [e["value"].decode() for e in mine]},
                "query": {"topic": topic, "prefix": "acc-1", "headers": "kind=deposit", "where": "amount>=50",
                          "limit": 4, "expected": ["%d-%d" % pair for pair in expected]}}
    p = subprocess.run(["node", "query_browser.mjs", json.dumps(settings)], cwd=js, capture_output=True, text=True,
                       timeout=150)
    assert p.returncode == 0, "browser run failed:\n%s\n%s" % (p.stderr[-4000:], p.stdout[-2000:])
    shown = json.loads(p.stdout.strip().splitlines()[-1])
    assert shown["query"]["sent"] == dict(f, topic=topic, limit=4)
    assert shown["query"]["rounds"] >= 2
