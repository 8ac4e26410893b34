#!/usr/bin/python3
"""Broker memory with a lot of retained data: RSS after a restart and after
reading everything from the start, for one or more sluiced binaries on the
same data.

Starts a fresh sluiced (temp data dir, free port), creates T topics with N
partitions in all, fills them with G gigabytes (`sluice perf produce`,
acks=1, records spread over every partition, `batch.size` small enough that
nearly every batch gets an index entry: the most index entries per GB), and
stops it. Then, for each binary (`--binary LABEL=PATH`, repeatable; the fill
uses the first), on the same data:

  restart   start, wait until Metadata lists every partition, wait --settle
            seconds, read the broker's memory from /proc/PID/status
  read all  consume every record of every topic from the start
            (`sluice perf consume`, no group), read the memory again
  stop      SIGTERM, check a clean exit

Memory is VmRSS (and its RssAnon / RssFile parts) and VmHWM, the peak RSS
since the start. Prints a markdown table (or JSON). Brokers are always
stopped by PID and the temp dir removed (unless --keep-dir), also on errors
and Ctrl-C. Progress goes to stderr.

    /usr/bin/python3 bench/e2e/rss_indexes.py --partitions 100 --gigabytes 0.5            # smoke run
    /usr/bin/python3 bench/e2e/rss_indexes.py --partitions 1000 --gigabytes 20 \\
        --binary before=/tmp/sluice-before/build/bin/sluiced --binary after=build/bin/sluiced

Binaries: --binary, else $SLUICED or build/bin/sluiced; $SLUICE_CLI or
build/bin/sluice for the client.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import restart as rs  # noqa: E402  (the broker process, the probe client, the fill helpers)
from e2e_common import binary, free_port, loadavg, print_result, stop_process  # noqa: E402


def log(msg):
    print("[rss_indexes] " + msg, file=sys.stderr, flush=True)


def memory(pid):
    """VmRSS, RssAnon, RssFile, VmHWM of `pid` in MiB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[key] = int(line.split()[1]) / 1024.0
    return out


