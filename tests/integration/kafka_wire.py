"""A tiny hand-written Kafka wire codec for the raw-socket tests.

Only what test_bad_input.py needs: request framing (request header v1 and
v2), the primitive encoders/decoders, record batch v2 with CRC-32C, and
decoders for the handful of responses the tests look at. It is written from
the Kafka protocol definitions, independent of the broker's generated code,
so the two implementations check each other.

Every decoder is bounds-checked: reading past the end raises WireError.
"""

import socket
import struct
import time

# --------------------------------------------------------------------------
# CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, table driven.

def _make_crc32c_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C_TABLE = _make_crc32c_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# --------------------------------------------------------------------------
# Encoders

def int8(v):
    return struct.pack(">b", v)


def int16(v):
    return struct.pack(">h", v)


def int32(v):
    return struct.pack(">i", v)


def int64(v):
    return struct.pack(">q", v)


def uint32(v):
    return struct.pack(">I", v)


def string(s):
    """Non-flexible STRING / NULLABLE_STRING (int16 length, -1 = null)."""
    if s is None:
        return int16(-1)
    b = s.encode() if isinstance(s, str) else s
    return int16(len(b)) + b


def bytes_(b):
    """Non-flexible BYTES / NULLABLE_BYTES / RECORDS (int32 length)."""
    if b is None:
        return int32(-1)
    return int32(len(b)) + b


def array(items, enc=lambda x: x):
    """Non-flexible ARRAY (int32 count, -1 = null)."""
    if items is None:
        return int32(-1)
    return int32(len(items)) + b"".join(enc(i) for i in items)


def uvarint(v):
    assert v >= 0
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def varint(v):
    """Signed zig-zag varint (works for 32 and 64 bit values)."""
    return uvarint((v << 1) ^ (v >> 63))


def compact_string(s):
    if s is None:
        return uvarint(0)
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


def compact_array(items, enc=lambda x: x):
    if items is None:
        return uvarint(0)
    return uvarint(len(items) + 1) + b"".join(enc(i) for i in items)


EMPTY_TAGGED_FIELDS = b"\x00"


# --------------------------------------------------------------------------
# Decoder

class WireError(Exception):
    pass


class Reader:
    def __init__(self, data, pos=0):
        self.data = bytes(data)
        self.pos = pos

    def remaining(self):
        return len(self.data) - self.pos

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise WireError("read of %d bytes at %d past end (%d)" % (n, self.pos, len(self.data)))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def _unpack(self, fmt, n):
        return struct.unpack(fmt, self.take(n))[0]

    def int8(self):
        return self._unpack(">b", 1)

    def int16(self):
        return self._unpack(">h", 2)

    def int32(self):
        return self._unpack(">i", 4)

    def int64(self):
        return self._unpack(">q", 8)

    def uint32(self):
        return self._unpack(">I", 4)

    def bool(self):
        v = self.int8()
        if v not in (0, 1):
            raise WireError("bad boolean %d" % v)
        return bool(v)

    def string(self):
        n = self.int16()
        if n == -1:
            return None
        if n < 0:
            raise WireError("bad string length %d" % n)
        return self.take(n).decode()

    def bytes_(self):
        n = self.int32()
        if n == -1:
            return None
        if n < 0:
            raise WireError("bad bytes length %d" % n)
        return self.take(n)

    def array(self, dec):
        n = self.int32()
        if n == -1:
            return None
        if n < 0 or n > self.remaining():
            raise WireError("bad array length %d (remaining %d)" % (n, self.remaining()))
        return [dec(self) for _ in range(n)]

    def uvarint(self):
        shift = 0
        v = 0
        for _ in range(10):
            b = self.int8() & 0xFF
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7
        raise WireError("varint too long")

    def varint(self):
        u = self.uvarint()
        return (u >> 1) ^ -(u & 1)

    def compact_string(self):
        n = self.uvarint()
        if n == 0:
            return None
        return self.take(n - 1).decode()

    def compact_array(self, dec):
        n = self.uvarint()
        if n == 0:
            return None
        n -= 1
        if n > self.remaining():
            raise WireError("bad compact array length %d" % n)
        return [dec(self) for _ in range(n)]

    def tagged_fields(self):
        """Returns {tag: raw bytes}."""
        out = {}
        for _ in range(self.uvarint()):
            tag = self.uvarint()
            size = self.uvarint()
            out[tag] = self.take(size)
        return out

    def expect_end(self):
        if self.remaining():
            raise WireError("%d trailing bytes at %d" % (self.remaining(), self.pos))


