"""Admin APIs across a cluster: etcd and three sluiced (racks a, b, c), as
Kafka serves them.

- CreateTopics / CreatePartitions with explicit replica assignments
  (confluent-kafka's replica_assignment, librdkafka's test 0081), checked as
  Kafka checks them: INVALID_REPLICA_ASSIGNMENT for a duplicate or unknown
  broker or an uneven replica count, INVALID_REQUEST for assignments sent
  with a partition count or replication factor, INVALID_REPLICATION_FACTOR
  above the live brokers; validate_only checks and creates nothing.
- New partitions without assignments are placed rack-aware with the topic's
  replication factor.
- DescribeCluster (raw: confluent-kafka 1.7 has no describe_cluster) lists
  every live broker with its rack, and the controller.
- DescribeLogDirs (raw, per broker) lists only the replicas a broker hosts.
- ElectLeaders (raw: no ElectionType in confluent-kafka 1.7): preferred
  election moves leadership back; ELECTION_NOT_NEEDED,
  PREFERRED_LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION.
- A single node (no etcd) takes assignments naming only itself.
"""

import pytest

import kafka_wire as kw
from sluice_harness import admin, unique, wait_topic, wait_until
from test_cluster import SESSION_MS, bootstrap_of, by_node, partition_meta
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

T = 15
RACKS = ["a", "b", "c"]

INVALID_REQUEST = 42
INVALID_REPLICA_ASSIGNMENT = 39
INVALID_REPLICATION_FACTOR = 38
UNKNOWN_TOPIC_OR_PARTITION = 3
PREFERRED_LEADER_NOT_AVAILABLE = 80
ELECTION_NOT_NEEDED = 84

API_CREATE_TOPICS = 19
API_DESCRIBE_LOG_DIRS = 35
API_ELECT_LEADERS = 43
API_ALTER_PARTITION_REASSIGNMENTS = 45
API_LIST_PARTITION_REASSIGNMENTS = 46
API_DESCRIBE_CLUSTER = 60


def start_racked_cluster(broker_factory, etcd_url, extra=None):
    conf = {
        "metadata.etcd.endpoints": etcd_url,
        "metadata.etcd.prefix": "/" + unique("c"),
        "metadata.etcd.session.timeout.ms": str(SESSION_MS),
        "replica.lag.time.max.ms": "2000",
    }
    conf.update(extra or {})
    brokers = [broker_factory(dict(conf, **{"node.id": str(i), "broker.rack": RACKS[i]}), name="sluiced-%d" % i)
               for i in range(3)]
    wait_until(lambda: len(admin(brokers[0].bootstrap).list_topics(timeout=10).brokers) == 3, 20,
               "every broker registered")
    return brokers


def error_of(future):
    from confluent_kafka import KafkaException
    with pytest.raises(KafkaException) as e:
        future.result(T)
    return e.value.args[0].code()


def wait_topic_on_every_broker(brokers, topic, partitions):
    # Brokers apply a change from etcd independently (as Kafka's apply it from
    # the controller): one broker showing it says nothing of the others.
    def shown_by(b):
        with kw.connect(b.port, 5) as s:
            md = kw.parse_metadata_v1(kw.roundtrip(s, kw.API_METADATA, 1, 3, kw.metadata_v1_body([topic])))
        t = md["topics"][0]
        return t["error_code"] == 0 and len(t["partitions"]) == partitions and \
            all(p["leader"] >= 0 for p in t["partitions"])

    for b in brokers:
        wait_until(lambda: shown_by(b), T, "broker %s shows %d partitions of %s" % (b.overrides["node.id"], partitions, topic))


def replicas_of(brokers, topic):
    md = admin(bootstrap_of(brokers)).list_topics(topic, timeout=10).topics[topic]
    return {p: list(m.replicas) for p, m in md.partitions.items()}


