"""Broker-side schema-id validation (confluent.value.schema.validation,
confluent.key.schema.validation): confluent-kafka's SerializingProducer
with its JSON Schema serializer and schema.registry.url at the broker gets
through; raw bytes, an id of another subject, or an unknown id are refused
with INVALID_RECORD, and Produce v8 names each record and says why; the
setting changed live (kafka-python's admin, confluent-kafka's admin) takes
effect at once."""

import json

import pytest

import kafka_wire as w
from sluice_harness import consume, create_topic, free_port, produce, unique, watermarks
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

from confluent_kafka import SerializingProducer
from confluent_kafka.admin import ConfigResource
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import StringSerializer

ORDER = json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "title": "Order",
                    "type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]})
OTHER = json.dumps({"type": "object", "properties": {"name": {"type": "string"}}})


from test_schema_registry import registry  # noqa: E402,F401  (the fixture: a broker with a registry listener)


def serializing_producer(broker, sr, key_serializer=None):
    return SerializingProducer({
        "bootstrap.servers": broker.bootstrap, "acks": "all", "retries": 0, "message.timeout.ms": 10000,
        "key.serializer": key_serializer or StringSerializer("utf_8"),
        "value.serializer": JSONSerializer(ORDER, sr)})


def send(p, topic, values, key=None):
    failed, ok = [], []
    for v in values:
        p.produce(topic, key=key, value=v,
                  on_delivery=lambda err, msg: failed.append(err) if err else ok.append(msg.offset()))
    assert p.flush(20) == 0
    return ok, failed


def produce_v8(port, topic, records):
    """records: [(key, value)] in one uncompressed batch -> the partition's answer."""
    with w.connect(port) as s:
        body = w.produce_v3_body(topic, 0, w.record_batch([(k, v, []) for k, v in records]))
        topics, _ = w.parse_produce_v8(w.roundtrip(s, w.API_PRODUCE, 8, 3, body))
    return topics[topic][0]


def framed(schema_id, payload=b"{}"):
    return b"\0" + schema_id.to_bytes(4, "big") + payload


def test_serializer_accepted_raw_bytes_and_foreign_ids_refused(registry):
    sr = SchemaRegistryClient({"url": registry.registry_url})
    topic = unique("validated")
    create_topic(registry.bootstrap, topic, config={"confluent.value.schema.validation": "true"})

    ok, failed = send(serializing_producer(registry, sr), topic, [{"id": i} for i in range(3)])
    assert failed == [] and ok == [0, 1, 2]
    own_id = sr.get_latest_version(topic + "-value").schema_id

    # A plain producer of raw bytes: the whole batch refused.
    d = produce(registry.bootstrap, topic, [{"value": b"raw json {}"}], check=False, retries=0,
                message_timeout_ms=10000)
    assert not d.ok and len(d.failed) == 1
    assert d.failed[0][0].name() == "INVALID_RECORD"

    # An id registered, but for another subject, and an id never registered.
    other_id = sr.register_schema(unique("elsewhere") + "-value", Schema(OTHER, "JSON"))
    assert other_id != own_id
    for value in (framed(other_id), framed(own_id + 1000)):
        d = produce(registry.bootstrap, topic, [{"value": value}], check=False, retries=0,
                    message_timeout_ms=10000)
        assert [f[0].name() for f in d.failed] == ["INVALID_RECORD"]
    assert watermarks(registry.bootstrap, topic) == (0, 3)

    # Produce v8: every bad record named, with what was wrong; one bad
    # record refuses the good ones beside it; tombstones pass.
    p = produce_v8(registry.port, topic, [
        (None, framed(own_id)), (None, b"raw"), (None, framed(other_id)), (None, framed(own_id + 1000)),
        (None, b"\0\0"), (b"k", None)])
    assert p["error_code"] == 87 and p["base_offset"] == -1
    errors = {e["batch_index"]: e["message"] for e in p["record_errors"]}
    assert sorted(errors) == [1, 2, 3, 4]
    assert "magic byte" in errors[1]
    assert "schema id %d, which is not registered under subject '%s-value'" % (other_id, topic) in errors[2]
    assert "schema id %d, which is not registered" % (own_id + 1000) in errors[3]
    assert "shorter than the 5-byte" in errors[4]
    assert p["error_message"].startswith("One or more records have been rejected due to 4 record errors")
    p = produce_v8(registry.port, topic, [(None, framed(own_id, b'{"id": 9}')), (b"k", None)])
    assert p["error_code"] == 0 and p["base_offset"] == 3
    assert len(consume(registry.bootstrap, topic)) == 5


def test_compressed_batches_and_key_validation(registry):
    sr = SchemaRegistryClient({"url": registry.registry_url})
    topic = unique("keyed")
    create_topic(registry.bootstrap, topic, config={"confluent.value.schema.validation": "true",
                                                    "confluent.key.schema.validation": "true"})
    key_ser = JSONSerializer(json.dumps({"title": "Key", "type": "string"}), sr)
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        p = SerializingProducer({
            "bootstrap.servers": registry.bootstrap, "acks": "all", "retries": 0, "message.timeout.ms": 10000,
            "compression.type": codec, "linger.ms": 50, "key.serializer": key_ser,
            "value.serializer": JSONSerializer(ORDER, sr)})
        ok, failed = send(p, topic, [{"id": i} for i in range(20)], key="k-" + codec)
        assert failed == [] and len(ok) == 20, codec
    # A raw key among serialized values: refused, compressed too.
    value_id = sr.get_latest_version(topic + "-value").schema_id
    d = produce(registry.bootstrap, topic, [{"key": b"raw", "value": framed(value_id)}] * 5, check=False,
                retries=0, message_timeout_ms=10000, compression_type="zstd", linger_ms=50)
    assert not d.ok and {f[0].name() for f in d.failed} == {"INVALID_RECORD"}
    assert watermarks(registry.bootstrap, topic) == (0, 80)