# --------------------------------------------------------------------------
# Request framing

API_PRODUCE = 0
API_FETCH = 1
API_LIST_OFFSETS = 2
API_METADATA = 3
API_API_VERSIONS = 18
API_CREATE_TOPICS = 19


def request_header_v1(api_key, api_version, correlation_id, client_id="sluice-wire-test"):
    return int16(api_key) + int16(api_version) + int32(correlation_id) + string(client_id)


def request_header_v2(api_key, api_version, correlation_id, client_id="sluice-wire-test"):
    # Request header v2: header v1 + tagged fields. client_id stays a
    # non-compact nullable string even in the flexible header.
    return request_header_v1(api_key, api_version, correlation_id, client_id) + EMPTY_TAGGED_FIELDS


def frame(payload):
    return int32(len(payload)) + payload


def request(api_key, api_version, correlation_id, body, flexible=False, client_id="sluice-wire-test"):
    hdr = (request_header_v2 if flexible else request_header_v1)(
        api_key, api_version, correlation_id, client_id)
    return frame(hdr + body)


# --------------------------------------------------------------------------
# Socket helpers

class Closed(Exception):
    """The peer closed the connection (EOF or reset)."""


def connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    return s


def recv_exact(sock, n, deadline):
    buf = bytearray()
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out after %d of %d bytes" % (len(buf), n))
        sock.settimeout(left)
        try:
            chunk = sock.recv(n - len(buf))
        except socket.timeout:
            raise TimeoutError("timed out after %d of %d bytes" % (len(buf), n))
        except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            raise Closed()
        if not chunk:
            raise Closed()
        buf += chunk
    return bytes(buf)


def recv_frame(sock, timeout=5.0):
    """One response frame (without its length prefix). Raises Closed/TimeoutError."""
    deadline = time.monotonic() + timeout
    size = struct.unpack(">i", recv_exact(sock, 4, deadline))[0]
    if size < 4 or size > 64 * 1024 * 1024:
        raise WireError("implausible response size %d" % size)
    return recv_exact(sock, size, deadline)


def send_all(sock, data):
    """sendall that reports a reset connection as Closed."""
    try:
        sock.sendall(data)
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
        raise Closed()


def wait_closed(sock, timeout=5.0):
    """True if the peer closes the connection within timeout (any data it
    sends first is drained and ignored), False if it stays open."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            return True
        if not chunk:
            return True


def roundtrip(sock, api_key, api_version, correlation_id, body, flexible=False, timeout=5.0):
    """Send one request, read one response frame, check its correlation id.
    Returns a Reader positioned after the correlation id (response header v0)."""
    send_all(sock, request(api_key, api_version, correlation_id, body, flexible))
    resp = recv_frame(sock, timeout)
    r = Reader(resp)
    cid = r.int32()
    if cid != correlation_id:
        raise WireError("correlation id %d, expected %d" % (cid, correlation_id))
    return r


# --------------------------------------------------------------------------
# ApiVersions

def api_versions_v0_body():
    return b""


def api_versions_v3_body(name="sluice-wire-test", version="1.0"):
    return compact_string(name) + compact_string(version) + EMPTY_TAGGED_FIELDS


def parse_api_versions_v0(r):
    """ApiVersions response v0 body -> (error_code, {api_key: (min, max)})."""
    err = r.int16()
    keys = r.array(lambda rr: (rr.int16(), rr.int16(), rr.int16()))
    r.expect_end()
    return err, {k: (lo, hi) for k, lo, hi in (keys or [])}


def parse_api_versions_v3(r):
    """ApiVersions response v3 body (flexible) -> (error, {key: (min, max)}, throttle, tags)."""
    err = r.int16()

    def entry(rr):
        k, lo, hi = rr.int16(), rr.int16(), rr.int16()
        rr.tagged_fields()
        return k, lo, hi

    keys = r.compact_array(entry)
    throttle = r.int32()
    tags = r.tagged_fields()
    r.expect_end()
    return err, {k: (lo, hi) for k, lo, hi in (keys or [])}, throttle, tags


# --------------------------------------------------------------------------
# Metadata v1

def metadata_v1_body(topics):
    """topics=None asks for all topics."""
    return array(None if topics is None else list(topics), string)


def parse_metadata_v1(r):
    brokers = r.array(lambda rr: dict(node_id=rr.int32(), host=rr.string(), port=rr.int32(),
                                      rack=rr.string()))
    controller_id = r.int32()

    def partition(rr):
        return dict(error_code=rr.int16(), partition=rr.int32(), leader=rr.int32(),
                    replicas=rr.array(Reader.int32), isr=rr.array(Reader.int32))

    def topic(rr):
        return dict(error_code=rr.int16(), name=rr.string(), is_internal=rr.bool(),
                    partitions=rr.array(partition))

    topics = r.array(topic)
    r.expect_end()
    return dict(brokers=brokers, controller_id=controller_id, topics=topics)


def parse_metadata_v13(r):
    """Metadata response v9+ (flexible) up to v13's top-level error code,
    after the response header's tagged fields."""
    r.tagged_fields()  # response header v1
    throttle = r.int32()

    def broker(rr):
        b = dict(node_id=rr.int32(), host=rr.compact_string(), port=rr.int32(), rack=rr.compact_string())
        rr.tagged_fields()
        return b

    def partition(rr):
        p = dict(error_code=rr.int16(), partition=rr.int32(), leader=rr.int32(), leader_epoch=rr.int32(),
                 replicas=rr.compact_array(lambda x: x.int32()), isr=rr.compact_array(lambda x: x.int32()),
                 offline=rr.compact_array(lambda x: x.int32()))
        rr.tagged_fields()
        return p

    def topic(rr):
        t = dict(error_code=rr.int16(), name=rr.compact_string(), topic_id=rr.take(16), internal=rr.bool(),
                 partitions=rr.compact_array(partition), authorized_operations=rr.int32())
        rr.tagged_fields()
        return t

    out = dict(throttle=throttle, brokers=r.compact_array(broker), cluster_id=r.compact_string(),
               controller=r.int32(), topics=r.compact_array(topic), error_code=r.int16())
    r.tagged_fields()
    r.expect_end()
    return out


