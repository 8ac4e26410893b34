#!/usr/bin/python3
"""Broker restart time after a clean shutdown, on a data dir with many
partitions and gigabytes of records.

Starts a fresh sluiced (temp data dir, free port), creates T topics with N
partitions in all, fills them with G gigabytes (`sluice perf produce`, acks=1,
large batches, records spread over every partition), stops the broker with
SIGTERM (timing the shutdown), and then restarts it on the same data
`--repeats` times, measuring from exec until the broker is ready:

  listen    the port accepts a TCP connection
  api       ... and answers ApiVersions
  metadata  ... and a Metadata request lists every partition with a leader
  ready     ... and a Fetch of the last record of a few random partitions
            returns the batch holding it, with the high watermark it had
            before the shutdown

Prints median / min / max of each, the shutdown time, and the broker's RSS and
open file descriptors right after it became ready. Brokers are always stopped
by PID and the temp dir removed (unless --keep-dir), also on errors and
Ctrl-C. A broker that exits during startup (e.g. EMFILE) is reported with the
tail of its log. Progress goes to stderr.

    /usr/bin/python3 bench/e2e/restart.py --partitions 100 --gigabytes 0.5      # smoke run
    /usr/bin/python3 bench/e2e/restart.py                                       # 1,000 partitions, 10 GB
    /usr/bin/python3 bench/e2e/restart.py --partitions 10000 --topics 10 --gigabytes 1

Binaries: $SLUICED, $SLUICE_CLI, else build/bin/sluiced, build/bin/sluice.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

from e2e_common import binary, free_port, loadavg, print_result, rss_mib, stop_process, tail

CHILDREN = []  # every process we started and have not reaped yet


def log(msg):
    print("[restart] " + msg, file=sys.stderr, flush=True)


def open_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def du_bytes(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_blocks * 512
            except OSError:
                pass
    return total


# --------------------------------------------------------------------------
# A minimal Kafka client: non-flexible request versions over one socket, so
# the probe measures the broker and not a client library's bootstrap.

class ProbeError(Exception):
    pass


class Reader:
    def __init__(self, data):
        self.d = data
        self.p = 0

    def take(self, n):
        if self.p + n > len(self.d):
            raise ProbeError("short response")
        v = self.d[self.p:self.p + n]
        self.p += n
        return v

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def bytes_(self):
        n = self.i32()
        return None if n < 0 else self.take(n)

    def array(self, item):
        n = self.i32()
        return [] if n < 0 else [item() for _ in range(n)]


def s16(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


class Client:
    API_VERSIONS, METADATA, LIST_OFFSETS, FETCH = 18, 3, 2, 1

    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.corr = 0

    def close(self):
        self.sock.close()

    def _recv(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ProbeError("connection closed by the broker")
            buf += chunk
        return bytes(buf)

    def call(self, api_key, version, body):
        self.corr += 1
        head = struct.pack(">hhi", api_key, version, self.corr) + s16("sluice-restart-bench")
        msg = head + body
        self.sock.sendall(struct.pack(">i", len(msg)) + msg)
        size = struct.unpack(">i", self._recv(4))[0]
        r = Reader(self._recv(size))
        if r.i32() != self.corr:
            raise ProbeError("correlation id mismatch")
        return r

    def api_versions(self):
        r = self.call(self.API_VERSIONS, 0, b"")
        err = r.i16()
        if err != 0:
            raise ProbeError("ApiVersions error %d" % err)
        return r.array(lambda: (r.i16(), r.i16(), r.i16()))

    def metadata(self, topics):
        """{topic: {partition: (error, leader)}}, topic errors as {topic: error}."""
        body = struct.pack(">i", len(topics)) + b"".join(s16(t) for t in topics)
        r = self.call(self.METADATA, 1, body)
        r.array(lambda: (r.i32(), r.string(), r.i32(), r.string()))  # brokers
        r.i32()  # controller
        out, errors = {}, {}

        def partition():
            err, index, leader = r.i16(), r.i32(), r.i32()
            r.array(r.i32)
            r.array(r.i32)
            return index, (err, leader)

        def topic():
            err, name, _internal = r.i16(), r.string(), r.i8()
            parts = dict(r.array(partition))
            if err != 0:
                errors[name] = err
            out[name] = parts
        r.array(topic)
        return out, errors

    def latest_offsets(self, partitions_by_topic):
        """{(topic, partition): high watermark} via ListOffsets v1, timestamp -1."""
        body = struct.pack(">ii", -1, len(partitions_by_topic))
        for t, parts in partitions_by_topic.items():
            body += s16(t) + struct.pack(">i", len(parts))
            body += b"".join(struct.pack(">iq", p, -1) for p in parts)
        r = self.call(self.LIST_OFFSETS, 1, body)
        out = {}

        def topic():
            name = r.string()

            def part():
                index, err, _ts, offset = r.i32(), r.i16(), r.i64(), r.i64()
                if err != 0:
                    raise ProbeError("ListOffsets %s-%d: error %d" % (name, index, err))
                out[(name, index)] = offset
            r.array(part)
        r.array(topic)
        return out

    def fetch_one(self, topic, partition, offset, max_bytes=1 << 20):
        """Fetch v4 of one partition at `offset`: (error, high watermark, records bytes)."""
        body = struct.pack(">iiiib", -1, 0, 1, max_bytes, 0) + struct.pack(">i", 1) + s16(topic)
        body += struct.pack(">i", 1) + struct.pack(">iqi", partition, offset, max_bytes)
        r = self.call(self.FETCH, 4, body)
        r.i32()  # throttle
        result = []

        def t():
            r.string()

            def p():
                index, err, hw, _lso = r.i32(), r.i16(), r.i64(), r.i64()
                r.array(lambda: (r.i64(), r.i64()))  # aborted transactions
                records = r.bytes_()
                result.append((index, err, hw, records))
            r.array(p)
        r.array(t)
        if len(result) != 1 or result[0][0] != partition:
            raise ProbeError("Fetch answered for the wrong partition")
        return result[0][1], result[0][2], result[0][3]


def batch_covers(records, offset):
    """True when the first record batch in `records` holds `offset`."""
    if not records or len(records) < 61:
        return False
    base, _length, _epoch, magic = struct.unpack(">qiib", records[:17])
    last_delta = struct.unpack(">i", records[23:27])[0]
    return magic == 2 and base <= offset <= base + last_delta


# --------------------------------------------------------------------------
# broker process

class BrokerExited(Exception):
    pass


class Broker:
    def __init__(self, sluiced, data, port, log_path, extra):
        self.port = port
        self.log_path = log_path
        listener = "PLAINTEXT://127.0.0.1:%d" % port
        conf = [("listeners", listener), ("advertised.listeners", listener), ("log.dirs", data),
                ("node.id", "0"), ("auto.create.topics.enable", "false")] + extra
        self.argv = [sluiced]
        for k, v in conf:
            self.argv += ["--override", "%s=%s" % (k, v)]
        self.proc = None

    def start(self):
        """Execs sluiced; returns the monotonic time just before the exec."""
        log_file = open(self.log_path, "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log_file,
                                     stderr=log_file, cwd=os.path.dirname(self.log_path))
        log_file.close()
        CHILDREN.append(self.proc)
        return t0

    @property
    def pid(self):
        return self.proc.pid

    def check_alive(self):
        if self.proc.poll() is not None:
            raise BrokerExited("sluiced (pid %d) exited with %d during startup; tail of its log:\n%s"
                               % (self.proc.pid, self.proc.returncode, self.tail()))

    def tail(self, n=3000):
        return tail(self.log_path, n)

    def stop(self, timeout=120):
        """SIGTERM, wait; SIGKILL after `timeout`. Returns (seconds, exit code, killed)."""
        if self.proc is None:
            return None, None, False
        t0 = time.monotonic()
        killed = stop_process(self.proc, timeout)
        took = time.monotonic() - t0
        if self.proc in CHILDREN:
            CHILDREN.remove(self.proc)
        return took, self.proc.returncode, killed


def wait_ready(broker, t0, topics, expected_partitions, probes, timeout):
    """Polls the starting broker; returns the seconds from exec to each stage."""
    deadline = t0 + timeout
    stages = {}

    def remaining():
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("sluiced not ready within %d s (reached: %s); tail of its log:\n%s"
                               % (timeout, ", ".join(stages) or "nothing", broker.tail()))
        return left

    client = None
    while client is None:
        broker.check_alive()
        remaining()
        try:
            client = Client("127.0.0.1", broker.port, timeout=min(5.0, remaining()))
        except OSError:
            time.sleep(0.002)
    stages["listen"] = time.monotonic() - t0
    try:
        client.sock.settimeout(min(30.0, remaining()))
        client.api_versions()
        stages["api"] = time.monotonic() - t0
        while True:
            meta, errors = client.metadata(topics)
            complete = not errors and all(
                len(meta.get(t, {})) == n and all(err == 0 and leader == 0 for err, leader in meta[t].values())
                for t, n in expected_partitions.items())
            if complete:
                break
            broker.check_alive()
            remaining()
            time.sleep(0.005)
        stages["metadata"] = time.monotonic() - t0
        for (topic, partition), hw in probes:
            while True:
                err, got_hw, records = client.fetch_one(topic, partition, hw - 1)
                if err == 0 and got_hw == hw and batch_covers(records, hw - 1):
                    break
                if err == 0 and got_hw != hw:
                    raise ProbeError("%s-%d: high watermark %d after restart, %d before"
                                     % (topic, partition, got_hw, hw))
                broker.check_alive()
                remaining()
                time.sleep(0.005)
        stages["ready"] = time.monotonic() - t0
    finally:
        client.close()
    return stages


# --------------------------------------------------------------------------

def run_checked(argv, timeout, what, broker):
    """Runs a client command; fails early, with the broker's log, when the
    broker exits meanwhile."""
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out_f, stderr=err_f)
        CHILDREN.append(proc)
        deadline = time.monotonic() + timeout
        try:
            while proc.poll() is None:
                if broker.proc.poll() is not None:
                    proc.kill()
                    proc.wait()
                    tail = broker.tail()
                    if "Too many open files" in tail or "EMFILE" in tail:
                        tail = "EMFILE (too many open files). " + tail
                    raise BrokerExited("sluiced (pid %d) exited with %d during %s; tail of its log:\n%s"
                                       % (broker.pid, broker.proc.returncode, what, tail))
                if time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    err_f.seek(0)
                    raise RuntimeError("%s timed out after %d s:\n%s"
                                       % (what, timeout, err_f.read().decode(errors="replace")[-2000:]))
                time.sleep(0.2)
        finally:
            if proc in CHILDREN:
                CHILDREN.remove(proc)
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s\n%s" % (what, proc.returncode, out.decode()[-2000:],
                                                       err.decode()[-2000:]))
    return out.decode()


def spread(total, parts):
    """`total` split into `parts` near-equal integers."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def fmt_s(v):
    return "%.3f s" % v if v >= 1 else "%.0f ms" % (v * 1000) if v >= 0.01 else "%.1f ms" % (v * 1000)


