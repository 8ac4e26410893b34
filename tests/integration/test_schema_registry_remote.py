"""The schema registry on a broker that holds no replica of `_schemas`:
four brokers on etcd, `_schemas` on three of them. The fourth keeps its
registry state by fetching the topic from its leader, so it serves the same
subjects, versions and ids, and validates schema ids on produce to a topic
it leads (confluent-kafka's JSON Schema serializer accepted, raw bytes
refused); after the leader of `_schemas` is killed with -9 it follows the
new leader and sees what is registered after the failover."""

import json

import requests

from sluice_harness import admin, free_port, produce, unique, wait_until
from test_cluster import bootstrap_of, by_node, partition_meta, start_cluster
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

from confluent_kafka import SerializingProducer
from confluent_kafka.admin import NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import StringSerializer

ORDER = json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "title": "Order",
                    "type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]})
ORDER_V2 = json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "title": "Order",
                       "type": "object", "properties": {"id": {"type": "integer"}, "note": {"type": "string"}},
                       "required": ["id"], "additionalProperties": False})


CT = {"Content-Type": "application/vnd.schemaregistry.v1+json"}


def view(url, subject):
    """What one broker's registry says about a subject: versions and their ids."""
    versions = requests.get(url + "/subjects/%s/versions" % subject, timeout=10)
    if versions.status_code != 200:
        return versions.json().get("error_code")
    return [(v, requests.get(url + "/subjects/%s/versions/%d" % (subject, v), timeout=10).json()["id"])
            for v in versions.json()]


