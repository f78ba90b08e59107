// Helpers of the hostile-CSMS scenarios (hostile_*.js): raw frames and their answers, raw
// WebSocket text frames with arbitrary bytes, the "daemon is still healthy" check, and the
// transaction ledger (every transaction message the daemon produced reached the CSMS, once
// acknowledged, in order, with the transactionId the CSMS gave).
'use strict';

const assert = require('node:assert/strict');

const TX_ACTIONS = ['StartTransaction', 'MeterValues', 'StopTransaction'];

// The error codes of OCPP-J 1.6 §4.2.3, table 7 (with the 1.6 spelling "Occurence").
const OCPPJ16_CODES = ['NotImplemented', 'NotSupported', 'InternalError', 'ProtocolError', 'SecurityError',
  'FormationViolation', 'PropertyConstraintViolation', 'OccurenceConstraintViolation',
  'TypeConstraintViolation', 'GenericError'];

// Lines a sanitizer writes on stderr when it found something.
const SANITIZER_LINE = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)Sanitizer/;

/** Fails when the daemon wrote a sanitizer report on stderr; `what` names the moment. */
function assertNoSanitizerReport(cp, what = '') {
  const bad = cp.stderr.filter((l) => SANITIZER_LINE.test(l));
  assert.equal(bad.length, 0, `sanitizer report on ${cp.o.name}'s stderr ${what}:\n${bad.slice(0, 20).join('\n')}`);
}

/** Fails when the daemon exited or wrote a sanitizer report; `what` names the moment. */
function assertHealthy(cp, what = '') {
  assertNoSanitizerReport(cp, what);
  assert.ok(cp.child && !cp.exit, `${cp.o.name} is not running ${what}: ${JSON.stringify(cp.exit)}`);
}

/** Records a check that the daemon is up, answers `status`, and has no sanitizer report. */
async function checkAlive(t, cp, what) {
  const st = await cp.state();
  t.ok(`daemon alive after ${what} (answers status, no sanitizer report on stderr)`, () => {
    assertHealthy(cp, `after ${what}`);
    assert.equal(st.event, 'state');
  });
  return st;
}

/**
 * Sends `frame` (text) raw and waits for the charger's answer to `id`. Resolves with the answer
 * record, or null when none came within timeoutMs.
 */
async function rawCall(csms, frame, id, { timeoutMs = 5000 } = {}) {
  const m = csms.mark();
  csms.sendRaw(frame);
  try {
    return await csms.waitForReplyTo(id, { from: m, timeoutMs });
  } catch (_) {
    return null;
  }
}

/**
 * Sends frames the charger must not answer (or, in 2.0.1, answers with CALLERRORs of id "-1"),
 * then a probe (1.6: GetConfiguration; 2.0.1: probe201, GetLocalListVersion): the charger
 * handles frames in order and sends replies before anything else, so whatever it answers to the
 * frames arrives before the probe's answer. Resolves with the frames the charger sent meanwhile
 * (other than CALLs of its own).
 */
async function sendUnanswered(csms, frames, { probeFn = probe, probeAction = 'GetConfiguration' } = {}) {
  const m = csms.mark();
  for (const f of [].concat(frames)) {
    if (Buffer.isBuffer(f)) sendTextBytes(csms, f);
    else csms.sendRaw(f);
  }
  await probeFn(csms);
  const probeAnswer = csms.find((r) => r.dir === 'in' && r.kind === 'CALLRESULT' && r.action === probeAction, m)[0];
  return csms.find((r) => r.dir === 'in' && r.kind !== 'CALL' && r !== probeAnswer && r.seq < probeAnswer.seq, m);
}

/** One GetConfiguration answered on the current connection. */
async function probe(csms) {
  const gc = await csms.call('GetConfiguration', { key: ['HeartbeatInterval'] }, { timeoutMs: 8000 });
  assert.equal(gc.configurationKey.length, 1);
  return gc;
}

