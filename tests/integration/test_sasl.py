"""SASL on a SASL_PLAINTEXT listener: PLAIN (users from the JAAS config),
SCRAM-SHA-256 and SCRAM-SHA-512 (users created with `sluice users
set-scram` on the broker's PLAINTEXT listener), with kcat, confluent-kafka,
kafka-python (its v0 handshake and bare tokens) and kafkajs; KIP-368
re-authentication; Describe/AlterUserScramCredentials; and bad input on the
wire: wrong credentials, unknown mechanism, requests out of order or before
authentication, oversized pre-authentication frames, forged SCRAM messages,
descriptor leaks.

Each broker listens on SASL_PLAINTEXT first (what Metadata advertises, so
clients stay on it) and on PLAINTEXT second (the admin CLI's way in).
"""

import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import time

import pytest

import kafka_wire as w
from sluice_harness import Broker, consume, free_port, run, unique, wait_until
from test_cli import cli

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")

PLAIN_JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
              'username="admin" password="admin-secret" user_admin="admin-secret" '
              'user_alice="alice-secret";')

API_SASL_HANDSHAKE = 17
API_SASL_AUTHENTICATE = 36
API_DESCRIBE_SCRAM = 50
API_ALTER_SCRAM = 51

ILLEGAL_SASL_STATE = 34
UNSUPPORTED_SASL_MECHANISM = 33
SASL_AUTHENTICATION_FAILED = 58
RESOURCE_NOT_FOUND = 91
DUPLICATE_RESOURCE = 92
UNACCEPTABLE_CREDENTIAL = 93


class SaslBroker:
    def __init__(self, broker, plain_port):
        self.broker = broker
        self.plain_port = plain_port

    @property
    def port(self):
        return self.broker.port

    @property
    def bootstrap(self):
        return self.broker.bootstrap

    @property
    def plain_bootstrap(self):
        return "127.0.0.1:%d" % self.plain_port

    @property
    def pid(self):
        return self.broker.pid


