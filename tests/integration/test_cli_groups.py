"""`sluice groups list|describe|reset-offsets|delete`, `sluice lag`,
`sluice cluster`, `--json` and `tools/kafka/bin/kafka-consumer-groups.sh`
against real sluiced brokers, with confluent-kafka (librdkafka) consumers
committing the offsets and then starting where a reset put them. The
3-broker test places the group's coordinator and the partitions' leaders on
different brokers and talks to a broker that is neither.
"""

import json
import os
import subprocess
import time

from confluent_kafka import Consumer, TopicPartition

import group_helpers as gh
from sluice_harness import HERE, create_topic, produce, unique, wait_until
from test_cli import cli, cli_path
from test_cluster import bootstrap_of, by_node, create_replicated, start_cluster
from test_etcd_metadata import etcd  # noqa: F401  (the fixture)

SCRIPT = os.path.normpath(os.path.join(HERE, "..", "..", "tools", "kafka", "bin", "kafka-consumer-groups.sh"))


def sl(bootstrap, *args, rc=0):
    return cli(*args, "-b", bootstrap, rc=rc)


def rows(text):
    """Whitespace-split rows under the header line of a table (a script's view)."""
    lines = [l for l in text.splitlines() if l.strip()]
    header = lines[0].split()
    return header, [l.split() for l in lines[1:]]


def describe_rows(bootstrap, group):
    out, _ = sl(bootstrap, "groups", "describe", "--group", group)
    header, body = rows(out)
    assert header == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID",
                      "HOST", "CLIENT-ID"]
    return {(r[1], int(r[2])): r for r in body}


