"""The built-in schema registry (schema.registry.listeners) with real
clients: confluent-kafka's SchemaRegistryClient (register, look up, check
compatibility, configure, delete) and its JSON Schema serializer producing
to and consuming from the broker; @kafkajs/confluent-schema-registry with
Avro (register, encode, produce with kafkajs, consume, decode old records
with the new reader). The registry is rebuilt from `_schemas` after kill -9;
bad input gets Confluent's error codes and never takes the broker down."""

import json
import os

import pytest
import requests

from sluice_harness import consume, free_port, produce, run, unique
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
CT = {"Content-Type": "application/vnd.schemaregistry.v1+json"}

V1 = json.dumps({"type": "record", "name": "User", "namespace": "t",
                 "fields": [{"name": "name", "type": "string"}]})
V2 = json.dumps({"type": "record", "name": "User", "namespace": "t",
                 "fields": [{"name": "name", "type": "string"},
                            {"name": "age", "type": "int", "default": 0}]})
V3_BAD = json.dumps({"type": "record", "name": "User", "namespace": "t",
                     "fields": [{"name": "name", "type": "string"},
                                {"name": "email", "type": "string"}]})


@pytest.fixture
def registry(broker_factory):
    port = free_port()
    b = broker_factory({"schema.registry.listeners": "http://127.0.0.1:%d" % port})
    b.registry_url = "http://127.0.0.1:%d" % port
    return b


def error_of(fn, *args):
    with pytest.raises(SchemaRegistryError) as e:
        fn(*args)
    return e.value.error_code


def test_python_client_register_lookup_compatibility_delete(registry):
    sr = SchemaRegistryClient({"url": registry.registry_url})
    subject = unique("users") + "-value"
    id1 = sr.register_schema(subject, Schema(V1, "AVRO"))
    assert sr.register_schema(subject, Schema(V1, "AVRO")) == id1
    assert sr.test_compatibility(subject, Schema(V2, "AVRO")) is True
    assert sr.test_compatibility(subject, Schema(V3_BAD, "AVRO")) is False
    id2 = sr.register_schema(subject, Schema(V2, "AVRO"))
    assert id2 == id1 + 1
    assert error_of(sr.register_schema, subject, Schema(V3_BAD, "AVRO")) == 409

    latest = sr.get_latest_version(subject)
    assert (latest.version, latest.schema_id) == (2, id2)
    assert json.loads(latest.schema.schema_str) == json.loads(V2)
    assert sr.get_version(subject, 1).schema_id == id1
    assert sr.get_versions(subject) == [1, 2]
    assert json.loads(sr.get_schema(id1).schema_str) == json.loads(V1)
    found = sr.lookup_schema(subject, Schema(V1, "AVRO"))
    assert (found.version, found.schema_id) == (1, id1)
    assert subject in sr.get_subjects()

    assert sr.get_compatibility() == "BACKWARD"
    # confluent-kafka 1.7 returns the response body.
    assert sr.set_compatibility(subject, "NONE") == {"compatibility": "NONE"}
    assert sr.get_compatibility(subject) == "NONE"
    id3 = sr.register_schema(subject, Schema(V3_BAD, "AVRO"))
    assert id3 == id2 + 1

    assert error_of(sr.get_version, subject, 9) == 40402
    assert error_of(sr.get_latest_version, "no-such-subject") == 40401
    assert error_of(sr.get_schema, 99999) == 40403
    assert error_of(sr.lookup_schema, subject, Schema('"string"', "AVRO")) == 40403
    assert error_of(sr.register_schema, subject, Schema('{"type":"recrod"}', "AVRO")) == 42201
    assert error_of(sr.set_compatibility, subject, "SIDEWAYS") == 42203

    assert sr.delete_version(subject, 1) == 1
    assert sr.get_versions(subject) == [2, 3]
    assert sorted(sr.delete_subject(subject)) == [2, 3]
    assert subject not in sr.get_subjects()
    assert error_of(sr.delete_subject, subject) == 40404  # already soft-deleted
    r = requests.delete(registry.registry_url + "/subjects/%s?permanent=true" % subject)
    assert sorted(r.json()) == [1, 2, 3]
    assert error_of(sr.get_versions, subject) == 40401
    other = unique("gone")
    # Ids are never reused: V1's id went with the permanent delete, and V1
    # registered again gets a new one.
    assert sr.register_schema(other, Schema(V1, "AVRO")) == id3 + 1
    assert sr.delete_subject(other, permanent=True) == [1]  # soft, then permanent
    assert other not in requests.get(registry.registry_url + "/subjects?deleted=true").json()


