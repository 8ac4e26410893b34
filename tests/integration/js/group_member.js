// node group_member.js BOOTSTRAP TOPIC GROUP NAME
// A long-running kafkajs consumer-group member for test_kafkajs_groups.py.
// Prints JSON lines on stdout:
//   {"event":"join", "protocol", "member_id", "leader", "is_leader", "assignment": {topic: [partitions]}}
//   {"event":"msg", "partition", "offset", "value"}  -- printed only after the
//                  message's offset+1 was committed (commitOffsets resolved)
//   {"event":"closed"} after "stop" on stdin (disconnect = LeaveGroup)
//   {"event":"crash", "error"} and exit 1 if the consumer crashes
// autoCommit is off: every message is committed explicitly before it is
// reported, so "reported" == "committed".
'use strict'
const readline = require('readline')
const { makeKafka } = require('./common')

const [bootstrap, topic, groupId, name] = process.argv.slice(2)
if (!bootstrap || !topic || !groupId || !name) {
  process.stderr.write('usage: node group_member.js BOOTSTRAP TOPIC GROUP NAME\n')
  process.exit(2)
}

function emit(ev) {
  process.stdout.write(JSON.stringify(Object.assign({ name }, ev)) + '\n')
}

// Never outlive the python side.
const hardStop = setTimeout(() => {
  process.stderr.write('group_member.js: hard timeout\n')
  process.exit(3)
}, 170000)

async function run() {
  const consumer = makeKafka(bootstrap).consumer({
    groupId,
    sessionTimeout: 6000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  })
  let stopping = false
  const stop = async code => {
    if (stopping) return
    stopping = true
    try {
      await consumer.disconnect()
      emit({ event: 'closed' })
    } catch (e) {
      process.stderr.write(`disconnect failed: ${e && e.stack}\n`)
      code = code || 1
    }
    clearTimeout(hardStop)
    process.exit(code)
  }

  consumer.on(consumer.events.GROUP_JOIN, e => {
    emit({
      event: 'join',
      protocol: e.payload.groupProtocol,
      member_id: e.payload.memberId,
      leader: e.payload.leaderId,
      is_leader: e.payload.isLeader,
      assignment: e.payload.memberAssignment,
    })
  })
  consumer.on(consumer.events.CRASH, e => {
    emit({ event: 'crash', error: String(e.payload.error), restart: e.payload.restart })
    if (!e.payload.restart) stop(1)
  })

  readline.createInterface({ input: process.stdin }).on('line', line => {
    if (line.trim() === 'stop') stop(0)
  }).on('close', () => stop(0))

  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic: t, partition, message }) => {
      const next = (BigInt(message.offset) + 1n).toString()
      await consumer.commitOffsets([{ topic: t, partition, offset: next }])
      emit({
        event: 'msg',
        partition,
        offset: Number(message.offset),
        value: message.value && message.value.toString(),
      })
    },
  })
  emit({ event: 'running' })
}

run().catch(err => {
  process.stderr.write(`ERROR ${err && err.name}: ${err && err.message}\n${err && err.stack}\n`)
  emit({ event: 'crash', error: String(err) })
  process.exit(1)
})
