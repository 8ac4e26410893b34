"""Connection limits, as Kafka's properties set them: max.connections.per.ip
(and its overrides) closes a connection past its address's limit at once,
even thousands of them, and the broker's descriptors come back to their
baseline; max.connections makes the listener wait until a slot frees;
connections.max.idle.ms closes a connection that does nothing; and a
request sent in part and left there (slow loris) is closed after
sluice.request.read.timeout.ms. Each case checks the broker still serves
others."""

import os
import resource
import socket
import struct
import time

import kafka_wire as w
from sluice_harness import broker_alive, producer, unique, wait_until


def api_versions_ok(port, timeout=5.0):
    try:
        with w.connect(port, timeout) as s:
            r = w.roundtrip(s, 18, 0, 1, w.api_versions_v0_body(), timeout=timeout)
            return w.parse_api_versions_v0(r)[0] == 0
    except (OSError, w.WireError, w.Closed):
        return False


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def served(s):
    """Whether an open connection still gets an answer."""
    try:
        r = w.roundtrip(s, 18, 0, 7, w.api_versions_v0_body(), timeout=3)
        return w.parse_api_versions_v0(r)[0] == 0
    except (OSError, w.WireError, w.Closed):
        return False


def test_per_ip_limit_closes_the_extra_connections_even_thousands(broker_factory):
    b = broker_factory({"max.connections.per.ip": "20"})
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    baseline = open_fds(b.pid)
    kept = [w.connect(b.port) for _ in range(20)]
    try:
        assert all(served(s) for s in kept)
        extra = []
        for _ in range(2000):
            try:
                extra.append(socket.create_connection(("127.0.0.1", b.port), timeout=5))
            except OSError:
                pass
        # Every connection past the twentieth is closed by the broker.
        for s in extra:
            assert w.wait_closed(s, 10)
            s.close()
        assert all(served(s) for s in kept)
    finally:
        for s in kept:
            s.close()
    # The slots free as the connections go; descriptors back to the baseline.
    wait_until(lambda: api_versions_ok(b.port), 10, "a connection accepted again")
    wait_until(lambda: open_fds(b.pid) <= baseline + 2, 10, "the broker's descriptors back to the baseline")
    assert broker_alive(b.port)


def test_per_ip_overrides(broker_factory):
    b = broker_factory({"max.connections.per.ip": "0", "max.connections.per.ip.overrides": "127.0.0.1:3"})
    kept = [w.connect(b.port) for _ in range(3)]
    try:
        assert all(served(s) for s in kept)
        with w.connect(b.port) as fourth:
            assert w.wait_closed(fourth, 5)
    finally:
        for s in kept:
            s.close()


def test_a_bad_overrides_value_refuses_to_start(broker_factory):
    from sluice_harness import Broker, BrokerError
    import pytest
    b = Broker({"max.connections.per.ip.overrides": "127.0.0.1:many"})
    with pytest.raises(BrokerError) as e:
        b.start()
    assert "max.connections.per.ip.overrides" in str(e.value)
    b.close()


def test_max_connections_waits_for_a_slot(broker_factory):
    b = broker_factory({"max.connections": "3"})
    kept = [w.connect(b.port) for _ in range(3)]
    assert all(served(s) for s in kept)
    # The fourth is connected by the kernel but not served until one closes.
    waiting = w.connect(b.port)
    w.send_all(waiting, w.request(18, 0, 9, w.api_versions_v0_body()))
    waiting.settimeout(1.5)
    try:
        assert waiting.recv(4) == b""
        raise AssertionError("answered past max.connections")
    except socket.timeout:
        pass
    kept.pop().close()
    waiting.settimeout(10)
    frame = w.recv_frame(waiting, 10)
    assert struct.unpack(">i", frame[:4])[0] == 9  # the correlation id: served now
    waiting.close()
    for s in kept:
        s.close()


def test_an_idle_connection_is_closed_and_an_active_one_is_not(broker_factory):
    b = broker_factory({"connections.max.idle.ms": "1000"})
    idle = w.connect(b.port)
    active = w.connect(b.port)
    start = time.monotonic()
    while time.monotonic() - start < 3:
        assert served(active)
        time.sleep(0.3)
    assert w.wait_closed(idle, 2)
    assert served(active)
    # A client library reconnects by itself.
    p = producer(b.bootstrap)
    p.produce(unique("idle"), b"v")
    assert p.flush(20) == 0
    active.close()


def test_a_stalled_partial_request_is_closed(broker_factory):
    b = broker_factory({"sluice.request.read.timeout.ms": "1000"})
    frame = w.request(18, 0, 1, w.api_versions_v0_body())
    half_size = w.connect(b.port)
    w.send_all(half_size, frame[:2])        # part of the size prefix
    half_body = w.connect(b.port)
    w.send_all(half_body, frame[:-3])       # all but the end of the body
    trickle = w.connect(b.port)
    trickle_closed = False
    start = time.monotonic()
    try:
        for i in range(len(frame) - 1):     # a byte every 100 ms: too slow in total
            w.send_all(trickle, frame[i:i + 1])
            time.sleep(0.1)
    except (OSError, w.Closed):
        trickle_closed = True               # closed under it
    assert trickle_closed or w.wait_closed(trickle, 5)
    assert time.monotonic() - start < 6
    for s in (half_size, half_body):
        assert w.wait_closed(s, 5)
        s.close()
    trickle.close()
    assert api_versions_ok(b.port)
