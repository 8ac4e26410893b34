"""Kafka's scripts (tools/kafka/bin/kafka-*.sh, served by `sluice
kafka-compat`) against a real sluiced, with Kafka's flags, parsing their
output the way a runbook would and checking every effect with
confluent-kafka (librdkafka). Bad input: unknown flags, missing flags,
unknown topics, refused security properties.

SLUICE_CLI names the sluice binary the scripts run (default
../../build/bin/sluice); a missing binary fails the tests.
"""

import glob
import json
import os
import re
import subprocess
import time

import pytest

from sluice_harness import (HERE, admin, consume, create_topic, produce, unique, wait_topic, wait_until,
                            watermarks)

BIN = os.path.normpath(os.path.join(HERE, "..", "..", "tools", "kafka", "bin"))
DEFAULT_CLI = os.path.normpath(os.path.join(HERE, "..", "..", "build", "bin", "sluice"))
AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"


def script(name, *args, rc=0, input=None, timeout=60):
    """Runs bin/<name>.sh; asserts the exit code (never a signal). Returns (stdout, stderr)."""
    cli = os.environ.get("SLUICE_CLI") or DEFAULT_CLI
    assert os.access(cli, os.X_OK), "sluice binary not found: %r" % cli
    path = os.path.join(BIN, name + ".sh")
    assert os.access(path, os.X_OK), "%s is missing or not executable" % path
    env = dict(os.environ, SLUICE_CLI=cli)
    try:
        cp = subprocess.run([path] + list(args), input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("%s %s timed out" % (name, " ".join(args))) from e
    out, err = cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")
    assert cp.returncode >= 0, "%s killed by signal %d" % (name, -cp.returncode)
    if rc is not None:
        assert cp.returncode == rc, "%s %s exited %d, expected %d\nstdout: %s\nstderr: %s" % (
            name, " ".join(args), cp.returncode, rc, out[-2000:], err[-2000:])
    return out, err


def describe_fields(line):
    """'Topic: x\tTopicId: y\t...' -> dict, the way scripts split it."""
    return dict(part.split(": ", 1) for part in line.strip().split("\t") if ": " in part)


def topic_configs(bootstrap, topic):
    from confluent_kafka.admin import ConfigResource
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    entries = admin(bootstrap).describe_configs([res])[res].result(10)
    return {k: e.value for k, e in entries.items() if e.source == 1}  # DYNAMIC_TOPIC_CONFIG


# ---- kafka-topics.sh ---------------------------------------------------------

def test_topics_create_describe_alter_delete(broker):
    b = broker.bootstrap
    t = unique("scr")
    out, _ = script("kafka-topics", "--bootstrap-server", b, "--create", "--topic", t, "--partitions", "3",
                    "--replication-factor", "1", "--config", "cleanup.policy=compact", "--config", "retention.ms=7200000")
    assert out == "Created topic %s.\n" % t
    md = wait_topic(b, t, partitions=3)
    assert len(md.partitions) == 3
    assert topic_configs(b, t) == {"cleanup.policy": "compact", "retention.ms": "7200000"}

    out, _ = script("kafka-topics", "--bootstrap-server", b, "--list")
    assert t in out.splitlines()

    out, _ = script("kafka-topics", "--bootstrap-server", b, "--describe", "--topic", t)
    lines = out.splitlines()
    head = describe_fields(lines[0])
    assert head["Topic"] == t and head["PartitionCount"] == "3" and head["ReplicationFactor"] == "1"
    assert set(head["Configs"].split(",")) == {"cleanup.policy=compact", "retention.ms=7200000"}
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", head["TopicId"])
    parts = [describe_fields(line) for line in lines[1:]]
    assert [p["Partition"] for p in parts] == ["0", "1", "2"]
    assert all(lines[i].startswith("\tTopic: ") for i in range(1, 4))
    for p in parts:
        assert p["Leader"] == str(md.partitions[int(p["Partition"])].leader) and p["Replicas"] == p["Isr"] == "0"

    # Creating it again fails with Kafka's error name, unless --if-not-exists.
    _, err = script("kafka-topics", "--bootstrap-server", b, "--create", "--topic", t, rc=1)
    assert "TOPIC_ALREADY_EXISTS" in err and "already exists" in err
    script("kafka-topics", "--bootstrap-server", b, "--create", "--topic", t, "--if-not-exists")

    script("kafka-topics", "--bootstrap-server", b, "--alter", "--topic", t, "--partitions", "5")
    wait_topic(b, t, partitions=5)

    script("kafka-topics", "--bootstrap-server", b, "--delete", "--topic", t)
    wait_until(lambda: t not in admin(b).list_topics(timeout=5).topics, 10, "topic deleted")
    # Gone now: --describe/--delete say so with Kafka's error name; --if-exists is quiet.
    _, err = script("kafka-topics", "--bootstrap-server", b, "--describe", "--topic", t, rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err and t in err
    script("kafka-topics", "--bootstrap-server", b, "--delete", "--topic", t, "--if-exists")


def test_topics_broker_defaults_and_regex(broker):
    b = broker.bootstrap
    prefix = unique("rx")
    for suffix in ("a", "b"):
        script("kafka-topics", "--bootstrap-server", b, "--create", "--topic", prefix + suffix)
    other = unique("other")
    script("kafka-topics", "--bootstrap-server", b, "--create", "--topic", other)
    # No --partitions: the broker's num.partitions (1 by default).
    assert len(wait_topic(b, prefix + "a").partitions) == 1
    out, _ = script("kafka-topics", "--bootstrap-server", b, "--list", "--topic", prefix + ".*")
    assert out.splitlines() == [prefix + "a", prefix + "b"]


def test_topics_bad_input(broker):
    b = broker.bootstrap
    _, err = script("kafka-topics", "--bootstrap-server", b, "--list", "--bogus-flag", rc=1)
    assert "bogus-flag is not a recognized option" in err and "--bootstrap-server" in err  # usage follows
    _, err = script("kafka-topics", "--bootstrap-server", b, "--create", "--list", rc=1)
    assert "exactly one action" in err
    _, err = script("kafka-topics", "--list", rc=1)
    assert "bootstrap-server" in err
    _, err = script("kafka-topics", "--bootstrap-server", b, "--create", rc=1)
    assert "[topic]" in err
    _, err = script("kafka-topics", "--bootstrap-server", b, "--create", "--topic", "x", "--partitions", "many", rc=1)
    assert "partitions" in err
    _, err = script("kafka-topics", "--bootstrap-server", b, "--create", "--topic", "x", "--partitions", rc=1)
    assert "partitions requires an argument" in err
    _, err = script("kafka-topics", "--bootstrap-server", b, "--alter", "--topic", "nope", "--partitions", "2", rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err
    _, err = script("kafka-topics", "--bootstrap-server", b, "--create", "--topic", "bad name!", rc=1)
    assert "INVALID_TOPIC_EXCEPTION" in err
    # --command-config: a security setting the client cannot honor is refused by name.
    conf = os.path.join(broker.tmp, "client.properties")
    with open(conf, "w") as f:
        f.write("# admin client\nsecurity.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n")
    _, err = script("kafka-topics", "--bootstrap-server", b, "--list", "--command-config", conf, rc=1)
    assert "sasl.mechanism" in err or "security.protocol" in err
    with open(conf, "w") as f:
        f.write("security.protocol=PLAINTEXT\nclient.id=ops\n")
    script("kafka-topics", "--bootstrap-server", b, "--list", "--command-config", conf)
    _, err = script("kafka-topics", "--bootstrap-server", "127.0.0.1:1", "--list", rc=1, timeout=60)
    assert "127.0.0.1:1" in err


# ---- kafka-configs.sh --------------------------------------------------------

def test_configs_alter_and_describe(broker):
    b = broker.bootstrap
    t = unique("cfg")
    create_topic(b, t)
    out, _ = script("kafka-configs", "--bootstrap-server", b, "--alter", "--entity-type", "topics", "--entity-name", t,
                    "--add-config", "retention.ms=60000,cleanup.policy=[compact,delete]")
    assert out == "Completed updating config for topic %s.\n" % t
    assert topic_configs(b, t) == {"retention.ms": "60000", "cleanup.policy": "compact,delete"}

    out, _ = script("kafka-configs", "--bootstrap-server", b, "--describe", "--entity-type", "topics", "--entity-name", t)
    lines = out.splitlines()
    assert lines[0] == "Dynamic configs for topic %s are:" % t
    shown = dict(re.match(r"  (\S+?)=(\S*) sensitive=false synonyms=\{.*\}$", l).groups() for l in lines[1:])
    assert shown == {"retention.ms": "60000", "cleanup.policy": "compact,delete"}

    script("kafka-configs", "--bootstrap-server", b, "--alter", "--topic", t, "--delete-config", "retention.ms")
    assert topic_configs(b, t) == {"cleanup.policy": "compact,delete"}

    out, _ = script("kafka-configs", "--bootstrap-server", b, "--describe", "--entity-type", "brokers",
                    "--entity-name", "0", "--all")
    assert out.splitlines()[0] == "All configs for broker 0 are:"
    assert re.search(r"^  log\.retention\.hours=\S+ sensitive=false", out, re.M)


def test_configs_bad_input(broker):
    b = broker.bootstrap
    t = unique("cfgbad")
    create_topic(b, t)
    _, err = script("kafka-configs", "--bootstrap-server", b, "--alter", "--entity-type", "topics", "--entity-name", t,
                    "--add-config", "no.such.config=1", rc=1)
    assert "INVALID_CONFIG" in err
    _, err = script("kafka-configs", "--bootstrap-server", b, "--alter", "--entity-type", "topics", "--entity-name", t,
                    "--add-config", "novalue", rc=1)
    assert "key=val" in err
    _, err = script("kafka-configs", "--bootstrap-server", b, "--describe", "--entity-type", "topics",
                    "--entity-name", "nope", rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err
    _, err = script("kafka-configs", "--bootstrap-server", b, "--describe", "--entity-type", "broker-loggers", rc=1)
    assert "'broker-loggers' is not supported" in err
    _, err = script("kafka-configs", "--bootstrap-server", b, "--describe", "--entity-typo", "topics", rc=1)
    assert "entity-typo is not a recognized option" in err


def quotas_on_the_wire(port):
    """The broker's quota entities, read with our own DescribeClientQuotas encoder."""
    from test_quotas import describe
    code, _, got = describe(port, [])
    assert code == 0
    return got


def test_configs_client_quotas(broker):
    b = broker.bootstrap
    cfg = ("kafka-configs", "--bootstrap-server", b)
    out, _ = script(*cfg, "--alter", "--add-config", "producer_byte_rate=1024,consumer_byte_rate=2048",
                    "--entity-type", "users", "--entity-name", "alice")
    assert out == "Completed updating config for user alice.\n"
    out, _ = script(*cfg, "--alter", "--add-config", "request_percentage=50.5", "--entity-type", "users",
                    "--entity-name", "alice", "--entity-type", "clients", "--entity-default")
    assert out == "Completed updating config for user alice.\n"
    out, _ = script(*cfg, "--alter", "--add-config", "consumer_byte_rate=10485760", "--entity-type", "clients",
                    "--entity-default")
    assert out == "Completed updating default config for clients in the cluster.\n"
    out, _ = script(*cfg, "--alter", "--add-config", "producer_byte_rate=4096", "--client", "app-1")
    assert out == "Completed updating config for client app-1.\n"
    out, _ = script(*cfg, "--alter", "--add-config", "connection_creation_rate=10", "--entity-type", "ips",
                    "--entity-name", "127.0.0.1")
    assert out == "Completed updating config for ip 127.0.0.1.\n"
    assert quotas_on_the_wire(broker.port) == {
        (("user", "alice"),): {"producer_byte_rate": 1024.0, "consumer_byte_rate": 2048.0},
        (("user", "alice"), ("client-id", None)): {"request_percentage": 50.5},
        (("client-id", None),): {"consumer_byte_rate": 10485760.0},
        (("client-id", "app-1"),): {"producer_byte_rate": 4096.0},
        (("ip", "127.0.0.1"),): {"connection_creation_rate": 10.0},
    }

    def described(*args):
        out, _ = script(*cfg, "--describe", *args)
        lines = {}
        for line in out.splitlines():
            m = re.match(r"Quota configs for (.+) are (.*)$", line)
            assert m, line
            lines[m.group(1)] = set(m.group(2).split(", "))
        return lines
    assert described("--entity-type", "users", "--entity-name", "alice") == {
        "user-principal 'alice'": {"producer_byte_rate=1024.0", "consumer_byte_rate=2048.0"}}
    assert described("--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients",
                     "--entity-default") == {"user-principal 'alice', the default client-id": {"request_percentage=50.5"}}
    # Java's Double.toString: 10485760 is 1.048576E7.
    assert described("--entity-type", "clients", "--entity-default") == {
        "the default client-id": {"consumer_byte_rate=1.048576E7"}}
    assert described("--entity-type", "clients") == {
        "the default client-id": {"consumer_byte_rate=1.048576E7"}, "client-id 'app-1'": {"producer_byte_rate=4096.0"}}
    assert described("--ip", "127.0.0.1") == {"ip '127.0.0.1'": {"connection_creation_rate=10.0"}}

    # Removing keys; a key the entity does not have is refused and nothing changes.
    _, err = script(*cfg, "--alter", "--delete-config", "controller_mutation_rate", "--entity-type", "users",
                    "--entity-name", "alice", rc=1)
    assert "Invalid config(s): controller_mutation_rate" in err
    script(*cfg, "--alter", "--delete-config", "consumer_byte_rate", "--user", "alice")
    got = quotas_on_the_wire(broker.port)
    assert got[(("user", "alice"),)] == {"producer_byte_rate": 1024.0}


def test_configs_describe_every_group(broker):
    from confluent_kafka import Consumer, TopicPartition
    b = broker.bootstrap
    t, group = unique("cfg-groups"), unique("cfg-group")
    create_topic(b, t)
    c = Consumer({"bootstrap.servers": b, "group.id": group, "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition(t, 0, 0)], asynchronous=False)
    c.close()
    script("kafka-configs", "--bootstrap-server", b, "--alter", "--entity-type", "groups", "--entity-name", group,
           "--add-config", "consumer.heartbeat.interval.ms=6000")
    # No name: every consumer group, each with its dynamic configs.
    out, _ = script("kafka-configs", "--bootstrap-server", b, "--describe", "--entity-type", "groups")
    lines = out.splitlines()
    at = lines.index("Dynamic configs for group %s are:" % group)
    assert lines[at + 1].startswith("  consumer.heartbeat.interval.ms=6000 sensitive=false"), out
    _, err = script("kafka-configs", "--bootstrap-server", b, "--alter", "--entity-type", "groups",
                    "--add-config", "consumer.heartbeat.interval.ms=6000", rc=1)
    assert "An entity name must be specified with --alter of groups" in err


def test_configs_client_quota_throttles_a_real_producer(broker):
    from test_quotas import produce_for
    b = broker.bootstrap
    t = unique("qscript")
    create_topic(b, t)
    quota = 200_000
    script("kafka-configs", "--bootstrap-server", b, "--alter", "--add-config", "producer_byte_rate=%d" % quota,
           "--entity-type", "clients", "--entity-name", "scripted-slow")
    rate = produce_for(b, t, "scripted-slow", 2, 6)
    assert 0.8 * quota <= rate <= 1.2 * quota, rate


def test_configs_client_quotas_bad_input(broker):
    b = broker.bootstrap
    cfg = ("kafka-configs", "--bootstrap-server", b, "--alter")
    _, err = script(*cfg, "--add-config", "SCRAM-SHA-256=[password=x]", "--entity-type", "clients",
                    "--entity-name", "c", rc=1)
    assert "Only quota configs can be added for 'clients'" in err
    _, err = script(*cfg, "--add-config", "producer_byte_rate=10", "--entity-type", "ips", "--entity-name",
                    "127.0.0.1", rc=1)
    assert "Only connection quota configs can be added for 'ips'" in err
    _, err = script(*cfg, "--add-config", "no_such_rate=1", "--user", "alice", rc=1)
    assert "Unexpected config names: no_such_rate" in err
    _, err = script(*cfg, "--add-config", "producer_byte_rate=fast", "--user", "alice", rc=1)
    assert "Cannot parse quota configuration value for producer_byte_rate: fast" in err
    _, err = script(*cfg, "--add-config", "connection_creation_rate=1", "--entity-type", "ips", "--entity-name",
                    "not-an-ip", rc=1)
    assert "must be a valid IP" in err
    _, err = script(*cfg, "--add-config", "producer_byte_rate=1", "--entity-type", "clients", rc=1)
    assert "An entity name must be specified with --alter of clients" in err
    _, err = script(*cfg, "--add-config", "producer_byte_rate=1", "--entity-type", "ips", "--entity-name", "10.0.0.1",
                    "--entity-type", "clients", "--entity-name", "c", rc=1)
    assert "Only 'users' and 'clients' may be combined" in err
    # The broker's own checks come back with Kafka's error name.
    _, err = script(*cfg, "--add-config", "producer_byte_rate=-5", "--client", "c", rc=1)
    assert "INVALID_REQUEST" in err
    assert quotas_on_the_wire(broker.port) == {}


# ---- console producer / consumer --------------------------------------------

def test_console_producer_to_real_consumer(broker):
    b = broker.bootstrap
    t = unique("cprod")
    create_topic(b, t, partitions=3)
    lines = "".join("h1:x%d,h2:y\tkey-%d|value-%d\n" % (i, i, i) for i in range(20))
    out, err = script("kafka-console-producer", "--bootstrap-server", b, "--topic", t,
                      "--property", "parse.key=true", "--property", "key.separator=|",
                      "--property", "parse.headers=true", "--producer-property", "acks=all",
                      input=lines.encode())
    assert out == ""
    got = []
    for p in range(3):
        got += consume(b, t, partition=p)
    assert len(got) == 20
    from confluent_kafka import Producer  # noqa: F401  (the partitioner below is librdkafka's murmur2_random)
    for m in got:
        i = int(m.key().decode().split("-")[1])
        assert m.value() == b"value-%d" % i
        assert m.headers() == [("h1", b"x%d" % i), ("h2", b"y")]
    # Keys land where Kafka's default partitioner (murmur2) puts them, as librdkafka's murmur2 agrees.
    p = Producer({"bootstrap.servers": b, "partitioner": "murmur2"})
    placed = {}
    for i in range(20):
        p.produce(t, b"check", key=b"key-%d" % i,
                  on_delivery=lambda err, msg: placed.__setitem__(msg.key(), msg.partition()))
    assert p.flush(20) == 0
    assert {m.key(): m.partition() for m in got} == placed


def test_console_producer_null_marker_and_ignore_error(broker):
    b = broker.bootstrap
    t = unique("cnull")
    create_topic(b, t)
    script("kafka-console-producer", "--bootstrap-server", b, "--topic", t, "--property", "parse.key=true",
           "--property", "key.separator=:", "--property", "null.marker=<null>", "--property", "ignore.error=true",
           input=b"k1:v1\n<null>:v2\nk3:<null>\nno-key-here\n")
    got = [(m.key(), m.value()) for m in consume(b, t)]
    assert got == [(b"k1", b"v1"), (None, b"v2"), (b"k3", None), (None, b"no-key-here")]
    out, _ = script("kafka-console-consumer", "--bootstrap-server", b, "--topic", t, "--from-beginning",
                    "--max-messages", "4", "--property", "print.key=true", "--property", "print.headers=true",
                    "--property", "null.literal=NIL")
    assert out.splitlines() == ["NO_HEADERS\tk1\tv1", "NO_HEADERS\tNIL\tv2", "NO_HEADERS\tk3\tNIL",
                                "NO_HEADERS\tNIL\tno-key-here"]


def test_real_producer_to_console_consumer(broker):
    b = broker.bootstrap
    t = unique("ccons")
    create_topic(b, t)
    produce(b, t, [{"key": b"k%d" % i, "value": b"v%d" % i, "headers": [("h", b"%d" % i)],
                    "timestamp": 1700000000000 + i} for i in range(10)])
    out, err = script("kafka-console-consumer", "--bootstrap-server", b, "--topic", t, "--from-beginning",
                      "--max-messages", "4", "--property", "print.key=true", "--property", "print.headers=true",
                      "--property", "print.timestamp=true", "--property", "print.offset=true")
    assert out.splitlines() == ["CreateTime:%d\tOffset:%d\th:%d\tk%d\tv%d" % (1700000000000 + i, i, i, i, i)
                                for i in range(4)]
    assert "Processed a total of 4 messages" in err
    # --partition/--offset, a custom separator, and --timeout-ms ending an idle wait.
    out, _ = script("kafka-console-consumer", "--bootstrap-server", b, "--topic", t, "--partition", "0",
                    "--offset", "7", "--timeout-ms", "1500", "--property", "print.key=true",
                    "--property", "key.separator=:")
    assert out.splitlines() == ["k7:v7", "k8:v8", "k9:v9"]
    # A group starts at its committed offset and commits where it stopped.
    g = unique("grp")
    out, _ = script("kafka-console-consumer", "--bootstrap-server", b, "--topic", t, "--group", g,
                    "--from-beginning", "--max-messages", "6")
    assert out.splitlines() == ["v%d" % i for i in range(6)]
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": b, "group.id": g})
    try:
        assert c.committed([TopicPartition(t, 0)], timeout=10)[0].offset == 6
    finally:
        c.close()
    out, _ = script("kafka-console-consumer", "--bootstrap-server", b, "--topic", t, "--group", g,
                    "--timeout-ms", "1500")
    assert out.splitlines() == ["v%d" % i for i in range(6, 10)]


def test_console_tools_bad_input(broker):
    b = broker.bootstrap
    _, err = script("kafka-console-producer", "--bootstrap-server", b, rc=1)
    assert "[topic]" in err
    _, err = script("kafka-console-producer", "--bootstrap-server", b, "--topic", "x", "--property", "parse.keys=true",
                    rc=1, input=b"a\n")
    assert "parse.keys" in err
    _, err = script("kafka-console-producer", "--bootstrap-server", b, "--topic", "x", "--producer-property",
                    "security.protocol=SSL", rc=1, input=b"a\n")
    assert "security.protocol" in err
    t = unique("sep")
    create_topic(b, t)
    _, err = script("kafka-console-producer", "--bootstrap-server", b, "--topic", t, "--property", "parse.key=true",
                    rc=1, input=b"no separator here\n")
    assert "key separator" in err
    _, err = script("kafka-console-consumer", "--bootstrap-server", b, "--topic", t, "--offset", "3", rc=1)
    assert "partition is required" in err
    _, err = script("kafka-console-consumer", "--bootstrap-server", b, "--topic", t, "--max-message", "3", rc=1)
    assert "max-message is not a recognized option" in err
    _, err = script("kafka-console-consumer", "--bootstrap-server", b, "--topic", t, "--value-deserializer",
                    "io.confluent.kafka.serializers.KafkaAvroDeserializer", rc=1)
    assert "KafkaAvroDeserializer" in err
    # A Java producer's tuning flag is accepted, and said to be unused.
    _, err = script("kafka-console-producer", "--bootstrap-server", b, "--topic", t, "--max-block-ms", "100",
                    input=b"tuned\n")
    assert "--max-block-ms" in err and "not used" in err
    assert consume(b, t)[-1].value() == b"tuned"


def test_console_unknown_topic_without_auto_create(broker_factory):
    b = broker_factory({"auto.create.topics.enable": "false"}).bootstrap
    _, err = script("kafka-console-producer", "--bootstrap-server", b, "--topic", "missing", rc=1, input=b"x\n")
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err
    _, err = script("kafka-console-consumer", "--bootstrap-server", b, "--topic", "missing", "--timeout-ms", "500", rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err


# ---- kafka-acls.sh -----------------------------------------------------------

def acl_bindings(bootstrap):
    """Every ACL on the broker, through kafka-python's admin client (the
    confluent-kafka packaged here predates its ACL API)."""
    from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, KafkaAdminClient,
                             ResourcePatternFilter, ResourceType)
    client = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    try:
        f = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
                      resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
        acls, error = client.describe_acls(f)
    finally:
        client.close()
    assert error is None or error.errno == 0, error
    return {(a.resource_pattern.resource_type.name, a.resource_pattern.resource_name,
             a.resource_pattern.pattern_type.name, a.principal, a.host, a.operation.name, a.permission_type.name)
            for a in acls}


def test_acls_add_list_remove(broker_factory):
    b = broker_factory({"authorizer.class.name": AUTHORIZER, "super.users": "User:ANONYMOUS"}).bootstrap
    t = unique("acl")
    out, _ = script("kafka-acls", "--bootstrap-server", b, "--add", "--deny-principal", "User:*", "--operation", "All",
                    "--deny-host", "*", "--topic", t)
    assert "Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=%s, patternType=LITERAL)`:" % t in out
    assert "(principal=User:*, host=*, operation=ALL, permissionType=DENY)" in out
    script("kafka-acls", "--bootstrap-server", b, "--add", "--allow-principal", "User:alice", "--operation", "Read",
           "--operation", "Describe", "--group", "g1", "--resource-pattern-type", "prefixed")
    script("kafka-acls", "--bootstrap-server", b, "--add", "--allow-principal", "User:bob", "--producer", "--topic", t)
    assert acl_bindings(b) == {
        ("TOPIC", t, "LITERAL", "User:*", "*", "ALL", "DENY"),
        ("GROUP", "g1", "PREFIXED", "User:alice", "*", "READ", "ALLOW"),
        ("GROUP", "g1", "PREFIXED", "User:alice", "*", "DESCRIBE", "ALLOW"),
        ("TOPIC", t, "LITERAL", "User:bob", "*", "WRITE", "ALLOW"),
        ("TOPIC", t, "LITERAL", "User:bob", "*", "DESCRIBE", "ALLOW"),
        ("TOPIC", t, "LITERAL", "User:bob", "*", "CREATE", "ALLOW"),
    }
    out, _ = script("kafka-acls", "--bootstrap-server", b, "--list", "--topic", t)
    listed = set(re.findall(r"\(principal=(\S+), host=(\S+), operation=(\w+), permissionType=(\w+)\)", out))
    assert listed == {("User:*", "*", "ALL", "DENY"), ("User:bob", "*", "WRITE", "ALLOW"),
                      ("User:bob", "*", "DESCRIBE", "ALLOW"), ("User:bob", "*", "CREATE", "ALLOW")}
    out, _ = script("kafka-acls", "--bootstrap-server", b, "--list", "--principal", "User:alice")
    assert "name=g1, patternType=PREFIXED" in out and "User:bob" not in out

    script("kafka-acls", "--bootstrap-server", b, "--remove", "--force", "--deny-principal", "User:*",
           "--operation", "All", "--deny-host", "*", "--topic", t)
    # Without --force the script asks, and anything but 'y' keeps the ACLs.
    script("kafka-acls", "--bootstrap-server", b, "--remove", "--group", "g1", "--resource-pattern-type", "prefixed",
           input=b"n\n")
    assert len(acl_bindings(b)) == 5
    script("kafka-acls", "--bootstrap-server", b, "--remove", "--group", "g1", "--resource-pattern-type", "prefixed",
           input=b"y\n")
    assert acl_bindings(b) == {("TOPIC", t, "LITERAL", "User:bob", "*", op, "ALLOW")
                               for op in ("WRITE", "DESCRIBE", "CREATE")}


def test_acls_bad_input(broker_factory):
    b = broker_factory({"authorizer.class.name": AUTHORIZER, "super.users": "User:ANONYMOUS"}).bootstrap
    _, err = script("kafka-acls", "--bootstrap-server", b, "--add", "--topic", "t", rc=1)
    assert "allow-principal" in err
    _, err = script("kafka-acls", "--bootstrap-server", b, "--add", "--allow-principal", "alice", "--topic", "t", rc=1)
    assert "alice" in err
    _, err = script("kafka-acls", "--bootstrap-server", b, "--add", "--allow-principal", "User:a", "--operation",
                    "Fly", "--topic", "t", rc=1)
    assert "Fly" in err
    _, err = script("kafka-acls", "--bootstrap-server", b, "--add", "--allow-principal", "User:a", rc=1)
    assert "resource" in err
    _, err = script("kafka-acls", "--bootstrap-server", b, "--add", "--allow-principal", "User:a", "--topic", "t",
                    "--resource-pattern-type", "match", rc=1)
    assert "MATCH" in err
    _, err = script("kafka-acls", "--bootstrap-server", b, "--lst", rc=1)
    assert "lst is not a recognized option" in err


def test_acls_without_authorizer_name_the_error(broker):
    _, err = script("kafka-acls", "--bootstrap-server", broker.bootstrap, "--add", "--allow-principal", "User:a",
                    "--topic", "t", rc=1)
    assert "SECURITY_DISABLED" in err


# ---- kafka-get-offsets.sh / kafka-delete-records.sh --------------------------

def test_get_offsets_and_delete_records(broker):
    b = broker.bootstrap
    t = unique("offs")
    create_topic(b, t, partitions=2)
    produce(b, t, [{"value": b"a%d" % i, "partition": 0, "timestamp": 1700000000000 + i} for i in range(7)])
    produce(b, t, [{"value": b"b%d" % i, "partition": 1} for i in range(3)])
    out, _ = script("kafka-get-offsets", "--bootstrap-server", b, "--topic", t)
    assert out.splitlines() == ["%s:0:7" % t, "%s:1:3" % t]
    assert watermarks(b, t, 0)[1] == 7 and watermarks(b, t, 1)[1] == 3
    out, _ = script("kafka-get-offsets", "--bootstrap-server", b, "--topic", t, "--partitions", "0",
                    "--time", "1700000000004")
    assert out.splitlines() == ["%s:0:4" % t]

    spec = os.path.join(broker.tmp, "delete.json")
    with open(spec, "w") as f:
        json.dump({"partitions": [{"topic": t, "partition": 0, "offset": 5}], "version": 1}, f)
    out, _ = script("kafka-delete-records", "--bootstrap-server", b, "--offset-json-file", spec)
    assert out.splitlines() == ["Executing records delete operation", "Records delete operation completed:",
                                "partition: %s-0\tlow_watermark: 5" % t]
    assert watermarks(b, t, 0) == (5, 7)
    out, _ = script("kafka-get-offsets", "--bootstrap-server", b, "--topic-partitions", t + ":0", "--time", "earliest")
    assert out.splitlines() == ["%s:0:5" % t]

    # Past the high watermark: Kafka's error name per partition, exit 1.
    with open(spec, "w") as f:
        json.dump({"partitions": [{"topic": t, "partition": 1, "offset": 99}], "version": 1}, f)
    out, _ = script("kafka-delete-records", "--bootstrap-server", b, "--offset-json-file", spec, rc=1)
    assert "partition: %s-1\terror: OFFSET_OUT_OF_RANGE" % t in out
    assert watermarks(b, t, 1) == (0, 3)
    with open(spec, "w") as f:
        f.write("{not json")
    _, err = script("kafka-delete-records", "--bootstrap-server", b, "--offset-json-file", spec, rc=1)
    assert "offset-json-file" in err
    _, err = script("kafka-delete-records", "--bootstrap-server", b, rc=1)
    assert "[offset-json-file]" in err
    _, err = script("kafka-get-offsets", "--bootstrap-server", b, "--topic", "nope.*", rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err


# ---- kafka-dump-log.sh -------------------------------------------------------

def test_dump_log_on_broker_segment(broker):
    b = broker.bootstrap
    t = unique("dump")
    create_topic(b, t)
    produce(b, t, [{"key": b"k%d" % i, "value": b"hello-%d" % i, "timestamp": 1700000000000 + i} for i in range(5)])
    seg = glob.glob(os.path.join(broker.data_dir, t + "-0", "*.log"))
    assert len(seg) == 1
    out, _ = script("kafka-dump-log", "--files", seg[0], "--print-data-log")
    assert out.splitlines()[0] == "Dumping " + seg[0]
    records = re.findall(r"^\| offset: (\d+) .* key: (\S+) payload: (\S+)$", out, re.M)
    assert records == [(str(i), "k%d" % i, "hello-%d" % i) for i in range(5)]
    out, _ = script("kafka-dump-log", "--files", seg[0])
    assert "| offset:" not in out and "baseOffset: 0" in out
    _, err = script("kafka-dump-log", "--files", seg[0], "--value-decoder-class", "com.example.Avro", rc=1)
    assert "com.example.Avro" in err
    _, err = script("kafka-dump-log", "--print-data-log", rc=1)
    assert "[files]" in err
    garbage = os.path.join(broker.tmp, "00000000000000000000.log")
    with open(garbage, "wb") as f:
        f.write(b"\x00" * 8 + b"\x7f\xff\xff\xff" + b"junk" * 10)
    script("kafka-dump-log", "--files", garbage, rc=1)


# ---- kafka-configs.sh --entity-type users (SCRAM) ----------------------------

from test_sasl import sasl_factory  # noqa: E402,F401  (fixture: a broker with a SASL and a PLAINTEXT listener)


def scram_login_works(bootstrap, user, password):
    from confluent_kafka.admin import AdminClient
    a = AdminClient({"bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT",
                     "sasl.mechanism": "SCRAM-SHA-256", "sasl.username": user, "sasl.password": password})
    try:
        a.list_topics(timeout=5)
        return True
    except Exception:
        return False


def test_configs_scram_users(sasl_factory):
    sb = sasl_factory()
    plain, sasl = sb.plain_bootstrap, sb.broker.bootstrap
    out, _ = script("kafka-configs", "--bootstrap-server", plain, "--alter", "--add-config",
                    "SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=alice-secret]",
                    "--entity-type", "users", "--entity-name", "alice")
    assert out == "Completed updating config for user alice.\n"
    assert scram_login_works(sasl, "alice", "alice-secret")
    assert not scram_login_works(sasl, "alice", "wrong")
    out, _ = script("kafka-configs", "--bootstrap-server", plain, "--describe", "--entity-type", "users",
                    "--entity-name", "alice")
    assert out == ("SCRAM credential configs for user-principal 'alice' are "
                   "SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n")
    script("kafka-configs", "--bootstrap-server", plain, "--alter", "--delete-config", "SCRAM-SHA-256",
           "--user", "alice")
    assert not scram_login_works(sasl, "alice", "alice-secret")
    out, _ = script("kafka-configs", "--bootstrap-server", plain, "--describe", "--entity-type", "users")
    assert out == "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-512=iterations=4096\n"
    # Bad input: quotas and credentials not in one change, a password is required, iterations below Kafka's minimum.
    _, err = script("kafka-configs", "--bootstrap-server", plain, "--alter", "--add-config",
                    "producer_byte_rate=1024,SCRAM-SHA-256=[password=x]", "--entity-type", "users", "--entity-name",
                    "bob", rc=1)
    assert "cannot be changed in one --alter" in err
    _, err = script("kafka-configs", "--bootstrap-server", plain, "--alter", "--add-config",
                    "SCRAM-SHA-256=[iterations=8192]", "--entity-type", "users", "--entity-name", "bob", rc=1)
    assert "password" in err
    _, err = script("kafka-configs", "--bootstrap-server", plain, "--alter", "--add-config",
                    "SCRAM-SHA-256=[iterations=10,password=x]", "--entity-type", "users", "--entity-name", "bob", rc=1)
    assert "UNACCEPTABLE_CREDENTIAL" in err


# ---- in a cluster: requests go to each partition's leader --------------------

from test_cluster import create_replicated, partition_meta, start_cluster  # noqa: E402
from test_etcd_metadata import etcd  # noqa: E402,F401  (the fixture)


def test_scripts_reach_leaders_on_other_brokers(etcd, broker_factory):
    brokers = start_cluster(broker_factory, etcd)
    b0 = brokers[0].bootstrap
    t = unique("lead")
    create_replicated(brokers, t, partitions=6)
    leaders = {partition_meta(brokers, t, p).leader for p in range(6)}
    assert len(leaders) > 1, "every partition led by one broker: the test would prove nothing"
    lines = "".join("k%d:v%d\n" % (i, i) for i in range(60))
    script("kafka-console-producer", "--bootstrap-server", b0, "--topic", t, "--property", "parse.key=true",
           "--property", "key.separator=:", input=lines.encode())
    all_bootstrap = ",".join(b.bootstrap for b in brokers)
    counts = [watermarks(all_bootstrap, t, p)[1] for p in range(6)]
    assert sum(counts) == 60
    out, _ = script("kafka-get-offsets", "--bootstrap-server", b0, "--topic", t)
    assert out.splitlines() == ["%s:%d:%d" % (t, p, counts[p]) for p in range(6)]
    out, _ = script("kafka-console-consumer", "--bootstrap-server", b0, "--topic", t, "--from-beginning",
                    "--max-messages", "60", "--group", unique("g"), "--property", "print.key=true",
                    "--property", "key.separator=:")
    assert sorted(out.splitlines()) == sorted("k%d:v%d" % (i, i) for i in range(60))
    busy = max(range(6), key=lambda p: counts[p])
    spec = os.path.join(brokers[0].tmp, "delete.json")
    with open(spec, "w") as f:
        json.dump({"partitions": [{"topic": t, "partition": busy, "offset": 1}], "version": 1}, f)
    script("kafka-delete-records", "--bootstrap-server", b0, "--offset-json-file", spec)
    assert watermarks(all_bootstrap, t, busy) == (1, counts[busy])


# ---- finding sluice -----------------------------------------------------------

def test_scripts_find_sluice(tmp_path):
    cli = os.environ.get("SLUICE_CLI") or DEFAULT_CLI
    # A copy of bin/ outside the repository: no build/bin beside it.
    bin_copy = tmp_path / "kafka" / "bin"
    bin_copy.mkdir(parents=True)
    for name in ("sluice-cli.sh", "kafka-topics.sh"):
        (bin_copy / name).write_bytes(open(os.path.join(BIN, name), "rb").read())
        os.chmod(bin_copy / name, 0o755)
    path_dir = tmp_path / "path"
    path_dir.mkdir()
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def run_version(env):
        cp = subprocess.run([str(bin_copy / "kafka-topics.sh"), "--version"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, timeout=30)
        return cp.returncode, cp.stdout.decode(), cp.stderr.decode()

    rc, _, err = run_version(base)
    assert rc == 1 and "cannot find the sluice binary" in err
    rc, _, err = run_version(dict(base, SLUICE_CLI=str(tmp_path / "nope")))
    assert rc == 1 and "is not an executable file" in err
    rc, out, _ = run_version(dict(base, SLUICE_CLI=cli))
    assert rc == 0 and "sluice kafka-compat" in out
    os.symlink(cli, path_dir / "sluice")
    rc, out, _ = run_version(dict(base, PATH="%s:/usr/bin:/bin" % path_dir))
    assert rc == 0 and "sluice kafka-compat" in out
    # Inside the repository, build/bin/sluice is found without help.
    cp = subprocess.run([os.path.join(BIN, "kafka-topics.sh"), "--version"], stdout=subprocess.PIPE,
                        env=base, timeout=30)
    assert cp.returncode == 0 and b"sluice kafka-compat" in cp.stdout
