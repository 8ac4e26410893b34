#!/usr/bin/python3
"""Produce latency while a consumer reads data that is not in the page cache.

With one I/O thread, a fetch whose file slices must come from disk can stall
every connection for as long as the disk read takes. This measures what a
producer at a fixed rate sees: its p50 / p99 / p99.9 latency alone
("baseline") and while a consumer reads a topic whose pages were dropped
from the page cache ("cold reader"), several rounds alternating.

    /usr/bin/python3 bench/e2e/cold_read_latency.py --gigabytes 0.2 --seconds 5 --repeats 1   # smoke run
    /usr/bin/python3 bench/e2e/cold_read_latency.py                        # 2 GB cold, 3 rounds of 15 s
    /usr/bin/python3 bench/e2e/cold_read_latency.py --strace               # + syscalls of a warm read
    /usr/bin/python3 bench/e2e/cold_read_latency.py --json                 # one JSON object on stdout
    /usr/bin/python3 bench/e2e/cold_read_latency.py --strace-cold         # + the I/O thread's header reads, cold
    /usr/bin/python3 bench/e2e/cold_read_latency.py --sync-after-fill      # round 1 without the fill's writeback

What it does:

1. starts a fresh sluiced (free port, temp data dir) and fills topic `cold`
   (`--partitions`, 4) with `--gigabytes` (2; 10^9 bytes of values) of
   `--record-size` (1024) records (`sluice perf produce`, acks=1, 1 MB
   batches), then creates topic `hot` (1 partition);
2. per round: a baseline run of `sluice perf produce` to `hot` at `--rate`
   (10,000 msg/s) for `--seconds` (15), 100 B, acks=all, linger.ms=0 (as
   run_e2e.py's workload 4); then the same run while a reader thread
   repeatedly drops the pages of every `cold` segment (fsync +
   posix_fadvise DONTNEED; `--drop-caches` empties the whole machine's page
   cache instead) and reads the whole topic from the beginning with
   `sluice perf consume`, pass after pass, until the producer is done — so
   the producer's whole window overlaps cold reading whatever the disk's
   speed. The first pass starts before the producer (`--lead`, 1 s). Then
   the same with the reader on warm data (pages not dropped): the floor
   that the reader's CPU use alone sets when client and broker share the
   machine's cores;
3. `--strace`: reads `cold` once more with its pages in the cache and
   counts the broker's syscalls (`strace -f`, every call) during that read;
   every run also reports the broker's CPU for a warm read (from
   /proc/PID/stat, no strace) so the warm path's cost can be compared
   between builds.

Latency counts from each record's intended send time (`sluice perf`), so a
stall of the broker shows in every record due during it.

Binaries: $SLUICED, $SLUICE_CLI, else build/bin/sluiced, build/bin/sluice.
Brokers and clients are stopped by PID and the temp dir removed (unless
--keep-dir), also on errors and Ctrl-C. Needs root only for --drop-caches.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_common import binary, cpu_seconds, free_port, loadavg, print_result, stop_process, wait_listening  # noqa: E402

CHILDREN = []  # processes we started and have not reaped
CHILDREN_LOCK = threading.Lock()


def log(msg):
    print("[cold-read] " + msg, file=sys.stderr, flush=True)


def start(argv, **kwargs):
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kwargs)
    with CHILDREN_LOCK:
        CHILDREN.append(proc)
    return proc


def reap(proc):
    with CHILDREN_LOCK:
        if proc in CHILDREN:
            CHILDREN.remove(proc)


def stop(proc, sig=signal.SIGTERM, timeout=30):
    stop_process(proc, timeout, sig)
    reap(proc)


def run_json(argv, timeout):
    """Runs a `sluice perf ... --json` command; returns its JSON."""
    proc = start(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise RuntimeError("%s timed out after %d s: %s" % (argv[1:4], timeout, err.decode()[-1000:]))
    finally:
        reap(proc)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d): %s %s" % (" ".join(argv[1:4]), proc.returncode,
                                                   out.decode()[-1000:], err.decode()[-1000:]))
    return json.loads(out)


class Broker:
    def __init__(self, sluiced, base, extra):
        self.port = free_port()
        self.data = os.path.join(base, "data")
        self.log_path = os.path.join(base, "sluiced.log")
        listener = "PLAINTEXT://127.0.0.1:%d" % self.port
        conf = [("listeners", listener), ("advertised.listeners", listener), ("log.dirs", self.data),
                ("node.id", "0")] + extra
        self.argv = [sluiced]
        for k, v in conf:
            self.argv += ["--override", "%s=%s" % (k, v)]
        self.proc = None

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    def start(self, timeout=60):
        with open(self.log_path, "ab") as log_file:
            self.proc = start(self.argv, stdout=log_file, stderr=log_file)
        wait_listening(self.proc, self.port, timeout, "sluiced", log_path=self.log_path)

    def stop(self):
        if self.proc is not None:
            stop(self.proc, timeout=120)

    def segment_files(self, topic):
        paths = []
        for d in sorted(os.listdir(self.data)):
            if d.rsplit("-", 1)[0] == topic:
                part = os.path.join(self.data, d)
                paths += [os.path.join(part, f) for f in sorted(os.listdir(part)) if f.endswith(".log")]
        return paths


def drop_pages(paths, whole_machine):
    """Evicts the files' pages (or, as root, every clean page of the machine)."""
    if whole_machine:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1\n")
        return
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fdatasync(fd)  # only clean pages can be dropped
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def read_files(paths):
    """Brings the files into the page cache."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 20):
                pass


def resident_fraction(paths):
    """Share of the files' bytes in the page cache (util-linux fincore), or None."""
    if not shutil.which("fincore"):
        return None
    try:
        out = subprocess.run(["fincore", "-b", "-n", "-o", "RES,SIZE"] + paths, capture_output=True,
                             text=True, timeout=30, check=True).stdout
    except (subprocess.SubprocessError, OSError):
        return None
    res = size = 0
    for line in out.splitlines():
        a, b = line.split()
        res += int(a)
        size += int(b)
    return res / size if size else None


