"""Corrections on a topic with the key index: the record header
sluice.corrects.offset, produced by confluent-kafka and by POST (header.
parameters), read raw and in the corrected view
(GET /v1/topics/{t}/keys/{k}/records?view=corrected, `sluice events
--corrected`). Bad corrections (another key's record, a future offset, a
malformed value, a topic without the index) are refused with INVALID_RECORD
and a record error saying why, and append nothing.
"""

import json
import subprocess

from sluice_harness import create_topic, producer, unique, watermarks
from test_cli import cli_path
from test_consistent_writes import ev_broker, key_path, request, text_of  # noqa: F401 (fixture)

HEADER = "sluice.corrects.offset"


def indexed_topic(b):
    t = unique("corr")
    create_topic(b.bootstrap, t, 1, {"sluice.key.index.enable": "true", "segment.bytes": "4096"})
    return t


def send(p, topic, key, value, corrects=None, raw_header=None):
    """One record; (offset, None) or (None, KafkaError)."""
    out = {}

    def done(err, msg):
        out["err"], out["offset"] = err, (None if err else msg.offset())

    headers = [("type", b"deposit")]
    if corrects is not None:
        headers.append((HEADER, str(corrects).encode()))
    if raw_header is not None:
        headers.append((HEADER, raw_header))
    p.produce(topic, value.encode(), key.encode(), headers=headers, on_delivery=done)
    p.flush(30)
    assert "err" in out, "no delivery report"
    return out["offset"], out["err"]


def view(port, topic, key, **params):
    status, text = request(port, key_path(topic, key, **params))
    assert status == 200, text
    doc = json.loads(text)
    return doc, [(r["offset"], text_of(r["value"]), r.get("corrects")) for r in doc["records"]]