# --------------------------------------------------------------------------
# Produce v3

def produce_v3_body(topic, partition, records, acks=1, timeout_ms=5000, transactional_id=None):
    return (string(transactional_id) + int16(acks) + int32(timeout_ms)
            + array([(topic, [(partition, records)])],
                    lambda t: string(t[0]) + array(t[1], lambda p: int32(p[0]) + bytes_(p[1]))))


def parse_produce_v3(r):
    def part(rr):
        return dict(partition=rr.int32(), error_code=rr.int16(), base_offset=rr.int64(),
                    log_append_time=rr.int64())

    topics = r.array(lambda rr: (rr.string(), rr.array(part)))
    throttle = r.int32()
    r.expect_end()
    return {name: {p["partition"]: p for p in parts} for name, parts in topics}, throttle


def parse_produce_v8(r):
    """Produce v8 adds KIP-467's per-record errors and an error message."""
    def record_error(rr):
        return dict(batch_index=rr.int32(), message=rr.string())

    def part(rr):
        return dict(partition=rr.int32(), error_code=rr.int16(), base_offset=rr.int64(),
                    log_append_time=rr.int64(), log_start_offset=rr.int64(),
                    record_errors=rr.array(record_error), error_message=rr.string())

    topics = r.array(lambda rr: (rr.string(), rr.array(part)))
    throttle = r.int32()
    r.expect_end()
    return {name: {p["partition"]: p for p in parts} for name, parts in topics}, throttle


# --------------------------------------------------------------------------
# Fetch v4

def fetch_v4_body(topic, partition, offset, max_wait_ms=100, min_bytes=0,
                  max_bytes=1 << 20, partition_max_bytes=1 << 20):
    return (int32(-1) + int32(max_wait_ms) + int32(min_bytes) + int32(max_bytes) + int8(0)
            + array([(topic, [(partition, offset)])],
                    lambda t: string(t[0]) + array(
                        t[1], lambda p: int32(p[0]) + int64(p[1]) + int32(partition_max_bytes))))


def parse_fetch_v4(r):
    throttle = r.int32()

    def part(rr):
        d = dict(partition=rr.int32(), error_code=rr.int16(), high_watermark=rr.int64(),
                 last_stable_offset=rr.int64())
        d["aborted"] = rr.array(lambda x: (x.int64(), x.int64()))
        d["records"] = rr.bytes_()
        return d

    topics = r.array(lambda rr: (rr.string(), rr.array(part)))
    r.expect_end()
    return throttle, {name: {p["partition"]: p for p in parts} for name, parts in topics}


