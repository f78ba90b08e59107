// The audit of a power-cut campaign: from every frame the CSMS saw (its records) and what the
// driver learned from the daemon (its events and the answers of its control socket), decide
// whether a transaction message was lost, reordered, duplicated beyond the one in flight, or
// sent with a transactionId the CSMS did not assign to that transaction.
//
//   const { audit } = require('./audit');
//   const { violations, stats } = audit(records, facts);
//
// records: the CSMS's records in order (csms.js: {seq, t, conn, dir, kind, id, action, payload},
//          plus DISCONNECTED records with the time each connection ended).
// facts:   what the daemon promised, collected by the driver (all optional):
//   started:    transaction_started events  {txKey, connectorId, idTag, meterStart}
//   stopped:    transaction_stopped events  {txKey, connectorId, transactionId|null, reason, meterStop}
//   confirmed:  transaction_id events       {txKey, transactionId}
//   ackedStops: stops the control socket acknowledged (so the StopTransaction was durable)
//               {connectorId, txKey, idTag?, method, expectReason, expectIdTag?, tSend, tAck}
//   snapshots:  `status` answers            {tSend, connectors: [{connectorId, txKey}]}
//   runs:       each start of the daemon    {t} (spawned at t: what it stamps is later)
//   violations: found by the driver itself  {kind, message}
//
// A logical message is the set of frames with the same action and payload: the daemon sends
// a stored message again, byte for byte, when its first transmission was not acknowledged.
'use strict';

const TX_ACTIONS = new Set(['StartTransaction', 'StopTransaction', 'MeterValues']);

// Clock tolerance when comparing the daemon's timestamps with the driver's (same host clock,
// millisecond resolution on both sides).
const CLOCK_SLACK_MS = 2;
// The library stamps a message with the time its step began; under load that can be a little
// older than a message another thread produced meanwhile. The global FIFO check allows this.
const GLOBAL_ORDER_SLACK_MS = 1500;
// An acknowledged message may be sent again only if its connection ended before the daemon
// could have recorded the acknowledgement. After this long on an open connection it had.
const ACK_GRACE_MS = 5000;

function ms(iso) {
  const v = Date.parse(iso);
  return Number.isFinite(v) ? v : NaN;
}

function mvTimestamps(payload) {
  return (payload.meterValue || []).map((mv) => ms(mv.timestamp));
}

function mvEnergies(payload) {
  const out = [];
  for (const mv of payload.meterValue || []) {
    for (const sv of mv.sampledValue || []) {
      const measurand = sv.measurand || 'Energy.Active.Import.Register';
      if (measurand !== 'Energy.Active.Import.Register') continue;
      const v = Number(sv.value) * (sv.unit === 'kWh' ? 1000 : 1);
      if (Number.isFinite(v)) out.push(v);
    }
  }
  return out;
}

// The time a transaction message was produced (its own timestamp).
function stampOf(action, payload) {
  if (action === 'MeterValues') return Math.min(...mvTimestamps(payload));
  return ms(payload.timestamp);
}

function describe(g) {
  const p = g.payload;
  if (g.action === 'StartTransaction') return `StartTransaction(connector ${p.connectorId}, idTag ${p.idTag}, ${p.timestamp})`;
  if (g.action === 'StopTransaction') return `StopTransaction(transactionId ${p.transactionId}, ${p.reason || 'Local'}, ${p.timestamp})`;
  const ts = (p.meterValue || []).map((mv) => mv.timestamp).join(',');
  return `MeterValues(connector ${p.connectorId}, transactionId ${p.transactionId}, ${ts})`;
}