def test_setting_changed_live(registry):
    from kafka.admin import ConfigResource as KConfigResource, ConfigResourceType, KafkaAdminClient
    sr = SchemaRegistryClient({"url": registry.registry_url})
    topic = unique("live")
    create_topic(registry.bootstrap, topic)
    assert produce(registry.bootstrap, topic, [{"value": b"raw"}]).ok  # off: anything goes

    kadmin = KafkaAdminClient(bootstrap_servers=registry.bootstrap)
    try:
        kadmin.alter_configs([KConfigResource(ConfigResourceType.TOPIC, topic,
                                              configs={"confluent.value.schema.validation": "true"})])
        d = produce(registry.bootstrap, topic, [{"value": b"raw"}], check=False, retries=0,
                    message_timeout_ms=10000)
        assert [f[0].name() for f in d.failed] == ["INVALID_RECORD"]
        ok, failed = send(serializing_producer(registry, sr), topic, [{"id": 1}])
        assert failed == [] and ok == [1]
        desc = kadmin.describe_configs([KConfigResource(ConfigResourceType.TOPIC, topic)])
        assert ("confluent.value.schema.validation", "true") in [
            (e[0], e[1]) for e in desc[0].resources[0][4]]

        # Off again (AlterConfigs replaces the topic's overrides).
        kadmin.alter_configs([KConfigResource(ConfigResourceType.TOPIC, topic, configs={})])
        assert produce(registry.bootstrap, topic, [{"value": b"raw"}]).ok
    finally:
        kadmin.close()
    assert watermarks(registry.bootstrap, topic) == (0, 3)

    # IncrementalAlterConfigs: keys only, then deleted again.
    from test_dynamic_configs import SET, DELETE, one
    TOPIC = 2  # the TOPIC config resource type
    assert one(registry.port, TOPIC, topic, [("confluent.key.schema.validation", SET, "true")])[0] == 0
    p = produce_v8(registry.port, topic, [(b"raw key", b"raw value"), (None, b"raw value")])
    assert p["error_code"] == 87
    assert [e["batch_index"] for e in p["record_errors"]] == [0]  # the null key passes
    assert "key" in p["record_errors"][0]["message"]
    assert one(registry.port, TOPIC, topic, [("confluent.key.schema.validation", DELETE, None)])[0] == 0
    assert produce_v8(registry.port, topic, [(b"raw key", b"raw value")])["error_code"] == 0


def test_bad_values_of_the_setting_are_refused(registry):
    from confluent_kafka import KafkaException
    from sluice_harness import admin
    topic = unique("badcfg")
    create_topic(registry.bootstrap, topic)
    res = ConfigResource("topic", topic, set_config={"confluent.value.schema.validation": "maybe"})
    with pytest.raises(KafkaException) as e:
        admin(registry.bootstrap).alter_configs([res], request_timeout=10)[res].result(10)
    assert e.value.args[0].name() == "INVALID_CONFIG"


def test_without_a_registry_everything_is_refused(broker):
    topic = unique("noreg")
    create_topic(broker.bootstrap, topic, config={"confluent.value.schema.validation": "true"})
    p = produce_v8(broker.port, topic, [(None, framed(1))])
    assert p["error_code"] == 87
    assert "schema.registry.listeners is empty" in p["error_message"]


def test_cluster_a_schema_registered_anywhere_is_accepted_at_once(etcd, broker_factory):  # noqa: F811
    """Three brokers: a schema registered through one broker's registry is
    accepted at once by every partition leader, though its copy of
    `_schemas` may not yet know the registration is committed."""
    from test_cluster import bootstrap_of, create_replicated, partition_meta, start_cluster
    ports = {i: free_port() for i in range(3)}
    brokers = start_cluster(broker_factory, etcd,
                            per_node={i: {"schema.registry.listeners": "http://127.0.0.1:%d" % p}
                                      for i, p in ports.items()})
    topic = unique("spread")
    create_replicated(brokers, topic, config={"confluent.value.schema.validation": "true"}, partitions=3)
    leaders = {partition_meta(brokers, topic, p).leader for p in range(3)}
    for round_ in range(6):
        # Registered through each broker in turn, each time a new schema.
        sr = SchemaRegistryClient({"url": "http://127.0.0.1:%d" % ports[round_ % 3]})
        schema = json.dumps({"title": "Order", "type": "object",
                             "properties": {"id": {"type": "integer"}, "v%d" % round_: {"type": "string"}}})
        sr.set_compatibility(topic + "-value", "NONE") if round_ == 1 else None
        p = SerializingProducer({
            "bootstrap.servers": bootstrap_of(brokers), "acks": "all", "retries": 0, "message.timeout.ms": 10000,
            "value.serializer": JSONSerializer(schema, sr)})
        failed = []
        for partition in range(3):
            p.produce(topic, value={"id": round_}, partition=partition,
                      on_delivery=lambda err, msg: err and failed.append(err))
        assert p.flush(20) == 0
        assert failed == [], (round_, leaders, failed)
