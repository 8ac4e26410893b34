// @platformatic/kafka Admin for test_platformatic.py.
//
// node platformatic_admin.mjs BOOTSTRAP ACTION ARGS...
//   create TOPIC PARTITIONS [name=value ...] -> createTopics result
//   list                                     -> listTopics()
//   metadata TOPIC                           -> metadata({topics: [TOPIC], forceUpdate})
//   describe TOPIC                           -> describeConfigs (topic resource)
//   partitions TOPIC COUNT                   -> createPartitions (new total COUNT)
//   delete TOPIC                             -> deleteTopics
//   list-groups                              -> listGroups()
//   describe-groups GROUP...                 -> describeGroups
//   group-offsets GROUP                      -> listConsumerGroupOffsets
//   delete-groups GROUP...                   -> deleteGroups
// Prints {"ok": RESULT} or, when the client call fails, {"error": {...},
// "codes": [Kafka error codes]} (exit 0 either way: the test decides).
// Several calls in one process (loading the client takes about a second):
// ACTION ARGS... + ACTION ARGS... -> a list of those documents, in order.
import { Admin, ConfigResourceTypes } from '@platformatic/kafka'
import { baseOptions, describeError, errorCodes, main } from './platformatic_common.mjs'

const [bootstrap, action, ...args] = process.argv.slice(2)

const actions = {
  create: (admin, topic, partitions, ...configs) => admin.createTopics({
    topics: [topic],
    partitions: parseInt(partitions, 10),
    replicas: 1,
    configs: configs.map(c => {
      const i = c.indexOf('=')
      return { name: c.slice(0, i), value: c.slice(i + 1) }
    }),
  }),
  list: admin => admin.listTopics(),
  metadata: (admin, topic) => admin.metadata({ topics: [topic], forceUpdate: true }),
  describe: (admin, topic) => admin.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
  }),
  partitions: (admin, topic, count) => admin.createPartitions({
    topics: [{ name: topic, count: parseInt(count, 10) }],
  }),
  delete: (admin, topic) => admin.deleteTopics({ topics: [topic] }),
  'list-groups': admin => admin.listGroups(),
  'describe-groups': (admin, ...groups) => admin.describeGroups({ groups }),
  'group-offsets': (admin, group) => admin.listConsumerGroupOffsets({ groups: [group] }),
  'delete-groups': (admin, ...groups) => admin.deleteGroups({ groups }),
}

const calls = [[action]]
for (const a of args) {
  if (a === '+') calls.push([])
  else calls[calls.length - 1].push(a)
}
if (!bootstrap || calls.some(c => !actions[c[0]])) {
  process.stderr.write(`usage: node platformatic_admin.mjs BOOTSTRAP ${Object.keys(actions).join('|')} ARGS... [+ ACTION ARGS...]\n`)
  process.exit(2)
}

main(async () => {
  const admin = new Admin({ ...baseOptions(bootstrap, 'sluice-platformatic-admin'), retries: 2 })
  const results = []
  try {
    for (const [name, ...callArgs] of calls) {
      try {
        const result = await actions[name](admin, ...callArgs)
        results.push({ ok: result === undefined ? null : result })
      } catch (err) {
        results.push({ error: describeError(err), codes: Array.from(errorCodes(err)) })
      }
    }
  } finally {
    await admin.close()
  }
  return calls.length === 1 ? results[0] : results
})