// The transactionData of a StopTransaction (StopTxnSampledData): Transaction.Begin with
// meterStart, the periodic samples in time order, Transaction.End with meterStop. Each sample
// is stored before the MeterValues that carries it, so every MeterValues the CSMS got for the
// transaction must be among the samples (unless the samples reached their bound).
const STOP_SAMPLES_BOUND = 48;
function checkTransactionData(name, tx, stop, flag) {
  const data = stop.payload.transactionData;
  if (!data) return;
  const bad = (what) => flag('transactionData', `${name}: ${describe(stop)}: ${what}`);
  const contexts = data.map((mv) => (mv.sampledValue[0] || {}).context || 'Sample.Periodic');
  const first = data[0];
  const last = data[data.length - 1];
  if (contexts[0] !== 'Transaction.Begin' || Number(first.sampledValue[0].value) !== tx.start.payload.meterStart ||
      ms(first.timestamp) !== tx.start.stamp) {
    bad(`transactionData does not begin with Transaction.Begin = meterStart ${tx.start.payload.meterStart} at the start`);
  }
  if (contexts[contexts.length - 1] !== 'Transaction.End' || Number(last.sampledValue[0].value) !== stop.payload.meterStop ||
      ms(last.timestamp) !== stop.stamp) {
    bad(`transactionData does not end with Transaction.End = meterStop ${stop.payload.meterStop} at the stop`);
  }
  const samples = data.slice(1, -1);
  let prev = tx.start.stamp;
  for (const mv of samples) {
    const t = ms(mv.timestamp);
    if (!(t > prev) || t > stop.stamp) bad(`sample ${mv.timestamp} out of order`);
    prev = t;
  }
  if (samples.length >= STOP_SAMPLES_BOUND) return;
  const have = new Set(samples.map((mv) => `${ms(mv.timestamp)}=${mv.sampledValue.map((sv) => sv.value).join(',')}`));
  for (const g of tx.mvs) {
    for (const mv of g.payload.meterValue) {
      if (!have.has(`${ms(mv.timestamp)}=${mv.sampledValue.map((sv) => sv.value).join(',')}`)) {
        bad(`the sample of ${describe(g)} is missing from transactionData (${samples.length} samples)`);
      }
    }
  }
}