@pytest.fixture
def sasl_factory(request):
    brokers = []
    request.node._sluice_brokers = brokers

    def make(extra=None):
        b = Broker(None, name="sluiced-sasl#%d" % len(brokers))
        plain_port = free_port()
        listeners = "SASL_PLAINTEXT://127.0.0.1:%d,PLAINTEXT://127.0.0.1:%d" % (b.port, plain_port)
        b.overrides = {
            "listeners": listeners,
            "advertised.listeners": listeners,
            "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS,
            "group.initial.rebalance.delay.ms": "0",
        }
        b.overrides.update(extra or {})
        brokers.append(b)
        b.start()
        return SaslBroker(b, plain_port)

    yield make
    problems = []
    for b in brokers:
        problems += b.close()
    if problems:
        pytest.fail("unclean broker shutdown:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def sasl_broker(sasl_factory):
    return sasl_factory()


class PlainCli:
    """cli(..., broker=x) appends -b x.bootstrap: aim it at the PLAINTEXT listener."""

    def __init__(self, sb):
        self.bootstrap = sb.plain_bootstrap


def add_scram_user(sb, user, password, mechanism, iterations=4096):
    out, _ = cli("users", "set-scram", user, "--mechanism", mechanism, "--password", password,
                 "--iterations", str(iterations), broker=PlainCli(sb))
    assert "Set the %s credential" % mechanism in out


# ---------------------------------------------------------------------------
# Raw wire helpers

def handshake(sock, mechanism, version=1, cid=1):
    r = w.roundtrip(sock, API_SASL_HANDSHAKE, version, cid, w.string(mechanism))
    err = r.int16()
    mechs = r.array(lambda rr: rr.string())
    return err, mechs


def authenticate(sock, token, version=1, cid=2):
    r = w.roundtrip(sock, API_SASL_AUTHENTICATE, version, cid, w.bytes_(token))
    err = r.int16()
    msg = r.string()
    data = r.bytes_()
    lifetime = r.int64() if version >= 1 else None
    return err, msg, data, lifetime


def plain_login(sock, user, password, version=1):
    err, _ = handshake(sock, "PLAIN", version)
    assert err == 0
    return authenticate(sock, b"\0" + user.encode() + b"\0" + password.encode())


def metadata_ok(sock, cid=9):
    r = w.roundtrip(sock, w.API_METADATA, 1, cid, w.metadata_v1_body([]))
    return w.parse_metadata_v1(r)


class ScramClient:
    """RFC 5802's client side, for forging messages the real clients never send."""

    def __init__(self, mechanism, user, password, nonce="fyko+d2lbbFgONRv9qkxdawL"):
        self.h = hashlib.sha256 if mechanism == "SCRAM-SHA-256" else hashlib.sha512
        self.user, self.password, self.nonce = user, password, nonce

    def first(self):
        self.bare = "n=%s,r=%s" % (self.user.replace("=", "=3D").replace(",", "=2C"), self.nonce)
        return ("n,," + self.bare).encode()

    def final(self, server_first, nonce=None, proof_tamper=False):
        attrs = dict(a.split("=", 1) for a in server_first.decode().split(","))
        salted = hashlib.pbkdf2_hmac(self.h().name, self.password.encode(), base64.b64decode(attrs["s"]),
                                     int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", self.h).digest()
        stored = self.h(client_key).digest()
        without_proof = "c=biws,r=%s" % (nonce or attrs["r"])
        auth = ",".join([self.bare, server_first.decode(), without_proof]).encode()
        sig = hmac.new(stored, auth, self.h).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        if proof_tamper:
            proof = bytes([proof[0] ^ 1]) + proof[1:]
        self.server_sig = hmac.new(hmac.new(salted, b"Server Key", self.h).digest(), auth, self.h).digest()
        return (without_proof + ",p=" + base64.b64encode(proof).decode()).encode()


def closed(sock, timeout=5.0):
    return w.wait_closed(sock, timeout)


# ---------------------------------------------------------------------------
# Real clients

MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


def credentials_for(sb, mechanism):
    if mechanism == "PLAIN":
        return "alice", "alice-secret"
    user = "scram-" + mechanism[-3:]
    add_scram_user(sb, user, "pw-" + mechanism, mechanism, iterations=8192)
    return user, "pw-" + mechanism


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_confluent_kafka_produces_and_consumes(sasl_broker, mechanism):
    from confluent_kafka import Producer
    user, password = credentials_for(sasl_broker, mechanism)
    conf = {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": mechanism,
            "sasl.username": user, "sasl.password": password}
    topic = unique("sasl-ck")
    p = Producer(dict(conf, **{"bootstrap.servers": sasl_broker.bootstrap, "message.timeout.ms": 20000}))
    for i in range(10):
        p.produce(topic, value=b"v%d" % i, partition=0)
    assert p.flush(30) == 0
    msgs = consume(sasl_broker.bootstrap, topic, **{k.replace(".", "_"): v for k, v in conf.items()})
    assert [m.value() for m in msgs] == [b"v%d" % i for i in range(10)]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_kafka_python_produces_and_consumes(sasl_broker, mechanism):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    user, password = credentials_for(sasl_broker, mechanism)
    conf = dict(bootstrap_servers=sasl_broker.bootstrap, security_protocol="SASL_PLAINTEXT",
                sasl_mechanism=mechanism, sasl_plain_username=user, sasl_plain_password=password,
                api_version_auto_timeout_ms=10000, request_timeout_ms=15000)
    topic = unique("sasl-kp")
    p = KafkaProducer(acks="all", **conf)
    try:
        for i in range(10):
            p.send(topic, value=b"kp%d" % i, partition=0).get(timeout=30)
    finally:
        p.close(timeout=10)
    c = KafkaConsumer(consumer_timeout_ms=10000, auto_offset_reset="earliest", **conf)
    try:
        tp = TopicPartition(topic, 0)
        c.assign([tp])
        c.seek_to_beginning(tp)
        got = []
        for m in c:
            got.append(m.value)
            if len(got) == 10:
                break
    finally:
        c.close()
    assert got == [b"kp%d" % i for i in range(10)]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_kcat_produces_and_consumes(sasl_broker, mechanism):
    user, password = credentials_for(sasl_broker, mechanism)
    topic = unique("sasl-kcat")
    auth = ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=" + mechanism,
            "-X", "sasl.username=" + user, "-X", "sasl.password=" + password]
    lines = "".join("kc%d\n" % i for i in range(10)).encode()
    run(["kcat", "-b", sasl_broker.bootstrap, "-P", "-t", topic, "-p", "0"] + auth, input=lines, timeout=60)
    cp = run(["kcat", "-b", sasl_broker.bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e",
              "-c", "10"] + auth, timeout=60)
    assert cp.stdout.decode().split() == ["kc%d" % i for i in range(10)]


def test_kcat_wrong_password_fails(sasl_broker):
    cp = run(["kcat", "-b", sasl_broker.bootstrap, "-L", "-m", "5", "-X", "security.protocol=SASL_PLAINTEXT",
              "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=alice", "-X", "sasl.password=nope"],
             timeout=60, check=False)
    assert cp.returncode != 0
    assert b"Authentication failed" in cp.stderr


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_kafkajs_produces_and_consumes(sasl_broker, mechanism):
    user, password = credentials_for(sasl_broker, mechanism)
    topic = unique("sasl-js")
    cp = run(["node", "sasl_client.js", sasl_broker.bootstrap, mechanism.lower(), user, password, topic, "5"],
             cwd=JS_DIR, timeout=70)
    out = json.loads(cp.stdout.decode())
    assert sorted(out["values"]) == sorted("kafkajs-%s-%d" % (mechanism.lower(), i) for i in range(5))


# ---------------------------------------------------------------------------
# Re-authentication (KIP-368)

def test_librdkafka_keeps_working_across_session_expiry(sasl_factory):
    """librdkafka 2.0.2 predates its KIP-368 support (2.2.0): the broker
    closes its expired sessions, as Kafka would, and it reconnects and
    authenticates again without losing a message."""
    sb = sasl_factory({"connections.max.reauth.ms": "1500"})
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": sb.bootstrap, "security.protocol": "SASL_PLAINTEXT",
                  "sasl.mechanism": "PLAIN", "sasl.username": "alice", "sasl.password": "alice-secret",
                  "message.timeout.ms": 20000})
    topic = unique("reauth")
    deadline = time.monotonic() + 5
    n = 0
    while time.monotonic() < deadline:
        p.produce(topic, value=b"r%d" % n, partition=0)
        n += 1
        assert p.flush(15) == 0, "a produce failed across session expiry"
        time.sleep(0.2)
    msgs = consume(sb.bootstrap, topic, security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                   sasl_username="alice", sasl_password="alice-secret")
    assert [m.value() for m in msgs] == [b"r%d" % i for i in range(n)]
    assert "SASL session expired" in sb.broker.log_tail(200000)


