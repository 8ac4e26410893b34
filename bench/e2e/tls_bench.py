#!/usr/bin/python3
"""Produce and consume throughput over SSL and SASL_SSL against PLAINTEXT,
one broker, same run.

Starts one sluiced with a PLAINTEXT, an SSL and a SASL_SSL listener (a
self-signed certificate made with `openssl` in the temp dir; SASL_SSL logs
in with SCRAM-SHA-512 as a user created with `sluice users set-scram`), then,
for each round and
each listener in turn, runs `sluice perf produce` (1 KB records, acks=1, one
partition, max rate) into a topic of its own and `sluice perf consume` of
that topic from the beginning (the data is in the page cache, so a
PLAINTEXT fetch is all sendfile and an SSL fetch is pread + encryption).
Reports the median MB/s and the broker's CPU seconds per GB of each.

    /usr/bin/python3 bench/e2e/tls_bench.py              # 300,000 records, 3 rounds
    /usr/bin/python3 bench/e2e/tls_bench.py --quick      # smoke run
    /usr/bin/python3 bench/e2e/tls_bench.py --json
    /usr/bin/python3 bench/e2e/tls_bench.py --baseline /path/to/older/sluiced

--baseline also runs the PLAINTEXT workloads against another sluiced binary
(started on its own, alternating with this one), to check that the TLS work
left the plaintext path as fast as it was.

Binaries: $SLUICED, $SLUICE_CLI, else build/bin/*.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import shutil

from e2e_common import Proc, binary, cpu_seconds, free_port

CONSUME_ARGS = ("-X", "queued.max.messages.kbytes=2097151")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def make_certificate(tmp):
    key, cert = os.path.join(tmp, "server.key"), os.path.join(tmp, "server.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    keystore = os.path.join(tmp, "keystore.pem")
    with open(keystore, "w") as out:
        out.write(open(key).read() + open(cert).read())
    return keystore, cert


def perf(cli, mode, bootstrap, topic, *args):
    argv = [cli, "perf", mode, "-b", bootstrap, "-t", topic, "--json"] + [str(a) for a in args]
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    if cp.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(argv), cp.returncode, cp.stderr.decode()[-2000:]))
    return json.loads(cp.stdout)


def measure(cli, broker, bootstrap, topic, n, extra):
    cpu0 = cpu_seconds(broker.pid)
    r = perf(cli, "produce", bootstrap, topic, "-n", n, "-s", 1024, "--acks", 1, "--partitions", 1, *extra)
    produce = {"mbps": r["mb_per_sec"], "cpu_per_gb": (cpu_seconds(broker.pid) - cpu0) / (r["bytes"] / 1e9)}
    cpu0 = cpu_seconds(broker.pid)
    r = perf(cli, "consume", bootstrap, topic, "-n", n, *CONSUME_ARGS, *extra)
    consume = {"mbps": r["mb_per_sec"], "cpu_per_gb": (cpu_seconds(broker.pid) - cpu0) / (r["bytes"] / 1e9)}
    return {"produce": produce, "consume": consume}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--count", type=int, default=300_000)
    ap.add_argument("--baseline", help="another sluiced binary to run the PLAINTEXT workloads against")
    args = ap.parse_args()
    n = 30_000 if args.quick else args.count
    rounds = 1 if args.quick else args.rounds
    sluiced = binary("SLUICED", "sluiced", "tls_bench")
    cli = binary("SLUICE_CLI", "sluice", "tls_bench")

    tmp = tempfile.mkdtemp(prefix="sluice-tls-bench-")
    brokers = []
    try:
        keystore, ca = make_certificate(tmp)

        def start(name, binary_path, tls):
            plain_port, ssl_port = free_port(), free_port()
            listeners = "PLAINTEXT://127.0.0.1:%d" % plain_port
            props = {"log.dirs": os.path.join(tmp, name + "-data"), "node.id": "0"}
            sasl_port = free_port()
            if tls:
                listeners += ",SSL://127.0.0.1:%d,SASL_SSL://127.0.0.1:%d" % (ssl_port, sasl_port)
                props.update({"ssl.keystore.type": "PEM", "ssl.keystore.location": keystore,
                              "sasl.enabled.mechanisms": "SCRAM-SHA-512"})
            props.update({"listeners": listeners, "advertised.listeners": listeners})
            os.mkdir(props["log.dirs"])
            argv = [binary_path]
            for k, v in props.items():
                argv += ["--override", "%s=%s" % (k, v)]
            b = Proc(name, argv, tmp, cwd=tmp).start()
            brokers.append(b)
            b.wait_listening(plain_port, 15)
            b.plain, b.ssl = "127.0.0.1:%d" % plain_port, "127.0.0.1:%d" % ssl_port
            b.sasl_ssl = "127.0.0.1:%d" % sasl_port
            return b

        broker = start("sluiced", sluiced, True)
        base = start("baseline", args.baseline, False) if args.baseline else None
        ssl_extra = ("-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + ca)
        subprocess.run([cli, "users", "set-scram", "bench", "--mechanism", "SCRAM-SHA-512", "--password",
                        "bench-secret", "-b", broker.plain], check=True, stdout=subprocess.DEVNULL)
        sasl_extra = ("-X", "security.protocol=sasl_ssl", "-X", "ssl.ca.location=" + ca,
                      "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=bench",
                      "-X", "sasl.password=bench-secret")
        plan = [("PLAINTEXT", broker, broker.plain, ()), ("SSL", broker, broker.ssl, ssl_extra),
                ("SASL_SSL", broker, broker.sasl_ssl, sasl_extra)]
        if base:
            plan.append(("baseline PLAINTEXT", base, base.plain, ()))
        runs = {name: [] for name, *_ in plan}
        for i in range(rounds):
            for name, b, bootstrap, extra in plan:
                log("round %d: %s" % (i + 1, name))
                topic = "%s-%d" % (name.replace(" ", "-").lower(), i)
                runs[name].append(measure(cli, b, bootstrap, topic, n, extra))
    finally:
        for b in brokers:
            b.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    def med(name, what, field):
        return statistics.median(r[what][field] for r in runs[name])

    if args.json:
        print(json.dumps(runs, indent=1), file=sys.stderr)
    names = list(runs)
    print("### SSL and SASL_SSL vs PLAINTEXT, one sluiced, %d x 1 KB records, median of %d round(s)\n"
          % (n, rounds))
    print("| | " + " | ".join(names) + " | SSL / PLAINTEXT | SASL_SSL / PLAINTEXT |")
    print("|---" * (len(names) + 3) + "|")
    for what in ("produce", "consume"):
        for field, label in (("mbps", "MB/s"), ("cpu_per_gb", "broker CPU s per GB")):
            vals = [med(name, what, field) for name in names]
            p = vals[0]
            ratios = " | ".join("%.2f" % (v / p if p else float("nan")) for v in vals[1:3])
            print("| %s %s | %s | %s |" % (what, label,
                                          " | ".join(("%.1f" if field == "mbps" else "%.3f") % v for v in vals),
                                          ratios))


if __name__ == "__main__":
    main()
