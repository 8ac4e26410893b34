// node consume_group.js BOOTSTRAP TOPIC GROUP COUNT
// Joins consumer group GROUP, reads COUNT messages from the beginning, and
// prints them. Needs consumer groups in the broker; used by
// test_kafkajs_groups.py.pending (enabled by the consumer-groups issue).
'use strict'
const { makeKafka, main } = require('./common')

const [bootstrap, topic, groupId, countArg] = process.argv.slice(2)
const count = parseInt(countArg, 10)

main(async () => {
  const consumer = makeKafka(bootstrap).consumer({
    groupId, sessionTimeout: 10000, rebalanceTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 200,
  })
  await consumer.connect()
  const got = []
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await new Promise((resolve, reject) => {
      // A crashed consumer does not reject run(); fail fast instead of hanging.
      consumer.on(consumer.events.CRASH, e => reject(e.payload.error))
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push({
            partition,
            offset: message.offset,
            key: message.key && message.key.toString(),
            value: message.value && message.value.toString(),
            headers: Object.fromEntries(Object.entries(message.headers || {}).map(([k, v]) => [k, v && v.toString()])),
            timestamp: message.timestamp,
          })
          if (got.length >= count) resolve()
        },
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return got
})
