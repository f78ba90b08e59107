// integration.kill9 — the daemon is killed with SIGKILL in the middle of a transaction and
// restarted on the same database: no transaction message is lost, none is duplicated beyond the
// one that was in flight, and the transaction ends with a StopTransaction carrying the right id.
//   OCPP 1.6 §3.7 (transaction-related messages are delivered, in order), §4.2 (a BootNotification
//   at every boot; nothing before it), §4.8/§4.10, §6.46 (transactionId from StartTransaction.conf),
//   §7.36 (Reason, e.g. PowerLoss / Reboot).
//   Pitfalls (shared/pitfalls.md): a duplicate StopTransaction after reboot (libocpp #907; at-least-once
//   only for the one message in flight); the id must be the CSMS's "also when the reply arrives
//   after a restart"; a stale transaction record blocking new transactions (MicroOcpp #298).
'use strict';

const { scenario } = require('./lib/harness');
const { endTransactionAfterRestart } = require('./lib/tx');

scenario('kill9', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair();
  const cc = await csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '1' });
  t.ok(`MeterValueSampleInterval=1 -> ${cc.status}`, () => assert.equal(cc.status, 'Accepted'));

  // -------------------------------------------------------------------------------------------
  t.step('A: transaction confirmed by the CSMS, then kill -9');
  let m = csms.mark();
  let em = cp.mark();
  cp.send('plug 1');
  cp.send('tag CARDA');
  const startA = await csms.waitForCall('StartTransaction', (p) => p.idTag === 'CARDA', { from: m });
  const txA = startA.response.payload.transactionId;
  await cp.waitFor((e) => e.event === 'transaction_id' && e.transactionId === txA, { from: em, timeoutMs: 5000 });
  await csms.waitForCall('MeterValues', (p) => p.transactionId === txA, { from: m, timeoutMs: 4000 });
  await t.sleep(1200);
  await cp.kill9();
  t.ok(`killed with SIGKILL while transaction ${txA} was charging`, true);
  await csms.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 5000 });

  m = csms.mark();
  em = cp.mark();
  await cp.start();
  const conn = await csms.waitForConnection({ from: m, timeoutMs: 8000 });
  const first = await csms.waitFor((r) => r.dir === 'in' && r.kind === 'CALL' && r.conn === conn.conn, { from: m, timeoutMs: 8000, desc: 'first CALL after restart' });
  t.ok(`first message after the restart is BootNotification (§4.2), got ${first.action}`, () => assert.equal(first.action, 'BootNotification'));
  await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { from: em, timeoutMs: 8000 });
  const endA = await endTransactionAfterRestart({ csms, cp, transactionId: txA, connectorId: 1, from: m });
  t.ok(`transaction ${txA} ${endA.mode}: StopTransaction.req ${JSON.stringify(endA.stop.payload)}`, () => {
    assert.equal(endA.stop.payload.transactionId, txA);
    assert.ok(endA.stop.payload.meterStop >= startA.payload.meterStart, 'meterStop >= meterStart');
    if (endA.mode === 'resumed') assert.ok(endA.stop.payload.reason === undefined || endA.stop.payload.reason === 'Local');
  });
  await t.sleep(1500);
  const startsA = csms.callsFromCharger('StartTransaction').filter((r) => r.payload.idTag === 'CARDA');
  t.ok(`StartTransaction for A sent once (it had been confirmed): ${startsA.length}`, () => assert.equal(startsA.length, 1));
  const stopsA = csms.callsFromCharger('StopTransaction').filter((r) => r.payload.transactionId === txA);
  t.ok(`exactly one StopTransaction.req for ${txA} (no duplicate after reboot): ${stopsA.length}`, () => assert.equal(stopsA.length, 1));
  const mvA = csms.callsFromCharger('MeterValues').filter((r) => r.seq > startA.seq && r.payload.connectorId === 1 && r.seq < stopsA[0].seq);
  t.ok(`all ${mvA.length} MeterValues.req of A carry transactionId ${txA}`, () => mvA.forEach((r) => assert.equal(r.payload.transactionId, txA)));
  t.ok('no MeterValues for A after its StopTransaction', () => assert.equal(csms.callsFromCharger('MeterValues', stopsA[0].seq).filter((r) => r.payload.transactionId === txA).length, 0));
  const dupMv = duplicates(csms.callsFromCharger('MeterValues').filter((r) => r.payload.transactionId === txA));
  t.ok(`no MeterValues.req of A delivered and acknowledged twice (${dupMv.join(', ') || 'none'})`, () => assert.equal(dupMv.length, 0));
  const st = await cp.state();
  t.ok(`connector 1 free again (${st.connectors[0].status}, transactionId ${st.connectors[0].transactionId})`, () => assert.ok(st.connectors[0].transactionId == null));
  cp.send('unplug 1');

  // -------------------------------------------------------------------------------------------
  t.step('B: StartTransaction.req in flight (the CSMS does not answer), then kill -9');
  let held = 0;
  csms.setHandler('StartTransaction', (params, ctx) => {
    if (params.idTag === 'CARDB' && held === 0) {
      held++;
      return t.NOREPLY; // the answer is "lost": the daemon dies before it gets one
    }
    return ctx.defaultResponse();
  });
  await t.sleep(300);
  m = csms.mark();
  em = cp.mark();
  cp.send('plug 1');
  cp.send('tag CARDB');
  const heldStart = await csms.waitForCall('StartTransaction', (p) => p.idTag === 'CARDB', { from: m, answered: false });
  await t.sleep(800);
  await cp.kill9();
  t.ok(`killed while StartTransaction.req (id ${heldStart.id}) was unanswered`, true);
  await csms.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 5000 });

  m = csms.mark();
  em = cp.mark();
  await cp.start();
  await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { from: em, timeoutMs: 8000 });
  const reStart = await csms.waitForCall('StartTransaction', (p) => p.idTag === 'CARDB', { from: m, timeoutMs: 10000 });
  t.ok(`the unanswered StartTransaction.req is sent again after the restart, same content: ${JSON.stringify(reStart.payload)}`, () => {
    assert.deepEqual(reStart.payload, heldStart.payload);
  });
  const txB = reStart.response.payload.transactionId;
  const idEv = await cp.waitFor((e) => e.event === 'transaction_id' && e.transactionId === txB, { from: em, timeoutMs: 5000 });
  t.ok(`daemon took transactionId ${txB} from the answer that arrived after the restart (txKey ${idEv.txKey})`, true);
  const endB = await endTransactionAfterRestart({ csms, cp, transactionId: txB, connectorId: 1, from: m });
  t.ok(`transaction ${txB} ${endB.mode}: StopTransaction.req transactionId ${endB.stop.payload.transactionId}`, () => {
    assert.equal(endB.stop.payload.transactionId, txB);
    assert.ok(endB.stop.payload.meterStop >= heldStart.payload.meterStart);
  });
  await t.sleep(1000);
  const startsB = csms.callsFromCharger('StartTransaction').filter((r) => r.payload.idTag === 'CARDB');
  t.ok(`StartTransaction for B sent ${startsB.length} times: the unanswered one and its one repetition (only the message in flight may repeat)`, () => assert.equal(startsB.length, 2));
  const stopsB = csms.callsFromCharger('StopTransaction').filter((r) => r.seq > heldStart.seq);
  t.ok(`exactly one StopTransaction.req after B's start, with ${txB} (not -1, not the unanswered call): ${JSON.stringify(stopsB.map((r) => r.payload.transactionId))}`,
    () => assert.deepEqual(stopsB.map((r) => r.payload.transactionId), [txB]));
  const mvB = csms.callsFromCharger('MeterValues', heldStart.seq).filter((r) => r.payload.connectorId === 1);
  t.ok(`B's ${mvB.length} MeterValues.req carry ${txB}`, () => mvB.forEach((r) => assert.equal(r.payload.transactionId, txB)));

  // -------------------------------------------------------------------------------------------
  t.step('after both: a new transaction starts normally (no stale record blocks it)');
  csms.setHandler('StartTransaction', null);
  cp.send('unplug 1');
  await t.sleep(300);
  m = csms.mark();
  cp.send('plug 1');
  cp.send('tag CARDC');
  const startC = await csms.waitForCall('StartTransaction', (p) => p.idTag === 'CARDC', { from: m });
  t.ok(`StartTransaction CARDC -> ${startC.response.payload.transactionId}`, () => assert.equal(startC.response.kind, 'CALLRESULT'));
  m = csms.mark();
  cp.send('unplug 1');
  const stopC = await csms.waitForCall('StopTransaction', () => true, { from: m });
  t.ok('and stops with its own transactionId', () => assert.equal(stopC.payload.transactionId, startC.response.payload.transactionId));
  await cp.quit();
}, { timeoutMs: 60000 });

// MeterValues payloads (by content) that were acknowledged more than once.
function duplicates(records) {
  const seen = new Map();
  const dups = [];
  for (const r of records) {
    if (!r.response || r.response.kind !== 'CALLRESULT') continue;
    const k = JSON.stringify(r.payload);
    if (seen.has(k)) dups.push(r.payload.meterValue.map((mv) => mv.timestamp).join('/'));
    seen.set(k, true);
  }
  return dups;
}
