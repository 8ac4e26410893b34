"""`sluice perf` against a real sluiced: functional checks only. Nothing here
asserts a throughput or latency figure (the machine may be loaded); the
numbers are checked for shape (counts, ordering of percentiles), and the
records are checked to really be on the broker."""

import json
import os
import time

import pytest

from sluice_harness import run, unique, wait_topic, watermarks

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CLI = os.path.normpath(os.path.join(HERE, "..", "..", "build", "bin", "sluice"))
CLI = os.environ.get("SLUICE_CLI") or DEFAULT_CLI


def perf(*args, check=True, timeout=60):
    return run([CLI, "perf"] + [str(a) for a in args], timeout=timeout, check=check)


def perf_json(*args, timeout=60):
    cp = perf(*args, "--json", timeout=timeout)
    lines = [l for l in cp.stdout.decode().splitlines() if l.strip()]
    assert len(lines) == 1, "expected one JSON line, got %r" % cp.stdout
    return json.loads(lines[0])


def check_latency(lat, count):
    assert lat["count"] == count
    assert 0 <= lat["min"] <= lat["p50"] <= lat["p99"] <= lat["p999"] <= lat["p9999"] <= lat["max"]
    assert lat["min"] <= lat["avg"] <= lat["max"]


def total_records(bootstrap, topic, partitions):
    total = 0
    for p in range(partitions):
        low, high = watermarks(bootstrap, topic, p)
        total += high - low
    return total


def test_produce_writes_every_record(broker):
    topic = unique("perf")
    r = perf_json("produce", "-b", broker.bootstrap, "-t", topic, "-n", 1000, "-s", 100, "--acks", 1)
    assert r["mode"] == "produce" and r["topic"] == topic
    assert r["records"] == 1000 and r["failed"] == 0 and r["error"] is None
    assert r["bytes"] == 1000 * 100
    assert r["seconds"] > 0 and r["records_per_sec"] > 0 and r["mb_per_sec"] > 0
    check_latency(r["latency_us"], 1000)
    assert watermarks(broker.bootstrap, topic) == (0, 1000)


def test_produce_creates_topic_with_partitions_keys_and_compression(broker):
    topic = unique("perf")
    r = perf_json("produce", "-b", broker.bootstrap, "-t", topic, "-n", 2000, "-s", 200,
                  "--partitions", 4, "--keys", 8, "--compression", "lz4", "--acks", "all",
                  "--linger-ms", 2, "-X", "batch.num.messages=100")
    assert r["records"] == 2000 and r["failed"] == 0
    # 8 keys, 5 bytes ("key-N") each, plus 200 value bytes.
    assert r["bytes"] == 2000 * (200 + 5)
    md = wait_topic(broker.bootstrap, topic, partitions=4)
    assert len(md.partitions) == 4
    assert total_records(broker.bootstrap, topic, 4) == 2000


def test_paced_produce_reports_target_rate(broker):
    topic = unique("perf")
    r = perf_json("produce", "-b", broker.bootstrap, "-t", topic, "-n", 200, "-s", 50, "--rate", 1000)
    assert r["records"] == 200 and r["target_rate"] == 1000
    # 200 records due over 0.2 s: the run cannot be shorter than the schedule.
    assert r["seconds"] >= 0.19
    check_latency(r["latency_us"], 200)


def test_consume_reads_what_produce_wrote(broker):
    topic = unique("perf")
    perf_json("produce", "-b", broker.bootstrap, "-t", topic, "-n", 1000, "-s", 100, "--partitions", 3)
    r = perf_json("consume", "-b", broker.bootstrap, "-t", topic, "-n", 1000)
    assert r["mode"] == "consume"
    assert r["records"] == 1000 and r["failed"] == 0 and r["bytes"] == 100 * 1000
    assert r["first_record_ms"] >= 0


def test_consume_with_group_subscribes(broker):
    topic = unique("perf")
    perf_json("produce", "-b", broker.bootstrap, "-t", topic, "-n", 500, "-s", 10)
    r = perf_json("consume", "-b", broker.bootstrap, "-t", topic, "-n", 500, "--group", unique("g"),
                  timeout=90)
    assert r["records"] == 500


