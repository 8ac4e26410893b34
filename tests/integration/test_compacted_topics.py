"""Produce rules of compacted topics, checked with confluent-kafka."""

from sluice_harness import create_topic, produce, unique, watermarks


def test_record_without_key_is_rejected_on_a_compacted_topic(broker):
    topic = unique("cmp")
    create_topic(broker.bootstrap, topic, config={"cleanup.policy": "compact"})
    d = produce(broker.bootstrap, topic, [{"value": b"no key"}], check=False,
                message_timeout_ms=10000, retries=0)
    assert len(d.failed) == 1 and not d.ok
    err = d.failed[0][0]
    assert err.name() == "INVALID_RECORD", err
    # Keyed records are fine, and the refused one took no offset.
    d = produce(broker.bootstrap, topic, [{"key": b"k", "value": b"v"}])
    assert [o for _, o, _, _ in d.ok] == [0]
    assert watermarks(broker.bootstrap, topic) == (0, 1)


def test_produce_v8_names_each_keyless_record(broker):
    """KIP-467: the batch is refused with INVALID_RECORD, and record_errors
    name every keyless record by its index in the batch, as Kafka does."""
    import kafka_wire as w
    topic = unique("cmp-v8")
    create_topic(broker.bootstrap, topic, config={"cleanup.policy": "compact"})
    records = [(b"k0", b"v", []), (None, b"v", []), (b"k2", b"v", []), (None, b"v", [])]
    with w.connect(broker.port) as s:
        body = w.produce_v3_body(topic, 0, w.record_batch(records))
        topics, _ = w.parse_produce_v8(w.roundtrip(s, w.API_PRODUCE, 8, 7, body))
    p = topics[topic][0]
    assert p["error_code"] == 87 and p["base_offset"] == -1
    why = "Compacted topic cannot accept message without key in topic partition %s-0." % topic
    assert p["record_errors"] == [dict(batch_index=1, message=why), dict(batch_index=3, message=why)]
    assert p["error_message"].startswith("One or more records have been rejected due to 2 record errors")
    assert watermarks(broker.bootstrap, topic) == (0, 0)
    # Before v8 the same batch gets the bare error code.
    with w.connect(broker.port) as s:
        body = w.produce_v3_body(topic, 0, w.record_batch(records))
        topics, _ = w.parse_produce_v3(w.roundtrip(s, w.API_PRODUCE, 3, 8, body))
    assert topics[topic][0]["error_code"] == 87


def test_keyless_records_are_fine_on_a_delete_topic(broker):
    topic = unique("del")
    create_topic(broker.bootstrap, topic, config={"cleanup.policy": "delete"})
    d = produce(broker.bootstrap, topic, [{"value": b"no key"}])
    assert len(d.ok) == 1


# --- the log cleaner, end to end -------------------------------------------

import os
import time

from sluice_harness import consume, wait_until

CLEANER_OVERRIDES = {
    "log.cleaner.backoff.ms": "200",
    "log.retention.check.interval.ms": "200",  # also rolls segments by segment.ms
}
COMPACTED = {
    "cleanup.policy": "compact",
    "segment.bytes": "4096",
    "segment.ms": "500",
    "min.cleanable.dirty.ratio": "0.01",
    "delete.retention.ms": "1500",
}


def log_bytes(broker, topic):
    d = broker.partition_dir(topic)
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".log"))


def latest_per_key(records):
    latest = {}
    for offset, key, value in records:
        latest[key] = (offset, value)
    return latest


def read_all(broker, topic):
    return [(m.offset(), m.key(), m.value()) for m in consume(broker.bootstrap, topic)]


