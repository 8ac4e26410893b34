"""Group coordinator edge cases on raw sockets (frames built by hand in
group_helpers.py on top of kafka_wire.py), checked against Kafka's
documented error codes: FindCoordinator v0, JoinGroup v4 (MEMBER_ID_REQUIRED,
session timeout bounds, opaque protocol metadata, inconsistent protocols),
SyncGroup v2 / Heartbeat v2 generation and member checks, OffsetCommit v2
(unknown topic/partition, simple commits, generation/member validation,
offset.metadata.max.bytes) and OffsetFetch v1.

After every abuse the broker must still serve a fresh client."""

from group_helpers import (COORDINATOR_LOAD_IN_PROGRESS, API_DESCRIBE_GROUPS, API_FIND_COORDINATOR, API_HEARTBEAT,
                           API_JOIN_GROUP, API_LEAVE_GROUP, API_LIST_GROUPS, API_OFFSET_COMMIT,
                           API_OFFSET_FETCH, API_SYNC_GROUP, ILLEGAL_GENERATION,
                           INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT,
                           MEMBER_ID_REQUIRED, NONE, OFFSET_METADATA_TOO_LARGE,
                           UNKNOWN_MEMBER_ID, UNKNOWN_TOPIC_OR_PARTITION, CKMember, Wire,
                           advertised_apis, assignment_v0, close_all, describe_group,
                           group_broker, subscription_v0, wait_balanced, wait_group_state)
from sluice_harness import broker_alive, create_topic, unique

API_DELETE_GROUPS = 42
API_OFFSET_DELETE = 47


def assert_alive(broker):
    assert broker.running(), "sluiced died:\n" + broker.log_tail()
    assert broker_alive(broker.port, 5.0), "fresh ApiVersions request not answered"


def join_member(c, group, topics=("t",), protocols=None, session_ms=10000):
    """JoinGroup v4 the way Kafka wants it since KIP-394: the first attempt
    with an empty member id gets MEMBER_ID_REQUIRED and a member id, the
    second with that id joins. Returns the second response."""
    kw = dict(session_timeout_ms=session_ms, topics=topics)
    if protocols is not None:
        kw["protocols"] = protocols
    first = c.join(group, "", **kw)
    assert first["error_code"] == MEMBER_ID_REQUIRED, first
    assert first["member_id"], "MEMBER_ID_REQUIRED without a member id: %r" % first
    second = c.join(group, first["member_id"], **kw)
    assert second["error_code"] == NONE, second
    assert second["member_id"] == first["member_id"]
    return second


def test_group_apis_advertised_from_v0(broker):
    keys = advertised_apis(broker.port)
    # librdkafka enables balanced consumer groups only if these old versions
    # are in the advertised ranges; kafka-python uses OffsetCommit v2,
    # OffsetFetch v1, FindCoordinator v0, JoinGroup <= 2; librdkafka's static
    # membership needs JoinGroup v5.
    need = {API_OFFSET_COMMIT: 2, API_OFFSET_FETCH: 1, API_FIND_COORDINATOR: 0,
            API_JOIN_GROUP: 5, API_HEARTBEAT: 3, API_LEAVE_GROUP: 3, API_SYNC_GROUP: 3,
            API_DESCRIBE_GROUPS: 0, API_LIST_GROUPS: 0, API_DELETE_GROUPS: 0,
            API_OFFSET_DELETE: 0}
    for key, max_needed in need.items():
        assert key in keys, "API %d not advertised: %r" % (key, keys)
        lo, hi = keys[key]
        assert lo == 0 and hi >= max_needed, "API %d advertised %d-%d" % (key, lo, hi)


def test_two_step_join_right_after_startup(broker_factory):
    """The very first JoinGroup on a fresh broker: MEMBER_ID_REQUIRED, then
    the join with that member id must succeed (a coordinator still loading
    may answer COORDINATOR_LOAD_IN_PROGRESS instead -- clients retry that --
    but must not forget the member id it just handed out)."""
    broker = group_broker(broker_factory)
    group = unique("grp")
    with Wire(broker.port) as c:
        for _ in range(100):
            first = c.join(group, "")
            if first["error_code"] != COORDINATOR_LOAD_IN_PROGRESS:
                break
        assert first["error_code"] == MEMBER_ID_REQUIRED, first
        second = c.join(group, first["member_id"])
        assert second["error_code"] == NONE, (
            "second JoinGroup with the member id from MEMBER_ID_REQUIRED: %r" % second)
        assert second["leader"] == first["member_id"]
    assert_alive(broker)


