"""`sluice produce` and `sluice consume` against a real sluiced, with
confluent-kafka (librdkafka) on the other side: lines, keys, headers,
partitions, acks, compression, start positions, groups, print formats, and
bad input (exit 2 for a bad command line, 1 with Kafka's error name for a
broker refusal).

SLUICE_CLI names the binary (default ../../build/bin/sluice).
"""

import glob
import os
import subprocess

from sluice_harness import codecs_in, consume, create_topic, produce, unique, watermarks
from test_cli import cli_path


def cli(*args, broker=None, rc=0, input=None, timeout=60):
    """Runs `sluice ARGS [-b broker]` with `input` on stdin; asserts the exit
    code (never a signal). Returns (stdout, stderr) as text."""
    argv = [cli_path()] + list(args) + (["-b", broker.bootstrap] if broker is not None else [])
    env = dict(os.environ)
    env.pop("SLUICE_BOOTSTRAP", None)
    try:
        cp = subprocess.run(argv, input=(input or "").encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("%s timed out" % " ".join(argv[:6])) from e
    out, err = cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")
    assert cp.returncode >= 0, "killed by signal %d" % -cp.returncode
    assert cp.returncode == rc, "%s exited %d, expected %d\nstdout: %s\nstderr: %s" % (
        " ".join(argv[:8]), cp.returncode, rc, out[-2000:], err[-2000:])
    return out, err


def all_records(bootstrap, topic, partitions):
    out = []
    for p in range(partitions):
        out += consume(bootstrap, topic, partition=p)
    return out


def test_produce_lines_to_real_consumer(broker):
    b = broker.bootstrap
    t = unique("prod")
    create_topic(b, t)
    lines = "".join("line-%d\n" % i for i in range(100))
    _, err = cli("produce", "-t", t, broker=broker, input=lines)
    assert "Produced 100 record(s)" in err
    got = consume(b, t)
    assert [m.value() for m in got] == [b"line-%d" % i for i in range(100)]
    assert all(m.key() is None for m in got)


def test_produce_splits_large_input_into_requests_the_broker_takes(broker):
    # 40 records of 100 KB: one request would pass message.max.bytes (1 MiB).
    b = broker.bootstrap
    t = unique("big")
    create_topic(b, t)
    lines = "".join(("%02d" % i) + "x" * 100_000 + "\n" for i in range(40))
    cli("produce", "-t", t, broker=broker, input=lines)
    got = consume(b, t)
    assert [m.value()[:2] for m in got] == [b"%02d" % i for i in range(40)]
    assert all(len(m.value()) == 100_002 for m in got)


def test_produce_keys_headers_partition_and_value(broker):
    b = broker.bootstrap
    t = unique("prodk")
    create_topic(b, t, partitions=4)
    cli("produce", "-t", t, "--key-separator", "=", "-H", "src=cli", "-H", "n=1", broker=broker,
        input="alpha=1\nbeta=2\ngamma=3=x\n")
    got = {m.key(): m for m in all_records(b, t, 4)}
    assert {k: m.value() for k, m in got.items()} == {b"alpha": b"1", b"beta": b"2", b"gamma": b"3=x"}
    assert all(m.headers() == [("src", b"cli"), ("n", b"1")] for m in got.values())
    # The same keys through librdkafka's murmur2 partitioner land on the same partitions.
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": b, "partitioner": "murmur2"})
    placed = {}
    for k in got:
        p.produce(t, b"x", key=k, on_delivery=lambda err, msg: placed.__setitem__(msg.key(), msg.partition()))
    assert p.flush(20) == 0
    assert {k: m.partition() for k, m in got.items()} == placed

    cli("produce", "-t", t, "--value", "one", "--key", "kk", "-p", "3", "--acks", "1", broker=broker)
    last = consume(b, t, partition=3)[-1]
    assert (last.key(), last.value()) == (b"kk", b"one")


def test_produce_compressed_and_acks_zero(broker):
    b = broker.bootstrap
    t = unique("prodz")
    create_topic(b, t)
    cli("produce", "-t", t, "--compression", "gzip", broker=broker, input="a\nb\nc\n")
    cli("produce", "-t", t, "--compression", "zstd", broker=broker, input="d\n")
    assert [m.value() for m in consume(b, t)] == [b"a", b"b", b"c", b"d"]
    assert codecs_in(glob.glob(os.path.join(broker.data_dir, t + "-0", "*.log"))) == {1, 4}
    # acks=0: the broker never answers; the record still arrives.
    cli("produce", "-t", t, "--acks", "0", "--value", "fire-and-forget", broker=broker)
    assert consume(b, t, end=5)[-1].value() == b"fire-and-forget"


def test_consume_real_producer_records(broker):
    b = broker.bootstrap
    t = unique("cons")
    create_topic(b, t, partitions=2)
    produce(b, t, [{"key": b"k%d" % i, "value": b"v%d" % i, "partition": i % 2, "headers": [("h", b"x")],
                    "timestamp": 1700000000000 + i} for i in range(10)])
    out, err = cli("consume", "-t", t, "--from-beginning", "--max-messages", "10", "--print",
                   "partition,offset,timestamp,headers,key,value", broker=broker)
    rows = sorted(out.splitlines())
    # Kafka's formatter order: timestamp, partition, offset, headers, key, value.
    assert rows == sorted("CreateTime:%d\tPartition:%d\tOffset:%d\th:x\tk%d\tv%d" % (1700000000000 + i, i % 2, i // 2, i, i)
                          for i in range(10))
    assert "Processed a total of 10 messages" in err
    out, _ = cli("consume", "-t", t, "-p", "1", "--offset", "3", "--timeout-ms", "1000", "--print", "key",
                 broker=broker)
    assert out.splitlines() == ["k7", "k9"]
    # Default start is the end: nothing old is printed before the idle timeout.
    out, _ = cli("consume", "-t", t, "--timeout-ms", "800", broker=broker)
    assert out == ""


def test_consume_group_commits(broker):
    b = broker.bootstrap
    t = unique("consg")
    create_topic(b, t)
    produce(b, t, [{"value": b"m%d" % i} for i in range(5)])
    g = unique("g")
    out, _ = cli("consume", "-t", t, "-g", g, "--from-beginning", "-n", "3", broker=broker)
    assert out.splitlines() == ["m0", "m1", "m2"]
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": b, "group.id": g, "enable.auto.commit": False})
    try:
        assert c.committed([TopicPartition(t, 0)], timeout=10)[0].offset == 3
    finally:
        c.close()
    out, _ = cli("consume", "-t", t, "-g", g, "--timeout-ms", "1000", broker=broker)
    assert out.splitlines() == ["m3", "m4"]


def test_consume_read_committed_skips_aborted(broker):
    b = broker.bootstrap
    t = unique("txn")
    create_topic(b, t)
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": b, "transactional.id": unique("tx")})
    p.init_transactions(20)
    p.begin_transaction()
    p.produce(t, b"aborted")
    p.flush(10)
    p.abort_transaction(20)
    p.begin_transaction()
    p.produce(t, b"committed")
    p.commit_transaction(20)
    out, _ = cli("consume", "-t", t, "--from-beginning", "--isolation-level", "read_committed", "--timeout-ms", "1000",
                 broker=broker)
    assert out.splitlines() == ["committed"]
    out, _ = cli("consume", "-t", t, "--from-beginning", "--timeout-ms", "1000", broker=broker)
    assert out.splitlines() == ["aborted", "committed"]


def test_produce_consume_bad_input(broker_factory):
    broker = broker_factory({"auto.create.topics.enable": "false"})
    b = broker.bootstrap
    t = unique("bad")
    create_topic(b, t, partitions=2)
    _, err = cli("produce", "-t", "missing", broker=broker, input="x\n", rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err
    _, err = cli("consume", "-t", "missing", "--timeout-ms", "500", broker=broker, rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err
    _, err = cli("produce", "-t", t, "-p", "5", "--value", "x", broker=broker, rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err
    _, err = cli("produce", "-t", t, "--acks", "2", "--value", "x", broker=broker, rc=2)
    assert "--acks" in err
    _, err = cli("produce", "-t", t, "--compression", "brotli", "--value", "x", broker=broker, rc=2)
    assert "brotli" in err
    _, err = cli("produce", "-t", t, "--key", "k", broker=broker, rc=2)
    assert "--value" in err
    _, err = cli("produce", "-t", t, "--key-separator", ":", broker=broker, input="no-separator\n", rc=2)
    assert "line 1" in err
    _, err = cli("consume", "-t", t, "--offset", "3", broker=broker, rc=2)
    assert "--partition" in err
    _, err = cli("consume", "-t", t, "--print", "key,colour", broker=broker, rc=2)
    assert "colour" in err
    _, err = cli("consume", "-t", t, "--isolation-level", "serializable", broker=broker, rc=2)
    assert "serializable" in err
    _, err = cli("consume", "-t", t, "--bogus", broker=broker, rc=2)
    assert "--bogus" in err
    # A record over message.max.bytes: the broker's error name, nothing written.
    _, err = cli("produce", "-t", t, "-p", "0", broker=broker, input="x" * 2_000_000 + "\n", rc=1)
    assert "MESSAGE_TOO_LARGE" in err
    assert watermarks(b, t, 0) == (0, 0)
    _, err = cli("produce", "-t", t, "--value", "x", "-b", "127.0.0.1:1", rc=1)
    assert "127.0.0.1:1" in err


def test_produce_and_consume_json(broker):
    import json
    b = broker.bootstrap
    t = unique("cjson")
    create_topic(b, t, partitions=2)
    out, err = cli("produce", "-t", t, "--key-separator", "=", "-H", "src=cli", "-p", "1", "--json", broker=broker,
                   input="a=1\nb=2\n")
    assert json.loads(out) == {"topic": t, "records": 2} and "Produced" not in err
    produce(b, t, [{"key": b"\x00\xff", "value": None, "partition": 0, "timestamp": 1700000000000}])

    out, _ = cli("consume", "-t", t, "--from-beginning", "--max-messages", "3", "--json", broker=broker)
    rows = sorted((json.loads(line) for line in out.splitlines()), key=lambda r: (r["partition"], r["offset"]))
    assert rows[0] == {"topic": t, "partition": 0, "offset": 0, "timestamp": 1700000000000,
                       "timestamp_type": "CreateTime", "key": "0x00ff", "value": None, "headers": []}
    assert [(r["partition"], r["offset"], r["key"], r["value"]) for r in rows[1:]] == [(1, 0, "a", "1"), (1, 1, "b", "2")]
    assert rows[1]["headers"] == [{"key": "src", "value": "cli"}]

    # Failures in JSON mode: one document on stderr, the same exit codes.
    _, err = cli("consume", "-t", t, "--print", "colour", "--json", broker=broker, rc=2)
    assert json.loads(err)["error"] == "USAGE_ERROR"
    _, err = cli("produce", "-t", t, "-p", "7", "--value", "x", "--json", broker=broker, rc=1)
    assert json.loads(err)["error"] == "UNKNOWN_TOPIC_OR_PARTITION"
