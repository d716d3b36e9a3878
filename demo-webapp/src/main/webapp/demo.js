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
  algos: {},            // algorithm -> {seconds, admitted, rejected}
  bucket: null,         // the token bucket's last RateLimit: {r, t, q, w, at}
};
const ALGORITHMS = ['sliding-log', 'token-bucket', 'rratelimiter'];
ALGORITHMS.forEach(a => { state.algos[a] = {seconds: new Map(), admitted: 0, rejected: 0}; });

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

// the webapp's path ('/' or e.g. '/tollgate-demo/'): every call is relative to it, never to the server root
const BASE = new URL('.', location.href).pathname;

function url(inst, path) {
  return inst.origin + BASE + path.replace(/^\//, '');
}

async function loadInstances() {
  const res = await fetch('api/status', {cache: 'no-store'});
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

function count(ok, into = state) {
  const sec = Math.floor(Date.now() / 1000);
  const slot = into.seconds.get(sec) || {ok: 0, no: 0};
  if (ok) { slot.ok++; into.admitted++; } else { slot.no++; into.rejected++; }
  into.seconds.set(sec, slot);
}

/** Draws admitted (green) and rejected (red) per second of the last WINDOW_SECONDS as stacked bars. */
function bars(seconds, width, height, minMax) {
  const now = Math.floor(Date.now() / 1000);
  const slots = [];
  let max = minMax;
  for (let s = now - WINDOW_SECONDS + 1; s <= now; s++) {
    const v = seconds.get(s) || {ok: 0, no: 0};
    slots.push(v);
    max = Math.max(max, v.ok + v.no);
  }
  for (const key of seconds.keys()) {
    if (key < now - WINDOW_SECONDS) seconds.delete(key);
  }
  const w = width / WINDOW_SECONDS;
  let out = '';
  slots.forEach((v, i) => {
    const x = i * w + 1;
    const okH = height * v.ok / max, noH = height * v.no / max;
    if (v.ok) out += `<rect class="ok" x="${x}" y="${height - okH}" width="${w - 2}" height="${okH}" rx="1"/>`;
    if (v.no) out += `<rect class="no" x="${x}" y="${height - okH - noH}" width="${w - 2}" height="${noH}" rx="1"/>`;
  });
  return {svg: out, max};
}

async function algoRequest(name) {
  const inst = nextInstance();
  let res;
  try {
    res = await fetch(url(inst, '/api/algo/' + name), {cache: 'no-store'});
  } catch (e) {
    return;
  }
  count(res.status === 200, state.algos[name]);
  const header = res.headers.get('RateLimit');
  const box = document.querySelector(`.algo[data-algo="${name}"]`);
  if (header) box.querySelector('.header').textContent = header;
  const info = parseRateLimit(header);
  const policy = res.headers.get('RateLimit-Policy');
  if (name === 'token-bucket' && info) {
    const w = /;w=(\d+)/.exec(policy || '');
    state.bucket = {r: info.remaining, t: info.reset, q: parseQuota(policy) || 10, w: w ? Number(w[1]) : 10,
      at: Date.now()};
  }
}

/** The bucket now: what the last answer said was left, plus one per period/count since (the refill). */
function bucketLevel() {
  const b = state.bucket;
  if (!b) return 10;
  const step = 1000 * b.w / b.q;
  const since = Date.now() - b.at - 1000 * (b.t || 0);
  return Math.min(b.q, b.r + (since >= 0 ? 1 + Math.floor(since / step) : 0));
}

function renderAlgos() {
  for (const name of ALGORITHMS) {
    const box = document.querySelector(`.algo[data-algo="${name}"]`);
    const a = state.algos[name];
    box.querySelector('.bars').innerHTML = bars(a.seconds, 300, 118, 4).svg;
    box.querySelector('.admitted').textContent = a.admitted;
    box.querySelector('.rejected').textContent = a.rejected;
  }
  const level = bucketLevel();
  const q = state.bucket ? state.bucket.q : 10;
  $('bucket').dataset.level = level;
  $('bucket-level').textContent = level;
  $('bucket-fill').style.height = (100 * level / q) + '%';
}

async function algoBurst(n) {
  await Promise.all(ALGORITHMS.flatMap(name => Array.from({length: n}, () => algoRequest(name))));
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
  const h = 195;
  const drawn = bars(state.seconds, 600, h, 4);
  const max = drawn.max;
  $('bars').innerHTML = drawn.svg;
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
  const click = `${Date.now()}-${++state.round}`;
  const body = JSON.stringify({item: 'book', qty: 1, click});
  const answers = await Promise.all(Array.from({length: 5}, async () => {
    const inst = nextInstance();
    const res = await fetch(url(inst, '/orders/' + mode), {
      method: 'POST', headers: {'Content-Type': 'text/plain', 'X-Demo-Click': click}, body, cache: 'no-store'});
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
  await drawTimeline(mode, click);
}

/** The five submits of one click as the servers reported them: arrival to answer, who held the RLock. */
async function drawTimeline(mode, click) {
  const events = (await Promise.all(state.instances.map(async inst => {
    try {
      const s = await (await fetch(url(inst, '/api/status?click=' + encodeURIComponent(click)), {cache: 'no-store'})).json();
      return s.timeline || [];
    } catch (e) { return []; }
  }))).flat().sort((a, b) => a.arrived - b.arrived);
  const svg = $('timeline-' + mode);
  if (!events.length) { svg.innerHTML = ''; return; }
  const t0 = events[0].arrived;
  const end = Math.max(...events.map(e => e.answered));
  const x = t => 140 + 250 * (t - t0) / Math.max(1, end - t0);
  const holder = events.find(e => e.status === 201 && !e.replayed);
  let out = '';
  events.forEach((e, i) => {
    const y = 10 + i * 24;
    const kind = e === holder ? 'holder' : e.replayed ? 'replayed' : 'refused';
    const took = e.answered - e.arrived;
    const what = kind === 'holder' ? `took the RLock, held ${took} ms`
      : kind === 'replayed' ? `waited ${took} ms, replayed` : `${e.status}: lock held, refused`;
    out += `<text x="4" y="${y + 11}">+${e.arrived - t0} ms · instance ${e.instance}</text>` +
      `<rect class="${kind}" data-status="${e.status}" x="${x(e.arrived)}" y="${y}" width="${Math.max(3, x(e.answered) - x(e.arrived))}" height="14" rx="2"/>` +
      `<text x="${x(e.answered) + 4}" y="${y + 11}">${what}</text>`;
  });
  if (holder) {
    const rx = x(holder.answered);
    out += `<line class="release" x1="${rx}" x2="${rx}" y1="4" y2="${14 + events.length * 24}"/>` +
      `<text x="${rx - 2}" y="${26 + events.length * 24 - 8}" text-anchor="end">lock released +${holder.answered - t0} ms</text>`;
  }
  svg.innerHTML = out;
  svg.dataset.rows = events.length;
}

async function outbound(mode) {
  const box = $('result-' + mode);
  box.textContent = 'running for 3 s (after 1 s for the provider to forget the last run)…';
  const res = await fetch('api/outbound?mode=' + mode + '&seconds=3', {cache: 'no-store'});
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
  $('algo-burst').addEventListener('click', () => algoBurst(25));
  let steady = null;
  $('algo-steady').addEventListener('change', e => {
    clearInterval(steady);
    if (e.target.checked) steady = setInterval(() => ALGORITHMS.forEach(algoRequest), 333);
  });
  setInterval(renderChart, 250);
  setInterval(renderAlgos, 250);
}

wire();
loadInstances().then(async () => {
  const totals = await refreshOrders();
  $('orders-ran-reject').textContent = totals.reject;
  $('orders-ran-replay').textContent = totals.replay;
  document.body.dataset.ready = 'true';
});
