"""The leader side of replication seen by a real client (confluent-kafka):
on the single broker the ISR is {self}, so a topic asking for
min.insync.replicas=2 refuses acks=all (NOT_ENOUGH_REPLICAS, retried by the
client, reported once its retries run out) and appends nothing, while acks=1
is served."""

from confluent_kafka import KafkaError

from sluice_harness import create_topic, produce, unique, watermarks


def test_acks_all_needs_min_insync_replicas_acks_1_does_not(broker):
    topic = unique("repl-minisr")
    create_topic(broker.bootstrap, topic, 1, config={"min.insync.replicas": "2"})

    # Few retries, well inside message.timeout.ms: the error the client
    # reports is then the broker's, not its own _MSG_TIMED_OUT.
    refused = produce(broker.bootstrap, topic, [{"value": b"all"}], check=False, acks="all",
                      retries=2, retry_backoff_ms=100, message_timeout_ms=10000)
    assert not refused.ok
    assert [err.code() for err, _, _ in refused.failed] == [KafkaError.NOT_ENOUGH_REPLICAS]
    assert watermarks(broker.bootstrap, topic) == (0, 0)

    served = produce(broker.bootstrap, topic, [{"value": b"one"}], acks=1)
    assert len(served.ok) == 1
    assert watermarks(broker.bootstrap, topic) == (0, 1)
