// node produce_failover.js BOOTSTRAP TOPIC COUNT [idempotent]
// Sends COUNT records (value fo-<i>) to partition 0 one send() at a time with
// acks=-1, retrying long enough to ride out a leader's failure, and prints
// one JSON line per acknowledged send ({"event":"acked","i":..,"offset":..})
// so the test can kill the leader part-way; then {"event":"closed"}. With
// `idempotent`, an idempotent producer (kafkajs: one request in flight).
'use strict'
const { makeKafka, main } = require('./common')

const [bootstrap, topic, countArg, mode] = process.argv.slice(2)
const count = parseInt(countArg, 10)
if (!bootstrap || !topic || !(count > 0)) {
  process.stderr.write('usage: node produce_failover.js BOOTSTRAP TOPIC COUNT [idempotent]\n')
  process.exit(2)
}

main(async () => {
  const kafka = makeKafka(bootstrap, { retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } })
  const idempotent = mode === 'idempotent'
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent, maxInFlightRequests: idempotent ? 1 : undefined })
  await producer.connect()
  try {
    for (let i = 0; i < count; i++) {
      const [meta] = await producer.send({
        topic, acks: -1, timeout: 5000, messages: [{ value: `fo-${i}`, partition: 0 }],
      })
      process.stdout.write(JSON.stringify({ event: 'acked', i, offset: meta.baseOffset, error: meta.errorCode }) + '\n')
    }
  } finally {
    await producer.disconnect()
  }
  return { event: 'closed', count }
})
