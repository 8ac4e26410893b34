"""Start and stop a real sluiced for the integration tests, and small helpers
shared by the test files (client wrappers with deadlines, on-disk batch
inspection).

Every Broker gets its own free port and its own temp dir, so test files can
run in parallel. Every process started here is stopped by its PID: by the
pytest fixtures' finalizers, and as a last resort by an atexit hook.
"""

import atexit
import collections
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SLUICED = os.path.normpath(os.path.join(HERE, "..", "..", "build", "bin", "sluiced"))

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0

CODEC_NONE, CODEC_GZIP, CODEC_SNAPPY, CODEC_LZ4, CODEC_ZSTD = range(5)
CODECS = {"none": CODEC_NONE, "gzip": CODEC_GZIP, "snappy": CODEC_SNAPPY,
          "lz4": CODEC_LZ4, "zstd": CODEC_ZSTD}


class BrokerError(AssertionError):
    """The broker misbehaved (failed to start, unclean exit). An
    AssertionError, so pytest reports it as a failure, never a skip."""


def sluiced_path():
    path = os.environ.get("SLUICED") or DEFAULT_SLUICED
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise BrokerError(
            "sluiced binary not found or not executable: %r (set SLUICED or build "
            "build/bin/sluiced)" % path)
    return path


_HANDED_OUT = set()


def free_port():
    """A port free now and never handed out before in this process: a test
    that picks a port for one listener (HTTP, say) and then starts a broker
    whose Kafka listener picks another must never get the same one twice."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def unique(prefix="t"):
    """A topic/group name no other test uses."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


_LIVE = set()


@atexit.register
def _kill_leftovers():
    for b in list(_LIVE):
        b._force_kill()


BatchHeader = collections.namedtuple(
    "BatchHeader",
    "position base_offset batch_length partition_leader_epoch magic crc attributes "
    "last_offset_delta base_timestamp max_timestamp producer_id producer_epoch "
    "base_sequence record_count")


def read_batch_headers(path):
    """Headers of every complete record batch in a .log segment file.

    Layout (Kafka record batch v2): base offset int64, batch length int32,
    partition leader epoch int32, magic int8, crc uint32, attributes int16
    (byte 21; low 3 bits = compression codec), last offset delta int32,
    base/max timestamp int64, producer id int64, producer epoch int16, base
    sequence int32, record count int32. A trailing partial batch (or zero
    fill) ends the scan.
    """
    with open(path, "rb") as f:
        data = f.read()
    out = []
    pos = 0
    while pos + 61 <= len(data):
        base_offset, length = struct.unpack_from(">qi", data, pos)
        if length <= 0 or pos + 12 + length > len(data):
            break
        fields = struct.unpack_from(">ibIhiqqqhii", data, pos + 12)
        out.append(BatchHeader(pos, base_offset, length, *fields))
        pos += 12 + length
    return out


def codecs_in(paths):
    """Set of compression codecs of all batches in the given .log files."""
    return {h.attributes & 0x7 for p in paths for h in read_batch_headers(p)}


