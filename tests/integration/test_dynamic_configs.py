"""Dynamic broker configs (KIP-226) and group configs (KIP-848), as Kafka 4.0
serves them.

- confluent-kafka (AlterConfigs, DescribeConfigs) and kafka-python's admin
  set per-broker and cluster-default values; DescribeConfigs shows each
  level's source (DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, ...)
  and synonyms in Kafka's order.
- A cluster-default log.segment.bytes reaches an existing topic without an
  override (its segments roll at the new size); a per-broker value beats the
  default; a topic override beats both; all of it survives a restart.
- max.connections.per.ip changed live applies to the next connection.
- sluice configs (--broker-default, --group) and kafka-configs.sh
  (--entity-type brokers/groups, --entity-default).
- Refusals with Kafka's codes and messages: a config that is not dynamic, a
  per-broker config at the default level, a bad value, another broker's id,
  APPEND on a non-list; validate_only stores nothing.
- GROUP resources (IncrementalAlterConfigs raw: confluent-kafka 1.7 has
  none): consumer.session.timeout.ms / consumer.heartbeat.interval.ms within
  the broker's bounds; a KIP-848 member's next heartbeat is answered with the
  group's interval (raw, and an @platformatic/kafka member's heartbeats slow
  down to it); INVALID_REQUEST when the consumer protocol is off
  (group.coordinator.rebalance.protocols=classic, Kafka 3.9's default).
"""

import json
import time

from confluent_kafka.admin import ConfigResource, ConfigSource

import kafka_wire as w
from sluice_harness import admin, create_topic, produce, unique, wait_until, watermarks

T = 15
NONE = 0
INVALID_CONFIG = 40
INVALID_REQUEST = 42
API_DESCRIBE_CONFIGS = 32
API_INCREMENTAL_ALTER_CONFIGS = 44
DYNAMIC_BROKER, DYNAMIC_DEFAULT, STATIC, DEFAULT, DYNAMIC_GROUP = 2, 3, 4, 5, 8
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
BROKER, GROUP = 4, 32


# ---- helpers ----------------------------------------------------------------

def alter(bootstrap, restype, name, configs, validate_only=False):
    """Legacy AlterConfigs through confluent-kafka: (error code, message)."""
    res = ConfigResource(restype, name, set_config=configs)
    fut = admin(bootstrap).alter_configs([res], request_timeout=T, validate_only=validate_only)[res]
    try:
        fut.result(T)
        return NONE, None
    except Exception as e:  # KafkaException carrying the KafkaError
        err = e.args[0]
        return err.code(), err.str()


def describe(bootstrap, restype, name):
    res = ConfigResource(restype, name)
    return admin(bootstrap).describe_configs([res], request_timeout=T)[res].result(T)


def incremental(port, resources, validate_only=False):
    """IncrementalAlterConfigs v0 (raw): resources = [(type, name, [(key, op, value)])]
    -> [(error code, message, type, name)]."""
    def config(c):
        return w.string(c[0]) + w.int8(c[1]) + w.string(c[2])

    def resource(r):
        return w.int8(r[0]) + w.string(r[1]) + w.array(r[2], config)

    body = w.array(resources, resource) + w.int8(1 if validate_only else 0)
    with w.connect(port, 10) as s:
        r = w.roundtrip(s, API_INCREMENTAL_ALTER_CONFIGS, 0, 1, body, timeout=T)
    r.int32()  # throttle
    out = r.array(lambda rr: (rr.int16(), rr.string(), rr.int8(), rr.string()))
    r.expect_end()
    return out


def describe_raw(port, restype, name):
    """DescribeConfigs v1 with synonyms (raw) -> (error code, message,
    {name: (value, read_only, source, [(synonym, value, source)])})."""
    body = w.array([(restype, name)], lambda r: w.int8(r[0]) + w.string(r[1]) + w.int32(-1)) + w.int8(1)
    with w.connect(port, 10) as s:
        r = w.roundtrip(s, API_DESCRIBE_CONFIGS, 1, 1, body, timeout=T)
    r.int32()  # throttle

    def synonym(rr):
        return rr.string(), rr.string(), rr.int8()

    def entry(rr):
        name, value, read_only, source, _sensitive = rr.string(), rr.string(), rr.bool(), rr.int8(), rr.bool()
        return name, (value, read_only, source, rr.array(synonym))

    def result(rr):
        return rr.int16(), rr.string(), rr.int8(), rr.string(), dict(rr.array(entry))

    [(code, message, _, _, entries)] = r.array(result)
    r.expect_end()
    return code, message, entries


