"""The schema registry with HTTP Basic authentication
(schema.registry.authentication.method=BASIC): serializers log in as the
broker's SCRAM users, with confluent-kafka's SchemaRegistryClient
(basic.auth.user.info); anything else is Confluent's 401."""

import base64
import json

import pytest
import requests

from sluice_harness import consume, free_port, produce, unique, wait_until
from test_cli import cli
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

CT = {"Content-Type": "application/vnd.schemaregistry.v1+json"}
ORDER = json.dumps({"title": "Order", "type": "object", "properties": {"id": {"type": "integer"}}})


def set_password(broker, user, password, mechanism):
    out, _ = cli("users", "set-scram", user, "--mechanism", mechanism, "--password", password, broker=broker)
    assert "Set the %s credential" % mechanism in out


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}


@pytest.fixture
def registry(broker_factory):
    port = free_port()
    b = broker_factory({"schema.registry.listeners": "http://127.0.0.1:%d" % port,
                        "schema.registry.authentication.method": "BASIC"})
    b.registry_url = "http://127.0.0.1:%d" % port
    set_password(b, "alice", "alice-pw", "SCRAM-SHA-256")
    set_password(b, "bob", "bob-pw", "SCRAM-SHA-512")
    return b


def test_serializers_log_in_as_scram_users(registry):
    topic = unique("orders")
    alice = SchemaRegistryClient({"url": registry.registry_url, "basic.auth.user.info": "alice:alice-pw"})
    bob = SchemaRegistryClient({"url": registry.registry_url, "basic.auth.user.info": "bob:bob-pw"})
    ctx = SerializationContext(topic, MessageField.VALUE)
    produce(registry.bootstrap, topic, [{"value": JSONSerializer(ORDER, alice)({"id": 7}, ctx)}])
    got = consume(registry.bootstrap, topic)[0].value()
    schema_id = int.from_bytes(got[1:5], "big")
    assert bob.get_schema(schema_id).schema_type == "JSON"  # the other user, the other mechanism
    assert JSONDeserializer(ORDER)(got, ctx) == {"id": 7}
    assert bob.get_latest_version(topic + "-value").schema_id == schema_id


def test_bad_credentials_are_confluents_401(registry):
    url = registry.registry_url + "/subjects"
    for headers in ({}, basic("alice", "wrong"), basic("alice", ""), basic("mallory", "alice-pw"),
                    basic("bob", "alice-pw"), {"Authorization": "Bearer alice-pw"},
                    {"Authorization": "Basic not base64!"}, {"Authorization": "Basic " + base64.b64encode(
                        b"no-colon").decode()}):
        r = requests.get(url, headers=headers)
        assert r.status_code == 401, headers
        assert r.json() == {"error_code": 401, "message": "Unauthorized"}
        assert r.headers["WWW-Authenticate"].startswith("Basic")
    # A write without credentials is refused before it is looked at, and
    # nothing is written.
    r = requests.post(url + "/s-value/versions", headers=CT, data=json.dumps({"schema": '"int"'}))
    assert r.status_code == 401
    assert requests.get(url, headers=basic("alice", "alice-pw")).json() == []
    wrong = SchemaRegistryClient({"url": registry.registry_url, "basic.auth.user.info": "alice:nope"})
    with pytest.raises(SchemaRegistryError) as e:
        wrong.register_schema(unique("s") + "-value", Schema('"int"', "AVRO"))
    assert e.value.http_status_code == 401


def test_a_changed_password_takes_effect_at_once(registry):
    url = registry.registry_url + "/subjects"
    assert requests.get(url, headers=basic("alice", "alice-pw")).status_code == 200  # remembered from here on
    set_password(registry, "alice", "new-pw", "SCRAM-SHA-256")
    assert requests.get(url, headers=basic("alice", "alice-pw")).status_code == 401
    assert requests.get(url, headers=basic("alice", "new-pw")).status_code == 200
    cli("users", "delete", "alice", "--mechanism", "SCRAM-SHA-256", broker=registry)
    assert requests.get(url, headers=basic("alice", "new-pw")).status_code == 401


def test_a_follower_forwards_the_clients_credentials(etcd, broker_factory):  # noqa: F811
    """Writes sent to a broker that does not lead _schemas go to the leader
    with the client's Authorization: the leader checks them itself."""
    from test_cluster import partition_meta, start_cluster
    ports = {i: free_port() for i in range(2)}
    brokers = start_cluster(broker_factory, etcd, n=2,
                            per_node={i: {"schema.registry.listeners": "http://127.0.0.1:%d" % p,
                                          "schema.registry.authentication.method": "BASIC"}
                                      for i, p in ports.items()})
    set_password(brokers[0], "carol", "carol-pw", "SCRAM-SHA-512")
    url = {i: "http://127.0.0.1:%d" % p for i, p in ports.items()}
    subject = unique("fwd") + "-value"
    auth = basic("carol", "carol-pw")

    def register(node, schema, headers):
        return requests.post(url[node] + "/subjects/%s/versions" % subject, headers=dict(CT, **headers),
                             data=json.dumps({"schema": schema}))

    r = register(0, '"int"', auth)
    assert r.status_code == 200, r.text
    leader = partition_meta(brokers, "_schemas").leader
    follower = 1 - leader
    assert register(follower, '"int"', auth).json()["id"] == r.json()["id"]
    assert register(follower, '"long"', basic("carol", "bad")).status_code == 401
    # The follower serves what is committed, once it has it.
    c = SchemaRegistryClient({"url": url[follower], "basic.auth.user.info": "carol:carol-pw"})
    wait_until(lambda: requests.get(url[follower] + "/subjects", headers=auth).json() == [subject], 20,
               "the follower serving the subject")
    assert c.get_versions(subject) == [1]
