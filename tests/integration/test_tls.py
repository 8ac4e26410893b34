"""TLS listeners (SSL) against sluiced: kcat, confluent-kafka, kafka-python
and kafkajs produce and consume over SSL, with and without client
certificates (ssl.client.auth=required); a PLAINTEXT and an SSL listener
served side by side; the mTLS principal as the broker logs it; and bad input
on the TLS port (plaintext Kafka, random bytes, no/expired/untrusted client
certificates, a client that never handshakes, many connections), each closed
without a crash or a leaked descriptor. Certificates are made with the
`openssl` command (tls_certs.py)."""

import json
import os
import shutil
import socket
import ssl
import time

import pytest

import kafka_wire as w
from sluice_harness import Broker, broker_alive, consume, free_port, produce, run, unique, wait_until
from tls_certs import CLIENT_PRINCIPAL, Certs

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


@pytest.fixture(scope="module")
def certs():
    c = Certs()
    yield c
    shutil.rmtree(c.dir, ignore_errors=True)


@pytest.fixture
def tls_broker(request, broker_factory, certs):
    """start(client_auth="none", extra={}): a broker with a PLAINTEXT
    listener (b.port) and an SSL one (b.ssl_port)."""
    def start(client_auth="none", extra=None):
        b = Broker(name="sluiced-tls")
        request.node._sluice_brokers.append(b)  # stopped by broker_factory's finalizer
        b.ssl_port = free_port()
        listeners = "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (b.port, b.ssl_port)
        b.overrides.update({
            "listeners": listeners,
            "advertised.listeners": listeners,
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": certs.path("server-keystore.pem"),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": certs.ca,
            "ssl.client.auth": client_auth,
        })
        b.overrides.update(extra or {})
        b.ssl_bootstrap = "127.0.0.1:%d" % b.ssl_port
        return b.start()
    return start


def rdkafka_ssl(certs, client=None):
    conf = {"security.protocol": "SSL", "ssl.ca.location": certs.ca}
    if client:
        conf["ssl.certificate.location"] = certs.cert(client)
        conf["ssl.key.location"] = certs.key(client)
    return conf


def messages(n, tag):
    return [{"key": b"k%d" % i, "value": ("%s-%d" % (tag, i)).encode()} for i in range(n)]


def tls_client(certs, client=None):
    ctx = ssl.create_default_context(cafile=certs.ca)
    if client:
        ctx.load_cert_chain(certs.cert(client), certs.key(client))
    return ctx


