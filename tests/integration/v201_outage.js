// integration.v201_outage — transactions of ocpp-chargerd --ocpp 2.0.1 survive an outage of the
// CSMS and a kill -9 of the daemon: every TransactionEventRequest goes through the durable outbox.
//   A: the CSMS goes away mid-transaction; the periodic meter values and the Ended of the unplug
//      are produced offline, then delivered in order once it is back, flagged offline.
//   B: with the CSMS away, the daemon is killed with SIGKILL mid-transaction and restarted on the
//      same database: the queued events are delivered, then an Ended with stoppedReason PowerLoss.
//   OCPP 2.0.1 part 2: E04.FR.01 / E12.FR.01 (queue when offline), E04.FR.03 / E12.FR.02 (offline
//   flag), E01.FR.07 (seqNo without gaps), E12.FR.03 (periodic meter values queued), E06
//   (stoppedReason PowerLoss after a power cut), E04.FR.02 (in order after reconnect).
'use strict';

const { scenario } = require('./lib/harness');
const { waitQueueEmpty } = require('./lib/tx');
const {
  bootedStation, setVariables, txEvents, txEvent, energySamples, assertGapless, describeTx,
} = require('./lib/v201');

scenario('v201_outage', async (t) => {
  const { assert } = t;
  const { csms, cp } = await bootedStation(t, { cpOpts: { power: 0 } });
  const set = await setVariables(csms, [['SampledDataCtrlr', 'TxUpdatedInterval', '1']]);
  t.ok(`SampledDataCtrlr.TxUpdatedInterval=1 -> ${set}`, () => assert.deepEqual(set, ['Accepted']));

  /** Starts a transaction online with card `tag`, waits for an answered periodic event; returns its id. */
  async function chargeOnline(tag) {
    const m = csms.mark();
    cp.send('plug 1');
    cp.send(`tag ${tag}`);
    const started = await txEvent(csms, (p) => p.eventType === 'Started' && p.idToken.idToken === tag, m);
    const id = started.payload.transactionInfo.transactionId;
    // Right after an answered periodic event nothing is in flight for about a second.
    await txEvent(csms, (p) => p.transactionInfo.transactionId === id && p.triggerReason === 'MeterValuePeriodic', m, 3000);
    return id;
  }

  /** Stops the CSMS and waits until the daemon saw the connection go. */
  async function outage() {
    const em = cp.mark();
    await csms.stop();
    await cp.waitFor((e) => e.event === 'disconnected', { from: em, timeoutMs: 5000 });
  }

  // ---------------------------------------------------------------------------------------
  t.step('A: transaction online, then the CSMS goes away');
  cp.send('meter 1 1000');
  const txA = await chargeOnline('CARD-A');
  t.ok(`transaction A ${txA} started online, periodic meter values flowing`, true);
  await outage();
  let em = cp.mark();
  cp.send('meter 1 1700');
  await t.sleep(2200);
  cp.send('unplug 1');
  const endedA = await cp.waitFor({ event: 'transaction_event', eventType: 'Ended', transactionId: txA }, { from: em });
  const offlineA = cp.find((e) => e.event === 'transaction_event' && e.transactionId === txA, em);
  t.ok(`E04.FR.01: produced offline: ${offlineA.map((e) => `${e.eventType}/${e.triggerReason}#${e.seqNo}`).join(' ')}, all offline=true`, () => {
    assert.ok(offlineA.length >= 2, `${offlineA.length} events`);
    offlineA.forEach((e) => assert.equal(e.offline, true));
    assert.equal(endedA.stoppedReason, 'EVDisconnected');
  });
  const queued = await cp.state();
  t.ok(`the daemon queues them: queue ${queued.queue}`, () => assert.ok(queued.queue >= offlineA.length));

  t.step('A: the CSMS is back: everything delivered in order, flagged offline, seqNo gapless');
  let m = csms.mark();
  await csms.start();
  await csms.waitForConnection({ from: m, timeoutMs: 8000 });
  await txEvent(csms, (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txA, m, 10000);
  const drained = await waitQueueEmpty(cp);
  t.ok(`queue drained: ${drained.queue}`, () => assert.equal(drained.queue, 0));
  const allA = txEvents(csms, txA);
  const afterA = allA.filter((r) => r.seq > m);
  t.ok(`E01.FR.07 E04.FR.02: ${describeTx(allA)}`, () => {
    assertGapless(assert, allA);
    assert.deepEqual(afterA.map((r) => r.payload.seqNo), offlineA.map((e) => e.seqNo));
  });
  t.ok(`E04.FR.03: the ${afterA.length} delivered after the outage are offline=true, the ${allA.length - afterA.length} before it not`, () => {
    afterA.forEach((r) => assert.equal(r.payload.offline, true));
    allA.filter((r) => r.seq < m).forEach((r) => assert.ok(!r.payload.offline));
  });
  const offlinePeriodic = afterA.filter((r) => r.payload.triggerReason === 'MeterValuePeriodic');
  t.ok(`E12.FR.03: ${offlinePeriodic.length} periodic meter values sampled offline, with the reading of \`meter\`: ${offlinePeriodic.map((r) => JSON.stringify(energySamples(r.payload)))}`, () => {
    assert.ok(offlinePeriodic.length >= 1);
    assert.ok(offlinePeriodic.some((r) => energySamples(r.payload).some((s) => s.value === 1700)));
  });
  t.ok('each delivered after the outage was answered', () => afterA.forEach((r) => assert.equal(r.response.kind, 'CALLRESULT')));

  // ---------------------------------------------------------------------------------------
  t.step('B: transaction online, the CSMS goes away, kill -9 of the daemon');
  const txB = await chargeOnline('CARD-B');
  t.ok(`transaction B ${txB} started online`, () => assert.notEqual(txB, txA));
  await outage();
  em = cp.mark();
  cp.send('meter 1 2500');
  cp.send('suspend 1');
  await cp.waitFor((e) => e.event === 'transaction_event' && e.transactionId === txB && e.triggerReason === 'MeterValuePeriodic',
    { from: em, timeoutMs: 3000 });
  const beforeKill = cp.find((e) => e.event === 'transaction_event' && e.transactionId === txB, em);
  const queuedB = await cp.state();
  await cp.kill9();
  t.ok(`killed with SIGKILL, ${queuedB.queue} events queued offline: ${beforeKill.map((e) => `${e.triggerReason}#${e.seqNo}`).join(' ')}`,
    () => assert.ok(queuedB.queue >= 2));

  em = cp.mark();
  await cp.start();
  const endedB = await cp.waitFor({ event: 'transaction_event', eventType: 'Ended', transactionId: txB }, { from: em, timeoutMs: 5000 });
  t.ok(`restarted on the same database with the CSMS still away: B ends with ${endedB.stoppedReason}, seqNo ${endedB.seqNo}, offline ${endedB.offline}`, () => {
    assert.equal(endedB.stoppedReason, 'PowerLoss');
    assert.equal(endedB.offline, true);
    assert.equal(endedB.seqNo, beforeKill[beforeKill.length - 1].seqNo + 1);
  });

  t.step('B: the CSMS is back: nothing lost, then Ended PowerLoss, seqNo gapless');
  m = csms.mark();
  await csms.start();
  await txEvent(csms, (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txB, m, 10000);
  const drainedB = await waitQueueEmpty(cp);
  t.ok(`queue drained: ${drainedB.queue}`, () => assert.equal(drainedB.queue, 0));
  const allB = txEvents(csms, txB);
  const afterB = allB.filter((r) => r.seq > m);
  t.ok(`E01.FR.07: ${describeTx(allB)}`, () => assertGapless(assert, allB));
  t.ok(`every event produced before the kill was delivered after it (seqNo ${beforeKill.map((e) => e.seqNo)}), offline=true`, () => {
    const delivered = afterB.map((r) => r.payload.seqNo);
    beforeKill.forEach((e) => assert.ok(delivered.includes(e.seqNo), `seqNo ${e.seqNo} lost`));
    afterB.forEach((r) => assert.equal(r.payload.offline, true));
  });
  const last = allB[allB.length - 1].payload;
  t.ok(`the last is Ended ${last.triggerReason} / ${last.transactionInfo.stoppedReason}`, () => {
    assert.equal(last.eventType, 'Ended');
    assert.equal(last.transactionInfo.stoppedReason, 'PowerLoss');
  });
  await cp.quit();
}, { timeoutMs: 50000 });