def _fetch_topics(partitions, partition_fields):
    """[(topic, partition, offset)] -> the topics array, consecutive partitions
    of one topic grouped, in the given order (the order the broker reads)."""
    groups = []
    for topic, partition, offset in partitions:
        if not groups or groups[-1][0] != topic:
            groups.append((topic, []))
        groups[-1][1].append((partition, offset))
    return array(groups, lambda t: string(t[0]) + array(t[1], partition_fields))


def fetch_v4_partitions_body(partitions, max_bytes, partition_max_bytes, max_wait_ms=0, min_bytes=0):
    """Fetch v4 over several partitions: [(topic, partition, offset)]."""
    return (int32(-1) + int32(max_wait_ms) + int32(min_bytes) + int32(max_bytes) + int8(0)
            + _fetch_topics(partitions, lambda p: int32(p[0]) + int64(p[1]) + int32(partition_max_bytes)))


# --------------------------------------------------------------------------
# Fetch v2: no response-wide max_bytes, and no KIP-74 exception

def fetch_v2_body(partitions, partition_max_bytes, max_wait_ms=0, min_bytes=0):
    return (int32(-1) + int32(max_wait_ms) + int32(min_bytes)
            + _fetch_topics(partitions, lambda p: int32(p[0]) + int64(p[1]) + int32(partition_max_bytes)))


def parse_fetch_v2(r):
    throttle = r.int32()

    def part(rr):
        return dict(partition=rr.int32(), error_code=rr.int16(), high_watermark=rr.int64(),
                    records=rr.bytes_())

    topics = r.array(lambda rr: (rr.string(), rr.array(part)))
    r.expect_end()
    return throttle, {name: {p["partition"]: p for p in parts} for name, parts in topics}


# --------------------------------------------------------------------------
# Fetch v7: incremental fetch sessions (KIP-227)

def fetch_v7_session_body(session_id, epoch, partitions, max_bytes, partition_max_bytes,
                          forgotten=(), max_wait_ms=0, min_bytes=0):
    """partitions: [(topic, partition, offset)], forgotten: [(topic, [partitions])]."""
    return (int32(-1) + int32(max_wait_ms) + int32(min_bytes) + int32(max_bytes) + int8(0)
            + int32(session_id) + int32(epoch)
            + _fetch_topics(partitions, lambda p: int32(p[0]) + int64(p[1]) + int64(-1)
                            + int32(partition_max_bytes))
            + array(list(forgotten), lambda f: string(f[0]) + array(f[1], int32)))


def parse_fetch_v7(r):
    """-> (error_code, session_id, [(topic, partition dict)] in response order)."""
    r.int32()  # throttle
    error = r.int16()
    session_id = r.int32()

    def part(rr):
        d = dict(partition=rr.int32(), error_code=rr.int16(), high_watermark=rr.int64(),
                 last_stable_offset=rr.int64(), log_start_offset=rr.int64())
        d["aborted"] = rr.array(lambda x: (x.int64(), x.int64()))
        d["records"] = rr.bytes_()
        return d

    topics = r.array(lambda rr: (rr.string(), rr.array(part)))
    r.expect_end()
    return error, session_id, [(name, p) for name, parts in topics for p in parts]


# --------------------------------------------------------------------------
# ListOffsets v1

def list_offsets_v1_body(topic, partition, timestamp):
    return (int32(-1) + array([(topic, [(partition, timestamp)])],
                              lambda t: string(t[0]) + array(
                                  t[1], lambda p: int32(p[0]) + int64(p[1]))))


def parse_list_offsets_v1(r):
    def part(rr):
        return dict(partition=rr.int32(), error_code=rr.int16(), timestamp=rr.int64(),
                    offset=rr.int64())

    topics = r.array(lambda rr: (rr.string(), rr.array(part)))
    r.expect_end()
    return {name: {p["partition"]: p for p in parts} for name, parts in topics}


# --------------------------------------------------------------------------
# Record batch v2

# Byte positions inside a v2 batch.
BATCH_LENGTH_OFFSET = 8
BATCH_MAGIC_OFFSET = 16
BATCH_CRC_OFFSET = 17
BATCH_ATTRIBUTES_OFFSET = 21
BATCH_HEADER_SIZE = 61


def encode_record(offset_delta, timestamp_delta, key, value, headers=()):
    body = (int8(0) + varint(timestamp_delta) + varint(offset_delta)
            + (varint(-1) if key is None else varint(len(key)) + key)
            + (varint(-1) if value is None else varint(len(value)) + value)
            + varint(len(headers)))
    for hk, hv in headers:
        hk = hk.encode() if isinstance(hk, str) else hk
        body += varint(len(hk)) + hk
        body += varint(-1) if hv is None else varint(len(hv)) + hv
    return varint(len(body)) + body


