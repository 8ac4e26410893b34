// Shared setup for the @platformatic/kafka scripts the integration tests run
// (test_platformatic.py). Every script: node <script>.mjs BOOTSTRAP ... ;
// prints one JSON document on stdout (long-running ones: JSON lines); logs go
// to stderr; exits non-zero (with the error on stderr) on failure. Timeouts
// are short so a hung broker fails the test quickly.
//
// @platformatic/kafka 2.x declares node >= 22.22; this machine's node is 20.
// The only runtime feature it needs that node 20 lacks is
// Promise.withResolvers (ES2024), which is polyfilled here before the library
// is used. zstd needs zlib.zstdCompressSync (node >= 22.15): on older nodes
// the client reports zstd as unavailable (compressionsAlgorithms.zstd.available).
import './platformatic_polyfill.mjs'
import { compressionsAlgorithms } from '@platformatic/kafka'

export function baseOptions(bootstrap, clientId) {
  return {
    clientId: clientId || 'sluice-integration',
    bootstrapBrokers: [bootstrap],
    connectTimeout: 3000,
    timeout: 10000,
    retries: 5,
    retryDelay: 200,
  }
}

// The codecs this client can compress with on this node.
export function availableCodecs() {
  return Object.entries(compressionsAlgorithms)
    .filter(([, a]) => a.available)
    .map(([name]) => name)
}

// JSON with BigInt as decimal strings, Map as object, Buffer as base64.
export function toJSON(value) {
  return JSON.stringify(value, function (key, v) {
    const raw = this[key]
    if (typeof raw === 'bigint') return raw.toString()
    if (Buffer.isBuffer(raw)) return { b64: raw.toString('base64') }
    if (raw instanceof Map) return Object.fromEntries(raw)
    if (raw instanceof Set) return Array.from(raw)
    return v
  })
}

export function b64(buf) {
  return buf === undefined || buf === null ? null : Buffer.from(buf).toString('base64')
}

// Everything the tests need to see about a client error: the Kafka error
// code(s) a ResponseError / ProtocolError carries, nested MultipleErrors.
export function describeError(err, depth = 0) {
  if (!err || typeof err !== 'object' || depth > 4) return String(err)
  const out = { name: err.name, message: err.message, code: err.code }
  for (const k of ['apiId', 'apiCode', 'serverErrorMessage', 'path', 'canRetry', 'needsRejoin']) {
    if (err[k] !== undefined) out[k] = err[k]
  }
  if (err.response !== undefined) {
    try { out.response = JSON.parse(toJSON(err.response)) } catch { out.response = String(err.response) }
  }
  if (Array.isArray(err.errors)) out.errors = err.errors.map(e => describeError(e, depth + 1))
  if (err.cause) out.cause = describeError(err.cause, depth + 1)
  return out
}

// Every Kafka error code (apiCode) anywhere in an error tree.
export function errorCodes(err, acc = new Set(), depth = 0) {
  if (!err || typeof err !== 'object' || depth > 6) return acc
  if (typeof err.apiCode === 'number') acc.add(err.apiCode)
  if (Array.isArray(err.errors)) for (const e of err.errors) errorCodes(e, acc, depth + 1)
  if (err.cause) errorCodes(err.cause, acc, depth + 1)
  return acc
}

export function main(fn, hardTimeoutMs = 60000) {
  // Hard stop: never outlive the python-side timeout.
  const timer = setTimeout(() => {
    process.stderr.write('platformatic script timed out\n')
    process.exit(3)
  }, hardTimeoutMs)
  fn()
    .then(result => {
      process.stdout.write(toJSON(result) + '\n', () => {
        clearTimeout(timer)
        process.exit(0)
      })
    })
    .catch(err => {
      process.stderr.write(`ERROR ${err && err.name}: ${err && err.message}\n` +
        `${toJSON(describeError(err))}\n${err && err.stack}\n`)
      clearTimeout(timer)
      process.exit(1)
    })
}
