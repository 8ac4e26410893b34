"""Replication over a SASL_PLAINTEXT inter-broker listener: three sluiced on
one etcd whose followers (and transaction marker senders) authenticate to
their leaders with sasl.mechanism.inter.broker.protocol and the username and
password of the listener's JAAS entry. Every follower's log must hold what
was produced with acks=all; with a wrong inter-broker password nothing
reaches the followers.
"""

import pytest

import kafka_wire as w
from sluice_harness import Broker, consume, free_port, unique, wait_until
from test_cli import cli
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)
from test_sasl import PLAIN_JAAS, handshake, plain_login

SCRAM_JAAS = ('org.apache.kafka.common.security.scram.ScramLoginModule required '
              'username="broker" password="broker-secret";')


class _Plain:
    def __init__(self, port):
        self.bootstrap = "127.0.0.1:%d" % port


@pytest.fixture
def cluster(request, etcd):
    brokers = []
    request.node._sluice_brokers = brokers

    def start(mechanism, plain_jaas=PLAIN_JAAS, n=3, extra=None):
        prefix = "/" + unique("sasl-c")
        plain_ports = []
        for i in range(n):
            b = Broker(None, name="sluiced-sasl-%d" % i)
            plain_port = free_port()
            plain_ports.append(plain_port)
            listeners = "SASL_PLAINTEXT://127.0.0.1:%d,PLAINTEXT://127.0.0.1:%d" % (b.port, plain_port)
            b.overrides = {
                "node.id": str(i),
                "listeners": listeners,
                "advertised.listeners": listeners,
                "inter.broker.listener.name": "SASL_PLAINTEXT",
                "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-512",
                "sasl.mechanism.inter.broker.protocol": mechanism,
                "listener.name.sasl_plaintext.plain.sasl.jaas.config": plain_jaas,
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": SCRAM_JAAS,
                "metadata.etcd.endpoints": etcd,
                "metadata.etcd.prefix": prefix,
                "metadata.etcd.session.timeout.ms": "2000",
                "replica.lag.time.max.ms": "2000",
                "default.replication.factor": "3",
                "controlled.shutdown.retry.backoff.ms": "1000",
            }
            b.overrides.update(extra or {})
            brokers.append(b)
            b.start()
        return brokers, plain_ports

    yield start
    problems = []
    for b in brokers:
        problems += b.close()
    if problems:
        pytest.fail("unclean broker shutdown:\n" + "\n".join(problems), pytrace=False)


CLIENT = dict(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="alice",
              sasl_password="alice-secret")


def produce_acks_all(bootstrap, topic, n):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": 30000,
                  **{k.replace("_", "."): v for k, v in CLIENT.items()}})
    for i in range(n):
        p.produce(topic, value=b"ib%d" % i, partition=0)
    assert p.flush(40) == 0


def records_on(b, topic):
    return sum(h.record_count for h in b.batch_headers(topic, 0))


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-512"])
def test_followers_replicate_over_sasl(cluster, mechanism):
    brokers, plain_ports = cluster(mechanism)
    if mechanism.startswith("SCRAM"):
        out, _ = cli("users", "set-scram", "broker", "--mechanism", mechanism, "--password", "broker-secret",
                     broker=_Plain(plain_ports[0]))
    topic = unique("ib")
    produce_acks_all(brokers[0].bootstrap, topic, 20)
    wait_until(lambda: all(records_on(b, topic) == 20 for b in brokers), 30,
               "every replica holds the 20 records")
    msgs = consume(brokers[1].bootstrap, topic, **CLIENT)
    assert [m.value() for m in msgs] == [b"ib%d" % i for i in range(20)]


def test_followers_renew_their_sessions(cluster):
    """With connections.max.reauth.ms the followers start a new session
    before theirs expires: over several lifetimes no broker has to close an
    expired inter-broker session, and replication goes on."""
    brokers, _ = cluster("PLAIN", extra={"connections.max.reauth.ms": "1500"})
    topic = unique("ib-renew")
    produce_acks_all(brokers[0].bootstrap, topic, 10)
    wait_until(lambda: all(records_on(b, topic) == 10 for b in brokers), 30, "every replica holds 10 records")
    import time
    time.sleep(5)  # the followers keep fetching across three lifetimes
    produce_acks_all(brokers[0].bootstrap, topic, 10)
    wait_until(lambda: all(records_on(b, topic) == 20 for b in brokers), 30, "every replica holds 20 records")
    # librdkafka (2.0.2, no KIP-368) producers' sessions may be closed; the
    # brokers' own connections must not have been.
    for b in brokers:
        for line in b.log_tail(400000).splitlines():
            if "SASL session expired" in line:
                assert "api 0 " in line or "api 3 " in line or "api 18 " in line, line


def test_wrong_inter_broker_password_replicates_nothing(cluster):
    wrong = PLAIN_JAAS.replace('password="admin-secret"', 'password="not-it"')
    brokers, _ = cluster("PLAIN", plain_jaas=wrong)
    # Clients still get in (user_alice is right); the brokers cannot reach each other.
    with w.connect(brokers[0].port) as s:
        assert plain_login(s, "alice", "alice-secret")[0] == 0
    topic = unique("ib-wrong")
    produce_acks_all(brokers[0].bootstrap, topic, 5)
    import time
    time.sleep(3)
    holders = [b for b in brokers if records_on(b, topic) == 5]
    assert len(holders) == 1, "only the leader may hold the records"
    assert any("SASL authentication failed" in b.log_tail(100000) or "failed SASL exchange" in b.log_tail(100000)
               for b in brokers)