def test_corrections_read_raw_and_corrected(ev_broker):
    b = ev_broker
    topic = indexed_topic(b)
    p = producer(b.bootstrap, enable_idempotence=True, linger_ms=0)
    off = {}
    for name, key, value in [("d1", "acc-1", "deposit 100"), ("o1", "acc-2", "deposit 7"),
                             ("d2", "acc-1", "withdraw 30"), ("d3", "acc-1", "deposit 5")]:
        off[name], err = send(p, topic, key, value)
        assert err is None, err
    # The mistaken deposit is corrected twice (the second corrects the first
    # correction: the chain's original is d1), the withdrawal once.
    off["c1"], err = send(p, topic, "acc-1", "deposit 10", corrects=off["d1"])
    assert err is None, err
    off["c2"], err = send(p, topic, "acc-1", "deposit 1000", corrects=off["c1"])
    assert err is None, err
    off["c3"], err = send(p, topic, "acc-1", "withdraw 3", corrects=off["d2"])
    assert err is None, err
    # Over HTTP: POST with a header. parameter, as any header.
    status, text = request(b.http_port, key_path(topic, "acc-2", **{"header.sluice.corrects.offset": off["o1"]}),
                           "POST", b"deposit 70")
    assert status == 201, text
    off["c4"] = json.loads(text)["offset"]

    doc, raw = view(b.http_port, topic, "acc-1")
    assert doc["view"] == "raw"
    assert raw == [(off["d1"], "deposit 100", None), (off["d2"], "withdraw 30", None), (off["d3"], "deposit 5", None),
                   (off["c1"], "deposit 10", None), (off["c2"], "deposit 1000", None),
                   (off["c3"], "withdraw 3", None)]
    doc, corrected = view(b.http_port, topic, "acc-1", view="corrected")
    assert doc["view"] == "corrected" and not doc["more"], doc
    assert corrected == [(off["c2"], "deposit 1000", off["d1"]), (off["c3"], "withdraw 3", off["d2"]),
                         (off["d3"], "deposit 5", None)]
    # Newest first and a limit cut the view, not the scan.
    doc, newest = view(b.http_port, topic, "acc-1", view="corrected", order="newest", limit=2)
    assert newest == [(off["d3"], "deposit 5", None), (off["c3"], "withdraw 3", off["d2"])] and doc["more"], doc
    # ndjson carries the same records.
    status, text = request(b.http_port, key_path(topic, "acc-1", view="corrected", format="ndjson"))
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(r["offset"], r.get("corrects")) for r in lines] == [(o, c) for o, _, c in corrected]
    # From past the original: the correction stays where it is, naming it.
    _, late = view(b.http_port, topic, "acc-1", view="corrected", from_offset=off["d3"])
    assert late == [(off["d3"], "deposit 5", None), (off["c2"], "deposit 1000", off["d1"]),
                    (off["c3"], "withdraw 3", off["d2"])]
    _, other = view(b.http_port, topic, "acc-2", view="corrected")
    assert other == [(off["c4"], "deposit 70", off["o1"])]

    # A plain Kafka consumer still sees every record as stored.
    assert watermarks(b.bootstrap, topic)[1] == off["c4"] + 1

    out = subprocess.run([cli_path(), "events", topic, "acc-1", "--http", "127.0.0.1:%d" % b.http_port,
                          "--corrected"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines()]
    assert rows[0][:3] == ["OFFSET", "CORRECTS", "TIMESTAMP"], out.stdout
    assert [(int(r[0]), r[1]) for r in rows[1:]] == [(off["c2"], str(off["d1"])), (off["c3"], str(off["d2"])),
                                                     (off["d3"], "-")], out.stdout
    out = subprocess.run([cli_path(), "events", topic, "acc-1", "--http", "127.0.0.1:%d" % b.http_port,
                          "--corrected", "--json"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["view"] == "corrected"
    assert [(r["offset"], r.get("corrects")) for r in doc["records"]] == [(o, c) for o, _, c in corrected]


def test_bad_corrections_are_refused_and_append_nothing(ev_broker):
    b = ev_broker
    from confluent_kafka import KafkaError
    topic = indexed_topic(b)
    p = producer(b.bootstrap, linger_ms=0)
    a0, err = send(p, topic, "a", "first")
    assert err is None
    b0, err = send(p, topic, "b", "other")
    assert err is None
    end = watermarks(b.bootstrap, topic)[1]
    for corrects, raw in [(b0, None), (end, None), (end + 100, None), (None, b"x1"), (None, b"-1"), (None, b""),
                          (None, b" 0")]:
        offset, err = send(producer(b.bootstrap, linger_ms=0), topic, "a", "bad", corrects, raw)
        assert err is not None and err.code() == KafkaError.INVALID_RECORD, (corrects, raw, err)
    assert watermarks(b.bootstrap, topic)[1] == end

    # The record error says why (KIP-467, raw Produce v8).
    import kafka_wire as w
    s = w.connect(int(b.bootstrap.rsplit(":", 1)[1]))
    try:
        batch = w.record_batch([(b"a", b"ok", [(HEADER.encode(), str(a0).encode())]),
                                (b"a", b"cross", [(HEADER.encode(), str(b0).encode())]),
                                (b"a", b"future", [(HEADER.encode(), b"999")]),
                                (b"a", b"junk", [(HEADER.encode(), b"abc")]),
                                (None, b"nokey", [(HEADER.encode(), str(a0).encode())])])
        r = w.roundtrip(s, 0, 8, 1, w.produce_v3_body(topic, 0, batch, acks=-1))
        a = w.parse_produce_v8(r)[0][topic][0]
        assert a["error_code"] == 87, a
        errors = {e["batch_index"]: e["message"] for e in a["record_errors"]}
        assert sorted(errors) == [1, 2, 3, 4], a
        assert "not a record of key 'a'" in errors[1], a
        assert "not below the log end %d" % end in errors[2], a
        assert "must be a decimal offset, not 'abc'" in errors[3], a
        assert "needs a key" in errors[4], a
    finally:
        s.close()
    assert watermarks(b.bootstrap, topic)[1] == end

    # Over HTTP: 400 INVALID_RECORD with the message, nothing appended.
    status, text = request(b.http_port, key_path(topic, "a", **{"header.sluice.corrects.offset": b0}), "POST", b"x")
    doc = json.loads(text)
    assert (status, doc["error"]) == (400, "INVALID_RECORD") and "not a record of key 'a'" in doc["message"], doc
    status, text = request(b.http_port, key_path(topic, "a", view="sideways"))
    assert status == 400 and json.loads(text)["error"] == "INVALID_REQUEST", text

    # A topic without the index: refused as the expected-offset header is.
    plain = unique("plain")
    create_topic(b.bootstrap, plain, 1)
    assert send(p, plain, "a", "x")[1] is None
    offset, err = send(producer(b.bootstrap, linger_ms=0), plain, "a", "fix", corrects=0)
    assert err is not None and err.code() == KafkaError.INVALID_RECORD, err
    assert watermarks(b.bootstrap, plain)[1] == 1
    assert watermarks(b.bootstrap, topic)[1] == end
    assert b.running()