def test_kafkajs_reauthenticates_on_its_connection(sasl_factory):
    """kafkajs re-authenticates (SaslHandshake + SaslAuthenticate on the same
    connection) before its session ends: over 3 lifetimes every send is
    acknowledged and the broker never has to close an expired session."""
    sb = sasl_factory({"connections.max.reauth.ms": "1500"})
    topic = unique("reauth-js")
    cp = run(["node", "sasl_reauth.js", sb.bootstrap, "alice", "alice-secret", topic, "4.5"], cwd=JS_DIR,
             timeout=70)
    sent = json.loads(cp.stdout.decode())["sent"]
    assert sent >= 10
    msgs = consume(sb.bootstrap, topic, security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                   sasl_username="alice", sasl_password="alice-secret")
    assert len(msgs) == sent
    assert "SASL session expired" not in sb.broker.log_tail(200000)


def test_raw_connection_that_does_not_reauthenticate_is_closed(sasl_factory):
    sb = sasl_factory({"connections.max.reauth.ms": "1000"})
    with w.connect(sb.port) as s:
        err, msg, _, lifetime = plain_login(s, "alice", "alice-secret")
        assert (err, lifetime) == (0, 1000)
        metadata_ok(s)
        time.sleep(1.3)
        w.send_all(s, w.request(w.API_METADATA, 1, 10, w.metadata_v1_body([])))
        assert closed(s)
    assert "SASL session expired" in sb.broker.log_tail()


def test_raw_reauthentication_renews_the_session(sasl_factory):
    sb = sasl_factory({"connections.max.reauth.ms": "1000"})
    with w.connect(sb.port) as s:
        assert plain_login(s, "alice", "alice-secret")[0] == 0
        time.sleep(1.2)
        # Expired: a handshake starts re-authentication on the same connection.
        err, msg, _, lifetime = plain_login(s, "alice", "alice-secret")
        assert (err, lifetime) == (0, 1000), msg
        metadata_ok(s)
        # Another principal is refused.
        err, _ = handshake(s, "PLAIN")
        assert err == 0
        err, msg, _, _ = authenticate(s, b"\0admin\0admin-secret")
        assert err == SASL_AUTHENTICATION_FAILED
        assert closed(s)


