// node query_browser.mjs '<JSON settings>'
// The console's event-store pages in Debian's headless Chromium
// (playwright-core): the key history page (oldest and newest first, paging
// with "More", a topic without the key index refused) and the query page
// (a filter typed into the form, the answer cut by its limit and finished
// with "Continue", a malformed condition refused). test_query.py computes
// what each must show from what it produced; this prints what was shown as
// one JSON document and exits non-zero on the first failed check.
import path from 'path'
import { chromium } from 'playwright-core'

const cfg = JSON.parse(process.argv[2] || '{}')
let page

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}

async function renders() {
  return page.evaluate(() => document.body.dataset.renders || '0')
}

async function toHash(hash) {
  const before = await renders()
  await page.evaluate(h => { location.hash = h }, hash)
  await page.waitForFunction(b => (document.body.dataset.renders || '0') !== b, before, { timeout: 10000 })
}

async function rowIds(tbody) {
  return page.$$eval(`${tbody} tr`, trs => trs.map(tr => tr.dataset.offset))
}

// Waits for `count` rows in `tbody` after `trigger`.
async function loadRows(trigger, tbody, count) {
  await trigger()
  await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel + ' tr').length === n,
    [tbody, count], { timeout: 10000 })
  return rowIds(tbody)
}

async function keyHistory() {
  const out = {}
  const { topic, key, offsets, values } = cfg.key
  await page.goto(`${cfg.url}/console/#/key/${encodeURIComponent(topic)}/${encodeURIComponent(key)}`)
  await page.waitForFunction(() => document.body.dataset.page === 'key')
  await page.waitForSelector('#key-records-rows tr')
  out.oldest = await rowIds('#key-records-rows')
  check(JSON.stringify(out.oldest) === JSON.stringify(offsets.map(String)), 'oldest first: ' + out.oldest)
  const firstValue = await page.textContent(`#key-records-rows tr[data-offset="${offsets[0]}"] td.value`)
  check(firstValue === values[0], 'first value ' + firstValue)
  await page.screenshot({ path: path.join(cfg.shots, 'key-history.png'), fullPage: true })

  await page.selectOption('#key-order', 'newest')
  await page.fill('#key-limit', '3')
  out.newest = await loadRows(() => page.click('#key-load'), '#key-records-rows', 3)
  check(JSON.stringify(out.newest) === JSON.stringify(offsets.slice(-3).reverse().map(String)), 'newest first: ' + out.newest)

  // Pages of 2, oldest first, through "More".
  await page.selectOption('#key-order', 'oldest')
  await page.fill('#key-limit', '2')
  let shown = await loadRows(() => page.click('#key-load'), '#key-records-rows', 2)
  while (await page.isVisible('#key-more')) {
    shown = await loadRows(() => page.click('#key-more'), '#key-records-rows', Math.min(shown.length + 2, offsets.length))
  }
  out.paged = shown
  check(JSON.stringify(shown) === JSON.stringify(offsets.map(String)), 'paged: ' + shown)

  // A topic without the key index: the API's error, shown.
  await toHash(`#/key/${encodeURIComponent(cfg.plainTopic)}/${encodeURIComponent(key)}`)
  await page.waitForSelector('#error:not([hidden])')
  out.refused = await page.textContent('#error')
  check(out.refused.includes('INVALID_REQUEST') && out.refused.includes('key index'), 'refused: ' + out.refused)
  return out
}

async function queries() {
  const out = {}
  const q = cfg.query
  await toHash(`#/query/${encodeURIComponent(q.topic)}`)
  await page.fill('#q-prefix', q.prefix)
  await page.fill('#q-headers', q.headers)
  await page.fill('#q-where', q.where)
  await page.fill('#q-limit', String(q.limit))
  const ran = async (trigger) => {
    const before = await page.evaluate(() => document.body.dataset.queries || '0')
    await trigger()
    await page.waitForFunction(b => (document.body.dataset.queries || '0') !== b, before, { timeout: 15000 })
  }
  await ran(() => page.click('#q-run'))
  const first = await rowIds('#q-records-rows')
  check(JSON.stringify(first) === JSON.stringify(q.expected.slice(0, q.limit)), 'first answer: ' + first)
  check((await page.getAttribute('#q-summary', 'data-truncated')) === 'true', 'cut by the limit')
  check((await page.getAttribute('#q-summary', 'data-reason')) === 'limit', 'reason limit')
  out.sent = JSON.parse(await page.textContent('#q-body'))
  await page.screenshot({ path: path.join(cfg.shots, 'query.png'), fullPage: true })
  let rounds = 1
  while (await page.isVisible('#q-continue')) {
    await ran(() => page.click('#q-continue'))
    rounds += 1
    check(rounds < 100, 'continue ends')
  }
  out.rows = await rowIds('#q-records-rows')
  out.rounds = rounds
  check(JSON.stringify(out.rows) === JSON.stringify(q.expected), 'all rows: ' + out.rows)
  check((await page.getAttribute('#q-summary', 'data-truncated')) === 'false', 'complete at the end')

  // A condition without an operator is refused in the page, a bad field by the broker.
  await page.fill('#q-where', 'amount')
  await page.click('#q-run')
  await page.waitForSelector('#error:not([hidden])')
  out.badWhere = await page.textContent('#error')
  check(out.badWhere.includes('FIELD OP VALUE'), 'bad condition: ' + out.badWhere)
  await page.fill('#q-where', '')
  await page.fill('#q-max-bytes', '99999999999999')
  await ran(() => page.click('#q-run'))
  out.tooBroad = await page.textContent('#error')
  check(out.tooBroad.includes('POLICY_VIOLATION'), 'too broad: ' + out.tooBroad)
  return out
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
})
const timer = setTimeout(() => { process.stderr.write('query_browser.mjs timed out\n'); process.exit(3) }, 90000)
let code = 0
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  page = await context.newPage()
  const errors = []
  page.on('pageerror', e => errors.push(String(e)))
  const result = { key: await keyHistory(), query: await queries() }
  check(errors.length === 0, 'no script errors: ' + errors.join('; '))
  process.stdout.write(JSON.stringify(result) + '\n')
} catch (e) {
  process.stderr.write((e && e.stack) || String(e))
  process.stderr.write('\n')
  if (page) await page.screenshot({ path: path.join(cfg.shots, 'query-failure.png'), fullPage: true }).catch(() => {})
  code = 1
} finally {
  clearTimeout(timer)
  await browser.close()
}
process.exit(code)