def call(broker, api_key, version, body, flexible=False):
    s = kw.connect(broker.port)
    try:
        r = kw.roundtrip(s, api_key, version, 1, body, flexible=flexible, timeout=T)
        if flexible:
            r.tagged_fields()  # response header v1
        return r
    finally:
        s.close()


# ---- raw requests -----------------------------------------------------------

def create_topics_v5(broker, name, num_partitions, replication_factor, assignments, validate_only=False):
    """CreateTopics v5 (flexible, echoes the partition count and factor):
    returns (error_code, num_partitions, replication_factor)."""
    def assignment(item):
        p, ids = item
        return kw.int32(p) + kw.compact_array(ids, kw.int32) + kw.EMPTY_TAGGED_FIELDS

    topic = (kw.compact_string(name) + kw.int32(num_partitions) + kw.int16(replication_factor) +
             kw.compact_array(list(assignments.items()), assignment) + kw.compact_array([]) +
             kw.EMPTY_TAGGED_FIELDS)
    body = (kw.compact_array([topic]) + kw.int32(10000) + kw.int8(1 if validate_only else 0) +
            kw.EMPTY_TAGGED_FIELDS)
    r = call(broker, API_CREATE_TOPICS, 5, body, flexible=True)
    r.int32()  # throttle

    def config(rr):
        rr.compact_string(), rr.compact_string(), rr.bool(), rr.int8(), rr.bool(), rr.tagged_fields()

    def result(rr):
        rr.compact_string()
        code = rr.int16()
        rr.compact_string()
        partitions, factor = rr.int32(), rr.int16()
        rr.compact_array(config)
        rr.tagged_fields()
        return code, partitions, factor

    (out,) = r.compact_array(result)
    return out


def describe_cluster(broker):
    """DescribeCluster v0: (controller id, {id: (host, port, rack)})."""
    r = call(broker, API_DESCRIBE_CLUSTER, 0, kw.int8(0) + kw.EMPTY_TAGGED_FIELDS, flexible=True)
    r.int32()
    assert r.int16() == 0
    r.compact_string()
    r.compact_string()  # cluster id
    controller = r.int32()

    def node(rr):
        out = (rr.int32(), rr.compact_string(), rr.int32(), rr.compact_string())
        rr.tagged_fields()
        return out

    brokers = {b[0]: b[1:] for b in r.compact_array(node)}
    return controller, brokers


def list_partition_reassignments(broker, topics):
    """ListPartitionReassignments v0 ({topic: [p...]} or None): (error, [topic names])."""
    def t(item):
        name, ps = item
        return kw.compact_string(name) + kw.compact_array(ps, kw.int32) + kw.EMPTY_TAGGED_FIELDS

    items = None if topics is None else list(topics.items())
    r = call(broker, API_LIST_PARTITION_REASSIGNMENTS, 0,
             kw.int32(10000) + kw.compact_array(items, t) + kw.EMPTY_TAGGED_FIELDS, flexible=True)
    r.int32()
    code = r.int16()
    r.compact_string()

    def topic(rr):
        name = rr.compact_string()
        rr.compact_array(lambda x: x.int32())  # never reached: the list is empty
        return name

    return code, r.compact_array(topic)


def describe_log_dirs(broker):
    """DescribeLogDirs v1 for every partition: {(topic, partition)} hosted there."""
    r = call(broker, API_DESCRIBE_LOG_DIRS, 1, kw.int32(-1))
    r.int32()

    def part(rr):
        p = rr.int32()
        rr.int64(), rr.int64(), rr.bool()
        return p

    def topic(rr):
        return rr.string(), rr.array(part)

    hosted = set()
    for _ in range(r.int32()):
        assert r.int16() == 0
        r.string()
        for name, parts in r.array(topic):
            hosted |= {(name, p) for p in parts}
    return hosted


