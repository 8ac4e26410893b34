// node produce.js BOOTSTRAP TOPIC COUNT COMPRESSION(none|gzip) [PARTITION]
// Sends COUNT messages (key-i / value-i / header h=hv-i, timestamp BASE+i)
// with acks=-1 in batches of 10 and prints the RecordMetadata of each send.
'use strict'
const { CompressionTypes } = require('kafkajs')
const { makeKafka, main } = require('./common')

const [bootstrap, topic, countArg, compressionArg, partitionArg] = process.argv.slice(2)
const count = parseInt(countArg, 10)
const compression = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP }[compressionArg]
if (!bootstrap || !topic || !(count > 0) || compression === undefined) {
  process.stderr.write('usage: node produce.js BOOTSTRAP TOPIC COUNT none|gzip [PARTITION]\n')
  process.exit(2)
}
const partition = partitionArg === undefined ? 0 : parseInt(partitionArg, 10)
const base = Date.now() - 3600 * 1000

main(async () => {
  const producer = makeKafka(bootstrap).producer({ allowAutoTopicCreation: true })
  await producer.connect()
  const sends = []
  try {
    for (let start = 0; start < count; start += 10) {
      const messages = []
      for (let i = start; i < Math.min(count, start + 10); i++) {
        messages.push({
          key: `key-${i}`,
          value: `value-${i} ` + 'kafkajs '.repeat(20),
          headers: { h: `hv-${i}`, fixed: 'yes' },
          partition,
          timestamp: String(base + i),
        })
      }
      sends.push(await producer.send({ topic, acks: -1, timeout: 10000, compression, messages }))
    }
  } finally {
    await producer.disconnect()
  }
  return { base, sends }
})
