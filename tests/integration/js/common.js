// Shared setup for the kafkajs scripts the integration tests run.
// Every script: node <script>.js BOOTSTRAP ... ; prints one JSON document on
// stdout; logs go to stderr; exits non-zero (with the error on stderr) on
// failure. Timeouts are short so a hung broker fails the test quickly.
'use strict'
const { Kafka, logLevel } = require('kafkajs')

function stderrLogger() {
  return ({ namespace, level, label, log }) => {
    const { message, ...extra } = log
    process.stderr.write(`[kafkajs ${label}] ${namespace}: ${message} ${JSON.stringify(extra)}\n`)
  }
}

// BOOTSTRAP may list several brokers, comma-separated; `overrides` replaces
// any of the client settings (a fail-over test retries for longer).
function makeKafka(bootstrap, overrides = {}) {
  return new Kafka({
    clientId: 'sluice-integration',
    brokers: bootstrap.split(','),
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator: stderrLogger,
    ...overrides,
  })
}

function main(fn) {
  // Hard stop: never outlive the python-side timeout.
  const timer = setTimeout(() => {
    process.stderr.write('kafkajs script timed out\n')
    process.exit(3)
  }, 60000)
  fn()
    .then(result => {
      process.stdout.write(JSON.stringify(result) + '\n')
      clearTimeout(timer)
      process.exit(0)
    })
    .catch(err => {
      process.stderr.write(`ERROR ${err && err.name}: ${err && err.message}\n` +
        `${JSON.stringify({ type: err && err.type, code: err && err.code })}\n${err && err.stack}\n`)
      clearTimeout(timer)
      process.exit(1)
    })
}

module.exports = { makeKafka, main }