def measure(args, sluiced, cli, base, result):
    data = os.path.join(base, "data")
    os.mkdir(data)
    port = free_port()
    bootstrap = "127.0.0.1:%d" % port
    extra = [tuple(p.split("=", 1)) for p in args.broker_prop]
    broker = Broker(sluiced, data, port, os.path.join(base, "sluiced.log"), extra)

    topics = ["restart-%d" % i for i in range(args.topics)]
    per_topic = dict(zip(topics, spread(args.partitions, args.topics)))
    records = int(args.gigabytes * 1e9 / args.record_size)
    per_topic_records = dict(zip(topics, spread(records, args.topics)))

    # 1. fresh broker, topics, fill
    log("starting a fresh sluiced on %s, data in %s" % (bootstrap, data))
    t0 = broker.start()
    wait_ready(broker, t0, [], {}, [], args.timeout)
    t = time.monotonic()
    for name, n in per_topic.items():
        run_checked([cli, "topics", "create", "-b", bootstrap, "-t", name, "-p", str(n),
                     "--timeout-ms", str(args.timeout * 1000)], args.timeout, "topics create " + name, broker)
    result["create_topics_s"] = time.monotonic() - t
    log("created %d topic(s), %d partitions, in %.1f s" % (len(topics), args.partitions, result["create_topics_s"]))

    t = time.monotonic()
    produced = 0
    for name in topics:
        n = per_topic_records[name]
        log("producing %d records of %d B to %s (%d partitions)" % (n, args.record_size, name, per_topic[name]))
        # Null keys with sticky partitioning off: every record goes to a random
        # partition, so every partition gets data; a long linger and 1 MB
        # batches keep the request count down.
        out = run_checked([cli, "perf", "produce", "-b", bootstrap, "-t", name, "-n", str(n),
                           "-s", str(args.record_size), "--acks", "1", "--linger-ms", "50", "--json",
                           "-X", "batch.size=1048576", "-X", "sticky.partitioning.linger.ms=0",
                           "-X", "message.timeout.ms=120000", "--timeout-ms", str(args.timeout * 1000)],
                          args.fill_timeout, "perf produce " + name, broker)
        r = json.loads(out)
        produced += r["records"]
        log("  %.1f MB/s, %d records" % (r["mb_per_sec"], r["records"]))
    result["fill_s"] = time.monotonic() - t
    result["records"] = produced

    # What every partition holds before the shutdown: the probes' expectations.
    client = Client("127.0.0.1", port, timeout=60)
    try:
        hws = client.latest_offsets({tn: list(range(n)) for tn, n in per_topic.items()})
    finally:
        client.close()
    if sum(hws.values()) != produced:
        raise RuntimeError("partitions hold %d records, %d were produced" % (sum(hws.values()), produced))
    empty = sum(1 for v in hws.values() if v == 0)
    result["empty_partitions"] = empty
    candidates = sorted(k for k, v in hws.items() if v > 0)
    rng = random.Random(args.seed)
    probes = [(k, hws[k]) for k in rng.sample(candidates, min(args.probes, len(candidates)))]
    result["rss_before_mib"] = rss_mib(broker.pid)
    result["fds_before"] = open_fds(broker.pid)

    took, code, killed = broker.stop(args.timeout)
    result["shutdown_after_fill_s"] = took
    log("filled %d records in %.1f s; shutdown took %s (exit %s%s)"
        % (produced, result["fill_s"], fmt_s(took), code, ", SIGKILLed" if killed else ""))
    if killed or code != 0:
        raise RuntimeError("sluiced did not shut down cleanly (exit %s%s); tail of its log:\n%s"
                           % (code, ", killed after %d s" % args.timeout if killed else "", broker.tail()))
    result["data_bytes"] = du_bytes(data)
    result["data_files"] = sum(len(f) for _, _, f in os.walk(data))
    log("data dir: %.2f GB in %d files" % (result["data_bytes"] / 1e9, result["data_files"]))

    # 2. restarts on the same data
    runs = []
    result["runs"] = runs
    for i in range(args.repeats):
        if args.drop_caches:
            os.sync()
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("3\n")
        run = {"loadavg": loadavg()}
        t0 = broker.start()
        try:
            run.update(wait_ready(broker, t0, topics, per_topic, probes, args.timeout))
        except (BrokerExited, TimeoutError, ProbeError, OSError) as e:
            msg = str(e)
            if "Too many open files" in msg or "EMFILE" in msg:
                msg = "EMFILE (too many open files): " + msg
            run["error"] = msg
            runs.append(run)
            broker.stop(10)
            raise RuntimeError("restart %d failed: %s" % (i + 1, msg))
        run["rss_mib"] = rss_mib(broker.pid)
        run["fds"] = open_fds(broker.pid)
        took, code, killed = broker.stop(args.timeout)
        run["shutdown_s"] = took
        runs.append(run)
        log("restart %d/%d: listen %s, api %s, metadata %s, ready %s; RSS %.1f MiB, %d fds; "
            "shutdown %s; load %s" % (i + 1, args.repeats, fmt_s(run["listen"]), fmt_s(run["api"]),
                                     fmt_s(run["metadata"]), fmt_s(run["ready"]), run["rss_mib"] or 0,
                                     run["fds"] or 0, fmt_s(took), run["loadavg"]))
        if killed or code != 0:
            raise RuntimeError("sluiced did not shut down cleanly after restart %d (exit %s)" % (i + 1, code))
    for key in ("listen", "api", "metadata", "ready", "shutdown_s", "rss_mib", "fds"):
        result[key] = summary([r[key] for r in runs])


