"""pytest fixtures for the integration tests: `broker` (one sluiced with
default settings) and `broker_factory` (start brokers with custom
overrides). Both are function-scoped; every broker is stopped by PID and its
temp dir removed in the finalizer, whatever the test's outcome. When a test
fails, the tail of each of its brokers' stderr log is attached to the report.
"""

import pytest

from sluice_harness import Broker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for b in getattr(item, "_sluice_brokers", []):
            rep.sections.append(("sluiced stderr (%s, port %d)" % (b.name, b.port),
                                 b.log_tail()))


@pytest.fixture
def broker_factory(request):
    brokers = []
    request.node._sluice_brokers = brokers

    def make(overrides=None, name=None):
        b = Broker(overrides, name=name or "sluiced#%d" % len(brokers))
        brokers.append(b)  # registered before start, so a failed start is cleaned up too
        b.start()
        return b

    yield make

    problems = []
    for b in brokers:
        problems += b.close()
    if problems:
        pytest.fail("unclean broker shutdown:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def broker(broker_factory):
    return broker_factory()
