// The sample explorer: a store's entries, a grid of their kept samples, and each curation step's drops beside
// their keepers. Captions and URLs are untrusted web text: they are only ever set with textContent, never as HTML.
'use strict';

const PAGE = 24;
const number = new Intl.NumberFormat('en-US');
const state = { store: null, entry: undefined, offset: 0, total: 0, request: 0 };

function element(tag, { text, className, attributes } = {}, ...children) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function getJson(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try { detail = (await response.json()).detail ?? detail; } catch { /* not JSON */ }
    throw new Error(`${url}: ${detail}`);
  }
  return response.json();
}

function showProblem(error) {
  const problem = document.getElementById('problem');
  problem.textContent = String(error.message ?? error);
  problem.hidden = false;
  setStatus('problem', 'failed');
}

function setStatus(text, kind) {
  const status = document.getElementById('status');
  status.textContent = text;
  status.className = `badge ${kind}`;
}

function entryName(entry) {
  return entry === null ? 'no entry' : `entry ${entry}`;
}

// A thumbnail with its caption (and optionally a second line), as a figure.
function figure(sample, { label, note } = {}) {
  const image = sample.thumbnailUrl
    ? element('img', { attributes: { src: sample.thumbnailUrl, alt: sample.caption ?? '', loading: 'lazy', 'data-key': sample.key } })
    : element('div', { className: 'noimage muted', text: 'image not available (the step\'s input is not a configured store)' });
  const caption = element('figcaption', {},
    label ? element('b', { text: label, className: 'label' }) : null,
    element('span', { className: 'caption', text: sample.caption ?? '' }),
    element('small', { className: 'url muted', text: sample.url ?? '' }),
    note ? element('small', { className: 'note', text: note }) : null);
  return element('figure', { attributes: { 'data-key': sample.key } }, image, caption);
}

async function loadStores() {
  const stores = await getJson('api/explorer/stores');
  const list = document.getElementById('stores');
  list.replaceChildren();
  if (stores.length === 0) {
    list.append(element('p', { className: 'muted', text: 'No store is configured: set Dashboard:Stores:NAME=FOLDER (see the README).' }));
    setStatus('no stores', 'waiting');
    return;
  }
  for (const store of stores) {
    const button = element('button', { attributes: { type: 'button', 'data-store': store.name } },
      element('b', { text: store.name }), element('small', { className: 'muted', text: ` ${number.format(store.samples)} samples, ${number.format(store.shards)} shards` }));
    button.addEventListener('click', () => selectStore(store.name).catch(showProblem));
    list.append(button);
  }
  await selectStore(stores[0].name);
}

async function selectStore(name) {
  state.store = name;
  setStatus('loading', 'waiting');
  for (const button of document.querySelectorAll('#stores button')) button.classList.toggle('selected', button.dataset.store === name);
  const [entries, drops] = await Promise.all([
    getJson(`api/explorer/stores/${encodeURIComponent(name)}/entries`),
    getJson(`api/explorer/stores/${encodeURIComponent(name)}/drops`),
  ]);
  renderDrops(drops);
  await renderEntries(entries);
  setStatus('ready', 'live');
}

function renderEntries(list) {
  const container = document.getElementById('entries');
  container.replaceChildren();
  container.dataset.store = list.store;
  document.getElementById('entries-section').hidden = false;
  if (list.entries.length === 0) {
    container.append(element('p', { className: 'muted', text: 'No samples committed yet.' }));
    document.getElementById('samples-section').hidden = true;
    return;
  }
  for (const entry of list.entries) {
    const button = element('button', { attributes: { type: 'button', 'data-entry': entry.entry ?? 'none', 'data-samples': entry.samples } },
      element('b', { text: entryName(entry.entry) }), element('small', { className: 'muted', text: ` ${number.format(entry.samples)}` }));
    button.addEventListener('click', () => showSamples(entry.entry, 0).catch(showProblem));
    container.append(button);
  }
  if (list.truncated) container.append(element('p', { className: 'muted', text: 'More entries than shown.' }));
  return showSamples(list.entries[0].entry, 0);
}

async function showSamples(entry, offset) {
  state.entry = entry;
  const request = ++state.request;
  const id = entry === null ? 'none' : String(entry);
  for (const button of document.querySelectorAll('#entries button')) button.classList.toggle('selected', button.dataset.entry === id);
  const page = await getJson(`api/explorer/stores/${encodeURIComponent(state.store)}/entries/${id}/samples?offset=${offset}&limit=${PAGE}`);
  // A later click won while this page was on its way: show that one, not this.
  if (request !== state.request) return;
  state.offset = page.offset;
  state.total = page.total;
  document.getElementById('samples-section').hidden = false;
  document.getElementById('samples-title').textContent = `Samples of ${entryName(entry)}`;
  const last = Math.min(page.offset + page.samples.length, page.total);
  document.getElementById('page').textContent = `${number.format(page.samples.length ? page.offset + 1 : 0)}–${number.format(last)} of ${number.format(page.total)}`;
  document.getElementById('previous').disabled = page.offset === 0;
  document.getElementById('next').disabled = last >= page.total;
  const grid = document.getElementById('grid');
  grid.replaceChildren(...page.samples.map(s => figure(s)));
  grid.dataset.store = state.store;
  grid.dataset.entry = id;
  grid.dataset.offset = String(page.offset);
}

function renderDrops(reasons) {
  const container = document.getElementById('drops');
  container.replaceChildren();
  document.getElementById('drops-section').hidden = false;
  if (reasons.length === 0) {
    container.append(element('p', { className: 'muted', text: 'No curation step has dropped records in this store.' }));
    return;
  }
  for (const reason of reasons) {
    const block = element('div', { className: 'reason', attributes: { 'data-step': reason.step, 'data-reason': reason.reason } },
      element('h3', { text: `${reason.step} · ${reason.reason} · ${number.format(reason.count)} dropped` }));
    for (const drop of reason.examples) {
      const figures = [];
      if (drop.distance !== null && drop.distance !== undefined) figures.push(`hash distance ${drop.distance}`);
      if (drop.detail) figures.push(drop.detail);
      const pair = element('div', { className: 'pair drop', attributes: { 'data-key': drop.key, 'data-keeper': drop.keeperKey } },
        element('div', { className: 'dropped' }, figure(drop, { label: 'dropped', note: figures.join('; ') })));
      if (drop.keeper) {
        pair.append(element('div', { className: 'keeper' }, figure(drop.keeper, { label: 'kept instead' })));
      } else if (drop.keeperKey) {
        pair.append(element('div', { className: 'keeper muted', text: `kept instead: ${drop.keeperKey} (not in this store)` }));
      }
      block.append(pair);
    }
    container.append(block);
  }
}

document.getElementById('previous').addEventListener('click', () => showSamples(state.entry, Math.max(0, state.offset - PAGE)).catch(showProblem));
document.getElementById('next').addEventListener('click', () => showSamples(state.entry, state.offset + PAGE).catch(showProblem));
loadStores().catch(showProblem);
