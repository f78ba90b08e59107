// integration.core_actions — the rest of the Core profile against the strict CSMS.
//   OCPP 1.6 §5.2 (Change Availability: Accepted / Scheduled while a transaction runs, connector 0
//   = the whole charge point), §4.9 (StatusNotification Unavailable), §5.6 + §4.3 (DataTransfer:
//   UnknownVendorId without data when nobody handles the vendorId), §5.14 + errata 3.36 (Reset:
//   StopTransaction.req for every ongoing transaction, reason SoftReset §7.36), §5.18 + errata 3.85
//   (UnlockConnector: unknown connector NotSupported; a running transaction is finished first,
//   reason UnlockCommand).
//   Reset: a daemon with an execute_reset hook exits after the StopTransaction.conf and is started
//   again on its database; one without keeps running. UnlockConnector: whatever the daemon's hook
//   answers (NotSupported without one).
'use strict';

const { scenario } = require('./lib/harness');

scenario('core_actions', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ cpOpts: { connectors: 2 } });

  // Starts a session on connector n with idTag and returns its transactionId.
  async function session(n, idTag) {
    const m = csms.mark();
    const em = cp.mark();
    cp.send(`plug ${n}`);
    cp.send(`tag ${idTag} ${n}`);
    const start = await csms.waitForCall('StartTransaction', (p) => p.connectorId === n, { from: m });
    const txId = start.response.payload.transactionId;
    await cp.waitFor((e) => e.event === 'transaction_id' && e.transactionId === txId, { from: em, timeoutMs: 5000 });
    return txId;
  }

  // -------------------------------------------------------------------------------------------
  t.step('ChangeAvailability connector 1 Inoperative, then Operative');
  let m = csms.mark();
  let ca = await csms.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' });
  t.ok(`ChangeAvailability 1 Inoperative -> ${ca.status} (§5.2)`, () => assert.equal(ca.status, 'Accepted'));
  await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Unavailable', { from: m });
  t.ok('StatusNotification connector 1 Unavailable (§4.9)', true);
  m = csms.mark();
  const rs = await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE1' });
  t.ok(`RemoteStartTransaction on the Unavailable connector -> ${rs.status}`, () => assert.equal(rs.status, 'Rejected'));
  m = csms.mark();
  ca = await csms.call('ChangeAvailability', { connectorId: 1, type: 'Operative' });
  t.ok(`ChangeAvailability 1 Operative -> ${ca.status}`, () => assert.equal(ca.status, 'Accepted'));
  await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available', { from: m });
  t.ok('StatusNotification connector 1 Available', true);

  t.step('ChangeAvailability connector 0 Inoperative: the charge point and every connector');
  m = csms.mark();
  ca = await csms.call('ChangeAvailability', { connectorId: 0, type: 'Inoperative' });
  t.ok(`ChangeAvailability 0 Inoperative -> ${ca.status} (§5.2)`, () => assert.equal(ca.status, 'Accepted'));
  for (const c of [0, 1, 2]) {
    await csms.waitForCall('StatusNotification', (p) => p.connectorId === c && p.status === 'Unavailable', { from: m });
  }
  t.ok('StatusNotification Unavailable for connectors 0, 1 and 2', true);
  m = csms.mark();
  ca = await csms.call('ChangeAvailability', { connectorId: 0, type: 'Operative' });
  t.ok(`ChangeAvailability 0 Operative -> ${ca.status}`, () => assert.equal(ca.status, 'Accepted'));
  for (const c of [0, 1, 2]) {
    await csms.waitForCall('StatusNotification', (p) => p.connectorId === c && p.status === 'Available', { from: m });
  }
  t.ok('StatusNotification Available for connectors 0, 1 and 2', true);

  // -------------------------------------------------------------------------------------------
  t.step('ChangeAvailability during a transaction: Scheduled, Unavailable after the stop');
  const tx1 = await session(1, 'CARD1');
  m = csms.mark();
  ca = await csms.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' });
  t.ok(`ChangeAvailability 1 Inoperative while charging -> ${ca.status} (§5.2 Scheduled)`, () => assert.equal(ca.status, 'Scheduled'));
  await t.sleep(700);
  t.ok('no StatusNotification Unavailable while the transaction runs', () => {
    assert.equal(csms.callsFromCharger('StatusNotification', m).filter((c) => c.payload.status === 'Unavailable').length, 0);
  });
  cp.send('unplug 1');
  const stop1 = await csms.waitForCall('StopTransaction', (p) => p.transactionId === tx1, { from: m });
  t.ok(`StopTransaction ${tx1} reason ${stop1.payload.reason}`, () => assert.equal(stop1.payload.reason, 'EVDisconnected'));
  const un = await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Unavailable', { from: m });
  t.ok('then StatusNotification connector 1 Unavailable (the Scheduled change happened)', () => assert.ok(un.seq > stop1.seq));
  m = csms.mark();
  ca = await csms.call('ChangeAvailability', { connectorId: 1, type: 'Operative' });
  t.ok(`ChangeAvailability 1 Operative -> ${ca.status}`, () => assert.equal(ca.status, 'Accepted'));
  await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available', { from: m });
  t.ok('StatusNotification connector 1 Available again', true);

  t.step('invalid ChangeAvailability payload');
  m = csms.mark();
  csms.sendRaw('[2,"ca-foo","ChangeAvailability",{"connectorId":1,"type":"Foo"}]');
  const bad = await csms.waitForReplyTo('ca-foo', { from: m, timeoutMs: 5000 });
  t.ok(`ChangeAvailability type "Foo" -> ${bad.kind} ${bad.errorCode} (OCPP-J §4.2.3: value not in the enum)`, () => {
    assert.equal(bad.kind, 'CALLERROR');
    assert.equal(bad.errorCode, 'PropertyConstraintViolation');
  });

  // -------------------------------------------------------------------------------------------
  t.step('DataTransfer from the CSMS: nobody handles the vendorId');
  const dt = await csms.call('DataTransfer', { vendorId: 'com.example.unknown', messageId: 'hello', data: 'x' });
  t.ok(`DataTransfer -> ${JSON.stringify(dt)} (§4.3 UnknownVendorId, no data)`, () => {
    assert.equal(dt.status, 'UnknownVendorId');
    assert.equal(dt.data, undefined);
  });

  // -------------------------------------------------------------------------------------------
  t.step('UnlockConnector');
  const u0 = await csms.call('UnlockConnector', { connectorId: 3 });
  t.ok(`UnlockConnector unknown connector 3 -> ${u0.status} (errata 3.85)`, () => assert.equal(u0.status, 'NotSupported'));
  const tx2 = await session(2, 'CARD2');
  m = csms.mark();
  const u2 = await csms.call('UnlockConnector', { connectorId: 2 });
  t.ok(`UnlockConnector 2 during a transaction -> ${u2.status}`, () => assert.ok(['Unlocked', 'UnlockFailed', 'NotSupported'].includes(u2.status)));
  const stop2 = await csms.waitForCall('StopTransaction', (p) => p.transactionId === tx2, { from: m });
  t.ok(`the transaction was finished first: StopTransaction ${tx2} reason ${stop2.payload.reason} (§5.18)`,
    () => assert.equal(stop2.payload.reason, 'UnlockCommand'));
  cp.send('unplug 2');

  // -------------------------------------------------------------------------------------------
  t.step('Reset Soft during a transaction');
  const tx3 = await session(1, 'CARD3');
  m = csms.mark();
  let em = cp.mark();
  const rr = await csms.call('Reset', { type: 'Soft' });
  t.ok(`Reset Soft -> ${rr.status} (§5.14)`, () => assert.equal(rr.status, 'Accepted'));
  const stop3 = await csms.waitForCall('StopTransaction', (p) => p.transactionId === tx3, { from: m });
  t.ok(`StopTransaction ${tx3} reason ${stop3.payload.reason}, sent before the restart (errata 3.36)`,
    () => assert.equal(stop3.payload.reason, 'SoftReset'));

  // A daemon with an execute_reset hook restarts (it exits and is started again on its
  // database); one without it keeps running.
  const executed = await cp.waitFor((e) => e.event === 'reset', { from: em, timeoutMs: 3000 }).catch(() => null);
  if (executed) {
    const exit = await Promise.race([cp.exited, t.sleep(5000).then(() => null)]);
    t.ok(`execute_reset ran after the StopTransaction.conf; the daemon exited (${JSON.stringify(exit)})`, () => assert.ok(exit));
    m = csms.mark();
    em = cp.mark();
    await cp.start();
    await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { from: em, timeoutMs: 15000 });
    await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1, { from: m });
    await t.sleep(1000);
    t.ok('after the restart: BootNotification, no second StopTransaction (it was confirmed)', () => {
      assert.equal(csms.callsFromCharger('BootNotification', m).length, 1);
      assert.equal(csms.callsFromCharger('StopTransaction', m).length, 0);
    });
    const st = await cp.state();
    t.ok(`no transaction is running after the restart, queue ${st.queue}`, () => {
      assert.ok(st.connectors.every((c) => c.txKey === null));
      assert.equal(st.queue, 0);
    });
  } else {
    t.ok('the daemon has no execute_reset hook: it keeps running', () => assert.ok(cp.child));
    cp.send('unplug 1');
  }

  await t.sleep(500);
  t.ok('no schema violation at the CSMS', () => assert.equal(csms.violations.length, 0));
  await cp.quit();
}, { timeoutMs: 60000 });