def test_find_coordinator_v0_is_this_broker(broker_factory):
    broker = group_broker(broker_factory)
    with Wire(broker.port) as c:
        for key in (unique("grp"), "", "x" * 200):
            r = c.find_coordinator(key)
            assert r == dict(error_code=NONE, node_id=0, host="127.0.0.1", port=broker.port), r
    assert_alive(broker)


def test_offset_commit_unknown_topic_and_partition(broker_factory):
    broker = group_broker(broker_factory)
    topic, group, ghost = unique("bi"), unique("grp"), unique("no-such-topic")
    create_topic(broker.bootstrap, topic, partitions=1)
    with Wire(broker.port) as c:
        r = c.commit(group, -1, "", {ghost: [(0, 5, None), (1, 6, "m")],
                                     topic: [(0, 3, "meta"), (7, 4, None)]})
        assert r == {ghost: {0: UNKNOWN_TOPIC_OR_PARTITION, 1: UNKNOWN_TOPIC_OR_PARTITION},
                     topic: {0: NONE, 7: UNKNOWN_TOPIC_OR_PARTITION}}, r
        f = c.fetch_offsets(group, {topic: [0, 7]})
        assert f[topic][0] == (3, "meta", NONE), f
        offset, _, err = f[topic][7]
        assert (offset, err) == (-1, NONE), f
        # the unknown topic was not created by the commit
        f = c.fetch_offsets(group, {ghost: [0]})
        assert f[ghost][0][0] == -1, f
    assert_alive(broker)
    from sluice_harness import topic_names
    assert ghost not in topic_names(broker.bootstrap)


