"""Faults of the replicated cluster (etcd and three sluiced, every partition
on all three), with Kafka's semantics as the reference:

- a leader paused past its session (a zombie) is replaced; what it takes
  while it still believes it leads is never acknowledged with acks=all and
  is truncated once it learns it was fenced;
- etcd stopped under an acks=all load: leaders keep serving, nothing
  acknowledged is lost, and the cluster converges when etcd is back;
- KIP-101's divergent log: a leader's unreplicated records are cut on
  every replica once another leader wrote other records at those offsets;
- a follower killed with -9 under load catches up, rejoins the ISR and
  holds the leader's batches (compared with `sluice dump-log`);
- kafkajs rides out a kill -9 of the leader;
- a broker started before etcd waits for it, then serves.

Every acknowledged record is read back at the end; each test also checks
that its fault did what it is meant to (a new leader at a higher epoch, the
extra records really on the old leader's disk before the truncation).
"""

import os
import signal
import socket
import threading
import time

from confluent_kafka.admin import NewTopic

import kafka_wire as w
from event_process import EventProcess
from sluice_harness import Load, admin, consume, produce, unique, wait_until
from test_cli import batch_lines, cli
from test_cluster import SESSION_MS, bootstrap_of, by_node, create_replicated, partition_meta, start_cluster, values
from test_etcd_metadata import EtcdServer, etcd  # noqa: F401  (the fixture)
from test_kafkajs import JS_DIR

ERR_NONE = 0
ERR_NOT_LEADER_OR_FOLLOWER = 6
ERR_REQUEST_TIMED_OUT = 7


# --------------------------------------------------------------------------
# Helpers


def metadata_seen_by(broker, topic):
    """The topic's partitions as `broker` itself sees them (raw Metadata v13,
    which carries leader epochs), by partition index."""
    body = (w.uvarint(2) + bytes(16) + w.compact_string(topic) + w.uvarint(0)  # one topic, by name
            + w.int8(0) + w.int8(0) + w.uvarint(0))  # no auto-create, no authorized operations
    with w.connect(broker.port, 5) as s:
        md = w.parse_metadata_v13(w.roundtrip(s, w.API_METADATA, 13, 7, body, flexible=True))
    (t,) = md["topics"]
    assert t["name"] == topic and t["error_code"] == 0, t
    return {p["partition"]: p for p in t["partitions"]}


def raw_batch(value):
    return w.record_batch([(None, value, [])])


def send_produce(sock, cid, topic, value, acks, timeout_ms):
    w.send_all(sock, w.request(w.API_PRODUCE, 3, cid, w.produce_v3_body(topic, 0, raw_batch(value), acks, timeout_ms)))


def read_produce(sock, cid, topic, timeout):
    r = w.Reader(w.recv_frame(sock, timeout))
    assert r.int32() == cid
    topics, _ = w.parse_produce_v3(r)
    return topics[topic][0]


def on_disk(broker, topic, partition=0):
    """Every byte of the partition's segments (the test's records are sent
    uncompressed, so their values can be searched for)."""
    out = b""
    for path in broker.segment_files(topic, partition):
        with open(path, "rb") as f:
            out += f.read()
    return out


def dumped_batches(broker, topic, partition=0):
    """`sluice dump-log` of every segment: one line per batch."""
    lines = []
    for path in broker.segment_files(topic, partition):
        out, _ = cli("dump-log", path)
        found = batch_lines(out)
        assert all(found), out[-2000:]
        lines += [m.group(0) for m in found]
    return lines


def same_batches_everywhere(brokers, topic, partition=0):
    first = brokers[0].batch_headers(topic, partition)
    return first and all(b.batch_headers(topic, partition) == first for b in brokers[1:])


def isr_full(brokers, topic, partitions=1):
    return all(sorted(partition_meta(brokers, topic, p).isrs) == [0, 1, 2] for p in range(partitions))


def acked_values(*deliveries):
    return {v for d in deliveries for _, _, _, v in d.ok}