def one(port, restype, name, configs, validate_only=False):
    code, message, _, _ = incremental(port, [(restype, name, configs)], validate_only)[0]
    return code, message


def segments(broker, topic):
    return [f for f in broker.segment_files(topic) if f.endswith(".log")]


# ---- broker levels ------------------------------------------------------------

def test_per_broker_config_kafka_accepts_is_stored_and_described(broker):
    # librdkafka's 0081 sets this one; Sluice has no Kerberos: stored, described.
    assert alter(broker.bootstrap, ConfigResource.Type.BROKER, "0",
                 {"sasl.kerberos.min.time.before.relogin": "58000"}) == (NONE, None)
    e = describe(broker.bootstrap, ConfigResource.Type.BROKER, "0")["sasl.kerberos.min.time.before.relogin"]
    assert e.value == "58000"
    assert e.source == ConfigSource.DYNAMIC_BROKER_CONFIG.value
    assert not e.is_read_only
    # Not dynamic: read-only as before.
    assert describe(broker.bootstrap, ConfigResource.Type.BROKER, "0")["log.dirs"].is_read_only


def test_cluster_default_segment_bytes_rolls_an_existing_topic(broker):
    topic = unique("dyn-seg")
    create_topic(broker.bootstrap, topic, 1)
    produce(broker.bootstrap, topic, [{"value": b"v" * 100} for _ in range(20)])
    assert len(segments(broker, topic)) == 1

    assert one(broker.port, BROKER, "", [("log.segment.bytes", SET, "1024")]) == (NONE, None)
    e = describe(broker.bootstrap, ConfigResource.Type.TOPIC, topic)["segment.bytes"]
    assert (e.value, e.source) == ("1024", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)

    for _ in range(10):
        produce(broker.bootstrap, topic, [{"value": b"v" * 300} for _ in range(4)])
    assert len(segments(broker, topic)) >= 5, segments(broker, topic)

    # BROKER "" lists the default level alone (raw: confluent-kafka 1.7
    # refuses an empty resource name).
    code, _, entries = describe_raw(broker.port, BROKER, "")
    assert code == NONE and list(entries) == ["log.segment.bytes"]
    assert entries["log.segment.bytes"][:3] == ("1024", False, DYNAMIC_DEFAULT)


def test_cluster_default_retention_bytes_deletes_old_segments_of_an_existing_topic(broker_factory):
    b = broker_factory({"log.retention.check.interval.ms": "200", "log.segment.bytes": "1024"})
    topic, pinned = unique("dyn-ret"), unique("dyn-ret-pinned")
    create_topic(b.bootstrap, topic, 1)
    create_topic(b.bootstrap, pinned, 1, config={"retention.bytes": "-1"})
    for t in (topic, pinned):
        for _ in range(10):
            produce(b.bootstrap, t, [{"value": b"r" * 300} for _ in range(3)])
    time.sleep(0.5)
    assert watermarks(b.bootstrap, topic)[0] == 0  # nothing limits it yet

    assert one(b.port, BROKER, "", [("log.retention.bytes", SET, "2048")]) == (NONE, None)
    wait_until(lambda: watermarks(b.bootstrap, topic)[0] > 0, T, "old segments deleted by the new default")
    # The files go after the log start moves (unlinks run off the I/O thread).
    wait_until(lambda: len(segments(b, topic)) <= 4, T, "old segment files removed")
    # The topic that overrides it keeps everything.
    assert watermarks(b.bootstrap, pinned)[0] == 0


