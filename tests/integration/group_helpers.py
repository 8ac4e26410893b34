"""Shared helpers for the consumer-group integration tests
(test_groups_*.py, test_kafkajs_groups.py).

- broker settings that keep rebalances fast;
- group members with real clients that poll in a background thread and
  record what they were assigned and what they consumed:
  CKMember (confluent-kafka / librdkafka), KPMember (kafka-python),
  ProcMember (a confluent-kafka member in a child process, so it can be
  SIGKILLed -- this file is also that child's program, see main());
- raw-frame builders/parsers for the group APIs (FindCoordinator v0,
  JoinGroup v4, SyncGroup v2, Heartbeat v2, LeaveGroup v0, OffsetCommit v2,
  OffsetFetch v1, DescribeGroups v0, ListGroups v0) on top of kafka_wire.py,
  written from the Kafka message definitions;
- the consumer protocol's subscription / assignment encoding.

Every wait has a deadline; every member is closed (or killed) by whoever
started it, in a finally block (close_all).
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import kafka_wire as w
from sluice_harness import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------
# Kafka error codes used by the group tests

NONE = 0
OFFSET_OUT_OF_RANGE = 1
UNKNOWN_TOPIC_OR_PARTITION = 3
OFFSET_METADATA_TOO_LARGE = 12
COORDINATOR_LOAD_IN_PROGRESS = 14
COORDINATOR_NOT_AVAILABLE = 15
NOT_COORDINATOR = 16
ILLEGAL_GENERATION = 22
INCONSISTENT_GROUP_PROTOCOL = 23
INVALID_GROUP_ID = 24
UNKNOWN_MEMBER_ID = 25
INVALID_SESSION_TIMEOUT = 26
REBALANCE_IN_PROGRESS = 27
NON_EMPTY_GROUP = 68
GROUP_ID_NOT_FOUND = 69
MEMBER_ID_REQUIRED = 79

# API keys
API_OFFSET_COMMIT = 8
API_OFFSET_FETCH = 9
API_FIND_COORDINATOR = 10
API_JOIN_GROUP = 11
API_HEARTBEAT = 12
API_LEAVE_GROUP = 13
API_SYNC_GROUP = 14
API_DESCRIBE_GROUPS = 15
API_LIST_GROUPS = 16

GROUP_APIS = (API_OFFSET_COMMIT, API_OFFSET_FETCH, API_FIND_COORDINATOR, API_JOIN_GROUP,
              API_HEARTBEAT, API_LEAVE_GROUP, API_SYNC_GROUP, API_DESCRIBE_GROUPS,
              API_LIST_GROUPS)

# Broker overrides for the group tests: no initial rebalance delay, and a
# lower session-timeout floor so clients may use short session timeouts.
GROUP_BROKER = {
    "group.initial.rebalance.delay.ms": "0",
    "group.min.session.timeout.ms": "1000",
    "num.partitions": "1",
}

SESSION_MS = 6000
HEARTBEAT_MS = 400
T = 30.0  # generous deadline for a group to settle


def group_broker(factory, **extra):
    conf = dict(GROUP_BROKER)
    conf.update({k.replace("_", "."): str(v) for k, v in extra.items()})
    return factory(conf)


# --------------------------------------------------------------------------
# Consumer protocol (ConsumerProtocolSubscription / ConsumerProtocolAssignment v0)

def subscription_v0(topics, user_data=b""):
    return w.int16(0) + w.array(list(topics), w.string) + w.bytes_(user_data)


def assignment_v0(assignment, user_data=b""):
    """assignment: {topic: [partitions]}"""
    return (w.int16(0)
            + w.array(sorted(assignment.items()),
                      lambda t: w.string(t[0]) + w.array(list(t[1]), w.int32))
            + w.bytes_(user_data))


def decode_assignment(data):
    """ConsumerProtocolAssignment (any version; fields past v0's are
    ignored) -> {topic: sorted partitions}."""
    if not data:
        return {}
    r = w.Reader(data)
    r.int16()
    topics = r.array(lambda rr: (rr.string(), rr.array(w.Reader.int32)))
    return {t: sorted(ps or []) for t, ps in (topics or [])}


def decode_subscription(data):
    r = w.Reader(data)
    r.int16()
    return r.array(w.Reader.string)


# --------------------------------------------------------------------------
# Raw group API frames (non-flexible versions only)

def _topics_partitions(topics, enc_partition):
    return w.array(list(topics.items()),
                   lambda t: w.string(t[0]) + w.array(list(t[1]), enc_partition))


def find_coordinator_v0_body(key):
    return w.string(key)


def parse_find_coordinator_v0(r):
    d = dict(error_code=r.int16(), node_id=r.int32(), host=r.string(), port=r.int32())
    r.expect_end()
    return d


def join_group_v4_body(group, member_id="", session_timeout_ms=10000,
                       rebalance_timeout_ms=10000, protocol_type="consumer",
                       protocols=(("range", None),), topics=("t",)):
    """protocols: [(name, metadata bytes or None -> a v0 subscription to topics)]"""
    protos = [(n, subscription_v0(topics) if m is None else m) for n, m in protocols]
    return (w.string(group) + w.int32(session_timeout_ms) + w.int32(rebalance_timeout_ms)
            + w.string(member_id) + w.string(protocol_type)
            + w.array(protos, lambda p: w.string(p[0]) + w.bytes_(p[1])))


def parse_join_group_v4(r):
    d = dict(throttle_ms=r.int32(), error_code=r.int16(), generation_id=r.int32(),
             protocol_name=r.string(), leader=r.string(), member_id=r.string())
    d["members"] = r.array(lambda rr: (rr.string(), rr.bytes_()))
    r.expect_end()
    return d


def sync_group_v2_body(group, generation_id, member_id, assignments=()):
    """assignments: [(member_id, assignment bytes)]"""
    return (w.string(group) + w.int32(generation_id) + w.string(member_id)
            + w.array(list(assignments), lambda a: w.string(a[0]) + w.bytes_(a[1])))


def parse_sync_group_v2(r):
    d = dict(throttle_ms=r.int32(), error_code=r.int16(), assignment=r.bytes_())
    r.expect_end()
    return d


def heartbeat_v2_body(group, generation_id, member_id):
    return w.string(group) + w.int32(generation_id) + w.string(member_id)


def parse_heartbeat_v2(r):
    d = dict(throttle_ms=r.int32(), error_code=r.int16())
    r.expect_end()
    return d


def leave_group_v0_body(group, member_id):
    return w.string(group) + w.string(member_id)


def parse_leave_group_v0(r):
    d = dict(error_code=r.int16())
    r.expect_end()
    return d


def offset_commit_v2_body(group, generation_id, member_id, topics, retention_ms=-1):
    """topics: {topic: [(partition, offset, metadata or None)]}"""
    return (w.string(group) + w.int32(generation_id) + w.string(member_id) + w.int64(retention_ms)
            + _topics_partitions(topics, lambda p: w.int32(p[0]) + w.int64(p[1]) + w.string(p[2])))


def parse_offset_commit_v2(r):
    """-> {topic: {partition: error_code}} (v2 has no throttle time)."""
    topics = r.array(lambda rr: (rr.string(), rr.array(lambda x: (x.int32(), x.int16()))))
    r.expect_end()
    return {t: dict(ps) for t, ps in topics}


def offset_fetch_v1_body(group, topics):
    """topics: {topic: [partitions]}"""
    return w.string(group) + _topics_partitions(topics, w.int32)


def parse_offset_fetch_v1(r):
    """-> {topic: {partition: (offset, metadata, error_code)}} (v1: no top-level error)."""
    topics = r.array(lambda rr: (rr.string(), rr.array(
        lambda x: (x.int32(), (x.int64(), x.string(), x.int16())))))
    r.expect_end()
    return {t: dict(ps) for t, ps in topics}


def describe_groups_v0_body(groups):
    return w.array(list(groups), w.string)


def parse_describe_groups_v0(r):
    def member(rr):
        return dict(member_id=rr.string(), client_id=rr.string(), client_host=rr.string(),
                    metadata=rr.bytes_(), assignment=rr.bytes_())

    def group(rr):
        return dict(error_code=rr.int16(), group_id=rr.string(), state=rr.string(),
                    protocol_type=rr.string(), protocol=rr.string(), members=rr.array(member))

    groups = r.array(group)
    r.expect_end()
    return {g["group_id"]: g for g in groups}


def list_groups_v0_body():
    return b""


def parse_list_groups_v0(r):
    err = r.int16()
    groups = r.array(lambda rr: (rr.string(), rr.string()))
    r.expect_end()
    return err, dict(groups)


class Wire:
    """One raw connection with auto-incremented correlation ids."""

    def __init__(self, port, timeout=15.0):
        self.sock = w.connect(port, timeout)
        self.timeout = timeout
        self.cid = 1000

    def call(self, api_key, version, body, timeout=None):
        self.cid += 1
        return w.roundtrip(self.sock, api_key, version, self.cid, body,
                           timeout=timeout or self.timeout)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # convenience wrappers -------------------------------------------------
    def find_coordinator(self, key):
        return parse_find_coordinator_v0(self.call(API_FIND_COORDINATOR, 0,
                                                   find_coordinator_v0_body(key)))

    def join(self, group, member_id="", **kw):
        return parse_join_group_v4(self.call(API_JOIN_GROUP, 4,
                                             join_group_v4_body(group, member_id, **kw)))

    def sync(self, group, generation_id, member_id, assignments=()):
        return parse_sync_group_v2(self.call(API_SYNC_GROUP, 2, sync_group_v2_body(
            group, generation_id, member_id, assignments)))

    def heartbeat(self, group, generation_id, member_id):
        return parse_heartbeat_v2(self.call(API_HEARTBEAT, 2, heartbeat_v2_body(
            group, generation_id, member_id)))

    def leave(self, group, member_id):
        return parse_leave_group_v0(self.call(API_LEAVE_GROUP, 0,
                                              leave_group_v0_body(group, member_id)))

    def commit(self, group, generation_id, member_id, topics):
        return parse_offset_commit_v2(self.call(API_OFFSET_COMMIT, 2, offset_commit_v2_body(
            group, generation_id, member_id, topics)))

    def fetch_offsets(self, group, topics):
        return parse_offset_fetch_v1(self.call(API_OFFSET_FETCH, 1,
                                               offset_fetch_v1_body(group, topics)))

    def describe(self, group):
        return parse_describe_groups_v0(self.call(API_DESCRIBE_GROUPS, 0,
                                                  describe_groups_v0_body([group])))[group]

    def list_groups(self):
        return parse_list_groups_v0(self.call(API_LIST_GROUPS, 0, list_groups_v0_body()))


def describe_group(port, group):
    with Wire(port) as c:
        return c.describe(group)


def wait_group_state(port, group, state, members=None, timeout=T):
    """Wait until DescribeGroups v0 says the group is in `state` (and has
    `members` members, if given). Returns the description."""
    def ok():
        d = describe_group(port, group)
        if d["error_code"] != 0 or d["state"] != state:
            return None
        if members is not None and len(d["members"] or []) != members:
            return None
        return d
    return wait_until(ok, timeout, "group %s in state %s%s" % (
        group, state, "" if members is None else " with %d members" % members), 0.2)


def advertised_apis(port):
    with w.connect(port) as s:
        err, keys = w.parse_api_versions_v0(
            w.roundtrip(s, w.API_API_VERSIONS, 0, 1, w.api_versions_v0_body()))
    assert err == 0
    return keys


# --------------------------------------------------------------------------
# kafka-python admin calls with a deadline: KafkaAdminClient._wait_for_futures
# spins forever on a failed future, so every call runs in a daemon thread.

def with_deadline(fn, timeout=30, what="call"):
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised below
            box["error"] = e

    th = threading.Thread(target=target, daemon=True)
    th.start()
    th.join(timeout)
    if th.is_alive():
        raise AssertionError("%s did not finish within %d s" % (what, timeout))
    if "error" in box:
        raise box["error"]
    return box["value"]


class KPAdmin:
    """kafka-python KafkaAdminClient whose calls all have deadlines."""

    def __init__(self, bootstrap, timeout=30):
        from kafka import KafkaAdminClient
        self.timeout = timeout
        self.client = with_deadline(lambda: KafkaAdminClient(
            bootstrap_servers=bootstrap, api_version=None, request_timeout_ms=15000,
            client_id="sluice-group-admin"), timeout, "KafkaAdminClient()")

    def __getattr__(self, name):
        fn = getattr(self.client, name)
        return lambda *a, **kw: with_deadline(lambda: fn(*a, **kw), self.timeout,
                                              "KafkaAdminClient.%s" % name)

    def close(self):
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------
# Group members with real clients, each polling in its own thread

class _Member:
    """Common bookkeeping. Subclasses implement _open/_poll_once/_close."""

    kind = "member"

    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()
        self.events = []        # (monotonic time, kind, frozenset(partitions))
        self.assignment = None  # frozenset of (topic, partition), None before the first poll
        self.assign_history = []  # distinct assignment() values seen, in order
        self.min_assignment_after_first = None
        self.messages = []      # (topic, partition, offset, value bytes)
        self.commits = []       # what was committed, per commit call
        self.error = None
        self.closed_at = None
        self.close_started = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self):
        self._thread.start()
        return self

    # recorded by subclasses
    def _event(self, kind, partitions):
        with self.lock:
            self.events.append((time.monotonic(), kind,
                                frozenset((p.topic, p.partition) for p in partitions)))

    def _set_assignment(self, parts):
        a = frozenset(parts)
        with self.lock:
            if a != self.assignment:
                self.assign_history.append(a)
            self.assignment = a
            # smallest assignment() seen once the member first had partitions
            if self.min_assignment_after_first is not None:
                self.min_assignment_after_first = min(self.min_assignment_after_first, len(a))
            elif a:
                self.min_assignment_after_first = len(a)

    def partitions(self, topic=None):
        a = self.assignment or frozenset()
        return frozenset(p for t, p in a if topic is None or t == topic)

    def events_of(self, kind):
        with self.lock:
            return [e for e in self.events if e[1] == kind]

    def consumed(self):
        with self.lock:
            return list(self.messages)

    def _run(self):
        try:
            self._open()
            while not self._stop.is_set():
                self._poll_once()
        except Exception as e:  # noqa: BLE001 - surfaced by check()
            self.error = e
        finally:
            self.close_started = time.monotonic()
            try:
                self._close()
            except Exception as e:  # noqa: BLE001
                if self.error is None:
                    self.error = e
            self.closed_at = time.monotonic()

    def check(self):
        if self.error is not None:
            raise AssertionError("%s %s failed: %r" % (self.kind, self.name, self.error))

    def close(self, timeout=30):
        """Stop polling and close the client (LeaveGroup); returns when close()
        returned in the member's thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        assert not self._thread.is_alive(), "%s did not close within %d s" % (self.name, timeout)
        return self.closed_at