def assert_all_consumed(brokers, topic, acked, partitions=1):
    """Reads every partition up to its high watermark; every acknowledged
    value must be there. Leadership may still be moving back to a preferred
    replica: a read that fails meanwhile is tried again."""
    got = set()
    for p in range(partitions):
        msgs = wait_until(lambda: consume(bootstrap_of(brokers), topic, p, timeout=20), 60,
                          "a complete read of %s-%d" % (topic, p), interval=0.5)
        assert [m.offset() for m in msgs] == list(range(len(msgs))), "offsets of %s-%d are not contiguous" % (topic, p)
        got |= set(values(msgs))
    missing = acked - got
    assert not missing, "acknowledged records lost: %d, e.g. %r" % (len(missing), sorted(missing)[:5])
    return got


class EtcdLink:
    """A TCP forwarder between one broker and etcd that the test can cut:
    cut() closes every connection through it and refuses new ones until
    heal(); the broker sees etcd unreachable while the others still reach it."""

    def __init__(self, etcd_url):
        self.upstream = int(etcd_url.rsplit(":", 1)[1])
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open = set()
        self.is_cut = False
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                refused = self.is_cut or self.closed
            if refused:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream), timeout=2)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self.lock:
            for s in (src, dst):
                if s in self.open:
                    self.open.discard(s)
                    s.close()

    def _drop_all(self):
        with self.lock:
            for s in self.open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        with self.lock:
            self.is_cut = True
        self._drop_all()

    def heal(self):
        with self.lock:
            self.is_cut = False

    def close(self):
        with self.lock:
            self.closed = True
        self.listener.close()
        self._drop_all()


def log_of(broker):
    with open(broker.log_path, "rb") as f:
        return f.read().decode(errors="replace")


# What the leader-fault tests (1 and 3) share: records acknowledged before
# the fault, the leader it hits, its replacement, and the old leader's return.


def topic_with_records(brokers, prefix, count):
    """A new topic on all three brokers (min.insync.replicas=2) holding
    `count` or more acknowledged records; returns it and their delivery."""
    topic = unique(prefix)
    create_replicated(brokers, topic, {"min.insync.replicas": "2"})
    first = Load(bootstrap_of(brokers), topic, b"first-")
    wait_until(lambda: first.acked() >= count, 20, "%d records acknowledged" % count)
    return topic, first.stop()


def leader_before(brokers, topic):
    """The partition's leader: node id, broker, leader epoch (as it says
    itself) and the other brokers."""
    node = partition_meta(brokers, topic).leader
    leader = by_node(brokers, node)
    epoch = metadata_seen_by(leader, topic)[0]["leader_epoch"]
    return node, leader, epoch, [b for b in brokers if b is not leader]


def answered_connections(broker, n):
    """Connections answered once each (ApiVersions): a request sent on one
    while the broker is paused waits in its socket buffer."""
    conns = [w.connect(broker.port, 5) for _ in range(n)]
    for i, conn in enumerate(conns):
        w.parse_api_versions_v0(w.roundtrip(conn, w.API_API_VERSIONS, 0, i, w.api_versions_v0_body()))
    return conns


def wait_replaced(asked, topic, old, old_epoch, timeout):
    """The partition's metadata once every broker in `asked` names a leader
    other than `old` at an epoch above `old_epoch`."""
    def replaced():
        seen = [metadata_seen_by(b, topic)[0] for b in asked]
        return all(p["leader"] not in (-1, old) and p["leader_epoch"] > old_epoch for p in seen) and seen[0]
    return wait_until(replaced, timeout, "a new leader at a higher epoch on %d broker(s)" % len(asked))


def load_on_new_leader(survivors, topic):
    second = Load(bootstrap_of(survivors), topic, b"second-")
    wait_until(lambda: second.acked() >= 100, 20, "records acknowledged by the new leader")
    return second


def wait_old_leader_follows(brokers, topic, old_leader, new):
    """The old leader follows the new one and is back in the ISR."""
    following = "following %s-0 from broker %d at epoch %d" % (topic, new["leader"], new["leader_epoch"])
    wait_until(lambda: following in log_of(old_leader), 15, "the old leader to follow the new one")
    wait_until(lambda: isr_full(brokers, topic), 20, "the old leader back in the ISR")


# --------------------------------------------------------------------------
# 1. The zombie leader


