#!/usr/bin/python3
"""Replication's cost and failover time on a three-broker cluster.

Starts etcd and three `sluiced` on loopback (free ports, temp dirs; every
process stopped by PID at the end, also on errors), then measures with
`sluice perf` (librdkafka):

  A  1 KB lz4 produce throughput, 8 partitions: acks=all to RF=3
     (min.insync.replicas=2) against acks=1 to RF=1, in the same run;
  B  produce latency at 10,000 msg/s, 100 B, linger.ms=0: the same pair;
  C  end-to-end latency at 2,000 msg/s, acks=all, RF=3;
  F  failover: kill -9 of a partition's leader while a confluent-kafka
     producer sends acks=all every millisecond; the time from the kill to
     the first acknowledged record after it (necessarily on the new
     leader), split into "the controller names a new leader" (the new
     leader's log line) and "the client finds it". Median of --failovers.

Each figure is printed as a table row; --json also prints the raw figures.
The broker binary is $SLUICED (else build/bin/sluiced), the CLI $SLUICE_CLI
(else build/bin/sluice).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from e2e_common import ROOT, Proc, free_port, port_open, wait_until


def log(msg):
    print("[cluster-bench] %s" % msg, file=sys.stderr, flush=True)


class Cluster:
    def __init__(self, tmp, sluiced, session_ms):
        self.tmp = tmp
        cport, pport = free_port(), free_port()
        client, peer = "http://127.0.0.1:%d" % cport, "http://127.0.0.1:%d" % pport
        self.etcd = Proc("etcd", ["etcd", "--name", "b", "--data-dir", os.path.join(tmp, "etcd"),
                                  "--listen-client-urls", client, "--advertise-client-urls", client,
                                  "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                                  "--initial-cluster", "b=" + peer], tmp)
        self.etcd_port = cport
        self.brokers = []
        for i in range(3):
            port = free_port()
            data = os.path.join(tmp, "data-%d" % i)
            os.makedirs(data)
            argv = [sluiced]
            for k, v in {"listeners": "PLAINTEXT://127.0.0.1:%d" % port,
                         "advertised.listeners": "PLAINTEXT://127.0.0.1:%d" % port,
                         "log.dirs": data, "node.id": str(i), "metadata.etcd.endpoints": client,
                         "metadata.etcd.session.timeout.ms": str(session_ms),
                         "offsets.topic.num.partitions": "3", "http.listeners": "",
                         "schema.registry.listeners": ""}.items():
                argv += ["--override", "%s=%s" % (k, v)]
            b = Proc("sluiced-%d" % i, argv, tmp)
            b.port, b.node = port, i
            self.brokers.append(b)

    def start(self):
        self.etcd.start()
        wait_until(lambda: port_open(self.etcd_port), 20, "etcd")
        for b in self.brokers:
            b.start()
        for b in self.brokers:
            wait_until(lambda: port_open(b.port), 20, b.name)
        wait_until(lambda: len(self.metadata().brokers) == 3, 20, "three brokers registered")

    def bootstrap(self):
        return ",".join("127.0.0.1:%d" % b.port for b in self.brokers if b.running())

    def metadata(self, topic=None):
        from confluent_kafka.admin import AdminClient
        return AdminClient({"bootstrap.servers": self.bootstrap()}).list_topics(topic, timeout=10)

    def partition(self, topic, p=0):
        return self.metadata(topic).topics[topic].partitions[p]

    def stop(self):
        for b in self.brokers:
            b.stop()
        self.etcd.stop()


def cli(cluster, *args, timeout=900):
    argv = [os.environ.get("SLUICE_CLI") or os.path.join(ROOT, "build", "bin", "sluice")] + [str(a) for a in args]
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if cp.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(argv), cp.stderr.decode()[-2000:]))
    return cp.stdout


def create(cluster, topic, partitions, rf, *configs):
    args = ["topics", "create", "-b", cluster.bootstrap().split(",")[0], "-t", topic, "-p", partitions, "-r", rf]
    for c in configs:
        args += ["-c", c]
    cli(cluster, *args)
    wait_until(lambda: all(p.leader >= 0 and len(p.isrs) == rf
                           for p in cluster.metadata(topic).topics[topic].partitions.values()),
               30, "leaders and full ISRs for " + topic)


def perf(cluster, mode, topic, *args):
    out = cli(cluster, "perf", mode, "-b", cluster.bootstrap(), "-t", topic, "--json", *args)
    return json.loads(out)


def pairs(cluster, n_tput, n_lat, figures):
    create(cluster, "rf3", 8, 3, "min.insync.replicas=2")
    create(cluster, "rf1", 8, 1)
    for name, topic, acks in (("acks=all RF=3", "rf3", "all"), ("acks=1 RF=1", "rf1", "1")):
        log("A: 1 KB lz4 throughput, %s" % name)
        r = perf(cluster, "produce", topic, "-n", n_tput, "-s", 1024, "--acks", acks, "--compression", "lz4")
        figures["A %s MB/s" % name] = r["mb_per_sec"]
    create(cluster, "lat3", 1, 3, "min.insync.replicas=2")
    create(cluster, "lat1", 1, 1)
    for name, topic, acks in (("acks=all RF=3", "lat3", "all"), ("acks=1 RF=1", "lat1", "1")):
        log("B: produce latency at 10,000 msg/s, %s" % name)
        r = perf(cluster, "produce", topic, "-n", n_lat, "-s", 100, "--acks", acks, "--rate", 10000,
                 "--linger-ms", 0)
        for q in ("p50", "p99", "p999"):
            figures["B %s %s ms" % (name, q)] = r["latency_us"][q] / 1000.0
    create(cluster, "e2e3", 1, 3, "min.insync.replicas=2")
    log("C: end-to-end latency at 2,000 msg/s, acks=all RF=3")
    r = perf(cluster, "e2e", "e2e3", "-n", max(n_lat // 5, 1000), "-s", 100, "--acks", "all", "--rate", 2000,
             "--linger-ms", 0)
    for q in ("p50", "p99", "p999"):
        figures["C acks=all RF=3 e2e %s ms" % q] = r["latency_us"][q] / 1000.0


LEADING = re.compile(rb"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\] \w+ leading (\S+)-0 at epoch (\d+)$", re.M)


def log_seconds(stamp):
    """spdlog's '2026-12-06 21:37:19.518' (local time) as seconds since the epoch."""
    whole, ms = stamp.split(".")
    return time.mktime(time.strptime(whole, "%Y-%m-%d %H:%M:%S")) + int(ms) / 1000.0


