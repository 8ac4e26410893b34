#!/usr/bin/env python3
"""Runs librdkafka's own test suite against Sluice, one test number per
process, each against a fresh sluiced on a free port.

    tests/conformance/run_librdkafka_suite.py --librdkafka /path/to/librdkafka \
        [--sluiced build/bin/sluiced] [--only 0011,0092] [--timeout 300] \
        [--group-protocol classic|consumer] [--json results.json]

The librdkafka checkout must be built (`./configure --disable-gssapi &&
make libs && make -C tests build`); its runner is started with the
checkout's own libraries. Which test numbers run: every entry of
tests/test.c that needs a broker, no socket emulation and nobody watching
(what `-L -E` selects, less the manual tests). The runner is called with
`-L -E -Q` and TEST_KAFKA_VERSION=3.9.0, so tests that need another broker
version skip themselves; the broker auto-creates topics with 4 partitions,
as the clusters librdkafka's own tooling starts do. KAFKA_PATH is this
repository's tools/kafka (Kafka's scripts, running the sluice built beside
--sluiced); the tests that manage ACLs with kafka-acls.sh get a broker with
an authorizer (AUTHORIZER_TESTS). Tests that create topics with replication
factor 3 (CLUSTER_TESTS), or every test with --brokers N, run against an
etcd and that many brokers (Debian's etcd-server).

Prints one line per test (PASSED, FAILED, SKIPPED or TIMEOUT, with the
seconds it took) and a closing "N passed, N failed, N skipped" line; exits
non-zero when any test failed. Logs of each run (the runner's output and the
broker's stderr) are kept in --logs.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
KAFKA_VERSION = "3.9.0"

# Tests that add ACLs with kafka-acls.sh and expect them enforced: their
# broker runs an authorizer that lets everyone do what no ACL mentions, so
# the anonymous test clients may create the ACLs and a DENY still bites
# (a super user would bypass it).
AUTHORIZER_TESTS = {"0081", "0109", "0115", "0119"}
# Tests that create topics with replication factor 3: a single broker
# refuses them (as Kafka does), so they run against etcd and three brokers.
CLUSTER_TESTS = {"0103"}

AUTHORIZER_OVERRIDES = ["authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                        "allow.everyone.if.no.acl.found=true"]


def broker_test_numbers(librdkafka):
    """Test numbers of tests/test.c's table that need a broker and neither
    socket emulation nor a person watching (manual tests)."""
    text = open(os.path.join(librdkafka, "tests", "test.c"), encoding="utf-8").read()
    numbers = []
    for m in re.finditer(r"_TEST\(\s*(\d{4})_\w+\s*,\s*([^,)]*)", text):
        flags = m.group(2)
        if "TEST_F_LOCAL" in flags or "TEST_F_SOCKEM" in flags or "TEST_F_MANUAL" in flags:
            continue
        if m.group(1) not in numbers:
            numbers.append(m.group(1))
    return numbers


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, deadline):
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def verdict(output, returncode, number):
    """The runner's closing table has a row per test (a number can have
    several, e.g. a mock variant): any FAILED row fails it, else any PASSED
    row passes it; a number whose rows all say SKIPPED was skipped."""
    rows = re.findall(r"\|\S*\s+%s_\w*\s+\|\s+(PASSED|FAILED|SKIPPED|RUNNING)" % number, output)
    if "FAILED" in rows or "RUNNING" in rows or returncode not in (0, None):
        return "FAILED"
    if "PASSED" in rows:
        return "PASSED"
    if rows:
        return "SKIPPED"
    return "FAILED"


class Etcd:
    """A single-node etcd on free ports in `data`, for cluster runs."""

    def __init__(self, data, log):
        self.url = "http://127.0.0.1:%d" % free_port()
        peer = "http://127.0.0.1:%d" % free_port()
        self.port = int(self.url.rsplit(":", 1)[1])
        self.proc = subprocess.Popen(
            ["etcd", "--name", "conf", "--data-dir", os.path.join(data, "etcd"),
             "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", "conf=" + peer],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=data)


def start_brokers(number, args, data, log):
    """One broker, or for CLUSTER_TESTS (and --brokers N) an etcd and N
    brokers on it. Returns (processes, bootstrap, why-not-started)."""
    count = max(args.brokers, 3 if number in CLUSTER_TESTS else 1)
    procs, ports = [], []
    common = ["--override", "num.partitions=4", "--override", "http.listeners=",
              "--override", "schema.registry.listeners="]
    # The broker is configured as the Kafka 3.9 the suite is told it talks
    # to: the consumer group protocol (and with it GROUP config resources,
    # which 0081 expects refused with INVALID_REQUEST) only when asked for.
    protocols = "classic,consumer" if args.group_protocol == "consumer" else "classic"
    common += ["--override", "group.coordinator.rebalance.protocols=" + protocols]
    for o in (AUTHORIZER_OVERRIDES if number in AUTHORIZER_TESTS else []) + args.override:
        common += ["--override", o]
    if count > 1:
        if shutil.which("etcd") is None:
            return procs, "", "etcd is not installed (Debian: etcd-server)"
        etcd = Etcd(data, log)
        procs.append(etcd.proc)
        if not wait_listening(etcd.port, etcd.proc, time.monotonic() + 20):
            return procs, "", "etcd did not start"
        common += ["--override", "metadata.etcd.endpoints=" + etcd.url,
                   "--override", "metadata.etcd.session.timeout.ms=3000"]
    for i in range(count):
        port = free_port()
        listener = "PLAINTEXT://127.0.0.1:%d" % port
        argv = [args.sluiced, "--override", "listeners=" + listener, "--override",
                "advertised.listeners=" + listener, "--override",
                "log.dirs=" + os.path.join(data, "broker-%d" % i), "--override", "node.id=%d" % i] + common
        procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))
        ports.append(port)
    deadline = time.monotonic() + 30
    for port, proc in zip(ports, procs[len(procs) - count:]):
        if not wait_listening(port, proc, deadline):
            return procs, "", "broker did not start"
    return procs, ",".join("127.0.0.1:%d" % p for p in ports), ""


def run_one(number, args, logs):
    data = tempfile.mkdtemp(prefix="sluice-conf-%s-" % number)
    broker_log = open(os.path.join(logs, "%s.broker.log" % number), "w")
    started = time.monotonic()
    procs = []
    try:
        procs, bootstrap, why = start_brokers(number, args, data, broker_log)
        if why:
            return "FAILED", 0.0, why
        tests_dir = os.path.join(args.librdkafka, "tests")
        conf = os.path.join(data, "test.conf")
        with open(conf, "w") as f:
            f.write("bootstrap.servers=%s\n" % bootstrap)
        # The runner links librdkafka dynamically: use the checkout's build,
        # not whatever librdkafka the system has.
        libs = [os.path.join(args.librdkafka, "src"), os.path.join(args.librdkafka, "src-cpp")]
        env = dict(os.environ, RDKAFKA_TEST_CONF=conf, TEST_KAFKA_VERSION=KAFKA_VERSION, TESTS=number,
                   LD_LIBRARY_PATH=":".join(libs + [os.environ.get("LD_LIBRARY_PATH", "")]))
        env.pop("KAFKA_PATH", None)
        if args.kafka_path:
            env["KAFKA_PATH"] = args.kafka_path
            env["BROKERS"] = bootstrap
            # The scripts run `sluice kafka-compat`: the one built with this sluiced.
            cli = os.path.join(os.path.dirname(os.path.abspath(args.sluiced)), "sluice")
            if os.access(cli, os.X_OK):
                env["SLUICE_CLI"] = cli
        if args.group_protocol:
            env["TEST_CONSUMER_GROUP_PROTOCOL"] = args.group_protocol
        cmd = ["./test-runner", "-L", "-E", "-Q"]
        try:
            p = subprocess.run(cmd, cwd=tests_dir, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=args.timeout)
            output, code = p.stdout.decode("utf-8", "replace"), p.returncode
            result = verdict(output, code, number)
        except subprocess.TimeoutExpired as e:
            output = (e.stdout or b"").decode("utf-8", "replace")
            result = "TIMEOUT"
        with open(os.path.join(logs, "%s.runner.log" % number), "w") as f:
            f.write(output)
        exited = [p for p in procs if p.poll() is not None]
        if exited:
            result, why = "FAILED", "a process it started exited with %s" % exited[0].returncode
        return result, time.monotonic() - started, why
    finally:
        # Brokers first, etcd (the first process of a cluster run) last.
        for proc in reversed(procs):
            stop(proc)
        broker_log.close()
        shutil.rmtree(data, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--librdkafka", required=True, help="a built librdkafka checkout")
    ap.add_argument("--sluiced", default=os.path.join(ROOT, "build", "bin", "sluiced"))
    ap.add_argument("--only", default="", help="comma-separated test numbers")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per test number")
    ap.add_argument("--group-protocol", choices=["classic", "consumer"])
    ap.add_argument("--kafka-path", default=os.path.join(ROOT, "tools", "kafka"),
                    help="KAFKA_PATH for the tests that run Kafka's scripts (default: this repository's "
                         "tools/kafka, whose bin/kafka-*.sh run the sluice next to --sluiced; '' for none)")
    ap.add_argument("--brokers", type=int, default=1,
                    help="brokers per test (more than one: on an etcd; CLUSTER_TESTS always get three)")
    ap.add_argument("--override", action="append", default=[], help="extra broker property key=value")
    ap.add_argument("--logs", default=os.path.join(tempfile.gettempdir(), "sluice-conformance"))
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    runner = os.path.join(args.librdkafka, "tests", "test-runner")
    if not os.access(runner, os.X_OK):
        sys.exit("no %s: build it with `make libs && make -C tests build`" % runner)
    if not os.access(args.sluiced, os.X_OK):
        sys.exit("no sluiced at %s" % args.sluiced)
    os.makedirs(args.logs, exist_ok=True)

    numbers = broker_test_numbers(args.librdkafka)
    if args.only:
        wanted = set(args.only.split(","))
        numbers = [n for n in numbers if n in wanted]
    results = {}
    for n in numbers:
        result, seconds, why = run_one(n, args, args.logs)
        results[n] = {"result": result, "seconds": round(seconds, 1), "note": why}
        print("%s %-7s %6.1fs %s" % (n, result, seconds, why), flush=True)

    counts = {k: sum(1 for r in results.values() if r["result"] == k)
              for k in ("PASSED", "FAILED", "SKIPPED", "TIMEOUT")}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
    print("logs in %s" % args.logs)
    print("%d passed, %d failed, %d skipped" % (counts["PASSED"], counts["FAILED"] + counts["TIMEOUT"],
                                                counts["SKIPPED"]))
    return 1 if counts["FAILED"] + counts["TIMEOUT"] else 0


if __name__ == "__main__":
    sys.exit(main())