def test_a_paused_leader_is_fenced_and_acknowledges_nothing_it_took_meanwhile(etcd, broker_factory):  # noqa: F811
    links = [EtcdLink(etcd) for _ in range(3)]
    try:
        brokers = start_cluster(broker_factory, etcd, per_node={
            i: {"metadata.etcd.endpoints": links[i].url} for i in range(3)})
        topic, first = topic_with_records(brokers, "zombie", 200)
        old, zombie, old_epoch, others = leader_before(brokers, topic)
        stopped_conn, zombie_conn = answered_connections(zombie, 2)
        os.kill(zombie.pid, signal.SIGSTOP)
        try:
            # Its link to etcd goes with the pause, so that nothing etcd says
            # meanwhile waits in its buffers: when it runs again it still
            # believes it leads, as a zombie does, until the link heals.
            links[old].cut()
            send_produce(stopped_conn, 101, topic, b"sent-while-stopped", acks=-1, timeout_ms=3000)
            new = wait_replaced(others, topic, old, old_epoch, 6 * SESSION_MS / 1000)
            second = load_on_new_leader(others, topic)
        finally:
            os.kill(zombie.pid, signal.SIGCONT)

        send_produce(zombie_conn, 102, topic, b"zombie-acks-1", acks=1, timeout_ms=3000)
        one = read_produce(zombie_conn, 102, topic, 10)
        assert one["error_code"] == ERR_NONE, "the zombie should still take acks=1 records: %r" % one
        assert b"zombie-acks-1" in on_disk(zombie, topic), "the zombie did not append"
        send_produce(zombie_conn, 103, topic, b"zombie-acks-all", acks=-1, timeout_ms=2000)
        everyone = read_produce(zombie_conn, 103, topic, 10)
        while_stopped = read_produce(stopped_conn, 101, topic, 10)
        for answer in (everyone, while_stopped):
            # Appended, but nobody fetches from it any more: it can commit
            # nothing, and its ISR cannot shrink without etcd.
            assert answer["error_code"] == ERR_REQUEST_TIMED_OUT, answer
        assert b"sent-while-stopped" in on_disk(zombie, topic)

        # etcd again: it learns it was fenced, follows the new leader and cuts
        # what it took meanwhile. A produce still waiting for its acks then
        # fails, as Kafka's DelayedProduce does when the leadership goes.
        send_produce(zombie_conn, 104, topic, b"zombie-pending", acks=-1, timeout_ms=20000)
        wait_until(lambda: b"zombie-pending" in on_disk(zombie, topic), 5, "the zombie to append")
        links[old].heal()
        pending = read_produce(zombie_conn, 104, topic, 15)
        assert pending["error_code"] == ERR_NOT_LEADER_OR_FOLLOWER, pending
        wait_old_leader_follows(brokers, topic, zombie, new)
        second.stop()
        wait_until(lambda: same_batches_everywhere(brokers, topic), 15, "every replica with the same batches")
        for b in brokers:
            data = on_disk(b, topic)
            for v in (b"zombie-acks-1", b"zombie-acks-all", b"sent-while-stopped", b"zombie-pending"):
                assert v not in data, "%s still holds %r" % (b.name, v)

        assert_all_consumed(brokers, topic, acked_values(first, second.delivery))
        stopped_conn.close()
        zombie_conn.close()
    finally:
        for link in links:
            link.close()


