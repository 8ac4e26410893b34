"""Schema-id validation on a broker that holds no replica of `_schemas`: a
schema registered through another broker a moment ago is accepted when a
record framed with its id is produced to a topic the outsider leads at once
(the produce waits for the outsider's remote reader to fetch it), round
after round; an id never registered is still refused, after the bounded
wait."""

import json
import os
import signal
import socket
import struct
import threading
import time

import requests

from sluice_harness import admin, free_port, produce, producer, unique, wait_until
from test_cluster import bootstrap_of, partition_meta, start_cluster
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

from confluent_kafka.admin import NewTopic

CT = {"Content-Type": "application/vnd.schemaregistry.v1+json"}


def framed(schema_id, payload=b"{}"):
    return b"\x00" + struct.pack(">i", schema_id) + payload


def test_outsider_accepts_an_id_registered_elsewhere_a_moment_ago(etcd, broker_factory):  # noqa: F811
    ports = {i: free_port() for i in range(4)}
    brokers = start_cluster(broker_factory, etcd, n=4,
                            per_node={i: {"schema.registry.listeners": "http://127.0.0.1:%d" % p}
                                      for i, p in ports.items()})
    url = {i: "http://127.0.0.1:%d" % p for i, p in ports.items()}
    topic = unique("caught_up")
    subject = topic + "-value"

    def register(at, n):
        r = requests.post(url[at] + "/subjects/%s/versions" % subject, headers=CT, timeout=10,
                          data=json.dumps({"schema": json.dumps({"title": "T%d" % n, "type": "object"}),
                                           "schemaType": "JSON"}))
        assert r.status_code == 200, r.text
        return r.json()["id"]

    requests.put(url[0] + "/config", headers=CT, timeout=10, data=json.dumps({"compatibility": "NONE"}))
    first = register(0, -1)  # creates _schemas, three replicas of four
    wait_until(lambda: len(partition_meta(brokers, "_schemas").replicas) == 3, 15, "_schemas on three brokers")
    meta = partition_meta(brokers, "_schemas")
    outsider = next(i for i in range(4) if i not in meta.replicas)
    others = [i for i in range(4) if i != outsider][:2]
    # The outsider's remote reader running (it starts once its metadata names the leader).
    wait_until(lambda: requests.get(url[outsider] + "/schemas/ids/%d" % first, timeout=10).status_code == 200, 20,
               "the outsider reading _schemas")
    fs = admin(bootstrap_of(brokers)).create_topics(
        [NewTopic(topic, num_partitions=1, replica_assignment=[[outsider] + others],
                  config={"confluent.value.schema.validation": "true"})], request_timeout=15)
    fs[topic].result(15)
    wait_until(lambda: partition_meta(brokers, topic).leader == outsider, 15, "the outsider leading the topic")

    # Registered through the leader of _schemas, produced at once through
    # the outsider by a producer that already knows the topic's leader.
    p = producer(bootstrap_of(brokers), retries=0, message_timeout_ms=10000, linger_ms=0)
    p.list_topics(topic, timeout=10)
    for n in range(20):
        schema_id = register(meta.leader, n)
        errors = []
        p.produce(topic, framed(schema_id), on_delivery=lambda err, msg: errors.append(err))
        assert p.flush(15) == 0
        assert errors == [None], (n, schema_id, errors)

    # An id nobody registered: refused once the bounded wait is over.
    started = time.monotonic()
    d = produce(bootstrap_of(brokers), topic, [{"value": framed(10**6)}], check=False, retries=0,
                message_timeout_ms=10000)
    assert [f[0].name() for f in d.failed] == ["INVALID_RECORD"]
    assert time.monotonic() - started < 8


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_a_restarted_outsider_answers_reads_with_everything_committed(etcd, broker_factory):  # noqa: F811
    """Right after a restart the outsider has applied nothing yet: its reads
    wait (bounded) for its remote reader to catch up with what the leader
    has committed, rather than answer from an empty state."""
    ports = {i: free_port() for i in range(4)}
    brokers = start_cluster(broker_factory, etcd, n=4,
                            per_node={i: {"schema.registry.listeners": "http://127.0.0.1:%d" % p}
                                      for i, p in ports.items()})
    url = {i: "http://127.0.0.1:%d" % p for i, p in ports.items()}
    subjects = [unique("restart") + "-value" for _ in range(30)]
    ids = {}
    for n, s in enumerate(subjects):
        r = requests.post(url[0] + "/subjects/%s/versions" % s, headers=CT, timeout=10,
                          data=json.dumps({"schema": json.dumps({"title": "R%d" % n, "type": "object"}),
                                           "schemaType": "JSON"}))
        assert r.status_code == 200, r.text
        ids[s] = r.json()["id"]
    wait_until(lambda: len(partition_meta(brokers, "_schemas").replicas) == 3, 15, "_schemas on three brokers")
    outsider = next(i for i in range(4) if i not in partition_meta(brokers, "_schemas").replicas)
    wait_until(lambda: requests.get(url[outsider] + "/subjects", timeout=10).json() == sorted(subjects), 20,
               "the outsider serving every subject")

    # The leader of _schemas stopped while the outsider restarts: its first
    # fetch cannot be answered yet, so a read must wait for it, not answer
    # from the empty state; the leader goes on 0.4 s later.
    leader = next(x for x in brokers if x.overrides["node.id"] == str(partition_meta(brokers, "_schemas").leader))
    b = next(x for x in brokers if x.overrides["node.id"] == str(outsider))
    last = subjects[-1]
    for _ in range(2):
        b.stop()
        os.kill(leader.pid, signal.SIGSTOP)
        got = {}
        try:
            b.start()
            wait_until(lambda: listening(ports[outsider]), 20, "the restarted outsider's registry listener")

            def read():
                got["subjects"] = requests.get(url[outsider] + "/subjects", timeout=10).json()
                got["latest"] = requests.get(url[outsider] + "/subjects/%s/versions/latest" % last, timeout=10).json()

            reader = threading.Thread(target=read)
            reader.start()
            time.sleep(0.4)
        finally:
            os.kill(leader.pid, signal.SIGCONT)
        reader.join(15)
        assert got["subjects"] == sorted(subjects)
        assert got["latest"]["id"] == ids[last]
