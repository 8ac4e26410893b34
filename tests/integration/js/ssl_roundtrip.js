// node ssl_roundtrip.js BOOTSTRAP TOPIC GROUP COUNT CA_PEM [CERT_PEM KEY_PEM]
// Over TLS (trusting CA_PEM, presenting CERT_PEM/KEY_PEM when given):
// produces COUNT messages with acks=-1, then reads them back through
// consumer group GROUP, and prints the values read. With SASL_MECHANISM,
// SASL_USERNAME and SASL_PASSWORD in the environment it is SASL_SSL: TLS,
// then kafkajs's `sasl` login.
'use strict'
const fs = require('fs')
const { makeKafka, main } = require('./common')

const [bootstrap, topic, groupId, countArg, ca, cert, key] = process.argv.slice(2)
const count = parseInt(countArg, 10)
const ssl = { ca: [fs.readFileSync(ca, 'utf8')], rejectUnauthorized: true }
if (cert) {
  ssl.cert = fs.readFileSync(cert, 'utf8')
  ssl.key = fs.readFileSync(key, 'utf8')
}

const sasl = process.env.SASL_MECHANISM
  ? { mechanism: process.env.SASL_MECHANISM, username: process.env.SASL_USERNAME, password: process.env.SASL_PASSWORD }
  : undefined

main(async () => {
  const kafka = makeKafka(bootstrap, sasl ? { ssl, sasl } : { ssl })
  const producer = kafka.producer({ allowAutoTopicCreation: true })
  await producer.connect()
  try {
    const messages = []
    for (let i = 0; i < count; i++) messages.push({ key: `k${i}`, value: `js-tls-${i}` })
    await producer.send({ topic, acks: -1, messages })
  } finally {
    await producer.disconnect()
  }
  const consumer = kafka.consumer({
    groupId, sessionTimeout: 10000, rebalanceTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 200,
  })
  await consumer.connect()
  const got = []
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await new Promise((resolve, reject) => {
      consumer.on(consumer.events.CRASH, e => reject(e.payload.error))
      consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value.toString())
          if (got.length >= count) resolve()
        },
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return got
})
