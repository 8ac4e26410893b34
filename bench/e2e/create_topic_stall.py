#!/usr/bin/python3
"""How long creating a topic of many partitions holds up the I/O thread.

A second connection sends ApiVersions round trips (one every millisecond)
while CreateTopics makes a topic of `--partitions` (1,000) partitions; the
longest round trip is how long the broker answered nobody. The broker is
traced (`strace -f -e trace=fsync`) to count fsyncs per thread: they
belong on the background thread, not the I/O thread.

    /usr/bin/python3 bench/e2e/create_topic_stall.py --binary before=/tmp/old/sluiced --binary after=build/bin/sluiced
    /usr/bin/python3 bench/e2e/create_topic_stall.py --rounds 5 --partitions 2000

Each binary gets a fresh data dir and `--rounds` (3) topics; the figures
are per topic. Needs confluent-kafka (Debian's /usr/bin/python3) and strace.
"""
import argparse
import collections
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka.admin import AdminClient, NewTopic

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=20):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("broker did not listen on %d" % port)


class Pinger:
    """ApiVersions v0 round trips on a raw socket; remembers the longest."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        body = struct.pack(">hhi", 18, 0, 1) + struct.pack(">h", 4) + b"ping"
        self.frame = struct.pack(">i", len(body)) + body
        self.worst = 0.0
        self.stop = False
        self.thread = threading.Thread(target=self.run)

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("broker closed the connection")
            data += chunk
        return data

    def run(self):
        while not self.stop:
            start = time.monotonic()
            self.sock.sendall(self.frame)
            size = struct.unpack(">i", self.recv_exact(4))[0]
            self.recv_exact(size)
            self.worst = max(self.worst, time.monotonic() - start)
            time.sleep(0.001)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop = True
        self.thread.join()  # the last round trip counts too
        self.sock.close()


def run_binary(label, binary, args):
    data = tempfile.mkdtemp(prefix="sluice-create-stall-")
    port = free_port()
    broker = subprocess.Popen([binary, "--override", "listeners=PLAINTEXT://127.0.0.1:%d" % port,
                               "--override", "log.dirs=" + os.path.join(data, "logs"),
                               "--override", "http.listeners=", "--override", "schema.registry.listeners="],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    trace_file = os.path.join(data, "fsync.trace")
    tracer = None
    try:
        wait_port(port)
        tracer = subprocess.Popen(["strace", "-f", "-e", "trace=fsync", "-o", trace_file, "-p", str(broker.pid)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        admin = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % port})
        admin.list_topics(timeout=10)
        rows = []
        for r in range(args.rounds):
            with Pinger(port) as pinger:
                time.sleep(0.2)
                pinger.worst = 0.0
                start = time.monotonic()
                futures = admin.create_topics([NewTopic("stall-%d" % r, args.partitions, 1)], operation_timeout=120)
                for f in futures.values():
                    f.result(180)
                took = time.monotonic() - start
            rows.append((took, pinger.worst))
        tracer.send_signal(signal.SIGINT)
        tracer.wait(10)
        tracer = None
        per_thread = collections.Counter()
        with open(trace_file) as f:
            for line in f:
                if "fsync(" in line:
                    per_thread[line.split()[0]] += 1
        return rows, sorted(per_thread.values(), reverse=True)
    finally:
        if tracer is not None:
            tracer.kill()
        broker.send_signal(signal.SIGTERM)
        try:
            broker.wait(30)
        except subprocess.TimeoutExpired:
            broker.kill()
        shutil.rmtree(data, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", action="append", default=[],
                    help="label=path of a sluiced (repeatable; default this tree's build/bin/sluiced)")
    ap.add_argument("--partitions", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    binaries = [b.split("=", 1) for b in args.binary] or [["build", os.path.join(ROOT, "build", "bin", "sluiced")]]
    print("| binary | round | CreateTopics took | longest ApiVersions round trip meanwhile |")
    print("|---|---:|---:|---:|")
    threads = {}
    for label, path in binaries:
        rows, per_thread = run_binary(label, path, args)
        for i, (took, worst) in enumerate(rows):
            print("| %s | %d | %.2f s | %.0f ms |" % (label, i + 1, took, worst * 1000))
        threads[label] = per_thread
    for label, counts in threads.items():
        print("%s: fsyncs per broker thread over all rounds: %s" % (label, ", ".join(map(str, counts)) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
