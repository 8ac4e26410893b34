// node produce_transactional.js BOOTSTRAP TOPIC TRANSACTIONAL_ID
// A kafkajs transactional producer: one transaction of committed-0..4,
// committed, then one of aborted-0..4, aborted; then a second producer with
// the same transactional id fences the first, whose next send must fail.
// Prints what happened as JSON.
'use strict'
const { makeKafka, main } = require('./common')

const [bootstrap, topic, transactionalId] = process.argv.slice(2)
if (!bootstrap || !topic || !transactionalId) {
  process.stderr.write('usage: node produce_transactional.js BOOTSTRAP TOPIC TRANSACTIONAL_ID\n')
  process.exit(2)
}

const batch = (prefix) => Array.from({ length: 5 }, (_, i) => ({ value: `${prefix}-${i}` }))

main(async () => {
  const kafka = makeKafka(bootstrap)
  const options = { transactionalId, idempotent: true, maxInFlightRequests: 1 }
  const producer = kafka.producer(options)
  await producer.connect()
  const out = {}
  try {
    let txn = await producer.transaction()
    await txn.send({ topic, messages: batch('committed') })
    await txn.commit()
    txn = await producer.transaction()
    await txn.send({ topic, messages: batch('aborted') })
    await txn.abort()
    out.committed = true

    // A zombie: the same id from a second producer fences the first.
    const zombieTxn = await producer.transaction()
    await zombieTxn.send({ topic, messages: batch('zombie') })
    const second = kafka.producer(options)
    await second.connect()
    try {
      const live = await second.transaction()
      await live.send({ topic, messages: batch('live') })
      await live.commit()
    } finally {
      await second.disconnect()
    }
    try {
      await zombieTxn.commit()
      out.zombieCommitted = true
    } catch (e) {
      out.zombieError = e.type || e.name
    }
  } finally {
    await producer.disconnect()
  }
  return out
})
