// OCPP 2.0.1 scenarios: a 2.0.1 CSMS (csms.js with ocpp '2.0.1') and ocpp-chargerd --ocpp 2.0.1.
'use strict';

const assert = require('node:assert/strict');
const { waitQueueEmpty } = require('./tx');

/** Starts ocpp-chargerd in OCPP 2.0.1 mode against `csms` (see T.startChargerd). */
function startStation(t, csms, opts = {}) {
  return t.startChargerd(csms, Object.assign({}, opts, { extraArgs: ['--ocpp', '2.0.1', ...(opts.extraArgs || [])] }));
}

/**
 * A 2.0.1 CSMS and a station, once the station is Accepted and has reported connector 1 of
 * every EVSE. Returns {csms, cp, boot}.
 */
async function bootedStation(t, { csmsOpts = {}, cpOpts = {}, timeoutMs = 15000 } = {}) {
  const csms = await t.startCsms(Object.assign({ ocpp: '2.0.1' }, csmsOpts));
  const cp = await startStation(t, csms, cpOpts);
  const boot = await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs, desc: 'boot Accepted' });
  for (let evse = 1; evse <= cp.o.connectors; evse++) {
    await csms.waitForCall('StatusNotification', (p) => p.evseId === evse && p.connectorId === 1, { timeoutMs });
  }
  return { csms, cp, boot };
}

/** Waits for a StatusNotificationRequest of EVSE `evse` (connector 1) with `status`, from record `from`. */
function statusCall(csms, evse, status, from, timeoutMs = 5000) {
  return csms.waitForCall('StatusNotification',
    (p) => p.evseId === evse && p.connectorId === 1 && p.connectorStatus === status, { from, timeoutMs });
}

/** SetVariables of [component, variable, value] triples; resolves with the attributeStatus of each. */
async function setVariables(csms, items) {
  const r = await csms.call('SetVariables', {
    setVariableData: items.map(([component, variable, attributeValue]) => ({
      component: { name: component }, variable: { name: variable }, attributeValue,
    })),
  });
  return r.setVariableResult.map((x) => x.attributeStatus);
}

/** The TransactionEventRequest records (CALLs) of one transaction, from record `from`, in order. */
function txEvents(csms, transactionId, from = 0) {
  return csms.callsFromCharger('TransactionEvent', from)
    .filter((r) => r.payload.transactionInfo.transactionId === transactionId);
}

/** Waits for a TransactionEventRequest (answered) whose payload satisfies pred, from record `from`. */
function txEvent(csms, pred, from = 0, timeoutMs = 5000) {
  return csms.waitForCall('TransactionEvent', pred, { from, timeoutMs });
}

/** The Energy.Active.Import.Register sampled values of a TransactionEventRequest: [{context, value}]. */
function energySamples(payload) {
  return (payload.meterValue || []).flatMap((mv) => mv.sampledValue)
    .filter((sv) => (sv.measurand || 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register')
    .map((sv) => ({ context: sv.context, value: sv.value }));
}

/** Asserts E01.FR.07: the seqNo of `records` (one transaction, in order) are 0..n-1 without a gap. */
function assertGapless(assert, records) {
  assert.deepEqual(records.map((r) => r.payload.seqNo), records.map((_, i) => i));
}

/** A short text of TransactionEventRequests: "Started/Authorized#0 Updated/...#1 ...". */
function describeTx(records) {
  return records.map((r) => `${r.payload.eventType}/${r.payload.triggerReason}#${r.payload.seqNo}` +
    (r.payload.offline ? '(offline)' : '')).join(' ');
}

/**
 * The transaction ledger of one 2.0.1 transaction, on the CSMS's record (for scenarios where
 * connections break and messages are sent again): once the daemon's queue drained, the distinct
 * seqNo received are 0..n-1, first sent in that order (E04.FR.02: in order), the last send of
 * each acknowledged by a CALLRESULT, every TransactionEvent the daemon reported is among them
 * with the same eventType (none lost), and the last is Ended. Resolves with the records.
 */
async function checkTxLedger(t, csms, cp, transactionId) {
  const st = await waitQueueEmpty(cp);
  const records = txEvents(csms, transactionId);
  const bySeq = new Map();
  for (const r of records) {
    if (!bySeq.has(r.payload.seqNo)) bySeq.set(r.payload.seqNo, []);
    bySeq.get(r.payload.seqNo).push(r);
  }
  const seqs = [...bySeq.keys()];
  const resent = records.length - seqs.length;
  t.ok(`ledger of ${transactionId}: queue ${st.queue}, seqNo 0..${seqs.length - 1} without a gap, first sent in order, each acknowledged (E01.FR.07, E04.FR.02); ${resent} sent again after a broken connection`, () => {
    assert.equal(st.queue, 0);
    assert.deepEqual(seqs, seqs.map((_, i) => i));
    for (const [seqNo, sends] of bySeq) {
      const last = sends[sends.length - 1];
      assert.ok(last.response && last.response.kind === 'CALLRESULT', `seqNo ${seqNo} not acknowledged`);
      sends.forEach((r) => assert.deepEqual(r.payload, sends[0].payload, `seqNo ${seqNo} sent with another content`));
    }
  });
  const produced = cp.find((e) => e.event === 'transaction_event' && e.transactionId === transactionId);
  t.ok(`ledger of ${transactionId}: each of the ${produced.length} TransactionEvents the daemon reported reached the CSMS; the last is Ended`, () => {
    for (const e of produced) {
      const got = bySeq.get(e.seqNo);
      assert.ok(got, `seqNo ${e.seqNo} (${e.eventType}/${e.triggerReason}) lost`);
      assert.equal(got[0].payload.eventType, e.eventType);
    }
    assert.equal(produced.length, seqs.length);
    assert.equal(bySeq.get(seqs.length - 1)[0].payload.eventType, 'Ended');
  });
  return records;
}

module.exports = {
  startStation, bootedStation, statusCall, setVariables, txEvents, txEvent, energySamples, assertGapless,
  describeTx, waitQueueEmpty, checkTxLedger,
};
