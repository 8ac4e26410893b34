"""The per-key index (sluice.key.index.enable) and reading one key's records:
GET /v1/topics/{topic}/keys/{key}/records and `sluice events`.

confluent-kafka produces keyed records (several keys, uncompressed and
compressed batches, small segments so the index spans sealed files and the
active segment); every key's answer must be exactly its delivered records in
offset order. After kill -9 with index files removed, torn or garbage, the
same answers. A topic without the config, and bad input of every kind, get
clear errors and leave the broker serving.
"""

import json
import os
import random
import subprocess
import urllib.parse
import urllib.request

import pytest

from sluice_harness import create_topic, free_port, produce, unique, wait_until
from test_cli import cli_path

PARTITIONS = 3
KEYS = ["order-%d" % i for i in range(12)] + ["acc/ü-1", "with space", "x" * 300]


def request(port, path, method="GET", timeout=15):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def key_path(topic, key, **params):
    q = ("?" + urllib.parse.urlencode(params)) if params else ""
    return "/v1/topics/%s/keys/%s/records%s" % (urllib.parse.quote(topic, safe=""),
                                               urllib.parse.quote(key, safe=""), q)


def get_json(port, topic, key, **params):
    status, headers, text = request(port, key_path(topic, key, **params))
    assert headers["Content-Type"] == "application/json", text
    return status, json.loads(text)


def text_of(field):
    return field["text"] if "text" in field else field["base64"]


def read_key(port, topic, key, **params):
    """All records of `key` as [(offset, value)], paging through next_offset."""
    out, start = [], 0
    while True:
        status, doc = get_json(port, topic, key, from_offset=start, limit=7, **params)
        assert status == 200, doc
        for r in doc["records"]:
            assert text_of(r["key"]) == key
            out.append((doc["partition"], r["offset"], text_of(r["value"])))
        if not doc["more"]:
            return out
        start = doc["next_offset"]


@pytest.fixture
def ev_broker(broker_factory):
    port = free_port()
    b = broker_factory({"http.listeners": "http://127.0.0.1:%d" % port})
    b.http_port = port
    wait_until(lambda: request(port, "/healthz")[0] == 200, 10, "the HTTP listener")
    return b


def produce_keyed(b, topic, rounds, rng):
    """Keyed records in several producer configs; returns {key: [(p, offset, value)]}."""
    expected = {}
    for compression in ("none", "lz4", "zstd", "gzip", "snappy", "none"):
        msgs = []
        for i in range(rounds):
            key = rng.choice(KEYS)
            msgs.append({"key": key.encode(), "value": ("%s-%s-%d-%s" % (key, compression, i, "v" * rng.randrange(200))).encode(),
                         "headers": [("h", b"1")]})
        # Kafka's default partitioner (murmur2); librdkafka's own default hashes with CRC32.
        d = produce(b.bootstrap, topic, msgs, compression_type=compression, partitioner="murmur2_random",
                    linger_ms=20, batch_num_messages=rng.choice([1, 5, 50]))
        for p, off, k, v in d.ok:
            expected.setdefault(k.decode(), []).append((p, off, v.decode()))
    for k in expected:
        expected[k].sort()
    return expected


def check_all(b, topic, expected):
    for key, records in expected.items():
        assert read_key(b.http_port, topic, key) == records, key


def key_files(b, topic):
    out = []
    for p in range(PARTITIONS):
        d = b.partition_dir(topic, p)
        out += [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith(".keyindex")]
    return out


