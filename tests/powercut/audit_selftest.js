#!/usr/bin/env node
// The audit of the power-cut campaign must see what it is there to see: a clean exchange passes,
// and each kind of damage (a lost StopTransaction, MeterValues after the Stop, a resend of a
// message that was not in flight, a stale transactionId, an acknowledged stop that never
// arrived, a transaction running again after its stop) is reported under its kind.
'use strict';

const assert = require('node:assert/strict');
const { audit } = require('./audit');

const T0 = Date.parse('2025-01-01T10:00:00.000Z');
const iso = (s) => new Date(T0 + s * 1000).toISOString();

// Builds CSMS records: connections, the daemon's CALLs and the CSMS's answers.
class Log {
  constructor() {
    this.records = [];
    this.conn = 0;
    this.t = T0;
    this.ids = 0;
    this.nextTx = 1001;
  }
  push(r) {
    this.t += 10;
    this.records.push(Object.assign({ seq: this.records.length, t: this.t }, r));
  }
  connect() {
    this.conn++;
    this.push({ kind: 'CONNECTED', dir: '', conn: this.conn });
    this.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }, { status: 'Accepted' });
    return this;
  }
  disconnect() {
    this.push({ kind: 'DISCONNECTED', dir: '', conn: this.conn });
    return this;
  }
  // A CALL of the daemon; `answer` undefined: no answer (in flight when the connection ends).
  call(action, payload, answer) {
    const id = `m${++this.ids}`;
    this.push({ kind: 'CALL', dir: 'in', conn: this.conn, id, action, payload });
    if (answer !== undefined) this.push({ kind: 'CALLRESULT', dir: 'out', conn: this.conn, id, action, payload: answer });
    return this;
  }
  start(connectorId, idTag, s, { answered = true } = {}) {
    const payload = { connectorId, idTag, meterStart: 100, timestamp: iso(s) };
    return this.call('StartTransaction', payload, answered ? { transactionId: this.nextTx++, idTagInfo: { status: 'Accepted' } } : undefined);
  }
  mv(connectorId, transactionId, s, wh, { answered = true } = {}) {
    const payload = { connectorId, transactionId, meterValue: [{ timestamp: iso(s), sampledValue: [{ value: String(wh) }] }] };
    return this.call('MeterValues', payload, answered ? {} : undefined);
  }
  stop(transactionId, s, reason, { answered = true, meterStop = 200 } = {}) {
    const payload = { transactionId, meterStop, timestamp: iso(s), reason };
    return this.call('StopTransaction', payload, answered ? {} : undefined);
  }
}

// Two transactions on two connectors, overlapping; the Stop of the first in flight when the
// daemon is killed, sent again after the restart.
function cleanLog() {
  return new Log().connect()
    .start(1, 'A', 1)
    .start(2, 'B', 1.5)
    .mv(1, 1001, 2, 120)
    .mv(2, 1002, 2.5, 130)
    .mv(1, 1001, 3, 150)
    .stop(1001, 4, 'EVDisconnected', { answered: false })
    .disconnect()
    .connect()
    .stop(1001, 4, 'EVDisconnected')
    .stop(1002, 5, 'Local');
}

function cleanFacts() {
  return {
    started: [
      { txKey: 1, connectorId: 1, idTag: 'A', meterStart: 100 },
      { txKey: 2, connectorId: 2, idTag: 'B', meterStart: 100 },
    ],
    confirmed: [{ txKey: 1, transactionId: 1001 }, { txKey: 2, transactionId: 1002 }],
    stopped: [{ txKey: 1, connectorId: 1, transactionId: 1001, reason: 'EVDisconnected', meterStop: 200, t: T0 + 4100 }],
    ackedStops: [{
      connectorId: 1, txKey: 1, command: 'unplug 1', expectReason: 'EVDisconnected', tSend: T0 + 3999, tAck: T0 + 4001,
    }],
    snapshots: [{ tSend: T0 + 3500, connectors: [{ connectorId: 1, txKey: 1 }, { connectorId: 2, txKey: 2 }] }],
  };
}

