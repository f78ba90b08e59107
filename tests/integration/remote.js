// integration.remote — RemoteStartTransaction / RemoteStopTransaction.
//   OCPP 1.6 §5.11 (Remote Start Transaction, AuthorizeRemoteTxRequests), §5.12 (Remote Stop
//   Transaction: "equal to a local action", StopTransaction.req follows), §6.33
//   (RemoteStartTransaction.req: "connectorId SHALL be > 0"), §3.8 (connector numbering),
//   §7.36 (Reason Remote), §9.1.3 (AuthorizeRemoteTxRequests).
//   Pitfall (shared/pitfalls.md): RemoteStartTransaction with connectorId 0 must be rejected.
'use strict';

const { scenario } = require('./lib/harness');

scenario('remote', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ cpOpts: { connectors: 2 } });

  const gc = await csms.call('GetConfiguration', { key: ['AuthorizeRemoteTxRequests'] });
  const artr = (gc.configurationKey || []).find((k) => k.key === 'AuthorizeRemoteTxRequests');
  t.ok(`AuthorizeRemoteTxRequests is reported (§9.1.3): ${artr && artr.value}`, () => assert.ok(artr && /^(true|false)$/i.test(artr.value)));
  const authorizeFirst = artr.value.toLowerCase() === 'true';

  // -------------------------------------------------------------------------------------------
  t.step('cable on connector 1, RemoteStartTransaction connector 1 idTag REMOTE1');
  let m = csms.mark();
  let em = cp.mark();
  cp.send('plug 1');
  await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Preparing', { from: m });
  const rs = await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE1' });
  t.ok(`RemoteStartTransaction.conf ${rs.status} (§5.11)`, () => assert.equal(rs.status, 'Accepted'));
  const rsEv = await cp.waitFor((e) => e.event === 'remote_start', { from: em, timeoutMs: 3000 });
  t.ok(`daemon reports remote_start ${JSON.stringify(rsEv)}`, () => assert.deepEqual([rsEv.connectorId, rsEv.idTag, rsEv.status], [1, 'REMOTE1', 'Accepted']));
  const start = await csms.waitForCall('StartTransaction', () => true, { from: m });
  t.ok(`StartTransaction.req connector ${start.payload.connectorId} idTag ${start.payload.idTag} (§5.11: uses the idTag of the request)`,
    () => assert.deepEqual([start.payload.connectorId, start.payload.idTag], [1, 'REMOTE1']));
  const auths = csms.callsFromCharger('Authorize', m);
  if (authorizeFirst) {
    t.ok('AuthorizeRemoteTxRequests=true: Authorize.req REMOTE1 before StartTransaction (§5.11)', () => {
      assert.equal(auths.length, 1);
      assert.equal(auths[0].payload.idTag, 'REMOTE1');
      assert.ok(auths[0].seq < start.seq);
    });
  } else {
    t.ok('AuthorizeRemoteTxRequests=false: no Authorize.req, the transaction starts at once (§5.11)', () => assert.equal(auths.length, 0));
  }
  const txId = start.response.payload.transactionId;
  await cp.waitFor((e) => e.event === 'transaction_id' && e.transactionId === txId, { from: em, timeoutMs: 5000 });

  t.step(`RemoteStopTransaction transactionId ${txId}`);
  await t.sleep(500);
  m = csms.mark();
  em = cp.mark();
  const rst = await csms.call('RemoteStopTransaction', { transactionId: txId });
  t.ok(`RemoteStopTransaction.conf ${rst.status} (§5.12)`, () => assert.equal(rst.status, 'Accepted'));
  const stop = await csms.waitForCall('StopTransaction', () => true, { from: m });
  t.ok(`StopTransaction.req transactionId ${stop.payload.transactionId} reason ${stop.payload.reason} (§5.12, §7.36 Remote)`, () => {
    assert.equal(stop.payload.transactionId, txId);
    assert.equal(stop.payload.reason, 'Remote');
    assert.ok(stop.payload.meterStop >= start.payload.meterStart);
  });
  const rstEv = await cp.waitFor((e) => e.event === 'remote_stop', { from: em, timeoutMs: 3000 });
  t.ok(`daemon reports remote_stop ${rstEv.transactionId} ${rstEv.status}`, () => assert.deepEqual([rstEv.transactionId, rstEv.status], [txId, 'Accepted']));
  cp.send('unplug 1');

  // -------------------------------------------------------------------------------------------
  t.step('invalid remote requests are rejected');
  const unknown = await csms.call('RemoteStopTransaction', { transactionId: 424242 });
  t.ok(`RemoteStopTransaction for unknown transactionId 424242 -> ${unknown.status} (§5.12)`, () => assert.equal(unknown.status, 'Rejected'));
  const again = await csms.call('RemoteStopTransaction', { transactionId: txId });
  t.ok(`RemoteStopTransaction for the already stopped ${txId} -> ${again.status}`, () => assert.equal(again.status, 'Rejected'));
  m = csms.mark();
  const zero = await csms.call('RemoteStartTransaction', { connectorId: 0, idTag: 'REMOTE0' });
  t.ok(`RemoteStartTransaction connectorId 0 -> ${zero.status} (§6.33 connectorId SHALL be > 0; pitfall open-ocpp #161)`,
    () => assert.equal(zero.status, 'Rejected'));
  const over = await csms.call('RemoteStartTransaction', { connectorId: 3, idTag: 'REMOTE3' });
  t.ok(`RemoteStartTransaction connectorId 3 on a 2-connector charger -> ${over.status} (§3.8)`, () => assert.equal(over.status, 'Rejected'));
  await t.sleep(1500);
  t.ok('no Authorize/StartTransaction after the rejected requests', () => {
    assert.equal(csms.callsFromCharger('StartTransaction', m).length, 0);
    assert.equal(csms.callsFromCharger('Authorize', m).length, 0);
  });

  // -------------------------------------------------------------------------------------------
  t.step('RemoteStartTransaction on connector 2 without a cable, then plug 2');
  m = csms.mark();
  em = cp.mark();
  const rs2 = await csms.call('RemoteStartTransaction', { connectorId: 2, idTag: 'REMOTE2' });
  t.ok(`RemoteStartTransaction connector 2 -> ${rs2.status}`, () => assert.equal(rs2.status, 'Accepted'));
  await t.sleep(700);
  t.ok('no StartTransaction before the cable is plugged', () => assert.equal(csms.callsFromCharger('StartTransaction', m).length, 0));
  cp.send('plug 2');
  const start2 = await csms.waitForCall('StartTransaction', () => true, { from: m });
  t.ok(`plug 2 -> StartTransaction.req connector ${start2.payload.connectorId} idTag ${start2.payload.idTag}`,
    () => assert.deepEqual([start2.payload.connectorId, start2.payload.idTag], [2, 'REMOTE2']));
  const tx2 = start2.response.payload.transactionId;
  await cp.waitFor((e) => e.event === 'transaction_id' && e.transactionId === tx2, { from: em, timeoutMs: 5000 });
  m = csms.mark();
  const rst2 = await csms.call('RemoteStopTransaction', { transactionId: tx2 });
  t.ok(`RemoteStopTransaction ${tx2} -> ${rst2.status}`, () => assert.equal(rst2.status, 'Accepted'));
  const stop2 = await csms.waitForCall('StopTransaction', () => true, { from: m });
  t.ok(`StopTransaction.req ${stop2.payload.transactionId} reason ${stop2.payload.reason}`,
    () => assert.deepEqual([stop2.payload.transactionId, stop2.payload.reason], [tx2, 'Remote']));
  cp.send('unplug 2');
  await cp.quit();
}, { timeoutMs: 60000 });
