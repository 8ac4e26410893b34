// The Sluice console: one page routed by the URL's #fragment, reading the
// JSON API under /api/v1/. Every name, key, value and header reaches the
// page through textContent (el() below), never as HTML, so a record
// holding markup or a script shows as text.
'use strict';

const api = '/api/v1/';
let followTimer = null;
let keepNotice = false;

// el('td', {class: 'num'}, 'text', childNode, ...): children are nodes or
// text; text becomes a text node, never markup.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function table(headers, rows, attrs) {
  return el('table', attrs,
    el('thead', {}, el('tr', {}, headers.map(h => el('th', {class: h.num ? 'num' : null}, h.label || h)))),
    el('tbody', {}, rows));
}

function link(href, text, attrs) { return el('a', Object.assign({href}, attrs || {}), text); }
const enc = encodeURIComponent;

function showError(e) {
  const box = document.getElementById('error');
  box.replaceChildren();
  if (!e) { box.hidden = true; return; }
  box.append(el('strong', {}, e.error || 'ERROR'), ': ', e.message || '');
  if (e.broker) box.append(' ', el('span', {}, `(broker ${e.broker.id} at ${e.broker.host}:${e.broker.port} holds it; open its console)`));
  box.hidden = false;
}

function notice(text) {
  const box = document.getElementById('notice');
  box.textContent = text || '';
  box.hidden = !text;
}

class ApiError extends Error {
  constructor(body) { super(body.message); this.body = body; }
}

async function call(method, path, body) {
  const init = {method, headers: {}};
  if (body !== undefined) { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  const res = await fetch(api + path, init);
  let data = null;
  try { data = await res.json(); } catch (_) { data = {error: 'HTTP_' + res.status, message: res.statusText}; }
  if (!res.ok) throw new ApiError(data);
  return data;
}

// Runs an action after the user confirms it; shows its outcome.
async function act(question, method, path, body, after) {
  if (!window.confirm(question)) return;
  try {
    const r = await call(method, path, body);
    showError(null);
    notice('Done: ' + question.replace(/\?$/, ''));
    keepNotice = true;  // through the page change the action may make
    if (after) await after(r);
  } catch (e) {
    notice(null);
    showError(e.body || {error: 'NETWORK', message: String(e)});
  }
}

function fmtBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0, v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i ? v.toFixed(1) : v) + ' ' + units[i];
}
function fmtMs(ms) {
  if (ms === null || ms === undefined) return '—';
  const n = Number(ms);
  if (n < 0) return 'unlimited';
  if (n % 86400000 === 0) return n / 86400000 + ' d';
  if (n % 3600000 === 0) return n / 3600000 + ' h';
  return n + ' ms';
}
const dash = v => (v === null || v === undefined ? '—' : v);

// ---- pages ---------------------------------------------------------------

async function brokersPage(main) {
  const c = await call('GET', 'cluster');
  main.append(el('h1', {}, 'Brokers'),
    el('p', {class: 'muted'}, `Cluster ${c.cluster_id}; this console is served by broker ${c.this_broker}.`),
    table(['Id', 'Host', 'Port', 'Rack', 'Controller', {label: 'Partitions led', num: true}],
      c.brokers.map(b => el('tr', {'data-broker': b.id},
        el('td', {}, String(b.id), b.this_broker ? el('span', {class: 'muted'}, ' (this broker)') : null),
        el('td', {}, b.host), el('td', {}, String(b.port)), el('td', {}, dash(b.rack)),
        el('td', {}, b.controller ? el('span', {class: 'badge yes'}, 'controller') : ''),
        el('td', {class: 'num'}, String(b.partitions_led)))), {id: 'brokers'}));
}