def leader_line_time(broker, topic, epoch):
    """Wall time of the broker's first 'leading TOPIC-0 at epoch >= N' line."""
    with open(broker.log_path, "rb") as f:
        for m in LEADING.finditer(f.read()):
            if m.group(2).decode() == topic and int(m.group(3)) >= epoch:
                return log_seconds(m.group(1).decode())
    return None


def failover_once(cluster, topic):
    from confluent_kafka import Producer
    create(cluster, topic, 1, 3, "min.insync.replicas=2")
    before = cluster.partition(topic)
    leader = next(b for b in cluster.brokers if b.node == before.leader)
    acked = []  # (sent, acknowledged) wall times
    p = Producer({"bootstrap.servers": cluster.bootstrap(), "acks": "all", "linger.ms": 0,
                  "message.timeout.ms": 60000, "retry.backoff.ms": 20, "topic.metadata.refresh.interval.ms": 1000,
                  "socket.timeout.ms": 3000})

    def send():
        sent = time.time()
        p.produce(topic, b"x" * 100,
                  on_delivery=lambda err, _m: acked.append((sent, time.time())) if err is None else None)
        p.poll(0.001)

    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        send()
    killed_at = time.time()
    leader.kill9()
    # Only a record sent after the kill counts: it can be acknowledged by
    # the new leader alone (an earlier one may be the old leader's answer
    # read late).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(s > killed_at for s, _ in acked):
        send()
    p.flush(30)
    first = min((a for s, a in acked if s > killed_at), default=None)
    if first is None:
        raise RuntimeError("no acknowledgement within 60 s of the kill")
    new = cluster.partition(topic)
    named = leader_line_time(next(b for b in cluster.brokers if b.node == new.leader), topic, 1)
    leader.start()
    wait_until(lambda: port_open(leader.port), 20, leader.name)
    wait_until(lambda: len(cluster.partition(topic).isrs) == 3, 60, "the ISR whole again")
    return first - killed_at, (named - killed_at) if named else None


def failovers(cluster, n, figures):
    total, named = [], []
    for i in range(n):
        t, e = failover_once(cluster, "failover-%d" % i)
        log("F: round %d: first ack %.0f ms after the kill, new leader named after %s ms" % (
            i + 1, t * 1000, "%.0f" % (e * 1000) if e is not None else "?"))
        total.append(t * 1000)
        if e is not None:
            named.append(e * 1000)
    figures["F kill -9 to first ack, median ms"] = statistics.median(total)
    figures["F kill -9 to first ack, min ms"] = min(total)
    figures["F kill -9 to first ack, max ms"] = max(total)
    if named:
        figures["F kill -9 to new leader named, median ms"] = statistics.median(named)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small counts and 2 failovers: a smoke run")
    ap.add_argument("--failovers", type=int, default=10)
    ap.add_argument("--session-ms", type=int, default=6000, help="metadata.etcd.session.timeout.ms")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if shutil.which("etcd") is None:
        sys.exit("etcd is not installed (Debian: etcd-server; `make cluster` installs it)")
    sluiced = os.environ.get("SLUICED") or os.path.join(ROOT, "build", "bin", "sluiced")
    tmp = tempfile.mkdtemp(prefix="sluice-cluster-bench-")
    cluster = Cluster(tmp, sluiced, args.session_ms)
    figures = {}
    try:
        cluster.start()
        if not args.skip_throughput:
            pairs(cluster, 20000 if args.quick else 1000000, 5000 if args.quick else 100000, figures)
        failovers(cluster, 2 if args.quick else args.failovers, figures)
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("| figure | value |\n|---|---:|")
    for k, v in figures.items():
        print("| %s | %.3g |" % (k, v) if isinstance(v, float) else "| %s | %s |" % (k, v))
    if args.json:
        print(json.dumps(figures), file=sys.stderr)


if __name__ == "__main__":
    main()