def committed(bootstrap, group, topic, partitions):
    """The group's committed offsets as librdkafka reads them (no join)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        got = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=15)
        return {tp.partition: tp.offset for tp in got}
    finally:
        c.close()


def first_offsets(bootstrap, group, topic, partitions, timeout=30):
    """Joins the group with a real consumer and returns the first offset it
    reads from each partition (it starts at the committed offsets)."""
    m = gh.CKMember(bootstrap, group, [topic], name=unique("reader"), conf={"auto.offset.reset": "latest"}).start()
    firsts = {}
    try:
        def done():
            m.check()
            for (_t, p, off, _v) in m.consumed():
                firsts.setdefault(p, off)
            return len(firsts) == partitions
        wait_until(done, timeout, "a record from every partition")
    finally:
        m.close()
    return firsts


def consume_and_commit(bootstrap, group, topic, count, name="c1"):
    m = gh.CKMember(bootstrap, group, [topic], name=name, commit_each=True).start()
    try:
        gh.wait_consumed([m], count)
    finally:
        m.close()


def setup_group(broker, partitions=3, per_partition=10):
    topic, group = unique("gt"), unique("g")
    create_topic(broker.bootstrap, topic, partitions)
    produce(broker.bootstrap, topic, gh.messages_for(topic, partitions, per_partition))
    consume_and_commit(broker.bootstrap, group, topic, partitions * per_partition)
    return topic, group


def test_list_describe_and_lag_show_what_a_consumer_committed(broker_factory):
    broker = gh.group_broker(broker_factory)
    b = broker.bootstrap
    topic, group = setup_group(broker)
    produce(b, topic, [{"value": b"late-%d" % i, "partition": 0} for i in range(5)])

    out, _ = sl(b, "groups", "list")
    assert group in out.split()
    out, _ = sl(b, "groups", "list", "--state")
    header, body = rows(out)
    assert header == ["GROUP", "STATE"] and [group, "Empty"] in body
    assert [group, "Empty"] in rows(sl(b, "groups", "list", "--states", "empty,STABLE")[0])[1]
    assert group not in sl(b, "groups", "list", "--states", "Stable")[0].split()
    _, err = sl(b, "groups", "list", "--states", "Sleeping", rc=2)
    assert "invalid state list 'Sleeping'" in err

    got = describe_rows(b, group)
    assert sorted(got) == [(topic, 0), (topic, 1), (topic, 2)]
    assert got[(topic, 0)][3:6] == ["10", "15", "5"]
    assert got[(topic, 1)][3:6] == ["10", "10", "0"] and got[(topic, 1)][6:] == ["-", "-", "-"]

    out, _ = sl(b, "lag", group)
    assert out.strip().splitlines()[-1] == "TOTAL LAG: 5"
    doc = json.loads(sl(b, "lag", group, "--json")[0])
    assert doc["total_lag"] == 5 and doc["state"] == "Empty"
    assert {(p["topic"], p["partition"]): p["lag"] for p in doc["partitions"]} == {(topic, 0): 5, (topic, 1): 0,
                                                                                     (topic, 2): 0}

    # describe --json carries the same rows as the text.
    doc = json.loads(sl(b, "groups", "describe", "--group", group, "--json")[0])
    (g,) = doc["groups"]
    assert g["group"] == group and g["state"] == "Empty"
    as_text = {(r["topic"], r["partition"]): [str(r["current_offset"]), str(r["log_end_offset"]), str(r["lag"])]
               for r in g["offsets"]}
    assert as_text == {k: v[3:6] for k, v in got.items()}

    # Several groups: each table, and an error (exit 1) for the one missing.
    missing = unique("missing")
    out, err = sl(b, "groups", "describe", "--group", group, "--group", missing, rc=1)
    assert sorted(r[2] for r in rows(out)[1]) == ["0", "1", "2"]
    assert "Error: Consumer group '%s' does not exist." % missing in err
    out, _ = sl(b, "groups", "describe", "--all-groups")
    assert {(r[0], r[2]) for r in rows(out)[1]} == {(group, "0"), (group, "1"), (group, "2")}


def test_describe_an_active_group_and_refuse_to_reset_it(broker_factory):
    broker = gh.group_broker(broker_factory)
    b = broker.bootstrap
    topic, group = setup_group(broker)
    member = gh.CKMember(b, group, [topic], name="active-member").start()
    try:
        gh.wait_balanced([member], topic, 3)
        gh.wait_group_state(broker.port, group, "Stable")
        got = describe_rows(b, group)
        for key in [(topic, 0), (topic, 1), (topic, 2)]:
            assert got[key][6] != "-" and got[key][8] == "active-member"
        out, _ = sl(b, "groups", "describe", "--group", group, "--members", "--verbose")
        header, body = rows(out)
        assert header == ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT"]
        assert len(body) == 1 and body[0][3:] == ["active-member", "3", "%s(0,1,2)" % topic]
        out, _ = sl(b, "groups", "describe", "--group", group, "--state")
        assert out.splitlines()[-1].split()[-2:] == ["Stable", "1"]
        assert "(0)" in out  # the coordinator's node id

        before = committed(b, group, topic, 3)
        for mode in ("--execute", "--dry-run"):
            _, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, "--to-earliest", mode, rc=1)
            assert ("Assignments can only be reset if the group '%s' is inactive, but the current state is Stable."
                    % group) in err
        assert committed(b, group, topic, 3) == before
    finally:
        member.close()


def test_reset_offsets_every_target_then_a_consumer_starts_there(broker_factory):
    broker = gh.group_broker(broker_factory)
    b = broker.bootstrap
    topic, group = unique("rt"), unique("g")
    create_topic(b, topic, 2)
    now = int(time.time() * 1000)
    old = now - 3 * 3600 * 1000  # three hours ago
    # Per partition: 10 records 3 h old (1 s apart), then 10 records from now.
    msgs = [{"value": b"old-%d" % i, "partition": p, "timestamp": old + i * 1000} for p in range(2) for i in range(10)]
    msgs += [{"value": b"new-%d" % i, "partition": p, "timestamp": now + i} for p in range(2) for i in range(10)]
    produce(b, topic, msgs)
    consume_and_commit(b, group, topic, 40)
    assert committed(b, group, topic, 2) == {0: 20, 1: 20}

    def reset(*target, expect):
        # A dry run prints the plan and changes nothing.
        out, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, *target)
        assert "--execute option is missing" in err
        header, body = rows(out)
        assert header == ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"]
        assert {int(r[2]): int(r[3]) for r in body} == expect
        before = committed(b, group, topic, 2)
        sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, *target, "--dry-run")
        assert committed(b, group, topic, 2) == before
        out, _ = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, *target, "--execute")
        assert {int(r[2]): int(r[3]) for r in rows(out)[1]} == expect
        assert committed(b, group, topic, 2) == expect

    reset("--to-earliest", expect={0: 0, 1: 0})
    assert first_offsets(b, group, topic, 2) == {0: 0, 1: 0}
    reset("--to-latest", expect={0: 20, 1: 20})
    reset("--to-offset", "7", expect={0: 7, 1: 7})
    assert first_offsets(b, group, topic, 2) == {0: 7, 1: 7}
    # The reader committed nothing (no auto commit): the group is still at 7.
    reset("--shift-by", "-3", expect={0: 4, 1: 4})
    reset("--shift-by", "+2", expect={0: 6, 1: 6})  # Java's Long.parseLong takes a '+'
    reset("--shift-by", "1000", expect={0: 20, 1: 20})  # clamped to the log end
    reset("--to-offset", "-5", expect={0: 0, 1: 0})  # clamped to the log start
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((old + 5000) / 1000)) + ".%03d" % ((old + 5000) % 1000)
    reset("--to-datetime", stamp, expect={0: 5, 1: 5})
    reset("--to-datetime", stamp + "Z", expect={0: 5, 1: 5})
    # The same instant written in UTC+02:00.
    plus2 = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((old + 5000) / 1000 + 7200)) + \
        ".%03d+02:00" % ((old + 5000) % 1000)
    reset("--to-datetime", plus2, expect={0: 5, 1: 5})
    assert first_offsets(b, group, topic, 2) == {0: 5, 1: 5}
    reset("--by-duration", "PT1H", expect={0: 10, 1: 10})  # the first record of the last hour
    assert first_offsets(b, group, topic, 2) == {0: 10, 1: 10}
    reset("--by-duration", "P1D", expect={0: 0, 1: 0})
    reset("--to-current", expect={0: 0, 1: 0})
    # One partition only, Kafka's T:P form.
    out, _ = sl(b, "groups", "reset-offsets", "--group", group, "--topic", "%s:1" % topic, "--to-latest", "--execute")
    assert [r[2:] for r in rows(out)[1]] == [["1", "20"]]
    assert committed(b, group, topic, 2) == {0: 0, 1: 20}
    # --all-topics: the partitions the group has offsets for; --json.
    doc = json.loads(sl(b, "groups", "reset-offsets", "--group", group, "--all-topics", "--to-offset", "3",
                        "--execute", "--json")[0])
    assert doc["executed"] is True
    assert sorted((o["partition"], o["new_offset"]) for o in doc["offsets"]) == [(0, 3), (1, 3)]
    assert committed(b, group, topic, 2) == {0: 3, 1: 3}


def test_delete_groups(broker_factory):
    broker = gh.group_broker(broker_factory)
    b = broker.bootstrap
    topic, group = setup_group(broker, partitions=1, per_partition=3)
    active = unique("active")
    member = gh.CKMember(b, active, [topic], name="m").start()
    try:
        gh.wait_balanced([member], topic, 1)
        out, err = sl(b, "groups", "delete", "--group", active, rc=1)
        assert "NON_EMPTY_GROUP" in out + err and "stop the group's consumers first" in out
    finally:
        member.close()
    out, _ = sl(b, "groups", "delete", "--group", group)
    assert out.strip() == "Deletion of requested consumer groups ('%s') was successful." % group
    assert group not in sl(b, "groups", "list")[0].split()
    out, err = sl(b, "groups", "delete", "--group", group, rc=1)
    assert "GROUP_ID_NOT_FOUND" in err
    doc = json.loads(sl(b, "groups", "delete", "--group", group, "--json", rc=1)[0])
    assert doc["failed"] == [{"group": group, "error": "GROUP_ID_NOT_FOUND", "code": 69}]


def test_bad_input(broker_factory):
    broker = gh.group_broker(broker_factory)
    b = broker.bootstrap
    topic, group = setup_group(broker, partitions=1, per_partition=2)
    _, err = sl(b, "groups", "describe", "--group", group, "--bogus", rc=2)
    assert "unknown option '--bogus'" in err
    _, err = sl(b, "groups", "describe", rc=2)
    assert "[all-groups, group]" in err
    _, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, rc=2)
    assert "exactly one of" in err
    _, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--to-latest", rc=2)
    assert "exactly one of" in err
    _, err = sl(b, "groups", "reset-offsets", "--group", group, "--to-earliest", rc=2)
    assert "[all-topics, topic]" in err
    _, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute",
                "--dry-run", rc=2)
    assert "execute, dry-run" in err
    for bad in ("2024-01-01", "2024-13-01T00:00:00.000", "yesterday", "2024-01-01T00:00:00.000+99"):
        _, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, "--to-datetime", bad, rc=2)
        assert "--to-datetime" in err and bad in err
    _, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, "--by-duration", "1h", rc=2)
    assert "--by-duration" in err
    _, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic + ":x", "--to-earliest", rc=2)
    assert "is not an integer" in err
    _, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic + ":7", "--to-earliest", rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err
    _, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", unique("nosuch"), "--to-earliest", rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err
    # --shift-by needs a committed offset to shift.
    _, err = sl(b, "groups", "reset-offsets", "--group", unique("fresh"), "--topic", topic, "--shift-by", "1", rc=1)
    assert "no current committed offset" in err
    missing = unique("nosuchgroup")
    _, err = sl(b, "groups", "describe", "--group", missing, rc=1)
    assert "GROUP_ID_NOT_FOUND (69)" in err and "Consumer group '%s' does not exist." % missing in err
    _, err = sl(b, "lag", missing, rc=1)
    assert "GROUP_ID_NOT_FOUND" in err
    # JSON errors: one document on stderr, same exit codes.
    out, err = sl(b, "groups", "describe", "--group", missing, "--json", rc=1)
    assert json.loads(err) == {"error": "GROUP_ID_NOT_FOUND", "code": 69,
                               "message": "GROUP_ID_NOT_FOUND (69): Consumer group '%s' does not exist. "
                                          "('sluice groups list' shows the groups that exist)" % missing}
    assert json.loads(out) == {"groups": []}
    _, err = sl(b, "groups", "reset-offsets", "--group", group, "--json", rc=2)
    doc = json.loads(err)
    assert doc["error"] == "USAGE_ERROR" and doc["code"] is None and "exactly one of" in doc["message"]
    _, err = cli("lag", group, "--json", "-b", "127.0.0.1:1", rc=1)
    assert json.loads(err)["error"] == "COMMAND_FAILED"


def test_cluster_and_json_of_the_existing_commands(broker_factory):
    broker = gh.group_broker(broker_factory)
    b = broker.bootstrap
    out, _ = sl(b, "cluster")
    lines = out.splitlines()
    assert lines[1].split() == ["Controller:", "0"]
    header, body = rows("\n".join(lines[3:5]))
    assert header == ["BROKER", "HOST:PORT", "RACK", "CONTROLLER"] and body == [["0", b, "-", "yes"]]
    assert "Under-replicated partitions: 0" in out and "Offline partitions: 0" in out
    doc = json.loads(sl(b, "cluster", "--json")[0])
    assert doc["controller"] == 0 and doc["cluster_id"] == lines[0].split()[-1]
    assert doc["brokers"] == [{"broker": 0, "host_port": b, "rack": None, "controller": True}]
    assert doc["under_replicated_partitions"] == [] and doc["offline_partitions"] == []

    topic = unique("js")
    assert json.loads(sl(b, "topics", "create", "-t", topic, "-p", "2", "--json")[0])["partitions"] == 2
    produce(b, topic, [{"value": b"x", "partition": 1}] * 3)
    assert topic in json.loads(sl(b, "topics", "list", "--json")[0])["topics"]
    d = json.loads(sl(b, "topics", "describe", "-t", topic, "--json")[0])
    assert d["partition_count"] == 2 and d["partitions"][0]["replicas"] == [0] and d["partitions"][0]["isr"] == [0]
    o = json.loads(sl(b, "offsets", "-t", topic, "--json")[0])
    text_rows = rows(sl(b, "offsets", "-t", topic)[0])[1]
    assert [[str(p["partition"]), str(p["earliest"]), str(p["latest"]), str(p["records"])]
            for p in o["partitions"]] == text_rows
    assert json.loads(sl(b, "configs", "set", "--topic", topic, "retention.ms=60000", "--json")[0])["configs"] == \
        ["retention.ms"]
    c = json.loads(sl(b, "configs", "describe", "--topic", topic, "--json")[0])
    assert {"name": "retention.ms", "value": "60000", "source": "DYNAMIC_TOPIC_CONFIG", "read_only": False} in \
        c["configs"]
    assert json.loads(sl(b, "users", "describe", "--json")[0]) == {"credentials": []}
    _, err = sl(b, "topics", "create", "-t", topic, "--json", rc=1)
    assert json.loads(err)["error"] == "TOPIC_ALREADY_EXISTS" and json.loads(err)["code"] == 36


def test_three_brokers_coordinator_and_leaders_apart(etcd, broker_factory):  # noqa: F811
    brokers = start_cluster(broker_factory, etcd, extra={"offsets.topic.num.partitions": "3",
                                                         "group.initial.rebalance.delay.ms": "0",
                                                         "group.min.session.timeout.ms": "1000"})
    everyone = bootstrap_of(brokers)
    topic, group = unique("ct"), unique("g")
    create_replicated(brokers, topic, partitions=3)
    produce(everyone, topic, gh.messages_for(topic, 3, 4))
    consume_and_commit(everyone, group, topic, 12)

    doc = json.loads(sl(brokers[0].bootstrap, "groups", "describe", "--group", group, "--state", "--json")[0])
    coordinator = doc["groups"][0]["coordinator"]
    md = json.loads(sl(brokers[0].bootstrap, "topics", "describe", "-t", topic, "--json")[0])
    leaders = {p["partition"]: p["leader"] for p in md["partitions"]}
    assert any(l != coordinator for l in leaders.values()), (coordinator, leaders)
    # Ask a broker that is not the coordinator.
    other = by_node(brokers, (coordinator + 1) % 3).bootstrap
    produce(everyone, topic, [{"value": b"more", "partition": p} for p in range(3)])
    got = describe_rows(other, group)
    assert {k[1]: v[3:6] for k, v in got.items()} == {p: ["4", "5", "1"] for p in range(3)}
    assert json.loads(sl(other, "lag", group, "--json")[0])["total_lag"] == 3
    assert group in sl(other, "groups", "list")[0].split()
    sl(other, "groups", "reset-offsets", "--group", group, "--topic", topic, "--to-offset", "2", "--execute")
    assert committed(everyone, group, topic, 3) == {0: 2, 1: 2, 2: 2}

    out, _ = sl(other, "cluster")
    body = rows("\n".join(out.splitlines()[3:7]))[1]
    assert sorted(int(r[0]) for r in body) == [0, 1, 2]
    controller = int(out.splitlines()[1].split()[-1])
    assert [r[3] for r in body if int(r[0]) == controller] == ["yes"]
    d = json.loads(sl(other, "cluster", "--json")[0])
    assert [x["broker"] for x in d["brokers"] if x["controller"]] == [controller]
    assert "Under-replicated partitions: 0" in out

    # A stopped broker leaves the partitions it replicated under-replicated,
    # and those it alone held offline.
    victim_id = (coordinator + 2) % 3
    single = unique("rf1")
    from confluent_kafka.admin import NewTopic
    from sluice_harness import admin
    admin(everyone).create_topics([NewTopic(single, num_partitions=6, replication_factor=1)])[single].result(15)
    alone = wait_until(lambda: sorted(p["partition"] for p in json.loads(
        sl(everyone, "topics", "describe", "-t", single, "--json")[0])["partitions"] if p["leader"] == victim_id)
        or None, 15, "a partition of %s on broker %d" % (single, victim_id))
    by_node(brokers, victim_id).stop()
    survivor = next(x for x in brokers if x.running()).bootstrap

    def degraded():
        d = json.loads(cli("cluster", "--json", "-b", survivor)[0])
        mine = [p for p in d["under_replicated_partitions"] if p["topic"] == topic]
        off = sorted(p["partition"] for p in d["offline_partitions"] if p["topic"] == single)
        return d if len(mine) == 3 and off == alone else None
    d = wait_until(degraded, 30, "the topic's partitions under-replicated and %s offline" % alone)
    assert all(len(p["isr"]) == 2 and len(p["replicas"]) == 3 for p in d["under_replicated_partitions"]
               if p["topic"] == topic)
    assert all(p["leader"] is None and p["replicas"] == [victim_id] for p in d["offline_partitions"])
    assert len(d["brokers"]) == 2
    out, _ = cli("cluster", "-b", survivor)
    assert "Offline partitions: %d" % len(d["offline_partitions"]) in out


def script(*args, rc=0, env=None):
    full_env = dict(os.environ)
    full_env["SLUICE_CLI"] = cli_path()
    full_env.update(env or {})
    cp = subprocess.run([SCRIPT] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
                        env=full_env)
    out, err = cp.stdout.decode(), cp.stderr.decode()
    assert cp.returncode == rc, "%s -> %d\n%s\n%s" % (args, cp.returncode, out, err)
    return out, err


def test_kafka_consumer_groups_script(broker_factory):
    broker = gh.group_broker(broker_factory)
    b = broker.bootstrap
    topic, group = setup_group(broker, partitions=2, per_partition=4)
    out, _ = script("--bootstrap-server", b, "--list")
    assert group in out.split()
    assert [group, "Empty"] in rows(script("--bootstrap-server", b, "--list", "--state", "Empty")[0])[1]
    assert group not in script("--bootstrap-server", b, "--list", "--state", "Stable")[0].split()
    out, _ = script("--bootstrap-server", b, "--describe", "--group", group)
    header, body = rows(out)
    assert header[:6] == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"]
    assert sorted(r[2:6] for r in body) == [["0", "4", "4", "0"], ["1", "4", "4", "0"]]
    out, _ = script("--bootstrap-server=" + b, "--reset-offsets", "--group", group, "--topic", topic,
                    "--to-earliest", "--execute", "--timeout", "15000")
    assert committed(b, group, topic, 2) == {0: 0, 1: 0}
    out, _ = script("--bootstrap-server", b, "--describe", "--group", group, "--state")
    assert out.splitlines()[-1].split()[-2:] == ["Empty", "0"]
    out, _ = script("--bootstrap-server", b, "--delete", "--group", group)
    assert "was successful" in out
    # Errors: Kafka's scripts exit 1 and name the problem.
    _, err = script("--bootstrap-server", b, "--list", "--bogus-flag", rc=1)
    assert "'--bogus-flag'" in err
    _, err = script("--bootstrap-server", b, "--list", "--describe", rc=1)
    assert "exactly one action" in err
    _, err = script("--list", rc=1)
    assert "bootstrap-server" in err
    _, err = script("--bootstrap-server", b, "--describe", "--group", group, "--command-config", "/dev/null", rc=1)
    assert "--command-config" in err
    _, err = script("--bootstrap-server", b, "--describe", rc=1)  # sluice's usage error becomes Kafka's 1
    assert "[all-groups, group]" in err
    _, err = script("--bootstrap-server", b, "--describe", "--group", group, rc=1)
    assert "GROUP_ID_NOT_FOUND" in err
    _, err = script("--bootstrap-server", b, "--list", env={"SLUICE_CLI": "/nonexistent/sluice"}, rc=1)
    assert "/nonexistent/sluice" in err or "No such file" in err


def test_delete_offsets_with_kafkas_flags(broker_factory):
    broker = gh.group_broker(broker_factory)
    b = broker.bootstrap
    topic, group = setup_group(broker, partitions=3, per_partition=4)
    other = unique("gt-other")
    create_topic(b, other, 1)
    # Two partitions of the topic: the third keeps its offset.
    out, _ = script("--bootstrap-server", b, "--delete-offsets", "--group", group, "--topic", topic + ":0,1")
    lines = out.splitlines()
    assert lines[0] == "Request succeed for deleting offsets with topic %s group %s" % (topic, group)
    assert lines[2].split() == ["TOPIC", "PARTITION", "STATUS"]
    assert sorted(l.split() for l in lines[3:]) == [[topic, "0", "Successful"], [topic, "1", "Successful"]]
    assert committed(b, group, topic, 3) == {0: -1001, 1: -1001, 2: 4}
    # A whole topic, and one that does not exist ("Not Provided").
    out, _ = script("--bootstrap-server", b, "--delete-offsets", "--group", group, "--topic", topic,
                    "--topic", "no-such-topic")
    assert "Error: Encounter some partition level error" in out
    rows_ = [l.split(None, 2) for l in out.splitlines() if l.startswith((topic, "no-such-topic"))]
    assert sorted(r[:2] for r in rows_) == sorted([["no-such-topic", "Not"], [topic, "0"], [topic, "1"], [topic, "2"]])
    assert all(r[2].strip() == "Successful" for r in rows_ if r[0] == topic), out
    assert committed(b, group, topic, 3) == {0: -1001, 1: -1001, 2: -1001}
    # A member subscribed to the topic: Kafka refuses with GROUP_SUBSCRIBED_TO_TOPIC.
    active = unique("g-active")
    m = gh.CKMember(b, active, [topic], name="member", commit_each=True).start()
    try:
        gh.wait_consumed([m], 12)
        out, _ = script("--bootstrap-server", b, "--delete-offsets", "--group", active, "--topic", topic + ":0")
        assert "Error: Encounter some partition level error" in out
        assert out.splitlines()[-1].split()[:3] == [topic, "0", "Error:"]
    finally:
        m.close()
    # An unknown group; bad command lines.
    out, _ = script("--bootstrap-server", b, "--delete-offsets", "--group", unique("nope"), "--topic", other)
    assert "does not exist." in out
    _, err = script("--bootstrap-server", b, "--delete-offsets", "--group", group, rc=1)
    assert "--topic" in err
    _, err = script("--bootstrap-server", b, "--delete-offsets", "--group", group, "--topic", topic + ":x", rc=1)
    assert "partition" in err


def test_reset_offsets_export_and_from_file(broker_factory, tmp_path):
    broker = gh.group_broker(broker_factory)
    b = broker.bootstrap
    topic, group = setup_group(broker, partitions=3, per_partition=4)
    # --export prints Kafka's CSV instead of the table (one group: no group column).
    out, _ = script("--bootstrap-server", b, "--reset-offsets", "--group", group, "--topic", topic, "--to-earliest",
                    "--export")
    assert sorted(out.split()) == ["%s,%d,0" % (topic, p) for p in range(3)]
    assert committed(b, group, topic, 3) == {0: 4, 1: 4, 2: 4}, "--export alone is a dry run"
    # --from-file reads it back: each partition its own offset, clamped to the log as --to-offset.
    plan = tmp_path / "plan.csv"
    plan.write_text("%s,0,2\n%s,1,3\r\n%s,2,99\n" % (topic, topic, topic))
    _, err = script("--bootstrap-server", b, "--reset-offsets", "--group", group, "--from-file", str(plan), "--execute")
    assert committed(b, group, topic, 3) == {0: 2, 1: 3, 2: 4}
    # Two groups: the group column, in both directions.
    _, second = setup_group(broker, partitions=1, per_partition=2)
    out, _ = script("--bootstrap-server", b, "--reset-offsets", "--group", group, "--group", second, "--all-topics",
                    "--to-earliest", "--export")
    lines = sorted(out.split())
    assert "%s,%s,0,0" % (group, topic) in lines and len(lines) == 4, lines
    assert sum(l.startswith(second + ",") for l in lines) == 1, lines
    both = tmp_path / "both.csv"
    both.write_text("%s,%s,0,1\n" % (group, topic))
    _, err = script("--bootstrap-server", b, "--reset-offsets", "--group", group, "--group", second, "--from-file",
                    str(both), "--execute", rc=1)
    assert "No reset plan for group %s found" % second in err
    # Bad files and bad combinations.
    bad = tmp_path / "bad.csv"
    bad.write_text("%s,zero,1\n" % topic)
    _, err = script("--bootstrap-server", b, "--reset-offsets", "--group", group, "--from-file", str(bad), rc=1)
    assert "partition" in err
    _, err = script("--bootstrap-server", b, "--reset-offsets", "--group", group, "--from-file", str(plan),
                    "--topic", topic, rc=1)
    assert "--from-file takes the partitions from the file" in err
    _, err = script("--bootstrap-server", b, "--reset-offsets", "--group", group, "--from-file",
                    str(tmp_path / "missing.csv"), rc=1)
    assert "cannot read" in err


def test_completion_scripts_come_from_the_command_table():
    out, _ = cli("completion", "bash")
    probe = out + """