const kinds = (res) => res.violations.map((v) => v.kind);
let checks = 0;
function check(name, records, facts, expectKind) {
  const res = audit(records, facts);
  if (expectKind === null) {
    assert.deepEqual(res.violations, [], `${name}: expected no violation`);
  } else {
    assert.ok(kinds(res).includes(expectKind), `${name}: expected a '${expectKind}' violation, got ${JSON.stringify(res.violations, null, 1)}`);
  }
  checks++;
  process.stdout.write(`ok ${checks} - ${name}${expectKind ? ` -> ${expectKind}: ${res.violations.find((v) => v.kind === expectKind).message.slice(0, 110)}` : ''}\n`);
  return res;
}

const clean = check('a clean exchange with one in-flight resend passes', cleanLog().records, cleanFacts(), null);
assert.equal(clean.stats.transactions, 2);
assert.equal(clean.stats.messages, 7);
assert.equal(clean.stats.duplicates, 1);

// Lost: the Stop of B never arrives.
{
  const log = cleanLog();
  log.records = log.records.filter((r) => !(r.action === 'StopTransaction' && r.payload && r.payload.transactionId === 1002));
  check('a transaction without StopTransaction', log.records, cleanFacts(), 'lost');
}
// Lost: an acknowledged stop whose StopTransaction is not stamped within its call.
{
  const f = cleanFacts();
  f.ackedStops[0].tSend = T0 + 4500;
  f.ackedStops[0].tAck = T0 + 4600;
  check('an acknowledged stop with no StopTransaction in its interval', cleanLog().records, f, 'lost');
}
// Lost: a transaction_started whose StartTransaction never came.
{
  const f = cleanFacts();
  f.started.push({ txKey: 3, connectorId: 1, idTag: 'C', meterStart: 200 });
  check('a started transaction the CSMS never heard of', cleanLog().records, f, 'lost');
}
// Lost: a message cut in flight and never sent again.
{
  const log = new Log().connect().start(1, 'A', 1).mv(1, 1001, 2, 120, { answered: false }).disconnect()
    .connect().stop(1001, 4, 'Local');
  check('a MeterValues in flight at a kill and not sent again', log.records, {}, 'lost');
}
// Reordered: MeterValues after the StopTransaction.
{
  const log = new Log().connect().start(1, 'A', 1).stop(1001, 4, 'Local').mv(1, 1001, 2, 120);
  check('MeterValues after their StopTransaction', log.records, {}, 'reordered');
}
// Reordered: MeterValues out of timestamp order.
{
  const log = new Log().connect().start(1, 'A', 1).mv(1, 1001, 3, 150).mv(1, 1001, 2, 120).stop(1001, 4, 'Local');
  check('MeterValues out of timestamp order', log.records, {}, 'reordered');
}
// Reordered: a connector's next Start before the previous transaction's Stop.
{
  const log = new Log().connect().start(1, 'A', 1).start(1, 'B', 5).stop(1001, 4, 'Local').stop(1002, 6, 'Local');
  check('the next StartTransaction before the StopTransaction of the one before', log.records, {}, 'reordered');
}
// Duplicate: a resend of a message that was acknowledged long before its connection ended.
{
  const log = new Log().connect().start(1, 'A', 1).mv(1, 1001, 2, 120);
  log.t += 10000;
  log.disconnect().connect().mv(1, 1001, 2, 120).stop(1001, 4, 'Local');
  check('a resend of a message acknowledged 10 s before the connection ended', log.records, {}, 'duplicate');
}
// Duplicate: a resend of a message that was not the last on its connection.
{
  const log = new Log().connect().start(1, 'A', 1).mv(1, 1001, 2, 120, { answered: false }).mv(1, 1001, 3, 150)
    .disconnect().connect().mv(1, 1001, 2, 120).stop(1001, 4, 'Local');
  check('a resend of a message that was not in flight', log.records, {}, 'duplicate');
}
// Duplicate: two different StopTransactions for one transaction.
{
  const log = new Log().connect().start(1, 'A', 1).stop(1001, 4, 'Local').stop(1001, 6, 'PowerLoss');
  check('two StopTransactions for one transaction', log.records, {}, 'duplicate');
}
// Id: the StopTransaction carries the id of a copy of the Start the daemon did not keep.
{
  const log = new Log().connect().start(1, 'A', 1).disconnect().connect().start(1, 'A', 1).stop(1001, 4, 'Local');
  check('a StopTransaction with the id of a superseded answer', log.records, {}, 'id');
}
// Id: an id the CSMS never gave.
{
  const log = new Log().connect().start(1, 'A', 1).stop(4242, 4, 'Local');
  check('a StopTransaction with an unknown transactionId', log.records, {}, 'id');
}
// Stale: a transaction stopped (acknowledged) runs again in a later status.
{
  const f = cleanFacts();
  f.snapshots.push({ tSend: T0 + 9000, connectors: [{ connectorId: 1, txKey: 1 }] });
  check('a transaction running again after its acknowledged stop', cleanLog().records, f, 'stale');
}
// Content: the acknowledged stop was an unplug, the CSMS got another reason.
{
  const f = cleanFacts();
  f.ackedStops[0].expectReason = 'Local';
  check('an acknowledged stop arriving with another reason', cleanLog().records, f, 'content');
}
// Meter: a reading going backwards.
{
  const log = new Log().connect().start(1, 'A', 1).mv(1, 1001, 2, 150).mv(1, 1001, 3, 120).stop(1001, 4, 'Local');
  check('an energy reading going backwards', log.records, {}, 'meter');
}

