#!/usr/bin/python3
"""The built-in schema registry's costs, one client, one request at a time.

Starts one sluiced (temp dir, free ports) with schema.registry.listeners,
registers SUBJECTS subjects of VERSIONS Avro record versions each (every
version adds a field with a default, so BACKWARD_TRANSITIVE checks the new
schema against all earlier ones), reads schemas by id, then kill -9s the
broker and times the restart until the registry answers with everything
(the state rebuilt from `_schemas`). Prints a markdown table (for
bench/RESULTS.md). The broker is stopped by PID.

    /usr/bin/python3 bench/e2e/schema_registry.py [--subjects N] [--versions V] [--reads R]

Binary: $SLUICED, else build/bin/sluiced.
"""

import argparse
import json
import shutil
import statistics
import tempfile
import time
import urllib.error
import urllib.request

from e2e_common import SingleBroker, binary, free_port

CT = {"Content-Type": "application/vnd.schemaregistry.v1+json"}


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=CT)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def schema(subject, version):
    fields = [{"name": "f0", "type": "string"}]
    fields += [{"name": "f%d" % i, "type": "long", "default": 0} for i in range(1, version)]
    return json.dumps({"type": "record", "name": "R", "namespace": "bench.s%d" % subject, "fields": fields})


def ms(times):
    times = sorted(times)
    return "%.2f" % statistics.median(times), "%.2f" % times[int(len(times) * 0.99) - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=50)
    ap.add_argument("--versions", type=int, default=20)
    ap.add_argument("--reads", type=int, default=2000)
    args = ap.parse_args()
    sluiced = binary("SLUICED", "sluiced", "schema_registry")
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    tmp = tempfile.mkdtemp()
    b = SingleBroker(sluiced, tmp, {"schema.registry.listeners": url})
    rows = []
    try:
        b.start()
        b.wait_listening(port, 15)
        call("PUT", url + "/config", {"compatibility": "BACKWARD_TRANSITIVE"})
        first, later, ids = [], [], []
        for s in range(args.subjects):
            for v in range(1, args.versions + 1):
                t0 = time.perf_counter()
                ids.append(call("POST", url + "/subjects/s%d/versions" % s, {"schema": schema(s, v)})["id"])
                (first if v == 1 else later).append((time.perf_counter() - t0) * 1000)
        rows.append(("register, first version of a subject", len(first)) + ms(first))
        rows.append(("register, version 2..%d (checked against all earlier)" % args.versions, len(later))
                    + ms(later))
        reads = []
        for i in range(args.reads):
            t0 = time.perf_counter()
            call("GET", url + "/schemas/ids/%d" % ids[i % len(ids)])
            reads.append((time.perf_counter() - t0) * 1000)
        rows.append(("GET /schemas/ids/{id}", len(reads)) + ms(reads))
        b.kill9()
        t0 = time.perf_counter()
        b.start()
        while True:
            try:
                if len(call("GET", url + "/subjects")) == args.subjects:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.01)
        rebuilt = (time.perf_counter() - t0) * 1000
        rows.append(("kill -9, restart until all %d versions (%d ids) are served" % (len(ids), len(set(ids))), 1,
                     "%.0f" % rebuilt, "-"))
    finally:
        b.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    print("| operation | n | median ms | p99 ms |")
    print("|---|---|---|---|")
    for r in rows:
        print("| %s | %d | %s | %s |" % r)


if __name__ == "__main__":
    main()