def record_batch(records, base_offset=0, base_timestamp=None, attributes=0,
                 producer_id=-1, producer_epoch=-1, base_sequence=-1,
                 partition_leader_epoch=-1):
    """records: list of (key, value, headers) or (key, value, headers, timestamp).
    Builds an uncompressed v2 batch with a correct CRC-32C."""
    if base_timestamp is None:
        base_timestamp = int(time.time() * 1000)
    encoded = []
    max_ts = base_timestamp
    for i, rec in enumerate(records):
        key, value, headers = rec[0], rec[1], rec[2]
        ts = rec[3] if len(rec) > 3 else base_timestamp
        max_ts = max(max_ts, ts)
        encoded.append(encode_record(i, ts - base_timestamp, key, value, headers))
    after_crc = (int16(attributes) + int32(len(records) - 1) + int64(base_timestamp)
                 + int64(max_ts) + int64(producer_id) + int16(producer_epoch)
                 + int32(base_sequence) + int32(len(records)) + b"".join(encoded))
    crc = crc32c(after_crc)
    after_length = int32(partition_leader_epoch) + int8(2) + uint32(crc) + after_crc
    return int64(base_offset) + int32(len(after_length)) + after_length


def parse_batch_header(data, pos=0):
    """Fixed 61-byte header of the v2 batch at data[pos:]."""
    r = Reader(data, pos)
    h = dict(base_offset=r.int64(), batch_length=r.int32(), partition_leader_epoch=r.int32(),
             magic=r.int8(), crc=r.uint32(), attributes=r.int16(), last_offset_delta=r.int32(),
             base_timestamp=r.int64(), max_timestamp=r.int64(), producer_id=r.int64(),
             producer_epoch=r.int16(), base_sequence=r.int32(), record_count=r.int32())
    return h


def batch_crc_ok(batch):
    h = parse_batch_header(batch)
    end = 12 + h["batch_length"]
    return crc32c(batch[BATCH_ATTRIBUTES_OFFSET:end]) == h["crc"]


def parse_records(batch):
    """Decode an uncompressed v2 batch -> list of dicts (offset, timestamp, key, value, headers)."""
    h = parse_batch_header(batch)
    if h["attributes"] & 0x7:
        raise WireError("compressed batch; parse_records handles codec none only")
    r = Reader(batch[:12 + h["batch_length"]], BATCH_HEADER_SIZE)
    out = []
    for _ in range(h["record_count"]):
        length = r.varint()
        rec = Reader(r.take(length))
        rec.int8()
        ts_delta = rec.varint()
        off_delta = rec.varint()
        klen = rec.varint()
        key = None if klen < 0 else rec.take(klen)
        vlen = rec.varint()
        value = None if vlen < 0 else rec.take(vlen)
        headers = []
        for _ in range(rec.varint()):
            hk = rec.take(rec.varint()).decode()
            hvlen = rec.varint()
            headers.append((hk, None if hvlen < 0 else rec.take(hvlen)))
        rec.expect_end()
        out.append(dict(offset=h["base_offset"] + off_delta,
                        timestamp=h["base_timestamp"] + ts_delta,
                        key=key, value=value, headers=headers))
    r.expect_end()
    return out


def split_batches(data):
    """Split a RECORDS blob (fetch response / log file) into whole batches;
    a trailing partial batch is dropped, as Kafka clients do."""
    out = []
    pos = 0
    while pos + 12 <= len(data):
        length = struct.unpack_from(">i", data, pos + 8)[0]
        if length <= 0 or pos + 12 + length > len(data):
            break
        out.append(data[pos:pos + 12 + length])
        pos += 12 + length
    return out


# --------------------------------------------------------------------------
# KIP-848 consumer groups: ConsumerGroupHeartbeat v0-1 (key 68),
# ConsumerGroupDescribe v0 (key 69), and ListGroups v5 (key 16) with its
# states and types filters. All three are flexible at these versions:
# request header v2, response header v1 (tagged fields after the
# correlation id). Topic ids are raw 16-byte UUIDs.

API_LIST_GROUPS = 16
API_CONSUMER_GROUP_HEARTBEAT = 68
API_CONSUMER_GROUP_DESCRIBE = 69


def compact_nullable_array(items, enc=lambda x: x):
    """COMPACT_ARRAY where None is the null array (varint 0)."""
    return compact_array(None if items is None else list(items), enc)