def test_json_schema_serializer_round_trip(registry):
    sr = SchemaRegistryClient({"url": registry.registry_url})
    topic = unique("orders")
    schema_str = json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "title": "Order",
                             "type": "object", "properties": {"id": {"type": "integer"},
                                                              "item": {"type": "string"}},
                             "required": ["id"]})
    ser = JSONSerializer(schema_str, sr)
    ctx = SerializationContext(topic, MessageField.VALUE)
    orders = [{"id": i, "item": "thing-%d" % i} for i in range(3)]
    produce(registry.bootstrap, topic, [{"value": ser(o, ctx)} for o in orders])
    got = consume(registry.bootstrap, topic)
    schema_id = int.from_bytes(got[0].value()[1:5], "big")
    assert got[0].value()[0] == 0
    assert sr.get_latest_version(topic + "-value").schema_id == schema_id
    assert sr.get_schema(schema_id).schema_type == "JSON"
    des = JSONDeserializer(schema_str)
    assert [des(m.value(), ctx) for m in got] == orders

    # Evolution under the default BACKWARD, by Confluent's JSON Schema rules:
    # an open content model cannot gain a property, a closed one can.
    subject = topic + "-value"
    v1 = json.loads(schema_str)
    open_v2 = dict(v1, properties=dict(v1["properties"], note={"type": "string"}))
    assert sr.test_compatibility(subject, Schema(json.dumps(open_v2), "JSON")) is False
    sr.set_compatibility(subject, "NONE")
    closed_v2 = dict(v1, additionalProperties=False)
    sr.register_schema(subject, Schema(json.dumps(closed_v2), "JSON"))
    sr.set_compatibility(subject, "BACKWARD")
    closed_v3 = dict(closed_v2, properties=dict(v1["properties"], note={"type": "string"}))
    assert sr.test_compatibility(subject, Schema(json.dumps(closed_v3), "JSON")) is True
    sr.register_schema(subject, Schema(json.dumps(closed_v3), "JSON"))
    assert sr.get_versions(subject) == [1, 2, 3]


def test_kafkajs_avro_serializer(registry):
    topic = unique("payments")
    cp = run(["node", "schema_registry_avro.js", registry.bootstrap, registry.registry_url, topic, unique("g")],
             timeout=80, cwd=JS_DIR)
    out = json.loads(cp.stdout.decode())
    assert out["again"] == out["id1"]
    assert out["id2"] == out["id1"] + 1
    assert out["latest"] == out["id2"]
    got = out["got"]
    assert [g["writerId"] for g in got] == [out["id1"], out["id2"]]
    assert got[0]["asWritten"] == {"id": "a", "amount": 1.5}
    assert got[0]["asV2"] == {"id": "a", "amount": 1.5, "currency": "EUR"}  # the new field's default
    assert got[1]["asWritten"] == {"id": "b", "amount": 2.5, "currency": "USD"}
    assert got[1]["asV2"] == got[1]["asWritten"]
    assert out["incompatible"] is not None and out["incompatible"]["status"] == 409


def snapshot(url):
    subjects = requests.get(url + "/subjects?deleted=true").json()
    out = {}
    for s in subjects:
        versions = requests.get(url + "/subjects/%s/versions?deleted=true" % s).json()
        out[s] = [requests.get(url + "/subjects/%s/versions/%d?deleted=true" % (s, v)).json() for v in versions]
    out["config"] = requests.get(url + "/config").json()
    return out


def test_state_rebuilt_from_schemas_topic_after_kill9(registry):
    url = registry.registry_url
    sr = SchemaRegistryClient({"url": url})
    a, b = unique("a"), unique("b")
    sr.register_schema(a, Schema(V1, "AVRO"))
    sr.register_schema(a, Schema(V2, "AVRO"))
    sr.register_schema(b, Schema(V1, "AVRO"))
    sr.register_schema(b, Schema(V2, "AVRO"))
    sr.set_compatibility(level="FULL")
    sr.delete_version(b, 2)
    before = snapshot(url)
    top = max(v["id"] for s in (a, b) for v in before[s])
    registry.kill9()
    registry.start()
    assert snapshot(url) == before
    assert sr.get_compatibility() == "FULL"
    # The next id continues after the highest ever assigned.
    assert sr.register_schema(unique("c"), Schema('"double"', "AVRO")) == top + 1