def test_a_paused_leader_answers_what_it_took_while_paused_only_if_it_is_kept(etcd, broker_factory):  # noqa: F811
    """The plain pause: produces wait in the paused leader's sockets while
    another leader takes over; on SIGCONT it reads them and the news of its
    successor in whatever order. Whatever it answers, an acks=all success
    must be in the log the cluster keeps."""
    brokers = start_cluster(broker_factory, etcd)
    topic, first = topic_with_records(brokers, "paused", 100)
    old, paused, old_epoch, others = leader_before(brokers, topic)
    conns = answered_connections(paused, 8)
    sent = {}
    os.kill(paused.pid, signal.SIGSTOP)
    try:
        for i, conn in enumerate(conns[:4]):
            sent[i] = (b"early-%d" % i, -1 if i % 2 == 0 else 1)
            send_produce(conn, 100 + i, topic, sent[i][0], acks=sent[i][1], timeout_ms=5000)
        new = wait_replaced(others[:1], topic, old, old_epoch, 6 * SESSION_MS / 1000)
        second = load_on_new_leader(others, topic)
        for i, conn in enumerate(conns[4:], start=4):
            sent[i] = (b"late-%d" % i, -1 if i % 2 == 0 else 1)
            send_produce(conn, 100 + i, topic, sent[i][0], acks=sent[i][1], timeout_ms=5000)
    finally:
        os.kill(paused.pid, signal.SIGCONT)
    answers = {i: read_produce(conn, 100 + i, topic, 15) for i, conn in enumerate(conns)}
    wait_old_leader_follows(brokers, topic, paused, new)
    second.stop()
    wait_until(lambda: same_batches_everywhere(brokers, topic), 15, "every replica with the same batches")
    acked_all = {sent[i][0] for i, a in answers.items() if a["error_code"] == ERR_NONE and sent[i][1] == -1}
    for conn in conns:
        conn.close()
    assert_all_consumed(brokers, topic, acked_values(first, second.delivery) | acked_all)


# --------------------------------------------------------------------------
# 2. etcd away under load



def stop_brokers_before_etcd(request):
    """Stops this test's brokers while etcd still answers: a controlled
    shutdown waits for the controller (up to controlled.shutdown.max.retries
    x controlled.shutdown.retry.backoff.ms) and would outlast the harness's
    stop timeout once etcd is gone."""
    for b in list(getattr(request.node, "_sluice_brokers", None) or []):
        if b.running():
            b.stop()

def test_etcd_stopped_under_acks_all_load_loses_nothing_and_the_cluster_converges(request, broker_factory):
    server = EtcdServer()
    try:
        server.start()
        brokers = start_cluster(broker_factory, server.url)
        topic = unique("etcd-away")
        partitions = 3
        create_replicated(brokers, topic, {"min.insync.replicas": "2"}, partitions=partitions)
        leaders = {p: partition_meta(brokers, topic, p).leader for p in range(partitions)}
        load = Load(bootstrap_of(brokers), topic, b"load-", linger_ms=2)
        wait_until(lambda: load.acked() >= 300, 20, "acknowledgements before etcd goes")

        server.stop(signal.SIGTERM)
        away = time.monotonic()
        try:
            # Leaders keep serving what they lead: acknowledgements go on, for
            # the whole outage.
            while time.monotonic() - away < 10:
                before = load.acked()
                wait_until(lambda: load.acked() >= before + 100, 5, "acknowledgements while etcd is down")
                time.sleep(0.5)
            for p in range(partitions):
                assert partition_meta(brokers, topic, p).leader == leaders[p]
            for b in brokers:
                assert "etcd keepalive for node %s failed" % b.overrides["node.id"] in log_of(b)
        finally:
            server.start()

        wait_until(lambda: all(partition_meta(brokers, topic, p).leader >= 0 for p in range(partitions))
                   and isr_full(brokers, topic, partitions), 30, "every partition led, every ISR full")
        before = load.acked()
        wait_until(lambda: load.acked() >= before + 300, 20, "acknowledgements once etcd is back")
        delivered = load.stop()
        assert all(b.running() for b in brokers)
        assert_all_consumed(brokers, topic, acked_values(delivered), partitions)

        # One broker still acts as the controller (its election watch ended
        # with etcd; it must not have given up a slot nobody else can take),
        # and it still acts: a leader killed now is replaced.
        acting = wait_until(lambda: (lambda c: c if len(c) == 1 else None)(acting_controllers(brokers)), 10,
                            "exactly one acting controller")
        victim = next((b for b in brokers if b not in acting
                       and any(partition_meta(brokers, topic, p).leader == int(b.overrides["node.id"])
                               for p in range(partitions))), None)
        if victim is None:  # the controller leads them all: any other broker will do
            victim = next(b for b in brokers if b not in acting)
        led = [p for p in range(partitions) if partition_meta(brokers, topic, p).leader == int(victim.overrides["node.id"])]
        victim.kill9()
        survivors = [b for b in brokers if b.running()]
        for p in led:
            wait_until(lambda: partition_meta(survivors, topic, p).leader not in (-1, int(victim.overrides["node.id"])),
                       20, "a new leader for partition %d" % p)
    finally:
        stop_brokers_before_etcd(request)
        server.close()


