"""ACLs and client quotas for real SASL principals: a SASL_PLAINTEXT
listener with PLAIN users admin (a super user), alice and bob, and the
StandardAuthorizer. alice is granted READ/WRITE on a topic and READ on a
group and produces and consumes with confluent-kafka; bob, with no ACL,
gets TOPIC_AUTHORIZATION_FAILED and GROUP_AUTHORIZATION_FAILED; a DENY on
a prefix beats alice's literal ALLOW. A producer_byte_rate quota on user
alice throttles alice and not bob."""

import threading
import time

from confluent_kafka import Consumer, KafkaError
from confluent_kafka.admin import AdminClient, NewTopic
from kafka.admin import ACLOperation, KafkaAdminClient, ResourceType

from sluice_harness import unique
from test_acls import ALLOW, DENY, PREFIXED, acl, produce_one
from test_quotas import NONE, alter, produce_for
from test_sasl import sasl_factory  # noqa: F401

AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
        'username="admin" password="admin-secret" user_admin="admin-secret" '
        'user_alice="alice-secret" user_bob="bob-secret";')
USERS = {"admin": "admin-secret", "alice": "alice-secret", "bob": "bob-secret"}


def sasl(user):
    return {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
            "sasl.username": user, "sasl.password": USERS[user]}


def broker_with_users(sasl_factory, acls):  # noqa: F811
    extra = {"listener.name.sasl_plaintext.plain.sasl.jaas.config": JAAS}
    if acls:
        extra.update({"authorizer.class.name": AUTHORIZER, "super.users": "User:admin"})
    return sasl_factory(extra)


def create_topics(sb, *names):
    a = AdminClient(dict(sasl("admin"), **{"bootstrap.servers": sb.bootstrap}))
    for f in a.create_topics([NewTopic(n, num_partitions=1, replication_factor=1) for n in names]).values():
        f.result(20)


def create_acls(sb, *acls):
    a = KafkaAdminClient(bootstrap_servers=sb.bootstrap, security_protocol="SASL_PLAINTEXT",
                         sasl_mechanism="PLAIN", sasl_plain_username="admin",
                         sasl_plain_password=USERS["admin"], request_timeout_ms=15000)
    try:
        result = a.create_acls(list(acls))
        assert not result["failed"], result["failed"]
    finally:
        a.close()


def produce_as(sb, user, topic, value=b"v"):
    return produce_one(sb.bootstrap, topic, value, **sasl(user))


def consume_as(sb, user, topic, group, timeout=20):
    c = Consumer(dict(sasl(user), **{"bootstrap.servers": sb.bootstrap, "group.id": group,
                                     "auto.offset.reset": "earliest", "session.timeout.ms": 10000}))
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                return ("error", m.error().code())
            return ("message", m.value())
        return ("timeout", None)
    finally:
        c.close()


def test_acls_apply_to_the_sasl_principal(sasl_factory):  # noqa: F811
    sb = broker_with_users(sasl_factory, acls=True)
    topic, group = unique("alice-t"), unique("alice-g")
    vault = "vault-" + unique("v")
    create_topics(sb, topic, vault)
    alice = "User:alice"
    create_acls(sb,
                acl(ResourceType.TOPIC, topic, ACLOperation.READ, principal=alice),
                acl(ResourceType.TOPIC, topic, ACLOperation.WRITE, principal=alice),
                acl(ResourceType.GROUP, group, ACLOperation.READ, principal=alice),
                acl(ResourceType.TOPIC, vault, ACLOperation.WRITE, perm=ALLOW, principal=alice),
                acl(ResourceType.TOPIC, "vault-", ACLOperation.WRITE, perm=DENY, principal=alice,
                    pattern=PREFIXED))
    assert produce_as(sb, "alice", topic, b"from alice") is None
    assert consume_as(sb, "alice", topic, group) == ("message", b"from alice")
    # bob authenticates but is granted nothing.
    assert produce_as(sb, "bob", topic) == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert consume_as(sb, "bob", topic, group) == ("error", KafkaError.GROUP_AUTHORIZATION_FAILED)
    # The prefixed DENY beats alice's literal ALLOW.
    assert produce_as(sb, "alice", vault) == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # The super user is not bound by ACLs.
    assert produce_as(sb, "admin", vault) is None


def test_a_user_quota_throttles_that_user_only(sasl_factory):  # noqa: F811
    sb = broker_with_users(sasl_factory, acls=False)
    topic = unique("uquota")
    create_topics(sb, topic)
    quota = 200_000
    # By user (the SASL principal's name), through the PLAINTEXT listener.
    assert alter(sb.plain_port, [([("user", "alice")], [("producer_byte_rate", float(quota))])]) == [(NONE, None)]
    results = {}
    bob = threading.Thread(target=lambda: results.__setitem__(
        "bob", produce_for(sb.bootstrap, topic, "same-app", 0, 3, **sasl("bob"))))
    bob.start()
    results["alice"] = produce_for(sb.bootstrap, topic, "same-app", 2, 6, **sasl("alice"))
    bob.join()
    assert 0.85 * quota <= results["alice"] <= 1.15 * quota, results
    assert results["bob"] > 3 * quota, results
