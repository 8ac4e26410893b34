#!/bin/bash
# Sizes and durations of the broker's sendfile calls during one warm read of
# 300 MB over 4 partitions: how long one connection holds the I/O thread.
#   bench/e2e/sendfile_sizes.sh <sluiced> [<sluice cli>]
BIN=$1; CLI=${2:-$(dirname "$1")/sluice}
D=$(mktemp -d); PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
$BIN --override listeners=PLAINTEXT://127.0.0.1:$PORT --override advertised.listeners=PLAINTEXT://127.0.0.1:$PORT --override log.dirs=$D/data --override node.id=0 --override http.listeners= > $D/log 2>&1 &
PID=$!; sleep 1
$CLI topics create -b 127.0.0.1:$PORT -t cold -p 4 >/dev/null
$CLI perf produce -b 127.0.0.1:$PORT -t cold -n 300000 -s 1024 --acks 1 --linger-ms 50 -X batch.size=1048576 -X sticky.partitioning.linger.ms=0 --json > /dev/null
cat $D/data/cold-*/*.log > /dev/null
strace -f -p $PID -e trace=sendfile -T -o $D/trace 2>/dev/null &
TR=$!; sleep 1
$CLI perf consume -b 127.0.0.1:$PORT -t cold -n 300000 --json -X queued.max.messages.kbytes=2097151 > /dev/null
kill -INT $TR; sleep 0.5; kill $PID; wait $PID 2>/dev/null
python3 - $D/trace <<'PY'
import re,sys
sizes=[];durs=[]
for line in open(sys.argv[1]):
    m=re.search(r'sendfile\(.*\)\s+=\s+(\d+)\s+<([\d.]+)>',line)
    if m: sizes.append(int(m.group(1))); durs.append(float(m.group(2))*1000)
sizes.sort(); durs.sort()
n=len(sizes)
print("calls %d, bytes max %d median %d, ms per call max %.2f p99 %.2f median %.3f" % (n, sizes[-1], sizes[n//2], durs[-1], durs[int(n*0.99)], durs[n//2]))
PY
rm -rf $D
