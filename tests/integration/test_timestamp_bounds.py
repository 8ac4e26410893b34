"""message.timestamp.before.max.ms / .after.max.ms (and the older
.difference.max.ms): records timestamped too far from the broker's clock are
refused with INVALID_TIMESTAMP, as Kafka's LogValidator refuses them, seen
by confluent-kafka, kafka-python and raw Produce v8 (KIP-467 record errors)."""

import time

import kafka_wire as w
from sluice_harness import admin, create_topic, produce, unique, watermarks

HOUR = 3600 * 1000


def now_ms():
    return int(time.time() * 1000)


def test_confluent_kafka_producer_gets_invalid_timestamp(broker):
    topic = unique("ts-bounds")
    create_topic(broker.bootstrap, topic, config={"message.timestamp.before.max.ms": str(HOUR),
                                                  "message.timestamp.after.max.ms": str(HOUR)})
    now = now_ms()
    d = produce(broker.bootstrap, topic, [{"value": b"old", "timestamp": now - 2 * HOUR}], check=False,
                retries=0, message_timeout_ms=10000)
    assert not d.ok and len(d.failed) == 1
    assert d.failed[0][0].name() == "INVALID_TIMESTAMP", d.failed[0][0]
    d = produce(broker.bootstrap, topic, [{"value": b"future", "timestamp": now + 2 * HOUR}], check=False,
                retries=0, message_timeout_ms=10000)
    assert d.failed and d.failed[0][0].name() == "INVALID_TIMESTAMP"
    assert watermarks(broker.bootstrap, topic) == (0, 0)
    # Within the bounds, and the producer's own clock: appended.
    produce(broker.bootstrap, topic, [{"value": b"recent", "timestamp": now - HOUR // 2}, {"value": b"now"}])
    assert watermarks(broker.bootstrap, topic) == (0, 2)


def test_kafka_python_producer_gets_invalid_timestamp(broker):
    from kafka import KafkaProducer
    from kafka.errors import InvalidTimestampError
    topic = unique("ts-kp")
    create_topic(broker.bootstrap, topic, config={"message.timestamp.difference.max.ms": str(HOUR)})
    p = KafkaProducer(bootstrap_servers=broker.bootstrap, retries=0)
    try:
        fut = p.send(topic, b"old", timestamp_ms=now_ms() - 3 * HOUR)
        try:
            fut.get(timeout=10)
            raise AssertionError("an old record was accepted")
        except InvalidTimestampError:
            pass
        assert p.send(topic, b"fine", timestamp_ms=now_ms()).get(timeout=10).offset == 0
    finally:
        p.close()


def test_produce_v8_names_each_record_out_of_range(broker):
    topic = unique("ts-v8")
    create_topic(broker.bootstrap, topic, config={"message.timestamp.before.max.ms": str(HOUR)})
    now = now_ms()
    records = [(b"k", b"a", [], now), (b"k", b"b", [], now - 2 * HOUR), (b"k", b"c", [], -1),
               (b"k", b"d", [], now - 3 * HOUR)]
    with w.connect(broker.port) as s:
        body = w.produce_v3_body(topic, 0, w.record_batch(records, base_timestamp=now))
        topics, _ = w.parse_produce_v8(w.roundtrip(s, w.API_PRODUCE, 8, 7, body))
    p = topics[topic][0]
    assert p["error_code"] == 32 and p["base_offset"] == -1
    assert [e["batch_index"] for e in p["record_errors"]] == [1, 3]
    assert p["record_errors"][0]["message"].startswith(
        "Timestamp %d of message with offset 1 is out of range. The timestamp should be within [" % (now - 2 * HOUR))
    assert p["error_message"] == "One or more records have been rejected due to invalid timestamp"
    assert watermarks(broker.bootstrap, topic) == (0, 0)


def alter_topic_config(bootstrap, topic, configs):
    from confluent_kafka.admin import ConfigResource
    res = ConfigResource("topic", topic, set_config=configs)
    for f in admin(bootstrap).alter_configs([res], request_timeout=10).values():
        f.result(10)


def test_bounds_change_live_and_the_default_is_unbounded(broker):
    topic = unique("ts-live")
    create_topic(broker.bootstrap, topic)
    ancient = [{"value": b"1970", "timestamp": 1}]
    produce(broker.bootstrap, topic, ancient)
    alter_topic_config(broker.bootstrap, topic, {"message.timestamp.before.max.ms": str(HOUR)})
    d = produce(broker.bootstrap, topic, ancient, check=False, retries=0, message_timeout_ms=10000)
    assert d.failed and d.failed[0][0].name() == "INVALID_TIMESTAMP"
    assert watermarks(broker.bootstrap, topic) == (0, 1)