def authenticate_v2(sock, token, cid=2):
    """SaslAuthenticate v2: flexible request and response headers, compact fields."""
    body = w.uvarint(len(token) + 1) + token + w.EMPTY_TAGGED_FIELDS
    r = w.roundtrip(sock, API_SASL_AUTHENTICATE, 2, cid, body, flexible=True)
    r.tagged_fields()
    err, msg = r.int16(), r.compact_string()
    data = r.take(r.uvarint() - 1)
    lifetime = r.int64()
    r.tagged_fields()
    return err, msg, data, lifetime


@pytest.mark.parametrize("version", [0, 1, 2])
def test_every_sasl_authenticate_version(sasl_factory, version):
    sb = sasl_factory({"connections.max.reauth.ms": "60000"})
    with w.connect(sb.port) as s:
        assert handshake(s, "PLAIN")[0] == 0
        token = b"\0alice\0alice-secret"
        if version == 2:
            err, msg, _, lifetime = authenticate_v2(s, token)
        else:
            err, msg, _, lifetime = authenticate(s, token, version=version)
        assert err == 0, msg
        assert lifetime == (None if version == 0 else 60000)
        metadata_ok(s)
    with w.connect(sb.port) as s:
        assert handshake(s, "PLAIN")[0] == 0
        if version == 2:
            err, msg, _, _ = authenticate_v2(s, b"\0alice\0nope")
        else:
            err, msg, _, _ = authenticate(s, b"\0alice\0nope", version=version)
        assert err == SASL_AUTHENTICATION_FAILED and "Authentication failed" in msg
        assert closed(s)


def test_sasl_requests_on_a_plaintext_listener_are_refused(sasl_broker):
    with w.connect(sasl_broker.plain_port) as s:
        assert handshake(s, "PLAIN")[0] == ILLEGAL_SASL_STATE
        assert authenticate(s, b"\0alice\0alice-secret")[0] == ILLEGAL_SASL_STATE
        metadata_ok(s)


def test_without_reauth_a_second_handshake_is_refused_and_the_session_goes_on(sasl_broker):
    with w.connect(sasl_broker.port) as s:
        err, _, _, lifetime = plain_login(s, "alice", "alice-secret")
        assert (err, lifetime) == (0, 0)
        assert handshake(s, "PLAIN")[0] == ILLEGAL_SASL_STATE
        metadata_ok(s)


# ---------------------------------------------------------------------------
# Bad input

def test_wrong_password_and_unknown_user_look_the_same(sasl_broker):
    answers = []
    for user, password in [("alice", "wrong"), ("nobody", "alice-secret")]:
        with w.connect(sasl_broker.port) as s:
            err, msg, _, _ = plain_login(s, user, password)
            answers.append((err, msg))
            assert closed(s)
    assert answers[0] == answers[1]
    assert answers[0][0] == SASL_AUTHENTICATION_FAILED
    assert "Authentication failed" in answers[0][1]


def test_scram_wrong_password_and_unknown_user_look_the_same(sasl_broker):
    add_scram_user(sasl_broker, "carol", "carol-pw", "SCRAM-SHA-256")
    answers = []
    for user in ["carol", "nobody"]:
        with w.connect(sasl_broker.port) as s:
            assert handshake(s, "SCRAM-SHA-256")[0] == 0
            c = ScramClient("SCRAM-SHA-256", user, "wrong-pw")
            err, _, server_first, _ = authenticate(s, c.first())
            assert err == 0, "the exchange must not stop at the user name"
            err, msg, _, _ = authenticate(s, c.final(server_first), cid=3)
            answers.append((err, msg))
            assert closed(s)
    assert answers[0] == answers[1]
    assert answers[0][0] == SASL_AUTHENTICATION_FAILED


def test_scram_raw_exchange_verifies_the_server(sasl_broker):
    add_scram_user(sasl_broker, "dave,=x", "dave-pw", "SCRAM-SHA-512", iterations=4096)
    with w.connect(sasl_broker.port) as s:
        assert handshake(s, "SCRAM-SHA-512")[0] == 0
        c = ScramClient("SCRAM-SHA-512", "dave,=x", "dave-pw")
        err, _, server_first, _ = authenticate(s, c.first(), version=1)
        assert err == 0
        assert server_first.decode().startswith("r=" + c.nonce)
        err, msg, server_final, _ = authenticate(s, c.final(server_first), cid=3)
        assert err == 0, msg
        assert server_final == b"v=" + base64.b64encode(c.server_sig)
        metadata_ok(s)


