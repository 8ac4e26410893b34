"""Brokers replicate to each other over TLS: three sluiced on etcd whose
inter.broker.listener.name is an SSL listener requiring client certificates
(each broker presents its key store's certificate). Clients use the
PLAINTEXT listener and are told the PLAINTEXT endpoints; an SSL client is
told the SSL ones."""

import shutil

import pytest

from sluice_harness import Broker, admin, consume, free_port, produce, unique, wait_until
from test_cluster import create_replicated, partition_meta
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)
from tls_certs import Certs


@pytest.fixture(scope="module")
def certs():
    c = Certs()
    yield c
    shutil.rmtree(c.dir, ignore_errors=True)


def start_tls_cluster(request, etcd_url, certs, n=3):
    prefix = "/" + unique("c")
    brokers = []
    for i in range(n):
        b = Broker(name="sluiced-%d" % i)
        request.node._sluice_brokers.append(b)
        b.internal_port = free_port()
        listeners = "PLAINTEXT://127.0.0.1:%d,INTERNAL://127.0.0.1:%d" % (b.port, b.internal_port)
        b.overrides.update({
            "node.id": str(i),
            "listeners": listeners,
            "advertised.listeners": listeners,
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,INTERNAL:SSL",
            "inter.broker.listener.name": "INTERNAL",
            "listener.name.internal.ssl.keystore.type": "PEM",
            "listener.name.internal.ssl.keystore.location": certs.path("server-keystore.pem"),
            "listener.name.internal.ssl.truststore.type": "PEM",
            "listener.name.internal.ssl.truststore.location": certs.ca,
            "listener.name.internal.ssl.client.auth": "required",
            "metadata.etcd.endpoints": etcd_url,
            "metadata.etcd.prefix": prefix,
            "metadata.etcd.session.timeout.ms": "2000",
            "replica.lag.time.max.ms": "2000",
            "default.replication.factor": "3",
            "controlled.shutdown.retry.backoff.ms": "1000",
        })
        brokers.append(b.start())
    wait_until(lambda: len(admin(brokers[0].bootstrap).list_topics(timeout=10).brokers) == n, 20,
               "every broker registered")
    return brokers


def test_replication_over_the_tls_inter_broker_listener(request, broker_factory, etcd, certs, monkeypatch):  # noqa: F811
    monkeypatch.setenv("SPDLOG_LEVEL", "debug")
    brokers = start_tls_cluster(request, etcd, certs)
    topic = unique("tls-repl")
    create_replicated(brokers, topic, config={"min.insync.replicas": "3"})
    bootstrap = ",".join(b.bootstrap for b in brokers)
    # acks=all with min.insync.replicas=3: acknowledged only once both
    # followers fetched it, which they can only do over INTERNAL.
    produce(bootstrap, topic, [{"value": b"r-%d" % i} for i in range(100)])
    assert [m.value() for m in consume(bootstrap, topic)] == [b"r-%d" % i for i in range(100)]
    meta = partition_meta(brokers, topic)
    assert sorted(meta.isrs) == [0, 1, 2]
    # The followers came in on INTERNAL with the brokers' certificate.
    leader = next(b for b in brokers if b.overrides["node.id"] == str(meta.leader))
    wait_until(lambda: "principal User:CN=localhost" in leader.log_tail(200000), 5,
               "a follower's TLS session in the leader's log")
    # Clients on PLAINTEXT are told PLAINTEXT endpoints; on INTERNAL, INTERNAL ones.
    md = admin(brokers[0].bootstrap).list_topics(timeout=10)
    assert sorted(bk.port for bk in md.brokers.values()) == sorted(b.port for b in brokers)
    ssl_conf = {"bootstrap.servers": "127.0.0.1:%d" % brokers[0].internal_port, "security.protocol": "SSL",
                "ssl.ca.location": certs.ca, "ssl.certificate.location": certs.cert("client"),
                "ssl.key.location": certs.key("client")}
    from confluent_kafka.admin import AdminClient
    md = AdminClient(ssl_conf).list_topics(timeout=10)
    assert sorted(bk.port for bk in md.brokers.values()) == sorted(b.internal_port for b in brokers)