async function topicsPage(main) {
  const t = await call('GET', 'topics');
  const name = el('input', {id: 'new-topic-name', placeholder: 'topic name', required: true});
  const parts = el('input', {id: 'new-topic-partitions', type: 'number', min: 1, value: 1, style: 'width:6em'});
  const rf = el('input', {id: 'new-topic-rf', type: 'number', min: 1, placeholder: 'default', style: 'width:6em'});
  const form = el('form', {class: 'inline', id: 'create-topic', onsubmit: ev => {
    ev.preventDefault();
    const body = {name: name.value, partitions: Number(parts.value || -1)};
    if (rf.value) body.replication_factor = Number(rf.value);
    act(`Create topic ${name.value} with ${body.partitions} partition(s)?`, 'POST', 'topics', body, () => route());
  }}, 'Name', name, 'Partitions', parts, 'Replication factor', rf, el('button', {type: 'submit'}, 'Create topic'));
  main.append(el('h1', {}, 'Topics'),
    table(['Name', {label: 'Partitions', num: true}, {label: 'Replicas', num: true},
      {label: 'Under-replicated', num: true}, {label: 'Size here', num: true}, 'Retention', 'Cleanup'],
    t.topics.map(x => el('tr', {'data-topic': x.name},
      el('td', {}, link('#/topic/' + enc(x.name), x.name), x.internal ? el('span', {class: 'muted'}, ' internal') : null),
      el('td', {class: 'num'}, String(x.partitions)), el('td', {class: 'num'}, String(x.replication_factor)),
      el('td', {class: 'num'}, String(x.under_replicated_partitions)), el('td', {class: 'num'}, fmtBytes(x.size_bytes)),
      el('td', {}, fmtMs(x.retention_ms)), el('td', {}, dash(x.cleanup_policy)))), {id: 'topics'}),
    el('div', {class: 'card actions'}, el('h2', {}, 'Create a topic'), form));
}

async function topicPage(main, topic) {
  const t = await call('GET', 'topics/' + enc(topic));
  main.append(el('h1', {}, 'Topic ', el('span', {id: 'topic-name'}, t.name)),
    el('div', {class: 'kv'}, el('span', {class: 'muted'}, 'Topic id'), el('span', {}, t.topic_id),
      el('span', {class: 'muted'}, 'Replication factor'), el('span', {}, String(t.replication_factor)),
      el('span', {class: 'muted'}, 'Retention'), el('span', {}, fmtMs(t.retention_ms) + ', ' +
        (Number(t.retention_bytes) < 0 ? 'no size limit' : fmtBytes(Number(t.retention_bytes))))),
    el('h2', {}, 'Partitions'),
    table([{label: 'Partition', num: true}, 'Leader', 'Replicas', 'ISR', {label: 'Size', num: true},
      {label: 'Log start', num: true}, {label: 'Log end', num: true}, {label: 'High watermark', num: true}, ''],
    t.partitions.map(p => el('tr', {'data-partition': p.partition},
      el('td', {class: 'num'}, String(p.partition)), el('td', {}, String(p.leader)),
      el('td', {}, p.replicas.join(', ')), el('td', {}, p.isr.join(', ')),
      el('td', {class: 'num'}, fmtBytes(p.size_bytes)), el('td', {class: 'num'}, String(dash(p.log_start_offset))),
      el('td', {class: 'num'}, String(dash(p.log_end_offset))), el('td', {class: 'num'}, String(dash(p.high_watermark))),
      el('td', {}, link(`#/messages/${enc(t.name)}/${p.partition}`, 'messages')))), {id: 'partitions'}));

  const count = el('input', {id: 'partition-count', type: 'number', min: t.partitions.length + 1,
    value: t.partitions.length + 1, style: 'width:6em'});
  const cfgName = el('input', {id: 'config-name', list: 'config-names', placeholder: 'config name'});
  const cfgValue = el('input', {id: 'config-value', placeholder: 'value'});
  main.append(el('div', {class: 'card actions'}, el('h2', {}, 'Actions'),
    el('form', {class: 'inline', id: 'add-partitions', onsubmit: ev => {
      ev.preventDefault();
      act(`Increase ${t.name} to ${count.value} partitions?`, 'POST', `topics/${enc(t.name)}/partitions`,
        {count: Number(count.value)}, () => route());
    }}, 'New partition count', count, el('button', {type: 'submit'}, 'Add partitions')),
    el('p'),
    el('form', {class: 'inline', id: 'change-config', onsubmit: ev => {
      ev.preventDefault();
      act(`Set ${cfgName.value}=${cfgValue.value} on ${t.name}?`, 'PATCH', `topics/${enc(t.name)}/configs`,
        {set: {[cfgName.value]: cfgValue.value}}, () => route());
    }}, 'Config', cfgName, '=', cfgValue, el('button', {type: 'submit'}, 'Change config')),
    el('datalist', {id: 'config-names'}, t.configs.map(c => el('option', {value: c.name}))),
    el('p'),
    el('button', {class: 'danger', id: 'delete-topic', onclick: () =>
      act(`Delete topic ${t.name} and all its data?`, 'DELETE', 'topics/' + enc(t.name), undefined,
        () => { location.hash = '#/topics'; })}, 'Delete topic')));

  main.append(el('h2', {}, 'Configs'),
    table(['Name', 'Value', 'Source'], t.configs.map(c => el('tr', {'data-config': c.name},
      el('td', {}, c.name), el('td', {}, c.sensitive ? '(sensitive)' : dash(c.value)),
      el('td', {}, c.is_default ? el('span', {class: 'muted'}, 'default') : el('span', {class: 'badge yes'}, 'override')))),
    {id: 'configs'}));
}

