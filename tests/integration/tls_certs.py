"""Certificates for the TLS tests, made with the `openssl` command in a temp
dir: a CA, a server certificate for localhost/127.0.0.1, a client
certificate, an expired client certificate, and a client certificate from
another CA the broker does not trust."""

import os
import subprocess
import tempfile

CLIENT_DN = "CN=client,OU=Clients,O=Sluice"
CLIENT_PRINCIPAL = "User:" + CLIENT_DN


def _openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)


def _ca(d, name, subject):
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
             "-out", name + ".pem", "-days", "2", "-subj", subject, cwd=d)


def _signed(d, name, subject, ca, ext=None, days="2"):
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
             "-out", name + ".csr", "-subj", subject, cwd=d)
    argv = ["x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", name + ".pem", "-days", days]
    if ext:
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext)
        argv += ["-extfile", name + ".ext"]
    _openssl(*argv, cwd=d)


def _expired(d, name, subject, ca):
    """Valid for one day in 2020: `openssl ca` takes explicit dates."""
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
             "-out", name + ".csr", "-subj", subject, cwd=d)
    db = os.path.join(d, "ca-db")
    os.makedirs(db, exist_ok=True)
    open(os.path.join(db, "index.txt"), "w").close()
    with open(os.path.join(db, "serial"), "w") as f:
        f.write("1000\n")
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = d\n[d]\ndatabase = ca-db/index.txt\nnew_certs_dir = ca-db\n"
                "serial = ca-db/serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n"
                "organizationalUnitName = optional\norganizationName = optional\n")
    _openssl("ca", "-batch", "-config", "ca.cnf", "-cert", ca + ".pem", "-keyfile", ca + ".key",
             "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext",
             "-in", name + ".csr", "-out", name + ".pem", cwd=d)


class Certs:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-tls-")
        d = self.dir
        _ca(d, "ca", "/CN=Sluice Test CA")
        _ca(d, "other-ca", "/CN=Someone Else CA")
        _signed(d, "server", "/CN=localhost", "ca",
                ext="subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        _signed(d, "client", "/O=Sluice/OU=Clients/CN=client", "ca")
        _expired(d, "expired", "/O=Sluice/OU=Clients/CN=expired", "ca")
        _signed(d, "stranger", "/O=Elsewhere/CN=stranger", "other-ca")
        # The broker's key store: private key and certificate chain in one PEM.
        with open(self.path("server-keystore.pem"), "w") as out:
            for part in ("server.key", "server.pem"):
                with open(self.path(part)) as f:
                    out.write(f.read())

    def path(self, name):
        return os.path.join(self.dir, name)

    @property
    def ca(self):
        return self.path("ca.pem")

    def cert(self, name):
        return self.path(name + ".pem")

    def key(self, name):
        return self.path(name + ".key")
