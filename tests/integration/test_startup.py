"""sluiced's command line and configuration as a user meets them: a
server.properties file, --override, unknown and malformed properties,
and a clean SIGTERM."""

import os
import signal
import subprocess
import tempfile

from sluice_harness import Broker, free_port, run, sluiced_path, unique


def start_with(args, cwd):
    # No HTTP listeners: their default ports would clash with other brokers on the machine.
    args = args + ["--override", "http.listeners=", "--override", "schema.registry.listeners="]
    return subprocess.Popen([sluiced_path()] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd)


def test_malformed_value_is_a_startup_error_naming_the_property():
    with tempfile.TemporaryDirectory() as tmp:
        for key, value in [("num.partitions", "many"), ("log.retention.ms", "1.5"),
                           ("auto.create.topics.enable", "perhaps"), ("listeners", "nonsense")]:
            p = start_with(["--override", "log.dirs=" + tmp, "--override", "%s=%s" % (key, value)], tmp)
            out, err = p.communicate(timeout=20)
            assert p.returncode == 1, (key, p.returncode, err)
            assert key.encode() in err and value.encode() in err, err


def test_properties_file_with_unknown_keys_warns_and_serves():
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        props = os.path.join(tmp, "server.properties")
        with open(props, "w") as f:
            f.write("# a Kafka user's file\n")
            f.write("listeners=PLAINTEXT://127.0.0.1:%d\n" % port)
            f.write("log.dirs=%s/data\n" % tmp)
            f.write("num.partitions=3\n")
            f.write("zookeeper.connect=localhost:2181\n")
            f.write("sluice.no.such.property=1\n")
        p = start_with([props, "--override", "num.partitions=4"], tmp)
        try:
            topic = unique("auto")
            cp = run(["kcat", "-b", "127.0.0.1:%d" % port, "-L", "-t", topic, "-J"], timeout=30)
            import json
            meta = json.loads(cp.stdout)
            assert len(meta["topics"][0]["partitions"]) == 4  # the override wins over the file
        finally:
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=15)
        assert p.returncode == 0
        assert b"sluice.no.such.property" in err  # named in a warning
        assert b"warn" in err.lower()


def test_sigint_shuts_down_cleanly_and_restart_needs_no_recovery(broker_factory):
    b = broker_factory()
    topic = unique("clean")
    run(["kcat", "-b", b.bootstrap, "-P", "-t", topic], input=b"one\ntwo\n")
    os.kill(b.pid, signal.SIGINT)
    assert b.proc.wait(timeout=10) == 0
    b.start()
    cp = run(["kcat", "-b", b.bootstrap, "-C", "-t", topic, "-e", "-q"])
    assert cp.stdout.split() == [b"one", b"two"]
    assert b"unclean" not in open(b.log_path, "rb").read().split(b"=== start #2")[-1]


def test_no_inter_broker_listener_is_a_startup_error():
    """As Kafka: with neither inter.broker.listener.name nor
    security.inter.broker.protocol set, the inter-broker listener is
    PLAINTEXT, and a broker without one refuses to start."""
    with tempfile.TemporaryDirectory() as tmp:
        listeners = "SASL_PLAINTEXT://127.0.0.1:%d" % free_port()
        p = start_with(["--override", "log.dirs=" + tmp, "--override", "listeners=" + listeners,
                        "--override", "sasl.enabled.mechanisms=SCRAM-SHA-256"], tmp)
        out, err = p.communicate(timeout=20)
        assert p.returncode == 1, err
        assert b"inter.broker.listener.name" in err and b"SASL_PLAINTEXT" in err, err


def test_a_broker_that_cannot_reach_etcd_gives_up_after_the_registration_timeout():
    """initial.broker.registration.timeout.ms bounds the wait for etcd at
    startup (Kafka's bound on a broker's first registration)."""
    import time
    with tempfile.TemporaryDirectory() as tmp:
        nobody = "http://127.0.0.1:%d" % free_port()
        started = time.monotonic()
        p = start_with(["--override", "log.dirs=" + tmp, "--override", "metadata.etcd.endpoints=" + nobody,
                        "--override", "initial.broker.registration.timeout.ms=1500",
                        "--override", "listeners=PLAINTEXT://127.0.0.1:%d" % free_port()], tmp)
        out, err = p.communicate(timeout=30)
        took = time.monotonic() - started
        assert p.returncode == 1, err
        assert nobody.encode() in err, err
        assert 1.4 <= took <= 10, took