def test_simple_commit_on_group_without_members(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("bi"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=2)
    with Wire(broker.port) as c:
        # assign()-style commit: generation -1, empty member id, no such group yet
        r = c.commit(group, -1, "", {topic: [(0, 11, "first"), (1, 0, None)]})
        assert r == {topic: {0: NONE, 1: NONE}}, r
        f = c.fetch_offsets(group, {topic: [0, 1]})
        assert f[topic][0] == (11, "first", NONE), f
        assert f[topic][1][0] == 0 and f[topic][1][2] == NONE, f
        # again, moving the offset (also backwards)
        r = c.commit(group, -1, "", {topic: [(0, 5, "second")]})
        assert r == {topic: {0: NONE}}, r
        f = c.fetch_offsets(group, {topic: [0]})
        assert f[topic][0] == (5, "second", NONE), f
        # the group exists now, without members
        d = c.describe(group)
        assert d["error_code"] == NONE and d["state"] == "Empty" and d["members"] == [], d
        err, groups = c.list_groups()
        assert err == NONE and group in groups, groups
    assert_alive(broker)


def test_offset_metadata_too_large(broker_factory):
    broker = group_broker(broker_factory)  # offset.metadata.max.bytes: Kafka default 4096
    topic, group = unique("bi"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=2)
    with Wire(broker.port) as c:
        assert c.commit(group, -1, "", {topic: [(0, 5, "m1")]}) == {topic: {0: NONE}}
        r = c.commit(group, -1, "", {topic: [(0, 7, "x" * 4097), (1, 2, "ok")]})
        assert r == {topic: {0: OFFSET_METADATA_TOO_LARGE, 1: NONE}}, r
        f = c.fetch_offsets(group, {topic: [0, 1]})
        assert f[topic][0] == (5, "m1", NONE), "rejected commit changed the offset: %r" % f
        assert f[topic][1] == (2, "ok", NONE), f
        # exactly the limit is fine
        r = c.commit(group, -1, "", {topic: [(0, 8, "y" * 4096)]})
        assert r == {topic: {0: NONE}}, r
        f = c.fetch_offsets(group, {topic: [0]})
        assert f[topic][0] == (8, "y" * 4096, NONE)
    assert_alive(broker)


def test_offset_commit_checks_generation_and_member_on_a_live_group(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("bi"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=2)
    m = CKMember(broker.bootstrap, group, [topic], name="live").start()
    try:
        wait_balanced([m], topic, 2, sizes=2)
        d = wait_group_state(broker.port, group, "Stable", members=1)
        member_id = d["members"][0]["member_id"]
        assert member_id
        with Wire(broker.port) as c:
            parts = {topic: [(0, 42, "bad"), (1, 43, None)]}
            r = c.commit(group, 9999, member_id, parts)
            assert r == {topic: {0: ILLEGAL_GENERATION, 1: ILLEGAL_GENERATION}}, r
            r = c.commit(group, 1, "no-such-member", parts)
            assert r == {topic: {0: UNKNOWN_MEMBER_ID, 1: UNKNOWN_MEMBER_ID}}, r
            # an assign()-style commit is refused while the group has members
            r = c.commit(group, -1, "", parts)
            assert r == {topic: {0: UNKNOWN_MEMBER_ID, 1: UNKNOWN_MEMBER_ID}}, r
            f = c.fetch_offsets(group, {topic: [0, 1]})
            assert [f[topic][p][0] for p in (0, 1)] == [-1, -1], \
                "a rejected commit was stored: %r" % f
        assert_alive(broker)
        m.check()
        assert m.partitions(topic) == {0, 1}
    finally:
        close_all([m])


def test_join_sync_heartbeat_leave_rules(broker_factory):
    broker = group_broker(broker_factory)
    topic, group = unique("bi"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=3)
    meta = subscription_v0([topic])
    with Wire(broker.port) as c:
        first = c.join(group, "", topics=[topic])
        assert first["error_code"] == MEMBER_ID_REQUIRED, first
        me = first["member_id"]
        assert me
        assert first["members"] == [], first
        j = c.join(group, me, topics=[topic])
        assert j["error_code"] == NONE, j
        gen = j["generation_id"]
        assert gen >= 1
        assert j["member_id"] == me and j["leader"] == me
        assert j["protocol_name"] == "range"
        assert j["members"] == [(me, meta)], "leader must get every member's metadata verbatim"

        mine = assignment_v0({topic: [0, 1, 2]})
        s = c.sync(group, gen + 1, me, [(me, mine)])
        assert s["error_code"] == ILLEGAL_GENERATION, s
        s = c.sync(group, gen, "no-such-member", [])
        assert s["error_code"] == UNKNOWN_MEMBER_ID, s
        s = c.sync(group, gen, me, [(me, mine)])
        assert s["error_code"] == NONE, s
        assert s["assignment"] == mine

        assert c.heartbeat(group, gen, me)["error_code"] == NONE
        assert c.heartbeat(group, gen + 1, me)["error_code"] == ILLEGAL_GENERATION
        assert c.heartbeat(group, gen, "no-such-member")["error_code"] == UNKNOWN_MEMBER_ID
        assert c.heartbeat(unique("nogroup"), 1, me)["error_code"] == UNKNOWN_MEMBER_ID
        s = c.sync(unique("nogroup"), 1, me, [])
        assert s["error_code"] == UNKNOWN_MEMBER_ID, s

        # the member's own commit is accepted
        r = c.commit(group, gen, me, {topic: [(2, 9, "mine")]})
        assert r == {topic: {2: NONE}}, r
        assert c.fetch_offsets(group, {topic: [2]})[topic][2] == (9, "mine", NONE)

        d = c.describe(group)
        assert d["state"] == "Stable" and d["protocol_type"] == "consumer", d
        assert d["protocol"] == "range"
        [dm] = d["members"]
        assert dm["member_id"] == me and dm["client_id"] == "sluice-wire-test"
        assert dm["metadata"] == meta and dm["assignment"] == mine

        assert c.leave(group, me)["error_code"] == NONE
        d = c.describe(group)
        assert d["state"] == "Empty" and d["members"] == [], d
        assert c.heartbeat(group, gen, me)["error_code"] == UNKNOWN_MEMBER_ID
        assert c.leave(group, me)["error_code"] == UNKNOWN_MEMBER_ID
        # the committed offset outlives the members
        assert c.fetch_offsets(group, {topic: [2]})[topic][2] == (9, "mine", NONE)
    assert_alive(broker)


def test_join_session_timeout_bounds(broker_factory):
    broker = group_broker(broker_factory)  # group.min.session.timeout.ms=1000, max default 1800000
    group = unique("grp")
    with Wire(broker.port) as c:
        for st in (999, 0, -1, 1800001):
            r = c.join(group, "", session_timeout_ms=st)
            assert r["error_code"] == INVALID_SESSION_TIMEOUT, (st, r)
        # the bounds themselves are valid
        for st in (1000, 1800000):
            r = c.join(group, "", session_timeout_ms=st)
            assert r["error_code"] == MEMBER_ID_REQUIRED, (st, r)
    assert_alive(broker)
    # with Kafka's default floor (6000 ms) a 5999 ms session is refused too
    b2 = broker_factory({"group.initial.rebalance.delay.ms": "0"})
    with Wire(b2.port) as c:
        r = c.join(unique("grp"), "", session_timeout_ms=5999)
        assert r["error_code"] == INVALID_SESSION_TIMEOUT, r
        r = c.join(unique("grp"), "", session_timeout_ms=6000)
        assert r["error_code"] == MEMBER_ID_REQUIRED, r
    assert_alive(b2)


def test_join_protocol_metadata_is_opaque(broker_factory):
    broker = group_broker(broker_factory)
    with Wire(broker.port) as c:
        for junk in (b"\xff\xfe\x00not a subscription\x01", b"", b"\x00" * 1000):
            group = unique("grp")
            j = join_member(c, group, protocols=[("range", junk)])
            assert j["members"] == [(j["member_id"], junk)], j
            s = c.sync(group, j["generation_id"], j["member_id"], [(j["member_id"], b"\x07junk")])
            assert s["error_code"] == NONE and s["assignment"] == b"\x07junk", s
            assert c.leave(group, j["member_id"])["error_code"] == NONE
    assert_alive(broker)


def test_join_with_inconsistent_protocol(broker_factory):
    broker = group_broker(broker_factory)
    group = unique("grp")
    with Wire(broker.port) as c, Wire(broker.port) as c2:
        j = join_member(c, group)
        me, gen = j["member_id"], j["generation_id"]
        assert c.sync(group, gen, me, [(me, assignment_v0({"t": [0]}))])["error_code"] == NONE
        # no protocol in common with the group
        r = c2.join(group, "", protocols=[("roundrobin", None), ("sticky", None)])
        assert r["error_code"] == INCONSISTENT_GROUP_PROTOCOL, r
        # another protocol type
        r = c2.join(group, "", protocol_type="connect", protocols=[("range", None)])
        assert r["error_code"] == INCONSISTENT_GROUP_PROTOCOL, r
        # no protocols at all
        r = c2.join(group, "", protocols=[])
        assert r["error_code"] == INCONSISTENT_GROUP_PROTOCOL, r
        # the rejected joins did not disturb the group
        assert c.heartbeat(group, gen, me)["error_code"] == NONE
        d = c.describe(group)
        assert d["state"] == "Stable" and [m["member_id"] for m in d["members"]] == [me], d
        assert c.leave(group, me)["error_code"] == NONE
    assert_alive(broker)


def test_truncated_group_requests_then_clients_still_work(broker_factory):
    """Truncated group request bodies: Kafka closes the connection; an answer
    is tolerated only if it is a response to that request. Never silence,
    never a dead coordinator."""
    import kafka_wire as w
    broker = group_broker(broker_factory)
    for api, version in ((API_JOIN_GROUP, 4), (API_SYNC_GROUP, 2), (API_HEARTBEAT, 2),
                         (API_OFFSET_COMMIT, 2), (API_OFFSET_FETCH, 1), (API_LEAVE_GROUP, 0),
                         (API_FIND_COORDINATOR, 0), (API_DESCRIBE_GROUPS, 0)):
        with w.connect(broker.port, 5.0) as s:
            # a group id, then an array count / string length past the end
            w.send_all(s, w.request(api, version, 77, w.string("grp") + b"\x00\x00\x27"))
            try:
                resp = w.recv_frame(s, 5.0)
            except w.Closed:
                resp = None
            except TimeoutError:
                raise AssertionError("api %d v%d: truncated body neither answered nor closed"
                                     % (api, version))
            if resp is not None:
                assert w.Reader(resp).int32() == 77
        assert_alive(broker)
    topic, group = unique("bi"), unique("grp")
    create_topic(broker.bootstrap, topic, partitions=1)
    with Wire(broker.port) as c:
        j = join_member(c, group, topics=[topic])
        assert j["leader"] == j["member_id"]
        # joined, not yet synced
        assert describe_group(broker.port, group)["state"] == "CompletingRebalance"
        s = c.sync(group, j["generation_id"], j["member_id"], [])
        assert s["error_code"] == NONE, s
        assert describe_group(broker.port, group)["state"] == "Stable"
    assert_alive(broker)