class CKMember(_Member):
    """confluent-kafka Consumer subscribed to `topics`, polling in a thread.
    on_assign/on_revoke are recorded in events ('assign'/'revoke'/'lost');
    after every poll assignment() is sampled. commit_each: synchronously
    commit every consumed message (offset + 1)."""

    kind = "confluent-kafka"

    def __init__(self, bootstrap, group, topics, name="ck", strategy="range", conf=None,
                 commit_each=False, session_ms=SESSION_MS, heartbeat_ms=HEARTBEAT_MS):
        super().__init__(name)
        self.topics = list(topics)
        self.commit_each = commit_each
        self.conf = {
            "bootstrap.servers": bootstrap, "group.id": group, "client.id": name,
            "partition.assignment.strategy": strategy,
            "session.timeout.ms": session_ms, "heartbeat.interval.ms": heartbeat_ms,
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 100, "socket.timeout.ms": 10000,
            "topic.metadata.refresh.interval.ms": 2000,
        }
        self.conf.update(conf or {})
        self.consumer = None
        self.group_metadata = None

    def _open(self):
        from confluent_kafka import Consumer
        self.consumer = Consumer(self.conf)
        self.consumer.subscribe(self.topics,
                                on_assign=lambda c, ps: self._event("assign", ps),
                                on_revoke=lambda c, ps: self._event("revoke", ps),
                                on_lost=lambda c, ps: self._event("lost", ps))

    def _poll_once(self):
        m = self.consumer.poll(0.1)
        self._set_assignment((p.topic, p.partition) for p in self.consumer.assignment())
        if m is None:
            return
        if m.error():
            if m.error().fatal():
                raise AssertionError("fatal consumer error: %s" % m.error())
            return
        with self.lock:
            self.messages.append((m.topic(), m.partition(), m.offset(), m.value()))
        if self.commit_each:
            res = self.consumer.commit(message=m, asynchronous=False)
            with self.lock:
                self.commits.append([(p.topic, p.partition, p.offset) for p in res])

    def _close(self):
        if self.consumer is not None:
            self.consumer.close()


