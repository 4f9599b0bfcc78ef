// The pipeline dashboard: one server-sent event per snapshot (api/events), rendered without any library.
'use strict';

const STAGES = ['queries', 'extract', 'match', 'balance', 'fetch', 'filter', 'dedup', 'train', 'done'];
const number = new Intl.NumberFormat('en-US');
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

function escape(text) {
  return String(text ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${decimal.format(n)} ${units[i]}`;
}

// A line chart as SVG: series of [x, y] points, optional log axes and a horizontal reference line.
// A stage's latest progress: "step: message", with a bar when the stage knows how far it is.
function progressLine(p) {
  if (!p) return '';
  const bar = p.fraction == null ? '' : ` <meter min="0" max="1" value="${p.fraction}" data-metric="progress-fraction">${Math.round(p.fraction * 100)}%</meter>`;
  return `${escape(`${p.stage}: ${p.message}`)}${bar}`;
}

function chart(series, { logX = false, logY = false, hline = null, yMax = null } = {}) {
  const W = 480, H = 200, L = 44, R = 10, T = 10, B = 24;
  const fx = logX ? v => Math.log10(Math.max(v, 1)) : v => v;
  const fy = logY ? v => Math.log10(Math.max(v, 1)) : v => v;
  const all = series.flatMap(s => s.points);
  if (all.length === 0) {
    return `<svg class="chart" viewBox="0 0 ${W} ${H}"><text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data yet</text></svg>`;
  }
  const xs = all.map(p => fx(p[0])), ys = all.map(p => fy(p[1])).concat(hline === null ? [] : [fy(hline)]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1e-9);
  const y0 = logY ? 0 : Math.min(0, ...ys), y1 = yMax ?? Math.max(...ys, y0 + 1e-9);
  const px = v => L + (fx(v) - x0) / (x1 - x0) * (W - L - R);
  const py = v => H - B - (fy(v) - y0) / (y1 - y0) * (H - T - B);
  const label = v => logY ? number.format(Math.round(10 ** v)) : decimal.format(v);
  let svg = `<svg class="chart" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none">`;
  svg += `<line class="axis" x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}"/><line class="axis" x1="${L}" y1="${T}" x2="${L}" y2="${H - B}"/>`;
  svg += `<text x="${L - 4}" y="${T + 8}" text-anchor="end">${label(y1)}</text><text x="${L - 4}" y="${H - B}" text-anchor="end">${label(y0)}</text>`;
  svg += `<text x="${L}" y="${H - 6}">${logX ? number.format(Math.round(10 ** x0)) : decimal.format(x0)}</text>`;
  svg += `<text x="${W - R}" y="${H - 6}" text-anchor="end">${logX ? number.format(Math.round(10 ** x1)) : decimal.format(x1)}</text>`;
  if (hline !== null) {
    svg += `<path class="s3" d="M${L},${py(hline)}H${W - R}"/>`;
  }
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join('');
    svg += `<path class="s${i}" data-series="${escape(s.name)}" data-points="${s.points.length}" d="${d}"/>`;
  });
  return svg + '</svg>';
}

// Names by series index; an empty name leaves that colour out.
function legend(names) {
  return `<div class="legend">${names.map((n, i) => n ? `<span><i class="l${i}"></i>${escape(n)}</span>` : '').join('')}</div>`;
}

// The grain thins long ranked curves to log-spaced ranks; rebuild each point's rank to plot it.
function ranked(counts, entries) {
  if (counts.length === 0) return [];
  if (entries <= counts.length) return counts.map((c, i) => [i + 1, c]);
  const step = Math.log(entries) / (counts.length - 1);
  return counts.map((c, i) => [Math.min(entries, Math.floor(Math.exp(i * step))), c]);
}

function tile(metric, label, value) {
  return `<div class="tile"><b data-metric="${metric}">${escape(value)}</b><span>${escape(label)}</span></div>`;
}