def consumer_group_heartbeat_body(version, group_id, member_id, member_epoch, instance_id=None,
                                  rack_id=None, rebalance_timeout_ms=-1,
                                  subscribed_topic_names=None, subscribed_topic_regex=None,
                                  server_assignor=None, topic_partitions=None):
    """ConsumerGroupHeartbeat request v0/v1. topic_partitions: None or
    [(topic id: 16 bytes, [partitions])]; subscribed_topic_regex is v1+
    (a non-null regex with version 0 is a caller error)."""
    if version < 1 and subscribed_topic_regex is not None:
        raise ValueError("SubscribedTopicRegex needs ConsumerGroupHeartbeat v1")
    body = (compact_string(group_id) + compact_string(member_id) + int32(member_epoch)
            + compact_string(instance_id) + compact_string(rack_id) + int32(rebalance_timeout_ms)
            + compact_nullable_array(subscribed_topic_names, compact_string))
    if version >= 1:
        body += compact_string(subscribed_topic_regex)
    body += compact_string(server_assignor)
    body += compact_nullable_array(
        topic_partitions,
        lambda tp: bytes(tp[0]) + compact_array(list(tp[1]), int32) + EMPTY_TAGGED_FIELDS)
    return body + EMPTY_TAGGED_FIELDS


def parse_consumer_group_heartbeat(r):
    """ConsumerGroupHeartbeat response v0/v1 (after the correlation id) ->
    dict; assignment is None (not sent) or {topic id bytes: [partitions]}."""
    r.tagged_fields()  # response header v1
    d = dict(throttle_ms=r.int32(), error_code=r.int16(), error_message=r.compact_string(),
             member_id=r.compact_string(), member_epoch=r.int32(),
             heartbeat_interval_ms=r.int32())
    marker = r.int8()  # nullable struct: -1 null, 1 present
    if marker < 0:
        d["assignment"] = None
    else:
        def tp(rr):
            topic_id = rr.take(16)
            parts = rr.compact_array(Reader.int32)
            rr.tagged_fields()
            return topic_id, parts

        topics = r.compact_array(tp) or []
        r.tagged_fields()
        d["assignment"] = {t: sorted(ps or []) for t, ps in topics}
    d["tags"] = r.tagged_fields()
    r.expect_end()
    return d


def consumer_group_describe_v0_body(group_ids, include_authorized_operations=False):
    return (compact_array(list(group_ids), compact_string) + int8(1 if include_authorized_operations else 0)
            + EMPTY_TAGGED_FIELDS)


def parse_consumer_group_describe_v0(r):
    """ConsumerGroupDescribe response v0 -> (throttle, {group id: group dict}).
    Assignments are {topic name: sorted partitions}, with the topic ids in
    assignment_ids / target_ids ({topic name: id bytes})."""
    r.tagged_fields()  # response header v1
    throttle = r.int32()

    def assignment(rr):
        def tp(x):
            t = dict(topic_id=x.take(16), topic_name=x.compact_string(),
                     partitions=sorted(x.compact_array(Reader.int32) or []))
            x.tagged_fields()
            return t

        topics = rr.compact_array(tp) or []
        rr.tagged_fields()
        return topics

    def member(rr):
        m = dict(member_id=rr.compact_string(), instance_id=rr.compact_string(),
                 rack_id=rr.compact_string(), member_epoch=rr.int32(),
                 client_id=rr.compact_string(), client_host=rr.compact_string(),
                 subscribed_topic_names=rr.compact_array(Reader.compact_string),
                 subscribed_topic_regex=rr.compact_string())
        current = assignment(rr)
        target = assignment(rr)
        m["assignment"] = {t["topic_name"]: t["partitions"] for t in current}
        m["target_assignment"] = {t["topic_name"]: t["partitions"] for t in target}
        m["assignment_ids"] = {t["topic_name"]: t["topic_id"] for t in current}
        m["target_ids"] = {t["topic_name"]: t["topic_id"] for t in target}
        rr.tagged_fields()
        return m

    def group(rr):
        g = dict(error_code=rr.int16(), error_message=rr.compact_string(),
                 group_id=rr.compact_string(), group_state=rr.compact_string(),
                 group_epoch=rr.int32(), assignment_epoch=rr.int32(),
                 assignor_name=rr.compact_string(), members=rr.compact_array(member) or [],
                 authorized_operations=rr.int32())
        rr.tagged_fields()
        return g

    groups = r.compact_array(group) or []
    r.tagged_fields()
    r.expect_end()
    return throttle, {g["group_id"]: g for g in groups}