// Reordered: after a restart, a status report goes out before a StopTransaction queued earlier.
{
  const log = new Log().connect().start(1, 'A', 1).disconnect().connect();
  log.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: iso(9) }, {});
  log.stop(1001, 4, 'EVDisconnected');
  check('a status report before a StopTransaction produced earlier', log.records, {}, 'reordered');
}
// Reordered: the same 100 ms apart, but by two runs of the daemon (restarted at 4.2 s).
{
  const log = new Log().connect().start(1, 'A', 1).disconnect().connect();
  log.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: iso(4.3) }, {});
  log.stop(1001, 4.2, 'EVDisconnected');
  check('a status report of a new run before a message of the run before', log.records, {}, null);
  check('... reported once the restart is known', log.records, { runs: [{ t: T0 }, { t: T0 + 4250 }] }, 'reordered');
}
// Reordered: a message of the earlier run after one of the new run, however close.
{
  const log = new Log().connect().start(1, 'A', 1).disconnect().connect().start(2, 'B', 4.3).stop(1001, 4.2, 'Local')
    .stop(1002, 5, 'Local');
  check('a StopTransaction of the earlier run after a StartTransaction of the new run', log.records, { runs: [{ t: T0 }, { t: T0 + 4250 }] }, 'reordered');
}

// transactionData: consistent, then a sample missing that a MeterValues carried.
{
  const data = (samples) => [
    { timestamp: iso(1), sampledValue: [{ value: '100', context: 'Transaction.Begin' }] },
    ...samples.map(([s, wh]) => ({ timestamp: iso(s), sampledValue: [{ value: String(wh), context: 'Sample.Periodic' }] })),
    { timestamp: iso(4), sampledValue: [{ value: '200', context: 'Transaction.End' }] },
  ];
  const build = (samples) => {
    const log = new Log().connect().start(1, 'A', 1).mv(1, 1001, 2, 120).mv(1, 1001, 3, 150);
    log.call('StopTransaction', { transactionId: 1001, meterStop: 200, timestamp: iso(4), reason: 'Local', transactionData: data(samples) }, {});
    return log.records;
  };
  check('transactionData with every sample', build([[2, 120], [2.5, 130], [3, 150]]), {}, null);
  check('transactionData without the sample of a MeterValues', build([[2, 120]]), {}, 'transactionData');
}

process.stdout.write(`PASS powercut.audit_selftest: ${checks} checks\n`);
