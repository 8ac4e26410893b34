// node admin.js BOOTSTRAP ACTION ARGS...
//   create TOPIC PARTITIONS [name=value ...]  -> {created: bool}
//   metadata TOPIC                            -> fetchTopicMetadata result
//   offsets TOPIC                             -> fetchTopicOffsets result
//   describe TOPIC                            -> describeConfigs result (topic)
//   describe-broker ID                        -> describeConfigs result (broker)
//   list                                      -> listTopics result
//   cluster                                   -> describeCluster result
//   delete TOPIC                              -> {deleted: true}
//   reassign TOPIC PARTITION R1,R2,...        -> {reassigned: true}
//   reassignments [TOPIC PARTITION]           -> listPartitionReassignments result
'use strict'
const { ConfigResourceTypes } = require('kafkajs')
const { makeKafka, main } = require('./common')

const [bootstrap, action, ...args] = process.argv.slice(2)

main(async () => {
  const admin = makeKafka(bootstrap).admin()
  await admin.connect()
  try {
    switch (action) {
      case 'create': {
        const [topic, partitions, ...configs] = args
        const configEntries = configs.map(c => {
          const i = c.indexOf('=')
          return { name: c.slice(0, i), value: c.slice(i + 1) }
        })
        const created = await admin.createTopics({
          topics: [{ topic, numPartitions: parseInt(partitions, 10), replicationFactor: 1, configEntries }],
          waitForLeaders: true,
          timeout: 10000,
        })
        return { created }
      }
      case 'metadata':
        return await admin.fetchTopicMetadata({ topics: [args[0]] })
      case 'offsets':
        return await admin.fetchTopicOffsets(args[0])
      case 'describe':
        return await admin.describeConfigs({
          resources: [{ type: ConfigResourceTypes.TOPIC, name: args[0] }],
          includeSynonyms: false,
        })
      case 'describe-broker':
        return await admin.describeConfigs({
          resources: [{ type: ConfigResourceTypes.BROKER, name: args[0] }],
          includeSynonyms: false,
        })
      case 'list':
        return await admin.listTopics()
      case 'cluster':
        return await admin.describeCluster()
      case 'delete':
        await admin.deleteTopics({ topics: [args[0]], timeout: 10000 })
        return { deleted: true }
      case 'reassign': {
        const [topic, partition, replicas] = args
        await admin.alterPartitionReassignments({
          topics: [{
            topic,
            partitionAssignment: [{ partition: parseInt(partition, 10), replicas: replicas.split(',').map(Number) }],
          }],
        })
        return { reassigned: true }
      }
      case 'reassignments': {
        const topics = args.length ? [{ topic: args[0], partitions: [parseInt(args[1], 10)] }] : null
        return await admin.listPartitionReassignments({ topics })
      }
      default:
        throw new Error(`unknown action ${action}`)
    }
  } finally {
    await admin.disconnect()
  }
})