def test_precedence_per_broker_over_default_over_static_and_topic_over_all(broker_factory):
    b = broker_factory({"log.retention.ms": "7200000"})
    topic, pinned = unique("dyn-prec"), unique("dyn-pinned")
    create_topic(b.bootstrap, topic, 1)
    create_topic(b.bootstrap, pinned, 1, config={"retention.ms": "60000"})

    def retention(t):
        e = describe(b.bootstrap, ConfigResource.Type.TOPIC, t)["retention.ms"]
        return e.value, e.source

    assert retention(topic) == ("7200000", ConfigSource.STATIC_BROKER_CONFIG.value)
    assert one(b.port, BROKER, "", [("log.retention.ms", SET, "3600000")]) == (NONE, None)
    assert retention(topic) == ("3600000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)
    assert one(b.port, BROKER, "0", [("log.retention.ms", SET, "1800000")]) == (NONE, None)
    assert retention(topic) == ("1800000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    assert retention(pinned) == ("60000", ConfigSource.DYNAMIC_TOPIC_CONFIG.value)

    # Synonyms in Kafka's order: per broker, cluster default, static, default
    # (raw: confluent-kafka keys synonyms by name, so it keeps only one).
    code, _, entries = describe_raw(b.port, BROKER, "0")
    assert code == NONE
    value, read_only, source, synonyms = entries["log.retention.ms"]
    assert (value, read_only, source) == ("1800000", False, DYNAMIC_BROKER)
    assert synonyms == [("log.retention.ms", "1800000", DYNAMIC_BROKER),
                        ("log.retention.ms", "3600000", DYNAMIC_DEFAULT),
                        ("log.retention.ms", "7200000", STATIC),
                        ("log.retention.hours", "168", DEFAULT)]

    b.restart()
    assert retention(topic) == ("1800000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    # Removing the per-broker value falls back to the cluster default.
    assert one(b.port, BROKER, "0", [("log.retention.ms", DELETE, None)]) == (NONE, None)
    assert retention(topic) == ("3600000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)


def test_append_and_subtract_on_a_list_start_from_the_default(broker):
    assert one(broker.port, BROKER, "0", [("background.threads", SET, "9"),
                                          ("log.cleanup.policy", APPEND, "compact")]) == (NONE, None)
    d = describe(broker.bootstrap, ConfigResource.Type.BROKER, "0")
    assert d["log.cleanup.policy"].value == "delete,compact"
    assert d["background.threads"].value == "9"
    assert one(broker.port, BROKER, "0", [("background.threads", DELETE, ""),
                                          ("log.cleanup.policy", SUBTRACT, "compact")]) == (NONE, None)
    d = describe(broker.bootstrap, ConfigResource.Type.BROKER, "0")
    assert (d["log.cleanup.policy"].value, d["log.cleanup.policy"].source) == \
        ("delete", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    assert d["background.threads"].source == ConfigSource.DEFAULT_CONFIG.value

    code, message = one(broker.port, BROKER, "0", [("log.retention.ms", APPEND, "5")])
    assert code == INVALID_CONFIG and message == "Config value append is not allowed for config key: log.retention.ms"


def test_refusals_with_kafkas_messages(broker):
    assert alter(broker.bootstrap, ConfigResource.Type.BROKER, "0", {"log.dirs": "/tmp/x"}) == \
        (INVALID_REQUEST, "Cannot update these configs dynamically: Set(log.dirs)")
    assert one(broker.port, BROKER, "", [("sasl.kerberos.min.time.before.relogin", SET, "1")]) == \
        (INVALID_REQUEST, "Cannot update these configs at default cluster level, broker id must be specified: "
                          "Set(sasl.kerberos.min.time.before.relogin)")
    assert one(broker.port, BROKER, "0", [("log.retention.ms", SET, "soon")]) == \
        (INVALID_REQUEST, "Invalid value soon for configuration log.retention.ms: Not a number of type LONG")
    assert one(broker.port, BROKER, "7", [("log.retention.ms", SET, "1")]) == \
        (INVALID_REQUEST, "Unexpected broker id, expected 0, but received 7")
    assert one(broker.port, BROKER, "zero", [("log.retention.ms", SET, "1")]) == \
        (INVALID_REQUEST, "Node id must be an integer, but it is: zero")
    assert one(broker.port, BROKER, "0", [("ssl.keystore.location", SET, "/k")]) == \
        (INVALID_REQUEST, "These security configs can be dynamically updated only per-listener using the "
                          "listener prefix: Set(ssl.keystore.location)")
    # One config twice in one resource.
    assert one(broker.port, BROKER, "0", [("log.retention.ms", SET, "1"), ("log.retention.ms", DELETE, None)]) == \
        (INVALID_REQUEST, "Error due to duplicate config keys")
    # The same resource twice in one request: both copies refused.
    out = incremental(broker.port, [(BROKER, "0", [("log.retention.ms", SET, "1")]),
                                    (BROKER, "0", [("log.retention.ms", SET, "2")])])
    assert [(c, m) for c, m, _, _ in out] == [(INVALID_REQUEST, "Each resource must appear at most once.")] * 2
    # Nothing above was stored.
    d = describe(broker.bootstrap, ConfigResource.Type.BROKER, "0")
    assert d["log.retention.ms"].source == ConfigSource.DEFAULT_CONFIG.value
    assert describe_raw(broker.port, BROKER, "")[2] == {}
    # Another broker's resource cannot be described here either (raw:
    # librdkafka sends a BROKER resource to that broker, which is not there).
    assert describe_raw(broker.port, BROKER, "7")[:2] == \
        (INVALID_REQUEST, "Unexpected broker id, expected 0 or empty string, but received 7")


def test_max_connections_per_ip_applies_to_the_next_connection(broker):
    # A malformed overrides list is refused before it is stored.
    code, message = one(broker.port, BROKER, "", [("max.connections.per.ip.overrides", SET, "nonsense")])
    assert code == INVALID_REQUEST and "max.connections.per.ip.overrides" in message

    held = [w.connect(broker.port, 10) for _ in range(2)]
    try:
        assert one(broker.port, BROKER, "", [("max.connections.per.ip", SET, "3")]) == (NONE, None)
        third = w.connect(broker.port, 10)  # 3 of 3
        held.append(third)
        w.parse_api_versions_v0(w.roundtrip(third, 18, 0, 1, w.api_versions_v0_body()))
        fourth = w.connect(broker.port, 10)
        assert w.wait_closed(fourth, 5), "a fourth connection from 127.0.0.1 was kept"
        fourth.close()
        # Back to the default (with a slot free for the request itself).
        held.pop().close()
        wait_until(lambda: one(broker.port, BROKER, "", [("max.connections.per.ip", DELETE, None)]) == (NONE, None),
                   T, "the limit removed")
        more = [w.connect(broker.port, 10) for _ in range(3)]
        held += more
        assert not any(w.wait_closed(m, 0.5) for m in more)
    finally:
        for s in held:
            s.close()


def test_names_kafka_does_not_know_are_kept_as_custom_configs(broker):
    # Kafka allows custom broker configs (DynamicConfig.Broker validates with
    # customPropsAllowed): stored, and listed at the default level.
    assert one(broker.port, BROKER, "", [("my.plugin.setting", SET, "x")]) == (NONE, None)
    assert describe_raw(broker.port, BROKER, "")[2]["my.plugin.setting"][:3] == ("x", True, DYNAMIC_DEFAULT)
    # Groups allow only their own names.
    assert one(broker.port, GROUP, "g", [("my.plugin.setting", SET, "x")]) == \
        (INVALID_CONFIG, "Unknown group config name: my.plugin.setting")


def test_validate_only_stores_nothing(broker):
    assert alter(broker.bootstrap, ConfigResource.Type.BROKER, "0", {"log.retention.ms": "1000"},
                 validate_only=True) == (NONE, None)
    assert one(broker.port, BROKER, "", [("log.retention.ms", SET, "1000")], validate_only=True) == (NONE, None)
    d = describe(broker.bootstrap, ConfigResource.Type.BROKER, "0")
    assert d["log.retention.ms"].source == ConfigSource.DEFAULT_CONFIG.value


def test_kafka_python_admin_alters_and_describes_a_broker(broker):
    from kafka.admin import ConfigResource as KConfigResource, ConfigResourceType, KafkaAdminClient
    a = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=T * 1000)
    try:
        r = a.alter_configs([KConfigResource(ConfigResourceType.BROKER, "0",
                                             configs={"log.retention.bytes": "1048576"})])
        assert [x[0] for x in r.resources] == [NONE]
        r = a.describe_configs([KConfigResource(ConfigResourceType.BROKER, "0")])
        entries = {e[0]: e for e in r[0].resources[0][4]}
        name, value, read_only = entries["log.retention.bytes"][:3]
        assert (value, read_only) == ("1048576", False)
        # A topic created afterwards inherits it.
        topic = unique("dyn-kp")
        create_topic(broker.bootstrap, topic, 1)
        e = describe(broker.bootstrap, ConfigResource.Type.TOPIC, topic)["retention.bytes"]
        assert (e.value, e.source) == ("1048576", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    finally:
        a.close()


# ---- groups -------------------------------------------------------------------

KIP848 = {
    "group.consumer.min.heartbeat.interval.ms": "100",
    "group.consumer.heartbeat.interval.ms": "500",
    "group.consumer.min.session.timeout.ms": "1000",
    "group.consumer.session.timeout.ms": "6000",
}


def heartbeat_interval(port, group, topic):
    with w.connect(port, 10) as s:
        body = w.consumer_group_heartbeat_body(0, group_id=group, member_id="", member_epoch=0,
                                               rebalance_timeout_ms=5000, subscribed_topic_names=[topic],
                                               topic_partitions=[])
        d = w.parse_consumer_group_heartbeat(
            w.roundtrip(s, w.API_CONSUMER_GROUP_HEARTBEAT, 0, 2, body, flexible=True, timeout=T))
    assert d["error_code"] == NONE, d
    return d["heartbeat_interval_ms"]


def test_group_configs_are_validated_described_and_applied(broker_factory):
    b = broker_factory(KIP848)
    group, topic = unique("dyn-group"), unique("dyn-gt")
    create_topic(b.bootstrap, topic, 1)
    assert heartbeat_interval(b.port, group, topic) == 500

    assert one(b.port, GROUP, group, [("consumer.heartbeat.interval.ms", SET, "1500"),
                                      ("consumer.session.timeout.ms", SET, "50000")]) == (NONE, None)
    assert heartbeat_interval(b.port, group, topic) == 1500
    code, _, entries = describe_raw(b.port, GROUP, group)
    assert code == NONE
    assert entries["consumer.session.timeout.ms"][:3] == ("50000", False, DYNAMIC_GROUP)
    assert entries["consumer.heartbeat.interval.ms"][:3] == ("1500", False, DYNAMIC_GROUP)

    assert one(b.port, GROUP, group, [("consumer.session.timeout.ms", SET, "70000")]) == \
        (INVALID_CONFIG, "consumer.session.timeout.ms must be less than or equal to "
                         "group.consumer.max.session.timeout.ms")
    assert one(b.port, GROUP, group, [("consumer.heartbeat.interval.ms", SET, "50")]) == \
        (INVALID_CONFIG, "consumer.heartbeat.interval.ms must be greater than or equal to "
                         "group.consumer.min.heartbeat.interval.ms")
    assert one(b.port, GROUP, group, [("consumer.rack", SET, "x")]) == \
        (INVALID_CONFIG, "Unknown group config name: consumer.rack")
    assert one(b.port, GROUP, group, [("consumer.session.timeout.ms", APPEND, "1")])[0] == INVALID_CONFIG

    b.restart()
    assert heartbeat_interval(b.port, group, topic) == 1500
    assert one(b.port, GROUP, group, [("consumer.heartbeat.interval.ms", DELETE, None)]) == (NONE, None)
    assert heartbeat_interval(b.port, group, topic) == 500
    code, _, entries = describe_raw(b.port, GROUP, group)
    assert entries["consumer.heartbeat.interval.ms"][:3] == ("500", False, DEFAULT)
    assert entries["consumer.session.timeout.ms"][:3] == ("50000", False, DYNAMIC_GROUP)
    # A group nobody configured is described with the broker's values.
    code, _, entries = describe_raw(b.port, GROUP, unique("dyn-nobody"))
    assert code == NONE and entries["consumer.session.timeout.ms"][:3] == ("6000", False, DEFAULT)


def test_group_configs_need_the_consumer_protocol(broker_factory):
    b = broker_factory({"group.coordinator.rebalance.protocols": "classic"})
    code, _ = one(b.port, GROUP, "g", [("consumer.session.timeout.ms", SET, "50000")])
    assert code == INVALID_REQUEST
    assert describe_raw(b.port, GROUP, "g")[0] == INVALID_REQUEST


# ---- sluice configs and kafka-configs.sh ------------------------------------------

def test_cli_and_kafka_configs_sh_for_brokers_and_groups(broker_factory):
    from test_cli import cli
    from test_kafka_scripts import script
    b = broker_factory(KIP848)
    s = b.bootstrap

    out, _ = script("kafka-configs", "--bootstrap-server", s, "--alter", "--entity-type", "brokers",
                    "--entity-default", "--add-config", "log.retention.ms=3600000")
    assert out == "Completed updating default config for brokers in the cluster.\n"
    out, _ = script("kafka-configs", "--bootstrap-server", s, "--alter", "--entity-type", "brokers",
                    "--entity-name", "0", "--add-config", "log.cleanup.policy=[delete,compact]")
    assert out == "Completed updating config for broker 0.\n"
    out, _ = script("kafka-configs", "--bootstrap-server", s, "--describe", "--entity-type", "brokers",
                    "--entity-default")
    assert out.splitlines() == [
        "Default configs for brokers in the cluster are:",
        "  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}"]
    out, _ = script("kafka-configs", "--bootstrap-server", s, "--describe", "--entity-type", "brokers",
                    "--entity-name", "0")
    assert "  log.cleanup.policy=delete,compact sensitive=false " \
           "synonyms={DYNAMIC_BROKER_CONFIG:log.cleanup.policy=delete,compact}" in out.splitlines()
    _, err = script("kafka-configs", "--bootstrap-server", s, "--alter", "--entity-type", "brokers",
                    "--entity-name", "0", "--add-config", "num.partitions=3", rc=1)
    assert "INVALID_REQUEST" in err and "Cannot update these configs dynamically: Set(num.partitions)" in err

    group = unique("dyn-cli")
    out, _ = script("kafka-configs", "--bootstrap-server", s, "--alter", "--entity-type", "groups",
                    "--entity-name", group, "--add-config", "consumer.heartbeat.interval.ms=2000")
    assert out == "Completed updating config for group %s.\n" % group
    out, _ = script("kafka-configs", "--bootstrap-server", s, "--describe", "--group", group)
    assert out.splitlines() == [
        "Dynamic configs for group %s are:" % group,
        "  consumer.heartbeat.interval.ms=2000 sensitive=false "
        "synonyms={DYNAMIC_GROUP_CONFIG:consumer.heartbeat.interval.ms=2000}"]
    _, err = script("kafka-configs", "--bootstrap-server", s, "--alter", "--entity-type", "groups",
                    "--entity-name", group, "--add-config", "consumer.session.timeout.ms=1", rc=1)
    assert "INVALID_CONFIG" in err

    # The sluice CLI: --broker-default and --group, with --json.
    cli("configs", "set", "--group", group, "consumer.session.timeout.ms=5000", broker=b)
    out, _ = cli("configs", "describe", "--group", group, "--json", broker=b)
    rows = {r["name"]: r for r in json.loads(out)["configs"]}
    assert rows["consumer.session.timeout.ms"]["value"] == "5000"
    assert rows["consumer.session.timeout.ms"]["source"] == "DYNAMIC_GROUP_CONFIG"
    cli("configs", "delete", "--broker-default", "log.retention.ms", broker=b)
    out, _ = cli("configs", "describe", "--broker-default", "--json", broker=b)
    assert json.loads(out)["configs"] == []
    _, err = cli("configs", "describe", "--broker-default", "--group", group, broker=b, rc=2)
    assert "exactly one of" in err


def test_kip848_client_heartbeats_at_the_groups_interval(broker_factory):
    """@platformatic/kafka on the consumer protocol: its heartbeats follow
    the interval the broker answers, so a group config changes their pace."""
    from test_consumer_groups_kip848 import Member
    b = broker_factory(KIP848)  # broker default: every 500 ms
    group, topic = unique("dyn-js"), unique("dyn-js-t")
    create_topic(b.bootstrap, topic, 1)
    m = Member(b.bootstrap, topic, group, "m")
    try:
        m.wait_running(30)

        def gaps_since(t0):
            ts = [e["t"] for e in m.of("hb") if e["t"] >= t0]
            return [b2 - a2 for a2, b2 in zip(ts, ts[1:])]

        t0 = time.time() * 1000
        time.sleep(3)
        before = gaps_since(t0)
        assert before and max(before) < 1200, before

        assert one(b.port, GROUP, group, [("consumer.heartbeat.interval.ms", SET, "2500")]) == (NONE, None)
        time.sleep(1.5)  # the heartbeat in flight may still be on the old pace
        t1 = time.time() * 1000
        time.sleep(6)
        after = gaps_since(t1)
        assert after and min(after) > 2000, after
        m.check()
    finally:
        m.stop()
