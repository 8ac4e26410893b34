// node sasl_client.js BOOTSTRAP MECHANISM USER PASSWORD TOPIC COUNT
// Over SASL_PLAINTEXT (kafkajs's `sasl` option, mechanism plain,
// scram-sha-256 or scram-sha-512): produces COUNT messages to partition 0
// of TOPIC with acks=-1, then reads them back through a consumer group and
// prints the values it read.
'use strict'
const { makeKafka, main } = require('./common')

const [bootstrap, mechanism, username, password, topic, countArg] = process.argv.slice(2)
const count = parseInt(countArg, 10)
if (!bootstrap || !mechanism || !username || !topic || !(count > 0)) {
  process.stderr.write('usage: node sasl_client.js BOOTSTRAP MECHANISM USER PASSWORD TOPIC COUNT\n')
  process.exit(2)
}

main(async () => {
  const kafka = makeKafka(bootstrap, { sasl: { mechanism, username, password }, retry: { retries: 2 } })
  const producer = kafka.producer({ allowAutoTopicCreation: true })
  await producer.connect()
  const messages = []
  for (let i = 0; i < count; i++) messages.push({ value: `kafkajs-${mechanism}-${i}`, partition: 0 })
  try {
    await producer.send({ topic, acks: -1, messages })
  } finally {
    await producer.disconnect()
  }
  const consumer = kafka.consumer({ groupId: `g-${topic}`, sessionTimeout: 10000, heartbeatInterval: 1000 })
  await consumer.connect()
  const values = []
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise((resolve, reject) => {
      consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value.toString())
          if (values.length >= count) resolve()
        },
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return { values }
})