def test_bad_input(registry):
    url = registry.registry_url
    subject = unique("bad")

    def post(path, body, **kw):
        return requests.post(url + path, data=body, headers=CT, **kw)

    r = requests.post(url + "/subjects/%s/versions" % subject, data={"schema": "x"})  # a form, as curl -d sends
    assert (r.status_code, r.json()["error_code"]) == (415, 415)
    r = post("/subjects/%s/versions" % subject, "{not json")
    assert (r.status_code, r.json()["error_code"]) == (400, 400)
    r = post("/subjects/%s/versions" % subject, json.dumps({"schema": '{"type": "record", "name": "R"}'}))
    assert (r.status_code, r.json()["error_code"]) == (422, 42201)
    r = post("/subjects/%s/versions" % subject, json.dumps({"schema": '"int"', "schemaType": "XML"}))
    assert r.json()["error_code"] == 42201
    r = post("/subjects/%s/versions" % subject, json.dumps({"schema": '"int"'}))
    assert r.status_code == 200 and r.json()["id"] >= 1
    r = requests.get(url + "/subjects/%s/versions/zero" % subject)
    assert (r.status_code, r.json()["error_code"]) == (422, 42202)
    r = requests.get(url + "/subjects/%s/versions/2" % subject)
    assert (r.status_code, r.json()["error_code"]) == (404, 40402)
    r = requests.get(url + "/subjects/nope-%s/versions" % subject)
    assert (r.status_code, r.json()["error_code"]) == (404, 40401)
    r = requests.get(url + "/schemas/ids/424242")
    assert (r.status_code, r.json()["error_code"]) == (404, 40403)
    r = requests.put(url + "/config", data=json.dumps({"compatibility": "MOSTLY"}), headers=CT)
    assert (r.status_code, r.json()["error_code"]) == (422, 42203)
    r = post("/subjects/%s/versions" % subject,
             json.dumps({"schema": '"int"', "references": [{"name": "x", "subject": "missing", "version": 1}]}))
    assert r.json()["error_code"] == 42201
    huge = json.dumps({"schema": json.dumps({"type": "enum", "name": "E",
                                             "symbols": ["S%d" % i for i in range(200000)]})})
    r = post("/subjects/%s/versions" % subject, huge)
    assert r.status_code == 413
    # Still serving, and nothing half-written.
    assert requests.get(url + "/subjects/%s/versions" % subject).json() == [1]
    assert requests.get(url + "/schemas/types").json() == ["JSON", "PROTOBUF", "AVRO"]



def test_cluster_followers_serve_reads_and_failover_keeps_ids(etcd, broker_factory):  # noqa: F811
    """Three brokers: a follower's registry forwards writes to the leader of
    _schemas and relays its answer, every broker serves what is committed,
    and after the leader is killed the new leader continues the ids."""
    from test_cluster import partition_meta, start_cluster
    from sluice_harness import wait_until
    ports = {i: free_port() for i in range(3)}
    brokers = start_cluster(broker_factory, etcd,
                            per_node={i: {"schema.registry.listeners": "http://127.0.0.1:%d" % p}
                                      for i, p in ports.items()})
    url = {i: "http://127.0.0.1:%d" % p for i, p in ports.items()}
    subject = unique("c")

    def register(node, schema):
        return requests.post(url[node] + "/subjects/%s/versions" % subject, headers=CT,
                             data=json.dumps({"schema": schema}))

    # The first write creates _schemas and waits for it, wherever it lands.
    r = register(0, V1)
    assert r.status_code == 200, r.text
    first = r.json()["id"]
    leader = partition_meta(brokers, "_schemas").leader
    assert register(leader, V1).json()["id"] == first
    second = register(leader, V2).json()["id"]
    assert second == first + 1
    follower = next(i for i in range(3) if i != leader)
    r = register(follower, V3_BAD)  # the leader's verdict, relayed
    assert (r.status_code, r.json()["error_code"]) == (409, 409)
    # A request marked as forwarded already is not forwarded again.
    r = requests.post(url[follower] + "/subjects/%s/versions?sluiceForwarded=true" % subject, headers=CT,
                      data=json.dumps({"schema": V2}))
    assert (r.status_code, r.json()["error_code"]) == (500, 50003)
    assert str(leader) in r.json()["message"]
    assert register(follower, V2).json()["id"] == second  # known: its id, through the leader
    for i in range(3):
        wait_until(lambda: requests.get(url[i] + "/subjects/%s/versions" % subject).json() == [1, 2], 20,
                   "node %d serving both versions" % i)
        assert requests.get(url[i] + "/schemas/ids/%d" % second).json()["schema"] == json.dumps(
            json.loads(V2), separators=(",", ":"))

    from test_cluster import by_node
    by_node(brokers, leader).kill9()
    alive = [b for b in brokers if b.running()]
    wait_until(lambda: partition_meta(alive, "_schemas").leader not in (-1, leader), 30, "a new leader")
    new_leader = partition_meta(alive, "_schemas").leader
    other = next(i for i in range(3) if i not in (leader, new_leader))
    wait_until(lambda: requests.put(url[other] + "/config/" + subject, headers=CT,
                                    data=json.dumps({"compatibility": "NONE"})).status_code == 200,
               20, "a config change through the new leader")
    wait_until(lambda: register(other, '"string"').status_code == 200, 20, "a registration through the new leader")
    assert register(new_leader, '"string"').json()["id"] == second + 1