/** The 2.0.1 probe: one GetLocalListVersion answered on the current connection. */
async function probe201(csms) {
  const v = await csms.call('GetLocalListVersion', {}, { timeoutMs: 8000 });
  assert.equal(typeof v.versionNumber, 'number');
  return v;
}

/**
 * Two CALLs with one id in one TCP segment: a DataTransfer for the daemon's own vendor waits for
 * its hook, so the second arrives while the first is being handled (OCPP-J 1.6 §4.2.3, 2.0.1
 * part 4 §4.2.3). Checks that the second is refused with `code` and the first handled.
 */
async function checkReusedId(t, csms, code, probeFn = probe) {
  const m = csms.mark();
  const sock = csms.client._ws._socket;
  sock.cork();
  csms.sendRaw('[2,"same-id","DataTransfer",{"vendorId":"ocpp-client","data":"first"}]');
  csms.sendRaw('[2,"same-id","DataTransfer",{"vendorId":"ocpp-client","data":"second"}]');
  sock.uncork();
  await csms.waitFor((r) => r.dir === 'in' && r.id === 'same-id' && r.kind === 'CALLRESULT', { from: m, timeoutMs: 5000 });
  await probeFn(csms);
  const replies = csms.find((r) => r.dir === 'in' && r.id === 'same-id', m);
  t.ok(`two CALLs "same-id" at once -> ${replies.map((r) => `${r.kind} ${r.errorCode || JSON.stringify(r.payload)}`).join(', ')}: the second refused (${code}), the first handled`, () => {
    assert.equal(replies.length, 2);
    const err = replies.find((r) => r.kind === 'CALLERROR');
    const res = replies.find((r) => r.kind === 'CALLRESULT');
    assert.ok(err && res);
    assert.equal(err.errorCode, code);
    assert.equal(res.payload.data, 'first');
  });
}

/** Sends `n` CALLs frame(i) (id "burst-<i>") without waiting; checks n CALLRESULTs, in order. */
async function checkBurst(t, csms, n, frame) {
  const m = csms.mark();
  for (let i = 0; i < n; i++) csms.sendRaw(frame(`burst-${i}`));
  await csms.waitForReplyTo(`burst-${n - 1}`, { from: m, timeoutMs: 20000 });
  const answers = csms.find((r) => r.dir === 'in' && r.kind !== 'CALL', m);
  t.ok(`a burst of ${n} CALLs sent without waiting: ${answers.length} answers, each a CALLRESULT, in order`, () => {
    assert.equal(answers.length, n);
    answers.forEach((r, i) => {
      assert.equal(r.id, `burst-${i}`);
      assert.equal(r.kind, 'CALLRESULT');
    });
  });
}

/**
 * Sends the CALL `frame` raw and checks the charger's answer to `id`: a CALLRESULT whose payload
 * passes check(payload) when `code` is 'result', else a CALLERROR with `code` (checkCallError);
 * then that the daemon is healthy. Resolves with the answer record (null: none came).
 */
async function expectAnswer(t, csms, cp, label, frame, id, code, check) {
  const reply = await rawCall(csms, frame, id);
  if (code === 'result') {
    t.ok(`${label} -> CALLRESULT ${reply ? String(reply.raw).slice(0, 100) : '(no answer)'}`, () => {
      assert.ok(reply, 'no answer');
      assert.equal(reply.kind, 'CALLRESULT', String(reply.raw).slice(0, 200));
      if (check) check(reply.payload);
    });
  } else {
    checkCallError(t, label, reply, id, code);
  }
  assertHealthy(cp, `after ${label}`);
  return reply;
}

