// @platformatic/kafka group consumer for test_platformatic.py.
//
// node platformatic_consume.mjs read BOOTSTRAP TOPIC GROUP COUNT
//   Joins GROUP alone, reads TOPIC from the earliest offset until COUNT
//   records arrived (autocommit off), leaves. Prints a list of
//   {partition, offset, timestamp, key, value, headers: [[k, v], ...]}
//   with keys/values/header parts base64 (null stays null).
//
// node platformatic_consume.mjs member BOOTSTRAP TOPIC GROUP NAME
//   A long-running group member (autocommit off, mode "committed", falling
//   back to earliest). Prints JSON lines on stdout:
//     {"event":"join", "member_id", "generation", "is_leader", "assignment": {topic: [partitions]}}
//     {"event":"msg", "partition", "offset", "value"}  -- printed only after
//                  message.commit() (offset+1) resolved, so reported == committed
//     {"event":"closed"} after "stop" on stdin (stream and consumer closed = LeaveGroup)
//     {"event":"crash", "error"} and exit 1 on a stream or consumer error
import readline from 'node:readline'
import { Consumer } from '@platformatic/kafka'
import { b64, baseOptions, describeError, main, toJSON } from './platformatic_common.mjs'

const [mode, bootstrap, topic, groupId, arg] = process.argv.slice(2)

function usage() {
  process.stderr.write('usage: node platformatic_consume.mjs read BOOTSTRAP TOPIC GROUP COUNT\n' +
    '       node platformatic_consume.mjs member BOOTSTRAP TOPIC GROUP NAME\n')
  process.exit(2)
}

function makeConsumer(clientId) {
  return new Consumer({
    ...baseOptions(bootstrap, clientId),
    groupId,
    sessionTimeout: 6000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 500,
    maxWaitTime: 200,
    autocommit: false,
  })
}

async function read() {
  const count = parseInt(arg, 10)
  if (!(count > 0)) usage()
  const consumer = makeConsumer('sluice-platformatic-reader')
  const out = []
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' })
    try {
      for await (const m of stream) {
        out.push({
          partition: m.partition,
          offset: m.offset.toString(),
          timestamp: m.timestamp.toString(),
          key: b64(m.key),
          value: b64(m.value),
          headers: m.headerEntries.map(([k, v]) => [b64(k), b64(v)]),
        })
        if (out.length >= count) break
      }
    } finally {
      await stream.close()
    }
  } finally {
    await consumer.close()
  }
  return out
}

function member() {
  const name = arg
  if (!name) usage()
  const emit = ev => process.stdout.write(toJSON({ name, ...ev }) + '\n')
  const hardStop = setTimeout(() => {
    process.stderr.write('platformatic_consume.mjs member: hard timeout\n')
    process.exit(3)
  }, 170000)
  const consumer = makeConsumer(`sluice-platformatic-${name}`)
  let stream = null
  let stopping = false
  const stop = async code => {
    if (stopping) return
    stopping = true
    try {
      if (stream) await stream.close()
      await consumer.close()
      emit({ event: 'closed' })
    } catch (e) {
      process.stderr.write(`close failed: ${e && e.stack}\n${toJSON(describeError(e))}\n`)
      code = code || 1
    }
    clearTimeout(hardStop)
    process.stdout.write('', () => process.exit(code))
  }
  const crash = err => {
    if (stopping) return
    process.stderr.write(`ERROR ${err && err.stack}\n${toJSON(describeError(err))}\n`)
    emit({ event: 'crash', error: String(err), detail: describeError(err) })
    stop(1)
  }

  consumer.on('consumer:group:join', p => {
    const assignment = {}
    for (const a of p.assignments || []) assignment[a.topic] = a.partitions.slice().sort((x, y) => x - y)
    emit({ event: 'join', member_id: p.memberId, generation: p.generationId, is_leader: p.isLeader, assignment })
  })
  consumer.on('consumer:heartbeat:error', p => {
    process.stderr.write(`heartbeat error: ${toJSON(describeError(p && p.error))}\n`)
  })
  readline.createInterface({ input: process.stdin })
    .on('line', line => { if (line.trim() === 'stop') stop(0) })
    .on('close', () => stop(0))

  consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest' })
    .then(async s => {
      stream = s
      stream.on('error', crash)
      emit({ event: 'running' })
      for await (const m of stream) {
        await m.commit()
        emit({ event: 'msg', partition: m.partition, offset: Number(m.offset), value: m.value.toString() })
      }
    })
    .catch(crash)
}

if (!bootstrap || !topic || !groupId) usage()
if (mode === 'read') main(read)
else if (mode === 'member') member()
else usage()
