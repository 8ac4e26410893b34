#!/usr/bin/python3
"""What idempotence costs: plain against idempotent produce, and restarting
a broker that holds many producers.

Starts a fresh `sluiced` (temp dir, free port; stopped by PID at the end,
also on errors), then measures:

  A  1 KB lz4 produce throughput, acks=all, 8 partitions, 2,000,000
     records, with `sluice perf` (librdkafka): plain and
     enable.idempotence=true alternating, --rounds times each on fresh
     topics, in the same run. Reports MB/s and the
     broker's CPU seconds per GB produced (median of the rounds).
  R  recovery with 10,000 producer ids: one partition written by --producers
     idempotent producers (one batch each, raw Produce v3 frames from
     tests/integration/kafka_wire.py), then the broker killed with -9 and
     restarted (no snapshot yet: the state is read back from the log), then
     stopped cleanly and restarted (from the snapshot written at close). Reports the time from spawn to accepting
     connections, the producers DescribeProducers lists afterwards (all must
     be there), and a retry of the last batch must be answered with its
     first offset.

    /usr/bin/python3 bench/e2e/idempotence_bench.py            # ~1 min
    /usr/bin/python3 bench/e2e/idempotence_bench.py --quick    # smoke run

Binaries: $SLUICED and $SLUICE_CLI, else build/bin/*.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from e2e_common import ROOT, SingleBroker, binary, cpu_seconds, finish, port_open

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import kafka_wire as w  # noqa: E402  (the raw frames of the integration tests)


def log(msg):
    print("[idempotence-bench] %s" % msg, file=sys.stderr, flush=True)


class Broker(SingleBroker):
    def __init__(self, sluiced, tmp):
        super().__init__(sluiced, tmp, {"num.partitions": "8"})

    def boot(self):
        """Starts the process; returns seconds until it accepts connections."""
        t0 = time.monotonic()
        self.start()
        # Polled every millisecond: a restart takes tens of them.
        while not port_open(self.port):
            if not self.running() or time.monotonic() - t0 > 120:
                raise RuntimeError("sluiced did not start; see %s" % self.log_path)
            time.sleep(0.001)
        return time.monotonic() - t0


def perf_produce(cli, bootstrap, topic, count, idempotent):
    argv = [cli, "perf", "produce", "-b", bootstrap, "-t", topic, "-n", str(count), "-s", "1024",
            "--acks", "all", "--compression", "lz4", "--partitions", "8", "--json"]
    if idempotent:
        argv += ["-X", "enable.idempotence=true"]
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    if cp.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(argv), cp.stderr.decode()[-2000:]))
    return json.loads(cp.stdout)


def throughput(cli, broker, rounds, count):
    rows = {"plain": [], "idempotent": []}
    perf_produce(cli, broker.bootstrap, "a-warmup", count // 10, False)  # connections, page cache, CPU clocks
    for r in range(rounds):
        for mode in ("plain", "idempotent"):
            cpu0 = cpu_seconds(broker.pid)
            out = perf_produce(cli, broker.bootstrap, "a-%s-%d" % (mode, r), count, mode == "idempotent")
            cpu = cpu_seconds(broker.pid) - cpu0
            gb = out["bytes"] / 1e9
            rows[mode].append({"mb_s": out["mb_per_sec"], "cpu_s_per_gb": cpu / gb})
            log("round %d %s: %.1f MB/s, %.2f broker CPU-s/GB" % (r, mode, out["mb_per_sec"], cpu / gb))
    return {mode: {k: statistics.median(x[k] for x in v) for k in ("mb_s", "cpu_s_per_gb")}
            for mode, v in rows.items()}


def produce_raw(port, topic, producers):
    """One single-record batch per producer id 1..producers, each at sequence 0."""
    with w.connect(port, 10) as s:
        for pid in range(1, producers + 1):
            batch = w.record_batch([(None, b"v%d" % pid, [])], producer_id=pid, producer_epoch=0, base_sequence=0)
            r = w.roundtrip(s, w.API_PRODUCE, 3, pid, w.produce_v3_body(topic, 0, batch, acks=1))
            topics, _ = w.parse_produce_v3(r)
            if topics[topic][0]["error_code"] != 0:
                raise RuntimeError("produce for producer %d: error %d" % (pid, topics[topic][0]["error_code"]))


def check_restored(port, topic, producers):
    with w.connect(port, 10) as s:
        r = w.roundtrip(s, w.API_DESCRIBE_PRODUCERS, 0, 1, w.describe_producers_v0_body([(topic, [0])]),
                        flexible=True)
        listed = len(w.parse_describe_producers_v0(r)[topic][0]["producers"])
        batch = w.record_batch([(None, b"v%d" % producers, [])], producer_id=producers, producer_epoch=0,
                               base_sequence=0)
        r = w.roundtrip(s, w.API_PRODUCE, 3, 2, w.produce_v3_body(topic, 0, batch, acks=1))
        topics, _ = w.parse_produce_v3(r)
        retry = topics[topic][0]
    return listed, retry["error_code"] == 0 and retry["base_offset"] == producers - 1


def recovery(broker, producers):
    topic = "r-producers"
    ready = broker.boot()
    # Metadata v1 auto-creates the topic (8 partitions; partition 0 is used).
    with w.connect(broker.port, 10) as s:
        w.roundtrip(s, w.API_METADATA, 1, 1, w.metadata_v1_body([topic]))
    time.sleep(0.5)
    t0 = time.monotonic()
    produce_raw(broker.port, topic, producers)
    out = {"producers": producers, "produce_s": time.monotonic() - t0, "empty_start_s": ready}
    # kill -9 first: no snapshot exists yet, so the restart replays every
    # producer's batch from the log; the clean stop after it writes one.
    for how in ("kill9", "clean"):
        if how == "clean":
            broker.stop()
        else:
            broker.kill9()
        out[how + "_start_s"] = broker.boot()
        listed, retry_ok = check_restored(broker.port, topic, producers)
        out[how + "_listed"] = listed
        out[how + "_retry_recognised"] = retry_ok
        log("%s restart: ready in %.3f s, %d producers listed, retry recognised: %s"
            % (how, out[how + "_start_s"], listed, retry_ok))
    return out


def report(args, result):
    a = result.get("throughput")
    if a:
        p, i = a["plain"], a["idempotent"]
        print("| 1 KB lz4, acks=all, 8 partitions | plain | idempotent | idempotent / plain |")
        print("|---|---:|---:|---:|")
        print("| MB/s (median of %d) | %.1f | %.1f | %.2f |" % (args.rounds, p["mb_s"], i["mb_s"], i["mb_s"] / p["mb_s"]))
        # CPU time comes in 10 ms ticks: a --quick run may show none.
        ratio = "%.2f" % (i["cpu_s_per_gb"] / p["cpu_s_per_gb"]) if p["cpu_s_per_gb"] > 0 else "n/a"
        print("| broker CPU-s per GB | %.2f | %.2f | %s |" % (p["cpu_s_per_gb"], i["cpu_s_per_gb"], ratio))
    r = result.get("recovery")
    if r:
        print()
        print("| %d producer ids on one partition | start (s) | producers listed | last batch's retry recognised |"
              % r["producers"])
        print("|---|---:|---:|---|")
        print("| empty data dir | %.3f | | |" % r["empty_start_s"])
        for how, label in (("kill9", "after kill -9 (replays the log)"), ("clean", "clean restart (snapshot)")):
            print("| %s | %.3f | %d | %s |" % (label, r[how + "_start_s"], r[how + "_listed"],
                                              "yes" if r[how + "_retry_recognised"] else "NO"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--producers", type=int, default=10_000)
    ap.add_argument("--json", action="store_true", help="print the raw figures as JSON instead")
    args = ap.parse_args()
    count = 30_000 if args.quick else 2_000_000
    if args.quick:
        args.rounds, args.producers = 1, 1_000
    sluiced = binary("SLUICED", "sluiced", "idempotence_bench")
    cli = binary("SLUICE_CLI", "sluice", "idempotence_bench")
    tmp = tempfile.mkdtemp(prefix="sluice-idem-bench-")
    result, failed = {}, None
    broker = Broker(sluiced, tmp)
    try:
        broker.boot()
        result["throughput"] = throughput(cli, broker, args.rounds, count)
        broker.stop()
        shutil.rmtree(broker.data)
        result["recovery"] = recovery(broker, args.producers)
    except Exception as e:  # noqa: BLE001  (reported, the broker still stopped)
        failed = str(e)
    finish(args, result, report, failed, broker, tmp, log)


if __name__ == "__main__":
    main()