@pytest.mark.parametrize("shape", ["bad_nonce", "bad_proof", "truncated", "garbage_first", "channel_binding"])
def test_garbage_scram_messages_fail_and_close(sasl_broker, shape):
    add_scram_user(sasl_broker, "erin", "erin-pw", "SCRAM-SHA-256")
    with w.connect(sasl_broker.port) as s:
        assert handshake(s, "SCRAM-SHA-256")[0] == 0
        c = ScramClient("SCRAM-SHA-256", "erin", "erin-pw")
        if shape == "garbage_first":
            err, msg, _, _ = authenticate(s, b"\xff\x00garbage")
        elif shape == "channel_binding":
            err, msg, _, _ = authenticate(s, b"p=tls-server-end-point,," + c.first()[3:])
        else:
            err, _, server_first, _ = authenticate(s, c.first())
            assert err == 0
            if shape == "bad_nonce":
                final = c.final(server_first, nonce=c.nonce + "forged")
            elif shape == "bad_proof":
                final = c.final(server_first, proof_tamper=True)
            else:
                final = c.final(server_first)[:20]
            err, msg, _, _ = authenticate(s, final, cid=3)
        assert err == SASL_AUTHENTICATION_FAILED
        assert "SCRAM-SHA-256" in msg
        assert closed(s)


def test_unknown_mechanism_lists_the_enabled_ones_and_closes(sasl_broker):
    with w.connect(sasl_broker.port) as s:
        err, mechs = handshake(s, "GSSAPI")
        assert err == UNSUPPORTED_SASL_MECHANISM
        assert mechs == MECHANISMS
        assert closed(s)


def test_authenticate_before_handshake_is_illegal(sasl_broker):
    with w.connect(sasl_broker.port) as s:
        err, msg, _, _ = authenticate(s, b"\0alice\0alice-secret")
        assert err == ILLEGAL_SASL_STATE
        assert closed(s)


def test_second_handshake_mid_exchange_is_illegal(sasl_broker):
    add_scram_user(sasl_broker, "frank", "frank-pw", "SCRAM-SHA-256")
    with w.connect(sasl_broker.port) as s:
        assert handshake(s, "SCRAM-SHA-256")[0] == 0
        assert authenticate(s, ScramClient("SCRAM-SHA-256", "frank", "x").first())[0] == 0
        assert handshake(s, "SCRAM-SHA-256", cid=5)[0] == ILLEGAL_SASL_STATE
        assert closed(s)


def test_metadata_before_authentication_is_closed(sasl_broker):
    with w.connect(sasl_broker.port) as s:
        # ApiVersions is served before authentication ...
        r = w.roundtrip(s, w.API_API_VERSIONS, 0, 1, w.api_versions_v0_body())
        err, keys = w.parse_api_versions_v0(r)
        assert err == 0 and API_SASL_HANDSHAKE in keys and API_SASL_AUTHENTICATE in keys
        # ... Metadata is not, and gets no answer.
        w.send_all(s, w.request(w.API_METADATA, 1, 2, w.metadata_v1_body([])))
        assert closed(s)
    with w.connect(sasl_broker.port) as s:
        assert handshake(s, "PLAIN")[0] == 0
        w.send_all(s, w.request(w.API_METADATA, 1, 2, w.metadata_v1_body([])))
        assert closed(s)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_huge_pre_authentication_frame_is_refused_without_allocating(sasl_broker):
    before = rss_kib(sasl_broker.pid)
    socks = []
    for _ in range(5):
        s = w.connect(sasl_broker.port)
        socks.append(s)
        t0 = time.monotonic()
        w.send_all(s, struct.pack(">i", 100 * 1024 * 1024) + b"\0" * 1000)
        assert closed(s, 2.0)
        assert time.monotonic() - t0 < 1.5
    for s in socks:
        s.close()
    # Just over the cap is refused too; a SASL handshake still works after.
    with w.connect(sasl_broker.port) as s:
        w.send_all(s, struct.pack(">i", 524289))
        assert closed(s)
    with w.connect(sasl_broker.port) as s:
        assert plain_login(s, "alice", "alice-secret")[0] == 0
    assert rss_kib(sasl_broker.pid) - before < 20 * 1024