function audit(records, facts = {}) {
  const violations = [];
  const flag = (kind, message) => violations.push({ kind, message });

  // ---- frames: the CALLs of the daemon, the CSMS's answers, the connections ----------------
  const replies = new Map(); // `${conn}|${id}` -> the CSMS's answer to a CALL of the daemon
  const disconnectedAt = new Map(); // conn -> t
  for (const r of records) {
    if (r.dir === 'out' && (r.kind === 'CALLRESULT' || r.kind === 'CALLERROR')) {
      const k = `${r.conn}|${r.id}`;
      if (!replies.has(k)) replies.set(k, r);
    } else if (r.kind === 'DISCONNECTED' && !disconnectedAt.has(r.conn)) {
      disconnectedAt.set(r.conn, r.t);
    }
  }
  const conns = new Map(); // conn -> {calls: [], durable: []}
  const connOf = (c) => {
    if (!conns.has(c)) conns.set(c, { calls: [], durable: [] });
    return conns.get(c);
  };
  const durable = [];
  for (const r of records) {
    if (r.dir !== 'in' || r.kind !== 'CALL') continue;
    const call = { rec: r, reply: replies.get(`${r.conn}|${r.id}`) };
    connOf(r.conn).calls.push(call);
    if (!TX_ACTIONS.has(r.action)) continue;
    if (r.action === 'MeterValues' && (r.payload.transactionId === undefined)) {
      flag('id', `MeterValues without transactionId on connector ${r.payload.connectorId} (every MeterValues here belongs to a transaction)`);
      continue;
    }
    connOf(r.conn).durable.push(call);
    durable.push(call);
  }
  const connNumbers = Array.from(conns.keys()).sort((a, b) => a - b);

  // ---- logical messages and their copies ----------------------------------------------------
  const groups = new Map();
  for (const call of durable) {
    const key = `${call.rec.action}|${JSON.stringify(call.rec.payload)}`;
    if (!groups.has(key)) {
      groups.set(key, { action: call.rec.action, payload: call.rec.payload, copies: [] });
    }
    groups.get(key).copies.push(call);
  }
  const glist = Array.from(groups.values()); // in order of first reception
  let duplicates = 0;
  const duplicatesByAction = {};
  for (const g of glist) {
    g.first = g.copies[0].rec.seq;
    g.stamp = stampOf(g.action, g.payload);
    g.acked = g.copies.filter((c) => c.reply && c.reply.kind === 'CALLRESULT');
    if (!g.acked.length) {
      flag('lost', `${describe(g)} reached the CSMS ${g.copies.length} time(s) but was never acknowledged: ` +
        'the daemon gave up on it (a message whose transmission was cut must be sent again)');
    }
    for (let i = 1; i < g.copies.length; i++) {
      const prev = g.copies[i - 1];
      const cur = g.copies[i];
      const pc = conns.get(prev.rec.conn);
      const cc = conns.get(cur.rec.conn);
      const why = [];
      if (cur.rec.conn <= prev.rec.conn) why.push('sent twice on one connection');
      if (pc.calls[pc.calls.length - 1] !== prev) why.push(`it was not the last CALL on connection #${prev.rec.conn} (not in flight when it ended)`);
      if (cc.durable[0] !== cur) why.push(`the repeat was not the first transaction message on connection #${cur.rec.conn}`);
      const between = connNumbers.filter((n) => n > prev.rec.conn && n < cur.rec.conn && conns.get(n).durable.length);
      if (between.length) why.push(`transaction messages went out on connection(s) #${between.join(', #')} in between`);
      if (prev.reply && prev.reply.kind === 'CALLRESULT') {
        const end = disconnectedAt.get(prev.rec.conn);
        if (end === undefined || end - prev.reply.t > ACK_GRACE_MS) {
          why.push(`it had been acknowledged ${end === undefined ? 'and its connection never ended' : `${end - prev.reply.t} ms before its connection ended`}`);
        }
      }
      if (why.length) flag('duplicate', `${describe(g)} sent again (copy ${i + 1}, connection #${cur.rec.conn}) although ${why.join('; ')}`);
      else {
        duplicates++;
        duplicatesByAction[g.action] = (duplicatesByAction[g.action] || 0) + 1;
      }
    }
  }

  // ---- transactions: one logical StartTransaction each ---------------------------------------
  const txs = [];
  const byIdTag = new Map();
  const byId = new Map(); // transactionId -> {tx, final}
  for (const g of glist) {
    if (g.action !== 'StartTransaction') continue;
    const p = g.payload;
    if (byIdTag.has(p.idTag)) {
      flag('duplicate', `two different StartTransactions for idTag ${p.idTag}: ${describe(byIdTag.get(p.idTag).start)} and ${describe(g)}`);
      continue;
    }
    const ids = g.acked.map((c) => c.reply.payload.transactionId);
    const tx = {
      start: g, idTag: p.idTag, connectorId: p.connectorId, finalId: ids[ids.length - 1],
      stops: [], mvs: [],
    };
    for (const id of ids) {
      if (byId.has(id)) flag('id', `the CSMS assigned transactionId ${id} twice`);
      byId.set(id, { tx, final: id === tx.finalId });
    }
    byIdTag.set(p.idTag, tx);
    txs.push(tx);
  }
  const resolve = (g) => {
    const id = g.payload.transactionId;
    const hit = byId.get(id);
    if (!hit) {
      flag('id', `${describe(g)} carries transactionId ${id}, which the CSMS never assigned`);
      return null;
    }
    if (!hit.final) {
      flag('id', `${describe(g)} carries transactionId ${id}, the answer to a copy of the StartTransaction ` +
        `of idTag ${hit.tx.idTag} that the daemon did not keep (it kept ${hit.tx.finalId})`);
    }
    if (g.action === 'MeterValues' && g.payload.connectorId !== hit.tx.connectorId) {
      flag('id', `${describe(g)} names connector ${g.payload.connectorId}, its transaction ${id} runs on connector ${hit.tx.connectorId}`);
    }
    return hit.tx;
  };
  for (const g of glist) {
    if (g.action === 'StartTransaction') continue;
    const tx = resolve(g);
    if (!tx) continue;
    (g.action === 'StopTransaction' ? tx.stops : tx.mvs).push(g);
  }

  // ---- per transaction: Start, MeterValues in time order, Stop -----------------------------
  const reorder = (message) => flag('reordered', message);
  for (const tx of txs) {
    const name = `transaction ${tx.finalId} (idTag ${tx.idTag}, connector ${tx.connectorId})`;
    const start = tx.start;
    if (!tx.stops.length) flag('lost', `${name} has no StopTransaction`);
    if (tx.stops.length > 1) flag('duplicate', `${name} has ${tx.stops.length} different StopTransactions: ${tx.stops.map(describe).join(' / ')}`);
    const stop = tx.stops[0];
    let lastStamp = start.stamp;
    let lastMv = -Infinity; // samples of one transaction: strictly increasing timestamps
    let lastEnergy = start.payload.meterStart;
    for (const mv of tx.mvs) {
      if (mv.first < start.first) reorder(`${describe(mv)} reached the CSMS before ${describe(start)}`);
      for (const s of mvTimestamps(mv.payload)) {
        if (s < lastStamp || s <= lastMv) {
          reorder(`${name}: ${describe(mv)} is not later than the message before it (${new Date(Math.max(lastStamp, lastMv)).toISOString()})`);
        }
        lastStamp = Math.max(lastStamp, s);
        lastMv = Math.max(lastMv, s);
      }
      for (const e of mvEnergies(mv.payload)) {
        if (e < lastEnergy) flag('meter', `${name}: energy ${e} Wh in ${describe(mv)} is below the reading before it (${lastEnergy} Wh)`);
        lastEnergy = Math.max(lastEnergy, e);
      }
      if (stop) {
        for (const c of mv.copies) {
          if (c.rec.seq > stop.first) reorder(`${describe(mv)} reached the CSMS after ${describe(stop)}`);
        }
      }
    }
    if (stop) {
      checkTransactionData(name, tx, stop, flag);
      if (stop.first < start.first) reorder(`${describe(stop)} reached the CSMS before ${describe(start)}`);
      if (stop.stamp < lastStamp) reorder(`${name}: ${describe(stop)} is stamped before an earlier message of its transaction`);
      if (stop.payload.meterStop < lastEnergy) {
        flag('meter', `${name}: meterStop ${stop.payload.meterStop} Wh is below an earlier reading (${lastEnergy} Wh)`);
      }
    }
  }

  // ---- per connector: a transaction's Stop before the next one's Start ---------------------
  const perConnector = new Map();
  for (const tx of txs) {
    if (!perConnector.has(tx.connectorId)) perConnector.set(tx.connectorId, []);
    perConnector.get(tx.connectorId).push(tx);
  }
  for (const [cid, list] of perConnector) {
    list.sort((a, b) => a.start.stamp - b.start.stamp);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1];
      const b = list[i];
      const stop = a.stops[0];
      if (!stop) continue;
      if (stop.stamp > b.start.stamp + CLOCK_SLACK_MS) {
        reorder(`connector ${cid}: transaction ${b.finalId} started (${b.start.payload.timestamp}) before ` +
          `transaction ${a.finalId} stopped (${stop.payload.timestamp})`);
      } else if (stop.first > b.start.first) {
        reorder(`connector ${cid}: ${describe(b.start)} reached the CSMS before ${describe(stop)} of the transaction before it`);
      }
    }
  }

  // ---- globally: first transmissions in the order the messages were produced ----------------
  // Exact across restarts: a message produced by one run of the daemon (stamped after that run
  // was started) never goes out before one produced by an earlier run. Within a run the
  // timestamps may disagree with the order a little (GLOBAL_ORDER_SLACK_MS).
  const spawns = (facts.runs || []).map((r) => r.t).sort((a, b) => a - b);
  const runOf = (stamp) => { // how many daemon starts happened before this stamp
    let lo = 0;
    let hi = spawns.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (spawns[mid] <= stamp) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  let maxStamp = -Infinity;
  let maxWhat = '';
  let maxRun = 0;
  let maxRunWhat = '';
  for (const g of glist) {
    g.run = runOf(g.stamp);
    if (g.run < maxRun) {
      reorder(`${describe(g)}, produced before daemon start #${g.run + 1}, reached the CSMS after ${maxRunWhat}, produced after it`);
    } else if (g.stamp < maxStamp - GLOBAL_ORDER_SLACK_MS) {
      reorder(`${describe(g)} reached the CSMS after ${maxWhat}, produced ${maxStamp - g.stamp} ms later`);
    }
    if (g.stamp > maxStamp) {
      maxStamp = g.stamp;
      maxWhat = describe(g);
    }
    if (g.run > maxRun) {
      maxRun = g.run;
      maxRunWhat = describe(g);
    }
  }

  // ---- status reports keep their place among transaction messages ---------------------------
  // A StatusNotification goes out after every transaction message produced before it (the
  // CSMS sees the StopTransaction before the Available it caused), across restarts too.
  const byFirst = glist.slice().sort((a, b) => a.first - b.first);
  const suffixMinStamp = new Array(byFirst.length + 1).fill(Infinity);
  const suffixMinRun = new Array(byFirst.length + 1).fill(Infinity);
  for (let i = byFirst.length - 1; i >= 0; i--) {
    suffixMinStamp[i] = Math.min(suffixMinStamp[i + 1], byFirst[i].stamp);
    suffixMinRun[i] = Math.min(suffixMinRun[i + 1], byFirst[i].run);
  }
  for (const st of records) {
    if (st.dir !== 'in' || st.kind !== 'CALL' || st.action !== 'StatusNotification' || !st.payload.timestamp) continue;
    const ts = ms(st.payload.timestamp);
    const run = runOf(ts);
    let lo = 0;
    let hi = byFirst.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byFirst[mid].first <= st.seq) lo = mid + 1; else hi = mid;
    }
    if (suffixMinRun[lo] >= run && suffixMinStamp[lo] >= ts - GLOBAL_ORDER_SLACK_MS) continue;
    const late = byFirst.slice(lo).find((g) => g.run < run || g.stamp < ts - GLOBAL_ORDER_SLACK_MS);
    reorder(`StatusNotification(connector ${st.payload.connectorId}, ${st.payload.status}, ${st.payload.timestamp}) on connection ` +
      `#${st.conn} went out before ${describe(late)}, produced ${ts - late.stamp} ms before it` +
      (late.run < run ? ` (by an earlier run of the daemon)` : ''));
  }

  // ---- what the daemon promised ---------------------------------------------------------------
  const keyToTx = new Map(); // txKey -> tx
  const bind = (txKey, tx, why) => {
    const had = keyToTx.get(txKey);
    if (had && had !== tx) {
      flag('id', `txKey ${txKey} maps to two transactions: ${had.finalId} (idTag ${had.idTag}) and ${tx.finalId} (idTag ${tx.idTag}) (${why})`);
      return;
    }
    keyToTx.set(txKey, tx);
  };
  for (const e of facts.started || []) {
    const tx = byIdTag.get(e.idTag);
    if (!tx) {
      flag('lost', `transaction_started (txKey ${e.txKey}, connector ${e.connectorId}, idTag ${e.idTag}): its StartTransaction never reached the CSMS`);
      continue;
    }
    const p = tx.start.payload;
    if (p.connectorId !== e.connectorId || p.meterStart !== e.meterStart) {
      flag('content', `transaction_started (txKey ${e.txKey}, connector ${e.connectorId}, meterStart ${e.meterStart}) but ${describe(tx.start)} has meterStart ${p.meterStart}`);
    }
    bind(e.txKey, tx, 'transaction_started');
  }
  for (const e of facts.confirmed || []) {
    const hit = byId.get(e.transactionId);
    if (!hit) {
      flag('id', `transaction_id event: txKey ${e.txKey} got transactionId ${e.transactionId}, which the CSMS never assigned`);
      continue;
    }
    if (!hit.final) {
      flag('id', `transaction_id event: txKey ${e.txKey} kept transactionId ${e.transactionId}, but the StartTransaction of idTag ` +
        `${hit.tx.idTag} was sent again and answered ${hit.tx.finalId}`);
    }
    bind(e.txKey, hit.tx, 'transaction_id');
  }
  const txOfKey = (txKey, transactionId) => keyToTx.get(txKey) ||
    (transactionId != null && byId.has(transactionId) ? byId.get(transactionId).tx : null);

  let unresolved = 0;
  for (const e of facts.stopped || []) {
    const tx = txOfKey(e.txKey, e.transactionId);
    if (!tx) {
      unresolved++; // started and stopped before any event could name its idTag; checked by ackedStops
      continue;
    }
    const stop = tx.stops[0];
    if (!stop) continue; // already reported as lost
    const p = stop.payload;
    if ((p.reason || 'Local') !== e.reason || p.meterStop !== e.meterStop) {
      flag('lost', `transaction_stopped (txKey ${e.txKey}, ${e.reason}, meterStop ${e.meterStop}) but the CSMS got ${describe(stop)} with meterStop ${p.meterStop}`);
    }
  }

  const ackedKeys = new Map(); // txKey -> tAck
  for (const a of facts.ackedStops || []) {
    ackedKeys.set(a.txKey, Math.min(ackedKeys.get(a.txKey) ?? Infinity, a.tAck));
    const hits = txs.filter((tx) => tx.connectorId === a.connectorId && tx.stops.length &&
      tx.stops[0].stamp >= a.tSend - CLOCK_SLACK_MS && tx.stops[0].stamp <= a.tAck + CLOCK_SLACK_MS);
    const what = `'${a.command}' acknowledged at ${new Date(a.tAck).toISOString()} (sent ${new Date(a.tSend).toISOString()}) ` +
      `for transaction txKey ${a.txKey} on connector ${a.connectorId}`;
    if (hits.length !== 1) {
      flag('lost', `${what}: ${hits.length ? `${hits.length} StopTransactions match it` : 'no StopTransaction stamped in that interval reached the CSMS'}`);
      continue;
    }
    const tx = hits[0];
    const p = tx.stops[0].payload;
    if ((p.reason || 'Local') !== a.expectReason || (a.expectIdTag && p.idTag !== a.expectIdTag)) {
      flag('content', `${what}: expected reason ${a.expectReason}${a.expectIdTag ? ` idTag ${a.expectIdTag}` : ''}, the CSMS got ${describe(tx.stops[0])} idTag ${p.idTag}`);
    }
    const known = keyToTx.get(a.txKey);
    if (known && known !== tx) {
      flag('content', `${what}: the StopTransaction in that interval is of transaction ${tx.finalId} (idTag ${tx.idTag}), not of ${known.finalId} (idTag ${known.idTag})`);
    }
  }

  // ---- stale transactions: stopped (acknowledged) but running again after a restart --------
  const stoppedAt = new Map(ackedKeys);
  for (const e of facts.stopped || []) stoppedAt.set(e.txKey, Math.min(stoppedAt.get(e.txKey) ?? Infinity, e.t ?? Infinity));
  for (const s of facts.snapshots || []) {
    for (const c of s.connectors || []) {
      if (c.txKey == null) continue;
      const at = stoppedAt.get(c.txKey);
      if (at !== undefined && at < s.tSend) {
        flag('stale', `transaction txKey ${c.txKey} was stopped at ${new Date(at).toISOString()} but runs again on connector ${c.connectorId} at ${new Date(s.tSend).toISOString()}`);
      }
    }
  }

  for (const v of facts.violations || []) flag(v.kind, v.message);

  const count = (kind) => violations.filter((v) => v.kind === kind).length;
  const stats = {
    transactions: txs.length,
    messages: glist.length,
    frames: durable.length,
    duplicates,
    duplicatesByAction,
    lost: count('lost'),
    reordered: count('reordered'),
    other: violations.length - count('lost') - count('reordered'),
    unresolvedStops: unresolved,
    ackedStops: (facts.ackedStops || []).length,
  };
  return { violations, stats, transactions: txs };
}

/** The CSMS's records reduced to what the audit reads (serializable, no cycles). */
function plainRecords(records) {
  return records.map((r) => ({
    seq: r.seq, t: r.t, conn: r.conn, dir: r.dir, kind: r.kind, id: r.id, action: r.action, payload: r.payload,
  }));
}

module.exports = { audit, plainRecords, TX_ACTIONS };