class KPMember(_Member):
    """kafka-python KafkaConsumer polling in a thread (enable_auto_commit
    off). commit_each: synchronously commit every consumed record."""

    kind = "kafka-python"

    def __init__(self, bootstrap, group, topics, name="kp", commit_each=False, conf=None,
                 session_ms=SESSION_MS, heartbeat_ms=HEARTBEAT_MS):
        super().__init__(name)
        self.topics = list(topics)
        self.commit_each = commit_each
        self.conf = dict(bootstrap_servers=bootstrap, group_id=group, client_id=name,
                         api_version=None, enable_auto_commit=False,
                         auto_offset_reset="earliest", session_timeout_ms=session_ms,
                         heartbeat_interval_ms=heartbeat_ms, fetch_max_wait_ms=100,
                         request_timeout_ms=max(30000, session_ms + 5000),
                         metadata_max_age_ms=2000)
        self.conf.update(conf or {})
        self.consumer = None

    def _open(self):
        from kafka import KafkaConsumer
        self.consumer = KafkaConsumer(**self.conf)
        self.consumer.subscribe(self.topics)

    def _poll_once(self):
        from kafka import OffsetAndMetadata, TopicPartition
        recs = self.consumer.poll(timeout_ms=100)
        self._set_assignment((p.topic, p.partition) for p in self.consumer.assignment())
        for tp, rs in recs.items():
            for r in rs:
                with self.lock:
                    self.messages.append((r.topic, r.partition, r.offset, r.value))
                if self.commit_each:
                    offs = {TopicPartition(r.topic, r.partition): OffsetAndMetadata(r.offset + 1, "")}
                    self.consumer.commit(offs)
                    with self.lock:
                        self.commits.append([(r.topic, r.partition, r.offset + 1)])

    def _close(self):
        if self.consumer is not None:
            self.consumer.close(autocommit=False)