def test_concurrent_registrations_of_one_schema_get_one_id(registry):
    from concurrent.futures import ThreadPoolExecutor
    url, subject = registry.registry_url, unique("race")
    requests.put(url + "/config/" + subject, headers=CT, data=json.dumps({"compatibility": "NONE"}))
    schemas = ['"int"'] * 8 + ['"long"'] * 8 + ['"string"'] * 8

    def register(schema):
        r = requests.post(url + "/subjects/%s/versions" % subject, headers=CT, data=json.dumps({"schema": schema}))
        return schema, r.json()["id"]

    with ThreadPoolExecutor(24) as pool:
        got = list(pool.map(register, schemas))
    ids = {}
    for schema, i in got:
        ids.setdefault(schema, set()).add(i)
    assert all(len(v) == 1 for v in ids.values()), ids
    assert len({next(iter(v)) for v in ids.values()}) == 3
    assert requests.get(url + "/subjects/%s/versions" % subject).json() == [1, 2, 3]


def test_reads_records_written_in_confluents_format(registry):
    """What another registry (Confluent's) writes to _schemas is served: the
    records are produced here by a plain Kafka client, in Confluent's key and
    value formats, with a malformed one among them (skipped)."""
    url = registry.registry_url
    sr = SchemaRegistryClient({"url": url})
    mine = unique("mine")
    first = sr.register_schema(mine, Schema(V1, "AVRO"))  # creates _schemas
    subject = unique("theirs")
    pretty = json.dumps({"type": "object", "properties": {"a": {"type": "string"}}}, indent=2)

    def key(keytype, version=None, subj=subject, magic=0):
        k = {"keytype": keytype}
        if keytype != "NOOP":
            k["subject"] = subj
        if version is not None:
            k["version"] = version
        k["magic"] = magic
        return json.dumps(k).encode()

    records = [
        {"key": key("NOOP"), "value": None},
        {"key": key("SCHEMA", 1, magic=1),
         "value": json.dumps({"subject": subject, "version": 1, "id": first + 10, "schemaType": "JSON",
                              "schema": pretty, "deleted": False}).encode()},
        {"key": key("SCHEMA", 2, magic=1),
         "value": json.dumps({"subject": subject, "version": 2, "id": first + 11,
                              "schema": '"string"', "deleted": False}).encode()},
        {"key": b"not json at all", "value": b"{}"},
        {"key": key("CONFIG", subj=None), "value": json.dumps({"compatibilityLevel": "FORWARD"}).encode()},
        {"key": key("DELETE_SUBJECT"), "value": json.dumps({"subject": subject, "version": 1}).encode()},
    ]
    produce(registry.bootstrap, "_schemas", records)
    assert sr.get_versions(subject) == [2]
    assert requests.get(url + "/subjects/%s/versions?deleted=true" % subject).json() == [1, 2]
    got = sr.get_schema(first + 10)
    assert (got.schema_type, got.schema_str) == ("JSON", pretty)  # stored text kept as written
    assert sr.get_compatibility() == "FORWARD"
    # Ids continue after the highest seen in the topic, whoever wrote it.
    assert sr.register_schema(unique("next"), Schema('"float"', "AVRO")) == first + 12