async function groupsPage(main) {
  const g = await call('GET', 'groups');
  main.append(el('h1', {}, 'Consumer groups'),
    el('p', {class: 'muted'}, `Groups coordinated by broker ${g.coordinated_by}.`),
    table(['Group', 'State', 'Protocol type', 'Type'], g.groups.map(x => el('tr', {'data-group': x.group_id},
      el('td', {}, link('#/group/' + enc(x.group_id), x.group_id)), el('td', {}, x.state),
      el('td', {}, x.protocol_type), el('td', {}, x.type))), {id: 'groups'}));
}

async function groupPage(main, group) {
  const g = await call('GET', 'groups/' + enc(group));
  main.append(el('h1', {}, 'Group ', el('span', {id: 'group-name'}, g.group_id)),
    el('div', {class: 'kv'}, el('span', {class: 'muted'}, 'State'), el('span', {id: 'group-state'}, g.state),
      el('span', {class: 'muted'}, 'Protocol'), el('span', {}, `${g.protocol_type || '—'} / ${g.protocol || '—'}`),
      el('span', {class: 'muted'}, 'Total lag'), el('span', {id: 'total-lag'}, String(g.total_lag))),
    el('h2', {}, 'Members'),
    table(['Member', 'Client id', 'Host', 'Assignment'], g.members.map(m => el('tr', {},
      el('td', {}, m.member_id), el('td', {}, m.client_id), el('td', {}, m.client_host),
      el('td', {}, m.assignment.map(a => `${a.topic}: ${a.partitions.join(', ')}`).join('; ')))), {id: 'members'}),
    el('h2', {}, 'Offsets and lag'),
    table(['Topic', {label: 'Partition', num: true}, {label: 'Committed', num: true},
      {label: 'High watermark', num: true}, {label: 'Lag', num: true}],
    g.offsets.map(o => el('tr', {'data-offset': `${o.topic}-${o.partition}`},
      el('td', {}, o.topic), el('td', {class: 'num'}, String(o.partition)),
      el('td', {class: 'num'}, String(o.committed_offset)), el('td', {class: 'num'}, String(dash(o.high_watermark))),
      el('td', {class: 'num lag'}, String(dash(o.lag))))), {id: 'offsets'}));

  const strategy = el('select', {id: 'reset-strategy'}, ['earliest', 'latest', 'timestamp'].map(s => el('option', {value: s}, s)));
  const when = el('input', {id: 'reset-timestamp', type: 'datetime-local', step: 1});
  const topics = [...new Set(g.offsets.map(o => o.topic))];
  const which = el('select', {id: 'reset-topic'}, el('option', {value: ''}, 'all committed topics'),
    topics.map(t => el('option', {value: t}, t)));
  main.append(el('div', {class: 'card actions'}, el('h2', {}, 'Actions'),
    el('p', {class: 'muted'}, 'Offsets can be reset and the group deleted only while it has no members.'),
    el('form', {class: 'inline', id: 'reset-offsets', onsubmit: ev => {
      ev.preventDefault();
      const body = {strategy: strategy.value};
      if (which.value) body.topic = which.value;
      if (strategy.value === 'timestamp') body.timestamp = new Date(when.value).getTime();
      act(`Reset the offsets of ${g.group_id} to ${strategy.value}${strategy.value === 'timestamp' ? ' ' + when.value : ''}?`,
        'POST', `groups/${enc(g.group_id)}/reset-offsets`, body, () => route());
    }}, 'Reset to', strategy, when, 'on', which, el('button', {type: 'submit'}, 'Reset offsets')),
    el('p'),
    el('button', {class: 'danger', id: 'delete-group', onclick: () =>
      act(`Delete group ${g.group_id} and its committed offsets?`, 'DELETE', 'groups/' + enc(g.group_id), undefined,
        () => { location.hash = '#/groups'; })}, 'Delete group')));
}