def report(args, result):
    started = result.get("started")
    print("### Restart after a clean shutdown: %d partitions in %d topic(s), %g GB\n"
          % (args.partitions, args.topics, args.gigabytes))
    print("- Command: `/usr/bin/python3 bench/e2e/restart.py --partitions %d --topics %d --gigabytes %g "
          "--record-size %d --repeats %d%s`; %s." % (
              args.partitions, args.topics, args.gigabytes, args.record_size, args.repeats,
              " --drop-caches" if args.drop_caches else "", started))
    print("- Data: %d records of %d B, %.2f GB on disk in %d files (%d empty partitions); "
          "filled in %.0f s; creating the topics took %.1f s." % (
              result["records"], args.record_size, result["data_bytes"] / 1e9, result["data_files"],
              result["empty_partitions"], result["fill_s"], result["create_topics_s"]))
    print("- Load average during the restarts: %s (1/5/15 min, %d CPUs); page cache %s.\n" % (
        "; ".join(dict.fromkeys(r["loadavg"] for r in result["runs"])), os.cpu_count(),
        "dropped before each restart" if args.drop_caches else "warm (the data was just written)"))
    print("| from exec until | median | min | max |")
    print("|---|---:|---:|---:|")
    labels = [("listen", "the port accepts a connection"), ("api", "ApiVersions answered"),
              ("metadata", "Metadata lists all %d partitions" % args.partitions),
              ("ready", "Fetch of the last record of %d random partitions" % args.probes)]
    for key, label in labels:
        s = result[key]
        print("| %s | %s | %s | %s |" % (label, fmt_s(s["median"]), fmt_s(s["min"]), fmt_s(s["max"])))
    s = result["shutdown_s"]
    print("| shutdown (SIGTERM to exit) after a restart | %s | %s | %s |"
          % (fmt_s(s["median"]), fmt_s(s["min"]), fmt_s(s["max"])))
    print("\n- Shutdown right after the fill (SIGTERM to exit): %s." % fmt_s(result["shutdown_after_fill_s"]))
    print("- After restart: RSS %.1f MiB (median; %.1f–%.1f), %d open fds (before the shutdown: "
          "RSS %.1f MiB, %d fds)." % (result["rss_mib"]["median"], result["rss_mib"]["min"],
                                       result["rss_mib"]["max"], result["fds"]["median"],
                                       result["rss_before_mib"] or 0, result["fds_before"] or 0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--partitions", type=int, default=1000, help="partitions in all (default 1000)")
    ap.add_argument("--topics", type=int, default=1, help="spread the partitions over T topics (default 1)")
    ap.add_argument("--gigabytes", type=float, default=10, help="payload to write, 10^9 bytes (default 10)")
    ap.add_argument("--record-size", type=int, default=1024, help="value bytes per record (default 1024)")
    ap.add_argument("--repeats", type=int, default=3, help="restarts on the same data (default 3)")
    ap.add_argument("--probes", type=int, default=5, help="random partitions fetched for 'ready' (default 5)")
    ap.add_argument("--timeout", type=int, default=300, help="seconds for each startup, shutdown, request")
    ap.add_argument("--fill-timeout", type=int, default=3600, help="seconds for the fill of one topic")
    ap.add_argument("--broker-prop", action="append", default=[], metavar="KEY=VALUE",
                    help="extra sluiced property (repeatable), e.g. log.segment.bytes=104857600")
    ap.add_argument("--drop-caches", action="store_true",
                    help="drop the page cache before each restart (root; affects the whole machine)")
    ap.add_argument("--dir", default=None, help="parent of the temp dir (default: $TMPDIR or /tmp)")
    ap.add_argument("--keep-dir", action="store_true", help="keep the temp dir (data and broker log)")
    ap.add_argument("--seed", type=int, default=1, help="seed for the probe partitions")
    ap.add_argument("--json", action="store_true", help="print the results as JSON instead of markdown")
    args = ap.parse_args()
    if args.topics < 1 or args.partitions < args.topics:
        ap.error("need 1 <= --topics <= --partitions")

    sluiced = binary("SLUICED", "sluiced", "restart")
    cli = binary("SLUICE_CLI", "sluice", "restart")

    # SIGTERM to this script unwinds like Ctrl-C, so the finally below runs.
    def on_sigterm(*_):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_sigterm)

    base = tempfile.mkdtemp(prefix="sluice-restart-", dir=args.dir)
    free = shutil.disk_usage(base).free
    need = args.gigabytes * 1e9 * 1.1
    result = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "sluiced": sluiced,
              "args": vars(args), "loadavg_start": loadavg()}
    log("temp dir %s (%.0f GB free); load average %s" % (base, free / 1e9, result["loadavg_start"]))
    failed = None
    try:
        if free < need:
            raise RuntimeError("%s has %.1f GB free, need about %.1f GB" % (base, free / 1e9, need / 1e9))
        measure(args, sluiced, cli, base, result)
    except KeyboardInterrupt:
        failed = "interrupted"
    except (RuntimeError, BrokerExited, TimeoutError, ProbeError, OSError) as e:
        failed = str(e)
    finally:
        for proc in list(CHILDREN):
            stop_process(proc, 30)
        if args.keep_dir:
            log("kept %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    result["loadavg_end"] = loadavg()
    print_result(args, result, report, failed, log)


if __name__ == "__main__":
    main()
