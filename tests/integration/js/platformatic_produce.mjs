// @platformatic/kafka producer for test_platformatic.py.
//
// node platformatic_produce.mjs batches BOOTSTRAP COUNT PARTITION TOPIC:CODEC [TOPIC:CODEC ...]
//   For each TOPIC, sends COUNT records with acks=-1 and that codec, 10 per
//   send(): key "key-<i>", value "value-<i> <codec> ..." , headers
//   [h=hv-<i>, fixed=yes, empty=""], timestamp BASE+i. PARTITION is a
//   partition number, or "key" to let the client's default partitioner
//   (murmur2 of the key) choose. Missing topics are auto-created. Prints
//   {base, available: [codecs], results: {TOPIC: [ProduceResult per send]}}.
//
// node platformatic_produce.mjs oversize BOOTSTRAP TOPIC BYTES
//   Sends one record whose value has BYTES bytes (acks=-1, no retries), then
//   one small record on the same producer. Prints
//   {big: {ok, offsets} | {error, codes}, small: {...}}.
import { Producer, ProduceAcks } from '@platformatic/kafka'
import { availableCodecs, baseOptions, describeError, errorCodes, main } from './platformatic_common.mjs'

const [mode, bootstrap, ...args] = process.argv.slice(2)

function usage() {
  process.stderr.write('usage: node platformatic_produce.mjs batches BOOTSTRAP COUNT PARTITION|key TOPIC:CODEC...\n' +
    '       node platformatic_produce.mjs oversize BOOTSTRAP TOPIC BYTES\n')
  process.exit(2)
}

async function attempt(promise) {
  try {
    return { ok: true, result: await promise }
  } catch (err) {
    return { ok: false, codes: Array.from(errorCodes(err)), error: describeError(err) }
  }
}

async function batches() {
  const [countArg, partitionArg, ...specs] = args
  const count = parseInt(countArg, 10)
  if (!(count > 0) || !partitionArg || specs.length === 0) usage()
  const byKey = partitionArg === 'key'
  const partition = byKey ? undefined : parseInt(partitionArg, 10)
  const base = BigInt(Date.now() - 3600 * 1000)
  // autocreateTopics: Metadata requests allow auto-creation (for PARTITION "key"
  // the test lets the broker create the topic).
  const producer = new Producer({ ...baseOptions(bootstrap, 'sluice-platformatic-producer'), autocreateTopics: true })
  const results = {}
  try {
    for (const spec of specs) {
      const i = spec.lastIndexOf(':')
      const topic = spec.slice(0, i)
      const compression = spec.slice(i + 1)
      const sends = []
      for (let start = 0; start < count; start += 10) {
        const messages = []
        for (let n = start; n < Math.min(count, start + 10); n++) {
          const m = {
            topic,
            key: Buffer.from(`key-${n}`),
            value: Buffer.from(`value-${n} ${compression} ` + 'platformatic '.repeat(20)),
            headers: new Map([
              [Buffer.from('h'), Buffer.from(`hv-${n}`)],
              [Buffer.from('fixed'), Buffer.from('yes')],
              [Buffer.from('empty'), Buffer.alloc(0)],
            ]),
            timestamp: base + BigInt(n),
          }
          if (!byKey) m.partition = partition
          messages.push(m)
        }
        sends.push(await producer.send({ messages, acks: ProduceAcks.ALL, compression }))
      }
      results[topic] = sends
    }
  } finally {
    await producer.close()
  }
  return { base, available: availableCodecs(), results }
}

async function oversize() {
  const [topic, bytesArg] = args
  const bytes = parseInt(bytesArg, 10)
  if (!topic || !(bytes > 0)) usage()
  const producer = new Producer({ ...baseOptions(bootstrap, 'sluice-platformatic-producer'), retries: 0 })
  try {
    const big = await attempt(producer.send({
      messages: [{ topic, partition: 0, key: Buffer.from('big'), value: Buffer.alloc(bytes, 0x61) }],
      acks: ProduceAcks.ALL,
    }))
    const small = await attempt(producer.send({
      messages: [{ topic, partition: 0, key: Buffer.from('small'), value: Buffer.from('after the big one') }],
      acks: ProduceAcks.ALL,
    }))
    return { big, small }
  } finally {
    await producer.close()
  }
}

if (!bootstrap) usage()
main({ batches, oversize }[mode] || usage)
