// The console's event-store pages, on the /v1/ API rather than /api/v1/:
//   #/key/<topic>/<key>   one key's history (GET /v1/topics/{t}/keys/{k}/records)
//   #/query/<topic>       an ad-hoc query (POST /v1/query), rows shown as
//                         they stream in, then its summary, and "Continue"
//                         with the summary's next when it was cut.
// Uses app.js's helpers (el, table, call, showError, recordRow); like the
// rest, record data reaches the page as text only.
'use strict';

async function v1(method, path, body) {
  const init = {method, headers: {}};
  if (body !== undefined) { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  const res = await fetch('/v1/' + path, init);
  if (!res.ok) {
    let data;
    try { data = await res.json(); } catch (_) { data = {error: 'HTTP_' + res.status, message: res.statusText}; }
    throw new ApiError(data);
  }
  return res;
}

async function topicSelect(id, topic) {
  const list = await call('GET', 'topics');
  return el('select', {id}, list.topics.filter(t => !t.name.startsWith('__'))
    .map(t => el('option', {value: t.name, selected: t.name === topic}, t.name)));
}

function recordsTable(id, withPartition) {
  const body = el('tbody', {id: id + '-rows'});
  const head = [withPartition ? el('th', {class: 'num'}, 'Partition') : null, el('th', {class: 'num'}, 'Offset'),
    el('th', {}, 'Timestamp'), el('th', {}, 'Key'), el('th', {}, 'Value'), el('th', {}, 'Headers')];
  return {body, table: el('table', {id}, el('thead', {}, el('tr', {}, head)), body)};
}

function shownRow(r, format, withPartition) {
  const row = recordRow(r, format);
  row.setAttribute('data-offset', withPartition ? `${r.partition}-${r.offset}` : String(r.offset));
  if (withPartition) row.prepend(el('td', {class: 'num'}, String(r.partition)));
  if (r.corrects !== undefined) row.children[0].append(el('div', {class: 'muted'}, `corrects ${r.corrects}`));
  return row;
}

async function keyPage(main, topic, key) {
  const topicSel = await topicSelect('key-topic', topic);
  const keyIn = el('input', {id: 'key-key', placeholder: 'key', value: key || '', required: true});
  const partIn = el('input', {id: 'key-partition', type: 'number', min: 0, placeholder: 'default', style: 'width:7em'});
  const order = el('select', {id: 'key-order'}, ['oldest', 'newest'].map(s => el('option', {value: s}, s + ' first')));
  const view = el('select', {id: 'key-view'}, ['raw', 'corrected'].map(s => el('option', {value: s}, s)));
  const limit = el('input', {id: 'key-limit', type: 'number', min: 1, max: 10000, value: 100, style: 'width:6em'});
  const format = el('select', {id: 'key-format'}, ['text', 'json', 'hex'].map(s => el('option', {value: s}, s)));
  const status = el('span', {id: 'key-status', class: 'muted'});
  const more = el('button', {type: 'button', id: 'key-more', hidden: true}, 'More');
  const {body, table: records} = recordsTable('key-records', false);
  let shown = [], next = null;

  function render() { body.replaceChildren(...shown.map(r => shownRow(r, format.value, false))); }
  async function load(append) {
    const q = new URLSearchParams({order: order.value, view: view.value, limit: limit.value,
      from_offset: append && next !== null ? String(next) : '0'});
    if (partIn.value !== '') q.set('partition', partIn.value);
    try {
      const res = await v1('GET', `topics/${enc(topicSel.value)}/keys/${enc(keyIn.value)}/records?${q}`);
      const doc = await res.json();
      showError(null);
      shown = append ? shown.concat(doc.records) : doc.records;
      next = doc.next_offset;
      render();
      status.textContent = `${shown.length} record(s) of partition ${doc.partition}; high watermark ${doc.high_watermark}` +
        (doc.more ? '; more' : '');
      more.hidden = !(doc.more && next !== null && order.value === 'oldest' && view.value === 'raw');
    } catch (e) { showError(e.body || {error: 'NETWORK', message: String(e)}); }
  }
  format.addEventListener('change', render);
  more.addEventListener('click', () => load(true));
  main.append(el('h1', {}, 'Key history'),
    el('p', {class: 'muted'}, 'One key\'s records, read through the topic\'s key index (sluice.key.index.enable).'),
    el('form', {class: 'inline card', id: 'key-form', onsubmit: ev => { ev.preventDefault(); load(false); }},
      'Topic', topicSel, 'Key', keyIn, 'Partition', partIn, order, 'View', view, 'Limit', limit, 'Show as', format,
      el('button', {type: 'submit', id: 'key-load'}, 'Load'), status),
    records, more);
  if (topic && key) await load(false);
}

// "a.b>=10" lines into the body's value object, as `sluice query --where` does.
function whereConditions(text) {
  const value = {};
  const ops = [['>=', 'gte'], ['<=', 'lte'], ['!=', 'ne'], ['==', 'eq'], ['>', 'gt'], ['<', 'lt'], ['=', 'eq']];
  for (const line of text.split('\n').map(s => s.trim()).filter(Boolean)) {
    const at = line.search(/[<>=!]/);
    const found = at > 0 && ops.find(([s]) => line.startsWith(s, at));
    if (!found) throw new Error(`"${line}": write FIELD OP VALUE with OP one of = != < <= > >=`);
    const operandText = line.slice(at + found[0].length).trim();
    let operand;
    try { operand = JSON.parse(operandText); } catch (_) { operand = operandText; }
    if (operand !== null && typeof operand === 'object') operand = operandText;
    const field = line.slice(0, at).trim();
    (value[field] = value[field] || {})[found[1]] = operand;
  }
  return value;
}

async function queryPage(main, topic) {
  const topicSel = await topicSelect('q-topic', topic);
  const input = (id, attrs) => el('input', Object.assign({id}, attrs || {}));
  const keys = input('q-keys', {placeholder: 'key1, key2', style: 'width:12em'});
  const prefix = input('q-prefix', {placeholder: 'key prefix', style: 'width:9em'});
  const fromOff = input('q-from-offset', {type: 'number', min: 0, style: 'width:7em'});
  const toOff = input('q-to-offset', {type: 'number', min: 0, style: 'width:7em'});
  const timeFrom = input('q-time-from', {placeholder: 'ms or date', style: 'width:11em'});
  const timeTo = input('q-time-to', {placeholder: 'ms or date', style: 'width:11em'});
  const headers = el('textarea', {id: 'q-headers', rows: 2, cols: 22, placeholder: 'name=value per line'});
  const where = el('textarea', {id: 'q-where', rows: 2, cols: 26, placeholder: 'amount>=100 per line'});
  const limit = input('q-limit', {type: 'number', min: 1, value: 100, style: 'width:6em'});
  const maxBytes = input('q-max-bytes', {type: 'number', min: 1, placeholder: 'default', style: 'width:9em'});
  const format = el('select', {id: 'q-format'}, ['text', 'json', 'hex'].map(s => el('option', {value: s}, s)));
  const sent = el('pre', {id: 'q-body', class: 'muted'});
  const summary = el('div', {id: 'q-summary', class: 'muted'});
  const more = el('button', {type: 'button', id: 'q-continue', hidden: true}, 'Continue');
  const {body: rows, table: records} = recordsTable('q-records', true);
  let shown = [], lastBody = null, next = null;

  const ms = text => (/^-?\d+$/.test(text) ? Number(text) : new Date(text).getTime());
  function filter() {
    const b = {topic: topicSel.value, limit: Number(limit.value)};
    const ks = keys.value.split(',').map(s => s.trim()).filter(Boolean);
    if (ks.length) b.keys = ks;
    if (prefix.value) b.key_prefix = prefix.value;
    if (fromOff.value !== '') b.from_offset = Number(fromOff.value);
    if (toOff.value !== '') b.to_offset = Number(toOff.value);
    if (timeFrom.value || timeTo.value) {
      b.event_time = {};
      if (timeFrom.value) b.event_time.from = ms(timeFrom.value);
      if (timeTo.value) b.event_time.to = ms(timeTo.value);
    }
    const hs = headers.value.split('\n').map(s => s.trim()).filter(Boolean);
    if (hs.length) {
      b.headers = {};
      for (const h of hs) {
        const eq = h.indexOf('=');
        if (eq <= 0) throw new Error(`header "${h}": write name=value`);
        b.headers[h.slice(0, eq)] = h.slice(eq + 1);
      }
    }
    if (where.value.trim()) b.value = whereConditions(where.value);
    if (maxBytes.value !== '') b.max_bytes_scanned = Number(maxBytes.value);
    return b;
  }
  function render() { rows.replaceChildren(...shown.map(r => shownRow(r, format.value, true))); }
  // Streams the answer: each line as it arrives, the last one the summary.
  async function run(body, append) {
    summary.textContent = 'running…';
    more.hidden = true;
    if (!append) { shown = []; rows.replaceChildren(); }
    sent.textContent = JSON.stringify(body);
    try {
      const res = await v1('POST', 'query', body);
      showError(null);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let pending = '', done = false, last = null;
      while (!done) {
        const chunk = await reader.read();
        done = chunk.done;
        pending += decoder.decode(chunk.value || new Uint8Array(), {stream: !done});
        let nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const doc = JSON.parse(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
          if (doc.summary) { last = doc.summary; continue; }
          shown.push(doc);
          rows.append(shownRow(doc, format.value, true));
        }
      }
      if (!last) throw new Error('the answer ended without its summary');
      next = last.next;
      summary.textContent = `${shown.length} record(s) shown; this answer: ${last.records} record(s), ` +
        `${fmtBytes(last.scanned_bytes)} scanned` + (last.truncated ? `; cut (${last.reason})` : '; complete') +
        (last.error ? ` — ${last.error}: ${last.message}` : '');
      summary.dataset.truncated = String(last.truncated);
      summary.dataset.reason = last.reason || '';
      more.hidden = !(last.truncated && last.reason !== 'error' && Object.keys(next).length);
    } catch (e) {
      summary.textContent = '';
      showError(e.body || {error: 'INVALID_REQUEST', message: e.message || String(e)});
    }
    document.body.dataset.queries = String(Number(document.body.dataset.queries || 0) + 1);
  }
  format.addEventListener('change', render);
  more.addEventListener('click', () => run(Object.assign({}, lastBody, {resume: next}), true));
  const form = el('form', {class: 'inline card', id: 'q-form', onsubmit: ev => {
    ev.preventDefault();
    try { lastBody = filter(); } catch (e) { showError({error: 'INVALID_REQUEST', message: e.message}); return; }
    run(lastBody, false);
  }},
  'Topic', topicSel, 'Keys', keys, 'or prefix', prefix, 'Offsets', fromOff, '–', toOff,
  'Event time', timeFrom, '–', timeTo, 'Headers', headers, 'Value', where, 'Limit', limit,
  'Max bytes scanned', maxBytes, 'Show as', format, el('button', {type: 'submit', id: 'q-run'}, 'Run'));
  main.append(el('h1', {}, 'Query'),
    el('p', {class: 'muted'}, 'Committed records of one topic that pass every condition given (POST /v1/query).'),
    form, sent, summary, records, more);
}
