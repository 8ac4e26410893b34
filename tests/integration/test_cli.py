"""The `sluice` admin CLI against a real sluiced: topic create/list/describe/
delete, configs, add-partitions and offsets, each cross-checked with kcat;
dump-log on segments the broker wrote (gzip batches, records, indexes) and
on garbage and truncated files; exit codes for bad arguments (2) and an
unreachable broker (1).

SLUICE_CLI names the binary (default ../../build/bin/sluice); a missing
binary fails the tests rather than skipping them.
"""

import json
import os
import random
import re
import struct
import subprocess

import pytest

from sluice_harness import HERE, free_port, read_batch_headers, run, unique, wait_until

DEFAULT_CLI = os.path.normpath(os.path.join(HERE, "..", "..", "build", "bin", "sluice"))


def cli_path():
    path = os.environ.get("SLUICE_CLI") or DEFAULT_CLI
    assert os.path.isfile(path) and os.access(path, os.X_OK), (
        "sluice CLI binary not found or not executable: %r (set SLUICE_CLI or build build/bin/sluice)" % path)
    return path


def cli(*args, broker=None, rc=0, env=None, timeout=30):
    """Runs the CLI; asserts the exit code (rc=None: any, but never a
    signal). SLUICE_BOOTSTRAP is removed from the environment unless `env`
    sets it, so the tests do not depend on the caller's shell. Returns
    (stdout, stderr) as text."""
    argv = [cli_path()] + list(args)
    if broker is not None:
        argv += ["-b", broker.bootstrap]
    full_env = dict(os.environ)
    full_env.pop("SLUICE_BOOTSTRAP", None)
    full_env.update(env or {})
    try:
        cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, env=full_env)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("%s timed out after %d s" % (" ".join(argv), timeout)) from e
    out = cp.stdout.decode(errors="replace")
    err = cp.stderr.decode(errors="replace")
    assert cp.returncode >= 0, "%s killed by signal %d\nstderr: %s" % (argv, -cp.returncode, err)
    if rc is not None:
        assert cp.returncode == rc, "%s exited %d, expected %d\nstdout: %s\nstderr: %s" % (
            " ".join(argv), cp.returncode, rc, out[-3000:], err[-3000:])
    return out, err


def kcat(broker, *args, input=None):
    return run(["kcat", "-b", broker.bootstrap, "-m", "10", "-X", "socket.timeout.ms=10000"] + list(args),
               input=input, timeout=30)


def kcat_topics(broker):
    """topic -> kcat's JSON metadata entry (all-topics request: never auto-creates)."""
    md = json.loads(kcat(broker, "-L", "-J").stdout.decode())
    return {t["topic"]: t for t in md["topics"]}


def kcat_produce(broker, topic, partition, lines, *args):
    data = "".join(l + "\n" for l in lines).encode()
    cp = kcat(broker, "-P", "-t", topic, "-p", str(partition), "-X", "message.timeout.ms=15000", *args, input=data)
    assert b"ERROR" not in cp.stderr, cp.stderr


def table_rows(text, first_header):
    """The rows of the table whose header line starts with first_header, as
    lists of cells (columns are separated by 2+ spaces)."""
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith(first_header))
    rows = []
    for l in lines[start + 1:]:
        if not l.strip():
            break
        rows.append(re.split(r"\s{2,}", l.strip()))
    return rows


def describe_fields(text):
    """'Key:   value' lines of `topics describe` as a dict."""
    out = {}
    for l in text.splitlines():
        m = re.match(r"^(\w+):\s+(.*)$", l)
        if m:
            out[m.group(1)] = m.group(2)
    return out


# --------------------------------------------------------------------------
# topics

