"""What the end-to-end scripts share: free loopback ports, waiting for a
condition or a listener, the built binaries, /proc figures of a process, and
child processes that are stopped by PID (SIGTERM, then SIGKILL)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "build", "bin")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout, what):
    """Polls `predicate` every 50 ms; returns its first true value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for " + what)


def wait_listening(proc, port, timeout, what, host="127.0.0.1", log_path=None):
    """Waits until `proc` accepts connections on `port`; fails at once when
    it exits first (with the tail of `log_path`, if given)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError("%s exited with %d during startup%s" % (
                what, proc.returncode, ":\n" + tail(log_path) if log_path else ""))
        if port_open(port, host):
            return
        if time.monotonic() > deadline:
            raise RuntimeError("%s did not listen on %s:%d within %d s%s" % (
                what, host, port, timeout, ":\n" + tail(log_path) if log_path else ""))
        time.sleep(0.05)


def binary(env, name, who):
    """$`env`, else build/bin/`name`; exits (naming script `who`) when it is not built."""
    path = os.environ.get(env) or os.path.join(BIN, name)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        sys.exit("%s: %s not found (build it, or set %s)" % (who, path, env))
    return os.path.abspath(path)


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/PID/stat (fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def tail(path, n=3000):
    """The last `n` bytes of a log file, as text ("" when unreadable)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - n))
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def stop_process(proc, timeout, sig=signal.SIGTERM):
    """Sends `sig` to a running child and waits `timeout` s, then SIGKILLs it.
    True when it had to be killed."""
    if proc.poll() is not None:
        return False
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True


def print_result(args, result, report, failed=None, log=None):
    """One JSON object on stdout with --json, else report(args, result);
    after a failure (recorded in `result`), exits 1 with no report."""
    if failed:
        result["error"] = failed
        log("FAILED: " + failed)
    if args.json:
        print(json.dumps(result, indent=1))
    elif not failed:
        report(args, result)
    if failed:
        sys.exit(1)


class Proc:
    """A child process with its own log file (NAME.log in `tmp`), stopped by PID."""

    def __init__(self, name, argv, tmp, cwd=None):
        self.name, self.argv, self.cwd = name, argv, cwd
        self.log_path = os.path.join(tmp, name + ".log")
        self.log = None
        self.proc = None

    def start(self, stdout=None):
        """Stdout goes to the log too, unless `stdout` (e.g. subprocess.PIPE)."""
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=stdout or self.log,
                                     stderr=self.log, cwd=self.cwd)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_listening(self, port, timeout, host="127.0.0.1"):
        wait_listening(self.proc, port, timeout, self.name, host, self.log_path)

    def kill9(self):
        if self.running():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._close_log()

    def stop(self, timeout=15):
        if self.proc is not None:
            stop_process(self.proc, timeout)
        self._close_log()

    def _close_log(self):
        if self.log is not None:
            self.log.close()
            self.log = None


class SingleBroker(Proc):
    """One `sluiced` on a free loopback port with its data in TMP/data."""

    def __init__(self, sluiced, tmp, overrides=None):
        self.port = free_port()
        self.data = os.path.join(tmp, "data")
        os.makedirs(self.data, exist_ok=True)
        props = {"listeners": "PLAINTEXT://127.0.0.1:%d" % self.port,
                 "advertised.listeners": "PLAINTEXT://127.0.0.1:%d" % self.port,
                 "log.dirs": self.data, "node.id": "0", "http.listeners": "",
                 "schema.registry.listeners": ""}
        props.update(overrides or {})
        argv = [sluiced]
        for k, v in props.items():
            argv += ["--override", "%s=%s" % (k, v)]
        super().__init__("sluiced", argv, tmp)
        self.bootstrap = "127.0.0.1:%d" % self.port


def finish(args, result, report, failed, proc, tmp, log):
    """Stops `proc`, removes `tmp` unless the run failed (its logs are
    there), and prints the result (print_result)."""
    proc.stop()
    if not failed:
        shutil.rmtree(tmp, ignore_errors=True)
    print_result(args, result, report, failed, log)