def test_json_schema_combined_types_evolve_by_confluents_rules(registry):
    sr = SchemaRegistryClient({"url": registry.registry_url})
    subject = unique("payment") + "-value"

    def union(*types, keyword="oneOf"):
        return Schema(json.dumps({"title": "Payment", keyword: [{"type": t} for t in types]}), "JSON")

    sr.register_schema(subject, union("string", "integer"))
    assert sr.test_compatibility(subject, union("string", "integer", "null")) is True  # sum type extended
    assert sr.test_compatibility(subject, union("string")) is False                    # sum type narrowed
    assert sr.test_compatibility(subject, union("string", "number", keyword="anyOf")) is True
    assert sr.test_compatibility(subject, union("string", "integer", keyword="allOf")) is False
    sr.register_schema(subject, union("string", "integer", "null"))
    with pytest.raises(SchemaRegistryError) as e:
        sr.register_schema(subject, union("boolean", "integer", "null"))
    assert e.value.error_code == 409


def test_json_schema_not_conditions_dependencies_and_patterns_evolve(registry):
    """Keywords beyond Confluent's main list are judged, not refused outright:
    a change that keeps every document readable registers, one that does not
    is 409 — through confluent-kafka's client, then a serializer writes with
    the evolved schema."""
    sr = SchemaRegistryClient({"url": registry.registry_url})
    subject = unique("order") + "-value"

    def order(**extra):
        s = {"title": "Order", "type": "object",
             "properties": {"id": {"type": "string"}, "card": {"type": "string"}, "billing": {"type": "string"}}}
        s.update(extra)
        return Schema(json.dumps(s), "JSON")

    v1 = {"patternProperties": {"^x_": {"type": "integer"}}, "dependentRequired": {"card": ["billing", "id"]},
          "oneOf": [{"required": ["id"]}, {"required": ["card"]}], "not": {"required": ["legacy"]}}

    def changed(**keywords):
        """v1 with these keywords replaced (None: left out)."""
        return order(**{k: v for k, v in dict(v1, **keywords).items() if v is not None})

    sr.register_schema(subject, order(**v1))
    checks = {
        "pattern widened": (changed(patternProperties={"^x_": {"type": "number"}}), True),
        "pattern narrowed": (changed(patternProperties={"^x_": {"type": "string"}}), False),
        "dependency narrowed, oneOf extended, not dropped": (
            changed(dependentRequired={"card": ["billing"]}, **{"not": None},
                    oneOf=[{"required": ["id"]}, {"required": ["card"]}, {"required": ["billing"]}]), True),
        "dependency extended": (changed(dependentRequired={"card": ["billing", "id", "zip"]}), False),
        "not widened": (changed(**{"not": {"anyOf": [{"required": ["legacy"]}, {"required": ["old"]}]}}), False),
        "condition added": (changed(**{"if": {"required": ["card"]}, "then": {"required": ["billing"]}}), False),
    }
    for what, (schema, ok) in checks.items():
        assert sr.test_compatibility(subject, schema) is ok, what
    evolved = checks["dependency narrowed, oneOf extended, not dropped"][0]
    sr.register_schema(subject, evolved)
    with pytest.raises(SchemaRegistryError) as e:
        sr.register_schema(subject, checks["dependency extended"][0])
    assert e.value.error_code == 409

    # A serializer finds the evolved schema registered and writes with it.
    ser = JSONSerializer(evolved.schema_str, sr, conf={"auto.register.schemas": False})
    topic = subject[: -len("-value")]
    ctx = SerializationContext(topic, MessageField.VALUE)
    produce(registry.bootstrap, topic, [{"value": ser({"id": "o-1", "x_count": 3}, ctx)}])
    got = consume(registry.bootstrap, topic)[0].value()
    assert got[0] == 0 and int.from_bytes(got[1:5], "big") == sr.get_latest_version(subject).schema_id
    assert JSONDeserializer(evolved.schema_str)(got, ctx) == {"id": "o-1", "x_count": 3}
