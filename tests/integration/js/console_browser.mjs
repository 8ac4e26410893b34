// node console_browser.mjs '<JSON settings>'
// Drives the broker's web console in Debian's headless Chromium
// (playwright-core) and asserts what each page shows. Two phases, so the
// Python side can change the cluster in between and check the effects with
// a real client afterwards:
//   read  brokers, topics, a topic, groups, a group's lag and members, the
//         message browser (text / JSON / hex, offset / timestamp / end,
//         follow live while kafkajs produces), records holding HTML and
//         scripts shown as text, a refused delete of a group with members
//   act   create a topic, add partitions, change a config (and a bad one),
//         reset a group's offsets, delete a group, delete a topic; each
//         through its confirmation dialog
// and, against a broker with http.console.read.only, "read-only": the
// pages without their actions.
// Prints one JSON document on stdout; exits non-zero on the first failed
// check (with a screenshot "failure.png" in the screenshot directory).
import { createRequire } from 'module'
import path from 'path'
import { chromium } from 'playwright-core'

const require = createRequire(import.meta.url)
const { makeKafka } = require('./common')

const cfg = JSON.parse(process.argv[2] || '{}')
const shot = name => page.screenshot({ path: path.join(cfg.shots, name), fullPage: true })
const dialogs = []
let page

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}

async function renders() {
  return page.evaluate(() => document.body.dataset.renders || '0')
}

// Waits until the page has rendered again after `before`.
async function rendered(before) {
  await page.waitForFunction(b => (document.body.dataset.renders || '0') !== b, before, { timeout: 10000 })
}

async function clickAndRender(selector) {
  const before = await renders()
  await page.click(selector)
  await rendered(before)
}

async function toHash(hash) {
  const before = await renders()
  await page.evaluate(h => { location.hash = h }, hash)
  await rendered(before)
}

async function text(selector) {
  return (await page.textContent(selector)) ?? ''
}

// Runs `trigger` (which opens a confirmation) and waits for the outcome:
// { ok, message } from the notice or the error box. With `rerender` also
// waits for the page that follows a successful action.
async function action(trigger, rerender = true) {
  await page.evaluate(() => { for (const id of ['notice', 'error']) document.getElementById(id).hidden = true })
  const before = await renders()
  const asked = dialogs.length
  await trigger()
  await page.waitForSelector('#notice:not([hidden]), #error:not([hidden])', { timeout: 15000 })
  check(dialogs.length === asked + 1, 'a confirmation dialog was shown')
  const ok = await page.isVisible('#notice')
  const message = ok ? await text('#notice') : await text('#error')
  if (ok && rerender) await rendered(before)
  return { ok, message }
}

async function rowCells(selector) {
  return page.$$eval(selector + ' td', tds => tds.map(td => td.textContent))
}