def test_broker_without_a_replica_of_schemas_reads_it_from_the_leader(etcd, broker_factory):  # noqa: F811
    ports = {i: free_port() for i in range(4)}
    brokers = start_cluster(broker_factory, etcd, n=4,
                            per_node={i: {"schema.registry.listeners": "http://127.0.0.1:%d" % p}
                                      for i, p in ports.items()})
    url = {i: "http://127.0.0.1:%d" % p for i, p in ports.items()}
    topic = unique("validated")
    subject = topic + "-value"

    # The first registration creates _schemas with three replicas of four.
    first = SchemaRegistryClient({"url": url[0]}).register_schema(subject, Schema(ORDER, "JSON"))
    wait_until(lambda: len(partition_meta(brokers, "_schemas").replicas) == 3, 15, "_schemas on three brokers")
    meta = partition_meta(brokers, "_schemas")
    outsider = next(i for i in range(4) if i not in meta.replicas)
    insider = next(i for i in meta.replicas if i != meta.leader)

    # Registered through a follower replica; read from the outsider.
    sr = SchemaRegistryClient({"url": url[insider]})
    sr.set_compatibility(subject, "NONE")
    second = sr.register_schema(subject, Schema(ORDER_V2, "JSON"))
    assert second != first
    expected = [(1, first), (2, second)]
    wait_until(lambda: view(url[outsider], subject) == expected, 20, "the outsider serving both versions")
    wait_until(lambda: view(url[insider], subject) == expected, 20, "the follower replica serving both")
    assert subject in requests.get(url[outsider] + "/subjects", timeout=10).json()
    got = requests.get(url[outsider] + "/schemas/ids/%d" % second, timeout=10).json()
    assert json.loads(got["schema"]) == json.loads(ORDER_V2) and got["schemaType"] == "JSON"
    assert requests.get(url[outsider] + "/config/" + subject, timeout=10).json()["compatibilityLevel"] == "NONE"
    outsider_broker = by_node(brokers, outsider)

    # A validated topic the outsider leads.
    others = [i for i in range(4) if i != outsider][:2]
    fs = admin(bootstrap_of(brokers)).create_topics(
        [NewTopic(topic, num_partitions=1, replica_assignment=[[outsider] + others],
                  config={"confluent.value.schema.validation": "true"})], request_timeout=15)
    fs[topic].result(15)
    wait_until(lambda: partition_meta(brokers, topic).leader == outsider, 15, "the outsider leading the topic")

    p = SerializingProducer({
        "bootstrap.servers": bootstrap_of(brokers), "acks": "all", "retries": 0, "message.timeout.ms": 10000,
        "key.serializer": StringSerializer("utf_8"),
        "value.serializer": JSONSerializer(ORDER_V2, SchemaRegistryClient({"url": url[outsider]}),
                                           conf={"auto.register.schemas": False})})
    ok, failed = [], []
    for i in range(3):
        p.produce(topic, value={"id": i, "note": "n"},
                  on_delivery=lambda err, msg: failed.append(err) if err else ok.append(msg.offset()))
    assert p.flush(20) == 0
    assert failed == [] and ok == [0, 1, 2]
    d = produce(bootstrap_of(brokers), topic, [{"value": b"raw json {}"}], check=False, retries=0,
                message_timeout_ms=10000)
    assert [f[0].name() for f in d.failed] == ["INVALID_RECORD"]

    # A schema the serializer registers through the outsider (forwarded to
    # the leader) is in the outsider's state when the answer comes, so the
    # record framed with its new id is accepted at once.
    fresh = json.dumps({"title": "Order", "type": "object", "properties": {"id": {"type": "integer"}, "at": {"type": "string"}}})
    p = SerializingProducer({
        "bootstrap.servers": bootstrap_of(brokers), "acks": "all", "retries": 0, "message.timeout.ms": 10000,
        "value.serializer": JSONSerializer(fresh, SchemaRegistryClient({"url": url[outsider]}))})
    ok, failed = [], []
    p.produce(topic, value={"id": 9, "at": "now"},
              on_delivery=lambda err, msg: failed.append(err) if err else ok.append(msg.offset()))
    assert p.flush(20) == 0
    assert failed == [] and ok == [3]
    # Read your write on the outsider, registration after registration.
    for n in range(20):
        r = requests.post(url[outsider] + "/subjects/%s/versions" % subject, headers=CT, timeout=10,
                          data=json.dumps({"schema": json.dumps({"title": "T%d" % n, "type": "object"}),
                                           "schemaType": "JSON"}))
        assert r.status_code == 200, r.text
        got = requests.get(url[outsider] + "/schemas/ids/%d" % r.json()["id"], timeout=10)
        assert got.status_code == 200, (n, got.text)
    expected = view(url[outsider], subject)
    assert len(expected) == 23

    # The leader of _schemas killed: the outsider follows the new one.
    by_node(brokers, meta.leader).kill9()
    alive = [b for b in brokers if b.running()]
    wait_until(lambda: partition_meta(alive, "_schemas").leader not in (-1, meta.leader), 30, "a new leader")
    assert outsider_broker.running()
    third_schema = json.dumps({"type": "object", "properties": {"id": {"type": "integer"}}})
    writer = SchemaRegistryClient({"url": url[insider]})

    def register_third():
        try:
            return writer.register_schema(subject, Schema(third_schema, "JSON"))
        except Exception:  # the new leader still taking over: retried
            return None
    third = wait_until(register_third, 30, "a registration through the new leader")
    assert third not in [i for _, i in expected]
    wait_until(lambda: view(url[outsider], subject) == expected + [(24, third)], 20,
               "the outsider seeing the registration made after the failover")

    # Restarted, the outsider answers its first read from the whole topic.
    outsider_broker.kill9()
    outsider_broker.restart()
    assert view(url[outsider], subject) == expected + [(24, third)]


