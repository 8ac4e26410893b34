"""InitProducerId (API 22) for idempotent producers, as Kafka answers it.

Any broker answers a producer without a transactional id with a new
producer id at epoch 0, in every version (0-5), also when a v3+ producer
names the id and epoch it had. Ids come from blocks the metadata store
hands out, so they differ across calls, across a restart (the single node
keeps its counter in its metadata file, also through kill -9) and across the
brokers of a cluster (one counter in etcd). Bad input gets a Kafka error on
an open connection: only one of id and epoch given, or an empty
transactional id, is INVALID_REQUEST; a transactional id with a timeout out
of range is INVALID_TRANSACTION_TIMEOUT (transactional ids proper:
test_transactions.py).
confluent-kafka with enable.idempotence=true gets past its init and
delivers."""

from confluent_kafka import Producer

import kafka_wire as kw
from sluice_harness import consume, create_topic, unique
from test_cluster import start_cluster
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

API_INIT_PRODUCER_ID = 22
NONE = 0
INVALID_REQUEST = 42
INVALID_TRANSACTION_TIMEOUT = 50
VERSIONS = range(0, 6)


def body(version, transactional_id=None, timeout_ms=60000, producer_id=-1, producer_epoch=-1):
    flexible = version >= 2
    out = (kw.compact_string if flexible else kw.string)(transactional_id) + kw.int32(timeout_ms)
    if version >= 3:
        out += kw.int64(producer_id) + kw.int16(producer_epoch)
    if flexible:
        out += kw.EMPTY_TAGGED_FIELDS
    return out


def ask(sock, version, correlation_id=1, **fields):
    flexible = version >= 2
    r = kw.roundtrip(sock, API_INIT_PRODUCER_ID, version, correlation_id, body(version, **fields), flexible=flexible)
    if flexible:
        r.tagged_fields()  # response header v1
    out = dict(throttle=r.int32(), error_code=r.int16(), producer_id=r.int64(), producer_epoch=r.int16())
    if flexible:
        r.tagged_fields()
    r.expect_end()
    return out


def new_id(port, version=4):
    with kw.connect(port) as s:
        got = ask(s, version)
    assert got["error_code"] == NONE and got["producer_epoch"] == 0, got
    assert got["producer_id"] >= 0, got
    return got["producer_id"]


def test_every_version_hands_out_a_new_id_at_epoch_zero(broker):
    with kw.connect(broker.port) as s:
        r = kw.roundtrip(s, kw.API_API_VERSIONS, 0, 1, kw.api_versions_v0_body())
        _, apis = kw.parse_api_versions_v0(r)
        assert apis[API_INIT_PRODUCER_ID] == (0, 5)
        ids = []
        for version in VERSIONS:
            got = ask(s, version, correlation_id=10 + version)
            assert got == dict(throttle=0, error_code=NONE, producer_id=got["producer_id"], producer_epoch=0), version
            ids.append(got["producer_id"])
        # A v3+ producer naming its old id and epoch still gets a new id.
        for version in (3, 4, 5):
            got = ask(s, version, correlation_id=20 + version, producer_id=ids[-1], producer_epoch=2)
            assert got["error_code"] == NONE and got["producer_epoch"] == 0, (version, got)
            ids.append(got["producer_id"])
    assert len(set(ids)) == len(ids), ids
    assert min(ids) >= 0


def test_bad_input_gets_a_kafka_error_on_an_open_connection(broker):
    refusals = [
        (3, dict(producer_id=5), INVALID_REQUEST),
        (5, dict(producer_epoch=0), INVALID_REQUEST),
        (4, dict(transactional_id="tx", producer_id=9), INVALID_REQUEST),
        (0, dict(transactional_id=""), INVALID_REQUEST),
        (2, dict(transactional_id=""), INVALID_REQUEST),
        (5, dict(transactional_id=""), INVALID_REQUEST),
        (0, dict(transactional_id="orders-tx", timeout_ms=0), INVALID_TRANSACTION_TIMEOUT),
        (5, dict(transactional_id="orders-tx", timeout_ms=900001), INVALID_TRANSACTION_TIMEOUT),
    ]
    with kw.connect(broker.port) as s:
        for i, (version, fields, code) in enumerate(refusals):
            got = ask(s, version, correlation_id=100 + i, **fields)
            assert got == dict(throttle=0, error_code=code, producer_id=-1, producer_epoch=-1), (version, fields)
        # The same connection still serves a good request.
        assert ask(s, 4, correlation_id=200)["error_code"] == NONE


def test_a_truncated_request_closes_only_its_connection(broker):
    with kw.connect(broker.port) as s:
        kw.send_all(s, kw.request(API_INIT_PRODUCER_ID, 3, 1, body(3)[:-3]))
        assert kw.wait_closed(s)
    new_id(broker.port)


def test_ids_differ_across_restarts_and_kill_9(broker):
    first = new_id(broker.port)
    broker.restart()
    second = new_id(broker.port)
    broker.kill9()
    broker.start()
    third = new_id(broker.port)
    assert len({first, second, third}) == 3, (first, second, third)
    # Each start takes a new block: the rest of the old one is never reused.
    assert first < second < third, (first, second, third)


def test_confluent_idempotent_producer_delivers(broker):
    topic = unique("idem")
    create_topic(broker.bootstrap, topic, partitions=2)
    errors = []
    p = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True, "linger.ms": 5,
                  "message.timeout.ms": 20000, "error_cb": errors.append})
    delivered, failed = [], []

    def report(err, msg):
        (failed if err else delivered).append(err or msg)

    for i in range(20):
        p.produce(topic, b"m%d" % i, partition=i % 2, on_delivery=report)
    assert p.flush(30) == 0
    assert not failed, failed
    assert len(delivered) == 20
    assert not [e for e in errors if e.fatal()], errors
    values = sorted(m.value() for part in (0, 1) for m in consume(broker.bootstrap, topic, partition=part))
    assert values == sorted(b"m%d" % i for i in range(20))
    # The batches carry the id the broker handed out, at epoch 0.
    headers = broker.batch_headers(topic, 0) + broker.batch_headers(topic, 1)
    assert headers and all(h.producer_id >= 0 and h.producer_epoch == 0 for h in headers), headers


def test_each_broker_of_a_cluster_hands_out_distinct_ids(etcd, broker_factory):  # noqa: F811
    brokers = start_cluster(broker_factory, etcd)
    ids = {}
    for b in brokers:
        ids[b.name] = [new_id(b.port, version) for version in (0, 2, 5)]
    every = [i for got in ids.values() for i in got]
    assert len(set(every)) == len(every), ids
    # Each broker draws from its own block.
    blocks = [{i // 1000 for i in got} for got in ids.values()]
    assert all(len(b) == 1 for b in blocks) and len(set.union(*blocks)) == 3, ids
    # A restarted broker takes a new block rather than its old one.
    brokers[1].restart()
    again = new_id(brokers[1].port)
    assert again not in every and again // 1000 not in set.union(*blocks), (again, ids)