class Broker:
    """One sluiced process with its own port and data dir.

    overrides: dict of Kafka property -> value, passed as --override k=v after
    the defaults (listeners, advertised.listeners, log.dirs, node.id).
    """

    def __init__(self, overrides=None, name="sluiced"):
        self.name = name
        self.binary = sluiced_path()
        self.tmp = tempfile.mkdtemp(prefix="sluice-it-")
        self.data_dir = os.path.join(self.tmp, "data")
        os.mkdir(self.data_dir)
        self.log_path = os.path.join(self.tmp, "sluiced.stderr.log")
        self.port = free_port()
        self.overrides = dict(overrides or {})
        self.proc = None
        self.starts = 0
        self.exit_codes = []
        _LIVE.add(self)

    # ---- lifecycle -------------------------------------------------------

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def argv(self):
        listener = "PLAINTEXT://127.0.0.1:%d" % self.port
        base = collections.OrderedDict([
            ("listeners", listener),
            ("advertised.listeners", listener),
            ("log.dirs", self.data_dir),
            ("node.id", "0"),
            # Off unless a test asks: the default port would clash between brokers.
            ("http.listeners", ""),
            # Likewise the schema registry's default port 8081.
            ("schema.registry.listeners", ""),
        ])
        base.update(self.overrides)
        argv = [self.binary]
        for k, v in base.items():
            argv += ["--override", "%s=%s" % (k, v)]
        return argv

    def start(self):
        assert not self.running(), "broker already running"
        for attempt in range(3):
            try:
                self._start_once()
                return self
            except BrokerError:
                # Only the very first start may move to another port (someone
                # grabbed the free port between our probe and the bind).
                if self.starts > 1 or attempt == 2 or not self._log_says_addr_in_use():
                    raise
                self.port = free_port()
                self.starts -= 1

    def _log_says_addr_in_use(self):
        t = self.log_tail(4000).lower()
        return "in use" in t or "eaddrinuse" in t

    def _start_once(self):
        self.starts += 1
        argv = self.argv()
        with open(self.log_path, "ab") as log:
            log.write(("\n=== start #%d: %s\n" % (self.starts, " ".join(argv))).encode())
            log.flush()
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, cwd=self.tmp)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.exit_codes.append(rc)
                raise BrokerError("sluiced exited with code %d during startup\n%s"
                                  % (rc, self.log_tail()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self._force_kill()
        raise BrokerError("sluiced did not accept connections on port %d within %.0f s\n%s"
                          % (self.port, START_TIMEOUT, self.log_tail()))

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait <= timeout, require exit code 0."""
        if not self.running():
            rc = self.proc.returncode if self.proc else None
            raise BrokerError("stop(): sluiced is not running (exit code %r)\n%s"
                              % (rc, self.log_tail()))
        t0 = time.monotonic()
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._force_kill()
            raise BrokerError("sluiced did not exit within %.0f s of SIGTERM\n%s"
                              % (timeout, self.log_tail()))
        self.exit_codes.append(rc)
        if rc != 0:
            raise BrokerError("sluiced exited with code %d after SIGTERM (%.1f s)\n%s"
                              % (rc, time.monotonic() - t0, self.log_tail()))
        return rc

    def kill9(self):
        """SIGKILL by PID and reap it."""
        assert self.running(), "kill9(): sluiced is not running"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(STOP_TIMEOUT)
        self.exit_codes.append(self.proc.returncode)

    def restart(self, extra=None):
        """Clean stop (if running), then start again on the same port and data
        dir; extra overrides are added to (and replace) the earlier ones."""
        if self.running():
            self.stop()
        if extra:
            self.overrides.update(extra)
        return self.start()

    def _force_kill(self):
        if self.running():
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass

    def close(self):
        """Finalizer: stop by PID (clean if possible), remove the temp dir.
        Returns a list of problems (unclean shutdown) for the caller to report."""
        problems = []
        try:
            if self.running():
                try:
                    self.stop()
                except BrokerError as e:
                    problems.append(str(e))
        finally:
            self._force_kill()
            _LIVE.discard(self)
            _ADMINS.pop(self.bootstrap, None)
            shutil.rmtree(self.tmp, ignore_errors=True)
        return problems

    # ---- diagnostics -----------------------------------------------------

    def log_tail(self, nbytes=6000):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - nbytes))
                text = f.read().decode(errors="replace")
        except OSError:
            return "(no sluiced log)"
        return "---- tail of %s (%s) ----\n%s" % (self.log_path, self.name, text)

    # ---- on-disk inspection ----------------------------------------------

    def partition_dir(self, topic, partition=0):
        return os.path.join(self.data_dir, "%s-%d" % (topic, partition))

    def segment_files(self, topic, partition=0):
        """The partition's .log segment files, sorted by base offset. Only
        exact '<20 digits>.log' names count (not '.log.deleted' etc.)."""
        d = self.partition_dir(topic, partition)
        if not os.path.isdir(d):
            return []
        names = [n for n in os.listdir(d)
                 if n.endswith(".log") and len(n) == 24 and n[:20].isdigit()]
        return [os.path.join(d, n) for n in sorted(names)]

    def batch_headers(self, topic, partition=0):
        return [h for p in self.segment_files(topic, partition) for h in read_batch_headers(p)]


# --------------------------------------------------------------------------
# Waiting

def wait_until(predicate, timeout, what, interval=0.1):
    """Poll predicate() until truthy (returns its value) or fail after timeout."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = predicate()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - reported below
            last_exc = e
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1f s waiting for %s%s"
                                 % (timeout, what,
                                    "" if last_exc is None else " (last error: %r)" % last_exc))
        time.sleep(interval)


def broker_alive(port, timeout=5.0):
    """A fresh connection gets a correct ApiVersions v0 answer."""
    import kafka_wire as w
    with w.connect(port, timeout) as s:
        r = w.roundtrip(s, w.API_API_VERSIONS, 0, 4242, w.api_versions_v0_body(), timeout=timeout)
        err, keys = w.parse_api_versions_v0(r)
        return err == 0 and w.API_API_VERSIONS in keys


# --------------------------------------------------------------------------
# confluent-kafka helpers (librdkafka)

_ADMINS = {}


def admin(bootstrap):
    """One AdminClient per broker address, kept alive until that broker is
    closed: librdkafka fails pending admin futures with _DESTROY when the
    client handle is garbage-collected, so callers must not own a temporary."""
    from confluent_kafka.admin import AdminClient
    a = _ADMINS.get(bootstrap)
    if a is None:
        a = _ADMINS[bootstrap] = AdminClient({"bootstrap.servers": bootstrap,
                                              "socket.timeout.ms": 10000})
    return a


def topic_names(bootstrap, timeout=10):
    """All topic names, from a metadata request for all topics (which never
    auto-creates anything)."""
    md = admin(bootstrap).list_topics(timeout=timeout)
    return set(md.topics)


def wait_topic(bootstrap, topic, partitions=None, timeout=10):
    """Wait until metadata lists the topic without error and with every
    partition led by a broker. Uses the all-topics metadata request, so it
    does not auto-create. Returns the TopicMetadata."""
    a = admin(bootstrap)

    def ready():
        md = a.list_topics(timeout=5)
        t = md.topics.get(topic)
        if t is None or t.error is not None or not t.partitions:
            return None
        if partitions is not None and len(t.partitions) != partitions:
            return None
        if any(p.leader < 0 or p.error is not None for p in t.partitions.values()):
            return None
        return t

    return wait_until(ready, timeout, "topic %s in metadata" % topic)


def create_topic(bootstrap, topic, partitions=1, config=None, timeout=10):
    from confluent_kafka.admin import NewTopic
    fs = admin(bootstrap).create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=1, config=config or {})],
        request_timeout=timeout)
    fs[topic].result(timeout)
    return wait_topic(bootstrap, topic, partitions, timeout)


