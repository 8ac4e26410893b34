#!/usr/bin/python3
"""Consumer-group rebalance latency against a fresh sluiced.

For each group size N (default 10 and 100): start a broker (own free port,
own temp dir, group.initial.rebalance.delay.ms=0), create a topic with 100
partitions, start N confluent-kafka consumers (threads of this process,
partition.assignment.strategy=range, session.timeout.ms=10000,
heartbeat.interval.ms=500) in one group and wait until the group is stable
(every member has an assignment, together they cover every partition
exactly once). Then, per repetition:

  1. close() ONE member (LeaveGroup);
  2. measure from the moment that close() returned until every one of the
     N-1 remaining members has been handed its new assignment (on_assign)
     and those assignments again cover every partition exactly once;
  3. start a new member to get back to N and wait until stable again
     (not measured).

Prints median / min / max in ms per N as a table, or JSON with --json.
Run with the system Python (confluent-kafka is installed for it):

    /usr/bin/python3 bench/e2e/rebalance_latency.py [--members 10,100] [--repeats 5] [--json]

The broker binary is $SLUICED, else build/bin/sluiced. The broker is always
stopped (SIGTERM, then SIGKILL) and its temp dir removed, also on errors
and Ctrl-C.
"""

import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from e2e_common import BIN, free_port, stop_process, tail, wait_listening


SESSION_MS = 10000
HEARTBEAT_MS = 500


# --------------------------------------------------------------------------
# broker

class Broker:
    def __init__(self, binary, overrides):
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix="sluice-bench-rebalance-")
        self.port = free_port()
        self.overrides = overrides
        self.proc = None
        self.log = os.path.join(self.tmp, "sluiced.log")
        atexit.register(self.stop)

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    def start(self, timeout=15):
        listener = "PLAINTEXT://127.0.0.1:%d" % self.port
        conf = {"listeners": listener, "advertised.listeners": listener,
                "log.dirs": os.path.join(self.tmp, "data"), "node.id": "0"}
        conf.update(self.overrides)
        argv = [self.binary]
        for k, v in conf.items():
            argv += ["--override", "%s=%s" % (k, v)]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         cwd=self.tmp)
        wait_listening(self.proc, self.port, timeout, "sluiced", log_path=self.log)
        return self

    def tail(self, n=3000):
        return tail(self.log, n)

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc, 10)
        shutil.rmtree(self.tmp, ignore_errors=True)


# --------------------------------------------------------------------------
# members

class Member(threading.Thread):
    """One confluent-kafka consumer polling in its own thread; records every
    on_assign (time, partitions)."""

    def __init__(self, bootstrap, group, topic, name):
        super().__init__(name=name, daemon=True)
        self.conf = {"bootstrap.servers": bootstrap, "group.id": group, "client.id": name,
                     "partition.assignment.strategy": "range",
                     "session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": HEARTBEAT_MS,
                     "enable.auto.commit": False, "auto.offset.reset": "latest",
                     "fetch.wait.max.ms": 500, "socket.timeout.ms": 10000}
        self.topic = topic
        self.lock = threading.Lock()
        self.assigns = []        # (monotonic time, frozenset(partitions))
        self.stop_flag = threading.Event()
        self.close_called = None
        self.closed_at = None
        self.error = None

    def _on_assign(self, consumer, partitions):
        with self.lock:
            self.assigns.append((time.monotonic(), frozenset(p.partition for p in partitions)))

    def last_assign(self):
        with self.lock:
            return self.assigns[-1] if self.assigns else None

    def run(self):
        from confluent_kafka import Consumer
        c = None
        try:
            c = Consumer(self.conf)
            c.subscribe([self.topic], on_assign=self._on_assign)
            while not self.stop_flag.is_set():
                m = c.poll(0.1)
                if m is not None and m.error() and m.error().fatal():
                    raise RuntimeError(str(m.error()))
        except Exception as e:  # noqa: BLE001 - reported by the driver
            self.error = e
        finally:
            if c is not None:
                self.close_called = time.monotonic()
                c.close()
                self.closed_at = time.monotonic()

    def close(self, timeout=60):
        self.stop_flag.set()
        self.join(timeout)
        if self.is_alive():
            raise RuntimeError("%s: close() did not return within %d s" % (self.name, timeout))