function table(head, rows) {
  if (rows.length === 0) return '<p class="muted">none</p>';
  return `<table><thead><tr>${head.map(h => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows.map(r => `<tr>${r.map(c => `<td>${escape(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function stageStrip(status) {
  const current = status.stage.toLowerCase();
  const at = STAGES.indexOf(current);
  const results = Object.fromEntries(Object.entries(status.stageResults).map(([k, v]) => [k.toLowerCase(), v]));
  return `<div class="stages">${STAGES.map((s, i) => {
    const cls = i < at || current === 'done' ? 'done' : i === at ? (status.state === 'failed' ? 'failed' : 'current') : '';
    return `<div class="stage ${cls}" data-stage="${s}" title="${escape(results[s] ?? '')}">${s}<small>${escape(results[s] ?? '')}</small></div>`;
  }).join('')}</div>`;
}

function renderCampaign(c) {
  const s = c.status, fill = c.fill, t = c.training, q = c.fetch, r = c.rates;
  const shards = c.stores.shards, fetched = c.stores.fetched;
  const loss = t.losses.map(p => [p.step, p.value]);
  const top1 = t.evaluations.map(p => [p.step, p.value * 100]);
  const top5 = t.evaluations.map(p => [p.step, p.extra * 100]);
  const lastEval = t.evaluations.length ? t.evaluations[t.evaluations.length - 1] : null;
  const stores = Object.entries(c.stores).map(([stage, v]) => [stage, number.format(v.shards), number.format(v.samples), bytes(v.bytes), v.location]);
  return `<article data-campaign="${escape(s.name)}">
    <h2>${escape(s.name)} <span class="badge ${s.state}" data-metric="state">${s.state}</span>
      <span class="muted">stage <b data-metric="stage">${s.stage}</b> · restarts <span data-metric="restarts">${s.restarts}</span> · output ${escape(s.output)}</span></h2>
    ${stageStrip(s)}
    <div class="progress" data-metric="progress">${progressLine(s.progress)}</div>
    <div class="tiles">
      ${tile('images', 'images fetched', number.format(fill.images))}
      ${tile('attempted', 'downloads tried', number.format(fill.attempted))}
      ${tile('images-per-second', 'images / s', decimal.format(r.imagesPerSecond))}
      ${tile('chunks', `fetch chunks done (${number.format(q.leased)} leased, ${number.format(q.reclaimed)} taken over)`, `${number.format(q.done)} / ${number.format(q.total)}`)}
      ${tile('entries-matched', 'entries matched', `${number.format(fill.entriesMatched)} / ${number.format(fill.entries)}`)}
      ${tile('entries-fetched', 'entries with images', number.format(fill.entriesFetched))}
      ${tile('below-target', `entries below target (t = ${number.format(fill.threshold)})${fill.final ? ' after refill' : ''}`, number.format(fill.belowTarget))}
      ${tile('filter-kept', 'kept by filters', r.filterKept === null ? '–' : percent.format(r.filterKept))}
      ${tile('dedup-kept', 'kept by dedup', r.dedupKept === null ? '–' : percent.format(r.dedupKept))}
      ${tile('shards', 'final shards', shards ? number.format(shards.shards) : '–')}
      ${tile('samples', 'final samples', shards ? number.format(shards.samples) : (fetched ? number.format(fetched.samples) + ' fetched' : '–'))}
      ${tile('step', `training step (${t.phase}, attempt ${t.attempt})`, `${number.format(t.step)} / ${number.format(t.steps)}`)}
      ${tile('samples-per-second', 'training samples / s', decimal.format(r.trainingSamplesPerSecond))}
      ${tile('loss', 'loss', loss.length ? loss[loss.length - 1][1].toFixed(3) : '–')}
      ${tile('zero-shot', 'zero-shot top-1', lastEval ? percent.format(lastEval.value) : '–')}
    </div>
    <div class="grid">
      <div><h3>Per-entry fill, head to tail (log–log)${fill.final ? ': final samples after dedup and refill' : ''}</h3>${chart([{ name: 'matched', points: ranked(fill.rankedMatched, fill.entriesMatched) }, { name: 'fetched', points: ranked(fill.rankedFetched, fill.entriesFetched) }], { logX: true, logY: true, hline: fill.threshold || null })}
        ${legend(['pairs matched', 'images fetched', '', 'target t'])}</div>
      <div><h3>Training loss</h3>${chart([{ name: 'loss', points: loss }])}${legend(['contrastive loss'])}</div>
      <div><h3>Zero-shot accuracy (%)</h3>${chart([{ name: 'top-1', points: top1 }, { name: 'top-5', points: top5 }], { yMax: 100 })}${legend(['top-1', 'top-5'])}</div>
      <div><h3>Fetch errors by class</h3>${table(['class', 'count'], Object.entries(fill.errorsByClass).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, number.format(v)]))}
        <h3>Fetch errors by host</h3>${table(['host', 'count'], Object.entries(fill.errorsByHost).map(([k, v]) => [k, number.format(v)]))}</div>
      <div><h3>Stores (each manifest's commit)</h3>${table(['stage', 'shards', 'samples', 'size', 'location'], stores)}
        <h3>Training workers</h3>${table(['rank', 'silo'], t.placements.map((p, i) => [i, p]))}
        <p class="muted">${escape(t.message ?? '')}</p></div>
    </div>
    ${s.errors.length ? `<h3>Errors</h3><ul class="errors">${s.errors.slice(-10).map(e => `<li>${escape(e)}</li>`).join('')}</ul>` : ''}
    ${q.failures.length ? `<h3>Failed chunks</h3><ul class="errors">${q.failures.slice(-10).map(e => `<li>${escape(e)}</li>`).join('')}</ul>` : ''}
  </article>`;
}

function render(snapshot) {
  document.getElementById('sequence').textContent = number.format(snapshot.sequence);
  document.getElementById('updated').textContent = new Date(snapshot.at).toLocaleTimeString();
  document.querySelector('#silos tbody').innerHTML = snapshot.silos
    .map(s => `<tr data-silo="${escape(s.address)}"><td>${escape(s.name)}</td><td>${escape(s.address)}</td><td>${escape(s.roles.join(', ') || '–')}</td><td>${s.gpuSlots}</td></tr>`).join('');
  if (snapshot.campaigns.length) {
    document.getElementById('campaigns').innerHTML = snapshot.campaigns.map(renderCampaign).join('');
  }
}

function connect() {
  const badge = document.getElementById('connection');
  const problem = document.getElementById('problem');
  const events = new EventSource('api/events');
  events.addEventListener('open', () => { badge.textContent = 'live'; badge.className = 'badge live'; });
  events.addEventListener('snapshot', e => { problem.hidden = true; render(JSON.parse(e.data)); });
  events.addEventListener('problem', e => { problem.hidden = false; problem.textContent = `Reading the cluster failed: ${e.data}`; });
  // EventSource reconnects by itself; say so while it does.
  events.addEventListener('error', () => { badge.textContent = 'reconnecting'; badge.className = 'badge lost'; });
}

connect();