def elect_leaders(broker, partitions, election_type=0):
    """ElectLeaders v1; partitions {topic: [p...]} or None (all): {(topic, p): error}."""
    def tp(item):
        t, ps = item
        return kw.string(t) + kw.array(ps, kw.int32)

    items = None if partitions is None else list(partitions.items())
    body = kw.int8(election_type) + kw.array(items, tp) + kw.int32(10000)
    r = call(broker, API_ELECT_LEADERS, 1, body)
    r.int32()
    assert r.int16() == 0

    def result(rr):
        p, code = rr.int32(), rr.int16()
        rr.string()
        return p, code

    out = {}
    for _ in range(r.int32()):
        t = r.string()
        for p, code in r.array(result):
            out[(t, p)] = code
    return out



def brokers_seen_by(broker):
    """The brokers of a raw Metadata v13 answer (no topics asked for)."""
    body = kw.uvarint(1) + kw.int8(0) + kw.int8(0) + kw.uvarint(0)  # empty topic list, no auto-create, no operations
    with kw.connect(broker.port, 5) as s:
        return kw.parse_metadata_v13(kw.roundtrip(s, kw.API_METADATA, 13, 7, body, flexible=True))["brokers"]

# ---- tests --------------------------------------------------------------------

def test_create_topics_with_replica_assignments(etcd, broker_factory):
    from confluent_kafka.admin import NewTopic
    brokers = start_racked_cluster(broker_factory, etcd)
    a = admin(bootstrap_of(brokers))
    topic = unique("assigned")
    wanted = [[1, 2], [2, 0], [0, 1]]
    a.create_topics([NewTopic(topic, len(wanted), replica_assignment=wanted)], request_timeout=T)[topic].result(T)
    assert replicas_of(brokers, topic) == {0: [1, 2], 1: [2, 0], 2: [0, 1]}
    wait_until(lambda: all(partition_meta(brokers, topic, p).leader == wanted[p][0] for p in range(3)), T,
               "each partition led by its first replica")

    # Each broker's log dirs hold exactly its own replicas.
    for node in range(3):
        hosted = {p for (t, p) in describe_log_dirs(by_node(brokers, node)) if t == topic}
        assert hosted == {p for p, ids in enumerate(wanted) if node in ids}, node

    # The answer carries the real factor and count; validate_only creates nothing.
    checked = unique("checked")
    assert create_topics_v5(brokers[0], checked, -1, -1, {0: [0, 1, 2], 1: [1, 2, 0]}, validate_only=True) == (0, 2, 3)
    assert checked not in a.list_topics(timeout=10).topics
    assert create_topics_v5(brokers[1], checked, -1, -1, {0: [2, 1]}) == (0, 1, 2)
    assert replicas_of(brokers, checked) == {0: [2, 1]}

    # Bad input: every refusal creates nothing.
    bad = {
        "dup": [[0, 0]],
        "unknown": [[0, 7]],
        "uneven": [[0, 1], [2]],
    }
    for what, assignment in bad.items():
        name = unique("bad-" + what)
        fs = a.create_topics([NewTopic(name, len(assignment), replica_assignment=assignment)], request_timeout=T)
        assert error_of(fs[name]) == INVALID_REPLICA_ASSIGNMENT, what
        fs = a.create_topics([NewTopic(name, len(assignment), replica_assignment=assignment)], request_timeout=T,
                             validate_only=True)
        assert error_of(fs[name]) == INVALID_REPLICA_ASSIGNMENT, what
        assert name not in a.list_topics(timeout=10).topics
    gap = unique("bad-gap")
    assert create_topics_v5(brokers[0], gap, -1, -1, {0: [0], 2: [1]})[0] == INVALID_REPLICA_ASSIGNMENT
    assert create_topics_v5(brokers[0], gap, 2, -1, {0: [0], 1: [1]})[0] == INVALID_REQUEST
    assert create_topics_v5(brokers[0], gap, -1, 1, {0: [0], 1: [1]})[0] == INVALID_REQUEST
    fs = a.create_topics([NewTopic(gap, 1, 4)], request_timeout=T)
    assert error_of(fs[gap]) == INVALID_REPLICATION_FACTOR
    assert gap not in a.list_topics(timeout=10).topics


