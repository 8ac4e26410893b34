// @platformatic/kafka group members for test_consumer_groups_kip848.py, on
// KIP-848's consumer protocol (groupProtocol 'consumer': ConsumerGroupHeartbeat,
// OffsetCommit/OffsetFetch with member epochs).
//
// node platformatic_kip848_member.mjs member BOOTSTRAP TOPIC GROUP NAME [OPTION=VALUE ...]
//   A long-running group member reading TOPIC from the committed offsets
//   (falling back to earliest), autocommit off. Options:
//     delay=MS        wait MS after receiving each record, before committing it
//     assignor=NAME   groupRemoteAssignor (the server-side assignor to ask for)
//     commit_retry=1  retry a commit refused with STALE_MEMBER_EPOCH (a heartbeat
//                     moved the member to a newer epoch while the commit was in
//                     flight), as Kafka's own consumer does, printing
//                     {"event":"commit_retry"}; without it that error crashes
//   Prints JSON lines on stdout, each with "name" and "t" (wall clock, ms,
//   sub-millisecond precision, comparable across processes):
//     {"event":"running"}  consume() resolved: the member has joined
//     {"event":"assignment", "member_id", "partitions": {topic: [partitions]}}
//                 every time the client's own assignment changes (taken at the
//                 moment the client sets it, so revocations and assignments
//                 can be ordered across members)
//     {"event":"recv", "partition", "offset"}  a record reached the loop
//     {"event":"msg", "partition", "offset", "key", "value", "headers", "timestamp"}
//                 printed only after message.commit() (offset + 1) resolved,
//                 so reported == committed (key/value/header parts base64)
//     {"event":"hb"}  a heartbeat answered without error
//     {"event":"hb_error", "codes", "error"}  a failed (consumer group) heartbeat
//     {"event":"client_error", "codes", "error"}  an 'error' event of the client
//     {"event":"closed"} after "stop" on stdin (stream closed, group left)
//     {"event":"crash", "error", "codes"} and exit 1 on a stream or consumer error
//
// node platformatic_kip848_member.mjs join BOOTSTRAP TOPIC GROUP
//   One consumer-protocol join attempt (consume(), no retries): prints
//   {"ok": true, "member_id"} or {"ok": false, "codes": [...], "messages": [the
//   broker's error messages], "error"},
//   then leaves and closes.
import readline from 'node:readline'
import { Consumer } from '@platformatic/kafka'
import { b64, baseOptions, describeError, errorCodes, main, toJSON } from './platformatic_common.mjs'

const [mode, bootstrap, topic, groupId, ...rest] = process.argv.slice(2)

function usage() {
  process.stderr.write('usage: node platformatic_kip848_member.mjs member BOOTSTRAP TOPIC GROUP NAME [OPTION=VALUE ...]\n' +
    '       node platformatic_kip848_member.mjs join BOOTSTRAP TOPIC GROUP\n')
  process.exit(2)
}

const now = () => performance.timeOrigin + performance.now()
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

// sessionTimeout and heartbeatInterval are the classic protocol's: with
// KIP-848 the broker sets both (group.consumer.*).
function makeConsumer(clientId, opts) {
  const options = {
    ...baseOptions(bootstrap, clientId),
    groupId,
    groupProtocol: 'consumer',
    sessionTimeout: 6000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 500,
    maxWaitTime: 200,
    autocommit: false,
  }
  if (opts.assignor) options.groupRemoteAssignor = opts.assignor
  return new Consumer(options)
}

// Reports every change of consumer.assignments at the moment the client
// makes it: the public field is replaced by an accessor on this instance.
function watchAssignments(consumer, onChange) {
  let value = consumer.assignments
  Object.defineProperty(consumer, 'assignments', {
    configurable: true,
    enumerable: true,
    get: () => value,
    set: v => {
      value = v
      onChange(v)
    },
  })
}

function assignmentMap(assignments) {
  const out = {}
  for (const a of assignments || []) {
    if (!a.partitions.length) continue
    out[a.topic] = (out[a.topic] || []).concat(a.partitions).sort((x, y) => x - y)
  }
  return out
}