def test_topic_create_list_describe_delete(broker):
    topic = unique("cli")
    out, _ = cli("topics", "create", "-t", topic, "-p", "3", "-r", "1", "-c", "retention.ms=3600000",
                 "-c", "cleanup.policy=delete", broker=broker)
    assert "Created topic '%s'" % topic in out

    out, _ = cli("topics", "list", broker=broker)
    assert topic in out.splitlines()

    md = wait_until(lambda: kcat_topics(broker).get(topic), 10, "kcat -L to list %s" % topic)
    assert sorted(p["partition"] for p in md["partitions"]) == [0, 1, 2]

    out, _ = cli("topics", "describe", "-t", topic, broker=broker)
    f = describe_fields(out)
    assert f["Topic"] == topic
    assert f["PartitionCount"] == "3"
    assert f["ReplicationFactor"] == "1"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", f["TopicId"]), f["TopicId"]
    assert sorted(f["Configs"].split(",")) == ["cleanup.policy=delete", "retention.ms=3600000"]
    rows = table_rows(out, "PARTITION")
    kcat_leaders = {p["partition"]: p["leader"] for p in md["partitions"]}
    kcat_replicas = {p["partition"]: [r["id"] for r in p["replicas"]] for p in md["partitions"]}
    assert [int(r[0]) for r in rows] == [0, 1, 2]
    for r in rows:
        assert int(r[1]) == kcat_leaders[int(r[0])]
        assert [int(x) for x in r[2].split(",")] == kcat_replicas[int(r[0])]

    out, _ = cli("topics", "delete", "-t", topic, broker=broker)
    assert "Deleted topic '%s'" % topic in out
    out, _ = cli("topics", "list", broker=broker)
    assert topic not in out.splitlines()
    wait_until(lambda: topic not in kcat_topics(broker), 10, "kcat -L to stop listing %s" % topic)

    _, err = cli("topics", "delete", "-t", topic, broker=broker, rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err
    _, err = cli("topics", "describe", "-t", topic, broker=broker, rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err


def test_topic_create_twice_names_the_error(broker):
    topic = unique("cli-dup")
    cli("topics", "create", "-t", topic, broker=broker)
    _, err = cli("topics", "create", "-t", topic, broker=broker, rc=1)
    assert "TOPIC_ALREADY_EXISTS" in err
    _, err = cli("topics", "create", "-t", unique("cli-badcfg"), "-c", "retention.ms=soon", broker=broker, rc=1)
    assert "INVALID_CONFIG" in err


def test_topic_list_uses_sluice_bootstrap_env(broker):
    topic = unique("cli-env")
    cli("topics", "create", "-t", topic, broker=broker)
    out, _ = cli("topics", "list", env={"SLUICE_BOOTSTRAP": broker.bootstrap})
    assert topic in out.splitlines()


def test_add_partitions(broker):
    topic = unique("cli-grow")
    cli("topics", "create", "-t", topic, "-p", "1", broker=broker)
    out, _ = cli("topics", "add-partitions", "-t", topic, "-p", "4", broker=broker)
    assert "now has 4 partition(s)" in out
    out, _ = cli("topics", "describe", "-t", topic, broker=broker)
    assert describe_fields(out)["PartitionCount"] == "4"
    assert [int(r[0]) for r in table_rows(out, "PARTITION")] == [0, 1, 2, 3]
    wait_until(lambda: len(kcat_topics(broker).get(topic, {}).get("partitions", [])) == 4, 10,
               "kcat -L to show 4 partitions of %s" % topic)
    _, err = cli("topics", "add-partitions", "-t", topic, "-p", "2", broker=broker, rc=1)
    assert "INVALID_PARTITIONS" in err


# --------------------------------------------------------------------------
# configs

def test_configs_set_describe_delete(broker):
    topic = unique("cli-cfg")
    cli("topics", "create", "-t", topic, broker=broker)
    out, _ = cli("configs", "describe", "--topic", topic, broker=broker)
    assert "differ from the defaults" in out

    cli("configs", "set", "--topic", topic, "retention.ms=120000", "segment.bytes=1048576", broker=broker)
    out, _ = cli("configs", "describe", "--topic", topic, broker=broker)
    rows = {r[0]: r for r in table_rows(out, "NAME")}
    assert set(rows) == {"retention.ms", "segment.bytes"}
    assert rows["retention.ms"][1:3] == ["120000", "DYNAMIC_TOPIC_CONFIG"]
    assert rows["segment.bytes"][1:3] == ["1048576", "DYNAMIC_TOPIC_CONFIG"]

    out, _ = cli("configs", "describe", "--topic", topic, "--all", broker=broker)
    all_rows = {r[0]: r for r in table_rows(out, "NAME")}
    assert all_rows["retention.ms"][1] == "120000"
    assert any(r[2] == "DEFAULT_CONFIG" for r in all_rows.values())

    out, _ = cli("topics", "describe", "-t", topic, broker=broker)
    assert sorted(describe_fields(out)["Configs"].split(",")) == ["retention.ms=120000", "segment.bytes=1048576"]

    cli("configs", "delete", "--topic", topic, "retention.ms", broker=broker)
    out, _ = cli("configs", "describe", "--topic", topic, broker=broker)
    assert [r[0] for r in table_rows(out, "NAME")] == ["segment.bytes"]

    _, err = cli("configs", "set", "--topic", topic, "no.such.config=1", broker=broker, rc=1)
    assert "INVALID_CONFIG" in err
    _, err = cli("configs", "set", "--topic", unique("cli-missing"), "retention.ms=1", broker=broker, rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err


def test_configs_describe_broker(broker):
    out, _ = cli("configs", "describe", "--broker", "0", broker=broker)
    rows = {r[0]: r for r in table_rows(out, "NAME")}
    assert rows["listeners"][1] == "PLAINTEXT://%s" % broker.bootstrap
    assert rows["listeners"][2] == "STATIC_BROKER_CONFIG"


# --------------------------------------------------------------------------
# offsets

def test_offsets_after_kcat_produce(broker):
    topic = unique("cli-off")
    cli("topics", "create", "-t", topic, "-p", "3", broker=broker)
    kcat_produce(broker, topic, 0, ["a%d" % i for i in range(5)])
    kcat_produce(broker, topic, 1, ["b%d" % i for i in range(3)])
    out, _ = cli("offsets", "-t", topic, broker=broker)
    rows = {int(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in table_rows(out, "PARTITION")}
    assert rows == {0: (0, 5, 5), 1: (0, 3, 3), 2: (0, 0, 0)}

    _, err = cli("offsets", "-t", unique("cli-nope"), broker=broker, rc=1)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err


# --------------------------------------------------------------------------
# dump-log

BATCH_LINE = re.compile(r"^baseOffset: (\d+) lastOffset: (\d+) count: (\d+) .* position: (\d+) "
                        r"(CreateTime|LogAppendTime): (-?\d+) size: (\d+) magic: 2 compresscodec: (\w+) "
                        r"crc: (\d+) isvalid: (true|false)$")
RECORD_LINE = re.compile(r"^\| offset: (\d+) CreateTime: (\d+) keySize: (-?\d+) valueSize: (-?\d+) "
                         r"sequence: (-?\d+) headers: \[(.*)\] key: (.*) payload: (.*)$")


def batch_lines(out):
    return [BATCH_LINE.match(l) for l in out.splitlines() if l.startswith("baseOffset:")]


def test_dump_log_gzip_segment_with_records(broker):
    topic = unique("cli-dump")
    cli("topics", "create", "-t", topic, broker=broker)
    # Compressible values: librdkafka sends a batch uncompressed when
    # compression would not make it smaller.
    lines = ["k%d:value %d %s" % (i, i, "z" * 60) for i in range(100)]
    kcat_produce(broker, topic, 0, lines, "-z", "gzip", "-K:", "-H", "h1=alpha")
    segment = broker.segment_files(topic)[0]
    on_disk = read_batch_headers(segment)
    assert on_disk

    out, _ = cli("dump-log", segment, "--records")
    batches = batch_lines(out)
    assert all(batches), out
    assert [int(m.group(4)) for m in batches] == [h.position for h in on_disk]
    assert [int(m.group(1)) for m in batches] == [h.base_offset for h in on_disk]
    assert {m.group(8) for m in batches} == {"gzip"}
    assert {m.group(10) for m in batches} == {"true"}
    assert [int(m.group(9)) for m in batches] == [h.crc for h in on_disk]
    assert sum(int(m.group(3)) for m in batches) == 100

    records = [RECORD_LINE.match(l) for l in out.splitlines() if l.startswith("| offset:")]
    assert len(records) == 100 and all(records), out[-2000:]
    for i, m in enumerate(records):
        assert int(m.group(1)) == i
        assert m.group(6) == "h1=alpha"
        assert m.group(7) == "k%d" % i
        assert m.group(8) == "value %d %s" % (i, "z" * 60)

    out, _ = cli("dump-log", segment, "--verify")
    assert "no problems" in out

    # --json: the same batches and records as one document.
    doc = json.loads(cli("dump-log", segment, "--records", "--verify", "--json")[0])
    assert doc["problems"] == 0 and len(doc["files"]) == 1
    dumped = doc["files"][0]
    assert dumped["kind"] == "log" and dumped["base_offset"] == 0 and dumped["problems"] == []
    assert [b["position"] for b in dumped["batches"]] == [h.position for h in on_disk]
    assert [b["crc"] for b in dumped["batches"]] == [h.crc for h in on_disk]
    assert {b["compression"] for b in dumped["batches"]} == {"gzip"}
    assert all(b["crc_valid"] for b in dumped["batches"])
    json_records = [r for b in dumped["batches"] for r in b["records"]]
    assert [r["offset"] for r in json_records] == list(range(100))
    assert json_records[7]["key"] == "k7" and json_records[7]["value"] == "value 7 %s" % ("z" * 60)
    assert json_records[7]["headers"] == [{"key": "h1", "value": "alpha"}]
    assert dumped["verified"] == {"batches": len(on_disk), "problems": 0, "bytes": os.path.getsize(segment),
                                  "file_size": os.path.getsize(segment)}

    # A clean shutdown closes the segment, which writes the final time index
    # entry; the offset index must agree with the .log.
    broker.stop()
    out, _ = cli("dump-log", segment[:-4] + ".timeindex", "--verify")
    ts = [int(l.rsplit(" ", 1)[1]) for l in out.splitlines() if l.startswith("timestamp:")]
    assert ts and all(0 <= o <= 99 for o in ts), out
    assert "no problems" in out
    out, _ = cli("dump-log", segment[:-4] + ".index", "--verify")
    assert "no problems" in out


def test_dump_log_truncated_and_corrupted_copies(broker, tmp_path):
    topic = unique("cli-trunc")
    cli("topics", "create", "-t", topic, broker=broker)
    kcat_produce(broker, topic, 0, ["first %d" % i for i in range(3)])
    kcat_produce(broker, topic, 0, ["second %d" % i for i in range(3)])
    segment = broker.segment_files(topic)[0]
    headers = read_batch_headers(segment)
    assert len(headers) >= 2
    with open(segment, "rb") as f:
        data = f.read()

    # Cut in the middle of the second batch.
    second = headers[1].position
    truncated = tmp_path / os.path.basename(segment)
    truncated.write_bytes(data[:second + 30])
    out, err = cli("dump-log", str(truncated), rc=1)
    assert len(batch_lines(out)) == 1
    assert "truncated batch at position %d" % second in out
    assert "problem" in err

    # Cut inside the fixed header of the second batch.
    truncated.write_bytes(data[:second + 10])
    out, _ = cli("dump-log", str(truncated), "--records", rc=1)
    assert "truncated batch at position %d" % second in out

    # One flipped byte in the first batch's records: CRC says invalid, the
    # dump goes on to the next batch.
    flipped = bytearray(data)
    flipped[headers[0].position + 70] ^= 0xFF
    corrupt = tmp_path / "corrupt.log"
    corrupt.write_bytes(bytes(flipped))
    out, _ = cli("dump-log", str(corrupt), rc=1)
    valid = [m.group(10) for m in batch_lines(out)]
    assert valid[0] == "false" and set(valid[1:]) == {"true"}, out

    # --json says the same, with the same exit code, and names the problems.
    truncated.write_bytes(data[:second + 30])
    out, err = cli("dump-log", str(corrupt), str(truncated), "--json", rc=1)
    doc = json.loads(out)
    assert doc["problems"] == 2, doc
    flipped_file, cut_file = doc["files"]
    assert [b["crc_valid"] for b in flipped_file["batches"]][0] is False
    assert len(cut_file["batches"]) == 1
    assert cut_file["problems"] == ["truncated batch at position %d: baseOffset %d needs %d bytes, only 30 left"
                                    % (second, headers[1].base_offset, headers[1].batch_length + 12)]
    assert "problem" in err


def test_dump_log_index_checked_against_segment(broker, tmp_path):
    topic = unique("cli-idx")
    # An index entry after every batch, and one batch per record. Index
    # entries reach the file when the log flushes (or rolls, or shuts down):
    # flush.messages=1 flushes on every produce.
    cli("topics", "create", "-t", topic, "-c", "index.interval.bytes=1", "-c", "flush.messages=1", broker=broker)
    kcat_produce(broker, topic, 0, ["r%d" % i for i in range(6)], "-X", "batch.num.messages=1", "-X", "linger.ms=0")
    segment = broker.segment_files(topic)[0]
    headers = read_batch_headers(segment)
    assert len(headers) >= 2, headers
    index = segment[:-4] + ".index"

    def index_entries():
        out, _ = cli("dump-log", index, "--verify")
        return out, [tuple(int(x) for x in re.findall(r"\d+", l)) for l in out.splitlines() if l.startswith("offset:")]

    # Flushes run in the background, one at a time per partition (group
    # commit), so the last batches' entries can land just after kcat returns.
    wait_until(lambda: len(index_entries()[1]) == len(headers) - 1, 10, "index entries for every batch but the first")
    out, entries = index_entries()
    assert entries, out
    by_position = {h.position: h.base_offset + h.last_offset_delta for h in headers}
    for offset, position in entries:
        assert by_position.get(position) == offset, (entries, headers)
    assert "no problems" in out

    # The same entries next to a copy of the .log whose batches moved: every
    # entry now points at the wrong place.
    copy_dir = tmp_path / "p-0"
    copy_dir.mkdir()
    with open(segment, "rb") as f:
        data = f.read()
    (copy_dir / os.path.basename(segment)).write_bytes(bytes(7) + data)
    with open(index, "rb") as f:
        (copy_dir / os.path.basename(index)).write_bytes(f.read())
    out, _ = cli("dump-log", str(copy_dir / os.path.basename(index)), "--verify", rc=1)
    assert "no batch at position" in out or "ends at offset" in out, out


@pytest.mark.parametrize("shape", ["random", "zeros", "huge_length", "bad_magic", "tiny", "negative_length"])
def test_dump_log_garbage_file(tmp_path, shape):
    rnd = random.Random(1234)
    if shape == "random":
        data = bytes(rnd.getrandbits(8) for _ in range(4096))
    elif shape == "zeros":
        data = bytes(4096)
    elif shape == "huge_length":
        data = struct.pack(">qiib", 0, 0x7FFFFFF0, 0, 2) + bytes(100)
    elif shape == "bad_magic":
        data = struct.pack(">qii", 0, 100, 0) + bytes([7]) + bytes(200)
    elif shape == "tiny":
        data = b"\x00\x01\x02\x03\x04"
    else:
        data = struct.pack(">qii", 0, -5, 0) + bytes([2]) + bytes(100)
    path = tmp_path / "garbage.log"
    path.write_bytes(data)
    for extra in ([], ["--records"], ["--verify"]):
        out, err = cli("dump-log", str(path), *extra, rc=1)
        assert re.search(r"(truncated|invalid) batch at position 0", out), out
        assert "problem" in err


def test_dump_log_index_files_garbage(tmp_path):
    idx = tmp_path / "00000000000000000100.index"
    idx.write_bytes(struct.pack(">II", 5, 4096) + b"\x01\x02\x03")
    out, _ = cli("dump-log", str(idx), rc=1)
    assert "offset: 105 position: 4096" in out
    assert "truncated entry at position 8" in out

    tidx = tmp_path / "00000000000000000100.timeindex"
    tidx.write_bytes(struct.pack(">qI", 1700000000000, 7) + bytes(24))
    out, _ = cli("dump-log", str(tidx), "--verify")
    assert "timestamp: 1700000000000 offset: 107" in out
    assert "zero-filled from position 12" in out

    doc = json.loads(cli("dump-log", str(idx), str(tidx), "--verify", "--json", rc=1)[0])
    index_doc, time_doc = doc["files"]
    assert index_doc["kind"] == "index" and index_doc["base_offset"] == 100
    assert index_doc["entries"] == [{"offset": 105, "position": 4096}]
    assert index_doc["problems"] == ["truncated entry at position 8: 3 trailing byte(s), entries are 8 bytes"]
    assert time_doc["entries"] == [{"timestamp": 1700000000000, "offset": 107}]
    assert time_doc["notes"] == ["zero-filled from position 12 (unused preallocated space)"]
    assert time_doc["verified"] == {"entries": 1, "problems": 0}

    empty = tmp_path / "00000000000000000000.log"
    empty.write_bytes(b"")
    cli("dump-log", str(empty))
    assert json.loads(cli("dump-log", str(empty), "--json")[0]) == {
        "files": [{"path": str(empty), "kind": "log", "base_offset": 0, "problems": []}], "problems": 0}

    _, err = cli("dump-log", str(tmp_path / "missing.log"), rc=1)
    assert "cannot open" in err


# --------------------------------------------------------------------------
# exit codes

@pytest.mark.parametrize("argv", [
    [],
    ["frobnicate"],
    ["topics"],
    ["topics", "bogus"],
    ["topics", "create"],
    ["topics", "create", "-t", "x", "-p", "three"],
    ["topics", "create", "-t", "x", "-p", "0"],
    ["topics", "create", "-t", "x", "-c", "novalue"],
    ["topics", "list", "--no-such-option"],
    ["topics", "list", "extra-positional"],
    ["topics", "describe", "-t"],
    ["topics", "add-partitions", "-t", "x"],
    ["topics", "list", "-b", "no-port-here"],
    ["configs", "describe"],
    ["configs", "describe", "--topic", "a", "--broker", "0"],
    ["configs", "describe", "--broker", "zero"],
    ["configs", "set", "--topic", "a"],
    ["configs", "set", "--topic", "a", "novalue"],
    ["configs", "delete", "--topic", "a", "k=v"],
    ["offsets"],
    ["dump-log"],
    ["dump-log", "x.log", "--deep"],
])
def test_bad_arguments_exit_2(argv):
    # A port nothing listens on: usage errors must be caught before any I/O.
    _, err = cli(*argv, env={"SLUICE_BOOTSTRAP": "127.0.0.1:%d" % free_port()}, rc=2)
    assert err.startswith("sluice: ") or err.startswith("usage: "), err


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["topics", "--help"],
    ["topics", "create", "--help"],
    ["configs", "set", "-h"],
    ["offsets", "--help"],
    ["dump-log", "--help"],
])
def test_help_exits_0(argv):
    out, _ = cli(*argv)
    assert "usage: sluice" in out


def test_unreachable_broker_exits_1():
    port = free_port()
    _, err = cli("topics", "list", "-b", "127.0.0.1:%d" % port, rc=1)
    assert "cannot connect to broker at 127.0.0.1:%d" % port in err
    _, err = cli("offsets", "-t", "x", env={"SLUICE_BOOTSTRAP": "127.0.0.1:%d" % port}, rc=1)
    assert "127.0.0.1:%d" % port in err
