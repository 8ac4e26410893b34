"""ACLs and the authorizer (authorizer.class.name) against real clients.

On a PLAINTEXT listener every connection is User:ANONYMOUS from 127.0.0.1,
so the tests grant or deny ACLs to User:ANONYMOUS (and to other principals,
which must not apply to it). A secured broker is bootstrapped as Kafka
users do: started with super.users=User:ANONYMOUS to create the first ACLs
(ALTER on the cluster, so the test can keep managing ACLs), then restarted
without it; the ACLs persist in the metadata file.

ACLs are managed with kafka-python's KafkaAdminClient (confluent-kafka 1.7
has no ACL admin API); producers, consumers, transactions and topic admin
use confluent-kafka; bad input goes through raw requests (kafka_wire).
"""

import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import NewTopic
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         KafkaAdminClient, ResourcePattern, ResourcePatternFilter, ResourceType)
import kafka.errors as kerrors

import kafka_wire as w
from sluice_harness import admin, create_topic, unique, wait_until

AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
ME = "User:ANONYMOUS"
ALLOW = ACLPermissionType.ALLOW
DENY = ACLPermissionType.DENY
LITERAL = ACLResourcePatternType.LITERAL
PREFIXED = ACLResourcePatternType.PREFIXED

# Kafka's error codes.
TOPIC_AUTHORIZATION_FAILED = 29
GROUP_AUTHORIZATION_FAILED = 30
CLUSTER_AUTHORIZATION_FAILED = 31
INVALID_REQUEST = 42
SECURITY_DISABLED = 54

CREATE_ACLS, DESCRIBE_ACLS, DELETE_ACLS = 30, 29, 31


# ---- helpers ---------------------------------------------------------------

def acl(rtype, name, op, perm=ALLOW, principal=ME, pattern=LITERAL, host="*"):
    return ACL(principal=principal, host=host, operation=op, permission_type=perm,
               resource_pattern=ResourcePattern(rtype, name, pattern))


def any_filter(rtype=ResourceType.ANY, name=None, pattern=ACLResourcePatternType.ANY, principal=None):
    return ACLFilter(principal=principal, host=None, operation=ACLOperation.ANY,
                     permission_type=ACLPermissionType.ANY,
                     resource_pattern=ResourcePatternFilter(rtype, name, pattern))


class KAdmin:
    """kafka-python's admin client, a fresh one per call: the tests restart
    brokers, and a KafkaAdminClient does not survive its broker's restart."""

    def __init__(self, broker):
        self.broker = broker

    def call(self, fn):
        client = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap, request_timeout_ms=15000,
                                  api_version_auto_timeout_ms=15000)
        try:
            return fn(client)
        finally:
            client.close()

    def create_raw(self, *acls):
        return self.call(lambda c: c.create_acls(list(acls)))

    def create(self, *acls):
        result = self.create_raw(*acls)
        assert not result["failed"], result["failed"]
        return result

    def describe(self, acl_filter=None):
        acls, error = self.call(lambda c: c.describe_acls(acl_filter or any_filter()))
        assert error is kerrors.NoError or isinstance(error, kerrors.NoError) or error is None, error
        return acls

    def describe_raw(self, acl_filter):
        return self.call(lambda c: c.describe_acls(acl_filter))

    def delete(self, *filters):
        return self.call(lambda c: c.delete_acls(list(filters)))

    def close(self):
        pass


@pytest.fixture
def kadmins():
    made = []

    def make(broker):
        a = KAdmin(broker)
        made.append(a)
        return a

    yield make
    for a in made:
        a.close()


def is_error(error, cls):
    """kafka-python reports some errors as classes, others as instances."""
    return error is cls or isinstance(error, cls)


def key(a):
    p = a.resource_pattern
    return (p.resource_type, p.resource_name, p.pattern_type, a.principal, a.host, a.operation,
            a.permission_type)


