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
