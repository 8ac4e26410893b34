"""Brokers replicate to each other over TLS: three sluiced on etcd whose
inter.broker.listener.name is an SSL listener requiring client certificates
(each broker presents its key store's certificate), or a SASL_SSL one
(TLS, then SCRAM-SHA-512 as the broker user). Clients use the PLAINTEXT
listener and are told the PLAINTEXT endpoints; an SSL client is told the
SSL ones."""

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


SCRAM_JAAS = ('org.apache.kafka.common.security.scram.ScramLoginModule required '
              'username="broker" password="broker-secret";')


def start_tls_cluster(request, etcd_url, certs, n=3, protocol="SSL"):
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
        if protocol == "SASL_SSL":
            b.overrides.update({
                "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,INTERNAL:SASL_SSL",
                "sasl.enabled.mechanisms": "SCRAM-SHA-512",
                "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
                "listener.name.internal.scram-sha-512.sasl.jaas.config": SCRAM_JAAS,
            })
            del b.overrides["listener.name.internal.ssl.client.auth"]
        brokers.append(b.start())
        if protocol == "SASL_SSL" and i == 0:
            # The brokers' own SCRAM user, before the others need it.
            from test_cli import cli
            from test_sasl import PlainCli
            b.plain_bootstrap = b.bootstrap
            cli("users", "set-scram", "broker", "--mechanism", "SCRAM-SHA-512", "--password", "broker-secret",
                broker=PlainCli(b))
    wait_until(lambda: len(admin(brokers[0].bootstrap).list_topics(timeout=10).brokers) == n, 20,
               "every broker registered")
    return brokers


@pytest.mark.parametrize("protocol", ["SSL", "SASL_SSL"])
def test_replication_over_the_tls_inter_broker_listener(request, broker_factory, etcd, certs, monkeypatch,  # noqa: F811
                                                         protocol):
    monkeypatch.setenv("SPDLOG_LEVEL", "debug")
    brokers = start_tls_cluster(request, etcd, certs, protocol=protocol)
    topic = unique("tls-repl")
    create_replicated(brokers, topic, config={"min.insync.replicas": "3"})
    bootstrap = ",".join(b.bootstrap for b in brokers)
    # acks=all with min.insync.replicas=3: acknowledged only once both
    # followers fetched it, which they can only do over INTERNAL.
    produce(bootstrap, topic, [{"value": b"r-%d" % i} for i in range(100)])
    assert [m.value() for m in consume(bootstrap, topic)] == [b"r-%d" % i for i in range(100)]
    meta = partition_meta(brokers, topic)
    assert sorted(meta.isrs) == [0, 1, 2]
    # The followers came in on INTERNAL with the brokers' certificate, or
    # as the broker user.
    leader = next(b for b in brokers if b.overrides["node.id"] == str(meta.leader))
    expected = "principal User:CN=localhost" if protocol == "SSL" else "SASL authenticated on INTERNAL, principal User:broker"
    wait_until(lambda: expected in leader.log_tail(200000), 5, "a follower's session in the leader's log")
    # Clients on PLAINTEXT are told PLAINTEXT endpoints; on INTERNAL, INTERNAL ones.
    md = admin(brokers[0].bootstrap).list_topics(timeout=10)
    assert sorted(bk.port for bk in md.brokers.values()) == sorted(b.port for b in brokers)
    if protocol != "SSL":
        return
    ssl_conf = {"bootstrap.servers": "127.0.0.1:%d" % brokers[0].internal_port, "security.protocol": "SSL",
                "ssl.ca.location": certs.ca, "ssl.certificate.location": certs.cert("client"),
                "ssl.key.location": certs.key("client")}
    from confluent_kafka.admin import AdminClient
    md = AdminClient(ssl_conf).list_topics(timeout=10)
    assert sorted(bk.port for bk in md.brokers.values()) == sorted(b.internal_port for b in brokers)