def test_each_key_reads_exactly_its_records_across_segments_and_restarts(ev_broker):
    b = ev_broker
    rng = random.Random(16)
    topic = unique("ev")
    create_topic(b.bootstrap, topic, PARTITIONS, {"sluice.key.index.enable": "true", "segment.bytes": "4096"})
    expected = produce_keyed(b, topic, 120, rng)
    assert len(expected) == len(KEYS)
    files = key_files(b, topic)
    assert len(files) >= 6, files  # several sealed segments per partition
    check_all(b, topic, expected)

    # Other shapes of the same answer.
    key = "order-3"
    recs = expected[key]
    status, doc = get_json(b.http_port, topic, key, order="newest", limit=3)
    assert status == 200 and [r["offset"] for r in doc["records"]] == [o for _, o, _ in recs[::-1][:3]]
    assert doc["records"][0]["headers"] == [{"key": {"text": "h"}, "value": {"text": "1"}}]
    status, headers, text = request(b.http_port, key_path(topic, key, format="ndjson"))
    assert status == 200 and headers["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(r["offset"], r["value"]["text"]) for r in lines] == [(o, v) for _, o, v in recs]
    status, doc = get_json(b.http_port, topic, key, from_offset=recs[2][1])
    assert [r["offset"] for r in doc["records"]] == [o for _, o, _ in recs[2:]]
    # An explicit partition other than the key's: the key has no records there.
    other = (recs[0][0] + 1) % PARTITIONS
    status, doc = get_json(b.http_port, topic, key, partition=other)
    assert status == 200 and doc["partition"] == other and doc["records"] == []

    # The CLI prints the same.
    out = subprocess.run([cli_path(), "events", topic, key, "--http", "127.0.0.1:%d" % b.http_port,
                          "--json", "--limit", "100000"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [(r["offset"], r["value"]["text"]) for r in doc["records"]] == [(o, v) for _, o, v in recs]
    out = subprocess.run([cli_path(), "events", topic, key, "--http", "127.0.0.1:%d" % b.http_port,
                          "--newest-first", "--limit", "2"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    rows = out.stdout.splitlines()
    assert rows[0].split()[:3] == ["OFFSET", "TIMESTAMP", "VALUE"]
    assert [int(r.split()[0]) for r in rows[1:]] == [o for _, o, _ in recs[::-1][:2]]
    assert rows[1].split()[2] == recs[-1][2]

    # kill -9, then damage the index files three ways: removed, torn, garbage.
    b.kill9()
    files = key_files(b, topic)
    os.remove(files[0])
    with open(files[1], "r+b") as f:
        f.truncate(os.path.getsize(files[1]) // 2)
    with open(files[2], "wb") as f:
        f.write(bytes(rng.randrange(256) for _ in range(4096)))
    b.start()
    check_all(b, topic, expected)
    # Appends after the restart join the same answers.
    more = produce_keyed(b, topic, 20, rng)
    for k, v in more.items():
        expected[k] = sorted(expected.get(k, []) + v)
    check_all(b, topic, expected)
    # And a clean restart trusts the files written since.
    b.restart()
    check_all(b, topic, expected)
    # Cold batches: out of the page cache, they are read in on the warmer
    # thread before the answer (the same answer).
    drop_from_page_cache(b, topic)
    check_all(b, topic, expected)


def drop_from_page_cache(b, topic):
    os.sync()
    for p in range(PARTITIONS):
        for path in b.segment_files(topic, p):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def test_binary_keys_and_values(ev_broker):
    b = ev_broker
    topic = unique("ev-bin")
    create_topic(b.bootstrap, topic, 1, {"sluice.key.index.enable": "true"})
    key = b"\xff\x00k"
    d = produce(b.bootstrap, topic, [{"key": key, "value": b"\x80\x81"}, {"key": b"k", "value": b"text"}])
    status, headers, text = request(b.http_port, "/v1/topics/%s/keys/%%FF%%00k/records" % topic)
    assert status == 200, text
    doc = json.loads(text)
    assert [r["offset"] for r in doc["records"]] == [d.ok[0][1]]
    assert doc["records"][0]["value"] == {"base64": "gIE="}
    assert doc["records"][0]["key"] == {"base64": "/wBr"}


def test_topic_without_the_index_refuses(ev_broker):
    b = ev_broker
    topic = unique("plain")
    create_topic(b.bootstrap, topic, 1)
    produce(b.bootstrap, topic, [{"key": b"a", "value": b"1"}])
    status, doc = get_json(b.http_port, topic, "a")
    assert status == 400 and doc["error"] == "INVALID_REQUEST"
    assert "sluice.key.index.enable" in doc["message"]
    assert not [n for n in os.listdir(b.partition_dir(topic)) if n.endswith(".keyindex")]
    out = subprocess.run([cli_path(), "events", topic, "a", "--http", "127.0.0.1:%d" % b.http_port],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "INVALID_REQUEST" in out.stderr and "sluice.key.index.enable" in out.stderr

    # Switched on later: the existing records are indexed at once.
    from sluice_harness import admin
    from confluent_kafka.admin import ConfigResource
    res = ConfigResource("topic", topic, set_config={"sluice.key.index.enable": "true"})
    admin(b.bootstrap).alter_configs([res])[res].result(10)
    wait_until(lambda: get_json(b.http_port, topic, "a")[0] == 200, 10, "the index switched on")
    assert [r["offset"] for r in get_json(b.http_port, topic, "a")[1]["records"]] == [0]


@pytest.mark.parametrize("path,status,error", [
    ("/v1/topics/nope/keys/a/records", 404, "UNKNOWN_TOPIC_OR_PARTITION"),
    ("/v1/topics/{t}/keys/a/records?partition=7", 404, "UNKNOWN_TOPIC_OR_PARTITION"),
    ("/v1/topics/{t}/keys/a/records?partition=-1", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a/records?from_offset=-1", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a/records?from_offset=abc", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a/records?from_offset=99999999999999999999", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a/records?from_offset=1000", 416, "OFFSET_OUT_OF_RANGE"),
    ("/v1/topics/{t}/keys/a/records?limit=0", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a/records?limit=10001", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a/records?order=sideways", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a/records?format=xml", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a/records?bogus=1", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a/records?limit=1&limit=2", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/%zz/records", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/%/records", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys//records", 400, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a", 404, "INVALID_REQUEST"),
    ("/v1/topics/{t}/keys/a/records/more", 404, "INVALID_REQUEST"),
    ("/v1/", 404, "INVALID_REQUEST"),
])
def test_bad_input_is_a_clear_error(ev_broker, path, status, error):
    b = ev_broker
    topic = unique("ev-bad")
    create_topic(b.bootstrap, topic, 2, {"sluice.key.index.enable": "true"})
    produce(b.bootstrap, topic, [{"key": b"a", "value": b"1", "partition": 0}])
    got, headers, text = request(b.http_port, path.replace("{t}", topic))
    assert got == status, text
    assert json.loads(text)["error"] == error
    assert json.loads(text)["message"]
    assert request(b.http_port, "/healthz")[0] == 200


def test_absurd_keys_and_methods(ev_broker):
    b = ev_broker
    topic = unique("ev-odd")
    create_topic(b.bootstrap, topic, 1, {"sluice.key.index.enable": "true"})
    produce(b.bootstrap, topic, [{"key": b"a", "value": b"1"}])
    # A long key no record has: an empty answer.
    status, doc = get_json(b.http_port, topic, "k" * 6000)
    assert status == 200 and doc["records"] == []
    # Past the listener's header limit: refused, the broker stays up.
    status, _, _ = request(b.http_port, key_path(topic, "k" * 20000))
    assert status == 431
    # POST appends (test_consistent_writes.py); other methods are refused.
    status, headers, _ = request(b.http_port, key_path(topic, "a"), method="PUT")
    assert status == 405 and headers["Allow"] == "GET, POST"
    status, doc = get_json(b.http_port, topic, "a")
    assert status == 200 and len(doc["records"]) == 1
    # The CLI refuses a bad command line before asking anything.
    out = subprocess.run([cli_path(), "events", topic, "a", "--limit", "0"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 2