@pytest.fixture
def secured(broker_factory, kadmins):
    """A broker enforcing ACLs where User:ANONYMOUS may manage ACLs (ALTER on
    the cluster) and, unless `grants` say so, nothing else. Returns (broker,
    kafka-python admin)."""

    def make(*grants, overrides=None):
        props = {"authorizer.class.name": AUTHORIZER, "super.users": ME}
        props.update(overrides or {})
        b = broker_factory(props)
        a = kadmins(b)
        a.create(acl(ResourceType.CLUSTER, "kafka-cluster", ACLOperation.ALTER), *grants)
        a.close()
        del b.overrides["super.users"]
        b.restart()
        return b, kadmins(b)

    return make


def as_super_user(broker, topics=(), partitions=1):
    """Creates topics on a secured broker by restarting it as a super user."""
    broker.restart({"super.users": ME})
    for t in topics:
        create_topic(broker.bootstrap, t, partitions)
    del broker.overrides["super.users"]
    broker.restart()


def produce_one(bootstrap, topic, value=b"v", timeout=20, **conf):
    """The delivery error code of one message (None on success)."""
    c = {"bootstrap.servers": bootstrap, "message.timeout.ms": 10000, "socket.timeout.ms": 10000}
    c.update(conf)
    p = Producer(c)
    outcome = []
    try:
        p.produce(topic, value, on_delivery=lambda err, msg: outcome.append(err))
        p.flush(timeout)
    except KafkaException as e:  # a fatal error (idempotence) raises
        return e.args[0].code()
    assert outcome, "no delivery report"
    return None if outcome[0] is None else outcome[0].code()


