#!/usr/bin/env python3
"""Instructions per batch a broker spends on a fixed request sequence,
counted by valgrind's callgrind (user-space instructions of the broker
process, every thread), for sluiced and librdkafka's mock cluster.

For each variant the broker runs twice under callgrind: once for the
baseline (start, the topic made and led, stop) and once with the replay of
`sluice perf replay` in between. The difference over the number of batches
produced is the figure; it repeats within 0.1 % from run to run, unlike
wall-clock figures on a shared VM.

  bench/e2e/callgrind_replay.py [--variants uncompressed,lz4,1k,partitions100] [--brokers sluiced,mock] [--json]
  bench/e2e/callgrind_replay.py --sluiced-override kafka.produce.batch.validation=relaxed

Variants (defaults of `sluice perf replay` otherwise: acks=1, Produce v3,
one request at a time, then Fetch v4 of 1 MiB until everything is back):
  uncompressed   300 requests x 1 batch of 100 records of 100 B
  lz4            the same, lz4
  1k             50 requests x 1 batch of 100 records of 1,000 B, lz4
  partitions100  30 requests x 100 partitions x 1 batch of 100 records of 100 B
  keyed          as uncompressed, records keyed key-0..key-99999 in turn (for
                 --sluiced-override sluice.key.index.enable=true: every record
                 a new key, the key index's worst case)
  keyed-lz4      the same, lz4
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_common import Proc, SingleBroker, binary, free_port, stop_process, wait_until  # noqa: E402

VARIANTS = {
    "uncompressed": {"requests": 300, "records": 100, "size": 100, "partitions": 1, "compression": "none"},
    "lz4": {"requests": 300, "records": 100, "size": 100, "partitions": 1, "compression": "lz4"},
    # 50 requests: the mock cluster keeps only about 5 MB of a partition.
    "1k": {"requests": 50, "records": 100, "size": 1000, "partitions": 1, "compression": "lz4"},
    # Keyed records (100,000 keys), for topics with sluice.key.index.enable.
    "keyed": {"requests": 300, "records": 100, "size": 100, "partitions": 1, "compression": "none", "keys": 100000},
    "keyed-lz4": {"requests": 300, "records": 100, "size": 100, "partitions": 1, "compression": "lz4",
                  "keys": 100000},
    "partitions100": {"requests": 30, "records": 100, "size": 100, "partitions": 100, "compression": "none"},
}
TOPIC = "replay"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def callgrind(out_file):
    return ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file]


def instructions(out_file):
    """The total Ir of a callgrind profile (its `summary:` line)."""
    with open(out_file) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("no summary in " + out_file)


def replay(sluice, bootstrap, v, setup_only):
    argv = [sluice, "perf", "replay", "-b", bootstrap, "-t", TOPIC, "--timeout-ms", "120000",
            "--requests", str(v["requests"]), "--records", str(v["records"]), "--size", str(v["size"]),
            "--partitions", str(v["partitions"]), "--compression", v["compression"]]
    if v.get("keys"):
        argv += ["--keys", str(v["keys"])]
    if setup_only:
        argv.append("--setup-only")
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, timeout=1800)


def run_sluiced(sluiced, sluice, v, setup_only, overrides, tmp):
    out = os.path.join(tmp, "callgrind.out")
    props = {"num.partitions": str(v["partitions"]), "log.flush.interval.ms": "9223372036854775807",
             "group.initial.rebalance.delay.ms": "0"}
    props.update(overrides)
    b = SingleBroker(sluiced, tmp, props)
    b.argv = callgrind(out) + b.argv
    b.start()
    try:
        b.wait_listening(b.port, 120)
        replay(sluice, b.bootstrap, v, setup_only)
    finally:
        b.stop(timeout=120)
    return instructions(out)


def run_mock(mock, sluice, v, setup_only, tmp):
    out = os.path.join(tmp, "callgrind.out")
    p = Proc("mock", callgrind(out) + [mock, "--topic", "%s:%d" % (TOPIC, v["partitions"])], tmp)
    p.start(stdout=subprocess.PIPE)
    try:
        line = p.proc.stdout.readline().decode().strip()
        if not line:
            raise RuntimeError("the mock cluster printed no bootstrap list")
        replay(sluice, line.split(",")[0], v, setup_only)
    finally:
        stop_process(p.proc, 120)
    return instructions(out)


def measure(kind, v, args, bins):
    counts = {}
    for phase in ("baseline", "replay"):
        tmp = tempfile.mkdtemp(prefix="sluice-cg-")
        try:
            if kind == "sluiced":
                counts[phase] = run_sluiced(bins["sluiced"], bins["sluice"], v, phase == "baseline", args.overrides, tmp)
            else:
                counts[phase] = run_mock(bins["mock"], bins["sluice"], v, phase == "baseline", tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    batches = v["requests"] * v["partitions"]
    return {"baseline_ir": counts["baseline"], "replay_ir": counts["replay"],
            "per_batch": (counts["replay"] - counts["baseline"]) / batches, "batches": batches}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default="uncompressed,lz4,1k,partitions100")
    ap.add_argument("--brokers", default="sluiced,mock")
    ap.add_argument("--sluiced-override", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    args.overrides = dict(kv.split("=", 1) for kv in args.sluiced_override)
    if shutil.which("valgrind") is None:
        sys.exit("callgrind_replay: valgrind is not installed")
    bins = {"sluiced": binary("SLUICED", "sluiced", "callgrind_replay"),
            "sluice": binary("SLUICE", "sluice", "callgrind_replay"),
            "mock": binary("SLUICE_MOCK", "sluice_mock_cluster", "callgrind_replay")}
    results = {}
    for name in args.variants.split(","):
        v = VARIANTS[name]
        results[name] = {}
        for kind in args.brokers.split(","):
            started = time.monotonic()
            results[name][kind] = measure(kind, v, args, bins)
            log("%-14s %-8s %12.0f instructions per batch (%.0f s)" % (
                name, kind, results[name][kind]["per_batch"], time.monotonic() - started))
    if args.json:
        import json
        print(json.dumps(results, indent=1))
        return
    print("| variant | sluiced | mock | ratio |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        s = r.get("sluiced", {}).get("per_batch")
        m = r.get("mock", {}).get("per_batch")
        ratio = "%.2f" % (s / m) if s and m else "-"
        fmt = lambda x: "{:,.0f}".format(x) if x is not None else "-"  # noqa: E731
        print("| %s | %s | %s | %s |" % (name, fmt(s), fmt(m), ratio))


if __name__ == "__main__":
    main()
