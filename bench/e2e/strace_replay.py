#!/usr/bin/env python3
"""Syscalls per Produce request of sluiced, counted by `strace -f -c` (every
thread of the broker) for the fixed request sequence of `sluice perf
replay`: once for a baseline (start, the topic made and led, stop) and once
with the replay in between; the difference over the produce requests is the
figure. The replay's Fetch requests (the same whatever the append path)
are in it too, and so are timer ticks, which depend on how long the run
took under strace: the write calls (`pwrite64`, `io_uring_enter`) are the
columns that measure the append path.

  bench/e2e/strace_replay.py [--requests 30] [--partitions 100] [--sluiced-override KEY=VALUE]
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_common import SingleBroker, binary  # noqa: E402

TOPIC = "replay"


def counts(summary_file):
    """{syscall: calls} from an `strace -c` summary."""
    out = {}
    with open(summary_file) as f:
        for line in f:
            parts = line.split()
            # % time, seconds, usecs/call, calls, [errors,] syscall
            if len(parts) >= 5 and parts[3].isdigit() and not line.startswith("100.00"):
                out[parts[-1]] = int(parts[3])
    return out


def run(sluiced, sluice, args, setup_only):
    tmp = tempfile.mkdtemp(prefix="sluice-strace-")
    summary = os.path.join(tmp, "strace.txt")
    props = {"num.partitions": str(args.partitions), "log.flush.interval.ms": "9223372036854775807",
             "group.initial.rebalance.delay.ms": "0"}
    props.update(args.overrides)
    b = SingleBroker(sluiced, tmp, props)
    b.argv = ["strace", "-f", "-c", "-o", summary] + b.argv
    b.start()
    try:
        b.wait_listening(b.port, 60)
        argv = [sluice, "perf", "replay", "-b", b.bootstrap, "-t", TOPIC, "--timeout-ms", "120000",
                "--requests", str(args.requests), "--records", "100", "--size", "100",
                "--partitions", str(args.partitions)]
        if setup_only:
            argv.append("--setup-only")
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, timeout=600)
    finally:
        # SIGTERM to strace would detach it and leave the broker running:
        # stop the broker (strace's child), and strace ends with it.
        child = subprocess.run(["pgrep", "-P", str(b.proc.pid)], capture_output=True, text=True).stdout.split()
        for pid in child:
            os.kill(int(pid), signal.SIGTERM)
        try:
            b.proc.wait(60)
        finally:
            b.stop(timeout=10)
    try:
        return counts(summary)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--partitions", type=int, default=100)
    ap.add_argument("--sluiced-override", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    args.overrides = dict(kv.split("=", 1) for kv in args.sluiced_override)
    if shutil.which("strace") is None:
        sys.exit("strace_replay: strace is not installed")
    sluiced = binary("SLUICED", "sluiced", "strace_replay")
    sluice = binary("SLUICE", "sluice", "strace_replay")
    base = run(sluiced, sluice, args, True)
    full = run(sluiced, sluice, args, False)
    print("| syscall | calls per produce request |")
    print("|---|---:|")
    total = 0.0
    for name in sorted(set(base) | set(full), key=lambda n: -(full.get(n, 0) - base.get(n, 0))):
        per = (full.get(name, 0) - base.get(name, 0)) / args.requests
        total += per
        if abs(per) >= 0.05:
            print("| %s | %.2f |" % (name, per))
    print("| total | %.2f |" % total)


if __name__ == "__main__":
    main()
