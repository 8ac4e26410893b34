"""kafkajs over SASL_SSL with SCRAM-SHA-256: TLS (trusting the test CA),
then kafkajs's SCRAM login, then it produces and reads back through a
consumer group; a wrong password fails the login. (kafkajs over SSL with
and without mTLS is in test_tls.py.)"""

import json

from sluice_harness import Broker, free_port, run, unique
from test_sasl import JS_DIR, PLAIN_JAAS, add_scram_user
from test_tls import certs  # noqa: F401


def sasl_ssl_broker(request, certs):  # noqa: F811
    b = Broker(name="sluiced-sasl-ssl-js")
    request.node._sluice_brokers.append(b)  # stopped by broker_factory's finalizer
    port = free_port()
    listeners = "PLAINTEXT://127.0.0.1:%d,SASL_SSL://127.0.0.1:%d" % (b.port, port)
    b.overrides.update({"listeners": listeners, "advertised.listeners": listeners,
                        "ssl.keystore.type": "PEM", "ssl.keystore.location": certs.path("server-keystore.pem"),
                        "sasl.enabled.mechanisms": "SCRAM-SHA-256",
                        "listener.name.sasl_ssl.plain.sasl.jaas.config": PLAIN_JAAS})
    b.start()
    b.plain_bootstrap = b.bootstrap  # where add_scram_user reaches the broker
    return b, "127.0.0.1:%d" % port


def test_kafkajs_over_sasl_ssl_with_scram_sha_256(broker_factory, request, certs, monkeypatch):  # noqa: F811
    b, bootstrap = sasl_ssl_broker(request, certs)
    add_scram_user(b, "js-user", "js-secret", "SCRAM-SHA-256")
    topic = unique("sasl-ssl-js")
    monkeypatch.setenv("SASL_MECHANISM", "scram-sha-256")
    monkeypatch.setenv("SASL_USERNAME", "js-user")
    monkeypatch.setenv("SASL_PASSWORD", "js-secret")
    cp = run(["node", "ssl_roundtrip.js", bootstrap, topic, unique("g"), "10", certs.ca], timeout=70, cwd=JS_DIR)
    assert sorted(json.loads(cp.stdout.decode())) == sorted("js-tls-%d" % i for i in range(10))

    monkeypatch.setenv("SASL_PASSWORD", "wrong")
    cp = run(["node", "ssl_roundtrip.js", bootstrap, unique("sasl-ssl-js"), unique("g"), "1", certs.ca],
             timeout=70, cwd=JS_DIR, check=False)
    assert cp.returncode != 0
    assert b"SASL SCRAM SHA256 authentication failed" in cp.stderr or b"SASL_AUTHENTICATION_FAILED" in cp.stderr \
        or b"Authentication failed" in cp.stderr, cp.stderr[-2000:]
