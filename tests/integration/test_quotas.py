"""Client quotas (KIP-13/55/219): AlterClientQuotas and DescribeClientQuotas
as raw requests (no client Debian ships sends them), Kafka's checks on bad
entities and keys, quotas kept across a restart, and a producer (and a
consumer) over its byte rate throttled to within 10 % of its quota over
10 s by confluent-kafka's own clock, while another client on the same
broker is not slowed."""

import struct
import threading
import time

import kafka_wire as kw
from sluice_harness import broker_alive, create_topic, producer, unique, wait_until

NONE = 0
INVALID_REQUEST = 42
API_DESCRIBE = 48
API_ALTER = 49


def f64(v):
    return struct.pack(">d", v)


def alter(port, entries, validate_only=False):
    """entries: [([(type, name)], [(key, value or None to remove)])]."""
    def entry(e):
        entity, ops = e
        return (kw.array(entity, lambda c: kw.string(c[0]) + kw.string(c[1]))
                + kw.array(ops, lambda o: kw.string(o[0]) + f64(o[1] or 0.0) + kw.int8(1 if o[1] is None else 0)))
    body = kw.array(entries, entry) + kw.int8(1 if validate_only else 0)
    with kw.connect(port) as s:
        r = kw.roundtrip(s, API_ALTER, 0, 1, body)
        r.int32()
        out = r.array(lambda r: (r.int16(), r.string(), r.array(lambda r: (r.string(), r.string()))))
        r.expect_end()
    return [(code, msg) for code, msg, _ in out]


def describe(port, components, strict=False):
    """components: [(type, match_type, match)]; the entries as {entity tuple: {key: value}}."""
    body = kw.array(components, lambda c: kw.string(c[0]) + kw.int8(c[1]) + kw.string(c[2])) + kw.int8(int(strict))
    with kw.connect(port) as s:
        r = kw.roundtrip(s, API_DESCRIBE, 0, 2, body)
        r.int32()
        code, msg = r.int16(), r.string()
        entries = r.array(lambda r: (tuple(r.array(lambda r: (r.string(), r.string()))),
                                     dict(r.array(lambda r: (r.string(), struct.unpack(">d", r.take(8))[0])))))
        r.expect_end()
    return code, msg, dict(entries or [])


def test_alter_and_describe_with_kafkas_rules(broker_factory):
    b = broker_factory()
    assert alter(b.port, [([("user", "alice"), ("client-id", "app")], [("producer_byte_rate", 1024.0)]),
                          ([("client-id", None)], [("consumer_byte_rate", 2048.0)]),
                          ([("user", None)], [("request_percentage", 50.5)])]) == [(NONE, None)] * 3
    code, _, got = describe(b.port, [])
    assert code == NONE
    assert got == {(("user", "alice"), ("client-id", "app")): {"producer_byte_rate": 1024.0},
                   (("client-id", None),): {"consumer_byte_rate": 2048.0},
                   (("user", None),): {"request_percentage": 50.5}}
    # Filters: a name, the default, any; strict wants exactly those types.
    assert list(describe(b.port, [("user", 0, "alice")])[2]) == [(("user", "alice"), ("client-id", "app"))]
    assert list(describe(b.port, [("user", 0, "alice")], strict=True)[2]) == []
    assert list(describe(b.port, [("client-id", 1, None)])[2]) == [(("client-id", None),)]
    assert len(describe(b.port, [("user", 2, None)])[2]) == 2
    # validate_only changes nothing; removing the last key removes the entity.
    assert alter(b.port, [([("client-id", None)], [("consumer_byte_rate", 1.0)])], validate_only=True) == [(NONE, None)]
    assert describe(b.port, [("client-id", 1, None)])[2] == {(("client-id", None),): {"consumer_byte_rate": 2048.0}}
    assert alter(b.port, [([("client-id", None)], [("consumer_byte_rate", None)])]) == [(NONE, None)]
    assert describe(b.port, [("client-id", 1, None)])[2] == {}
    # Kept across a restart.
    b.restart()
    assert describe(b.port, [("user", 0, "alice")])[2] == {
        (("user", "alice"), ("client-id", "app")): {"producer_byte_rate": 1024.0}}