/** Asserts a CALLERROR answer (OCPP-J 1.6 §4.2.3, OCPP 2.0.1 part 4 §4.2.3): 5 elements, the CALL's id, `code`. */
function checkCallError(t, label, reply, id, code) {
  const desc = JSON.stringify(reply && reply.errorDescription !== undefined ? String(reply.errorDescription).slice(0, 100) : '');
  t.ok(`${label} -> ${reply ? `${reply.kind} ${reply.errorCode || ''} ${desc}` : '(no answer)'}; expected CALLERROR ${code} with id ${JSON.stringify(String(id).slice(0, 40))}`, () => {
    assert.ok(reply, 'no answer from the charger');
    assert.equal(reply.kind, 'CALLERROR', `got ${String(reply.raw).slice(0, 200)}`);
    assert.equal(reply.id, id);
    assert.equal(reply.errorCode, code);
    assert.equal(reply.elements, 5);
    assert.equal(typeof reply.errorDescription, 'string');
    assert.ok(reply.errorDetails && typeof reply.errorDetails === 'object' && !Array.isArray(reply.errorDetails));
  });
}

/**
 * Sends `bytes` (a Buffer, any bytes) to the charger as one WebSocket text frame, or as one text
 * message in `fragments` equal pieces or cut at the byte offsets `cuts` (continuation frames).
 * ocpp-rpc's sendRaw only sends JS strings, which cannot hold invalid UTF-8, so this goes to the
 * ws socket underneath. Noted in the timeline.
 */
function sendTextBytes(csms, bytes, { fragments = 1, cuts, note, breaks = false } = {}) {
  const client = csms._requireClient();
  if (breaks) markBreaking(csms);
  const ws = client._ws;
  // A CALL id the charger may answer: its answer is then expected, not a bad message.
  const id = /^\[\s*2\s*,\s*"([^"\\]*)"/.exec(bytes.subarray(0, 80).toString('latin1'));
  if (id) client._csmsConn.rawIds.add(id[1]);
  if (!cuts) {
    const size = Math.ceil(bytes.length / fragments);
    cuts = Array.from({ length: fragments - 1 }, (_, i) => (i + 1) * size);
  }
  const bounds = [0, ...cuts, bytes.length];
  csms._note(note || `raw text message, ${bytes.length} bytes${bounds.length > 2 ? ` in ${bounds.length - 1} fragments` : ''}: ` +
    JSON.stringify(bytes.subarray(0, 60).toString('latin1')));
  for (let i = 0; i + 1 < bounds.length; i++) {
    ws.send(bytes.subarray(bounds[i], bounds[i + 1]), { binary: false, compress: false, fin: i + 2 === bounds.length });
  }
}

/**
 * One WebSocket frame as raw bytes (RFC 6455 §5.2), for frames no WebSocket library would send:
 * reserved opcodes and bits, masked server frames, oversized or fragmented control frames.
 * `len` overrides the length field; `rsv` is the RSV bits (0x40, 0x20, 0x10).
 */