def wait_stable(members, partitions, after, timeout):
    """Wait until every member had an on_assign after `after` and the
    latest assignments cover range(partitions) exactly once. Returns the
    time of the latest of those on_assign calls."""
    deadline = time.monotonic() + timeout
    want = set(range(partitions))
    while True:
        for m in members:
            if m.error is not None:
                raise RuntimeError("%s failed: %r" % (m.name, m.error))
        lasts = [m.last_assign() for m in members]
        if all(la is not None and la[0] > after for la in lasts):
            total = sum(len(la[1]) for la in lasts)
            union = set().union(*(la[1] for la in lasts))
            if total == partitions and union == want:
                return max(la[0] for la in lasts)
        if time.monotonic() > deadline:
            have = sum(1 for la in lasts if la is not None and la[0] > after)
            raise RuntimeError("group of %d not stable within %d s (%d have a new assignment)"
                               % (len(members), timeout, have))
        time.sleep(0.002)


def create_topic(bootstrap, topic, partitions):
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": bootstrap})
    fs = a.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                         request_timeout=15)
    fs[topic].result(20)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        t = a.list_topics(timeout=5).topics.get(topic)
        if t is not None and t.error is None and len(t.partitions) == partitions and \
                all(p.leader >= 0 for p in t.partitions.values()):
            return
        time.sleep(0.1)
    raise RuntimeError("topic %s not ready" % topic)


def measure(binary, n, partitions, repeats, timeout, log):
    broker = Broker(binary, {"group.initial.rebalance.delay.ms": "0",
                             "num.partitions": "1"}).start()
    members = []
    seq = [0]

    def new_member():
        seq[0] += 1
        m = Member(broker.bootstrap, group, topic, "member-%03d" % seq[0])
        m.start()
        members.append(m)
        return m

    try:
        topic, group = "rebalance-%d" % n, "bench-group-%d" % n
        create_topic(broker.bootstrap, topic, partitions)
        t0 = time.monotonic()
        for _ in range(n):
            new_member()
        wait_stable(members, partitions, 0, timeout)
        log("N=%d: group stable after %.1f s" % (n, time.monotonic() - t0))
        samples, close_ms = [], []
        for i in range(repeats):
            leaver = members.pop(0)
            leaver.close()
            closed = leaver.closed_at
            close_ms.append((leaver.closed_at - leaver.close_called) * 1000)
            done = wait_stable(members, partitions, leaver.close_called, timeout)
            ms = (done - closed) * 1000
            samples.append(ms)
            log("N=%d run %d: %s left (close() took %.0f ms); %d members rebalanced in %.1f ms"
                % (n, i + 1, leaver.name, close_ms[-1], len(members), ms))
            joined = time.monotonic()
            new_member()
            wait_stable(members, partitions, joined, timeout)
        return {"members": n, "partitions": partitions, "runs": len(samples),
                "median_ms": round(statistics.median(samples), 1),
                "min_ms": round(min(samples), 1), "max_ms": round(max(samples), 1),
                "samples_ms": [round(s, 1) for s in samples],
                "close_median_ms": round(statistics.median(close_ms), 1)}
    except Exception:
        sys.stderr.write(broker.tail() + "\n")
        raise
    finally:
        for m in members:
            m.stop_flag.set()
        for m in members:
            try:
                m.close(30)
            except RuntimeError as e:
                log(str(e))
        broker.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", default="10,100",
                    help="comma-separated group sizes (default 10,100)")
    ap.add_argument("--partitions", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=120,
                    help="seconds to wait for any one rebalance")
    ap.add_argument("--sluiced", default=os.environ.get("SLUICED")
                    or os.path.join(BIN, "sluiced"))
    ap.add_argument("--json", action="store_true", help="print results as JSON")
    args = ap.parse_args(argv)
    if not os.access(args.sluiced, os.X_OK):
        ap.error("sluiced binary not found: %s (set SLUICED or --sluiced)" % args.sluiced)

    def log(msg):
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    results = [measure(args.sluiced, int(n), args.partitions, args.repeats, args.timeout, log)
               for n in args.members.split(",")]
    if args.json:
        print(json.dumps({"benchmark": "rebalance_latency", "strategy": "range",
                          "session_timeout_ms": SESSION_MS, "heartbeat_interval_ms": HEARTBEAT_MS,
                          "results": results}, indent=2))
    else:
        print("rebalance latency after one member leaves (range assignor, %d partitions, "
              "heartbeat.interval.ms=%d)" % (args.partitions, HEARTBEAT_MS))
        print("%8s %5s %10s %10s %10s %16s" % ("members", "runs", "median ms", "min ms",
                                               "max ms", "close() median"))
        for r in results:
            print("%8d %5d %10.1f %10.1f %10.1f %16.1f" % (
                r["members"], r["runs"], r["median_ms"], r["min_ms"], r["max_ms"],
                r["close_median_ms"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
