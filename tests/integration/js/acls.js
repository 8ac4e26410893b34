// node acls.js BOOTSTRAP ACTION JSON
//   create   [acl, ...]    -> createAcls result ({} on success)
//   describe filter        -> describeAcls result
//   delete   [filter, ...] -> deleteAcls result
// ACLs and filters use kafkajs's field names with Kafka's numeric codes
// (resourceType, resourceName, resourcePatternType, principal, host,
// operation, permissionType). A refusal prints {error: type, code}.
'use strict'
const { makeKafka, main } = require('./common')

const [bootstrap, action, json] = process.argv.slice(2)
const arg = JSON.parse(json)

main(async () => {
  const admin = makeKafka(bootstrap, { retry: { retries: 0 } }).admin()
  await admin.connect()
  try {
    switch (action) {
      case 'create':
        return (await admin.createAcls({ acl: arg })) === true ? { created: true } : { created: false }
      case 'describe':
        return await admin.describeAcls(arg)
      case 'delete':
        return await admin.deleteAcls({ filters: arg })
      default:
        throw new Error(`unknown action ${action}`)
    }
  } catch (e) {
    if (e.type) return { error: e.type, code: e.code }
    throw e
  } finally {
    await admin.disconnect()
  }
})
