// node sasl_reauth.js BOOTSTRAP USER PASSWORD TOPIC SECONDS
// PLAIN over SASL_PLAINTEXT with kafkajs's KIP-368 re-authentication
// (reauthenticationThreshold 500 ms): sends one message every 200 ms for
// SECONDS on one producer and prints how many were acknowledged.
'use strict'
const { makeKafka, main } = require('./common')

const [bootstrap, username, password, topic, secondsArg] = process.argv.slice(2)
const seconds = parseFloat(secondsArg)

main(async () => {
  const kafka = makeKafka(bootstrap, {
    sasl: { mechanism: 'plain', username, password },
    reauthenticationThreshold: 500,
    retry: { retries: 0 },
  })
  const producer = kafka.producer({ allowAutoTopicCreation: true })
  await producer.connect()
  let sent = 0
  const end = Date.now() + seconds * 1000
  try {
    while (Date.now() < end) {
      await producer.send({ topic, acks: -1, messages: [{ value: `reauth-${sent}`, partition: 0 }] })
      sent++
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  } finally {
    await producer.disconnect()
  }
  return { sent }
})
