// integration.authorize — a card is authorized with Authorize.req before a transaction starts;
// a rejected card (Invalid, Blocked) starts nothing.
//   OCPP 1.6 §4.1 (Authorize: "The Charge Point SHALL only supply energy after authorization";
//   no Authorize.req when the same identifier stops the transaction), §4.8 (StartTransaction),
//   §4.10 (StopTransaction: reason may be omitted only when Local), §7.2 (AuthorizationStatus).
'use strict';

const { scenario } = require('./lib/harness');

scenario('authorize', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({
    csmsOpts: { authorize: { GOOD1: 'Accepted', GOOD2: 'Accepted', BAD1: 'Invalid', BLOCK1: 'Blocked' } },
  });

  // -------------------------------------------------------------------------------------------
  t.step('cable plugged, card BAD1 (Invalid) and BLOCK1 (Blocked): no transaction');
  let m = csms.mark();
  cp.send('plug 1');
  const prep = await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1, { from: m });
  t.ok(`plug 1 -> StatusNotification connector 1 ${prep.payload.status} (§4.9: Preparing when a cable is plugged)`,
    () => assert.equal(prep.payload.status, 'Preparing'));
  for (const [tag, status] of [['BAD1', 'Invalid'], ['BLOCK1', 'Blocked']]) {
    m = csms.mark();
    const em = cp.mark();
    cp.send(`tag ${tag}`);
    const auth = await csms.waitForCall('Authorize', (p) => p.idTag === tag, { from: m });
    t.ok(`tag ${tag} -> Authorize.req {idTag:"${auth.payload.idTag}"} (§4.1)`, () => assert.deepEqual(auth.payload, { idTag: tag }));
    const ev = await cp.waitFor((e) => e.event === 'authorize' && e.idTag === tag, { from: em, timeoutMs: 5000 });
    t.ok(`daemon reports authorize ${tag} ${ev.status}`, () => assert.equal(ev.status, status));
    await t.sleep(2500);
    const starts = csms.callsFromCharger('StartTransaction', m);
    t.ok(`no StartTransaction.req within 2.5 s after ${status} (§4.1 SHALL only supply energy after authorization)`,
      () => assert.equal(starts.length, 0, JSON.stringify(starts.map((r) => r.payload))));
    t.ok('daemon started no transaction', () => assert.equal(cp.find((e) => e.event === 'transaction_started', em).length, 0));
  }
  const st = await cp.state();
  t.ok(`connector 1 has no transaction (state: ${JSON.stringify(st.connectors[0])})`, () => {
    assert.ok(st.connectors[0].transactionId == null);
    assert.ok(st.connectors[0].txKey == null);
    assert.notEqual(st.connectors[0].status, 'Charging');
  });

  // -------------------------------------------------------------------------------------------
  t.step('card GOOD1 (Accepted) on the plugged connector: transaction; same card again stops it');
  m = csms.mark();
  let em = cp.mark();
  cp.send('tag GOOD1');
  const auth = await csms.waitForCall('Authorize', (p) => p.idTag === 'GOOD1', { from: m });
  const start = await csms.waitForCall('StartTransaction', () => true, { from: m });
  t.ok('Authorize.req GOOD1 came before StartTransaction.req', () => assert.ok(auth.seq < start.seq));
  t.ok(`StartTransaction.req connectorId 1, idTag GOOD1 (§6.45): ${JSON.stringify(start.payload)}`, () => {
    assert.equal(start.payload.connectorId, 1);
    assert.equal(start.payload.idTag, 'GOOD1');
    assert.ok(Number.isInteger(start.payload.meterStart));
  });
  const txId = start.response.payload.transactionId;
  const txEv = await cp.waitFor((e) => e.event === 'transaction_id' && e.transactionId === txId, { from: em, timeoutMs: 5000 });
  t.ok(`daemon got transactionId ${txId} for txKey ${txEv.txKey}`, () => assert.equal(txEv.connectorId, 1));
  const charging = await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging', { from: m });
  t.ok('StatusNotification Charging after the start (§4.9)', () => assert.ok(charging.seq > auth.seq));

  m = csms.mark();
  em = cp.mark();
  cp.send('tag GOOD1');
  const stop = await csms.waitForCall('StopTransaction', () => true, { from: m });
  t.ok(`StopTransaction.req transactionId ${stop.payload.transactionId} = ${txId}`, () => assert.equal(stop.payload.transactionId, txId));
  t.ok(`reason ${stop.payload.reason === undefined ? 'omitted' : stop.payload.reason}: Local for a card stop (§4.10, §7.36)`,
    () => assert.ok(stop.payload.reason === undefined || stop.payload.reason === 'Local'));
  t.ok('no Authorize.req for the card that started the transaction (§4.1)',
    () => assert.equal(csms.callsFromCharger('Authorize', m).length, 0));
  if (stop.payload.idTag !== undefined) t.ok('StopTransaction idTag is GOOD1', () => assert.equal(stop.payload.idTag, 'GOOD1'));
  t.ok(`meterStop ${stop.payload.meterStop} >= meterStart ${start.payload.meterStart}`,
    () => assert.ok(stop.payload.meterStop >= start.payload.meterStart));
  await cp.waitFor((e) => e.event === 'transaction_stopped' && e.transactionId === txId, { from: em, timeoutMs: 5000 });
  t.ok('daemon reports transaction_stopped', true);

  // -------------------------------------------------------------------------------------------
  t.step('card GOOD2 first, cable plugged afterwards: transaction starts on plug; unplug stops it');
  m = csms.mark();
  cp.send('unplug 1');
  await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available', { from: m });
  m = csms.mark();
  em = cp.mark();
  cp.send('tag GOOD2');
  await cp.waitFor((e) => e.event === 'authorize' && e.idTag === 'GOOD2', { from: em, timeoutMs: 5000 });
  t.ok('Authorize.req GOOD2 sent', () => assert.equal(csms.callsFromCharger('Authorize', m).length, 1));
  await t.sleep(500);
  t.ok('no StartTransaction before the cable is plugged', () => assert.equal(csms.callsFromCharger('StartTransaction', m).length, 0));
  cp.send('plug 1');
  const start2 = await csms.waitForCall('StartTransaction', () => true, { from: m });
  t.ok(`plug -> StartTransaction.req idTag ${start2.payload.idTag} on connector ${start2.payload.connectorId}`,
    () => assert.deepEqual([start2.payload.idTag, start2.payload.connectorId], ['GOOD2', 1]));
  const tx2 = await cp.waitFor((e) => e.event === 'transaction_id', { from: em, timeoutMs: 5000 });
  m = csms.mark();
  cp.send('unplug 1');
  const stop2 = await csms.waitForCall('StopTransaction', () => true, { from: m });
  t.ok(`unplug -> StopTransaction.req transactionId ${stop2.payload.transactionId} reason ${stop2.payload.reason} (§7.36 EVDisconnected)`, () => {
    assert.equal(stop2.payload.transactionId, tx2.transactionId);
    assert.equal(stop2.payload.reason, 'EVDisconnected');
  });
  t.ok('transactionIds of the two transactions differ', () => assert.notEqual(tx2.transactionId, txId));
  await cp.quit();
}, { timeoutMs: 60000 });
