"""kafkajs 2.2.4 against sluiced: admin (createTopics, fetchTopicMetadata,
describeConfigs, describeCluster, fetchTopicOffsets, listTopics,
deleteTopics) and the producer (acks=-1, gzip, keys, headers, timestamps).

kafkajs can only consume through a consumer group, which sluiced does not
have yet; what kafkajs produced is read back with confluent-kafka instead.
The group consumer test lives in test_kafkajs_groups.py.pending until
consumer groups land."""

import json
import os

import pytest

from sluice_harness import CODECS, codecs_in, consume, run, topic_names, unique, wait_until

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


def node(script, *args, timeout=70):
    cp = run(["node", script] + [str(a) for a in args], timeout=timeout, cwd=JS_DIR)
    return json.loads(cp.stdout.decode())


def jsadmin(broker, *args):
    return node("admin.js", broker.bootstrap, *args)


def test_node_and_kafkajs_are_installed():
    cp = run(["node", "-e", "process.stdout.write(require('kafkajs/package.json').version)"],
             cwd=JS_DIR, timeout=30)
    assert cp.stdout.decode() == "2.2.4"


def test_admin_create_metadata_describe_delete(broker):
    topic = unique("js-admin")
    assert jsadmin(broker, "create", topic, 3, "retention.ms=3600000") == {"created": True}
    # Creating it again is TOPIC_ALREADY_EXISTS, which kafkajs reports as false.
    assert jsadmin(broker, "create", topic, 3) == {"created": False}

    md = jsadmin(broker, "metadata", topic)
    [t] = md["topics"]
    assert t["name"] == topic
    parts = sorted(t["partitions"], key=lambda p: p["partitionId"])
    assert [p["partitionId"] for p in parts] == [0, 1, 2]
    for p in parts:
        assert p["partitionErrorCode"] == 0
        assert p["leader"] == 0
        assert p["replicas"] == [0]
        assert p["isr"] == [0]

    desc = jsadmin(broker, "describe", topic)
    [res] = desc["resources"]
    assert res["errorCode"] == 0
    assert res["resourceName"] == topic
    entries = {e["configName"]: e for e in res["configEntries"]}
    assert entries["retention.ms"]["configValue"] == "3600000"
    assert entries["retention.ms"]["isDefault"] is False
    assert entries["cleanup.policy"]["configValue"] == "delete"

    bdesc = jsadmin(broker, "describe-broker", "0")
    [bres] = bdesc["resources"]
    assert bres["errorCode"] == 0
    bentries = {e["configName"]: e for e in bres["configEntries"]}
    assert bentries["message.max.bytes"]["configValue"] == "1048588"

    cluster = jsadmin(broker, "cluster")
    assert cluster["brokers"] == [{"nodeId": 0, "host": "127.0.0.1", "port": broker.port}]
    assert cluster["controller"] == 0

    assert topic in jsadmin(broker, "list")
    assert jsadmin(broker, "delete", topic) == {"deleted": True}
    wait_until(lambda: topic not in jsadmin(broker, "list"), 20, "deleted topic to leave listTopics")
    assert topic not in topic_names(broker.bootstrap)


@pytest.mark.parametrize("compression", ["gzip", "none"])
def test_produce_acks_all_then_verify_with_other_clients(broker_factory, compression):
    broker = broker_factory({"num.partitions": "1"})
    topic = unique("js-" + compression)
    n = 50
    # The topic does not exist: the kafkajs producer auto-creates it.
    out = node("produce.js", broker.bootstrap, topic, n, compression, 0)
    base = out["base"]
    metas = [m for send in out["sends"] for m in send]
    assert len(metas) == n // 10
    for i, m in enumerate(metas):
        assert m["topicName"] == topic
        assert m["partition"] == 0
        assert m["errorCode"] == 0
        assert m["baseOffset"] == str(10 * i)

    offsets = jsadmin(broker, "offsets", topic)
    assert offsets == [{"partition": 0, "offset": str(n), "high": str(n), "low": "0"}]

    got = consume(broker.bootstrap, topic, 0, 0)
    assert len(got) == n
    for i, m in enumerate(got):
        assert m.offset() == i
        assert m.key() == b"key-%d" % i
        assert m.value() == (b"value-%d " % i) + b"kafkajs " * 20
        assert m.headers() == [("h", b"hv-%d" % i), ("fixed", b"yes")]
        assert m.timestamp()[1] == base + i

    segs = broker.segment_files(topic, 0)
    assert segs
    assert codecs_in(segs) == {CODECS[compression]}
    # kafkajs sends one batch per send() call of 10 messages.
    assert [h.record_count for h in broker.batch_headers(topic, 0)] == [10] * (n // 10)
