"""request_percentage: the time the broker's I/O thread spends in a client's
request handlers, as a percentage of one thread. A client hammering cheap
requests over a tiny quota has its channel muted (KIP-219) and its request
rate falls; another client on the same broker, meanwhile, is not slowed."""

import threading
import time

import kafka_wire as kw
from test_quotas import alter

NONE = 0
API_METADATA = 3


def hammer(port, client_id, seconds, counts, key):
    """Metadata requests (all topics) one after another for `seconds`."""
    n = 0
    with kw.connect(port, timeout=10.0) as s:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            kw.send_all(s, kw.request(API_METADATA, 1, n, kw.int32(-1), client_id=client_id))
            r = kw.Reader(kw.recv_frame(s, 10.0))
            assert r.int32() == n
            n += 1
    counts[key] = n / seconds


def rates(port, seconds=3.0):
    counts = {}
    threads = [threading.Thread(target=hammer, args=(port, cid, seconds, counts, cid)) for cid in ("limited", "free")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def test_a_client_over_its_request_percentage_is_throttled_and_another_is_not(broker_factory):
    b = broker_factory()
    before = rates(b.port)
    # 0.01 % of a thread: 100 us of handler time per second.
    assert alter(b.port, [([("client-id", "limited")], [("request_percentage", 0.01)])]) == [(NONE, None)]
    after = rates(b.port)
    assert before["limited"] > 2000, before
    assert after["limited"] < before["limited"] / 10, (before, after)
    # The other client keeps going (it gets the thread time the limited one lost).
    assert after["free"] > before["free"] / 2, (before, after)
    # Removing the quota lifts the throttle.
    assert alter(b.port, [([("client-id", "limited")], [("request_percentage", None)])]) == [(NONE, None)]
    time.sleep(1.2)  # the last mute ends (throttles are capped at the quota window)
    lifted = rates(b.port, 2.0)
    print("requests/s before", before, "limited", after, "lifted", lifted)
    assert lifted["limited"] > 10 * after["limited"], (after, lifted)


def test_the_request_throttle_is_reported_in_throttle_time_ms(broker_factory):
    """KIP-219: the answer that takes a client over its request_percentage
    says how long it is throttled (Metadata v5 starts with throttle_time_ms)."""
    b = broker_factory()
    assert alter(b.port, [([("client-id", "limited")], [("request_percentage", 0.01)])]) == [(NONE, None)]
    throttles = []
    with kw.connect(b.port, timeout=10.0) as s:
        for n in range(5000):  # until throttled: a burst of about 1 ms of handler time is allowed
            kw.send_all(s, kw.request(API_METADATA, 5, n, kw.int32(-1) + b"\x00", client_id="limited"))
            r = kw.Reader(kw.recv_frame(s, 10.0))
            assert r.int32() == n
            throttles.append(r.int32())
            if throttles[-1] > 0:
                break
    assert max(throttles) > 0, throttles
    # A client without a quota is never told to wait.
    with kw.connect(b.port, timeout=10.0) as s:
        for n in range(50):
            kw.send_all(s, kw.request(API_METADATA, 5, n, kw.int32(-1) + b"\x00", client_id="free"))
            r = kw.Reader(kw.recv_frame(s, 10.0))
            assert r.int32() == n
            assert r.int32() == 0


def test_a_real_producer_sees_the_request_throttle(broker_factory):
    """librdkafka reports a broker's throttle_time_ms through throttle_cb; a
    request_percentage throttle on Produce answers reaches it."""
    from confluent_kafka import Producer

    b = broker_factory()
    assert alter(b.port, [([("client-id", "slowed")], [("request_percentage", 0.01)])]) == [(NONE, None)]
    seen = []
    p = Producer({
        "bootstrap.servers": f"127.0.0.1:{b.port}",
        "client.id": "slowed",
        "linger.ms": 0,
        "throttle_cb": lambda event: seen.append(event.throttle_time),
    })
    deadline = time.monotonic() + 20
    while not any(t > 0 for t in seen) and time.monotonic() < deadline:
        for _ in range(50):
            p.produce("throttled", b"x" * 100)
        p.flush(10)
        p.poll(0.1)
    assert any(t > 0 for t in seen), seen