// ---- message browser -------------------------------------------------------

function bytesOf(b) {
  if (b.text !== undefined) return new TextEncoder().encode(b.text);
  const s = atob(b.base64);
  return Uint8Array.from(s, c => c.charCodeAt(0));
}

function hexDump(bytes) {
  const lines = [];
  // 8 bytes a line: keys, values and headers sit side by side.
  for (let i = 0; i < bytes.length; i += 8) {
    const row = Array.from(bytes.slice(i, i + 8));
    const hex = row.map(x => x.toString(16).padStart(2, '0')).join(' ');
    const ascii = row.map(x => (x >= 32 && x < 127 ? String.fromCharCode(x) : '.')).join('');
    lines.push(i.toString(16).padStart(8, '0') + '  ' + hex.padEnd(24) + ' ' + ascii);
  }
  return lines.join('\n');
}

// A key or value as the chosen format shows it; always text content.
function showBytes(b, format) {
  if (b === null) return el('span', {class: 'muted'}, 'null');
  if (format === 'hex') return el('pre', {class: 'hex'}, hexDump(bytesOf(b)));
  if (b.text === undefined) return el('span', {}, el('span', {class: 'flag'}, 'binary, base64: '), b.base64);
  if (format === 'json') {
    try { return el('pre', {class: 'json'}, JSON.stringify(JSON.parse(b.text), null, 2)); } catch (_) { /* as text */ }
  }
  return el('pre', {}, b.text);
}

function recordRow(r, format) {
  return el('tr', {'data-offset': r.offset},
    el('td', {class: 'num'}, String(r.offset)),
    el('td', {}, new Date(r.timestamp).toISOString(), el('div', {class: 'muted'}, r.timestamp_type)),
    el('td', {class: 'key'}, showBytes(r.key, format)),
    el('td', {class: 'value'}, showBytes(r.value, format)),
    el('td', {class: 'headers'}, r.headers.map(h => el('div', {},
      el('strong', {}, h.key.text !== undefined ? h.key.text : h.key.base64), ': ', showBytes(h.value, format)))));
}

