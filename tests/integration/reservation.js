// integration.reservation — ReserveNow / CancelReservation against the strict CSMS.
//   OCPP 1.6 §5.13 (Reserve Now: Accepted / Occupied, "refuse charging for all incoming idTags on
//   the reserved connector", terminated by the reserved idTag's transaction or at expiryDate,
//   "send a status notification ... now available"), §5.1 (Cancel Reservation: Accepted /
//   Rejected), §4.8 (StartTransaction.req reservationId), §4.9 (status Reserved: A7, G1, G2),
//   §6.37/§6.38, §6.5/§6.6, §9.3.1 (ReserveConnectorZeroSupported).
'use strict';

const { scenario } = require('./lib/harness');

const inSeconds = (s) => new Date(Date.now() + s * 1000).toISOString();

scenario('reservation', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ cpOpts: { connectors: 2 } });

  // -------------------------------------------------------------------------------------------
  t.step('ReserveNow connector 1 for RES1 (reservationId 101)');
  let m = csms.mark();
  const r1 = await csms.call('ReserveNow', { connectorId: 1, expiryDate: inSeconds(60), idTag: 'RES1', reservationId: 101 });
  t.ok(`ReserveNow.conf ${r1.status} (§5.13)`, () => assert.equal(r1.status, 'Accepted'));
  const reserved = await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1, { from: m });
  t.ok(`StatusNotification connector 1 ${reserved.payload.status} (§4.9 A7)`, () => assert.equal(reserved.payload.status, 'Reserved'));
  const other = await csms.call('ReserveNow', { connectorId: 1, expiryDate: inSeconds(60), idTag: 'RES2', reservationId: 102 });
  t.ok(`ReserveNow connector 1 with another reservationId -> ${other.status} (§5.13 "reserved for ... another idTag")`,
    () => assert.equal(other.status, 'Occupied'));

  t.step('another card on the reserved connector is refused');
  m = csms.mark();
  let em = cp.mark();
  cp.send('tag OTHER 1');
  const err = await cp.waitFor((e) => e.event === 'error', { from: em, timeoutMs: 3000 });
  t.ok(`tag OTHER 1 -> daemon error "${err.message}" (§5.13 "refuse charging for all incoming idTags")`,
    () => assert.match(err.message, /^tag:/));
  await t.sleep(800);
  t.ok('no Authorize.req nor StartTransaction.req for OTHER', () => {
    assert.equal(csms.callsFromCharger('Authorize', m).length, 0);
    assert.equal(csms.callsFromCharger('StartTransaction', m).length, 0);
  });

  t.step('the reserved card on connector 1: StartTransaction carries reservationId 101');
  m = csms.mark();
  em = cp.mark();
  cp.send('plug 1');
  cp.send('tag RES1 1');
  const start = await csms.waitForCall('StartTransaction', () => true, { from: m });
  t.ok(`StartTransaction.req ${JSON.stringify(start.payload)} (§4.8, §5.13)`, () => {
    assert.equal(start.payload.connectorId, 1);
    assert.equal(start.payload.idTag, 'RES1');
    assert.equal(start.payload.reservationId, 101);
  });
  await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging', { from: m });
  const c101 = await csms.call('CancelReservation', { reservationId: 101 });
  t.ok(`CancelReservation 101 after its transaction started -> ${c101.status} (§5.13 terminated; §5.1)`,
    () => assert.equal(c101.status, 'Rejected'));
  const txId = start.response.payload.transactionId;
  await cp.waitFor((e) => e.event === 'transaction_id' && e.transactionId === txId, { from: em, timeoutMs: 5000 });
  m = csms.mark();
  cp.send('tag RES1 1');
  await csms.waitForCall('StopTransaction', () => true, { from: m });
  cp.send('unplug 1');
  const avail1 = await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available', { from: m });
  t.ok('connector 1 Available after the transaction', () => assert.ok(avail1));

  // -------------------------------------------------------------------------------------------
  t.step('ReserveNow connector 2 (103), CancelReservation 103');
  m = csms.mark();
  const r3 = await csms.call('ReserveNow', { connectorId: 2, expiryDate: inSeconds(60), idTag: 'RES3', parentIdTag: 'GROUP3', reservationId: 103 });
  t.ok(`ReserveNow connector 2 -> ${r3.status}`, () => assert.equal(r3.status, 'Accepted'));
  await csms.waitForCall('StatusNotification', (p) => p.connectorId === 2 && p.status === 'Reserved', { from: m });
  m = csms.mark();
  const c3 = await csms.call('CancelReservation', { reservationId: 103 });
  t.ok(`CancelReservation 103 -> ${c3.status} (§5.1)`, () => assert.equal(c3.status, 'Accepted'));
  const back = await csms.waitForCall('StatusNotification', (p) => p.connectorId === 2, { from: m });
  t.ok(`StatusNotification connector 2 ${back.payload.status} after the cancel (§4.9 G1)`, () => assert.equal(back.payload.status, 'Available'));
  const unknown = await csms.call('CancelReservation', { reservationId: 999 });
  t.ok(`CancelReservation for an unknown id -> ${unknown.status} (§5.1)`, () => assert.equal(unknown.status, 'Rejected'));

  // -------------------------------------------------------------------------------------------
  t.step('ReserveNow connector 2 (104) expiring in 3 s');
  m = csms.mark();
  const t0 = Date.now();
  const r4 = await csms.call('ReserveNow', { connectorId: 2, expiryDate: inSeconds(3), idTag: 'RES4', reservationId: 104 });
  t.ok(`ReserveNow connector 2 -> ${r4.status}`, () => assert.equal(r4.status, 'Accepted'));
  await csms.waitForCall('StatusNotification', (p) => p.connectorId === 2 && p.status === 'Reserved', { from: m });
  const expired = await csms.waitForCall('StatusNotification', (p) => p.connectorId === 2 && p.status === 'Available',
    { from: m, timeoutMs: 8000 });
  const after = (Date.now() - t0) / 1000;
  t.ok(`StatusNotification connector 2 Available ${after.toFixed(1)} s after ReserveNow (§5.13 expiry)`,
    () => { assert.ok(after >= 2.5 && after < 6.5, `${after}`); assert.ok(expired); });
  const c4 = await csms.call('CancelReservation', { reservationId: 104 });
  t.ok(`CancelReservation 104 after the expiry -> ${c4.status}`, () => assert.equal(c4.status, 'Rejected'));

  // -------------------------------------------------------------------------------------------
  t.step('connector 0 (any connector), per ReserveConnectorZeroSupported');
  const gc = await csms.call('GetConfiguration', { key: ['ReserveConnectorZeroSupported'] });
  const key = (gc.configurationKey || []).find((k) => k.key === 'ReserveConnectorZeroSupported');
  t.ok(`ReserveConnectorZeroSupported is reported (§9.3.1): ${key && key.value}`, () => assert.ok(key && /^(true|false)$/i.test(key.value)));
  const r0 = await csms.call('ReserveNow', { connectorId: 0, expiryDate: inSeconds(60), idTag: 'RES0', reservationId: 100 });
  const zeroOk = key.value.toLowerCase() === 'true';
  t.ok(`ReserveNow connector 0 -> ${r0.status} (§5.13: Rejected unless ReserveConnectorZeroSupported)`,
    () => assert.equal(r0.status, zeroOk ? 'Accepted' : 'Rejected'));
  if (zeroOk) {
    m = csms.mark();
    em = cp.mark();
    cp.send('plug 2');
    cp.send('tag RES0 2');
    const s0 = await csms.waitForCall('StartTransaction', () => true, { from: m });
    t.ok(`RES0 on connector 2: StartTransaction.req reservationId ${s0.payload.reservationId} (§5.13 connector 0: any connector)`,
      () => assert.deepEqual([s0.payload.connectorId, s0.payload.idTag, s0.payload.reservationId], [2, 'RES0', 100]));
    const tx0 = s0.response.payload.transactionId;
    await cp.waitFor((e) => e.event === 'transaction_id' && e.transactionId === tx0, { from: em, timeoutMs: 5000 });
    m = csms.mark();
    cp.send('tag RES0 2');
    await csms.waitForCall('StopTransaction', () => true, { from: m });
    cp.send('unplug 2');
  }
  await t.sleep(300);
  await cp.quit();
}, { timeoutMs: 60000 });