function wsFrame(opcode, payload, { fin = true, mask = false, rsv = 0, len } = {}) {
  const data = Buffer.from(payload);
  const n = len ?? data.length;
  let head;
  if (n < 126) {
    head = Buffer.from([0, n]);
  } else if (n < 65536) {
    head = Buffer.alloc(4);
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else {
    head = Buffer.alloc(10);
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  head[0] = (fin ? 0x80 : 0) | rsv | opcode;
  if (!mask) return Buffer.concat([head, data]);
  head[1] |= 0x80;
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  return Buffer.concat([head, key, Buffer.from(data.map((b, i) => b ^ key[i % 4]))]);
}

// Per CSMS, connection number -> seq of the first send on it that makes the charger fail the
// connection. Whatever the CSMS writes after that send reaches the socket behind it, so the
// charger never reads it: an answer written then is not an acknowledgement the charger got
// (checkLedger), and the charger rightly sends the message again on its next connection.
const breakingSends = new WeakMap();

/** Notes that the next bytes written to the connected charger make it fail the connection. */
function markBreaking(csms) {
  const conn = csms._requireClient()._csmsConn.no;
  let m = breakingSends.get(csms);
  if (!m) breakingSends.set(csms, (m = new Map()));
  if (!m.has(conn)) m.set(conn, csms.records.length);
}

/** True when `rec` (written by the CSMS) followed a breaking send on its connection. */
function unreadByCharger(csms, rec) {
  const m = breakingSends.get(csms);
  const from = m && m.get(rec.conn);
  return from !== undefined && rec.seq >= from;
}

/**
 * Writes raw bytes on the CSMS's socket to the charger, under ws's framing (noted in the
 * timeline). `breaks`: the bytes make the charger fail the connection (markBreaking).
 */
function sendRawBytes(csms, bytes, note, { breaks = false } = {}) {
  if (breaks) markBreaking(csms);
  csms._note(note);
  csms._requireClient()._ws._socket.write(bytes);
}

/** The DISCONNECTED records from `from` on. */
function disconnects(csms, from = 0) {
  return csms.find((r) => r.kind === 'DISCONNECTED', from);
}

/** Sets configuration keys one by one (each must be Accepted). */
async function configure(t, csms, keys) {
  for (const [key, value] of Object.entries(keys)) {
    const r = await csms.call('ChangeConfiguration', { key, value: String(value) });
    t.ok(`ChangeConfiguration ${key}=${value} -> ${r.status}`, () => assert.equal(r.status, 'Accepted'));
  }
}

/** Resolves with the daemon's state once its durable queue is empty (rejects after timeoutMs). */
async function queueDrained(cp, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const st = await cp.state();
    if (st.queue === 0) return st;
    if (Date.now() > until) throw new Error(`durable queue not drained after ${timeoutMs} ms: ${JSON.stringify(st)}`);
    // The queue drains by network exchanges the test cannot observe one by one: poll it.
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The identity of a transaction message across retransmissions: its content without the
// transactionId (filled in when it is sent).
function logicalKey(rec) {
  const p = rec.payload || {};
  switch (rec.action) {
    case 'StartTransaction':
      return `Start c${p.connectorId} ${p.idTag} ${p.meterStart} ${p.timestamp}`;
    case 'StopTransaction':
      return `Stop ${p.meterStop} ${p.timestamp} ${p.reason || ''}`;
    default:
      return `MeterValues c${p.connectorId} ${JSON.stringify(p.meterValue)}`;
  }
}

/**
 * The transaction ledger (OCPP 1.6 §3.7 and §4.7/4.8/4.10): checks, on the frames the CSMS
 * received and on the daemon's events, that
 *  - every transaction the daemon started has one StartTransaction and every one it stopped one
 *    StopTransaction that reached the CSMS and was acknowledged;
 *  - each transaction message was acknowledged by a valid CALLRESULT and not sent again after
 *    that, and the next one was first sent only after that acknowledgement (strict FIFO);
 *  - MeterValues and StopTransaction carry the transactionId of the StartTransaction.conf that
 *    the daemon accepted (its transaction_id event says which);
 *  - the daemon's durable queue is empty and it discarded nothing (stderr).
 * `ignored` holds the message ids whose answer the charger had to ignore or refuse (broken,
 * late, duplicate); an answer written after a breaking send on its connection never reached the
 * charger (markBreaking); any other answer counts as the acknowledgement.
 * Returns a summary {messages, transactions}.
 */
async function checkLedger(t, csms, cp, { ignored = new Set(), drainMs = 15000 } = {}) {
  const st = await queueDrained(cp, drainMs);
  const calls = csms.find((r) => r.dir === 'in' && r.kind === 'CALL' && TX_ACTIONS.includes(r.action) &&
    // MeterValues outside a transaction are not transaction messages (not queued, not retried).
    (r.action !== 'MeterValues' || r.payload.transactionId !== undefined));
  const acked = (r) => r.response && r.response.kind === 'CALLRESULT' && !ignored.has(r.id) &&
    !(r.response.sentRaw && ignored.has(r.response.id)) && !unreadByCharger(csms, r.response);
  const messages = [];
  const byKey = new Map();
  for (const r of calls) {
    const k = logicalKey(r);
    let m = byKey.get(k);
    if (!m) {
      m = { key: k, action: r.action, sends: [], ack: null };
      byKey.set(k, m);
      messages.push(m);
    }
    m.sends.push(r);
    if (!m.ack && acked(r)) m.ack = r;
  }
  t.ok(`ledger: ${messages.length} transaction messages in ${calls.length} transmissions, each acknowledged once and never sent after its acknowledgement (§3.7)`, () => {
    for (const m of messages) {
      assert.ok(m.ack, `never acknowledged: ${m.key}`);
      const after = m.sends.filter((r) => r.seq > m.ack.response.seq);
      assert.equal(after.length, 0, `${m.key} sent again after its acknowledgement`);
    }
  });
  t.ok('ledger: strict FIFO, each message first sent after the previous one was acknowledged', () => {
    for (let i = 1; i < messages.length; i++) {
      const prev = messages[i - 1];
      assert.ok(messages[i].sends[0].seq > prev.ack.response.seq,
        `${messages[i].key} sent before ${prev.key} was acknowledged`);
    }
  });
  // Transactions as the daemon saw them.
  const started = cp.find((e) => e.event === 'transaction_started');
  const stopped = cp.find((e) => e.event === 'transaction_stopped');
  const idOf = new Map();
  for (const e of cp.find((x) => x.event === 'transaction_id')) idOf.set(e.txKey, e.transactionId);
  const starts = messages.filter((m) => m.action === 'StartTransaction');
  const stops = messages.filter((m) => m.action === 'StopTransaction');
  const txs = [];
  t.ok(`ledger: ${started.length} transactions started and ${stopped.length} stopped by the daemon, each Start/Stop delivered with the transactionId the CSMS gave`, () => {
    const usedStarts = new Set();
    for (const e of started) {
      const m = starts.find((s) => !usedStarts.has(s) && s.sends[0].payload.connectorId === e.connectorId &&
        s.sends[0].payload.meterStart === e.meterStart && s.sends[0].payload.idTag === e.idTag);
      assert.ok(m, `no StartTransaction for ${JSON.stringify(e)}`);
      usedStarts.add(m);
      const given = m.ack.response.payload.transactionId;
      assert.equal(idOf.get(e.txKey), given,
        `daemon took transactionId ${idOf.get(e.txKey)} for txKey ${e.txKey}, the acknowledged StartTransaction.conf gave ${given}`);
      txs.push({ txKey: e.txKey, connectorId: e.connectorId, transactionId: given, start: m });
    }
    assert.equal(usedStarts.size, starts.length, 'a StartTransaction the daemon did not report');
    const usedStops = new Set();
    for (const e of stopped) {
      const tx = txs.find((x) => x.txKey === e.txKey);
      assert.ok(tx, `stopped transaction ${e.txKey} was never started`);
      const m = stops.find((s) => !usedStops.has(s) && s.sends[0].payload.meterStop === e.meterStop &&
        s.sends.every((r) => r.payload.transactionId === tx.transactionId));
      assert.ok(m, `no StopTransaction with transactionId ${tx.transactionId} and meterStop ${e.meterStop}`);
      usedStops.add(m);
      assert.ok(messages.indexOf(m) > messages.indexOf(tx.start), 'StopTransaction before its StartTransaction');
      tx.stop = m;
    }
    assert.equal(usedStops.size, stops.length, 'a StopTransaction the daemon did not report');
  });
  t.ok('ledger: every MeterValues of a transaction carries its transactionId and lies between its Start and Stop', () => {
    for (const m of messages.filter((x) => x.action === 'MeterValues')) {
      const i = messages.indexOf(m);
      const c = m.sends[0].payload.connectorId;
      const tx = txs.filter((x) => x.connectorId === c && messages.indexOf(x.start) < i).pop();
      assert.ok(tx, `MeterValues without a preceding StartTransaction: ${m.key}`);
      for (const r of m.sends) assert.equal(r.payload.transactionId, tx.transactionId, m.key);
      if (tx.stop) assert.ok(i < messages.indexOf(tx.stop), `MeterValues after its StopTransaction: ${m.key}`);
    }
  });
  const discarded = cp.stderr.filter((l) => /discard/i.test(l));
  t.ok(`ledger: daemon queue empty (${st.queue}), nothing discarded`, () => {
    assert.equal(st.queue, 0);
    assert.equal(discarded.length, 0, discarded.join('\n'));
  });
  return { messages, transactions: txs };
}

/**
 * Resolves with the first line of the daemon's stderr (from line `from` on) that matches `re`;
 * rejects after timeoutMs. For moments only the daemon's log shows, e.g. a call timing out.
 */
function waitStderr(cp, re, { from = 0, timeoutMs = 10000 } = {}) {
  const find = () => cp.stderr.slice(from).find((l) => re.test(l));
  const hit = find();
  if (hit) return Promise.resolve(hit);
  return new Promise((resolve, reject) => {
    const stream = cp.child.stderr;
    // Registered after the Chargerd's own reader, so the line is in cp.stderr when this runs.
    const onData = () => {
      const l = find();
      if (!l) return;
      clearTimeout(timer);
      stream.off('data', onData);
      resolve(l);
    };
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`${cp.o.name}: timed out after ${timeoutMs} ms waiting for a stderr line ${re}`));
    }, timeoutMs);
    stream.on('data', onData);
  });
}

