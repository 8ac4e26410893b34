"""A client in a child process that reports what it does as JSON lines on
stdout ({"event": kind, ...}): the member processes of the group tests
(kafkajs, @platformatic/kafka, sarama). A reader thread collects the
events; the tail of stderr is kept for failure messages."""

import json
import subprocess
import threading

from group_helpers import ask_to_exit


class EventProcess:
    # Events that mean the client failed; check() and stop() refuse them.
    failure_events = ("crash",)

    def __init__(self, name, argv, cwd=None):
        self.name = name
        self.lock = threading.Lock()
        self.events = []
        self.stderr = b""
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            try:
                ev = json.loads(raw.decode())
            except ValueError:
                continue
            with self.lock:
                self.events.append(ev)

    def _read_err(self):
        for raw in self.proc.stderr:
            self.stderr = (self.stderr + raw)[-6000:]

    def of(self, *kinds):
        with self.lock:
            return [e for e in self.events if e["event"] in kinds]

    def stderr_text(self):
        return self.stderr.decode(errors="replace")

    def check(self):
        """Still running, and no failure reported."""
        failures = self.of(*self.failure_events)
        assert not failures, "%s failed: %s\n%s" % (self.name, json.dumps(failures)[:3000], self.stderr_text())
        assert self.proc.poll() is None, "%s exited %r\n%s" % (self.name, self.proc.returncode,
                                                               self.stderr_text())

    def stop(self, timeout=30):
        """Asks the client to leave and exit ("stop" on stdin): exit code 0,
        a "closed" event, no failure."""
        if not ask_to_exit(self.proc, b"stop", timeout):
            self.kill()
            raise AssertionError("%s did not stop within %d s\n%s" % (self.name, timeout, self.stderr_text()))
        assert self.proc.returncode == 0, "%s exited %r\n%s" % (self.name, self.proc.returncode,
                                                                 self.stderr_text())
        assert self.of("closed"), "%s closed without saying so: %r" % (self.name, self.events[-5:])
        assert not self.of(*self.failure_events), self.of(*self.failure_events)[:5]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
