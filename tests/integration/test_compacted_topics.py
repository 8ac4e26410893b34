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


def test_keyless_records_are_fine_on_a_delete_topic(broker):
    topic = unique("del")
    create_topic(broker.bootstrap, topic, config={"cleanup.policy": "delete"})
    d = produce(broker.bootstrap, topic, [{"value": b"no key"}])
    assert len(d.ok) == 1
