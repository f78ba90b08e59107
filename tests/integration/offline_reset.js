// integration.offline_reset — a transaction started and stopped while the CSMS is unreachable,
// then the daemon is killed (kill -9) and restarted while still offline; when the CSMS comes
// back, StartTransaction and then StopTransaction arrive, the Stop with the id from the Start's
// answer.
//   OCPP 1.6 §3.7 (queue transaction-related messages while offline, chronological order),
//   §4.2 (BootNotification first after the reboot), §6.46 (transactionId).
//   Pitfalls (shared/pitfalls.md): MicroOcpp #454 (only StopTransaction sent, StartTransaction
//   lost), open-ocpp #24/#25, libocpp #495 (queued with transactionId -1).
'use strict';

const { scenario } = require('./lib/harness');

scenario('offline_reset', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair();
  await csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '1' });

  t.step('online: card CARDX presented (authorized), no cable yet');
  let em = cp.mark();
  cp.send('tag CARDX 1');
  const auth = await cp.waitFor((e) => e.event === 'authorize' && e.idTag === 'CARDX', { from: em, timeoutMs: 5000 });
  t.ok(`CARDX ${auth.status}`, () => assert.equal(auth.status, 'Accepted'));

  t.step('CSMS down; plug (transaction starts offline), charge 2 s, stop');
  const outageStart = Date.now();
  await csms.stop();
  await cp.waitFor((e) => e.event === 'disconnected', { from: em, timeoutMs: 5000 });
  em = cp.mark();
  cp.send('plug 1');
  const started = await cp.waitFor((e) => e.event === 'transaction_started', { from: em, timeoutMs: 5000 });
  t.ok(`transaction started offline: txKey ${started.txKey}, idTag ${started.idTag}`, () => assert.equal(started.idTag, 'CARDX'));
  await t.sleep(2200);
  cp.send('stop 1');
  const stopped = await cp.waitFor((e) => e.event === 'transaction_stopped', { from: em, timeoutMs: 3000 });
  t.ok(`stopped offline: transactionId ${stopped.transactionId}, meterStop ${stopped.meterStop}`, () => assert.equal(stopped.transactionId, null));
  const before = await cp.state();
  t.ok(`queue before the kill: ${before.queue} messages`, () => assert.ok(before.queue >= 2));

  t.step('kill -9 while offline, restart on the same DB, still offline');
  await cp.kill9();
  em = cp.mark();
  await cp.start();
  await t.sleep(1000);
  const after = await cp.state();
  t.ok(`after the restart the queue still holds ${after.queue} messages (nothing lost in the kill)`, () => assert.ok(after.queue >= before.queue, `${after.queue} < ${before.queue}`));
  t.ok('no transaction running after the restart', () => after.connectors.forEach((c) => assert.ok(c.transactionId == null && c.txKey == null, JSON.stringify(c))));
  const outageEnd = Date.now();

  t.step('CSMS back');
  const m = csms.mark();
  await csms.start();
  await csms.waitFor(() => csms.find((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'StopTransaction', m).length >= 1,
    { from: m, timeoutMs: 15000, desc: 'StopTransaction.req answered' });
  await t.sleep(1000);
  const calls = csms.find((r) => r.dir === 'in' && r.kind === 'CALL', m);
  t.ok(`first message after reconnect is BootNotification (§4.2): ${calls[0].action}`, () => assert.equal(calls[0].action, 'BootNotification'));
  const tx = calls.filter((r) => ['StartTransaction', 'StopTransaction', 'MeterValues'].includes(r.action));
  t.ok(`transaction messages: ${tx.map((r) => `${r.action}(${r.payload.transactionId ?? r.payload.idTag})`).join(' ')}`, () => assert.ok(tx.length >= 2));
  const starts = tx.filter((r) => r.action === 'StartTransaction');
  const stops = tx.filter((r) => r.action === 'StopTransaction');
  t.ok('exactly one StartTransaction.req (not lost in the reset, MicroOcpp #454) and one StopTransaction.req', () => {
    assert.equal(starts.length, 1);
    assert.equal(stops.length, 1);
  });
  const txId = starts[0].response.payload.transactionId;
  t.ok(`StartTransaction CARDX first, stamped during the outage: ${starts[0].payload.timestamp}`, () => {
    assert.equal(tx[0], starts[0]);
    assert.equal(starts[0].payload.idTag, 'CARDX');
    const ts = Date.parse(starts[0].payload.timestamp);
    assert.ok(ts >= outageStart - 1000 && ts <= outageEnd);
  });
  t.ok(`StopTransaction last, with transactionId ${stops[0].payload.transactionId} = ${txId} from StartTransaction.conf`, () => {
    assert.equal(tx[tx.length - 1], stops[0]);
    assert.equal(stops[0].payload.transactionId, txId);
    assert.equal(stops[0].payload.meterStop, stopped.meterStop);
    assert.ok(stops[0].payload.meterStop >= starts[0].payload.meterStart);
  });
  t.ok('MeterValues in between carry the same transactionId', () => tx.filter((r) => r.action === 'MeterValues').forEach((r) => assert.equal(r.payload.transactionId, txId)));
  const idEv = cp.find((e) => e.event === 'transaction_id', em);
  t.ok(`daemon reports transaction_id ${idEv[0] && idEv[0].transactionId} for txKey ${started.txKey}`, () => {
    assert.equal(idEv.length, 1);
    assert.equal(idEv[0].txKey, started.txKey);
    assert.equal(idEv[0].transactionId, txId);
  });
  const fin = await cp.state();
  t.ok(`queue empty (${fin.queue})`, () => assert.equal(fin.queue, 0));
  cp.send('unplug 1');
  await cp.quit();
}, { timeoutMs: 60000 });