def test_cleaner_keeps_latest_value_per_key_at_its_offset(broker_factory):
    broker = broker_factory(CLEANER_OVERRIDES)
    topic = unique("compact")
    create_topic(broker.bootstrap, topic, config=COMPACTED)
    keys = [b"key-%02d" % i for i in range(20)]
    messages = [{"key": k, "value": b"%s-v%d-%s" % (k, v, b"x" * 40)} for v in range(12) for k in keys]
    messages += [{"key": k, "value": None} for k in keys[:5]]  # tombstones
    produce(broker.bootstrap, topic, messages)
    written = [(i, m["key"], m["value"]) for i, m in enumerate(messages)]
    expected = latest_per_key(written)
    size_before = log_bytes(broker, topic)

    # Cleaned: exactly one record per key, the latest, at its original offset
    # (tombstones still there: they are kept for delete.retention.ms).
    def compacted():
        got = read_all(broker, topic)
        return len(got) == len(expected) and latest_per_key(got) == expected

    wait_until(compacted, 30, "one record per key (tombstones included) after cleaning")
    got = read_all(broker, topic)
    assert [o for o, _, _ in got] == sorted(o for o, _ in expected.values())  # order kept, gaps allowed
    assert log_bytes(broker, topic) < size_before / 3

    # Once delete.retention.ms has passed since that cleaning, the next
    # cleaning (new writes make the log dirty again) drops the tombstones
    # and with them the deleted keys.
    time.sleep(1.6)
    filler = [{"key": b"filler", "value": b"f%d" % i} for i in range(40)]
    produce(broker.bootstrap, topic, filler)
    live = {k: v for k, v in expected.items() if v[1] is not None}
    live[b"filler"] = (len(messages) + len(filler) - 1, b"f39")
    wait_until(lambda: latest_per_key(read_all(broker, topic)) == live and len(read_all(broker, topic)) == len(live),
               30, "tombstones removed after delete.retention.ms")
    # The high watermark never moves back: offsets are preserved.
    assert watermarks(broker.bootstrap, topic)[1] == len(messages) + len(filler)


def test_compaction_survives_restart_and_keeps_cleaning(broker_factory):
    broker = broker_factory(CLEANER_OVERRIDES)
    topic = unique("compact")
    create_topic(broker.bootstrap, topic, config=COMPACTED)
    keys = [b"k%d" % i for i in range(10)]
    first = [{"key": k, "value": b"a-%s" % k} for _ in range(8) for k in keys]
    produce(broker.bootstrap, topic, first)
    wait_until(lambda: len(read_all(broker, topic)) == len(keys), 30, "first round cleaned")
    broker.stop()
    broker.start()
    second = [{"key": k, "value": b"b-%s" % k} for _ in range(8) for k in keys]
    produce(broker.bootstrap, topic, second)
    wait_until(lambda: len(read_all(broker, topic)) == len(keys), 30, "second round cleaned after restart")
    assert {k: v for _, k, v in read_all(broker, topic)} == {k: b"b-%s" % k for k in keys}
    # A consumer still sees the original offsets of the survivors.
    assert [o for o, _, _ in read_all(broker, topic)] == list(range(len(first) + len(second) - len(keys),
                                                                     len(first) + len(second)))


def test_kill_9_during_cleaning_loses_no_key(broker_factory):
    """SIGKILL the broker at arbitrary moments while the cleaner works, several
    times: after each restart every key still has its latest value, offsets
    never repeat, and cleaning carries on."""
    import random
    rng = random.Random(20261125)
    broker = broker_factory(dict(CLEANER_OVERRIDES, **{"log.cleaner.backoff.ms": "20"}))
    topic = unique("compact-kill")
    create_topic(broker.bootstrap, topic, config=dict(COMPACTED, **{"segment.bytes": "2048"}))
    keys = [b"k%03d" % i for i in range(60)]
    written = []
    for round_no in range(6):
        batch = [{"key": k, "value": b"r%d-%s-%s" % (round_no, k, b"y" * 30)} for _ in range(3) for k in keys]
        d = produce(broker.bootstrap, topic, batch)
        written += [(o, m["key"], m["value"]) for (_, o, _, _), m in zip(sorted(d.ok, key=lambda x: x[1]), batch)]
        # The cleaner runs every 20 ms on the freshly closed segments: a kill
        # a few ms later lands before, during or after a swap.
        time.sleep(rng.uniform(0.0, 0.15))
        broker.kill9()
        broker.start()
        got = read_all(broker, topic)
        offsets = [o for o, _, _ in got]
        assert offsets == sorted(set(offsets)), "offsets repeat or go backwards after kill -9"
        assert latest_per_key(got) == latest_per_key(written), "a key lost its latest value in round %d" % round_no
    assert open(broker.log_path, "rb").read().count(b"compaction: cleaned") >= 1
    wait_until(lambda: len(read_all(broker, topic)) == len(keys), 30, "cleaning to finish after the last restart")
    assert latest_per_key(read_all(broker, topic)) == latest_per_key(written)