class ProcMember:
    """A confluent-kafka member in a child process (this file's main()), so
    the test can SIGKILL it. It prints JSON lines; we parse them in a reader
    thread."""

    kind = "confluent-kafka (process)"

    def __init__(self, bootstrap, group, topic, name, strategy="range",
                 session_ms=SESSION_MS, heartbeat_ms=HEARTBEAT_MS):
        self.name = name
        self.lock = threading.Lock()
        self.lines = []
        self.assignment = None
        argv = [sys.executable, os.path.join(HERE, "group_helpers.py"), "ck-member",
                bootstrap, group, topic, name, strategy, str(session_ms), str(heartbeat_ms)]
        self.stderr_path = os.path.join("/tmp", "sluice-member-%s-%d.log" % (name, os.getpid()))
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, cwd=HERE)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            try:
                ev = json.loads(raw.decode())
            except ValueError:
                continue
            with self.lock:
                self.lines.append(ev)
                if ev.get("event") == "assignment":
                    self.assignment = frozenset(ev["partitions"])

    def partitions(self, topic=None):
        return frozenset(self.assignment or ())

    def alive(self):
        return self.proc.poll() is None

    def check(self):
        pass

    def stderr_tail(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-3000:].decode(errors="replace")
        except OSError:
            return ""

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def close(self, timeout=30):
        if not ask_to_exit(self.proc, b"close", timeout):
            self.proc.kill()
            self.proc.wait(10)
        self._stderr.close()
        try:
            os.unlink(self.stderr_path)
        except OSError:
            pass


