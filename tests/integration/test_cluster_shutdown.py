"""Controlled shutdown and preferred leaders in a three-broker cluster:
SIGTERM to a partition's leader under continuous acks=all produce moves the
leadership before the process exits, loses no acknowledged record, the
restarted broker catches up into the ISR, and the automatic rebalance
(leader.imbalance.check.interval.seconds set low) hands it its leadership
back. The leader move time is printed for the benchmark notes.
"""

import os
import re
import signal
import time

from sluice_harness import Load, consume, unique, wait_until
from test_cluster import bootstrap_of, by_node, create_replicated, partition_meta, start_cluster, values
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

CHECK_INTERVAL_S = 2  # leader.imbalance.check.interval.seconds


def leader_seen_by(brokers, topic, skip):
    """The partition's leader as the brokers other than `skip` report it."""
    others = [b for b in brokers if b is not skip and b.running()]
    return partition_meta(others, topic).leader


def test_sigterm_moves_leadership_first_and_the_preferred_leader_returns(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd, extra={
        "leader.imbalance.check.interval.seconds": str(CHECK_INTERVAL_S),
        "replica.fetch.wait.max.ms": "100",
        "replica.fetch.backoff.ms": "100",
        "num.replica.fetchers": "2",
    })
    topic = unique("shutdown")
    create_replicated(brokers, topic, {"min.insync.replicas": "2"})
    meta = partition_meta(brokers, topic)
    preferred = meta.replicas[0]
    assert meta.leader == preferred
    wait_until(lambda: sorted(partition_meta(brokers, topic).isrs) == [0, 1, 2], 15, "the whole ISR")
    old = by_node(brokers, preferred)

    # One record in flight at a time, retried through the leader move.
    prod = Load(bootstrap_of(brokers), topic, b"m", message_timeout_ms=30000, retries=1000000, retry_backoff_ms=50,
                max_in_flight_requests_per_connection=1)
    wait_until(lambda: prod.acked() >= 200, 20, "records acknowledged before the shutdown")

    # SIGTERM, then watch the other brokers' metadata while it shuts down.
    t0 = time.monotonic()
    os.kill(old.pid, signal.SIGTERM)
    moved_at = new_leader = None
    seen_while_running = False
    while time.monotonic() - t0 < 20:
        running = old.running()
        leader = leader_seen_by(brokers, topic, old)
        if leader not in (-1, preferred):
            moved_at, new_leader, seen_while_running = time.monotonic(), leader, running
            break
        time.sleep(0.01)
    assert moved_at is not None, "leadership did not move\n" + old.log_tail()
    old.proc.wait(20)
    exited_at = time.monotonic()
    assert old.proc.returncode == 0, old.log_tail()
    old.exit_codes.append(0)

    # The broker stops only once its mirror shows the move: the log says so
    # before it says it is shutting down (the check that holds even when the
    # exit beat this test's metadata poll).
    log = open(old.log_path, "rb").read().decode(errors="replace")
    log = log[log.rindex("=== start #"):]
    reported = re.search(r"controlled shutdown: nothing left to move after (\d+) ms", log)
    assert reported, "the broker did not report its leaderships moved:\n" + old.log_tail()
    assert reported.start() < log.index("info shutting down"), old.log_tail()
    for line in log.splitlines():
        if "controlled shutdown" in line or "shutting down" in line:
            print(line)
    print("\ncontrolled shutdown: leader move seen by clients %.0f ms after SIGTERM%s "
          "(broker-reported %s ms); process exited after %.0f ms"
          % ((moved_at - t0) * 1000, "" if seen_while_running else " (after the exit)", reported.group(1),
             (exited_at - t0) * 1000))

    # Producing goes on at the new leader; nothing acknowledged is lost and
    # no record failed (a retriable error at most, retried by the client).
    after_move = prod.acked()
    wait_until(lambda: prod.acked() >= after_move + 200, 20, "records acknowledged by the new leader")
    d = prod.stop()
    meta = partition_meta(brokers, topic)
    assert meta.leader == new_leader and preferred not in meta.isrs
    got = consume(bootstrap_of(brokers), topic)
    assert [m.offset() for m in got] == list(range(len(got))), "offsets are not contiguous"
    acked = {v for _, _, _, v in d.ok}
    missing = acked - set(values(got))
    assert not missing, "acknowledged records lost: %d" % len(missing)

    # The restarted broker catches up into the ISR, and the imbalance check
    # gives the preferred replica its leadership back.
    old.start()
    t1 = time.monotonic()
    wait_until(lambda: sorted(partition_meta(brokers, topic).isrs) == [0, 1, 2], 30,
               "the restarted broker back in the ISR")
    wait_until(lambda: partition_meta(brokers, topic).leader == preferred, 3 * CHECK_INTERVAL_S + 10,
               "the preferred leader back")
    print("preferred leader back %.1f s after the restart" % (time.monotonic() - t1))
    wait_until(lambda: old.batch_headers(topic) == by_node(brokers, new_leader).batch_headers(topic), 15,
               "the preferred leader's batches equal to the others'")
