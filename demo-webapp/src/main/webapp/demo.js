// Tollgate demo page: plain JS and SVG, no libraries.
'use strict';

const WINDOW_SECONDS = 30;
const state = {
  instances: [],        // [{name, origin}]
  next: 0,              // round-robin over the instances
  seconds: new Map(),   // epoch second -> {ok, no}
  admitted: 0,
  rejected: 0,
  retryUntil: 0,        // ms timestamp until which Retry-After says wait
  orders: {reject: 0, replay: 0},
  round: 0,
};

const $ = id => document.getElementById(id);

/** Parses `"api";r=7;t=3` (the first item) from a RateLimit header. */
function parseRateLimit(value) {
  if (!value) return null;
  const r = /;r=(\d+)/.exec(value);
  const t = /;t=(\d+)/.exec(value);
  return r ? {remaining: Number(r[1]), reset: t ? Number(t[1]) : null} : null;
}

function parseQuota(value) {
  const q = value && /;q=(\d+)/.exec(value);
  return q ? Number(q[1]) : null;
}

function nextInstance() {
  const inst = state.instances[state.next % state.instances.length];
  state.next++;
  return inst;
}

function url(inst, path) {
  return inst.origin + path;
}

async function loadInstances() {
  const res = await fetch('/api/status', {cache: 'no-store'});
  const status = await res.json();
  const here = location.protocol + '//' + location.hostname;
  const ports = (status.instances || []).map(o => new URL(o).port);
  state.instances = ports.length
    ? ports.map((p, i) => ({name: String.fromCharCode(65 + i), origin: here + ':' + p}))
    : [{name: status.instance, origin: location.origin}];
  $('instances').innerHTML = state.instances
    .map(i => `<span class="instance ${i.name}">instance <b>${i.name}</b> ${i.origin.replace(/^https?:\/\//, '')}</span>`)
    .join('') + `<span class="instance">one Redis, one budget</span>`;
  await refreshOrders();
}

function count(ok) {
  const sec = Math.floor(Date.now() / 1000);
  const slot = state.seconds.get(sec) || {ok: 0, no: 0};
  if (ok) { slot.ok++; state.admitted++; } else { slot.no++; state.rejected++; }
  state.seconds.set(sec, slot);
}

async function quote() {
  const inst = nextInstance();
  let res;
  try {
    res = await fetch(url(inst, '/api/quote'), {cache: 'no-store'});
  } catch (e) {
    return;
  }
  count(res.status === 200);
  const header = res.headers.get('RateLimit');
  const info = parseRateLimit(header);
  const quota = parseQuota(res.headers.get('RateLimit-Policy'));
  if (quota) $('quota').textContent = quota;
  if (info) {
    $('remaining').textContent = info.remaining;
    $('remaining').parentElement.classList.toggle('empty', info.remaining === 0);
    $('meter-fill').style.width = (100 * info.remaining / (quota || 10)) + '%';
    $('ratelimit-header').textContent = header;
  }
  if (res.status === 429) {
    const after = Number(res.headers.get('Retry-After') || 1);
    state.retryUntil = Math.max(state.retryUntil, Date.now() + after * 1000);
  }
}

function renderChart() {
  const now = Math.floor(Date.now() / 1000);
  const slots = [];
  let max = 4;
  for (let s = now - WINDOW_SECONDS + 1; s <= now; s++) {
    const v = state.seconds.get(s) || {ok: 0, no: 0};
    slots.push(v);
    max = Math.max(max, v.ok + v.no);
  }
  for (const key of state.seconds.keys()) {
    if (key < now - WINDOW_SECONDS) state.seconds.delete(key);
  }
  const w = 600 / WINDOW_SECONDS, h = 195;
  let bars = '';
  slots.forEach((v, i) => {
    const x = i * w + 2;
    const okH = h * v.ok / max, noH = h * v.no / max;
    if (v.ok) bars += `<rect class="ok" x="${x}" y="${h - okH}" width="${w - 4}" height="${okH}" rx="2"/>`;
    if (v.no) bars += `<rect class="no" x="${x}" y="${h - okH - noH}" width="${w - 4}" height="${noH}" rx="2"/>`;
  });
  $('bars').innerHTML = bars;
  let grid = '';
  for (let i = 1; i <= 3; i++) {
    const y = h - h * i / 4;
    grid += `<line class="gridline" x1="0" x2="600" y1="${y}" y2="${y}"/>` +
      `<text class="axis" x="4" y="${y - 3}">${Math.round(max * i / 4)}/s</text>`;
  }
  $('grid').innerHTML = grid;
  $('admitted-total').textContent = state.admitted;
  $('rejected-total').textContent = state.rejected;
  const wait = Math.ceil((state.retryUntil - Date.now()) / 1000);
  $('retry').hidden = wait <= 0;
  $('retry-seconds').textContent = Math.max(wait, 0);
}