def tls_api_versions(port, ctx, timeout=5.0):
    """Handshake, then one ApiVersions v0 round trip; returns its error code.
    Raises ssl.SSLError / w.Closed when the broker refuses."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        s.settimeout(timeout)
        s.sendall(w.request(18, 0, 7, w.api_versions_v0_body()))
        size = int.from_bytes(_recv(s, 4), "big")
        body = _recv(s, size)
        assert int.from_bytes(body[:4], "big") == 7
        return int.from_bytes(body[4:6], "big", signed=True)


def _recv(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise w.Closed()
        buf += chunk
    return buf


def refused(port, ctx):
    """True when the broker ends the TLS session instead of answering."""
    try:
        tls_api_versions(port, ctx)
    except (ssl.SSLError, w.Closed, ConnectionResetError, BrokenPipeError):
        return True
    return False


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


# ---- real clients ---------------------------------------------------------

@pytest.mark.parametrize("client_auth", ["none", "required"])
def test_confluent_kafka_over_ssl(tls_broker, certs, client_auth):
    b = tls_broker(client_auth)
    topic = unique("tls-ck")
    conf = rdkafka_ssl(certs, "client" if client_auth == "required" else None)
    produce(b.ssl_bootstrap, topic, messages(50, "ck"), **{k.replace(".", "_"): v for k, v in conf.items()})
    got = consume(b.ssl_bootstrap, topic, **{k.replace(".", "_"): v for k, v in conf.items()})
    assert [m.value() for m in got] == [("ck-%d" % i).encode() for i in range(50)]


@pytest.mark.parametrize("client_auth", ["none", "required"])
def test_kcat_over_ssl(tls_broker, certs, client_auth):
    b = tls_broker(client_auth)
    topic = unique("tls-kcat")
    args = []
    for k, v in rdkafka_ssl(certs, "client" if client_auth == "required" else None).items():
        args += ["-X", "%s=%s" % (k, v)]
    lines = "".join("kcat-%d\n" % i for i in range(20)).encode()
    run(["kcat", "-b", b.ssl_bootstrap, "-P", "-t", topic] + args, input=lines)
    cp = run(["kcat", "-b", b.ssl_bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-c", "20"] + args)
    assert cp.stdout.decode().split() == ["kcat-%d" % i for i in range(20)]


@pytest.mark.parametrize("client_auth", ["none", "required"])
def test_kafka_python_over_ssl(tls_broker, certs, client_auth):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    b = tls_broker(client_auth)
    topic = unique("tls-kp")
    conf = {"bootstrap_servers": b.ssl_bootstrap, "security_protocol": "SSL", "ssl_cafile": certs.ca,
            "ssl_check_hostname": True}
    if client_auth == "required":
        conf.update(ssl_certfile=certs.cert("client"), ssl_keyfile=certs.key("client"))
    p = KafkaProducer(acks="all", **conf)
    for i in range(30):
        p.send(topic, key=b"k", value=b"kp-%d" % i)
    p.flush(timeout=20)
    p.close()
    c = KafkaConsumer(consumer_timeout_ms=10000, **conf)
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    c.seek_to_beginning(tp)
    got = []
    deadline = time.monotonic() + 20
    while len(got) < 30 and time.monotonic() < deadline:
        for recs in c.poll(timeout_ms=500).values():
            got += [r.value for r in recs]
    c.close()
    assert got == [b"kp-%d" % i for i in range(30)]


@pytest.mark.parametrize("client_auth", ["none", "required"])
def test_kafkajs_over_ssl(tls_broker, certs, client_auth):
    b = tls_broker(client_auth)
    topic = unique("tls-js")
    args = [b.ssl_bootstrap, topic, unique("g"), 10, certs.ca]
    if client_auth == "required":
        args += [certs.cert("client"), certs.key("client")]
    cp = run(["node", "ssl_roundtrip.js"] + [str(a) for a in args], timeout=70, cwd=JS_DIR)
    assert sorted(json.loads(cp.stdout.decode())) == sorted("js-tls-%d" % i for i in range(10))


def test_plaintext_and_ssl_listeners_side_by_side(tls_broker, certs):
    b = tls_broker("none")
    topic = unique("tls-both")
    produce(b.bootstrap, topic, messages(10, "plain"))
    ssl_conf = {k.replace(".", "_"): v for k, v in rdkafka_ssl(certs).items()}
    produce(b.ssl_bootstrap, topic, messages(10, "tls"), **ssl_conf)
    want = [("plain-%d" % i).encode() for i in range(10)] + [("tls-%d" % i).encode() for i in range(10)]
    assert [m.value() for m in consume(b.bootstrap, topic)] == want
    assert [m.value() for m in consume(b.ssl_bootstrap, topic, **ssl_conf)] == want


def test_large_fetch_over_ssl_arrives_intact(tls_broker, certs):
    """Fetch answers go through the bounded TLS buffer chunk by chunk:
    several MiB of records must arrive byte for byte."""
    b = tls_broker("none")
    topic = unique("tls-big")
    ssl_conf = {k.replace(".", "_"): v for k, v in rdkafka_ssl(certs).items()}
    values = [os.urandom(100_000) for _ in range(60)]
    produce(b.ssl_bootstrap, topic, [{"value": v} for v in values], **ssl_conf)
    got = consume(b.ssl_bootstrap, topic, **ssl_conf)
    assert [m.value() for m in got] == values


def test_mtls_principal_is_the_certificate_subject(tls_broker, certs, monkeypatch):
    monkeypatch.setenv("SPDLOG_LEVEL", "debug")
    b = tls_broker("required", {
        "ssl.principal.mapping.rules": "RULE:^CN=([^,]*),OU=Clients,.*$/svc-$1/U,DEFAULT"})
    assert tls_api_versions(b.ssl_port, tls_client(certs, "client")) == 0
    wait_until(lambda: "principal User:SVC-CLIENT" in b.log_tail(20000), 5, "the mapped principal in the log")
    b2 = tls_broker("requested")
    assert tls_api_versions(b2.ssl_port, tls_client(certs, "client")) == 0
    wait_until(lambda: "principal " + CLIENT_PRINCIPAL in b2.log_tail(20000), 5, "the DN principal in the log")
    # requested: a client without a certificate is let in, anonymously.
    assert tls_api_versions(b2.ssl_port, tls_client(certs)) == 0
    wait_until(lambda: "principal User:ANONYMOUS" in b2.log_tail(20000), 5, "ANONYMOUS in the log")


def test_no_mapping_rule_for_the_subject_closes(tls_broker, certs):
    b = tls_broker("required", {"ssl.principal.mapping.rules": "RULE:^CN=nobody,.*$/x/"})
    assert refused(b.ssl_port, tls_client(certs, "client"))
    assert broker_alive(b.port)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-512"])
def test_sasl_ssl_is_tls_then_sasl(broker_factory, request, certs, mechanism):
    """SASL_SSL is TLS first, then SASL, then Kafka (ApiVersions is served
    before any SASL step, as in Kafka): confluent-kafka, kafka-python and
    kcat produce and consume over it."""
    from test_sasl import PLAIN_JAAS, add_scram_user, credentials_for
    b = Broker(name="sluiced-sasl-ssl")
    request.node._sluice_brokers.append(b)
    port = free_port()
    listeners = "PLAINTEXT://127.0.0.1:%d,SASL_SSL://127.0.0.1:%d" % (b.port, port)
    b.overrides.update({"listeners": listeners, "advertised.listeners": listeners,
                        "ssl.keystore.type": "PEM", "ssl.keystore.location": certs.path("server-keystore.pem"),
                        "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-512",
                        "listener.name.sasl_ssl.plain.sasl.jaas.config": PLAIN_JAAS})
    b.start()
    b.plain_bootstrap = b.bootstrap  # where test_sasl's helpers add SCRAM users
    assert tls_api_versions(port, tls_client(certs)) == 0
    s = w.connect(port)
    w.send_all(s, w.request(18, 0, 1, w.api_versions_v0_body()))
    assert w.wait_closed(s, 5)  # not TLS: closed
    s.close()

    user, password = credentials_for(b, mechanism)
    bootstrap = "127.0.0.1:%d" % port
    topic = unique("sasl-ssl")
    rd = {"security.protocol": "SASL_SSL", "ssl.ca.location": certs.ca, "sasl.mechanism": mechanism,
          "sasl.username": user, "sasl.password": password}
    produce(bootstrap, topic, messages(10, "ck"), **{k.replace(".", "_"): v for k, v in rd.items()})
    from kafka import KafkaProducer
    kp = KafkaProducer(bootstrap_servers=bootstrap, security_protocol="SASL_SSL", ssl_cafile=certs.ca,
                       ssl_check_hostname=True, sasl_mechanism=mechanism, sasl_plain_username=user,
                       sasl_plain_password=password, acks="all")
    for i in range(10):
        kp.send(topic, key=b"k", value=b"kp-%d" % i, partition=0)
    kp.flush(timeout=20)
    kp.close()
    auth = ["-X", "security.protocol=SASL_SSL", "-X", "ssl.ca.location=" + certs.ca,
            "-X", "sasl.mechanisms=" + mechanism, "-X", "sasl.username=" + user, "-X", "sasl.password=" + password]
    cp = run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-c", "20"] + auth,
             timeout=60)
    assert sorted(cp.stdout.decode().split()) == sorted(["ck-%d" % i for i in range(10)] +
                                                       ["kp-%d" % i for i in range(10)])


def test_enabled_protocols_and_cipher_suites(tls_broker, certs):
    b = tls_broker("none", {"ssl.enabled.protocols": "TLSv1.3",
                            "ssl.cipher.suites": "TLS_AES_128_GCM_SHA256"})
    ctx = tls_client(certs)
    raw = socket.create_connection(("127.0.0.1", b.ssl_port), timeout=5)
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        assert s.version() == "TLSv1.3"
        assert s.cipher()[0] == "TLS_AES_128_GCM_SHA256"
    old = tls_client(certs)
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    assert refused(b.ssl_port, old)


# ---- bad input ------------------------------------------------------------

def test_plaintext_kafka_on_the_tls_port_is_closed(tls_broker, certs):
    b = tls_broker("none")
    s = w.connect(b.ssl_port)
    w.send_all(s, w.request(18, 0, 1, w.api_versions_v0_body()))
    assert w.wait_closed(s, 5)
    s.close()
    assert tls_api_versions(b.ssl_port, tls_client(certs)) == 0


def test_random_bytes_on_the_tls_port_are_closed(tls_broker, certs):
    b = tls_broker("none")
    for blob in (os.urandom(7), os.urandom(5000), b"\x16\x03\x01\xff\xff" + os.urandom(300)):
        s = w.connect(b.ssl_port)
        try:
            w.send_all(s, blob)
        except w.Closed:
            pass
        assert w.wait_closed(s, 5)
        s.close()
    assert tls_api_versions(b.ssl_port, tls_client(certs)) == 0


@pytest.mark.parametrize("client", [None, "expired", "stranger"])
def test_required_client_auth_refuses(tls_broker, certs, client):
    """No certificate, an expired one, one from a CA the broker does not
    trust: the handshake fails and the connection is closed."""
    b = tls_broker("required")
    assert refused(b.ssl_port, tls_client(certs, client))
    assert tls_api_versions(b.ssl_port, tls_client(certs, "client")) == 0


def test_rdkafka_client_without_certificate_cannot_produce(tls_broker, certs):
    b = tls_broker("required")
    from confluent_kafka.admin import AdminClient
    a = AdminClient({"bootstrap.servers": b.ssl_bootstrap, **rdkafka_ssl(certs)})
    with pytest.raises(Exception):
        a.list_topics(timeout=3)


def test_untrusting_client_refuses_the_broker(tls_broker, certs):
    """The other way round: a client that trusts another CA fails its own
    verification of the broker; the broker survives it."""
    b = tls_broker("none")
    ctx = ssl.create_default_context(cafile=certs.cert("other-ca"))
    assert refused(b.ssl_port, ctx)
    assert tls_api_versions(b.ssl_port, tls_client(certs)) == 0


def test_client_that_never_handshakes_is_closed_after_the_timeout(tls_broker, certs):
    b = tls_broker("none", {"sluice.ssl.handshake.timeout.ms": "1000"})
    s = w.connect(b.ssl_port)
    t0 = time.monotonic()
    assert w.wait_closed(s, 6)
    assert 0.8 <= time.monotonic() - t0 <= 5
    s.close()
    # A half-finished handshake too: the ClientHello's first bytes, then silence.
    s = w.connect(b.ssl_port)
    w.send_all(s, b"\x16\x03\x01\x02\x00\x01")
    assert w.wait_closed(s, 6)
    s.close()


def test_many_connections_leave_no_descriptors_behind(tls_broker, certs):
    b = tls_broker("required", {"sluice.ssl.handshake.timeout.ms": "2000"})
    assert tls_api_versions(b.ssl_port, tls_client(certs, "client")) == 0
    time.sleep(0.3)
    baseline = open_fds(b.pid)
    good, anonymous = tls_client(certs, "client"), tls_client(certs)
    idle = []
    for i in range(300):
        kind = i % 5
        if kind == 0:
            assert tls_api_versions(b.ssl_port, good) == 0
        elif kind == 1:
            assert refused(b.ssl_port, anonymous)
        elif kind == 2:
            s = w.connect(b.ssl_port)
            w.send_all(s, os.urandom(64))
            s.close()
        elif kind == 3:
            idle.append(w.connect(b.ssl_port))  # never handshakes
        else:
            raw = socket.create_connection(("127.0.0.1", b.ssl_port))
            ts = good.wrap_socket(raw, server_hostname="localhost")
            ts.close()  # handshake done, then gone without a word
    assert open_fds(b.pid) > baseline  # the idle ones are still held
    wait_until(lambda: open_fds(b.pid) <= baseline, 15, "descriptors back to the baseline")
    for s in idle:
        s.close()
    assert broker_alive(b.port)
    assert tls_api_versions(b.ssl_port, good) == 0


def test_startup_refuses_a_bad_keystore(certs, tmp_path):
    for overrides, named in [
        ({"ssl.keystore.type": "PEM", "ssl.keystore.location": str(tmp_path / "missing.pem")},
         "ssl.keystore.location"),
        ({"ssl.keystore.type": "PEM", "ssl.keystore.location": certs.ca}, "ssl.keystore.location"),
        ({"ssl.keystore.location": certs.path("server-keystore.pem")}, "ssl.keystore.type"),
        ({}, "ssl.keystore.location"),
    ]:
        b = Broker(name="sluiced-bad-tls")
        try:
            listeners = "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (b.port, free_port())
            argv = b.argv() + ["--override", "listeners=" + listeners,
                               "--override", "advertised.listeners=" + listeners]
            for k, v in overrides.items():
                argv += ["--override", "%s=%s" % (k, v)]
            cp = run(argv, timeout=20, check=False)
            assert cp.returncode == 1
            assert named in cp.stderr.decode(), cp.stderr.decode()
        finally:
            b.close()


def _seconds_until_eof(port, payload):
    """Sends `payload` on a raw socket and reads (a TLS alert, say) until the
    broker closes; the seconds that took."""
    s = w.connect(port)
    try:
        start = time.monotonic()
        w.send_all(s, payload)
        s.settimeout(10)
        while True:
            try:
                if not s.recv(4096):
                    break
            except ConnectionResetError:
                break
        return time.monotonic() - start
    finally:
        s.close()


def test_a_failed_handshake_is_closed_after_the_authentication_delay(tls_broker, certs):
    """connection.failed.authentication.delay.ms applies to TLS as to SASL:
    Kafka counts a failed handshake as a failed authentication, so the alert
    goes out at once and the close comes after the delay."""
    not_tls = w.request(18, 0, 1, w.api_versions_v0_body())
    slow = tls_broker("none", {"connection.failed.authentication.delay.ms": "700"})
    assert _seconds_until_eof(slow.ssl_port, not_tls) >= 0.69
    fast = tls_broker("none", {"connection.failed.authentication.delay.ms": "0"})
    assert _seconds_until_eof(fast.ssl_port, not_tls) < 0.5
    # A client certificate the broker does not trust (TLS 1.2, where the
    # broker's verdict ends the handshake): the same delay.
    ctx = tls_client(certs, "stranger")
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    strict = tls_broker("required", {"connection.failed.authentication.delay.ms": "700"})
    raw = socket.create_connection(("127.0.0.1", strict.ssl_port), timeout=10)
    # A second handle on the socket: the TLS wrapper owns the first.
    watch = socket.socket(fileno=os.dup(raw.fileno()))
    start = time.monotonic()
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        ctx.wrap_socket(raw, server_hostname="localhost")
    watch.settimeout(10)
    try:
        while watch.recv(4096):
            pass
    except ConnectionResetError:
        pass
    assert time.monotonic() - start >= 0.69
    watch.close()
    assert tls_api_versions(strict.ssl_port, tls_client(certs, "client")) == 0