def acting_controllers(brokers):
    """Brokers whose last word on the controllership is that they hold it."""
    acting = []
    for b in brokers:
        if not b.running():
            continue
        lines = [line for line in log_of(b).splitlines() if "is the controller" in line or "no longer the controller" in line]
        if lines and "is the controller" in lines[-1]:
            acting.append(b)
    return acting


# --------------------------------------------------------------------------
# 3. KIP-101: a divergent log is truncated


def test_unreplicated_records_of_a_dead_leader_are_truncated_on_its_return(etcd, broker_factory):  # noqa: F811
    # A longer session, so that the paused followers keep theirs (and their
    # ISR places) across the few moments of their pause.
    brokers = start_cluster(broker_factory, etcd, extra={"metadata.etcd.session.timeout.ms": "4000",
                                                         "replica.lag.time.max.ms": "5000"})
    topic, first_done = topic_with_records(brokers, "kip101", 200)
    wait_until(lambda: same_batches_everywhere(brokers, topic), 10, "the first records on every replica")

    old, leader, old_epoch, followers = leader_before(brokers, topic)
    (conn,) = answered_connections(leader, 1)
    for f in followers:
        os.kill(f.pid, signal.SIGSTOP)
    try:
        # Fetches the followers had parked at the leader end empty (after
        # replica.fetch.wait.max.ms, 500 ms), so nothing appended next can
        # reach them. Nothing to poll for: the answers wait unread in the
        # paused followers' sockets.
        time.sleep(1.0)
        for i in range(3):
            send_produce(conn, 10 + i, topic, b"unreplicated-%d" % i, acks=1, timeout_ms=3000)
            assert read_produce(conn, 10 + i, topic, 5)["error_code"] == ERR_NONE
        leader.kill9()
    finally:
        for f in followers:
            os.kill(f.pid, signal.SIGCONT)
    conn.close()
    extra = on_disk(leader, topic)
    assert all(b"unreplicated-%d" % i in extra for i in range(3)), "the old leader should hold the extra records"
    for f in followers:
        assert b"unreplicated-" not in on_disk(f, topic), "%s got the records it should not have" % f.name

    new = wait_replaced(followers[:1], topic, old, old_epoch, 20)
    second_done = load_on_new_leader(followers, topic).stop()

    # The old leader returns: its records at the epoch it led diverge from
    # the new leader's at the same offsets; it cuts them and fetches.
    leader.start()
    wait_until(lambda: isr_full(brokers, topic), 30, "the old leader back in the ISR")
    wait_until(lambda: same_batches_everywhere(brokers, topic), 15, "every replica with the same batches")
    new_leader = by_node(brokers, new["leader"])
    assert dumped_batches(leader, topic) == dumped_batches(new_leader, topic)
    assert max(h.partition_leader_epoch for h in new_leader.batch_headers(topic)) == new["leader_epoch"]
    for b in brokers:
        assert b"unreplicated-" not in on_disk(b, topic), "%s kept unreplicated records" % b.name
    got = assert_all_consumed(brokers, topic, acked_values(first_done, second_done))
    assert not any(v.startswith(b"unreplicated-") for v in got)


# --------------------------------------------------------------------------
# 4. A follower killed under load catches up


