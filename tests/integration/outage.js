// integration.outage — the CSMS goes away in the middle of a transaction and comes back on the
// same port. The charger keeps charging; the transaction-related messages it could not send
// are queued and delivered in order afterwards, with the transactionId from
// StartTransaction.conf — also for a transaction that was started and stopped while offline.
//   OCPP 1.6 §3.7 (Transaction-related messages: "When offline, the Charge Point MUST queue any
//   transaction-related messages"; delivered "in chronological order"), §4.7 (MeterValues with
//   the transactionId), §4.8/§4.10, §6.46 (StartTransaction.conf transactionId).
//   Pitfalls (shared/pitfalls.md): transactions queued with transactionId -1; a transaction
//   started and stopped offline losing its StartTransaction.
'use strict';

const { scenario } = require('./lib/harness');
const { waitQueueEmpty } = require('./lib/tx');

const TX_ACTIONS = ['StartTransaction', 'StopTransaction', 'MeterValues'];

function sampleTimes(p) {
  return (p.meterValue || []).map((mv) => Date.parse(mv.timestamp));
}

scenario('outage', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ cpOpts: { connectors: 2 } });

  t.step('online: MeterValueSampleInterval=1, transaction A on connector 1, card CARD2 presented for connector 2');
  const cc = await csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '1' });
  t.ok(`MeterValueSampleInterval=1 -> ${cc.status}`, () => assert.equal(cc.status, 'Accepted'));
  let m = csms.mark();
  let em = cp.mark();
  cp.send('plug 1');
  cp.send('tag CARD1 1');
  const startA = await csms.waitForCall('StartTransaction', (p) => p.connectorId === 1, { from: m });
  const txA = startA.response.payload.transactionId;
  const evA = await cp.waitFor((e) => e.event === 'transaction_id' && e.transactionId === txA, { from: em, timeoutMs: 5000 });
  t.ok(`transaction A: transactionId ${txA}, txKey ${evA.txKey}`, () => assert.equal(evA.connectorId, 1));
  await csms.waitForCall('MeterValues', (p) => p.transactionId === txA, { from: m, timeoutMs: 4000 });
  t.ok('MeterValues for A arrive while online', true);
  // Pre-authorize CARD2 on connector 2 (no cable yet) while online; the cable comes during the outage.
  em = cp.mark();
  cp.send('tag CARD2 2');
  const auth2 = await cp.waitFor((e) => e.event === 'authorize' && e.idTag === 'CARD2', { from: em, timeoutMs: 5000 });
  t.ok(`CARD2 authorized online for connector 2: ${auth2.status}`, () => assert.equal(auth2.status, 'Accepted'));

  // -------------------------------------------------------------------------------------------
  t.step('CSMS outage');
  const outageStart = Date.now();
  em = cp.mark();
  await csms.stop();
  await cp.waitFor((e) => e.event === 'disconnected', { from: em, timeoutMs: 5000 });
  t.ok('daemon reports disconnected', true);
  const s1 = await cp.state();
  await t.sleep(3000);
  const s2 = await cp.state();
  const a1 = s1.connectors.find((c) => c.connectorId === 1);
  const a2 = s2.connectors.find((c) => c.connectorId === 1);
  t.ok(`offline: connected=${s2.connected}; connector 1 ${a2.status}, transactionId ${a2.transactionId}, meter ${a1.meterWh} -> ${a2.meterWh} Wh (keeps charging)`, () => {
    assert.equal(s2.connected, false);
    assert.equal(a2.status, 'Charging');
    assert.equal(a2.transactionId, txA);
    assert.ok(a2.meterWh > a1.meterWh);
  });
  em = cp.mark();
  cp.send('stop 1');
  const stoppedA = await cp.waitFor((e) => e.event === 'transaction_stopped' && e.connectorId === 1, { from: em, timeoutMs: 3000 });
  t.ok(`transaction A stopped offline: ${JSON.stringify(stoppedA)}`, () => {
    assert.equal(stoppedA.transactionId, txA);
    assert.equal(stoppedA.txKey, evA.txKey);
  });

  em = cp.mark();
  cp.send('plug 2');
  const startedB = await cp.waitFor((e) => e.event === 'transaction_started' && e.connectorId === 2, { from: em, timeoutMs: 5000 });
  t.ok(`transaction B started offline on connector 2 (txKey ${startedB.txKey}, idTag ${startedB.idTag})`, () => {
    assert.equal(startedB.idTag, 'CARD2');
    assert.notEqual(startedB.txKey, evA.txKey);
  });
  await t.sleep(2200);
  cp.send('stop 2');
  const stoppedB = await cp.waitFor((e) => e.event === 'transaction_stopped' && e.connectorId === 2, { from: em, timeoutMs: 3000 });
  t.ok(`transaction B stopped offline with no transactionId yet: ${JSON.stringify(stoppedB)}`, () => {
    assert.equal(stoppedB.transactionId, null);
    assert.equal(stoppedB.txKey, startedB.txKey);
  });
  const s3 = await cp.state();
  t.ok(`queue holds the offline transaction messages: ${s3.queue}`, () => assert.ok(s3.queue >= 4, `queue ${s3.queue}`));
  const outageEnd = Date.now();

  // -------------------------------------------------------------------------------------------
  t.step('CSMS back on the same port');
  const port = csms.port;
  m = csms.mark();
  em = cp.mark();
  await csms.start();
  t.ok(`CSMS listening again on port ${csms.port}`, () => assert.equal(csms.port, port));
  await csms.waitForConnection({ from: m, timeoutMs: 8000 });
  t.ok('charger reconnected', true);
  // Wait until both StopTransaction.req (A and B) were answered.
  await csms.waitFor(() => csms.find((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'StopTransaction', m).length >= 2,
    { from: m, timeoutMs: 15000, desc: 'two StopTransaction.req answered after reconnect' });
  const drained = await waitQueueEmpty(cp, 8000);
  t.ok(`daemon queue drained (queue=${drained.queue})`, () => assert.equal(drained.queue, 0));

  const txMsgs = csms.find((r) => r.dir === 'in' && r.kind === 'CALL' && TX_ACTIONS.includes(r.action), m);
  t.ok(`delivered after reconnect: ${txMsgs.map((r) => `${r.action}(${r.payload.transactionId ?? r.payload.idTag})`).join(' ')}`, () => assert.ok(txMsgs.length >= 4));

  const firstTx = txMsgs[0];
  const bootAfter = csms.find((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'BootNotification', m)[0];
  if (bootAfter) {
    t.ok('a BootNotification on reconnect was accepted before any transaction message (§4.2)', () => assert.ok(bootAfter.seq < firstTx.seq));
  }

  // Transaction A: MeterValues sampled during the outage, then its StopTransaction.
  const mvA = txMsgs.filter((r) => r.action === 'MeterValues' && r.payload.transactionId === txA);
  const offlineSamples = mvA.filter((r) => sampleTimes(r.payload).some((x) => x >= outageStart && x <= outageEnd));
  t.ok(`${offlineSamples.length} MeterValues.req for A sampled during the outage were queued and delivered with transactionId ${txA} (§3.7 MUST queue)`,
    () => assert.ok(offlineSamples.length >= 2, `${offlineSamples.length}`));
  const stopsA = csms.callsFromCharger('StopTransaction').filter((r) => r.payload.transactionId === txA);
  t.ok(`exactly one StopTransaction.req for A (${txA})`, () => assert.equal(stopsA.length, 1));
  const stopA = stopsA[0];
  t.ok(`StopTransaction A: meterStop ${stopA.payload.meterStop}, reason ${stopA.payload.reason ?? '(Local)'}; after all of A's MeterValues`, () => {
    assert.ok(stopA.seq > m);
    assert.ok(stopA.payload.reason === undefined || stopA.payload.reason === 'Local');
    assert.equal(stopA.payload.meterStop, stoppedA.meterStop);
    assert.ok(stopA.payload.meterStop >= startA.payload.meterStart);
    for (const r of mvA) assert.ok(r.seq < stopA.seq, 'MeterValues after StopTransaction');
    const lastWh = Math.max(...mvA.flatMap((r) => r.payload.meterValue.flatMap((mv) => mv.sampledValue.map((sv) => Number(sv.value)))));
    assert.ok(stopA.payload.meterStop >= lastWh, `meterStop < last sample ${lastWh}`);
  });

  // Transaction B: StartTransaction, its MeterValues, its StopTransaction with the new id.
  const startsB = txMsgs.filter((r) => r.action === 'StartTransaction');
  t.ok(`exactly one StartTransaction.req for B (connector 2, CARD2): ${startsB.length}`, () => {
    assert.equal(startsB.length, 1);
    assert.equal(startsB[0].payload.connectorId, 2);
    assert.equal(startsB[0].payload.idTag, 'CARD2');
  });
  const startB = startsB[0];
  const txB = startB.response.payload.transactionId;
  t.ok(`B got transactionId ${txB} (A was ${txA})`, () => assert.notEqual(txB, txA));
  t.ok('StartTransaction B comes after StopTransaction A (chronological order, §3.7)', () => assert.ok(startB.seq > stopA.seq));
  t.ok(`StartTransaction B timestamp ${startB.payload.timestamp} is within the outage (the time it started, not the time it was sent)`, () => {
    const ts = Date.parse(startB.payload.timestamp);
    assert.ok(ts >= outageStart - 1000 && ts <= outageEnd + 1000);
  });
  const stopsB = csms.callsFromCharger('StopTransaction', m).filter((r) => r !== stopA);
  t.ok(`exactly one StopTransaction.req for B, with transactionId ${stopsB[0] && stopsB[0].payload.transactionId} = ${txB} from StartTransaction.conf (not -1/0)`, () => {
    assert.equal(stopsB.length, 1);
    assert.equal(stopsB[0].payload.transactionId, txB);
    assert.ok(stopsB[0].seq > startB.seq);
    assert.equal(stopsB[0].payload.meterStop, stoppedB.meterStop);
  });
  const mvB = txMsgs.filter((r) => r.action === 'MeterValues' && r.seq > startB.seq);
  t.ok(`B's ${mvB.length} MeterValues.req all carry ${txB} and sit between its Start and Stop`, () => {
    for (const r of mvB) {
      assert.equal(r.payload.transactionId, txB);
      assert.ok(r.seq < stopsB[0].seq);
    }
  });
  t.ok('all queued transaction messages are in chronological order (timestamps never go back)', () => {
    let last = 0;
    for (const r of txMsgs) {
      const ts = r.action === 'MeterValues' ? Math.min(...sampleTimes(r.payload)) : Date.parse(r.payload.timestamp);
      assert.ok(ts >= last - 1, `${r.action} at ${new Date(ts).toISOString()} before ${new Date(last).toISOString()}`);
      last = Math.max(last, ts);
    }
  });
  const idEvB = cp.find((e) => e.event === 'transaction_id' && e.txKey === startedB.txKey);
  t.ok(`daemon reports transaction_id ${txB} for B's txKey ${startedB.txKey} after reconnect`, () => {
    assert.equal(idEvB.length, 1);
    assert.equal(idEvB[0].transactionId, txB);
  });
  t.ok('every transaction message was answered with a CALLRESULT', () => txMsgs.forEach((r) => assert.equal(r.response && r.response.kind, 'CALLRESULT', r.action)));
  cp.send('unplug 1');
  cp.send('unplug 2');
  await cp.quit();
}, { timeoutMs: 60000 });