def list_groups_v5_body(states_filter=(), types_filter=()):
    return (compact_array(list(states_filter), compact_string)
            + compact_array(list(types_filter), compact_string) + EMPTY_TAGGED_FIELDS)


def parse_list_groups_v5(r):
    """ListGroups response v5 -> (error_code, {group id: dict(protocol_type,
    group_state, group_type)})."""
    r.tagged_fields()  # response header v1
    r.int32()  # throttle
    err = r.int16()

    def group(rr):
        g = dict(group_id=rr.compact_string(), protocol_type=rr.compact_string(),
                 group_state=rr.compact_string(), group_type=rr.compact_string())
        rr.tagged_fields()
        return g

    groups = r.compact_array(group) or []
    r.tagged_fields()
    r.expect_end()
    return err, {g.pop("group_id"): g for g in groups}


# --------------------------------------------------------------------------
# DescribeProducers v0 (key 61): flexible, request header v2, response header v1.

API_DESCRIBE_PRODUCERS = 61


def describe_producers_v0_body(topics):
    """topics: [(name, [partitions])]"""
    return (compact_array(list(topics), lambda t: compact_string(t[0]) + compact_array(list(t[1]), int32)
                          + EMPTY_TAGGED_FIELDS) + EMPTY_TAGGED_FIELDS)


def parse_describe_producers_v0(r):
    """-> {topic: {partition: dict(error_code, producers={producer id: dict})}}"""
    r.tagged_fields()  # response header v1
    r.int32()  # throttle

    def producer(rr):
        d = dict(producer_id=rr.int64(), producer_epoch=rr.int32(), last_sequence=rr.int32(),
                 last_timestamp=rr.int64(), coordinator_epoch=rr.int32(), current_txn_start_offset=rr.int64())
        rr.tagged_fields()
        return d

    def partition(rr):
        index, error = rr.int32(), rr.int16()
        rr.compact_string()
        producers = rr.compact_array(producer) or []
        rr.tagged_fields()
        return index, dict(error_code=error, producers={p["producer_id"]: p for p in producers})

    def topic(rr):
        name = rr.compact_string()
        parts = rr.compact_array(partition) or []
        rr.tagged_fields()
        return name, dict(parts)

    topics = r.compact_array(topic) or []
    r.tagged_fields()
    r.expect_end()
    return dict(topics)


# --------------------------------------------------------------------------
# WriteTxnMarkers v1 (key 27): flexible, request header v2, response header v1.

API_WRITE_TXN_MARKERS = 27


def write_txn_markers_v1_body(markers):
    """markers: [(producer_id, producer_epoch, commit, coordinator_epoch, [(topic, [partitions])])]"""
    def marker(m):
        pid, epoch, commit, coordinator_epoch, topics = m
        return (int64(pid) + int16(epoch) + int8(1 if commit else 0)
                + compact_array(list(topics), lambda t: compact_string(t[0]) + compact_array(list(t[1]), int32)
                                + EMPTY_TAGGED_FIELDS)
                + int32(coordinator_epoch) + EMPTY_TAGGED_FIELDS)
    return compact_array(list(markers), marker) + EMPTY_TAGGED_FIELDS


def _compact_partition_errors(r):
    """A flexible topics array of (partition index, error code) entries -> {topic: {partition: error_code}}."""
    def partition(rr):
        d = (rr.int32(), rr.int16())
        rr.tagged_fields()
        return d

    def topic(rr):
        name = rr.compact_string()
        parts = dict(rr.compact_array(partition) or [])
        rr.tagged_fields()
        return name, parts

    return dict(r.compact_array(topic) or [])


def parse_write_txn_markers_v1(r):
    """-> [(producer_id, {topic: {partition: error_code}})]"""
    r.tagged_fields()  # response header v1

    def marker(rr):
        pid = rr.int64()
        topics = _compact_partition_errors(rr)
        rr.tagged_fields()
        return pid, topics

    out = r.compact_array(marker) or []
    r.tagged_fields()
    r.expect_end()
    return out


# --------------------------------------------------------------------------
# TxnOffsetCommit v3 (key 28) and OffsetFetch v7 (key 9, require_stable):
# both flexible at these versions.

API_TXN_OFFSET_COMMIT = 28
API_OFFSET_FETCH = 9