def test_a_follower_killed_under_load_catches_up_with_the_leaders_batches(etcd, broker_factory):  # noqa: F811
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("follower-kill")
    create_replicated(brokers, topic, {"min.insync.replicas": "2"})
    leader = by_node(brokers, partition_meta(brokers, topic).leader)
    follower = next(b for b in brokers if b is not leader)
    load = Load(bootstrap_of(brokers), topic, b"load-", linger_ms=2)
    wait_until(lambda: load.acked() >= 300, 20, "acknowledgements before the kill")

    follower.kill9()
    at_kill = len(follower.batch_headers(topic))
    wait_until(lambda: sorted(partition_meta(brokers, topic).isrs) == sorted(
        int(b.overrides["node.id"]) for b in brokers if b is not follower), 15, "the ISR without the dead follower")
    before = load.acked()
    wait_until(lambda: load.acked() >= before + 500, 20, "acknowledgements without the follower")

    follower.start()
    wait_until(lambda: isr_full(brokers, topic), 30, "the follower back in the ISR")
    before = load.acked()
    wait_until(lambda: load.acked() >= before + 200, 20, "acknowledgements with the follower back")
    delivered = load.stop()

    wait_until(lambda: dumped_batches(follower, topic) == dumped_batches(leader, topic), 15,
               "the follower's batches (sluice dump-log) equal to the leader's")
    assert len(follower.batch_headers(topic)) > at_kill, "the follower did not catch up"
    assert_all_consumed(brokers, topic, acked_values(delivered))


# --------------------------------------------------------------------------
# 5. kafkajs fails over


def test_kafkajs_producer_fails_over_a_kill_9_of_the_leader(etcd, broker_factory):  # noqa: F811
    brokers = start_cluster(broker_factory, etcd)
    topic = unique("js-failover")
    create_replicated(brokers, topic, {"min.insync.replicas": "2"})
    old = partition_meta(brokers, topic).leader
    # Sent one at a time, acknowledged fast: the kill comes early so that
    # most sends still lie ahead of it.
    client = EventProcess("kafkajs", ["node", "produce_failover.js", bootstrap_of(brokers), topic, "1000"], cwd=JS_DIR)
    try:
        wait_until(lambda: client.check() or len(client.of("acked")) >= 20, 30, "kafkajs acknowledgements")
        by_node(brokers, old).kill9()
        at_kill = len(client.of("acked"))
        client.proc.wait(60)
    finally:
        client.kill()
    assert client.proc.returncode == 0, "kafkajs failed:\n%s" % client.stderr_text()
    acked = client.of("acked")
    assert at_kill < 800, "kafkajs was nearly done before the leader died"
    assert [e["i"] for e in acked] == list(range(1000))
    assert all(e["error"] == 0 for e in acked)
    new = partition_meta(brokers, topic).leader
    assert new not in (-1, old), "the leadership did not move"
    assert_all_consumed(brokers, topic, {b"fo-%d" % e["i"] for e in acked})


# --------------------------------------------------------------------------
# Bad input: etcd not there yet


def test_a_broker_started_before_etcd_waits_for_it_then_serves(request, broker_factory):
    server = EtcdServer()
    try:
        conf = {"metadata.etcd.endpoints": server.url, "metadata.etcd.prefix": "/" + unique("c"),
                "metadata.etcd.session.timeout.ms": str(SESSION_MS)}
        started = []
        starter = threading.Thread(target=lambda: started.append(broker_factory(conf, name="sluiced-early")),
                                   daemon=True)
        starter.start()
        waiting = "etcd at %s not ready" % server.url
        # broker_factory blocks until the broker listens; its process is in
        # the fixture's list from the start.
        broker = wait_until(lambda: request.node._sluice_brokers and request.node._sluice_brokers[0], 5,
                            "the broker process")

        def retried():
            return broker.running() and log_of(broker).count(waiting) >= 2
        wait_until(retried, 5, "the broker to say it waits for etcd, twice")
        assert log_of(broker).count(waiting) <= 20, "retrying without a pause"
        server.start()
        starter.join(20)
        assert started, "the broker did not start serving once etcd was there"
        topic = unique("after-etcd")
        admin(broker.bootstrap).create_topics([NewTopic(topic, 1, 1)], request_timeout=15)[topic].result(15)
        wait_until(lambda: partition_meta([broker], topic).leader == 0, 15, "a leader for %s" % topic)
        d = produce(broker.bootstrap, topic, [{"value": b"v%d" % i} for i in range(10)])
        assert len(d.ok) == 10
        assert values(consume(broker.bootstrap, topic)) == [b"v%d" % i for i in range(10)]
    finally:
        stop_brokers_before_etcd(request)
        server.close()