async function readPhase() {
  const out = {}
  await page.goto(cfg.url + '/')  // redirected to /console/
  await page.waitForFunction(() => document.body.dataset.page === 'brokers')
  check(page.url().endsWith('/console/'), 'the root redirects to /console/')
  const broker = await rowCells('#brokers tr[data-broker="0"]')
  check(broker[1] === '127.0.0.1' && broker[2] === String(cfg.kafkaPort), 'broker 0 row: ' + broker)
  check(broker[4] === 'controller', 'broker 0 is the controller')
  check(Number(broker[5]) >= cfg.partitions, 'partitions led: ' + broker[5])
  await shot('brokers.png')

  await clickAndRender('#nav-topics')
  const topicRow = await rowCells(`#topics tr[data-topic="${cfg.topic}"]`)
  check(topicRow[1] === String(cfg.partitions), 'topic partitions: ' + topicRow)
  await shot('topics.png')

  await clickAndRender(`#topics tr[data-topic="${cfg.topic}"] a`)
  check((await text('#topic-name')) === cfg.topic, 'topic page title')
  const parts = await page.$$eval('#partitions tbody tr', trs => trs.map(tr => [...tr.cells].map(td => td.textContent)))
  check(parts.length === cfg.partitions, 'partition rows: ' + parts.length)
  for (const [i, p] of parts.entries()) {
    check(p[0] === String(i) && p[1] === '0' && p[2] === '0' && p[3] === '0', 'partition row ' + p)
    check(p[7] === String(cfg.highWatermarks[i]), `high watermark of ${i}: ${p[7]}`)
  }
  const retention = await rowCells('#configs tr[data-config="retention.ms"]')
  check(retention[1] === '604800000' && retention[2] === 'default', 'retention.ms row: ' + retention)
  await shot('topic.png')

  await clickAndRender('#nav-groups')
  const resetRow = await rowCells(`#groups tr[data-group="${cfg.groupReset}"]`)
  check(resetRow[1] === 'Empty' && resetRow[2] === 'consumer', 'idle group row: ' + resetRow)
  const liveRow = await rowCells(`#groups tr[data-group="${cfg.groupLive}"]`)
  check(liveRow[1] === 'Stable', 'live group row: ' + liveRow)
  await shot('groups.png')

  await clickAndRender(`#groups tr[data-group="${cfg.groupReset}"] a`)
  check((await text('#total-lag')) === String(cfg.lag), 'total lag ' + (await text('#total-lag')))
  const lagRow = await rowCells(`#offsets tr[data-offset="${cfg.topic}-${cfg.lagPartition}"]`)
  check(lagRow[4] === String(cfg.lag), 'lag of the partition: ' + lagRow)
  await shot('group.png')

  await toHash('#/group/' + encodeURIComponent(cfg.groupLive))
  const members = await page.$$eval('#members tbody tr', trs => trs.map(tr => [...tr.cells].map(td => td.textContent)))
  check(members.length === 1 && members[0][1] === cfg.liveClientId, 'live member: ' + JSON.stringify(members))
  check(members[0][3] === `${cfg.topic}: ${[...Array(cfg.partitions).keys()].join(', ')}`, 'assignment ' + members[0][3])
  const refused = await action(() => page.click('#delete-group'), false)
  check(!refused.ok && refused.message.includes('NON_EMPTY_GROUP'), 'delete of a group with members refused: ' + refused.message)
  out.refused = refused.message

  // The message browser, from the beginning of partition 0.
  await toHash(`#/messages/${encodeURIComponent(cfg.topic)}/0`)
  await page.waitForSelector(`#records tr[data-offset="${cfg.xss.offset}"]`)
  const xssRow = `#records tr[data-offset="${cfg.xss.offset}"]`
  check((await text(xssRow + ' td.key')) === cfg.xss.key, 'an HTML key shows as text')
  check((await text(xssRow + ' td.value')) === cfg.xss.value, 'an HTML value shows as text')
  check((await text(xssRow + ' td.headers')) === `${cfg.xss.headerKey}: ${cfg.xss.headerValue}`, 'an HTML header shows as text')
  check((await page.$$('#main script, #main img, #main iframe')).length === 0, 'no element made from record data')
  check(await page.evaluate(() => window.__xss === undefined), 'no script from a record ran')
  const jsonRow = `#records tr[data-offset="${cfg.json.offset}"]`
  check((await text(jsonRow + ' td.value')) === cfg.json.value, 'JSON as text')
  await shot('messages.png')

  await page.selectOption('#msg-format', 'json')
  check((await text(jsonRow + ' td.value pre.json')) === JSON.stringify(JSON.parse(cfg.json.value), null, 2),
    'JSON pretty-printed')
  await shot('messages-json.png')
  await page.selectOption('#msg-format', 'hex')
  const binRow = `#records tr[data-offset="${cfg.binary.offset}"]`
  check((await text(binRow + ' td.key pre.hex')).startsWith('00000000  ' + cfg.binary.keyHex), 'binary key in hex')
  await shot('messages-hex.png')
  await page.selectOption('#msg-format', 'text')
  check((await text(binRow + ' td.key')).includes('base64: ' + cfg.binary.keyBase64), 'binary key as base64 in text view')

  const offsetsShown = async () => page.$$eval('#records tr', trs => trs.map(tr => Number(tr.dataset.offset)))
  const load = async () => {
    await page.evaluate(() => { document.getElementById('msg-status').textContent = '' })
    await page.click('#msg-load')
    await page.waitForFunction(() => document.getElementById('msg-status').textContent !== '')
  }
  await page.selectOption('#msg-start', 'offset')
  await page.fill('#msg-at', '2')
  await page.fill('#msg-limit', '3')
  await load()
  check(JSON.stringify(await offsetsShown()) === '[2,3,4]', 'from offset 2, limit 3: ' + (await offsetsShown()))
  await page.selectOption('#msg-start', 'timestamp')
  await page.fill('#msg-at', new Date(cfg.timestamped.timestamp).toISOString())
  await load()
  check((await offsetsShown())[0] === cfg.timestamped.offset, 'from a timestamp: ' + (await offsetsShown()))
  await page.selectOption('#msg-start', 'end')
  await page.fill('#msg-limit', '2')
  await load()
  const hw0 = cfg.highWatermarks[0]
  check(JSON.stringify(await offsetsShown()) === JSON.stringify([hw0 - 2, hw0 - 1]), 'the end: ' + (await offsetsShown()))
  await page.selectOption('#msg-start', 'offset')
  await page.fill('#msg-at', String(hw0 + 5))
  await page.click('#msg-load')
  await page.waitForSelector('#error:not([hidden])')
  check((await text('#error')).includes('OFFSET_OUT_OF_RANGE'), 'an offset past the end: ' + (await text('#error')))

  // Follow live: new records appear without reloading.
  await page.selectOption('#msg-start', 'end')
  await load()
  await page.check('#msg-follow')
  const live = 'live-' + Date.now()
  const producer = makeKafka(cfg.bootstrap).producer()
  await producer.connect()
  await producer.send({ topic: cfg.topic, acks: -1, messages: [{ key: 'live', value: live, partition: 0 }] })
  await producer.disconnect()
  await page.waitForSelector(`#records tr[data-offset="${hw0}"] td.value:has-text("${live}")`, { timeout: 10000 })
  await page.uncheck('#msg-follow')
  await shot('messages-follow.png')
  out.followed = live
  return out
}

