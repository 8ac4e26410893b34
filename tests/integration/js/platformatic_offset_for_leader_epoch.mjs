// @platformatic/kafka's own OffsetForLeaderEpoch v4 codec, for
// test_offset_for_leader_epoch.py.
//
// node platformatic_offset_for_leader_epoch.mjs BOOTSTRAP TOPIC P:CURRENT:EPOCH...
//   One request for those partitions of TOPIC (replica id -1, a consumer).
//   Prints {"ok": response} or {"error": ..., "codes": [...]} (partition
//   errors make the client reject; their codes are listed).
import { Connection, offsetForLeaderEpochV4 } from '@platformatic/kafka'
import { describeError, errorCodes, main } from './platformatic_common.mjs'

const [bootstrap, topic, ...asks] = process.argv.slice(2)

main(async () => {
  const [host, port] = bootstrap.split(':')
  const connection = new Connection('sluice-integration')
  await connection.connect(host, parseInt(port, 10))
  const partitions = asks.map(a => {
    const [p, current, epoch] = a.split(':').map(n => parseInt(n, 10))
    return { partitionIndex: p, currentLeaderEpoch: current, leaderEpoch: epoch }
  })
  try {
    return { ok: await offsetForLeaderEpochV4.api.async(connection, -1, [{ name: topic, partitions }]) }
  } catch (err) {
    return { error: describeError(err), codes: Array.from(errorCodes(err)) }
  } finally {
    await connection.close()
  }
})