class Delivery:
    def __init__(self):
        self.ok = []      # (partition, offset, key, value)
        self.failed = []  # (KafkaError, key, value)

    def __call__(self, err, msg):
        if err is not None:
            self.failed.append((err, msg.key(), msg.value()))
        else:
            self.ok.append((msg.partition(), msg.offset(), msg.key(), msg.value()))


def producer(bootstrap, **conf):
    from confluent_kafka import Producer
    c = {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
         "message.timeout.ms": 20000, "socket.timeout.ms": 10000}
    c.update({k.replace("_", "."): v for k, v in conf.items()})
    return Producer(c)


def produce(bootstrap, topic, messages, check=True, timeout=30, **conf):
    """messages: iterable of dicts with value and optional key, headers,
    timestamp, partition. Returns the Delivery record. With check=True every
    delivery report must be a success."""
    p = producer(bootstrap, **conf)
    d = Delivery()
    n = 0
    for m in messages:
        kw = {k: m[k] for k in ("key", "headers", "timestamp", "partition") if k in m}
        while True:
            try:
                p.produce(topic, m.get("value"), on_delivery=d, **kw)
                break
            except BufferError:
                p.poll(0.05)
        n += 1
        p.poll(0)
    left = p.flush(timeout)
    assert left == 0, "%d messages still undelivered after %d s" % (left, timeout)
    assert len(d.ok) + len(d.failed) == n
    if check:
        assert not d.failed, "delivery failed: %r" % (d.failed[:5],)
    return d