async function messagesPage(main, topic, partition) {
  const list = await call('GET', 'topics');
  const topicSel = el('select', {id: 'msg-topic'}, list.topics.map(t => el('option', {value: t.name, selected: t.name === topic}, t.name)));
  const partSel = el('select', {id: 'msg-partition'});
  const start = el('select', {id: 'msg-start'}, ['beginning', 'offset', 'timestamp', 'end'].map(s => el('option', {value: s}, s)));
  const at = el('input', {id: 'msg-at', placeholder: 'offset or date', style: 'width:13em'});
  const limit = el('input', {id: 'msg-limit', type: 'number', min: 1, max: 500, value: 50, style: 'width:5em'});
  const format = el('select', {id: 'msg-format'}, ['text', 'json', 'hex'].map(s => el('option', {value: s}, s)));
  const follow = el('input', {id: 'msg-follow', type: 'checkbox'});
  const status = el('span', {id: 'msg-status', class: 'muted'});
  const body = el('tbody', {id: 'records'});
  let shown = [], next = null;

  async function fillPartitions() {
    partSel.replaceChildren();
    if (!topicSel.value) return;
    const t = await call('GET', 'topics/' + enc(topicSel.value));
    for (const p of t.partitions) partSel.append(el('option', {value: p.partition, selected: String(p.partition) === String(partition)}, String(p.partition)));
  }
  function render() { body.replaceChildren(...shown.map(r => recordRow(r, format.value))); }
  function path(q) { return `topics/${enc(topicSel.value)}/partitions/${enc(partSel.value)}/records?${q}&limit=${enc(limit.value)}`; }
  async function load() {
    let q = 'from=beginning';
    if (start.value === 'end') q = 'from=end';
    if (start.value === 'offset') q = 'offset=' + enc(at.value);
    if (start.value === 'timestamp') q = 'timestamp=' + enc(String(new Date(at.value).getTime()));
    try {
      const r = await call('GET', path(q));
      showError(null);
      shown = r.records; next = r.next_offset;
      status.textContent = `${r.records.length} record(s); log start ${r.log_start_offset}, high watermark ${r.high_watermark}`;
      render();
    } catch (e) { showError(e.body || {error: 'NETWORK', message: String(e)}); }
  }
  // Follow: poll from the next offset and append what is new.
  async function poll() {
    if (next === null) return;
    try {
      const r = await call('GET', path('offset=' + next));
      if (r.records.length) {
        shown = shown.concat(r.records).slice(-1000);
        body.append(...r.records.map(x => recordRow(x, format.value)));
      }
      next = r.next_offset;
      status.textContent = `${shown.length} record(s); following, high watermark ${r.high_watermark}`;
    } catch (e) { showError(e.body || {error: 'NETWORK', message: String(e)}); }
  }
  topicSel.addEventListener('change', () => fillPartitions());
  format.addEventListener('change', render);
  follow.addEventListener('change', () => {
    clearInterval(followTimer);
    followTimer = follow.checked ? setInterval(poll, 1000) : null;
  });
  await fillPartitions();
  main.append(el('h1', {}, 'Messages'),
    el('form', {class: 'inline card', id: 'browse', onsubmit: ev => { ev.preventDefault(); load(); }},
      'Topic', topicSel, 'Partition', partSel, 'Start at', start, at, 'Limit', limit, 'Show as', format,
      el('button', {type: 'submit', id: 'msg-load'}, 'Load'), el('label', {}, follow, ' follow live'), status),
    el('table', {id: 'messages'}, el('thead', {}, el('tr', {}, el('th', {class: 'num'}, 'Offset'), el('th', {}, 'Timestamp'),
      el('th', {}, 'Key'), el('th', {}, 'Value'), el('th', {}, 'Headers'))), body));
  if (topic) await load();
}

// ---- routing ---------------------------------------------------------------

async function route() {
  clearInterval(followTimer);
  followTimer = null;
  const parts = (location.hash || '#/brokers').slice(2).split('/').map(decodeURIComponent);
  const main = document.getElementById('main');
  const fresh = el('main', {id: 'main'});
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.id === 'nav-' + (
    {topic: 'topics', group: 'groups'}[parts[0]] || parts[0]));
  try {
    switch (parts[0]) {
      case 'topics': await topicsPage(fresh); break;
      case 'topic': await topicPage(fresh, parts[1]); break;
      case 'groups': await groupsPage(fresh); break;
      case 'group': await groupPage(fresh, parts[1]); break;
      case 'messages': await messagesPage(fresh, parts[1], parts[2]); break;
      case 'key': await keyPage(fresh, parts[1], parts[2]); break;  // events.js
      case 'query': await queryPage(fresh, parts[1]); break;
      default: await brokersPage(fresh);
    }
  } catch (e) {
    showError(e.body || {error: 'NETWORK', message: String(e)});
  }
  main.replaceWith(fresh);
  // Tests wait on these: which page, and how many renders so far.
  document.body.dataset.page = parts[0] || 'brokers';
  document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
}

window.addEventListener('hashchange', () => {
  if (!keepNotice) notice(null);
  keepNotice = false;
  showError(null);
  route();
});
window.addEventListener('DOMContentLoaded', async () => {
  try {
    const c = await call('GET', 'cluster');
    document.getElementById('cluster-id').textContent = `cluster ${c.cluster_id}` + (c.read_only ? ' · read-only' : '');
    // http.console.read.only: the API refuses changes; do not offer them.
    document.body.classList.toggle('read-only', c.read_only);
  } catch (_) { /* the page shows the error */ }
  route();
});