def test_bad_entities_and_keys_are_refused_and_change_nothing(broker_factory):
    b = broker_factory()
    bad = [
        ([], [("producer_byte_rate", 1.0)]),                                  # empty entity
        ([("group", "g")], [("producer_byte_rate", 1.0)]),                    # unknown type
        ([("user", "a"), ("user", "b")], [("producer_byte_rate", 1.0)]),      # repeated type
        ([("ip", "1.2.3.4"), ("user", "a")], [("connection_creation_rate", 1.0)]),  # ip with others
        ([("user", "a")], [("bogus_rate", 1.0)]),                             # unknown key
        ([("ip", "1.2.3.4")], [("producer_byte_rate", 1.0)]),                 # a client key on an ip
        ([("user", "a")], [("producer_byte_rate", -5.0)]),                    # negative
        ([("user", "a")], [("producer_byte_rate", 1.5)]),                     # not a long
        ([("user", "a")], [("producer_byte_rate", 1.0), ("producer_byte_rate", 2.0)]),  # key twice
    ]
    for entry in bad:
        [(code, msg)] = alter(b.port, [entry])
        assert code == INVALID_REQUEST and msg, (entry, code, msg)
    assert describe(b.port, [])[2] == {}
    # Bad filters: an unknown type, a type twice, an unknown match type, ip with user.
    for comps in ([("group", 2, None)], [("user", 2, None), ("user", 1, None)], [("user", 7, None)],
                  [("ip", 2, None), ("user", 2, None)], [("user", 0, None)]):
        code, msg, _ = describe(b.port, comps)
        assert code == INVALID_REQUEST and msg, comps
    # A truncated request closes the connection only.
    with kw.connect(b.port) as s:
        kw.send_all(s, kw.request(API_ALTER, 0, 3, kw.int32(1)))
        assert kw.wait_closed(s)
    assert broker_alive(b.port, 5)


def produce_for(bootstrap, topic, client_id, warmup, seconds, **conf):
    """Produces 10 KB records as fast as the broker takes them; returns the
    acknowledged bytes per second over `seconds` after `warmup` (Kafka's
    quota window lets a first burst through before throttling starts)."""
    p = producer(bootstrap, client_id=client_id, batch_size=65536, queue_buffering_max_kbytes=1024, **conf)
    acked = [0]

    def on_delivery(err, msg):
        if err is None:
            acked[0] += len(msg.value())
    value = b"x" * 10000
    start = time.monotonic()
    measured_from = None
    while time.monotonic() - start < warmup + seconds:
        if measured_from is None and time.monotonic() - start >= warmup:
            p.poll(0)
            measured_from = (time.monotonic(), acked[0])
        try:
            p.produce(topic, value, on_delivery=on_delivery)
        except BufferError:
            p.poll(0.01)
        p.poll(0)
    p.poll(0)
    end = (time.monotonic(), acked[0])
    p.flush(30)
    return (end[1] - measured_from[1]) / (end[0] - measured_from[0])


def test_a_producer_over_its_byte_rate_is_throttled_and_others_are_not(broker_factory):
    b = broker_factory()
    topic = unique("quota")
    create_topic(b.bootstrap, topic)
    quota = 200_000
    assert alter(b.port, [([("client-id", "slow")], [("producer_byte_rate", float(quota))])]) == [(NONE, None)]
    results = {}
    free = threading.Thread(
        target=lambda: results.__setitem__("free", produce_for(b.bootstrap, topic, "free", 0, 3)))
    free.start()
    results["slow"] = produce_for(b.bootstrap, topic, "slow", 2, 10)
    free.join()
    # Within 10 % of the quota over 10 s; the other client is far above it.
    assert 0.9 * quota <= results["slow"] <= 1.1 * quota, results
    assert results["free"] > 3 * quota, results


def test_a_consumer_over_its_byte_rate_is_throttled(broker_factory):
    from confluent_kafka import Consumer, TopicPartition
    b = broker_factory()
    topic = unique("cquota")
    create_topic(b.bootstrap, topic)
    p = producer(b.bootstrap, batch_size=1000000, linger_ms=50)
    for _ in range(1500):
        p.produce(topic, b"y" * 10000)
        p.poll(0)
    assert p.flush(30) == 0
    quota = 500_000
    assert alter(b.port, [([("user", None), ("client-id", "reader")], [("consumer_byte_rate", float(quota))])]) \
        == [(NONE, None)]
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": unique("g"), "client.id": "reader",
                  "enable.auto.commit": False, "fetch.wait.max.ms": 100})
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        got, start, measured_from = 0, time.monotonic(), None
        while time.monotonic() - start < 9:
            m = c.poll(0.1)
            if measured_from is None and time.monotonic() - start >= 2:
                measured_from = (time.monotonic(), got)
            if m is not None and not m.error():
                got += len(m.value())
        rate = (got - measured_from[1]) / (time.monotonic() - measured_from[0])
    finally:
        c.close()
    # The answer's size counts (record overhead included), so the values
    # arrive a little below the quota.
    assert 0.8 * quota <= rate <= 1.1 * quota, rate