def consume_with_group(bootstrap, topic, group, timeout=20):
    """Polls a subscribed consumer until a message or an error; returns
    ("message", value) or ("error", code)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                  "session.timeout.ms": 10000, "socket.timeout.ms": 10000})
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


# ---- tests -----------------------------------------------------------------

def test_security_disabled_without_an_authorizer(broker, kadmins):
    a = kadmins(broker)
    result = a.create_raw(*[acl(ResourceType.TOPIC, "t", ACLOperation.READ)])
    assert not result["succeeded"]
    [(_, error)] = result["failed"]
    assert is_error(error, kerrors.SecurityDisabledError)
    with pytest.raises(kerrors.SecurityDisabledError):
        a.describe_raw(any_filter())
    [(_, matching, error)] = a.delete(*[any_filter()])
    assert matching == []
    assert is_error(error, kerrors.SecurityDisabledError)
    # Everything else works as before: no authorization at all.
    topic = unique("open")
    create_topic(broker.bootstrap, topic)
    assert produce_one(broker.bootstrap, topic) is None


def test_acl_management_needs_alter_or_describe_on_the_cluster(broker_factory, kadmins):
    b = broker_factory({"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer"})
    a = kadmins(b)
    result = a.create_raw(*[acl(ResourceType.TOPIC, "t", ACLOperation.READ)])
    [(_, error)] = result["failed"]
    assert is_error(error, kerrors.ClusterAuthorizationFailedError)
    with pytest.raises(kerrors.ClusterAuthorizationFailedError):
        a.describe_raw(any_filter())
    [(_, _, error)] = a.delete(*[any_filter()])
    assert is_error(error, kerrors.ClusterAuthorizationFailedError)


def test_create_describe_delete_and_persist(secured):
    b, a = secured()
    t_read = acl(ResourceType.TOPIC, "orders", ACLOperation.READ)
    t_prefix = acl(ResourceType.TOPIC, "app-", ACLOperation.WRITE, pattern=PREFIXED)
    t_star = acl(ResourceType.TOPIC, "*", ACLOperation.DESCRIBE, principal="User:bob")
    g_deny = acl(ResourceType.GROUP, "g1", ACLOperation.READ, perm=DENY, host="10.1.2.3")
    tx = acl(ResourceType.TRANSACTIONAL_ID, "tx-", ACLOperation.WRITE, pattern=PREFIXED)
    a.create(t_read, t_prefix, t_star, g_deny, tx)
    cluster = acl(ResourceType.CLUSTER, "kafka-cluster", ACLOperation.ALTER)
    everything = {key(x) for x in (t_read, t_prefix, t_star, g_deny, tx, cluster)}
    assert {key(x) for x in a.describe()} == everything

    # LITERAL filter: that exact pattern only.
    got = a.describe(any_filter(ResourceType.TOPIC, "orders", LITERAL))
    assert {key(x) for x in got} == {key(t_read)}
    # MATCH: every pattern that applies to the name.
    got = a.describe(any_filter(ResourceType.TOPIC, "app-orders", ACLResourcePatternType.MATCH))
    assert {key(x) for x in got} == {key(t_prefix), key(t_star)}
    got = a.describe(any_filter(ResourceType.TOPIC, "orders", ACLResourcePatternType.MATCH))
    assert {key(x) for x in got} == {key(t_read), key(t_star)}
    # By principal.
    got = a.describe(any_filter(principal="User:bob"))
    assert {key(x) for x in got} == {key(t_star)}

    # Persisted: a restart keeps every ACL.
    b.restart()
    a.close()
    a = KAdmin(b)
    try:
        assert {key(x) for x in a.describe()} == everything
        # Delete by filter: each filter's result lists what it removed.
        results = a.delete(*[any_filter(ResourceType.TOPIC, "app-", PREFIXED),
                                        any_filter(ResourceType.GROUP)])
        assert [{key(x) for x, _ in matching} for _, matching, _ in results] == [{key(t_prefix)}, {key(g_deny)}]
        assert {key(x) for x in a.describe()} == everything - {key(t_prefix), key(g_deny)}
        # A filter matching nothing removes nothing.
        [(_, matching, _)] = a.delete(*[any_filter(ResourceType.DELEGATION_TOKEN)])
        assert matching == []
    finally:
        a.close()


def test_producer_needs_write_on_the_topic(secured):
    topic = unique("acl-produce")
    b, a = secured()
    as_super_user(b, [topic])
    # No ACL at all on the topic (allow.everyone.if.no.acl.found=false).
    assert produce_one(b.bootstrap, topic) == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # An ACL for another principal does not apply to User:ANONYMOUS.
    a.create(acl(ResourceType.TOPIC, topic, ACLOperation.WRITE, principal="User:bob"))
    assert produce_one(b.bootstrap, topic) == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # DESCRIBE (implied by READ) shows the topic, but writing needs WRITE.
    a.create(acl(ResourceType.TOPIC, topic, ACLOperation.READ))
    assert produce_one(b.bootstrap, topic) == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # WRITE from another host only.
    a.create(acl(ResourceType.TOPIC, topic, ACLOperation.WRITE, host="10.9.9.9"))
    assert produce_one(b.bootstrap, topic) == KafkaError.TOPIC_AUTHORIZATION_FAILED
    a.create(acl(ResourceType.TOPIC, topic, ACLOperation.WRITE, host="127.0.0.1"))
    assert produce_one(b.bootstrap, topic) is None
    # DENY beats ALLOW, here through the wildcard principal and a prefix.
    a.create(acl(ResourceType.TOPIC, topic[:6], ACLOperation.WRITE, perm=DENY, principal="User:*",
                 pattern=PREFIXED))
    assert produce_one(b.bootstrap, topic) == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_consumer_group_needs_read_on_group_and_topic(secured):
    topic, group = unique("acl-consume"), unique("acl-group")
    b, a = secured(acl(ResourceType.TOPIC, topic, ACLOperation.WRITE))
    as_super_user(b, [topic])
    assert produce_one(b.bootstrap, topic, b"hello") is None
    assert consume_with_group(b.bootstrap, topic, group) == ("error", KafkaError.GROUP_AUTHORIZATION_FAILED)
    a.create(acl(ResourceType.GROUP, group, ACLOperation.READ, principal="User:bob"))
    assert consume_with_group(b.bootstrap, topic, group) == ("error", KafkaError.GROUP_AUTHORIZATION_FAILED)
    a.create(acl(ResourceType.GROUP, group[:8], ACLOperation.READ, pattern=PREFIXED))
    a.create(acl(ResourceType.TOPIC, topic, ACLOperation.READ))
    assert consume_with_group(b.bootstrap, topic, group) == ("message", b"hello")


def test_fetch_needs_read_on_the_topic(secured):
    topic = unique("acl-fetch")
    group = unique("acl-fetch-group")
    b, a = secured(acl(ResourceType.TOPIC, topic, ACLOperation.WRITE), acl(ResourceType.GROUP, group, ACLOperation.READ))
    as_super_user(b, [topic])
    assert produce_one(b.bootstrap, topic, b"x") is None
    # WRITE implies DESCRIBE (metadata, offsets) but not READ.
    from confluent_kafka import TopicPartition
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": group, "enable.auto.commit": False,
                  "socket.timeout.ms": 10000})
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        seen = None
        deadline = time.monotonic() + 15
        while seen is None and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None:
                seen = m.error().code() if m.error() else ("message", m.value())
        assert seen == KafkaError.TOPIC_AUTHORIZATION_FAILED
    finally:
        c.close()


def test_metadata_hides_topics_without_describe(secured):
    shown, hidden, missing = unique("acl-shown"), unique("acl-hidden"), unique("acl-missing")
    b, a = secured(acl(ResourceType.TOPIC, shown, ACLOperation.DESCRIBE))
    as_super_user(b, [shown, hidden])
    md = admin(b.bootstrap).list_topics(timeout=10)
    assert shown in md.topics and hidden not in md.topics
    named = admin(b.bootstrap).list_topics(topic=hidden, timeout=10)
    assert named.topics[hidden].error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # Auto-creation needs CREATE: the missing topic is refused, not created.
    named = admin(b.bootstrap).list_topics(topic=missing, timeout=10)
    assert named.topics[missing].error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    a.create(acl(ResourceType.TOPIC, missing, ACLOperation.DESCRIBE))
    named = admin(b.bootstrap).list_topics(topic=missing, timeout=10)
    assert named.topics[missing].error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert missing not in admin(b.bootstrap).list_topics(timeout=10).topics
    # With CREATE on the topic, Metadata auto-creates it.
    a.create(acl(ResourceType.TOPIC, missing, ACLOperation.CREATE))
    wait_until(lambda: admin(b.bootstrap).list_topics(topic=missing, timeout=10).topics[missing].error is None,
               15, "auto-created " + missing)


def test_create_topics_needs_create(secured):
    b, a = secured()
    denied, allowed = unique("other"), unique("app-new")
    fs = admin(b.bootstrap).create_topics([NewTopic(denied, 1, 1)], request_timeout=10)
    with pytest.raises(KafkaException) as e:
        fs[denied].result(15)
    assert e.value.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # CREATE on a prefix covers the names under it only.
    a.create(acl(ResourceType.TOPIC, "app-", ACLOperation.CREATE, pattern=PREFIXED))
    fs = admin(b.bootstrap).create_topics([NewTopic(allowed, 1, 1), NewTopic(denied, 1, 1)], request_timeout=10)
    fs[allowed].result(15)
    with pytest.raises(KafkaException) as e:
        fs[denied].result(15)
    assert e.value.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # CREATE on the cluster covers every name.
    a.create(acl(ResourceType.CLUSTER, "kafka-cluster", ACLOperation.CREATE))
    fs = admin(b.bootstrap).create_topics([NewTopic(denied, 1, 1)], request_timeout=10)
    fs[denied].result(15)


def test_transactional_producer_needs_write_on_its_transactional_id(secured):
    topic, txn_id = unique("acl-txn"), unique("acl-tx")
    b, a = secured(acl(ResourceType.TOPIC, topic, ACLOperation.WRITE),
                   acl(ResourceType.TOPIC, topic, ACLOperation.READ))
    as_super_user(b, [topic])
    conf = {"bootstrap.servers": b.bootstrap, "transactional.id": txn_id, "socket.timeout.ms": 10000,
            "transaction.timeout.ms": 10000}
    p = Producer(conf)
    with pytest.raises(KafkaException) as e:
        p.init_transactions(20)
    assert e.value.args[0].code() == KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    del p
    a.create(acl(ResourceType.TRANSACTIONAL_ID, txn_id, ACLOperation.WRITE))
    p = Producer(conf)
    p.init_transactions(20)
    p.begin_transaction()
    p.produce(topic, b"in-txn")
    p.commit_transaction(20)


def test_idempotent_producer_needs_idempotent_write_or_a_topic_write(secured):
    topic = unique("acl-idem")
    b, a = secured(acl(ResourceType.TOPIC, topic, ACLOperation.DESCRIBE))
    as_super_user(b, [topic])
    code = produce_one(b.bootstrap, topic, **{"enable.idempotence": True})
    assert code in (KafkaError.CLUSTER_AUTHORIZATION_FAILED, KafkaError._FATAL), code
    a.create(acl(ResourceType.TOPIC, topic, ACLOperation.WRITE))
    assert produce_one(b.bootstrap, topic, **{"enable.idempotence": True}) is None


def test_allow_everyone_if_no_acl_found(secured):
    """Resources no ACL names are open; one ACL on a resource (for anyone)
    closes it to everyone else."""
    open_topic, named_topic = unique("acl-open"), unique("acl-named")
    b, a = secured(overrides={"allow.everyone.if.no.acl.found": "true"})
    as_super_user(b, [open_topic, named_topic])
    assert produce_one(b.bootstrap, open_topic) is None
    a.create(acl(ResourceType.TOPIC, named_topic, ACLOperation.WRITE, principal="User:bob"))
    assert produce_one(b.bootstrap, named_topic) == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert produce_one(b.bootstrap, open_topic) is None


def test_every_broker_start_reads_the_stored_acls(secured):
    """ACLs live in the metadata store, not in the process: a restarted broker
    enforces exactly what was stored, deletions included."""
    topic = unique("acl-restart")
    b, a = secured()
    as_super_user(b, [topic])
    a.create(acl(ResourceType.TOPIC, topic, ACLOperation.WRITE))
    assert produce_one(b.bootstrap, topic) is None
    a.close()
    b.restart()
    assert produce_one(b.bootstrap, topic) is None
    a2 = KAdmin(b)
    try:
        a2.delete(*[any_filter(ResourceType.TOPIC, topic, LITERAL)])
    finally:
        a2.close()
    b.restart()
    assert produce_one(b.bootstrap, topic) == KafkaError.TOPIC_AUTHORIZATION_FAILED


# ---- bad input (raw requests) ----------------------------------------------

def creation(rtype=2, name="t", pattern=3, principal=ME, host="*", op=3, perm=3):
    return (w.int8(rtype) + w.string(name) + w.int8(pattern) + w.string(principal) + w.string(host)
            + w.int8(op) + w.int8(perm))


def create_acls_v1(sock, creations, cid=1):
    r = w.roundtrip(sock, CREATE_ACLS, 1, cid, w.array(creations))
    r.int32()  # throttle
    return r.array(lambda r: (r.int16(), r.string()))


def describe_all_v1(sock, cid=2, rtype=1, pattern=1, op=1, perm=1):
    body = (w.int8(rtype) + w.string(None) + w.int8(pattern) + w.string(None) + w.string(None) + w.int8(op)
            + w.int8(perm))
    r = w.roundtrip(sock, DESCRIBE_ACLS, 1, cid, body)
    r.int32()
    code, message = r.int16(), r.string()
    resources = r.array(lambda r: (r.int8(), r.string(), r.int8(),
                                   r.array(lambda r: (r.string(), r.string(), r.int8(), r.int8()))))
    return code, message, resources


def test_bad_bindings_are_refused_one_by_one_and_nothing_is_stored(secured):
    b, _ = secured()
    sock = w.connect(b.port)
    try:
        bad = [
            creation(rtype=99),             # unknown resource type
            creation(rtype=0),              # UNKNOWN
            creation(rtype=1),              # ANY in a creation
            creation(pattern=9),            # unknown pattern type
            creation(pattern=1),            # ANY
            creation(pattern=2),            # MATCH
            creation(op=99),                # unknown operation
            creation(op=1),                 # ANY
            creation(perm=9),               # unknown permission
            creation(perm=1),               # ANY
            creation(principal=""),         # empty principal
            creation(principal="alice"),    # no ':'
            creation(name=""),              # empty resource name
            creation(rtype=4, name="my-cluster"),  # the cluster has one name
        ]
        results = create_acls_v1(sock, bad + [creation(name="good")])
        assert [code for code, _ in results[:-1]] == [INVALID_REQUEST] * len(bad)
        assert all(message for _, message in results[:-1])
        assert results[-1] == (0, None)
        code, _, resources = describe_all_v1(sock)
        assert code == 0
        names = sorted((rtype, name) for rtype, name, _, _ in resources)
        assert names == [(2, "good"), (4, "kafka-cluster")]

        # Filters with UNKNOWN anywhere are refused, the request answered.
        code, message, resources = describe_all_v1(sock, cid=3, rtype=99)
        assert (code, resources) == (INVALID_REQUEST, [])
        body = w.array([w.int8(2) + w.string(None) + w.int8(1) + w.string(None) + w.string(None) + w.int8(77)
                        + w.int8(1)])
        r = w.roundtrip(sock, DELETE_ACLS, 1, 4, body)
        r.int32()
        [(code, _, matching)] = r.array(lambda r: (r.int16(), r.string(), r.array(lambda r: r.take(0))))
        assert (code, matching) == (INVALID_REQUEST, [])
        code, _, resources = describe_all_v1(sock, cid=5)
        assert sorted(name for _, name, _, _ in resources) == ["good", "kafka-cluster"]
    finally:
        sock.close()


def test_truncated_acl_requests_close_the_connection(secured):
    b, _ = secured()
    for api in (CREATE_ACLS, DESCRIBE_ACLS, DELETE_ACLS):
        sock = w.connect(b.port)
        try:
            full = w.array([creation()]) if api == CREATE_ACLS else w.int8(2) + w.string("t")
            w.send_all(sock, w.request(api, 1, 7, full[:5]))
            w.wait_closed(sock)
        finally:
            sock.close()
    assert b.running()


def test_flexible_versions_round_trip(secured):
    """v2+ are flexible (compact strings, tagged fields): librdkafka's and the
    Java client's encoding."""
    b, _ = secured()
    sock = w.connect(b.port)
    try:
        creation_v3 = (w.int8(3) + w.compact_string("flex-group") + w.int8(3) + w.compact_string(ME)
                       + w.compact_string("*") + w.int8(3) + w.int8(3) + w.uvarint(0))
        r = w.roundtrip(sock, CREATE_ACLS, 3, 1, w.compact_array([creation_v3]) + w.uvarint(0), flexible=True)
        r.tagged_fields()
        r.int32()
        results = r.compact_array(lambda r: (r.int16(), r.compact_string(), r.tagged_fields()))
        assert [(code, message) for code, message, _ in results] == [(0, None)]
        body = (w.int8(3) + w.compact_string("flex-group") + w.int8(3) + w.compact_string(None)
                + w.compact_string(None) + w.int8(1) + w.int8(1) + w.uvarint(0))
        r = w.roundtrip(sock, DESCRIBE_ACLS, 3, 2, body, flexible=True)
        r.tagged_fields()
        r.int32()
        assert r.int16() == 0
        r.compact_string()
        resources = r.compact_array(lambda r: (r.int8(), r.compact_string(), r.int8(),
                                               r.compact_array(lambda r: (r.compact_string(), r.compact_string(),
                                                                          r.int8(), r.int8(), r.tagged_fields())),
                                               r.tagged_fields()))
        [(rtype, name, pattern, acls, _)] = resources
        assert (rtype, name, pattern) == (3, "flex-group", 3)
        assert [(p, h, o, perm) for p, h, o, perm, _ in acls] == [(ME, "*", 3, 3)]
    finally:
        sock.close()