def test_create_partitions_with_assignments_and_rack_aware_placement(etcd, broker_factory):
    from confluent_kafka.admin import NewPartitions, NewTopic
    brokers = start_racked_cluster(broker_factory, etcd)
    a = admin(bootstrap_of(brokers))
    topic = unique("grow")
    a.create_topics([NewTopic(topic, 1, 2)], request_timeout=T)[topic].result(T)

    for what, assignment in {"count": [[0, 1]], "dup": [[0, 0], [1, 2]], "unknown": [[0, 9], [1, 2]],
                             "factor": [[0, 1, 2], [1, 2, 0]]}.items():
        fs = a.create_partitions([NewPartitions(topic, 3, replica_assignment=assignment)], request_timeout=T)
        assert error_of(fs[topic]) == INVALID_REPLICA_ASSIGNMENT, what
    fs = a.create_partitions([NewPartitions(topic, 3, replica_assignment=[[2, 0], [1, 2]])], request_timeout=T,
                             validate_only=True)
    fs[topic].result(T)
    assert len(replicas_of(brokers, topic)) == 1

    a.create_partitions([NewPartitions(topic, 3, replica_assignment=[[2, 0], [1, 2]])],
                        request_timeout=T)[topic].result(T)
    wait_topic_on_every_broker(brokers, topic, 3)
    got = replicas_of(brokers, topic)
    assert got[1] == [2, 0] and got[2] == [1, 2]

    # Placed by the cluster: the topic's factor, never two replicas in one rack.
    a.create_partitions([NewPartitions(topic, 9)], request_timeout=T)[topic].result(T)
    wait_topic_on_every_broker(brokers, topic, 9)
    got = replicas_of(brokers, topic)
    for p in range(3, 9):
        assert len(got[p]) == 2 and len({RACKS[b] for b in got[p]}) == 2, got[p]
    assert {got[p][0] for p in range(3, 9)} == {0, 1, 2}, "leaders spread over every broker"


def test_describe_cluster_lists_every_broker_and_the_controller(etcd, broker_factory):
    brokers = start_racked_cluster(broker_factory, etcd)
    md = admin(brokers[0].bootstrap).list_topics(timeout=10)
    for b in brokers:
        controller, nodes = describe_cluster(b)
        assert controller == md.controller_id and controller in (0, 1, 2)
        assert nodes == {i: ("127.0.0.1", by_node(brokers, i).port, RACKS[i]) for i in range(3)}
        # Metadata shows the same racks, this broker's own included.
        assert {n["node_id"]: n["rack"] for n in brokers_seen_by(b)} == {i: RACKS[i] for i in range(3)}
    # No replica is ever being moved.
    assert list_partition_reassignments(brokers[1], None) == (0, [])
    assert list_partition_reassignments(brokers[1], {"no-such-topic": [0]}) == (0, [])
    # A broker gone is gone from the answer.
    by_node(brokers, 2).stop()
    wait_until(lambda: sorted(describe_cluster(brokers[0])[1]) == [0, 1], T, "broker 2 out of DescribeCluster")


