"""kcat 1.7.1 (librdkafka 2.0.2) against sluiced: metadata, produce with keys
and headers, consume as JSON, start offsets, offsets by timestamp, and every
compression codec -- checked on the wire (consumed back identically) and on
disk (the stored batches carry the codec, proving librdkafka really
compressed: it silently falls back to uncompressed when the broker's
advertised versions don't please it, see CLIENT-COMPAT.md trap 3)."""

import json
import time

import pytest

from sluice_harness import CODECS, codecs_in, produce, run, unique, wait_until

KCAT = "kcat"


def kcat(broker, *args, input=None, timeout=30, check=True):
    argv = [KCAT, "-b", broker.bootstrap, "-m", "10",
            "-X", "socket.timeout.ms=10000"] + list(args)
    return run(argv, timeout=timeout, input=input, check=check)


def kcat_produce(broker, topic, lines, *args):
    """kcat -P, one message per line; every delivery must succeed."""
    cp = kcat(broker, "-P", "-t", topic, "-p", "0",
              "-X", "message.timeout.ms=15000", "-X", "linger.ms=100", *args,
              input=("".join(l + "\n" for l in lines)).encode())
    err = cp.stderr.decode(errors="replace")
    assert "ERROR" not in err and "failed" not in err.lower(), err
    return cp


def kcat_consume_json(broker, topic, *args):
    """kcat -C -J -e on partition 0; returns the decoded JSON envelopes."""
    cp = kcat(broker, "-C", "-J", "-e", "-t", topic, "-p", "0", *args)
    out = [json.loads(l) for l in cp.stdout.decode().splitlines() if l.strip()]
    return out


def headers_of(env):
    """kcat -J prints headers as a flat [name, value, ...] list (or a map
    with -J header map mode); normalize to a list of (name, value)."""
    h = env.get("headers")
    if h is None:
        return []
    if isinstance(h, dict):
        return [(k, v) for k, vs in h.items() for v in (vs if isinstance(vs, list) else [vs])]
    assert len(h) % 2 == 0, h
    return list(zip(h[0::2], h[1::2]))


def metadata(broker, *args):
    cp = kcat(broker, "-L", "-J", *args)
    return json.loads(cp.stdout.decode())


def test_metadata_lists_broker_and_autocreated_topic(broker):
    topic = unique("kcat-md")

    def listed():
        md = metadata(broker, "-t", topic, "-X", "allow.auto.create.topics=true")
        ts = [t for t in md["topics"] if t["topic"] == topic]
        if ts and "error" not in ts[0] and ts[0]["partitions"] and all(
                "error" not in p and p["leader"] == 0 for p in ts[0]["partitions"]):
            return md
        return None

    md = wait_until(listed, 15, "kcat -L -t %s to show the auto-created topic" % topic, 0.3)
    assert md["brokers"] == [{"id": 0, "name": broker.bootstrap}]
    assert md["originating_broker"]["id"] == 0
    t = [t for t in md["topics"] if t["topic"] == topic][0]
    for p in t["partitions"]:
        assert p["replicas"] == [{"id": 0}]
        assert p["isrs"] == [{"id": 0}]

    # A listing of all topics (no -t: never auto-creates) shows it too.
    md_all = metadata(broker)
    assert topic in [t["topic"] for t in md_all["topics"]]
    assert md_all["brokers"] == [{"id": 0, "name": broker.bootstrap}]


def test_produce_keys_headers_consume_json(broker):
    topic = unique("kcat-kh")
    t0 = int(time.time() * 1000)
    lines = ["key%d:value %d" % (i, i) for i in range(10)]
    kcat_produce(broker, topic, lines, "-K:", "-H", "h1=alpha", "-H", "h2=beta")
    t1 = int(time.time() * 1000)

    msgs = kcat_consume_json(broker, topic, "-o", "beginning")
    assert len(msgs) == 10, msgs
    for i, m in enumerate(msgs):
        assert m["topic"] == topic
        assert m["partition"] == 0
        assert m["offset"] == i
        assert m["key"] == "key%d" % i
        assert m["payload"] == "value %d" % i
        assert headers_of(m) == [("h1", "alpha"), ("h2", "beta")]
        assert m["tstype"] == "create"
        assert t0 - 5000 <= m["ts"] <= t1 + 5000, (t0, m["ts"], t1)
        assert m["broker"] == 0


def test_start_offsets_absolute_relative_beginning_end(broker):
    topic = unique("kcat-off")
    kcat_produce(broker, topic, ["m%d" % i for i in range(10)])

    def payloads(*args):
        return [(m["offset"], m["payload"]) for m in kcat_consume_json(broker, topic, *args)]

    assert payloads("-o", "beginning") == [(i, "m%d" % i) for i in range(10)]
    assert payloads("-o", "5") == [(i, "m%d" % i) for i in range(5, 10)]
    assert payloads("-o", "-3") == [(i, "m%d" % i) for i in range(7, 10)]
    assert payloads("-o", "end") == []
    # -c limits the count from an absolute offset.
    assert payloads("-o", "2", "-c", "3") == [(2, "m2"), (3, "m3"), (4, "m4")]


def test_query_offsets_by_timestamp(broker):
    topic = unique("kcat-ts")
    base = int(time.time() * 1000) - 60000
    # kcat -P cannot set per-message timestamps; confluent-kafka can.
    produce(broker.bootstrap, topic,
            [{"value": b"ts%d" % i, "timestamp": base + 1000 * i, "partition": 0}
             for i in range(5)])

    def query(ts):
        cp = kcat(broker, "-Q", "-J", "-t", "%s:0:%d" % (topic, ts))
        res = json.loads(cp.stdout.decode())
        p = res[topic]["0"]
        assert "error" not in p, p
        assert p["partition"] == 0
        return p["offset"]

    assert query(base - 10) == 0
    assert query(base) == 0
    assert query(base + 1) == 1
    assert query(base + 1500) == 2
    assert query(base + 4000) == 4
    # Later than every record: Kafka answers offset -1 (no such record).
    assert query(base + 5000) == -1

    # The consumer's start-at-timestamp uses the same lookup.
    msgs = kcat_consume_json(broker, topic, "-o", "s@%d" % (base + 2500))
    assert [(m["offset"], m["payload"], m["ts"]) for m in msgs] == [
        (3, "ts3", base + 3000), (4, "ts4", base + 4000)]


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_compression_roundtrip_and_on_disk_codec(broker, codec):
    topic = unique("kcat-" + codec)
    # Compressible payloads, many per batch: librdkafka may send a batch
    # uncompressed when compression does not shrink it.
    lines = ["%s line %03d %s" % (codec, i, "abcdefgh" * 30) for i in range(200)]
    kcat_produce(broker, topic, lines, "-z", codec)

    msgs = kcat_consume_json(broker, topic, "-o", "beginning")
    assert [m["payload"] for m in msgs] == lines
    assert [m["offset"] for m in msgs] == list(range(200))
    assert all(m["key"] is None for m in msgs)

    segs = broker.segment_files(topic, 0)
    assert segs, "no segment files under %s" % broker.partition_dir(topic, 0)
    headers = [h for h in broker.batch_headers(topic, 0)]
    assert sum(h.record_count for h in headers) == 200
    assert all(h.magic == 2 for h in headers)
    assert codecs_in(segs) == {CODECS[codec]}, (
        "stored batches carry codecs %r, expected only %s (%d)"
        % (codecs_in(segs), codec, CODECS[codec]))
