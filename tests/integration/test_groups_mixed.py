"""One consumer group, two client libraries: a confluent-kafka (librdkafka)
member and a kafka-python member, both with the "range" assignor, share a
4-partition topic. The broker only has to pick the common protocol and pass
the leader's assignment along; each gets 2 partitions and every message is
consumed exactly once across both."""

from group_helpers import (CKMember, KPAdmin, KPMember, close_all, decode_assignment, group_broker,
                           messages_for, wait_balanced, wait_consumed, wait_group_state)
from sluice_harness import create_topic, produce, unique


def test_confluent_and_kafka_python_members_share_a_group(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("mixed"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=4)
    members = []
    try:
        ck = CKMember(broker.bootstrap, group, [topic], name="mixed-ck", strategy="range",
                      commit_each=True).start()
        members.append(ck)
        kp = KPMember(broker.bootstrap, group, [topic], name="mixed-kp", commit_each=True,
                      conf={"partition_assignment_strategy": _kp_range()}).start()
        members.append(kp)
        owners = wait_balanced(members, topic, 4, sizes=2, timeout=45)
        d = wait_group_state(broker.port, group, "Stable", members=2)
        assert d["protocol_type"] == "consumer"
        assert d["protocol"] == "range"
        by_client = {m["client_id"]: set(decode_assignment(m["assignment"]).get(topic, []))
                     for m in d["members"]}
        assert by_client == {k: set(v) for k, v in owners.items()}

        msgs = messages_for(topic, 4, 25)
        produce(broker.bootstrap, topic, msgs)
        wait_consumed(members, len(msgs), timeout=45)

        seen = {}
        for m in members:
            for t, p, off, value in m.consumed():
                assert t == topic
                assert p in owners[m.name], "%s consumed partition %d it does not own" % (m.name, p)
                assert (p, off) not in seen, "partition %d offset %d consumed by %s and %s" % (
                    p, off, seen[(p, off)][0], m.name)
                seen[(p, off)] = (m.name, value)
        assert sorted(seen) == [(p, o) for p in range(4) for o in range(25)]
        assert sorted(v for _, v in seen.values()) == sorted(m["value"] for m in msgs)
        # both members really took part
        assert {name for name, _ in seen.values()} == {"mixed-ck", "mixed-kp"}
    finally:
        close_all(members)

    # what each member committed is the group's offset for its partitions
    with KPAdmin(broker.bootstrap) as a:
        offs = a.list_consumer_group_offsets(group)
    assert {tp.partition: om.offset for tp, om in offs.items() if tp.topic == topic} == \
        {p: 25 for p in range(4)}


def _kp_range():
    from kafka.coordinator.assignors.range import RangePartitionAssignor
    return (RangePartitionAssignor,)
