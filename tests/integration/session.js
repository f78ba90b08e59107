// integration.session — a complete charging session: plug, card, StartTransaction, periodic
// MeterValues at MeterValueSampleInterval = 1 s (set by the CSMS), unplug, StopTransaction;
// then a second session stopped locally with `stop`.
//   OCPP 1.6 §3.16.1 (Charging Session Meter Values), §4.7 (MeterValues; default measurand is
//   Energy.Active.Import.Register in Wh), §4.8/§6.45/§6.46 (StartTransaction), §4.10/§6.49
//   (StopTransaction), §5.3 (ChangeConfiguration), §9.1.19 (MeterValueSampleInterval),
//   §7.36 (Reason), §4.9 (StatusNotification).
'use strict';

const { scenario } = require('./lib/harness');

// Energy.Active.Import.Register readings (Wh) of one MeterValues.req payload.
function energyReadings(p) {
  const out = [];
  for (const mv of p.meterValue || []) {
    for (const sv of mv.sampledValue || []) {
      const measurand = sv.measurand || 'Energy.Active.Import.Register';
      if (measurand !== 'Energy.Active.Import.Register') continue;
      if (sv.phase) continue;
      const unit = sv.unit || 'Wh';
      const v = Number(sv.value) * (unit === 'kWh' ? 1000 : 1);
      out.push({ wh: v, unit, context: sv.context || 'Sample.Periodic', timestamp: mv.timestamp });
    }
  }
  return out;
}