def test_huge_frame_after_a_v0_handshake_is_refused(sasl_broker):
    with w.connect(sasl_broker.port) as s:
        assert handshake(s, "PLAIN", version=0)[0] == 0
        w.send_all(s, struct.pack(">i", 100 * 1024 * 1024))
        assert closed(s)


def test_raw_v0_tokens(sasl_broker):
    with w.connect(sasl_broker.port) as s:
        assert handshake(s, "PLAIN", version=0)[0] == 0
        w.send_all(s, w.frame(b"\0alice\0alice-secret"))
        # PLAIN's empty answer: a bare zero size, no response header.
        assert w.recv_exact(s, 4, time.monotonic() + 5) == b"\0\0\0\0"
        metadata_ok(s)
    with w.connect(sasl_broker.port) as s:
        assert handshake(s, "PLAIN", version=0)[0] == 0
        w.send_all(s, w.frame(b"\0alice\0wrong"))
        assert closed(s)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def test_many_failed_attempts_leave_no_descriptors(sasl_broker):
    with w.connect(sasl_broker.port) as s:  # warm up whatever the first connection opens
        plain_login(s, "alice", "alice-secret")
    base = fd_count(sasl_broker.pid)
    for i in range(200):
        with w.connect(sasl_broker.port) as s:
            kind = i % 4
            if kind == 0:
                plain_login(s, "alice", "bad%d" % i)
            elif kind == 1:
                handshake(s, "NOPE")
            elif kind == 2:
                w.send_all(s, w.request(w.API_METADATA, 1, 2, w.metadata_v1_body([])))
            else:
                w.send_all(s, struct.pack(">i", 1 << 30))
            assert closed(s)
    wait_until(lambda: fd_count(sasl_broker.pid) <= base, 5, "descriptors back to %d" % base)


# ---------------------------------------------------------------------------
# Describe/AlterUserScramCredentials

def alter_scram(port, deletions=(), upsertions=()):
    def deletion(d):
        return w.compact_string(d[0]) + w.int8(d[1]) + w.EMPTY_TAGGED_FIELDS

    def upsertion(u):
        name, mech, iterations, salt, salted = u
        return (w.compact_string(name) + w.int8(mech) + w.int32(iterations) + w.uvarint(len(salt) + 1) + salt
                + w.uvarint(len(salted) + 1) + salted + w.EMPTY_TAGGED_FIELDS)

    body = w.compact_array(list(deletions), deletion) + w.compact_array(list(upsertions), upsertion) \
        + w.EMPTY_TAGGED_FIELDS
    with w.connect(port) as s:
        r = w.roundtrip(s, API_ALTER_SCRAM, 0, 7, body, flexible=True)
    r.tagged_fields()
    r.int32()
    results = r.compact_array(lambda rr: (rr.compact_string(), rr.int16(), rr.compact_string(), rr.tagged_fields())[:3])
    return {u: (e, m) for u, e, m in results}


def describe_scram(port, users=None):
    if users is None:
        body = w.uvarint(0)
    else:
        body = w.compact_array(users, lambda u: w.compact_string(u) + w.EMPTY_TAGGED_FIELDS)
    body += w.EMPTY_TAGGED_FIELDS
    with w.connect(port) as s:
        r = w.roundtrip(s, API_DESCRIBE_SCRAM, 0, 8, body, flexible=True)
    r.tagged_fields()
    r.int32()
    top = r.int16()
    r.compact_string()

    def info(rr):
        m, it = rr.int8(), rr.int32()
        rr.tagged_fields()
        return (m, it)

    def result(rr):
        u, e, msg = rr.compact_string(), rr.int16(), rr.compact_string()
        infos = rr.compact_array(info)
        rr.tagged_fields()
        return u, e, msg, infos

    assert top == 0
    return {u: (e, sorted(infos)) for u, e, msg, infos in r.compact_array(result)}


