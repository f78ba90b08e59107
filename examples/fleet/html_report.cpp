#include "html_report.hpp"

#include "report.hpp"

namespace fleet {
namespace {

// The page: the report's JSON in a data element, and a script that draws from it a summary,
// a table per action, one latency histogram per action and the timeline of connected,
// booted and charging counts, all as inline SVG (no network access, no library). When it has
// drawn everything it sets data-rendered on <body> to the number of charts, which the test
// reads from the DOM headless Chromium returns.
constexpr const char* kHead = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>ocpp-fleet report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.bad{color:#b00020;font-weight:bold}.good{color:#0a7d32;font-weight:bold}
.charts{display:flex;flex-wrap:wrap;gap:1em}.chart{border:1px solid #ddd;padding:.5em}
svg text{font-size:10px;fill:#444}.legend span{margin-right:1em}
</style></head>
<body>
<h1>ocpp-fleet report</h1>
<div id="summary"></div>
<h2>Timeline</h2>
<div id="timeline"></div>
<h2>Actions</h2>
<div id="actions"></div>
<h2>Latency histograms</h2>
<div id="histograms" class="charts"></div>
<div id="errors"></div>
<script type="application/json" id="report-data">
)HTML";

constexpr const char* kTail = R"HTML(</script>
<script>
(function () {
  'use strict';
  var r = JSON.parse(document.getElementById('report-data').textContent);
  var SVG = 'http://www.w3.org/2000/svg';
  function el(tag, attrs, text) {
    var e = tag === 'svg' || ['rect', 'path', 'line', 'text', 'g', 'polyline', 'title'].indexOf(tag) >= 0
      ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function row(table, cells, head) {
    var tr = el('tr');
    cells.forEach(function (c) { tr.appendChild(el(head ? 'th' : 'td', {}, c)); });
    table.appendChild(tr);
  }
  function fmt(x) { return typeof x === 'number' ? (Math.round(x * 1000) / 1000).toLocaleString('en') : x; }
  var charts = 0;

  // Summary.
  var cp = r.charge_points, s = el('table');
  row(s, ['Shards', r.shards.join(', ')]);
  row(s, ['Started', r.started_at]);
  row(s, ['Elapsed', fmt(r.elapsed_s) + ' s' + (r.interrupted ? ' (interrupted)' : '')]);
  row(s, ['Charge points', fmt(cp.created) + ' of ' + fmt(cp.planned) + ' created (' +
      Object.keys(cp.by_version).map(function (v) { return v + ': ' + fmt(cp.by_version[v]); }).join(', ') +
      '), ' + fmt(cp.booted) + ' booted, ' + fmt(cp.create_errors) + ' create errors']);
  row(s, ['Boot storm', r.boot_storm_s === null ? 'not every charge point booted' : fmt(r.boot_storm_s) + ' s']);
  row(s, ['Connections', fmt(r.connections.opened) + ' opened, ' + fmt(r.connections.reconnects) +
      ' reconnects, ' + fmt(r.connections.errors) + ' errors']);
  row(s, ['Sessions', fmt(r.sessions.started) + ' started, ' + fmt(r.sessions.completed) + ' completed, ' +
      fmt(r.sessions.refused) + ' refused']);
  row(s, ['Faults / outages', fmt(r.faults) + ' / ' + fmt(r.outages)]);
  if (r.process) row(s, ['Process', fmt(r.process.peak_rss_kb) + ' KiB peak RSS, ' +
      fmt(r.process.peak_descriptors) + ' descriptors at most']);
  row(s, ['Errors', fmt(r.errors_total)]);
  var lost = el('td', { id: 'lost', 'class': r.lost_messages ? 'bad' : 'good' }, fmt(r.lost_messages));
  var tr = el('tr'); tr.appendChild(el('td', {}, 'Lost messages')); tr.appendChild(lost); s.appendChild(tr);
  document.getElementById('summary').appendChild(s);

  // Per action.
  var names = Object.keys(r.actions).sort();
  var t = el('table', { id: 'action-table' });
  row(t, ['Action', 'Calls', 'Answered', 'CALLERROR', 'Unanswered', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], true);
  names.forEach(function (n) {
    var a = r.actions[n];
    row(t, [n, fmt(a.calls), fmt(a.answered), fmt(a.errors), fmt(a.unanswered), fmt(a.p50_ms), fmt(a.p95_ms),
      fmt(a.p99_ms), fmt(a.max_ms)]);
  });
  document.getElementById('actions').appendChild(t);

  // One histogram per action: x = latency (log scale, bucket i ends at 0.01 ms * 10^((i+1)/40)).
  var W = 320, H = 160, P = 28;
  names.forEach(function (n) {
    var a = r.actions[n];
    if (!a.histogram.length) return;
    var lo = a.histogram[0][0], hi = a.histogram[a.histogram.length - 1][0];
    var max = 0; a.histogram.forEach(function (b) { max = Math.max(max, b[1]); });
    var span = Math.max(hi - lo + 1, 1), bw = (W - 2 * P) / span;
    var svg = el('svg', { width: W, height: H, 'class': 'histogram', 'data-action': n });
    svg.appendChild(el('text', { x: P, y: 12 }, n + ' (' + fmt(a.answered) + ' answers)'));
    a.histogram.forEach(function (b) {
      var h = (H - 2 * P) * b[1] / max;
      var bar = el('rect', { 'class': 'bar', x: P + (b[0] - lo) * bw, y: H - P - h, width: Math.max(bw - 1, 1),
        height: h, fill: '#3b7dd8' });
      bar.appendChild(el('title', {}, fmt(b[1]) + ' up to ' + fmt(0.01 * Math.pow(10, (b[0] + 1) / 40)) + ' ms'));
      svg.appendChild(bar);
    });
    svg.appendChild(el('line', { x1: P, y1: H - P, x2: W - P, y2: H - P, stroke: '#888' }));
    svg.appendChild(el('text', { x: P, y: H - P + 12 }, fmt(0.01 * Math.pow(10, lo / 40)) + ' ms'));
    svg.appendChild(el('text', { x: W - P, y: H - P + 12, 'text-anchor': 'end' },
      fmt(0.01 * Math.pow(10, (hi + 1) / 40)) + ' ms'));
    var box = el('div', { 'class': 'chart' }); box.appendChild(svg);
    document.getElementById('histograms').appendChild(box);
    charts++;
  });

  // Timeline of counts.
  if (r.timeline.length) {
    var TW = 1000, TH = 260, series = [['connected', '#3b7dd8', 2], ['booted', '#0a7d32', 3], ['charging', '#e08a00', 4]];
    var tmax = r.timeline[r.timeline.length - 1][0] || 1, ymax = 1;
    r.timeline.forEach(function (p) { ymax = Math.max(ymax, p[1], p[2], p[3], p[4]); });
    var tsvg = el('svg', { width: TW, height: TH, id: 'timeline-chart', 'class': 'timeline' });
    var legend = el('div', { 'class': 'legend' });
    series.forEach(function (sr) {
      var pts = r.timeline.map(function (p) {
        return (P + p[0] / tmax * (TW - 2 * P)).toFixed(1) + ',' + (TH - P - p[sr[2]] / ymax * (TH - 2 * P)).toFixed(1);
      }).join(' ');
      tsvg.appendChild(el('polyline', { points: pts, fill: 'none', stroke: sr[1], 'stroke-width': 2, 'class': 'series' }));
      legend.appendChild(el('span', { style: 'color:' + sr[1] }, sr[0]));
    });
    tsvg.appendChild(el('line', { x1: P, y1: TH - P, x2: TW - P, y2: TH - P, stroke: '#888' }));
    tsvg.appendChild(el('text', { x: P, y: P - 4 }, fmt(ymax)));
    tsvg.appendChild(el('text', { x: TW - P, y: TH - P + 12, 'text-anchor': 'end' }, fmt(tmax) + ' s'));
    document.getElementById('timeline').appendChild(legend);
    document.getElementById('timeline').appendChild(tsvg);
    charts++;
  }

  if (r.errors_seen.length) {
    var ed = document.getElementById('errors');
    ed.appendChild(el('h2', {}, 'Errors seen'));
    var ul = el('ul');
    r.errors_seen.forEach(function (e) { ul.appendChild(el('li', {}, e)); });
    ed.appendChild(ul);
  }
  document.body.setAttribute('data-rendered', String(charts));
})();
</script>
</body></html>
)HTML";

}  // namespace

std::string html_report(const Report& r) {
  std::string json = to_json(r);
  // "</" cannot end the data element early once written "<\/" (the same string in JSON).
  std::string safe;
  safe.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    safe += json[i];
    if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/') safe += '\\';
  }
  // "<!--" would also change how the element's text is read.
  for (std::size_t p = 0; (p = safe.find("<!--", p)) != std::string::npos;)
    safe.replace(p, 1, "\\u003c");
  return std::string(kHead) + safe + kTail;
}

}  // namespace fleet