# ---- kafkajs ----------------------------------------------------------------

def jsacls(broker, action, arg):
    import json
    import os
    from sluice_harness import run
    js_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
    cp = run(["node", "acls.js", broker.bootstrap, action, json.dumps(arg)], timeout=70, cwd=js_dir)
    return json.loads(cp.stdout.decode())


def test_kafkajs_manages_acls(secured, broker_factory):
    b, a = secured()
    mine = {"resourceType": 2, "resourceName": "js-topic", "resourcePatternType": 4, "principal": ME,
            "host": "*", "operation": 4, "permissionType": 3}
    assert jsacls(b, "create", [mine]) == {"created": True}
    described = jsacls(b, "describe", {"resourceType": 2, "resourcePatternType": 2, "resourceName": "js-topic-1",
                                       "operation": 1, "permissionType": 1})
    [res] = described["resources"]
    assert (res["resourceType"], res["resourceName"], res["resourcePatternType"]) == (2, "js-topic", 4)
    assert res["acls"] == [{"principal": ME, "host": "*", "operation": 4, "permissionType": 3}]
    # The ACL it made is enforced: WRITE (and so DESCRIBE) on topics under the prefix.
    topic = "js-topic-" + unique("w")
    as_super_user(b, [topic])
    assert produce_one(b.bootstrap, topic) is None
    deleted = jsacls(b, "delete", [{"resourceType": 2, "resourcePatternType": 4, "resourceName": "js-topic",
                                    "operation": 1, "permissionType": 1}])
    [resp] = deleted["filterResponses"]
    assert resp["errorCode"] == 0 and len(resp["matchingAcls"]) == 1
    assert produce_one(b.bootstrap, topic) == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # Without an authorizer kafkajs sees SECURITY_DISABLED.
    plain = broker_factory()
    assert jsacls(plain, "create", [mine])["error"] == "SECURITY_DISABLED"