class Reader(threading.Thread):
    """Reads `cold` from the beginning, pass after pass, until told to stop;
    with `drop`, its pages are dropped before each pass."""

    def __init__(self, args, cli, broker, records, drop):
        super().__init__(daemon=True)
        self.args, self.cli, self.broker, self.records, self.drop = args, cli, broker, records, drop
        self.stop_event = threading.Event()
        self.passes = []      # finished passes: {"seconds", "mb_per_sec", "resident_before"}
        self.cut_short = 0    # passes stopped when the producer finished
        self.error = None

    def run(self):
        try:
            paths = self.broker.segment_files("cold")
            while not self.stop_event.is_set():
                if self.drop:
                    drop_pages(paths, self.args.drop_caches)
                resident = resident_fraction(paths)
                argv = [self.cli, "perf", "consume", "-b", self.broker.bootstrap, "-t", "cold",
                        "-n", str(self.records), "--json", "-X", "queued.max.messages.kbytes=2097151"]
                proc = start(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                while proc.poll() is None and not self.stop_event.wait(0.05):
                    pass
                if proc.poll() is None:
                    stop(proc, signal.SIGKILL)
                    self.cut_short += 1
                    break
                out, err = proc.communicate()
                reap(proc)
                if proc.returncode != 0:
                    raise RuntimeError("perf consume failed (%d): %s" % (proc.returncode, err.decode()[-1000:]))
                r = json.loads(out)
                self.passes.append({"seconds": r["seconds"], "mb_per_sec": r["mb_per_sec"],
                                    "resident_before": resident})
        except Exception as e:  # reported by the main thread
            self.error = e


def produce_at_rate(args, cli, broker):
    n = int(args.rate * args.seconds)
    return run_json([cli, "perf", "produce", "-b", broker.bootstrap, "-t", "hot", "-n", str(n), "-s",
                     str(args.produce_size), "--acks", "all", "--rate", str(args.rate), "--linger-ms", "0",
                     "--json"], timeout=args.seconds * 4 + 120)


def latency(r):
    lat = r["latency_us"]
    return {"p50_ms": lat["p50"] / 1000, "p99_ms": lat["p99"] / 1000, "p999_ms": lat["p999"] / 1000,
            "max_ms": lat["max"] / 1000, "records_per_sec": r["records_per_sec"], "load": loadavg()}


def warm_read(args, cli, broker, records, strace_out=None):
    """Reads all of `cold` with its pages in the cache; broker CPU and throughput."""
    paths = broker.segment_files("cold")
    tracer = None
    if strace_out:
        # Every call is written out and counted here: strace -c leaves out
        # calls it has no name for (cachestat, on strace 6.1).
        tracer = start(["strace", "-f", "-qq", "-o", strace_out, "-p", str(broker.proc.pid)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # attached to every thread
    cpu0 = cpu_seconds(broker.proc.pid)
    r = run_json([cli, "perf", "consume", "-b", broker.bootstrap, "-t", "cold", "-n", str(records), "--json",
                  "-X", "queued.max.messages.kbytes=2097151"], timeout=600)
    cpu = cpu_seconds(broker.proc.pid) - cpu0
    if tracer:
        stop(tracer, signal.SIGINT)
    return {"seconds": r["seconds"], "mb_per_sec": r["mb_per_sec"], "broker_cpu_s": cpu,
            "broker_cpu_s_per_gb": cpu / (r["bytes"] / 1e9), "resident_before": resident_fraction(paths)}


def count_syscalls(path):
    """{name: calls} from `strace -f -o` output; an interrupted call counts once."""
    counts = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^(?:\d+\s+)?([a-z_0-9]+)\(", line)
            if m:
                name = {"syscall_0x1c3": "cachestat"}.get(m.group(1), m.group(1))
                counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def io_thread_reads(path, pid):
    """Header reads of the broker's I/O thread (the main thread, tid == pid)
    from `strace -f -T -o` output: calls, EAGAINs, seconds in them, slowest."""
    out = {}
    for line in open(path):
        m = re.match(r"^(\d+)\s+(pread64|preadv2)\(.*\)\s+=\s+(-?\d+)( EAGAIN)?.*<([0-9.]+)>$", line)
        if not m or int(m.group(1)) != pid:
            continue
        o = out.setdefault(m.group(2), {"calls": 0, "eagain": 0, "seconds": 0.0, "max_ms": 0.0})
        o["calls"] += 1
        o["eagain"] += 1 if m.group(4) else 0
        o["seconds"] += float(m.group(5))
        o["max_ms"] = max(o["max_ms"], 1000 * float(m.group(5)))
    for o in out.values():
        o["seconds"] = round(o["seconds"], 4)
        o["max_ms"] = round(o["max_ms"], 3)
    return out


def cold_read_traced(args, cli, broker, records, strace_out):
    """One read of all of `cold` from 0% resident, the broker under strace -T."""
    paths = broker.segment_files("cold")
    drop_pages(paths, args.drop_caches)
    tracer = start(["strace", "-f", "-qq", "-T", "-e", "trace=pread64,preadv2", "-o", strace_out,
                    "-p", str(broker.proc.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    resident = resident_fraction(paths)
    r = run_json([cli, "perf", "consume", "-b", broker.bootstrap, "-t", "cold", "-n", str(records), "--json",
                  "-X", "queued.max.messages.kbytes=2097151"], timeout=600)
    stop(tracer, signal.SIGINT)
    return {"mb_per_sec": r["mb_per_sec"], "resident_before": resident,
            "io_thread": io_thread_reads(strace_out, broker.proc.pid)}


def measure(args, sluiced, cli, base, result):
    extra = [tuple(p.split("=", 1)) for p in args.broker_prop]
    broker = Broker(sluiced, base, extra)
    try:
        broker.start()
        log("sluiced on %s, data in %s" % (broker.bootstrap, broker.data))
        records = int(args.gigabytes * 1e9 / args.record_size)
        subprocess.run([cli, "topics", "create", "-b", broker.bootstrap, "-t", "cold", "-p",
                        str(args.partitions)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([cli, "topics", "create", "-b", broker.bootstrap, "-t", "hot", "-p", "1"],
                       check=True, stdout=subprocess.DEVNULL)
        log("filling 'cold': %d records of %d B over %d partitions" % (records, args.record_size, args.partitions))
        fill = run_json([cli, "perf", "produce", "-b", broker.bootstrap, "-t", "cold", "-n", str(records), "-s",
                         str(args.record_size), "--acks", "1", "--linger-ms", "50", "--json",
                         "-X", "batch.size=1048576", "-X", "sticky.partitioning.linger.ms=0",
                         "-X", "message.timeout.ms=120000"], timeout=1800)
        result["cold_records"] = fill["records"]
        result["cold_bytes"] = sum(os.path.getsize(p) for p in broker.segment_files("cold"))
        log("filled %.2f GB in %.0f s" % (result["cold_bytes"] / 1e9, fill["seconds"]))
        if args.sync_after_fill:
            # The fill's dirty pages written back now, not during round 1's
            # first page drop (whose fdatasync would write them meanwhile).
            t0 = time.time()
            os.sync()
            log("synced the fill in %.1f s" % (time.time() - t0))
        run_json([cli, "perf", "produce", "-b", broker.bootstrap, "-t", "hot", "-n", "1000", "-s",
                  str(args.produce_size), "--acks", "all", "--json"], timeout=60)  # warms the producer path

        result["warm_reads"] = []
        for i in range(args.repeats):
            base_r = latency(produce_at_rate(args, cli, broker))
            log("round %d baseline: p50 %.3f p99 %.3f p99.9 %.3f max %.1f ms (load %s)"
                % (i + 1, base_r["p50_ms"], base_r["p99_ms"], base_r["p999_ms"], base_r["max_ms"], base_r["load"]))
            round_ = {"baseline": base_r}
            for kind, drop in (("cold", True), ("warm", False)):
                if not drop:
                    read_files(broker.segment_files("cold"))  # the cold pass was cut short
                reader = Reader(args, cli, broker, result["cold_records"], drop)
                reader.start()
                time.sleep(args.lead)
                try:
                    r = latency(produce_at_rate(args, cli, broker))
                finally:
                    reader.stop_event.set()
                    reader.join()
                if reader.error:
                    raise reader.error
                r["reader_passes_finished"] = reader.passes
                r["reader_passes_cut"] = reader.cut_short
                log("round %d %s reader: p50 %.3f p99 %.3f p99.9 %.3f max %.1f ms; reader: %s (load %s)"
                    % (i + 1, kind, r["p50_ms"], r["p99_ms"], r["p999_ms"], r["max_ms"],
                       ", ".join("%.0f MB/s from %.0f%% resident" % (p["mb_per_sec"], 100 * (p["resident_before"] or 0))
                                 for p in reader.passes) + (" + 1 pass cut short" if reader.cut_short else ""),
                       r["load"]))
                round_[kind] = r
            result["rounds"].append(round_)
            # A warm read, for the broker's CPU per GB on the zero-copy path.
            run_json([cli, "perf", "consume", "-b", broker.bootstrap, "-t", "cold", "-n",
                      str(result["cold_records"]), "--json", "-X", "queued.max.messages.kbytes=2097151"], timeout=600)
            w = warm_read(args, cli, broker, result["cold_records"])
            log("round %d warm read: %.0f MB/s, broker CPU %.2f s/GB, %.0f%% resident"
                % (i + 1, w["mb_per_sec"], w["broker_cpu_s_per_gb"], 100 * (w["resident_before"] or 0)))
            result["warm_reads"].append(w)
        if args.strace:
            strace_out = os.path.join(base, "strace.txt")
            w = warm_read(args, cli, broker, result["cold_records"], strace_out)
            result["strace_warm_read"] = {"read": w, "calls": count_syscalls(strace_out)}
            log("syscalls of the broker during a warm read: %s" % result["strace_warm_read"]["calls"])
        if args.strace_cold:
            c = cold_read_traced(args, cli, broker, result["cold_records"], os.path.join(base, "strace-cold.txt"))
            result["strace_cold_read"] = c
            log("header reads of the I/O thread during a cold read (%.0f%% resident, %.0f MB/s): %s"
                % (100 * (c["resident_before"] or 0), c["mb_per_sec"], c["io_thread"]))
    finally:
        broker.stop()


def report(args, result):
    rounds = result["rounds"]

    def col(kind, key):
        return [r[kind][key] for r in rounds]

    def fmt(vals):
        if len(vals) == 1:
            return "%.3f" % vals[0]
        return "%.3f (%.3f–%.3f)" % (statistics.median(vals), min(vals), max(vals))

    print("### Produce latency with a cold reader: %g GB over %d partitions, %d msg/s, %d rounds of %g s\n"
          % (args.gigabytes, args.partitions, args.rate, len(rounds), args.seconds))
    print("- Broker: `%s`; %s" % (result["sluiced"], result["started"]))
    print("- Cold data: %d records of %d B, %.2f GB of segments; pages dropped with %s before each pass\n"
          % (result["cold_records"], args.record_size, result["cold_bytes"] / 1e9,
             "drop_caches" if args.drop_caches else "fdatasync + posix_fadvise(DONTNEED)"))
    print("| producer latency, ms (median (min–max) of rounds) | p50 | p99 | p99.9 | max |")
    print("|---|---:|---:|---:|---:|")
    for kind, label in (("baseline", "alone"), ("cold", "with a cold reader"),
                        ("warm", "with the same reader on warm data")):
        print("| %s | %s | %s | %s | %s |" % (label, fmt(col(kind, "p50_ms")), fmt(col(kind, "p99_ms")),
                                            fmt(col(kind, "p999_ms")), fmt(col(kind, "max_ms"))))
    for kind in ("cold", "warm"):
        ratios = [r[kind]["p99_ms"] / r["baseline"]["p99_ms"] for r in rounds]
        print("\np99 with the %s reader / alone, per round: %s" % (kind, ", ".join("%.2f" % x for x in ratios)))
    passes = [p for r in rounds for p in r["cold"]["reader_passes_finished"]]
    if passes:
        print("Cold reader passes finished: %d, %s MB/s" % (len(passes), fmt([p["mb_per_sec"] for p in passes])))
    w = result["warm_reads"]
    print("Warm read of all of 'cold': %s MB/s, broker CPU %s s/GB"
          % (fmt([x["mb_per_sec"] for x in w]), fmt([x["broker_cpu_s_per_gb"] for x in w])))
    if "strace_warm_read" in result:
        st = result["strace_warm_read"]
        print("\nSyscalls of sluiced (strace -f, all threads) during one more warm read of all of 'cold' "
              "(%.0f MB/s under strace):\n" % st["read"]["mb_per_sec"])
        print("| syscall | calls |")
        print("|---|---:|")
        for name, n in st["calls"].items():
            print("| %s | %d |" % (name, n))
        print("| total | %d |" % sum(st["calls"].values()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gigabytes", type=float, default=2.0, help="cold data, 10^9 bytes of values (2)")
    ap.add_argument("--partitions", type=int, default=4, help="partitions of the cold topic (4)")
    ap.add_argument("--record-size", type=int, default=1024, help="cold records' value size (1024)")
    ap.add_argument("--rate", type=int, default=10000, help="producer rate, msg/s (10000)")
    ap.add_argument("--produce-size", type=int, default=100, help="producer record size (100)")
    ap.add_argument("--seconds", type=float, default=15, help="each producer run (15)")
    ap.add_argument("--lead", type=float, default=1.0, help="reader head start, s (1)")
    ap.add_argument("--repeats", type=int, default=3, help="rounds of baseline + cold (3)")
    ap.add_argument("--drop-caches", action="store_true", help="drop the whole page cache (root)")
    ap.add_argument("--strace", action="store_true", help="strace -c -f the broker during a warm read")
    ap.add_argument("--sync-after-fill", action="store_true",
                    help="sync(2) after filling, so round 1 does not measure the fill's writeback")
    ap.add_argument("--strace-cold", action="store_true",
                    help="strace -T the broker's header reads (pread64/preadv2) during one cold read")
    ap.add_argument("--broker-prop", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--dir", default=None, help="parent of the temp dir")
    ap.add_argument("--keep-dir", action="store_true")
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = ap.parse_args()

    sluiced = binary("SLUICED", "sluiced", "cold_read_latency")
    cli = binary("SLUICE_CLI", "sluice", "cold_read_latency")
    base = tempfile.mkdtemp(prefix="sluice-coldread-", dir=args.dir)
    result = {"sluiced": sluiced, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(),
              "rounds": []}

    def on_term(signum, frame):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_term)
    try:
        measure(args, sluiced, cli, base, result)
    finally:
        with CHILDREN_LOCK:
            left = list(CHILDREN)
        for proc in left:
            stop(proc, signal.SIGKILL)
        if not args.keep_dir:
            shutil.rmtree(base, ignore_errors=True)
    print_result(args, result, report)


if __name__ == "__main__":
    main()