def index_bytes(path):
    """Bytes in .index and .timeindex files under `path`."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            if f.endswith(".index") or f.endswith(".timeindex"):
                total += os.path.getsize(os.path.join(dirpath, f))
    return total


def fill(args, sluiced, cli, data, base, result):
    port = free_port()
    bootstrap = "127.0.0.1:%d" % port
    broker = rs.Broker(sluiced, data, port, os.path.join(base, "fill.log"), extra_props(args))
    topics = ["rss-%d" % i for i in range(args.topics)]
    per_topic = dict(zip(topics, rs.spread(args.partitions, args.topics)))
    records = int(args.gigabytes * 1e9 / args.record_size)
    per_topic_records = dict(zip(topics, rs.spread(records, args.topics)))

    log("starting a fresh sluiced on %s, data in %s" % (bootstrap, data))
    t0 = broker.start()
    rs.wait_ready(broker, t0, [], {}, [], args.timeout)
    for name, n in per_topic.items():
        rs.run_checked([cli, "topics", "create", "-b", bootstrap, "-t", name, "-p", str(n),
                        "--timeout-ms", str(args.timeout * 1000)], args.timeout, "topics create " + name, broker)
    t = time.monotonic()
    for name in topics:
        n = per_topic_records[name]
        log("producing %d records of %d B to %s (%d partitions), batch.size=%d"
            % (n, args.record_size, name, per_topic[name], args.batch_bytes))
        out = rs.run_checked([cli, "perf", "produce", "-b", bootstrap, "-t", name, "-n", str(n),
                              "-s", str(args.record_size), "--acks", "1", "--linger-ms", "20", "--json",
                              "-X", "batch.size=%d" % args.batch_bytes,
                              "-X", "sticky.partitioning.linger.ms=0",
                              "-X", "message.timeout.ms=300000", "--timeout-ms", str(args.timeout * 1000)],
                             args.fill_timeout, "perf produce " + name, broker)
        r = json.loads(out)
        log("  %.1f MB/s, %d records" % (r["mb_per_sec"], r["records"]))
    result["fill_s"] = time.monotonic() - t
    client = rs.Client("127.0.0.1", port, timeout=60)
    try:
        hws = client.latest_offsets({tn: list(range(n)) for tn, n in per_topic.items()})
    finally:
        client.close()
    result["records"] = sum(hws.values())
    result["records_per_topic"] = {tn: sum(v for (t, _), v in hws.items() if t == tn) for tn in topics}
    result["empty_partitions"] = sum(1 for v in hws.values() if v == 0)
    took, code, killed = broker.stop(args.timeout)
    if killed or code != 0:
        raise RuntimeError("sluiced did not shut down cleanly after the fill (exit %s); tail of its log:\n%s"
                           % (code, broker.tail()))
    result["data_bytes"] = rs.du_bytes(data)
    result["index_bytes"] = index_bytes(data)
    result["data_files"] = sum(len(f) for _, _, f in os.walk(data))
    log("filled %d records in %.0f s: %.2f GB on disk, %.1f MB of index files, %d files"
        % (result["records"], result["fill_s"], result["data_bytes"] / 1e9, result["index_bytes"] / 1e6,
           result["data_files"]))
    return topics, per_topic


def measure(args, label, sluiced, cli, data, base, topics, per_topic, result):
    port = free_port()
    bootstrap = "127.0.0.1:%d" % port
    broker = rs.Broker(sluiced, data, port, os.path.join(base, "%s.log" % label), extra_props(args))
    run = {"label": label, "sluiced": sluiced, "loadavg": loadavg()}
    t0 = broker.start()
    stages = rs.wait_ready(broker, t0, topics, per_topic, [], args.timeout)
    run["ready_s"] = stages["metadata"]
    time.sleep(args.settle)
    run["after_restart"] = memory(broker.pid)
    log("%s: ready in %.1f s; RSS %.1f MiB (anon %.1f, file %.1f)"
        % (label, run["ready_s"], run["after_restart"]["VmRSS"], run["after_restart"]["RssAnon"],
           run["after_restart"]["RssFile"]))
    t = time.monotonic()
    consumed = 0
    for name in topics:
        n = result["records_per_topic"][name]
        if n == 0:
            continue
        out = rs.run_checked([cli, "perf", "consume", "-b", bootstrap, "-t", name, "-n", str(n), "--json",
                              "-X", "queued.max.messages.kbytes=262144",
                              "--timeout-ms", str(args.timeout * 1000)],
                             args.fill_timeout, "perf consume " + name, broker)
        consumed += json.loads(out)["records"]
    run["read_s"] = time.monotonic() - t
    run["records_read"] = consumed
    time.sleep(args.settle)
    run["after_read"] = memory(broker.pid)
    log("%s: read %d records in %.0f s; RSS %.1f MiB (anon %.1f, file %.1f), peak %.1f MiB"
        % (label, consumed, run["read_s"], run["after_read"]["VmRSS"], run["after_read"]["RssAnon"],
           run["after_read"]["RssFile"], run["after_read"]["VmHWM"]))
    took, code, killed = broker.stop(args.timeout)
    if killed or code != 0:
        raise RuntimeError("%s did not shut down cleanly (exit %s); tail of its log:\n%s"
                           % (label, code, broker.tail()))
    if consumed != result["records"]:
        raise RuntimeError("%s: read %d records, the partitions hold %d" % (label, consumed, result["records"]))
    result["runs"].append(run)


def extra_props(args):
    return [tuple(p.split("=", 1)) for p in args.broker_prop]


def report(args, result):
    print("### Broker RSS with %g GB retained in %d partitions (%d topic(s))\n"
          % (args.gigabytes, args.partitions, args.topics))
    print("- Command: `/usr/bin/python3 bench/e2e/rss_indexes.py --partitions %d --topics %d --gigabytes %g "
          "--record-size %d --batch-bytes %d%s%s`; %s." % (
              args.partitions, args.topics, args.gigabytes, args.record_size, args.batch_bytes,
              "".join(" --binary %s=%s" % b for b in args.binaries),
              "".join(" --broker-prop %s" % p for p in args.broker_prop), result["started"]))
    print("- Data: %d records, %.2f GB on disk in %d files, %.1f MB of which index files "
          "(.index + .timeindex); filled in %.0f s." % (
              result["records"], result["data_bytes"] / 1e9, result["data_files"],
              result["index_bytes"] / 1e6, result["fill_s"]))
    print("- Machine: %d CPUs, load average %s during the runs.\n" % (
        os.cpu_count(), "; ".join(dict.fromkeys(r["loadavg"] for r in result["runs"]))))
    print("| binary | RSS after restart (anon / file) | RSS after reading all (anon / file) | peak RSS | "
          "ready after | read all in |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in result["runs"]:
        a, b = r["after_restart"], r["after_read"]
        print("| %s | %.1f MiB (%.1f / %.1f) | %.1f MiB (%.1f / %.1f) | %.1f MiB | %.1f s | %.0f s |" % (
            r["label"], a["VmRSS"], a["RssAnon"], a["RssFile"], b["VmRSS"], b["RssAnon"], b["RssFile"],
            b["VmHWM"], r["ready_s"], r["read_s"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--partitions", type=int, default=1000, help="partitions in all (default 1000)")
    ap.add_argument("--topics", type=int, default=1, help="spread the partitions over T topics (default 1)")
    ap.add_argument("--gigabytes", type=float, default=20, help="payload to write, 10^9 bytes (default 20)")
    ap.add_argument("--record-size", type=int, default=4096, help="value bytes per record (default 4096)")
    ap.add_argument("--batch-bytes", type=int, default=4096,
                    help="producer batch.size (default 4096: one record per batch, an index entry per batch)")
    ap.add_argument("--binary", action="append", default=[], metavar="LABEL=PATH",
                    help="a sluiced to measure (repeatable); the first also writes the data")
    ap.add_argument("--settle", type=float, default=2.0, help="seconds to wait before reading memory")
    ap.add_argument("--timeout", type=int, default=300, help="seconds for each startup, shutdown and request")
    ap.add_argument("--fill-timeout", type=int, default=7200, help="seconds for the fill or read of one topic")
    ap.add_argument("--broker-prop", action="append", default=[], metavar="KEY=VALUE",
                    help="extra sluiced property for every run (repeatable)")
    ap.add_argument("--dir", default=None, help="parent of the temp dir (default: $TMPDIR or /tmp)")
    ap.add_argument("--keep-dir", action="store_true", help="keep the temp dir (data and broker logs)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON instead of markdown")
    args = ap.parse_args()
    if args.topics < 1 or args.partitions < args.topics:
        ap.error("need 1 <= --topics <= --partitions")
    args.binaries = []
    for b in args.binary:
        if "=" not in b:
            ap.error("--binary takes LABEL=PATH")
        label, path = b.split("=", 1)
        args.binaries.append((label, path))
    binaries = [(label, os.path.abspath(path)) for label, path in args.binaries]
    if not binaries:
        binaries = [("sluiced", binary("SLUICED", "sluiced", "rss_indexes"))]
    for label, path in binaries:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            sys.exit("rss_indexes: %s (%s) not found" % (path, label))
    cli = binary("SLUICE_CLI", "sluice", "rss_indexes")

    def on_sigterm(*_):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_sigterm)

    base = tempfile.mkdtemp(prefix="sluice-rss-", dir=args.dir)
    data = os.path.join(base, "data")
    os.mkdir(data)
    free = shutil.disk_usage(base).free
    need = args.gigabytes * 1e9 * 1.15
    result = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "args": vars(args), "runs": []}
    log("temp dir %s (%.0f GB free); load average %s" % (base, free / 1e9, loadavg()))
    failed = None
    try:
        if free < need:
            raise RuntimeError("%s has %.1f GB free, need about %.1f GB" % (base, free / 1e9, need / 1e9))
        topics, per_topic = fill(args, binaries[0][1], cli, data, base, result)
        for label, path in binaries:
            measure(args, label, path, cli, data, base, topics, per_topic, result)
    except KeyboardInterrupt:
        failed = "interrupted"
    except (RuntimeError, rs.BrokerExited, TimeoutError, rs.ProbeError, OSError) as e:
        failed = str(e)
    finally:
        for proc in list(rs.CHILDREN):
            stop_process(proc, 30)
        if args.keep_dir:
            log("kept %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    print_result(args, result, report, failed, log)


if __name__ == "__main__":
    main()