def test_scram_credentials_round_trip(sasl_broker):
    port = sasl_broker.plain_port
    salt, salted = b"s" * 16, b"x" * 32
    assert alter_scram(port, upsertions=[("u1", 1, 4096, salt, salted), ("u1", 2, 8192, salt, b"y" * 64),
                                          ("u2", 1, 16384, salt, salted)]) == {"u1": (0, None), "u2": (0, None)}
    assert describe_scram(port) == {"u1": (0, [(1, 4096), (2, 8192)]), "u2": (0, [(1, 16384)])}
    assert describe_scram(port, ["u2"]) == {"u2": (0, [(1, 16384)])}
    # The CLI shows the same.
    out, _ = cli("users", "describe", broker=PlainCli(sasl_broker))
    assert "u1" in out and "SCRAM-SHA-512" in out and "8192" in out
    # Deleting one mechanism leaves the other; deleting the last removes the user.
    assert alter_scram(port, deletions=[("u1", 1), ("u2", 1)]) == {"u1": (0, None), "u2": (0, None)}
    assert describe_scram(port) == {"u1": (0, [(2, 8192)])}
    out, _ = cli("users", "delete", "u1", "--mechanism", "SCRAM-SHA-512", broker=PlainCli(sasl_broker))
    assert describe_scram(port) == {}


def test_scram_credential_errors(sasl_broker):
    port = sasl_broker.plain_port
    salt, salted = b"s" * 16, b"x" * 32
    got = alter_scram(port, upsertions=[("few", 1, 4095, salt, salted), ("many", 1, 16385, salt, salted),
                                         ("nosalt", 1, 4096, b"", salted), ("mech", 3, 4096, salt, salted),
                                         ("dup", 1, 4096, salt, salted), ("ok", 1, 4096, salt, salted)],
                      deletions=[("dup", 1), ("ghost", 1)])
    assert got["few"][0] == UNACCEPTABLE_CREDENTIAL
    assert got["many"][0] == UNACCEPTABLE_CREDENTIAL
    assert got["nosalt"][0] == UNACCEPTABLE_CREDENTIAL
    assert got["mech"][0] == UNSUPPORTED_SASL_MECHANISM
    assert got["dup"][0] == DUPLICATE_RESOURCE
    assert got["ghost"][0] == RESOURCE_NOT_FOUND
    assert got["ok"] == (0, None)
    # Only the valid user was written.
    assert describe_scram(port) == {"ok": (0, [(1, 4096)])}
    d = describe_scram(port, ["ok", "ghost", "twice", "twice"])
    assert d["ok"] == (0, [(1, 4096)])
    assert d["ghost"][0] == RESOURCE_NOT_FOUND
    assert d["twice"][0] == DUPLICATE_RESOURCE
    # The CLI refuses what the broker refuses, with the error's name.
    _, err = cli("users", "set-scram", "x", "--mechanism", "SCRAM-SHA-256", "--password", "p",
                 "--iterations", "100", broker=PlainCli(sasl_broker), rc=1)
    assert "UNACCEPTABLE_CREDENTIAL" in err


def test_scram_user_deleted_cannot_log_in(sasl_broker):
    add_scram_user(sasl_broker, "gina", "gina-pw", "SCRAM-SHA-256")
    def login():
        with w.connect(sasl_broker.port) as s:
            assert handshake(s, "SCRAM-SHA-256")[0] == 0
            c = ScramClient("SCRAM-SHA-256", "gina", "gina-pw")
            _, _, server_first, _ = authenticate(s, c.first())
            return authenticate(s, c.final(server_first), cid=3)[0]
    assert login() == 0
    cli("users", "delete", "gina", "--mechanism", "SCRAM-SHA-256", broker=PlainCli(sasl_broker))
    assert login() == SASL_AUTHENTICATION_FAILED


def test_bad_sasl_config_fails_startup():
    for overrides, needle in [
        ({"sasl.enabled.mechanisms": "GSSAPI"}, "GSSAPI is not supported"),
        ({"sasl.enabled.mechanisms": "PLAIN"}, "listener.name.sasl_plaintext.plain.sasl.jaas.config"),
        ({"sasl.enabled.mechanisms": "PLAIN",
          "listener.name.sasl_plaintext.plain.sasl.jaas.config": "broken"}, "listener.name.sasl_plaintext"),
    ]:
        b = Broker(None, name="sluiced-badsasl")
        b.overrides = dict(overrides, listeners="SASL_PLAINTEXT://127.0.0.1:%d" % b.port,
                           **{"advertised.listeners": "SASL_PLAINTEXT://127.0.0.1:%d" % b.port})
        try:
            with pytest.raises(AssertionError) as e:
                b.start()
            assert needle in str(e.value)
        finally:
            b.close()