complete_at() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _sluice_complete; echo "${COMPREPLY[*]}"; }
complete_at sluice gro
complete_at sluice groups res
complete_at sluice groups reset-offsets --to-
complete_at sluice lag --js
"""
    cp = subprocess.run(["bash", "-c", probe], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    assert cp.returncode == 0, cp.stderr
    lines = cp.stdout.decode().splitlines()
    assert lines[0] == "groups"
    assert lines[1] == "reset-offsets"
    assert set(lines[2].split()) == {"--to-current", "--to-datetime", "--to-earliest", "--to-latest", "--to-offset"}
    assert lines[3] == "--json"
    zsh, _ = cli("completion", "zsh")
    assert zsh.startswith("#compdef sluice") and "bashcompinit" in zsh and "_sluice_complete" in zsh
    _, err = cli("completion", "fish", rc=2)
    assert "unknown shell 'fish'" in err


def test_groups_commands_follow_a_coordinator_that_died(etcd, broker_factory):  # noqa: F811
    brokers = start_cluster(broker_factory, etcd, extra={"offsets.topic.num.partitions": "3",
                                                         "group.initial.rebalance.delay.ms": "0",
                                                         "group.min.session.timeout.ms": "1000"})
    everyone = bootstrap_of(brokers)
    topic, group = unique("ft"), unique("g")
    create_replicated(brokers, topic, partitions=2)
    produce(everyone, topic, gh.messages_for(topic, 2, 6))
    consume_and_commit(everyone, group, topic, 12)
    doc = json.loads(sl(everyone, "groups", "describe", "--group", group, "--state", "--json")[0])
    coordinator = doc["groups"][0]["coordinator"]
    by_node(brokers, coordinator).kill9()
    # Right after the kill the survivors still name the dead broker, or
    # answer NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS: the CLI asks
    # again until its timeout, as Kafka's AdminClient does.
    survivors = bootstrap_of(brokers)
    out, _ = cli("lag", group, "--json", "--timeout-ms", "30000", "-b", survivors, timeout=60)
    doc = json.loads(out)
    assert {p["partition"]: p["current_offset"] for p in doc["partitions"]} == {0: 6, 1: 6}
    out, _ = cli("groups", "reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute",
                 "--timeout-ms", "30000", "-b", survivors, timeout=60)
    assert committed(survivors, group, topic, 2) == {0: 0, 1: 0}
    moved = json.loads(sl(survivors, "groups", "describe", "--group", group, "--state", "--json")[0])
    assert moved["groups"][0]["coordinator"] != coordinator


def test_consumer_protocol_group_is_described_with_consumer_group_describe(broker_factory):
    # A KIP-848 group: the classic DescribeGroups calls it Dead, so the CLI
    # asks ConsumerGroupDescribe, as Kafka 4's tool does.
    import kafka_wire as w
    from test_consumer_groups_kip848 import join_raw, kip848_broker
    broker = kip848_broker(broker_factory)
    b = broker.bootstrap
    topic, group = unique("k848"), unique("g")
    create_topic(b, topic, 2)
    produce(b, topic, gh.messages_for(topic, 2, 5))
    sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, "--to-offset", "2", "--execute")
    with w.connect(broker.port, 10) as s:
        j = join_raw(s, group, "m1-" + group, [topic])
        assert j["error_code"] == gh.NONE, j
        got = describe_rows(b, group)
        assert {k[1]: v[3:] for k, v in got.items()} == {
            p: ["2", "5", "3", "m1-" + group, "/127.0.0.1", "sluice-wire-test"] for p in (0, 1)}
        out, _ = sl(b, "groups", "describe", "--group", group, "--members", "--verbose")
        assert rows(out)[1] == [[group, "m1-" + group, "/127.0.0.1", "sluice-wire-test", "2", "%s(0,1)" % topic]]
        out, _ = sl(b, "groups", "describe", "--group", group, "--state")
        state = rows(out)[1][0]
        assert state[-3] == "uniform" and state[-1] == "1"
        _, err = sl(b, "groups", "reset-offsets", "--group", group, "--topic", topic, "--to-earliest", rc=1)
        assert "Assignments can only be reset if the group '%s' is inactive" % group in err
        assert json.loads(sl(b, "lag", group, "--json")[0])["total_lag"] == 6


def test_offsets_of_a_deleted_topic_show_without_an_end(broker_factory):
    broker = gh.group_broker(broker_factory)
    b = broker.bootstrap
    topic, group = setup_group(broker, partitions=1, per_partition=3)
    sl(b, "topics", "delete", "-t", topic)
    got = describe_rows(b, group)
    assert got[(topic, 0)][3:6] == ["3", "-", "-"]
    doc = json.loads(sl(b, "lag", group, "--json")[0])
    assert doc["partitions"] == [{"topic": topic, "partition": 0, "current_offset": 3, "log_end_offset": None,
                                  "lag": None}] and doc["total_lag"] == 0
    _, err = sl(b, "groups", "reset-offsets", "--group", group, "--all-topics", "--to-earliest", rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err


def test_bootstrap_list_uses_the_first_broker_that_answers(broker_factory):
    broker = gh.group_broker(broker_factory)
    dead = "127.0.0.1:1"
    out, _ = cli("topics", "list", "--json", "-b", dead + "," + broker.bootstrap)
    assert "topics" in json.loads(out)
    _, err = cli("topics", "list", "-b", dead + ",127.0.0.1:2", rc=1)
    assert "cannot connect to broker at 127.0.0.1:2" in err
    _, err = cli("cluster", "-b", ",", rc=2)
    assert "empty bootstrap server list" in err
