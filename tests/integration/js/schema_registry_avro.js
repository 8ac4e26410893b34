// node schema_registry_avro.js BOOTSTRAP REGISTRY_URL TOPIC GROUP
// @kafkajs/confluent-schema-registry against sluiced's registry: registers
// an Avro schema (v1) for TOPIC-value, encodes and produces a record with
// it, registers an evolved schema (v2: a field added with a default),
// produces a record with that, then consumes both through a group and
// decodes each with its writer's schema and with v2 as the reader (an old
// record read by the new reader gets the default). Prints ids and values.
'use strict'
const { makeKafka, main } = require('./common')
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry')

const [bootstrap, url, topic, groupId] = process.argv.slice(2)
const subject = `${topic}-value`
const v1 = {
  type: 'record', name: 'Payment', namespace: 'sluice.test',
  fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }],
}
const v2 = {
  ...v1,
  fields: [...v1.fields, { name: 'currency', type: 'string', default: 'EUR' }],
}

main(async () => {
  const registry = new SchemaRegistry({ host: url })
  const kafka = makeKafka(bootstrap)
  const { id: id1 } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject })
  const again = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject })
  const { id: id2 } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2) }, { subject })
  const latest = await registry.getLatestSchemaId(subject)
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({
    topic, acks: -1,
    messages: [
      { value: await registry.encode(id1, { id: 'a', amount: 1.5 }) },
      { value: await registry.encode(id2, { id: 'b', amount: 2.5, currency: 'USD' }) },
    ],
  })
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, rebalanceTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 })
  await consumer.connect()
  const got = []
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await new Promise((resolve, reject) => {
      consumer.on(consumer.events.CRASH, e => reject(e.payload.error))
      consumer.run({
        eachMessage: async ({ message }) => {
          got.push({
            writerId: message.value.readInt32BE(1),
            asWritten: await registry.decode(message.value),
            asV2: await registry.decode(message.value, { [SchemaType.AVRO]: { readerSchema: v2 } }),
          })
          if (got.length >= 2) resolve()
        },
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  let incompatible = null
  try {
    await registry.register({
      type: SchemaType.AVRO,
      schema: JSON.stringify({ ...v2, fields: [...v2.fields, { name: 'required', type: 'int' }] }),
    }, { subject })
  } catch (e) {
    incompatible = { status: e.status || null, message: String(e.message) }
  }
  return { id1, again: again.id, id2, latest, got, incompatible }
})
