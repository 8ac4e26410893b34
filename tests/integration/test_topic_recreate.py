"""Deleting and re-creating a topic while work for its old incarnation is
still in flight (flushes on the background pool with flush.messages=1,
cleanings and segment swaps every 20 ms): the new topic holds exactly its
own records, before and after a restart, the broker stops cleanly, and the
old directories are deleted."""

import os
import time

from sluice_harness import admin, consume, create_topic, produce, topic_names, unique, wait_until

OVERRIDES = {
    "log.cleaner.backoff.ms": "20",
    "log.retention.check.interval.ms": "50",  # rolls by segment.ms, flushes, checkpoints
}
CONFIG = {
    "cleanup.policy": "compact",
    "segment.bytes": "2048",
    "segment.ms": "100",
    "min.cleanable.dirty.ratio": "0.01",
    "flush.messages": "1",
}
KEYS = [b"k%02d" % i for i in range(30)]


def delete_topic(bootstrap, topic):
    futures = admin(bootstrap).delete_topics([topic], operation_timeout=10)
    for f in futures.values():
        f.result(10)
    wait_until(lambda: topic not in topic_names(bootstrap), 10, "topic %s deleted" % topic)


def check_round(broker, topic, round_no):
    got = [(m.key(), m.value()) for m in consume(broker.bootstrap, topic)]
    stray = [v for _, v in got if not v.startswith(b"r%d-" % round_no)]
    assert not stray, "round %d reads records of an earlier incarnation: %r" % (round_no, stray[:3])
    latest = dict(got)
    assert set(latest) == set(KEYS)
    assert all(v.startswith(b"r%d-%s-v3" % (round_no, k)) for k, v in latest.items())


def test_recreated_topic_never_sees_its_old_incarnation(broker_factory):
    broker = broker_factory(OVERRIDES)
    topic = unique("recreate")
    rounds = 6
    for round_no in range(rounds):
        create_topic(broker.bootstrap, topic, config=CONFIG)
        msgs = [{"key": k, "value": b"r%d-%s-v%d-%s" % (round_no, k, v, b"z" * 40)} for v in range(4) for k in KEYS]
        produce(broker.bootstrap, topic, msgs)
        time.sleep(0.03 * (round_no % 4))  # delete at different points of the cleaner's cycle
        check_round(broker, topic, round_no)
        if round_no < rounds - 1:
            delete_topic(broker.bootstrap, topic)
    # Cleaning goes on for the last incarnation.
    wait_until(lambda: len(consume(broker.bootstrap, topic)) == len(KEYS), 30, "last incarnation cleaned")

    broker.stop()
    broker.start()
    check_round(broker, topic, rounds - 1)
    leftovers = [d for d in os.listdir(broker.data_dir) if d.endswith("-delete")]
    assert not leftovers, leftovers


def test_a_deleted_topics_directory_that_comes_back_is_set_aside(broker_factory):
    """A crash can undo the rename that removes a deleted topic's directory.
    The directory is then back under its old name: it must not be served as
    a new topic of that name, nor linger as a log nobody owns. As Kafka, the
    partition directory records its topic id (partition.metadata), and a
    directory no topic accounts for is renamed *-stray at startup."""
    import shutil

    b = broker_factory()
    gone, back = unique("gone"), unique("back")
    for t in (gone, back):
        create_topic(b.bootstrap, t)
        produce(b.bootstrap, t, [{"value": b"old-%d" % i} for i in range(5)])
    with open(os.path.join(b.partition_dir(back), "partition.metadata")) as f:
        assert f.read().startswith("version: 0\ntopic_id: ")
    b.stop()
    saved = {}
    for t in (gone, back):
        saved[t] = os.path.join(b.tmp, t + "-saved")
        shutil.copytree(b.partition_dir(t), saved[t])
    b.restart()
    delete_topic(b.bootstrap, gone)
    delete_topic(b.bootstrap, back)
    create_topic(b.bootstrap, back)  # a new topic of the same name
    produce(b.bootstrap, back, [{"value": b"new"}])
    b.stop()
    for t in (gone, back):
        # The deletions' renames "lost": the old directories are back.
        shutil.rmtree(b.partition_dir(t), ignore_errors=True)
        shutil.copytree(saved[t], b.partition_dir(t))
    b.restart()
    assert gone not in topic_names(b.bootstrap)
    assert [m.value() for m in consume(b.bootstrap, back)] == []  # the new topic's record went with the copy
    produce(b.bootstrap, back, [{"value": b"fresh"}])
    assert [m.value() for m in consume(b.bootstrap, back)] == [b"fresh"]
    # Re-creating the deleted name starts empty too.
    create_topic(b.bootstrap, gone)
    assert consume(b.bootstrap, gone) == []
    strays = [n for n in os.listdir(b.data_dir) if n.endswith("-stray")]
    assert any(n.startswith(gone + "-0.") for n in strays), strays
    assert any(n.startswith(back + "-0.") for n in strays), strays
    assert "set aside" in b.log_tail(20000)