async function burst(n) {
  await Promise.all(Array.from({length: n}, () => quote()));
}

async function item(el) {
  const inst = nextInstance();
  const res = await fetch(url(inst, '/api/items/' + el.dataset.item), {cache: 'no-store'});
  const info = parseRateLimit(res.headers.get('RateLimit'));
  const status = el.querySelector('.status');
  status.textContent = res.status;
  status.className = 'status ' + (res.status === 200 ? 'ok-text' : 'no-text');
  el.querySelector('.left').textContent = info ? `${info.remaining} left for this endpoint` +
    (res.status === 429 ? `, retry in ${res.headers.get('Retry-After')} s` : '') : '';
}

async function refreshOrders() {
  const totals = {reject: 0, replay: 0};
  await Promise.all(state.instances.map(async inst => {
    try {
      const s = await (await fetch(url(inst, '/api/status'), {cache: 'no-store'})).json();
      totals.reject += s.orders.reject;
      totals.replay += s.orders.replay;
    } catch (e) { /* an instance that is gone counts nothing */ }
  }));
  return totals;
}

async function doubleClick(mode) {
  const list = $('answers-' + mode);
  list.innerHTML = '';
  const before = (await refreshOrders())[mode];
  const body = JSON.stringify({item: 'book', qty: 1, click: `${Date.now()}-${++state.round}`});
  const answers = await Promise.all(Array.from({length: 5}, async () => {
    const inst = nextInstance();
    const res = await fetch(url(inst, '/orders/' + mode), {
      method: 'POST', headers: {'Content-Type': 'text/plain'}, body, cache: 'no-store'});
    const text = await res.text();
    let order = '';
    try { order = JSON.parse(text).order || ''; } catch (e) { /* a problem body */ }
    return {status: res.status, replayed: res.headers.get('Idempotent-Replayed') === 'true', inst: inst.name, order};
  }));
  for (const a of answers) {
    const li = document.createElement('li');
    li.className = 's' + a.status;
    li.dataset.status = a.status;
    li.innerHTML = `<span class="code">${a.status}</span>` +
      `<span>${a.status === 201 ? 'order ' + a.order : 'Duplicate submission'}</span>` +
      (a.replayed ? '<span class="replayed">replayed</span>' : '') +
      `<span class="inst">instance ${a.inst}</span>`;
    list.appendChild(li);
  }
  const after = (await refreshOrders())[mode];
  $('orders-ran-' + mode).textContent = after;
  $('delta-' + mode).textContent = `+${after - before} for 5 clicks`;
}

async function outbound(mode) {
  const box = $('result-' + mode);
  box.textContent = 'running for 3 s (after 1 s for the provider to forget the last run)…';
  const res = await fetch('/api/outbound?mode=' + mode + '&seconds=3', {cache: 'no-store'});
  const r = await res.json();
  if (!res.ok) { box.textContent = r.error || res.status; return; }
  const total = r.ok + r.refused429;
  const pct = n => total ? (100 * n / total) + '%' : '0';
  box.dataset.refused = r.refused429;
  box.dataset.beta = r.byProvider.beta;
  box.innerHTML =
    `<div class="bar"><span class="ok" style="width:${pct(r.byProvider.alpha)}"></span>` +
    `<span class="beta" style="width:${pct(r.byProvider.beta)}"></span>` +
    `<span class="no" style="width:${pct(r.refused429)}"></span></div>` +
    `<b>${r.okPerSecond}</b> answered per second (provider limit ${r.providerLimitPerSecond}/s each)<br>` +
    `alpha <b>${r.byProvider.alpha}</b> · beta <b>${r.byProvider.beta}</b> · ` +
    `<span class="${r.refused429 ? 'no-text' : 'ok-text'}">429 from the provider: <b>${r.refused429}</b></span>`;
}

function wire() {
  $('send-one').addEventListener('click', () => quote());
  $('burst').addEventListener('click', () => burst(25));
  let timer = null;
  $('auto').addEventListener('change', e => {
    clearInterval(timer);
    if (e.target.checked) timer = setInterval(quote, 500);
  });
  document.querySelectorAll('.endpoint').forEach(el =>
    el.querySelector('button').addEventListener('click', () => item(el)));
  $('double-reject').addEventListener('click', () => doubleClick('reject'));
  $('double-replay').addEventListener('click', () => doubleClick('replay'));
  ['direct', 'limited', 'chain'].forEach(m => $('run-' + m).addEventListener('click', () => outbound(m)));
  setInterval(renderChart, 250);
}

wire();
loadInstances().then(async () => {
  const totals = await refreshOrders();
  $('orders-ran-reject').textContent = totals.reject;
  $('orders-ran-replay').textContent = totals.replay;
  document.body.dataset.ready = 'true';
});