def test_consume_more_than_available_gives_up_after_idle_timeout(broker):
    topic = unique("perf")
    perf_json("produce", "-b", broker.bootstrap, "-t", topic, "-n", 100, "-s", 10)
    cp = perf("consume", "-b", broker.bootstrap, "-t", topic, "-n", 200, "--timeout-ms", 1500,
              "--json", check=False)
    assert cp.returncode == 1
    r = json.loads(cp.stdout)
    assert r["records"] == 100 and r["failed"] == 100 and r["error"]


def test_e2e_reports_latency(broker):
    topic = unique("perf")
    r = perf_json("e2e", "-b", broker.bootstrap, "-t", topic, "-n", 300, "-s", 64, "--rate", 500)
    assert r["mode"] == "e2e"
    assert r["records"] == 300 and r["failed"] == 0 and r["error"] is None
    check_latency(r["latency_us"], 300)
    check_latency(r["produce_latency_us"], 300)


def test_text_output_names_the_figures(broker):
    topic = unique("perf")
    cp = perf("produce", "-b", broker.bootstrap, "-t", topic, "-n", 100, "-s", 10)
    out = cp.stdout.decode()
    for word in ("records/s", "MB/s", "p50", "p99", "p99.9", "p99.99", "max"):
        assert word in out, out
    # stderr is a pipe, not a terminal: no progress line.
    assert b"\r" not in cp.stderr


@pytest.mark.parametrize("args", [
    ["produce", "-t", "x", "-n", "10"],                         # no --size
    ["produce", "-t", "x", "-s", "10"],                         # no --count
    ["produce", "-n", "10", "-s", "10"],                        # no --topic
    ["produce", "-t", "x", "-n", "0", "-s", "10"],
    ["produce", "-t", "x", "-n", "ten", "-s", "10"],
    ["produce", "-t", "x", "-n", "10", "-s", "10", "--acks", "2"],
    ["produce", "-t", "x", "-n", "10", "-s", "10", "--compression", "brotli"],
    ["produce", "-t", "x", "-n", "10", "-s", "10", "--rate", "0"],
    ["produce", "-t", "x", "-n", "10", "-s", "10", "-X", "no.such.property=1"],
    ["produce", "-t", "x", "-n", "10", "-s", "10", "-X", "novalue"],
    ["produce", "-t", "x", "-n", "10", "-s", "10", "--group", "g"],   # consume-only option
    ["consume", "-t", "x", "-n", "10", "-s", "10"],             # produce-only option
    ["e2e", "-t", "x", "-n", "10", "-s", "100"],                # no --rate
    ["e2e", "-t", "x", "-n", "10", "-s", "4", "--rate", "10"],  # no room for the stamp
    ["bogus"],
])
def test_bad_arguments_exit_2(args):
    # The bootstrap points nowhere: a usage error must stop before any I/O.
    cp = perf(*args, "-b", "127.0.0.1:1", check=False, timeout=10)
    assert cp.returncode == 2, cp.stderr
    assert b"sluice:" in cp.stderr


def test_unreachable_broker_fails_quickly():
    t0 = time.monotonic()
    cp = perf("produce", "-b", "127.0.0.1:1", "-t", "x", "-n", 10, "-s", 10,
              "-X", "message.timeout.ms=1000", "--json", check=False, timeout=30)
    assert cp.returncode == 1
    assert time.monotonic() - t0 < 15
    r = json.loads(cp.stdout)
    assert r["records"] == 0 and r["failed"] == 10
    assert "TIMED_OUT" in r["error"]


def test_unreachable_broker_consume_fails_quickly():
    cp = perf("consume", "-b", "127.0.0.1:1", "-t", "x", "-n", 10, "--timeout-ms", 1000,
              check=False, timeout=30)
    assert cp.returncode == 1
    assert b"sluice: error:" in cp.stderr