def txn_offset_commit_v3_body(transactional_id, group, producer_id, producer_epoch, offsets,
                              generation_id=-1, member_id="", group_instance_id=None):
    """offsets: {topic: {partition: offset}}"""
    def topic(item):
        name, parts = item
        return (compact_string(name)
                + compact_array(sorted(parts.items()), lambda p: int32(p[0]) + int64(p[1]) + int32(-1)
                                + compact_string(None) + EMPTY_TAGGED_FIELDS)
                + EMPTY_TAGGED_FIELDS)
    return (compact_string(transactional_id) + compact_string(group) + int64(producer_id) + int16(producer_epoch)
            + int32(generation_id) + compact_string(member_id) + compact_string(group_instance_id)
            + compact_array(sorted(offsets.items()), topic) + EMPTY_TAGGED_FIELDS)


def parse_txn_offset_commit_v3(r):
    """-> {topic: {partition: error_code}}"""
    r.tagged_fields()
    r.int32()
    out = _compact_partition_errors(r)
    r.tagged_fields()
    r.expect_end()
    return out


def offset_fetch_v7_body(group, topics, require_stable):
    """topics: {topic: [partitions]}"""
    return (compact_string(group)
            + compact_array(sorted(topics.items()), lambda t: compact_string(t[0]) + compact_array(list(t[1]), int32)
                            + EMPTY_TAGGED_FIELDS)
            + int8(1 if require_stable else 0) + EMPTY_TAGGED_FIELDS)


def parse_offset_fetch_v7(r):
    """-> ({topic: {partition: (offset, error_code)}}, group error_code)"""
    r.tagged_fields()
    r.int32()

    def partition(rr):
        index, offset = rr.int32(), rr.int64()
        rr.int32()
        rr.compact_string()
        error = rr.int16()
        rr.tagged_fields()
        return index, (offset, error)

    def topic(rr):
        name = rr.compact_string()
        parts = dict(rr.compact_array(partition) or [])
        rr.tagged_fields()
        return name, parts

    topics = dict(r.compact_array(topic) or [])
    error = r.int16()
    r.tagged_fields()
    r.expect_end()
    return topics, error


# --------------------------------------------------------------------------
# AlterPartitionReassignments v0 / ListPartitionReassignments v0 (KIP-455;
# flexible from v0, so request header v2 and response header v1).

API_ALTER_PARTITION_REASSIGNMENTS = 45
API_LIST_PARTITION_REASSIGNMENTS = 46


def alter_partition_reassignments_v0_body(moves, timeout_ms=60000):
    """moves: {topic: {partition: [broker ids] or None (cancel)}}."""
    def partition(item):
        p, replicas = item
        return int32(p) + compact_nullable_array(replicas, int32) + EMPTY_TAGGED_FIELDS

    def topic(item):
        name, parts = item
        return compact_string(name) + compact_array(sorted(parts.items()), partition) + EMPTY_TAGGED_FIELDS

    return int32(timeout_ms) + compact_array(list(moves.items()), topic) + EMPTY_TAGGED_FIELDS


def parse_alter_partition_reassignments_v0(r):
    """(top-level error, {(topic, partition): (error, message)})."""
    r.int32()  # throttle
    code = r.int16()
    r.compact_string()
    out = {}

    def topic(rr):
        name = rr.compact_string()

        def partition(pr):
            p = pr.int32()
            out[(name, p)] = (pr.int16(), pr.compact_string())
            pr.tagged_fields()

        rr.compact_array(partition)
        rr.tagged_fields()

    r.compact_array(topic)
    r.tagged_fields()
    return code, out


def list_partition_reassignments_v0_body(topics, timeout_ms=60000):
    """topics: {topic: [partitions]}, or None for every topic."""
    def topic(item):
        name, parts = item
        return compact_string(name) + compact_array(parts, int32) + EMPTY_TAGGED_FIELDS

    items = None if topics is None else list(topics.items())
    return int32(timeout_ms) + compact_nullable_array(items, topic) + EMPTY_TAGGED_FIELDS


def parse_list_partition_reassignments_v0(r):
    """(error, {(topic, partition): (replicas, adding, removing)})."""
    r.int32()  # throttle
    code = r.int16()
    r.compact_string()
    out = {}

    def topic(rr):
        name = rr.compact_string()

        def partition(pr):
            p = pr.int32()
            ids = [pr.compact_array(lambda x: x.int32()) for _ in range(3)]
            out[(name, p)] = tuple(ids)
            pr.tagged_fields()

        rr.compact_array(partition)
        rr.tagged_fields()

    r.compact_array(topic)
    r.tagged_fields()
    return code, out
