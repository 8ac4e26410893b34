#!/usr/bin/python3
"""Transaction commit latency: how long commit_transaction() takes for
transactions of 1 and of 100 records.

Starts a fresh `sluiced` (temp dir, free port; stopped by PID at the end,
also on errors). A confluent-kafka transactional producer (librdkafka,
acks=all) runs --transactions transactions of each size (after 5 not
counted) against one
8-partition topic, records spread over the partitions, and times
commit_transaction() alone (EndTxn: the coordinator persists PrepareCommit,
writes the markers to every partition the transaction touched, and the
client's flush of the last records). Reports p50, p99 and max in ms; the
topic's offsets must then account for every record and one marker per
partition per transaction.

    /usr/bin/python3 bench/e2e/transaction_bench.py            # ~1 min
    /usr/bin/python3 bench/e2e/transaction_bench.py --quick    # smoke run

Binary: $SLUICED, else build/bin/sluiced.
"""

import argparse
import statistics
import sys
import tempfile
import time

from e2e_common import SingleBroker, binary, finish


def log(msg):
    print("[transaction-bench] %s" % msg, file=sys.stderr, flush=True)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_size(bootstrap, topic, size, transactions):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": "bench-%d" % size, "linger.ms": 1,
                  "acks": "all"})
    p.init_transactions(30)
    commits = []
    # The first transactions also find the coordinator and the partitions' leaders.
    warmup = 5
    for t in range(transactions + warmup):
        p.begin_transaction()
        for i in range(size):
            p.produce(topic, b"t%d-%d" % (t, i), partition=i % 8)
        t0 = time.perf_counter()
        p.commit_transaction(30)
        if t >= warmup:
            commits.append((time.perf_counter() - t0) * 1000)
    return commits


def committed_count(bootstrap, topic):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "transaction-bench", "isolation.level": "read_committed",
                  "enable.auto.commit": False})
    try:
        total = 0
        for part in range(8):
            low, high = c.get_watermark_offsets(TopicPartition(topic, part), timeout=10)
            total += high - low
        return total
    finally:
        c.close()


def report(args, result):
    print("| transaction size | transactions | commit p50 (ms) | commit p99 (ms) | max (ms) |")
    print("|---:|---:|---:|---:|---:|")
    for size, r in sorted(result["sizes"].items(), key=lambda kv: int(kv[0])):
        print("| %s records | %d | %.2f | %.2f | %.2f |" % (size, r["transactions"], r["p50_ms"], r["p99_ms"],
                                                            r["max_ms"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run")
    ap.add_argument("--transactions", type=int, default=500)
    ap.add_argument("--json", action="store_true", help="print the raw figures as JSON instead")
    args = ap.parse_args()
    if args.quick:
        args.transactions = 20
    sluiced = binary("SLUICED", "sluiced", "transaction_bench")
    tmp = tempfile.mkdtemp(prefix="sluice-txn-bench-")
    broker = SingleBroker(sluiced, tmp, {"num.partitions": "8"})
    bootstrap = broker.bootstrap
    result, failed = {"sizes": {}}, None
    try:
        broker.start()
        broker.wait_listening(broker.port, 30)
        for size in (1, 100):
            topic = "txn-%d" % size
            commits = run_size(bootstrap, topic, size, args.transactions)
            result["sizes"][str(size)] = {"transactions": len(commits), "p50_ms": statistics.median(commits),
                                          "p99_ms": percentile(commits, 0.99), "max_ms": max(commits)}
            log("%d-record transactions: p50 %.2f ms, p99 %.2f ms" % (size, result["sizes"][str(size)]["p50_ms"],
                                                                     result["sizes"][str(size)]["p99_ms"]))
            # Every committed record plus one marker per partition touched per transaction.
            made = args.transactions + 5
            markers = made * min(size, 8)
            got = committed_count(bootstrap, topic)
            if got != made * size + markers:
                raise RuntimeError("%s holds %d offsets, expected %d records and %d markers"
                                   % (topic, got, made * size, markers))
    except Exception as e:  # noqa: BLE001  (reported, the broker still stopped)
        failed = str(e)
    finish(args, result, report, failed, broker, tmp, log)


if __name__ == "__main__":
    main()