class Load:
    """A confluent-kafka producer (acks=all) sending numbered records from a
    thread until stop(), which checks that every record was delivered;
    deliveries are counted as they come. Load for the cluster's fault and
    shutdown tests."""

    def __init__(self, bootstrap, topic, prefix, **conf):
        conf.setdefault("message_timeout_ms", 60000)
        self.topic, self.prefix = topic, prefix
        self.producer = producer(bootstrap, **conf)
        self.delivery = Delivery()
        self.sent = 0
        self.left = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                self.producer.produce(self.topic, b"%s%07d" % (self.prefix, self.sent), on_delivery=self.delivery)
                self.sent += 1
            except BufferError:
                pass
            self.producer.poll(0.003)
        self.left = self.producer.flush(60)

    def acked(self):
        return len(self.delivery.ok)

    def stop(self):
        self.stopping.set()
        self.thread.join(90)
        assert not self.thread.is_alive(), "the producer did not finish"
        assert self.left == 0, "%d records never delivered" % self.left
        assert not self.delivery.failed, "deliveries failed: %r" % self.delivery.failed[:5]
        return self.delivery


def consume(bootstrap, topic, partition=0, start=0, end=None, timeout=20, **conf):
    """Read [start, end) of one partition with an assign()ed consumer (no
    consumer group membership, no commits). end=None: up to the high
    watermark at call time. Returns confluent_kafka Message objects."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition
    c = {"bootstrap.servers": bootstrap, "group.id": unique("g"),
         "enable.auto.commit": False, "enable.auto.offset.store": False,
         "auto.offset.reset": "error", "enable.partition.eof": True,
         "fetch.wait.max.ms": 100, "socket.timeout.ms": 10000}
    c.update({k.replace("_", "."): v for k, v in conf.items()})
    cons = Consumer(c)
    try:
        if end is None:
            _, end = cons.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
        out = []
        if end <= start:
            return out
        cons.assign([TopicPartition(topic, partition, start)])
        other_errors = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = cons.poll(0.2)
            if m is None:
                continue
            if m.error():
                code = m.error().code()
                if code == KafkaError._PARTITION_EOF:
                    continue
                if m.topic() == topic or m.error().fatal():
                    raise AssertionError("consume %s[%d] error: %s" % (topic, partition, m.error()))
                other_errors.append(m.error())
                continue
            out.append(m)
            if m.offset() >= end - 1:
                return out
        raise AssertionError(
            "consume %s[%d] [%d,%d): got %d messages in %d s (last offset %r); other errors: %r"
            % (topic, partition, start, end, len(out), timeout,
               out[-1].offset() if out else None, other_errors[:5]))
    finally:
        cons.close()


def watermarks(bootstrap, topic, partition=0, timeout=10):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("g"),
                  "enable.auto.commit": False})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout)
    finally:
        c.close()


def run(argv, timeout=30, input=None, check=True, cwd=None):
    """Run a client command line with a hard timeout; returns CompletedProcess."""
    try:
        cp = subprocess.run(argv, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("%s timed out after %d s\nstdout: %r\nstderr: %r"
                             % (" ".join(argv), timeout, e.stdout, e.stderr))
    if check and cp.returncode != 0:
        raise AssertionError("%s exited %d\nstdout: %s\nstderr: %s"
                             % (" ".join(argv), cp.returncode,
                                cp.stdout.decode(errors="replace")[-3000:],
                                cp.stderr.decode(errors="replace")[-3000:]))
    return cp