def close_all(members):
    """Finalizer for members: close every one (even if some fail), then
    raise the first failure."""
    first = None
    for m in members:
        try:
            m.close()
        except Exception as e:  # noqa: BLE001
            if first is None:
                first = e
    if first is not None:
        raise first


def check_all(members):
    for m in members:
        m.check()


def wait_balanced(members, topic, partitions, sizes=None, timeout=T, exclusive=True):
    """Wait until the members' assignments (sampled after polls) are
    disjoint, cover range(partitions) of topic, and -- if sizes is given --
    have exactly these sizes (a list in members' order, or an int for all).
    Returns {member name: frozenset(partitions)}."""
    if isinstance(sizes, int):
        sizes = [sizes] * len(members)

    def ok():
        check_all(members)
        got = [m.partitions(topic) for m in members]
        if any(m.assignment is None for m in members):
            return None
        union = set()
        total = 0
        for g in got:
            union |= g
            total += len(g)
        if union != set(range(partitions)):
            return None
        if exclusive and total != partitions:
            return None
        if sizes is not None and [len(g) for g in got] != list(sizes):
            return None
        return {m.name: g for m, g in zip(members, got)}

    def describe():
        return ", ".join("%s=%s" % (m.name, sorted(m.partitions(topic))) for m in members)

    try:
        return wait_until(ok, timeout, "a balanced assignment of %d partitions" % partitions, 0.1)
    except AssertionError as e:
        raise AssertionError("%s; assignments: %s" % (e, describe()))