def test_elect_leaders_moves_leadership_to_the_preferred_replica(etcd, broker_factory):
    brokers = start_racked_cluster(broker_factory, etcd, {"auto.leader.rebalance.enable": "false"})
    a = admin(bootstrap_of(brokers))
    topic = unique("elect")
    from confluent_kafka.admin import NewTopic
    fs = a.create_topics([NewTopic(topic, 2, replica_assignment=[[0, 1, 2], [1, 2, 0]])], request_timeout=T)
    fs[topic].result(T)
    wait_until(lambda: partition_meta(brokers, topic, 0).leader == 0, T, "broker 0 leading partition 0")

    assert elect_leaders(brokers[1], {topic: [0, 1]}) == {(topic, 0): ELECTION_NOT_NEEDED,
                                                          (topic, 1): ELECTION_NOT_NEEDED}
    assert elect_leaders(brokers[1], {"no-such-topic": [0], topic: [5]}) == {
        ("no-such-topic", 0): UNKNOWN_TOPIC_OR_PARTITION, (topic, 5): UNKNOWN_TOPIC_OR_PARTITION}
    assert elect_leaders(brokers[1], None) == {}, "all partitions: only those that needed an election"
    # Unclean election: only for a partition without a leader.
    assert elect_leaders(brokers[1], {topic: [0]}, election_type=1) == {(topic, 0): ELECTION_NOT_NEEDED}

    # Broker 0 goes: partition 0 moves away; ElectLeaders cannot bring it back yet.
    zero = by_node(brokers, 0)
    zero.stop()
    wait_until(lambda: partition_meta(brokers, topic, 0).leader in (1, 2), T, "a new leader for partition 0")
    assert elect_leaders(brokers[1], {topic: [0]}) == {(topic, 0): PREFERRED_LEADER_NOT_AVAILABLE}

    # Back and in sync: without auto rebalance it stays a follower until asked.
    zero.start()
    wait_until(lambda: 0 in partition_meta(brokers, topic, 0).isrs, 30, "broker 0 back in the ISR")
    assert partition_meta(brokers, topic, 0).leader != 0
    assert elect_leaders(brokers[2], None) == {(topic, 0): 0}
    wait_until(lambda: partition_meta(brokers, topic, 0).leader == 0, T, "broker 0 leading partition 0 again")
    assert elect_leaders(brokers[2], {topic: [0]}) == {(topic, 0): ELECTION_NOT_NEEDED}


def test_single_node_takes_assignments_naming_itself(broker_factory):
    from confluent_kafka.admin import NewPartitions, NewTopic
    b = broker_factory()
    a = admin(b.bootstrap)
    topic = unique("single")
    a.create_topics([NewTopic(topic, 2, replica_assignment=[[0], [0]])], request_timeout=T)[topic].result(T)
    wait_topic(b.bootstrap, topic, 2, T)
    fs = a.create_topics([NewTopic(unique("single-bad"), 1, replica_assignment=[[1]])], request_timeout=T)
    assert error_of(list(fs.values())[0]) == INVALID_REPLICA_ASSIGNMENT
    fs = a.create_topics([NewTopic(unique("single-rf"), 1, 2)], request_timeout=T)
    assert error_of(list(fs.values())[0]) == INVALID_REPLICATION_FACTOR
    a.create_partitions([NewPartitions(topic, 3, replica_assignment=[[0]])], request_timeout=T)[topic].result(T)
    wait_topic(b.bootstrap, topic, 3, T)

    assert describe_cluster(b) == (0, {0: ("127.0.0.1", b.port, None)})
    assert {p for (t, p) in describe_log_dirs(b) if t == topic} == {0, 1, 2}
    assert elect_leaders(b, {topic: [0, 7]}) == {(topic, 0): ELECTION_NOT_NEEDED,
                                                 (topic, 7): UNKNOWN_TOPIC_OR_PARTITION}
    assert elect_leaders(b, None) == {}
    s = kw.connect(b.port)
    try:
        r = kw.roundtrip(s, kw.API_API_VERSIONS, 0, 1, kw.api_versions_v0_body())
        apis = kw.parse_api_versions_v0(r)[1]
        assert apis[API_ELECT_LEADERS] == (0, 2)
        assert apis[API_LIST_PARTITION_REASSIGNMENTS] == (0, 0)
        assert apis[API_ALTER_PARTITION_REASSIGNMENTS] == (0, 0)
    finally:
        s.close()