async function actPhase() {
  const out = {}
  await page.goto(cfg.url + '/console/#/topics')
  await page.waitForFunction(() => document.body.dataset.page === 'topics')
  await page.fill('#new-topic-name', cfg.newTopic)
  await page.fill('#new-topic-partitions', '2')
  let r = await action(() => page.click('#create-topic button'))
  check(r.ok, 'create topic: ' + r.message)
  check((await rowCells(`#topics tr[data-topic="${cfg.newTopic}"]`))[1] === '2', 'the new topic is listed')
  await page.fill('#new-topic-name', cfg.newTopic)
  r = await action(() => page.click('#create-topic button'), false)
  check(!r.ok && r.message.includes('TOPIC_ALREADY_EXISTS'), 'a second create refused: ' + r.message)
  await shot('topics-created.png')

  await clickAndRender(`#topics tr[data-topic="${cfg.newTopic}"] a`)
  await page.fill('#partition-count', '4')
  r = await action(() => page.click('#add-partitions button'))
  check(r.ok, 'add partitions: ' + r.message)
  check((await page.$$('#partitions tbody tr')).length === 4, 'four partitions shown')
  await page.fill('#config-name', 'retention.ms')
  await page.fill('#config-value', '3600000')
  r = await action(() => page.click('#change-config button'))
  check(r.ok, 'change config: ' + r.message)
  const changed = await rowCells('#configs tr[data-config="retention.ms"]')
  check(changed[1] === '3600000' && changed[2] === 'override', 'retention.ms overridden: ' + changed)
  await page.fill('#config-name', 'retention.ms')
  await page.fill('#config-value', 'soon')
  r = await action(() => page.click('#change-config button'), false)
  check(!r.ok && r.message.includes('INVALID_CONFIG'), 'a bad value refused: ' + r.message)
  await shot('topic-actions.png')

  await toHash('#/group/' + encodeURIComponent(cfg.groupReset))
  await page.selectOption('#reset-strategy', 'earliest')
  r = await action(() => page.click('#reset-offsets button'))
  check(r.ok, 'reset offsets: ' + r.message)
  check((await text('#total-lag')) === String(cfg.lagAfterReset), 'lag after the reset: ' + (await text('#total-lag')))
  await shot('group-reset.png')

  await toHash('#/group/' + encodeURIComponent(cfg.groupLive))
  r = await action(() => page.click('#delete-group'))
  check(r.ok, 'delete group: ' + r.message)
  check(await page.evaluate(() => location.hash === '#/groups'), 'back on the groups page')
  check((await page.$$(`#groups tr[data-group="${cfg.groupLive}"]`)).length === 0, 'the group is gone')

  await toHash('#/topic/' + encodeURIComponent(cfg.doomedTopic))
  r = await action(() => page.click('#delete-topic'))
  check(r.ok, 'delete topic: ' + r.message)
  check(await page.evaluate(() => location.hash === '#/topics'), 'back on the topics page')
  check((await page.$$(`#topics tr[data-topic="${cfg.doomedTopic}"]`)).length === 0, 'the topic is gone')
  out.done = true
  return out
}

// http.console.read.only: pages show, actions are not offered.
async function readOnlyPhase() {
  await page.goto(cfg.url + '/console/#/topics')
  await page.waitForFunction(() => document.body.dataset.page === 'topics')
  await page.waitForFunction(() => document.body.classList.contains('read-only'))
  check((await rowCells(`#topics tr[data-topic="${cfg.topic}"]`))[1] === '1', 'the topic is listed')
  check(!(await page.isVisible('#create-topic')), 'no create form')
  await clickAndRender(`#topics tr[data-topic="${cfg.topic}"] a`)
  check((await page.$$('#partitions tbody tr')).length === 1, 'the topic page shows')
  check(!(await page.isVisible('#delete-topic')) && !(await page.isVisible('#add-partitions')), 'no actions')
  check((await text('#cluster-id')).includes('read-only'), 'marked read-only')
  return { readOnly: true }
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  // Running as root in a container: Chromium's sandbox needs user namespaces.
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
})
const timer = setTimeout(() => { process.stderr.write('console_browser.mjs timed out\n'); process.exit(3) }, 90000)
let code = 0
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  page = await context.newPage()
  const consoleErrors = []
  page.on('pageerror', e => consoleErrors.push(String(e)))
  page.on('dialog', d => { dialogs.push(d.message()); d.accept() })
  const phases = { read: readPhase, act: actPhase, 'read-only': readOnlyPhase }
  const result = await phases[cfg.phase]()
  check(consoleErrors.length === 0, 'no script errors: ' + consoleErrors.join('; '))
  process.stdout.write(JSON.stringify({ ...result, dialogs }) + '\n')
} catch (e) {
  process.stderr.write((e && e.stack) || String(e))
  process.stderr.write('\n')
  if (page) await page.screenshot({ path: path.join(cfg.shots, 'failure.png'), fullPage: true }).catch(() => {})
  code = 1
} finally {
  clearTimeout(timer)
  await browser.close()
}
process.exit(code)
