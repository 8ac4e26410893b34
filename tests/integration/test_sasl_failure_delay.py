"""connection.failed.authentication.delay.ms: as Kafka, a connection whose
SASL authentication failed gets its failure answer and is closed only once
the delay has passed (slowing down password guessing); 0 answers and closes
at once; a successful login is not delayed."""

import time

import kafka_wire as w
from test_sasl import API_SASL_AUTHENTICATE, SASL_AUTHENTICATION_FAILED, closed, handshake, plain_login, sasl_factory  # noqa: F401


def timed_failure(port):
    with w.connect(port) as s:
        assert handshake(s, "PLAIN")[0] == 0
        start = time.monotonic()
        w.send_all(s, w.request(API_SASL_AUTHENTICATE, 1, 2, w.bytes_(b"\0alice\0wrong")))
        r = w.Reader(w.recv_frame(s, 10.0))
        answered = time.monotonic() - start
        assert r.int32() == 2 and r.int16() == SASL_AUTHENTICATION_FAILED
        assert closed(s)
        return answered, time.monotonic() - start


def timed_raw_failure(port):
    with w.connect(port) as s:
        assert handshake(s, "PLAIN", version=0)[0] == 0
        start = time.monotonic()
        w.send_all(s, w.frame(b"\0alice\0wrong"))
        assert closed(s)
        return time.monotonic() - start


def test_a_failed_authentication_is_answered_and_closed_after_the_delay(sasl_factory):  # noqa: F811
    sb = sasl_factory({"connection.failed.authentication.delay.ms": "700"})
    answered, closed_after = timed_failure(sb.port)
    assert answered >= 0.69 and closed_after >= 0.69, (answered, closed_after)
    assert timed_raw_failure(sb.port) >= 0.69
    # A good login is answered at once.
    with w.connect(sb.port) as s:
        start = time.monotonic()
        assert plain_login(s, "alice", "alice-secret")[0] == 0
        assert time.monotonic() - start < 0.5


def test_the_default_delay_is_100_ms_and_0_closes_at_once(sasl_factory):  # noqa: F811
    default = sasl_factory()
    assert timed_failure(default.port)[1] >= 0.099
    none = sasl_factory({"connection.failed.authentication.delay.ms": "0"})
    assert timed_failure(none.port)[1] < 0.09
    assert timed_raw_failure(none.port) < 0.09