scenario('session', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ cpOpts: { power: 36000 } });

  t.step('CSMS sets MeterValueSampleInterval = 1 (ChangeConfiguration)');
  let em = cp.mark();
  const cc = await csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '1' });
  t.ok(`ChangeConfiguration MeterValueSampleInterval=1 -> ${cc.status} (§5.3, §9.1.19 RW)`, () => assert.equal(cc.status, 'Accepted'));
  const chg = await cp.waitFor((e) => e.event === 'configuration_changed' && e.key === 'MeterValueSampleInterval', { from: em, timeoutMs: 3000 });
  t.ok(`daemon reports configuration_changed ${chg.key}=${chg.value}`, () => assert.equal(chg.value, '1'));

  t.step('meter 1 5000, plug 1, tag CARD1 -> transaction');
  cp.send('meter 1 5000');
  let m = csms.mark();
  em = cp.mark();
  cp.send('plug 1');
  await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Preparing', { from: m });
  t.ok('plug 1 -> StatusNotification Preparing', true);
  cp.send('tag CARD1');
  const start = await csms.waitForCall('StartTransaction', () => true, { from: m });
  const sp = start.payload;
  const txId = start.response.payload.transactionId;
  t.ok(`StartTransaction.req ${JSON.stringify(sp)} (§6.45)`, () => {
    assert.equal(sp.connectorId, 1);
    assert.equal(sp.idTag, 'CARD1');
    assert.ok(sp.meterStart >= 5000 && sp.meterStart <= 5001, `meterStart ${sp.meterStart} should be the 5000 Wh set with 'meter 1 5000'`);
    assert.ok(Math.abs(Date.parse(sp.timestamp) - start.t) < 5000, `timestamp ${sp.timestamp} should be about now`);
  });
  const started = await cp.waitFor((e) => e.event === 'transaction_started', { from: em, timeoutMs: 3000 });
  const idEv = await cp.waitFor((e) => e.event === 'transaction_id', { from: em, timeoutMs: 5000 });
  t.ok(`daemon: transaction_started txKey ${started.txKey}, transaction_id ${idEv.transactionId} status ${idEv.status}`, () => {
    assert.equal(idEv.txKey, started.txKey);
    assert.equal(idEv.transactionId, txId);
    assert.equal(idEv.status, 'Accepted');
  });
  const charging = await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging', { from: m });
  t.ok('StatusNotification Charging (§4.9)', () => assert.ok(charging));

  t.step('charging for ~5 s');
  await t.sleep(2500);
  const st1 = await cp.state();
  await t.sleep(2500);
  const st2 = await cp.state();
  const c1 = st1.connectors.find((c) => c.connectorId === 1);
  const c2 = st2.connectors.find((c) => c.connectorId === 1);
  t.ok(`state: connector 1 ${c2.status}, transactionId ${c2.transactionId}, meter ${c1.meterWh} -> ${c2.meterWh} Wh`, () => {
    assert.equal(c2.status, 'Charging');
    assert.equal(c2.transactionId, txId);
    assert.ok(c2.meterWh > c1.meterWh, 'the simulated meter should ramp while charging');
  });
  const mvs = csms.callsFromCharger('MeterValues', start.seq);
  t.ok(`${mvs.length} MeterValues.req during ~5 s at a 1 s interval (expected 4..7)`, () => assert.ok(mvs.length >= 4 && mvs.length <= 7, `${mvs.length}`));
  t.ok('every MeterValues.req carries connectorId 1 and the transactionId from StartTransaction.conf (§4.7)', () => {
    for (const r of mvs) {
      assert.equal(r.payload.connectorId, 1);
      assert.equal(r.payload.transactionId, txId);
    }
  });
  const periodic = [];
  for (const r of mvs) for (const e of energyReadings(r.payload)) if (e.context === 'Sample.Periodic') periodic.push({ ...e, t: r.t });
  t.ok(`${periodic.length} periodic Energy.Active.Import.Register samples: ${periodic.map((e) => e.wh).join(', ')} Wh`, () => {
    assert.ok(periodic.length >= 4);
    for (const e of periodic) assert.ok(Number.isFinite(e.wh), `value ${e.wh}`);
  });
  t.ok('readings never decrease and are >= meterStart', () => {
    let last = sp.meterStart;
    for (const e of periodic) {
      assert.ok(e.wh >= last, `${e.wh} < ${last}`);
      last = e.wh;
    }
  });
  t.ok('the meter reading grows during the session', () => assert.ok(periodic[periodic.length - 1].wh > periodic[0].wh));
  const pg = [];
  for (let i = 1; i < periodic.length; i++) pg.push(Date.parse(periodic[i].timestamp) - Date.parse(periodic[i - 1].timestamp));
  t.ok(`sample timestamps ${JSON.stringify(pg)} ms apart (MeterValueSampleInterval 1 s; 700..1500 allowed)`,
    () => pg.forEach((g) => assert.ok(g >= 700 && g <= 1500, `gap ${g}`)));

  t.step('unplug 1 -> StopTransaction (EVDisconnected)');
  m = csms.mark();
  em = cp.mark();
  cp.send('unplug 1');
  const stop = await csms.waitForCall('StopTransaction', () => true, { from: m });
  const s = stop.payload;
  t.ok(`StopTransaction.req ${JSON.stringify({ transactionId: s.transactionId, meterStop: s.meterStop, reason: s.reason })} (§6.49)`, () => {
    assert.equal(s.transactionId, txId);
    assert.equal(s.reason, 'EVDisconnected');
    assert.ok(s.meterStop >= sp.meterStart, 'meterStop >= meterStart');
    assert.ok(s.meterStop > sp.meterStart, 'energy was delivered');
    assert.ok(s.meterStop >= periodic[periodic.length - 1].wh, 'meterStop >= the last sampled reading');
    assert.ok(Date.parse(s.timestamp) >= Date.parse(sp.timestamp), 'stop timestamp after start timestamp');
  });
  t.ok('StopTransaction.req answered with a CALLRESULT', () => assert.equal(stop.response.kind, 'CALLRESULT'));
  const stoppedEv = await cp.waitFor((e) => e.event === 'transaction_stopped', { from: em, timeoutMs: 3000 });
  t.ok(`daemon: transaction_stopped ${JSON.stringify(stoppedEv)}`, () => {
    assert.equal(stoppedEv.transactionId, txId);
    assert.equal(stoppedEv.meterStop, s.meterStop);
  });
  const avail = await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available', { from: m });
  t.ok('connector back to Available', () => assert.ok(avail));
  await t.sleep(1500);
  const late = csms.callsFromCharger('MeterValues', stop.seq).filter((r) => r.payload.transactionId === txId);
  t.ok('no MeterValues for the transaction after its StopTransaction', () => assert.equal(late.length, 0));
  const stops = csms.callsFromCharger('StopTransaction').filter((r) => r.payload.transactionId === txId);
  t.ok('exactly one StopTransaction.req for it', () => assert.equal(stops.length, 1));

  t.step('second session, stopped locally with `stop 1` (reason Local)');
  m = csms.mark();
  cp.send('plug 1');
  cp.send('tag CARD1');
  const start2 = await csms.waitForCall('StartTransaction', () => true, { from: m });
  const tx2 = start2.response.payload.transactionId;
  t.ok(`new transactionId ${tx2} (previous ${txId})`, () => assert.notEqual(tx2, txId));
  await t.sleep(1200);
  cp.send('stop 1');
  const stop2 = await csms.waitForCall('StopTransaction', () => true, { from: m });
  t.ok(`StopTransaction.req transactionId ${stop2.payload.transactionId}, reason ${stop2.payload.reason ?? '(omitted = Local)'} (§4.10, §7.36)`, () => {
    assert.equal(stop2.payload.transactionId, tx2);
    assert.ok(stop2.payload.reason === undefined || stop2.payload.reason === 'Local');
    assert.ok(stop2.payload.meterStop >= start2.payload.meterStart);
  });
  const mv2 = csms.callsFromCharger('MeterValues', start2.seq).filter((r) => r.seq < stop2.seq);
  t.ok(`its ${mv2.length} MeterValues.req carry transactionId ${tx2}`, () => mv2.forEach((r) => assert.equal(r.payload.transactionId, tx2)));
  cp.send('unplug 1');
  await cp.quit();
}, { timeoutMs: 60000 });
