#!/usr/bin/env python3
"""Captures Kafka request frames sent by real clients, for golden tests.

Runs a proxy on LISTEN_PORT that forwards to a broker on BROKER_PORT and
records each client request frame (size prefix removed) as a hex line:
    <client> <api_key> <api_version> <hex of the frame>
Usage: capture.py LISTEN_PORT BROKER_PORT CLIENT_NAME OUT_FILE  (stops after 20 s idle)
"""
import socket
import struct
import sys
import threading


def pump(src, dst, record):
    buf = b""
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            break
        if not data:
            break
        dst.sendall(data)
        if record is None:
            continue
        buf += data
        while len(buf) >= 4:
            (size,) = struct.unpack(">i", buf[:4])
            if len(buf) < 4 + size:
                break
            record(buf[4:4 + size])
            buf = buf[4 + size:]
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def main():
    listen_port, broker_port, client, out_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    seen = set()
    lock = threading.Lock()
    out = open(out_file, "a")

    def record(frame):
        key, version = struct.unpack(">hh", frame[:4])
        with lock:
            if (key, version) in seen:
                return
            seen.add((key, version))
            out.write(f"{client} {key} {version} {frame.hex()}\n")
            out.flush()

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen_port))
    srv.listen(16)
    srv.settimeout(20)
    while True:
        try:
            c, _ = srv.accept()
        except socket.timeout:
            break
        b = socket.create_connection(("127.0.0.1", broker_port))
        threading.Thread(target=pump, args=(c, b, record), daemon=True).start()
        threading.Thread(target=pump, args=(b, c, None), daemon=True).start()


if __name__ == "__main__":
    main()