function member() {
  const [name, ...optionArgs] = rest
  if (!name) usage()
  const opts = {}
  for (const o of optionArgs) {
    const i = o.indexOf('=')
    if (i < 0) usage()
    opts[o.slice(0, i)] = o.slice(i + 1)
  }
  const delay = parseInt(opts.delay || '0', 10)
  const emit = ev => process.stdout.write(toJSON({ name, t: now(), ...ev }) + '\n')
  const hardStop = setTimeout(() => {
    process.stderr.write('platformatic_kip848_member.mjs member: hard timeout\n')
    process.exit(3)
  }, 170000)
  const consumer = makeConsumer(`sluice-kip848-${name}`, opts)
  let last = '{}'
  watchAssignments(consumer, v => {
    const partitions = assignmentMap(v)
    const key = JSON.stringify(partitions)
    if (key === last) return
    last = key
    emit({ event: 'assignment', member_id: consumer.memberId, partitions })
  })
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
    emit({ event: 'crash', error: String(err), codes: Array.from(errorCodes(err)), detail: describeError(err) })
    stop(1)
  }

  consumer.on('consumer:heartbeat:end', () => emit({ event: 'hb' }))
  consumer.on('consumer:heartbeat:error', p => {
    const error = p && p.error
    emit({ event: 'hb_error', codes: Array.from(errorCodes(error)), error: String(error) })
  })
  // The classic protocol's failed rejoins are 'error' events: recorded, not thrown.
  consumer.on('error', error => {
    emit({ event: 'client_error', codes: Array.from(errorCodes(error)), error: String(error) })
  })
  readline.createInterface({ input: process.stdin })
    .on('line', line => { if (line.trim() === 'stop') stop(0) })
    .on('close', () => stop(0))

  consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest' })
    .then(async s => {
      stream = s
      stream.on('error', crash)
      emit({ event: 'running', member_id: consumer.memberId })
      for await (const m of stream) {
        emit({ event: 'recv', partition: m.partition, offset: Number(m.offset) })
        if (delay > 0) await sleep(delay)
        for (let attempt = 1; ; attempt++) {
          try {
            await m.commit()
            break
          } catch (err) {
            const stale = Array.from(errorCodes(err)).includes(113)
            if (!opts.commit_retry || !stale || attempt >= 50) throw err
            emit({ event: 'commit_retry', partition: m.partition, offset: Number(m.offset) })
            await sleep(100)
          }
        }
        emit({
          event: 'msg',
          partition: m.partition,
          offset: Number(m.offset),
          key: b64(m.key),
          value: b64(m.value),
          headers: m.headerEntries.map(([k, v]) => [b64(k), b64(v)]),
          timestamp: m.timestamp.toString(),
        })
      }
    })
    .catch(crash)
}

// Every error message the broker sent, anywhere in an error tree.
function serverMessages(err, acc = new Set(), depth = 0) {
  if (!err || typeof err !== 'object' || depth > 6) return acc
  if (typeof err.serverErrorMessage === 'string') acc.add(err.serverErrorMessage)
  if (err.response && typeof err.response.errorMessage === 'string') acc.add(err.response.errorMessage)
  if (Array.isArray(err.errors)) for (const e of err.errors) serverMessages(e, acc, depth + 1)
  if (err.cause) serverMessages(err.cause, acc, depth + 1)
  return acc
}

async function join() {
  const consumer = makeConsumer('sluice-kip848-join', {})
  let result
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest' })
    result = { ok: true, member_id: consumer.memberId }
    await stream.close()
  } catch (err) {
    result = { ok: false, codes: Array.from(errorCodes(err)), messages: Array.from(serverMessages(err)), error: String(err) }
  }
  await consumer.close(true)
  return result
}

if (!bootstrap || !topic || !groupId) usage()
if (mode === 'member') member()
else if (mode === 'join') main(join, 30000)
else usage()
