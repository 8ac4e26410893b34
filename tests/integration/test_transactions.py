"""Transactions end to end: the transaction coordinator (FindCoordinator key
type 1, InitProducerId with a transactional id, AddPartitionsToTxn, EndTxn,
markers) with confluent-kafka's transactional producer as the judge.

A read_committed consumer sees committed records only, and only after the
commit; read_uncommitted sees everything. A second producer with the same
transactional.id fences the first. A transaction left open past its
transaction.timeout.ms is aborted by the coordinator, whose epoch bump fences
its producer. Raw requests with bad input get Kafka's error each."""

import json
import os
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

import kafka_wire as kw
from sluice_harness import create_topic, run, unique, wait_until, watermarks

T = 30
NONE = 0
INVALID_PRODUCER_EPOCH = 47
INVALID_TXN_STATE = 48
INVALID_PRODUCER_ID_MAPPING = 49
INVALID_TRANSACTION_TIMEOUT = 50
CONCURRENT_TRANSACTIONS = 51
PRODUCER_FENCED = 90
INVALID_REQUEST = 42
TRANSACTIONAL_ID_NOT_FOUND = 105


def txn_producer(bootstrap, txn_id, **conf):
    c = {"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5,
         "message.timeout.ms": 20000, "socket.timeout.ms": 10000}
    c.update({k.replace("_", "."): v for k, v in conf.items()})
    return Producer(c)


