// node produce_idempotent.js BOOTSTRAP TOPIC COUNT PARTITIONS
// An idempotent kafkajs producer (idempotent: true, one request in flight,
// as kafkajs requires) sends COUNT messages value-i, spread round-robin
// over PARTITIONS partitions, ten per send, and prints the RecordMetadata.
'use strict'
const { makeKafka, main } = require('./common')

const [bootstrap, topic, countArg, partitionsArg] = process.argv.slice(2)
const count = parseInt(countArg, 10)
const partitions = parseInt(partitionsArg, 10)
if (!bootstrap || !topic || !(count > 0) || !(partitions > 0)) {
  process.stderr.write('usage: node produce_idempotent.js BOOTSTRAP TOPIC COUNT PARTITIONS\n')
  process.exit(2)
}

main(async () => {
  const producer = makeKafka(bootstrap).producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const sends = []
  try {
    for (let start = 0; start < count; start += 10) {
      const messages = []
      for (let i = start; i < Math.min(count, start + 10); i++) {
        messages.push({ key: `key-${i}`, value: `value-${i}`, partition: i % partitions })
      }
      sends.push(await producer.send({ topic, acks: -1, timeout: 10000, messages }))
    }
  } finally {
    await producer.disconnect()
  }
  return { sends }
})