def test_brokers_switch_readers_when_schemas_is_reassigned(etcd, broker_factory):  # noqa: F811
    """`_schemas` moved onto the outsider and off a replica: the new replica
    goes on from its local log, the one dropped (its log emptied) from the
    leader, and both keep serving every version with its id."""
    from test_cluster_reassignment import alter
    ports = {i: free_port() for i in range(4)}
    brokers = start_cluster(broker_factory, etcd, n=4,
                            per_node={i: {"schema.registry.listeners": "http://127.0.0.1:%d" % p}
                                      for i, p in ports.items()})
    url = {i: "http://127.0.0.1:%d" % p for i, p in ports.items()}
    subject = unique("moved") + "-value"
    sr = SchemaRegistryClient({"url": url[0]})
    sr.set_compatibility(subject_name=None, level="NONE")
    ids = [sr.register_schema(subject, Schema(json.dumps({"title": "T%d" % n, "type": "object"}), "JSON"))
           for n in range(3)]
    wait_until(lambda: len(partition_meta(brokers, "_schemas").replicas) == 3, 15, "_schemas on three brokers")
    meta = partition_meta(brokers, "_schemas")
    outsider = next(i for i in range(4) if i not in meta.replicas)
    dropped = next(i for i in meta.replicas if i != meta.leader)
    expected = [(n + 1, i) for n, i in enumerate(ids)]
    wait_until(lambda: view(url[outsider], subject) == expected, 20, "the outsider serving the versions")

    moved = [meta.leader] + [i for i in meta.replicas if i not in (meta.leader, dropped)] + [outsider]
    assert alter(brokers[0], {"_schemas": {0: moved}}) == {("_schemas", 0): 0}
    wait_until(lambda: sorted(partition_meta(brokers, "_schemas").replicas) == sorted(moved), 30, "the move done")
    ids.append(sr.register_schema(subject, Schema(json.dumps({"title": "T3", "type": "object"}), "JSON")))
    expected = [(n + 1, i) for n, i in enumerate(ids)]
    for node in (outsider, dropped):
        wait_until(lambda: view(url[node], subject) == expected, 20, "node %d serving every version" % node)
    assert len(set(ids)) == 4


def test_outsider_reads_over_a_sasl_inter_broker_listener(request, etcd):  # noqa: F811
    """Only SASL_PLAINTEXT listeners: the remote reader authenticates to the
    leader as the inter-broker user (sasl.mechanism.inter.broker.protocol),
    or it would read nothing."""
    from confluent_kafka.admin import AdminClient
    from sluice_harness import Broker
    from test_sasl import PLAIN_JAAS
    brokers = []
    request.node._sluice_brokers = brokers

    def close_all():
        problems = [p for b in brokers for p in b.close()]
        assert not problems, "unclean broker shutdown:\n" + "\n".join(problems)
    request.addfinalizer(close_all)
    prefix = "/" + unique("sasl-sr")
    url = {}
    for i in range(4):
        b = Broker(None, name="sluiced-sasl-sr-%d" % i)
        listeners = "SASL_PLAINTEXT://127.0.0.1:%d" % b.port
        url[i] = "http://127.0.0.1:%d" % free_port()
        b.overrides = {
            "node.id": str(i), "listeners": listeners, "advertised.listeners": listeners,
            "inter.broker.listener.name": "SASL_PLAINTEXT", "sasl.enabled.mechanisms": "PLAIN",
            "sasl.mechanism.inter.broker.protocol": "PLAIN",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS,
            "metadata.etcd.endpoints": etcd, "metadata.etcd.prefix": prefix,
            "metadata.etcd.session.timeout.ms": "2000", "replica.lag.time.max.ms": "2000",
            "default.replication.factor": "3", "controlled.shutdown.retry.backoff.ms": "1000",
            "schema.registry.listeners": url[i],
        }
        brokers.append(b)
        b.start()
    client = AdminClient({"bootstrap.servers": ",".join(b.bootstrap for b in brokers),
                          "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
                          "sasl.username": "alice", "sasl.password": "alice-secret"})
    wait_until(lambda: len(client.list_topics(timeout=10).brokers) == 4, 20, "every broker registered")
    subject = unique("sasl") + "-value"
    schema_id = SchemaRegistryClient({"url": url[0]}).register_schema(subject, Schema(ORDER, "JSON"))

    def replicas():
        md = client.list_topics("_schemas", timeout=10).topics["_schemas"]
        return md.partitions[0].replicas if md.partitions else []
    wait_until(lambda: len(replicas()) == 3, 15, "_schemas on three brokers")
    outsider = next(i for i in range(4) if i not in replicas())
    wait_until(lambda: view(url[outsider], subject) == [(1, schema_id)], 20, "the outsider serving the schema")