# ---- a cluster: ACLs in etcd --------------------------------------------------

from test_etcd_metadata import etcd  # noqa: E402,F401  (the fixture)


def test_every_broker_of_a_cluster_enforces_the_same_acls(etcd, broker_factory):  # noqa: F811
    topic = unique("acl-cluster")
    conf = {"metadata.etcd.endpoints": etcd, "metadata.etcd.prefix": "/" + unique("c"),
            "authorizer.class.name": AUTHORIZER, "super.users": ME}
    a = broker_factory(dict(conf, **{"node.id": "1"}), name="sluiced-a")
    b = broker_factory(dict(conf, **{"node.id": "2"}), name="sluiced-b")
    KAdmin(a).create(acl(ResourceType.CLUSTER, "kafka-cluster", ACLOperation.ALTER))
    fs = admin(a.bootstrap).create_topics([NewTopic(topic, 1, 1)], request_timeout=15)
    fs[topic].result(15)
    for broker in (a, b):
        del broker.overrides["super.users"]
        broker.restart()

    def visible(broker):
        return topic in admin(broker.bootstrap).list_topics(timeout=10).topics

    assert not visible(a) and not visible(b)
    # Created through one broker, enforced by both.
    KAdmin(a).create(acl(ResourceType.TOPIC, topic, ACLOperation.DESCRIBE))
    wait_until(lambda: visible(a) and visible(b), 15, "both brokers showing " + topic)
    assert {key(x) for x in KAdmin(b).describe(any_filter(ResourceType.TOPIC))} == \
        {key(acl(ResourceType.TOPIC, topic, ACLOperation.DESCRIBE))}
    # Deleted through the other, gone from both.
    KAdmin(b).delete(any_filter(ResourceType.TOPIC, topic, LITERAL))
    wait_until(lambda: not visible(a) and not visible(b), 15, "both brokers hiding " + topic)