def read_all(bootstrap, topic, isolation, expect=None, timeout=15, partitions=1):
    """Values readable in `topic` with the given isolation level; waits for
    `expect` values when given, else reads to the end once."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("g"), "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "enable.partition.eof": True,
                  "isolation.level": isolation, "fetch.wait.max.ms": 100})
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        out, eof = [], set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    eof.add(m.partition())
                    if expect is None and len(eof) == partitions:
                        return out
                    continue
                raise AssertionError(str(m.error()))
            out.append(m.value())
            if expect is not None and len(out) >= expect:
                return out
        if expect is None:
            raise AssertionError("no end of partition in %d s" % timeout)
        return out
    finally:
        c.close()


def test_commit_and_abort_with_read_committed(broker):
    topic = unique("txn")
    create_topic(broker.bootstrap, topic, partitions=2)
    p = txn_producer(broker.bootstrap, unique("tx"))
    p.init_transactions(T)

    p.begin_transaction()
    for i in range(10):
        p.produce(topic, b"c1-%d" % i, partition=i % 2)
    p.flush(T)
    # Open: read_committed sees nothing yet, read_uncommitted everything.
    assert read_all(broker.bootstrap, topic, "read_committed", partitions=2) == []
    assert len(read_all(broker.bootstrap, topic, "read_uncommitted", expect=10, partitions=2)) == 10
    p.commit_transaction(T)
    assert sorted(read_all(broker.bootstrap, topic, "read_committed", expect=10, partitions=2)) == \
        sorted(b"c1-%d" % i for i in range(10))

    p.begin_transaction()
    for i in range(5):
        p.produce(topic, b"a-%d" % i, partition=i % 2)
    p.flush(T)
    p.abort_transaction(T)

    p.begin_transaction()
    for i in range(3):
        p.produce(topic, b"c2-%d" % i, partition=0)
    p.commit_transaction(T)

    committed = read_all(broker.bootstrap, topic, "read_committed", partitions=2)
    assert sorted(committed) == sorted([b"c1-%d" % i for i in range(10)] + [b"c2-%d" % i for i in range(3)])
    everything = read_all(broker.bootstrap, topic, "read_uncommitted", partitions=2)
    assert sorted(everything) == sorted([b"c1-%d" % i for i in range(10)] + [b"a-%d" % i for i in range(5)]
                                        + [b"c2-%d" % i for i in range(3)])
    p.flush(T)


def test_state_survives_a_restart(broker):
    """The transactional id's epoch is in __transaction_state: a producer
    after a restart gets the next epoch, and commits."""
    topic = unique("txn")
    create_topic(broker.bootstrap, topic)
    txn_id = unique("tx")
    p = txn_producer(broker.bootstrap, txn_id)
    p.init_transactions(T)
    p.begin_transaction()
    p.produce(topic, b"before")
    p.commit_transaction(T)
    del p
    broker.restart()
    p = txn_producer(broker.bootstrap, txn_id)
    p.init_transactions(T)
    p.begin_transaction()
    p.produce(topic, b"after")
    p.commit_transaction(T)
    assert read_all(broker.bootstrap, topic, "read_committed") == [b"before", b"after"]
    # Left open across a restart: the next producer's init aborts it.
    p.begin_transaction()
    p.produce(topic, b"left open")
    p.flush(T)
    del p
    broker.restart()
    p = txn_producer(broker.bootstrap, txn_id)
    p.init_transactions(T)
    p.begin_transaction()
    p.produce(topic, b"last")
    p.commit_transaction(T)
    assert read_all(broker.bootstrap, topic, "read_committed") == [b"before", b"after", b"last"]


def test_a_second_producer_fences_the_first(broker):
    topic = unique("txn")
    create_topic(broker.bootstrap, topic)
    txn_id = unique("tx")
    first = txn_producer(broker.bootstrap, txn_id)
    first.init_transactions(T)
    first.begin_transaction()
    first.produce(topic, b"zombie")
    first.flush(T)
    # The second producer's init aborts the first one's open transaction.
    second = txn_producer(broker.bootstrap, txn_id)
    second.init_transactions(T)
    second.begin_transaction()
    second.produce(topic, b"live")
    second.commit_transaction(T)
    with pytest.raises(KafkaException) as fenced:
        first.commit_transaction(T)
    err = fenced.value.args[0]
    assert err.fatal() and err.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED,
                                          KafkaError.INVALID_PRODUCER_EPOCH), err
    assert read_all(broker.bootstrap, topic, "read_committed") == [b"live"]
    assert read_all(broker.bootstrap, topic, "read_uncommitted") == [b"zombie", b"live"]


def test_timeout_aborts_an_abandoned_transaction(broker_factory):
    broker = broker_factory({"transaction.abort.timed.out.transaction.cleanup.interval.ms": "200"})
    topic = unique("txn")
    create_topic(broker.bootstrap, topic)
    txn_id = unique("tx")
    p = txn_producer(broker.bootstrap, txn_id, transaction_timeout_ms=2000, socket_timeout_ms=2000,
                     message_timeout_ms=2000)
    p.init_transactions(T)
    p.begin_transaction()
    p.produce(topic, b"abandoned")
    p.flush(T)
    # The coordinator aborts it on its own once the timeout has passed.
    with kw.connect(broker.port) as s:
        wait_until(lambda: describe(s, [txn_id])[0]["state"] == "CompleteAbort", 15, "the timeout's abort",
                   interval=0.2)
        assert describe(s, [txn_id])[0]["epoch"] == 1
    # The coordinator bumped the epoch: the producer is fenced.
    with pytest.raises(KafkaException) as e:
        p.commit_transaction(T)
    assert e.value.args[0].code() != KafkaError.NO_ERROR
    assert read_all(broker.bootstrap, topic, "read_uncommitted") == [b"abandoned"]


# ---- raw requests ----

def find_coordinator(sock, key, version=1):
    body = kw.string(key) + kw.int8(1)
    r = kw.roundtrip(sock, 10, version, 1, body)
    out = dict(throttle=r.int32(), error_code=r.int16(), message=r.string(), node_id=r.int32(), host=r.string(),
               port=r.int32())
    r.expect_end()
    return out


def init_pid(sock, txn_id, timeout_ms=60000, producer_id=-1, producer_epoch=-1, version=3):
    flexible = version >= 2
    body = (kw.compact_string if flexible else kw.string)(txn_id) + kw.int32(timeout_ms)
    if version >= 3:
        body += kw.int64(producer_id) + kw.int16(producer_epoch)
    if flexible:
        body += kw.EMPTY_TAGGED_FIELDS
    r = kw.roundtrip(sock, 22, version, 2, body, flexible=flexible)
    if flexible:
        r.tagged_fields()
    out = dict(throttle=r.int32(), error_code=r.int16(), producer_id=r.int64(), producer_epoch=r.int16())
    return out


def add_partitions(sock, txn_id, pid, epoch, topics, version=1):
    body = kw.string(txn_id) + kw.int64(pid) + kw.int16(epoch) + kw.array(
        topics, lambda t: kw.string(t[0]) + kw.array(t[1], kw.int32))
    r = kw.roundtrip(sock, 24, version, 3, body)
    r.int32()
    out = {}
    for name, parts in r.array(lambda r: (r.string(), r.array(lambda r: (r.int32(), r.int16())))):
        for p, e in parts:
            out[(name, p)] = e
    r.expect_end()
    return out


def end_txn(sock, txn_id, pid, epoch, commit, version=1):
    body = kw.string(txn_id) + kw.int64(pid) + kw.int16(epoch) + kw.int8(1 if commit else 0)
    r = kw.roundtrip(sock, 26, version, 4, body)
    r.int32()
    e = r.int16()
    r.expect_end()
    return e


def add_offsets(sock, txn_id, pid, epoch, group, version=1):
    body = kw.string(txn_id) + kw.int64(pid) + kw.int16(epoch) + kw.string(group)
    r = kw.roundtrip(sock, 25, version, 5, body)
    r.int32()
    e = r.int16()
    r.expect_end()
    return e


def describe(sock, ids):
    body = kw.compact_array(ids, kw.compact_string) + kw.EMPTY_TAGGED_FIELDS
    r = kw.roundtrip(sock, 65, 0, 6, body, flexible=True)
    r.tagged_fields()
    r.int32()

    def one(r):
        out = dict(error_code=r.int16(), id=r.compact_string(), state=r.compact_string(), timeout=r.int32(),
                   start=r.int64(), pid=r.int64(), epoch=r.int16(),
                   topics=r.compact_array(lambda r: (r.compact_string(), r.compact_array(lambda r: r.int32()),
                                                     r.tagged_fields())[:2]))
        r.tagged_fields()
        return out
    out = r.compact_array(one)
    r.tagged_fields()
    return out


def list_txns(sock, states=(), pids=()):
    body = kw.compact_array(states, kw.compact_string) + kw.compact_array(pids, kw.int64) + kw.EMPTY_TAGGED_FIELDS
    r = kw.roundtrip(sock, 66, 0, 7, body, flexible=True)
    r.tagged_fields()
    r.int32()
    error = r.int16()
    unknown = r.compact_array(lambda r: r.compact_string())
    txns = r.compact_array(lambda r: (r.compact_string(), r.int64(), r.compact_string(), r.tagged_fields())[:3])
    r.tagged_fields()
    return error, unknown, txns


def test_raw_requests_and_bad_input(broker):
    topic = unique("txn")
    create_topic(broker.bootstrap, topic)
    txn_id = unique("tx")
    with kw.connect(broker.port) as s:
        wait_until(lambda: find_coordinator(s, txn_id)["error_code"] == NONE, 10, "a transaction coordinator")
        assert find_coordinator(s, "")["error_code"] == INVALID_REQUEST
        assert init_pid(s, txn_id, timeout_ms=0)["error_code"] == INVALID_TRANSACTION_TIMEOUT
        assert init_pid(s, txn_id, timeout_ms=900001)["error_code"] == INVALID_TRANSACTION_TIMEOUT
        got = init_pid(s, txn_id)
        assert got["error_code"] == NONE and got["producer_epoch"] == 0, got
        pid, epoch = got["producer_id"], got["producer_epoch"]

        # EndTxn with no transaction open.
        assert end_txn(s, txn_id, pid, epoch, True) == INVALID_TXN_STATE
        # An unknown transactional id, an unknown producer id.
        assert add_partitions(s, unique("nope"), pid, epoch, [(topic, [0])]) == {(topic, 0): INVALID_PRODUCER_ID_MAPPING}
        assert add_partitions(s, txn_id, pid + 999, epoch, [(topic, [0])]) == {(topic, 0): INVALID_PRODUCER_ID_MAPPING}
        # A stale epoch: PRODUCER_FENCED from v2, INVALID_PRODUCER_EPOCH before.
        assert add_partitions(s, txn_id, pid, epoch + 1, [(topic, [0])], version=1) == \
            {(topic, 0): INVALID_PRODUCER_EPOCH}
        assert add_partitions(s, txn_id, pid, epoch + 1, [(topic, [0])], version=2) == {(topic, 0): PRODUCER_FENCED}
        # An unknown partition fails the request; the others are not attempted.
        assert add_partitions(s, txn_id, pid, epoch, [(topic, [0, 7])]) == \
            {(topic, 0): 55, (topic, 7): 3}
        assert add_partitions(s, "", pid, epoch, [(topic, [0])]) == {(topic, 0): INVALID_REQUEST}

        assert add_partitions(s, txn_id, pid, epoch, [(topic, [0])]) == {(topic, 0): NONE}
        assert add_partitions(s, txn_id, pid, epoch, [(topic, [0])]) == {(topic, 0): NONE}  # already in
        assert add_offsets(s, txn_id, pid, epoch, unique("grp")) == NONE
        d = describe(s, [txn_id, unique("absent")])
        assert d[0]["error_code"] == NONE and d[0]["state"] == "Ongoing" and d[0]["pid"] == pid, d
        assert dict(d[0]["topics"])[topic] == [0]
        assert "__consumer_offsets" in dict(d[0]["topics"])
        assert d[1]["error_code"] == TRANSACTIONAL_ID_NOT_FOUND
        assert describe(s, [""])[0]["error_code"] == INVALID_REQUEST
        error, unknown, txns = list_txns(s, states=["Ongoing", "Bogus"])
        assert error == NONE and unknown == ["Bogus"]
        assert (txn_id, pid, "Ongoing") in txns

        # A stale epoch and a wrong producer id at EndTxn.
        assert end_txn(s, txn_id, pid, epoch + 3, True, version=2) == PRODUCER_FENCED
        assert end_txn(s, txn_id, pid, epoch + 3, True, version=1) == INVALID_PRODUCER_EPOCH
        assert end_txn(s, txn_id, pid + 1, epoch, True) == INVALID_PRODUCER_ID_MAPPING
        assert end_txn(s, "", pid, epoch, True) == INVALID_REQUEST
        assert end_txn(s, txn_id, pid, epoch, False) == NONE
        # A retried abort succeeds; a commit now is the wrong end.
        wait_until(lambda: end_txn(s, txn_id, pid, epoch, False) == NONE, 10, "the abort to complete")
        assert end_txn(s, txn_id, pid, epoch, True) == INVALID_TXN_STATE
        assert describe(s, [txn_id])[0]["state"] == "CompleteAbort"

        # KIP-360: the current producer bumps its epoch; an old one is fenced.
        bumped = init_pid(s, txn_id, producer_id=pid, producer_epoch=epoch)
        assert (bumped["error_code"], bumped["producer_id"], bumped["producer_epoch"]) == (NONE, pid, epoch + 1)
        assert init_pid(s, txn_id, producer_id=pid + 5, producer_epoch=0)["error_code"] == INVALID_PRODUCER_EPOCH
        assert init_pid(s, txn_id, producer_id=pid + 5, producer_epoch=0, version=4)["error_code"] == PRODUCER_FENCED


def verify_batched(sock, version, txns):
    """AddPartitionsToTxn v4+ (a broker's KIP-890 verification): txns is a
    list of (id, pid, epoch, verify_only, [(topic, [partitions])])."""
    def topic(t):
        return kw.compact_string(t[0]) + kw.compact_array(t[1], kw.int32) + kw.EMPTY_TAGGED_FIELDS

    def txn(t):
        return (kw.compact_string(t[0]) + kw.int64(t[1]) + kw.int16(t[2]) + kw.int8(1 if t[3] else 0)
                + kw.compact_array(t[4], topic) + kw.EMPTY_TAGGED_FIELDS)
    body = kw.compact_array(txns, txn) + kw.EMPTY_TAGGED_FIELDS
    r = kw.roundtrip(sock, 24, version, 8, body, flexible=True)
    r.tagged_fields()
    r.int32()
    error = r.int16()
    out = {}

    def part(r):
        p, e = r.int32(), r.int16()
        r.tagged_fields()
        return p, e

    def topic_result(r):
        name = r.compact_string()
        parts = r.compact_array(part)
        r.tagged_fields()
        return name, parts

    def txn_result(r):
        tid = r.compact_string()
        for name, parts in r.compact_array(topic_result):
            for p, e in parts:
                out[(tid, name, p)] = e
        r.tagged_fields()
    r.compact_array(txn_result)
    r.tagged_fields()
    r.expect_end()
    return error, out


def test_batched_verification(broker):
    topic = unique("txn")
    create_topic(broker.bootstrap, topic, partitions=2)
    txn_id = unique("tx")
    with kw.connect(broker.port) as s:
        wait_until(lambda: find_coordinator(s, txn_id)["error_code"] == NONE, 10, "a transaction coordinator")
        got = init_pid(s, txn_id)
        pid, epoch = got["producer_id"], got["producer_epoch"]
        assert add_partitions(s, txn_id, pid, epoch, [(topic, [0])]) == {(topic, 0): NONE}
        for version, outside in ((4, INVALID_TXN_STATE), (5, 120)):  # 120: TRANSACTION_ABORTABLE
            error, out = verify_batched(s, version, [
                (txn_id, pid, epoch, True, [(topic, [0, 1])]),
                (txn_id + "-unknown", pid, epoch, True, [(topic, [0])]),
            ])
            assert error == NONE
            assert out == {(txn_id, topic, 0): NONE, (txn_id, topic, 1): outside,
                           (txn_id + "-unknown", topic, 0): INVALID_PRODUCER_ID_MAPPING}, (version, out)
        # Not verify_only: adds, as v0-3 does.
        error, out = verify_batched(s, 4, [(txn_id, pid, epoch, False, [(topic, [1])])])
        assert out == {(txn_id, topic, 1): NONE}
        assert sorted(describe(s, [txn_id])[0]["topics"]) == [(topic, [0, 1])]
        assert end_txn(s, txn_id, pid, epoch, True) == NONE


def test_kafkajs_transactions(broker):
    topic = unique("txn")
    create_topic(broker.bootstrap, topic)
    cp = run(["node", "produce_transactional.js", broker.bootstrap, topic, unique("tx")], timeout=90,
             cwd=os.path.join(os.path.dirname(__file__), "js"))
    out = json.loads(cp.stdout)
    assert out.get("committed") and not out.get("zombieCommitted"), out
    assert out["zombieError"] in ("PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH"), out
    assert read_all(broker.bootstrap, topic, "read_committed") == \
        [b"committed-%d" % i for i in range(5)] + [b"live-%d" % i for i in range(5)]


def test_consume_transform_produce(broker):
    """Exactly-once: records read from one topic, transformed into another
    and the consumer's offsets committed in the same transaction
    (send_offsets_to_transaction: AddOffsetsToTxn, then TxnOffsetCommit)."""
    source, sink, group = unique("src"), unique("sink"), unique("g")
    create_topic(broker.bootstrap, source)
    create_topic(broker.bootstrap, sink)
    plain = Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(30):
        plain.produce(source, b"in-%d" % i)
    plain.flush(T)

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.subscribe([source])
    p = txn_producer(broker.bootstrap, unique("tx"))
    p.init_transactions(T)
    done = 0
    aborted_once = False
    deadline = time.monotonic() + 60
    while done < 30 and time.monotonic() < deadline:
        msgs = consumer.consume(10, 1.0)
        msgs = [m for m in msgs if not m.error()]
        if not msgs:
            continue
        p.begin_transaction()
        for m in msgs:
            p.produce(sink, m.value().replace(b"in", b"out"))
        p.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                      consumer.consumer_group_metadata(), T)
        if not aborted_once:
            # The first batch is aborted: neither its output nor its offsets stay.
            p.abort_transaction(T)
            aborted_once = True
            tp = [TopicPartition(source, 0, msgs[0].offset())]
            consumer.seek(tp[0])
            continue
        p.commit_transaction(T)
        done += len(msgs)
    consumer.close()
    assert done == 30
    out = read_all(broker.bootstrap, sink, "read_committed")
    assert out == [b"out-%d" % i for i in range(30)]
    check = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group})
    try:
        committed = check.committed([TopicPartition(source, 0)], timeout=10)
        assert committed[0].offset == 30
    finally:
        check.close()


def test_batched_find_coordinator(broker):
    ids = [unique("tx"), unique("tx")]
    body = kw.int8(1) + kw.compact_array(ids, kw.compact_string) + kw.EMPTY_TAGGED_FIELDS
    with kw.connect(broker.port) as s:
        r = kw.roundtrip(s, 10, 4, 1, body, flexible=True)
        r.tagged_fields()
        r.int32()

        def one(r):
            out = dict(key=r.compact_string(), node_id=r.int32(), host=r.compact_string(), port=r.int32(),
                       error_code=r.int16(), message=r.compact_string())
            r.tagged_fields()
            return out
        got = r.compact_array(one)
        r.tagged_fields()
    assert [g["key"] for g in got] == ids
    assert all(g["error_code"] == NONE and g["node_id"] == 0 and g["port"] == broker.port for g in got), got


@pytest.mark.parametrize("api_key,version,body", [
    (24, 1, kw.string("tx") + kw.int64(1)),                      # AddPartitionsToTxn cut in its producer epoch
    (24, 4, kw.uvarint(3)),                                       # batched, transactions missing
    (25, 0, kw.string("tx") + kw.int64(1) + kw.int16(0)),        # AddOffsetsToTxn without its group
    (26, 1, kw.string("tx") + kw.int64(1)),                      # EndTxn without epoch and result
    (65, 0, kw.uvarint(2) + kw.uvarint(40) + b"x"),               # DescribeTransactions, a short id
    (66, 0, kw.uvarint(2)),                                       # ListTransactions without its filters
])
def test_truncated_requests_close_only_their_connection(broker, api_key, version, body):
    flexible = (api_key == 24 and version >= 3) or api_key in (65, 66)
    with kw.connect(broker.port) as s:
        kw.send_all(s, kw.request(api_key, version, 1, body, flexible=flexible))
        assert kw.wait_closed(s)
    with kw.connect(broker.port) as s:
        assert find_coordinator(s, unique("tx"))["error_code"] == NONE


# ---- KIP-890: the leader verifies a producer's first batch with its coordinator ----

def produce_txn(sock, txn_id, topic, pid, epoch, seq, partition=0, cid=11):
    records = kw.record_batch([(b"k", b"v%d" % (seq + i), []) for i in range(3)], producer_id=pid,
                              producer_epoch=epoch, base_sequence=seq, attributes=0x10)
    body = kw.produce_v3_body(topic, partition, records, acks=-1, transactional_id=txn_id)
    r = kw.roundtrip(sock, 0, 3, cid, body)
    topics, _ = kw.parse_produce_v3(r)
    return topics[topic][partition]["error_code"]


def committed_values(bootstrap, topic, expect, timeout=15):
    return read_all(bootstrap, topic, "read_committed", expect=expect, timeout=timeout)


def zombie_after_abort(broker):
    """A transaction aborted, then a late batch of it (same epoch, next
    sequence), then a committed transaction of a second producer. Returns
    the late batch's error and what a read_committed consumer reads."""
    topic = unique("zombie")
    create_topic(broker.bootstrap, topic)
    txn_id = unique("tx")
    with kw.connect(broker.port) as s:
        wait_until(lambda: find_coordinator(s, txn_id)["error_code"] == NONE, 10, "a transaction coordinator")
        got = init_pid(s, txn_id)
        pid, epoch = got["producer_id"], got["producer_epoch"]
        assert add_partitions(s, txn_id, pid, epoch, [(topic, [0])]) == {(topic, 0): NONE}
        assert produce_txn(s, txn_id, topic, pid, epoch, 0) == NONE
        assert end_txn(s, txn_id, pid, epoch, False) == NONE
        wait_until(lambda: describe(s, [txn_id])[0]["state"] == "CompleteAbort", 10, "the abort to complete")
        late = produce_txn(s, txn_id, topic, pid, epoch, 3)
    p = txn_producer(broker.bootstrap, unique("tx"))
    p.init_transactions(T)
    p.begin_transaction()
    p.produce(topic, b"committed", key=b"k")
    p.commit_transaction(T)
    return late, topic


def test_a_batch_outside_its_transaction_is_refused(broker):
    topic = unique("unverified")
    create_topic(broker.bootstrap, topic)
    txn_id = unique("tx")
    with kw.connect(broker.port) as s:
        wait_until(lambda: find_coordinator(s, txn_id)["error_code"] == NONE, 10, "a transaction coordinator")
        got = init_pid(s, txn_id)
        pid, epoch = got["producer_id"], got["producer_epoch"]
        # Never added to the transaction: refused, nothing appended.
        assert produce_txn(s, txn_id, topic, pid, epoch, 0) == INVALID_TXN_STATE
        # A stale epoch is fenced by the coordinator before the log sees it.
        assert produce_txn(s, txn_id, topic, pid, epoch + 1, 0) == INVALID_PRODUCER_EPOCH
        assert produce_txn(s, unique("nope"), topic, pid, epoch, 0) == INVALID_PRODUCER_ID_MAPPING
        assert watermarks(broker.bootstrap, topic) == (0, 0)
        # Added: accepted, and later batches of the open transaction need no verification.
        assert add_partitions(s, txn_id, pid, epoch, [(topic, [0])]) == {(topic, 0): NONE}
        assert produce_txn(s, txn_id, topic, pid, epoch, 0) == NONE
        assert produce_txn(s, txn_id, topic, pid, epoch, 3) == NONE
        assert end_txn(s, txn_id, pid, epoch, True) == NONE
    assert len(committed_values(broker.bootstrap, topic, 6)) == 6


def test_a_zombie_batch_after_an_abort_is_refused(broker):
    late, topic = zombie_after_abort(broker)
    assert late == INVALID_TXN_STATE
    # The partition stays stable: the next committed transaction is readable.
    assert committed_values(broker.bootstrap, topic, 1) == [b"committed"]


def test_without_verification_the_zombie_batch_hangs_the_partition(broker_factory):
    # What the verification prevents, shown with it switched off: the late
    # batch opens a transaction no coordinator will end, and read_committed
    # consumers stop at it.
    b = broker_factory({"transaction.partition.verification.enable": "false"})
    late, topic = zombie_after_abort(b)
    assert late == NONE
    assert committed_values(b.bootstrap, topic, 1, timeout=5) == []