def wait_consumed(members, count, timeout=T):
    """Wait until the members consumed `count` messages in total."""
    def ok():
        check_all(members)
        return sum(len(m.consumed()) for m in members) >= count
    try:
        wait_until(ok, timeout, "%d messages consumed" % count, 0.1)
    except AssertionError as e:
        raise AssertionError("%s; consumed: %s" % (
            e, {m.name: len(m.consumed()) for m in members}))


def messages_for(topic, partitions, per_partition, start=0, tag="m"):
    """Messages with explicit partitions and recognisable values."""
    return [{"value": ("%s-%d-%d" % (tag, p, i)).encode(), "key": b"k%d" % p, "partition": p}
            for i in range(start, start + per_partition) for p in range(partitions)]


# --------------------------------------------------------------------------
# Child-process member: python3 group_helpers.py ck-member BOOTSTRAP GROUP TOPIC NAME STRATEGY SESSION HB

def _ck_member_main(bootstrap, group, topic, name, strategy, session_ms, hb_ms):
    from confluent_kafka import Consumer

    out_lock = threading.Lock()

    def emit(**ev):
        ev["t"] = time.time()
        with out_lock:
            sys.stdout.write(json.dumps(ev) + "\n")
            sys.stdout.flush()

    stop = threading.Event()

    def stdin_watch():
        for line in sys.stdin:
            if line.strip() == "close":
                break
        stop.set()

    threading.Thread(target=stdin_watch, daemon=True).start()
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "client.id": name,
                  "partition.assignment.strategy": strategy,
                  "session.timeout.ms": int(session_ms), "heartbeat.interval.ms": int(hb_ms),
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "fetch.wait.max.ms": 100, "socket.timeout.ms": 10000})
    c.subscribe([topic],
                on_assign=lambda cc, ps: emit(event="on_assign", partitions=[p.partition for p in ps]),
                on_revoke=lambda cc, ps: emit(event="on_revoke", partitions=[p.partition for p in ps]))
    last = None
    deadline = time.monotonic() + 170  # never outlive a test file
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            m = c.poll(0.1)
            a = sorted(p.partition for p in c.assignment())
            if a != last:
                last = a
                emit(event="assignment", partitions=a)
            if m is not None and not m.error():
                emit(event="msg", partition=m.partition(), offset=m.offset())
    finally:
        c.close()
        emit(event="closed")


def main(argv):
    if len(argv) == 8 and argv[0] == "ck-member":
        _ck_member_main(*argv[1:])
        return 0
    sys.stderr.write("usage: group_helpers.py ck-member BOOTSTRAP GROUP TOPIC NAME STRATEGY "
                     "SESSION_MS HEARTBEAT_MS\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def ask_to_exit(proc, command, timeout):
    """Writes `command` to a member process's stdin and waits for it to exit.
    True when it has exited within `timeout` (or had already)."""
    if proc.poll() is not None:
        return True
    try:
        proc.stdin.write(command + b"\n")
        proc.stdin.flush()
    except OSError:
        pass
    try:
        proc.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


def advance_and_check_resume(batch, positions, expect_committed):
    """Moves `positions` past the (partition, offset, value) records of
    `batch`; with `expect_committed`, each partition's first record must sit
    exactly at its committed offset (a member resumes where the group left)."""
    firsts = {}
    for p, off, _ in batch:
        firsts.setdefault(p, off)
        positions[p] = max(positions[p], off + 1)
    if expect_committed is not None:
        for p, first in firsts.items():
            assert first == expect_committed[p], (
                "partition %d resumed at %d, committed %d" % (p, first, expect_committed[p]))