/** Plugs connector 1 and presents `idTag`; resolves with the transactionId once the StartTransaction is answered. */
async function startTransaction(t, csms, cp, idTag) {
  const m = csms.mark();
  cp.send('plug 1');
  cp.send(`tag ${idTag} 1`);
  const start = await csms.waitForCall('StartTransaction', () => true, { from: m, timeoutMs: 15000 });
  const txId = start.response.payload && start.response.payload.transactionId;
  t.ok(`transaction ${txId} started on connector 1 (${idTag})`, () => assert.equal(start.response.kind, 'CALLRESULT'));
  return txId;
}

/**
 * The end of a scenario: checks the ledger (options as checkLedger), that the daemon is alive,
 * and that it exits with status 0 on quit without a sanitizer report. Resolves with the ledger.
 */
async function checkAndQuit(t, csms, cp, ledgerOpts = {}) {
  const ledger = await checkLedger(t, csms, cp, ledgerOpts);
  await checkAlive(t, cp, 'the whole scenario');
  const exit = await cp.quit();
  t.ok(`daemon exits cleanly on quit (${JSON.stringify(exit)}), no sanitizer report`, () => {
    assert.equal(exit.code, 0);
    assertNoSanitizerReport(cp, 'at exit');
  });
  return ledger;
}

/** Stops the transaction on connector 1, then checkAndQuit. */
async function stopCheckQuit(t, csms, cp, ledgerOpts = {}) {
  const m = csms.mark();
  cp.send('stop 1');
  await csms.waitForCall('StopTransaction', () => true, { from: m, timeoutMs: 15000, answered: false });
  return checkAndQuit(t, csms, cp, ledgerOpts);
}

module.exports = {
  TX_ACTIONS, OCPPJ16_CODES, assertNoSanitizerReport, assertHealthy, checkAlive, rawCall, sendUnanswered, probe, probe201, checkReusedId, checkBurst, expectAnswer, checkCallError,
  sendTextBytes, wsFrame, sendRawBytes, markBreaking, disconnects, configure, queueDrained, checkLedger, waitStderr, startTransaction, checkAndQuit, stopCheckQuit,
};
