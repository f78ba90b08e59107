// integration.smart_charging — SetChargingProfile / GetCompositeSchedule / ClearChargingProfile.
//   OCPP 1.6 §3.13 (Smart Charging: purposes, stacking, combining), §5.5 (ClearChargingProfile,
//   errata 3.25/3.26), §5.7 (GetCompositeSchedule, connector 0 = the grid connection),
//   §5.16 (SetChargingProfile; errata 3.39: an invalid connectorId is a CALLERROR), §7.12 (A/W),
//   §9.4 (ChargeProfileMaxStackLevel etc.).
//   Pitfalls (shared/pitfalls.md): GetCompositeSchedule for connector 0 (open-ocpp #133); with
//   duration 0 the active profile, not defaults (libocpp #1169).
//   The daemon's defaults: 230 V, a local limit of 32 A per connector (EngineOptions).
'use strict';

const { scenario } = require('./lib/harness');

scenario('smart_charging', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ cpOpts: { connectors: 2 } });

  const periods = (cs) => cs.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit]);
  const past = new Date(Date.now() - 60000).toISOString();
  const absolute = (id, stackLevel, purpose, chargingSchedulePeriod, extra = {}) => ({
    chargingProfileId: id, stackLevel, chargingProfilePurpose: purpose, chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: past, chargingRateUnit: 'A', chargingSchedulePeriod, ...extra },
  });

  // -------------------------------------------------------------------------------------------
  t.step('capabilities (§3.13.5)');
  const gc = await csms.call('GetConfiguration', {
    key: ['ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit', 'ChargingScheduleMaxPeriods', 'MaxChargingProfilesInstalled'],
  });
  t.ok(`the four Smart Charging keys are reported: ${JSON.stringify(gc.configurationKey)}`,
    () => assert.equal((gc.configurationKey || []).length, 4));
  const maxStack = Number(gc.configurationKey.find((k) => k.key === 'ChargeProfileMaxStackLevel').value);

  // -------------------------------------------------------------------------------------------
  t.step('no profile: the local limit (32 A per connector, 64 A for the charge point)');
  let r = await csms.call('GetCompositeSchedule', { connectorId: 0, duration: 600 });
  t.ok(`GetCompositeSchedule connector 0 -> ${JSON.stringify(r)} (§5.7, open-ocpp #133)`, () => {
    assert.equal(r.status, 'Accepted');
    assert.equal(r.connectorId, 0);
    assert.deepEqual(periods(r.chargingSchedule), [[0, 64]]);
  });

  // -------------------------------------------------------------------------------------------
  t.step('SetChargingProfile TxDefaultProfile 16 A on connector 0 and ChargePointMaxProfile 20 A');
  r = await csms.call('SetChargingProfile', { connectorId: 0, csChargingProfiles: absolute(1, 0, 'TxDefaultProfile', [{ startPeriod: 0, limit: 16 }]) });
  t.ok(`TxDefaultProfile -> ${r.status} (§5.16.4)`, () => assert.equal(r.status, 'Accepted'));
  r = await csms.call('GetCompositeSchedule', { connectorId: 1, duration: 3600 });
  t.ok(`connector 1 -> ${JSON.stringify(r.chargingSchedule)}`, () => {
    assert.equal(r.status, 'Accepted');
    assert.equal(r.chargingSchedule.chargingRateUnit, 'A');
    assert.equal(r.chargingSchedule.duration, 3600);
    assert.equal(r.chargingSchedule.startSchedule, undefined);  // errata 3.57
    assert.ok(Math.abs(Date.parse(r.scheduleStart) - Date.now()) < 5000);
    assert.deepEqual(periods(r.chargingSchedule), [[0, 16]]);
  });
  r = await csms.call('GetCompositeSchedule', { connectorId: 0, duration: 3600 });
  t.ok(`connector 0 = sum of both connectors -> ${JSON.stringify(periods(r.chargingSchedule))} (§5.7)`,
    () => assert.deepEqual(periods(r.chargingSchedule), [[0, 32]]));
  r = await csms.call('GetCompositeSchedule', { connectorId: 1, duration: 60, chargingRateUnit: 'W' });
  t.ok(`connector 1 in W -> ${JSON.stringify(r.chargingSchedule)} (§7.12: 16 A x 230 V x 3)`, () => {
    assert.equal(r.chargingSchedule.chargingRateUnit, 'W');
    assert.deepEqual(periods(r.chargingSchedule), [[0, 11040]]);
  });

  r = await csms.call('SetChargingProfile', { connectorId: 0, csChargingProfiles: absolute(2, 0, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 20 }]) });
  t.ok(`ChargePointMaxProfile -> ${r.status}`, () => assert.equal(r.status, 'Accepted'));
  r = await csms.call('GetCompositeSchedule', { connectorId: 0, duration: 0 });
  t.ok(`connector 0 duration 0 -> ${JSON.stringify(r.chargingSchedule)} (libocpp #1169: the active profile)`, () => {
    assert.equal(r.chargingSchedule.duration, 0);
    assert.deepEqual(periods(r.chargingSchedule), [[0, 20]]);
  });
  r = await csms.call('GetCompositeSchedule', { connectorId: 2, duration: 600 });
  t.ok(`connector 2 -> ${JSON.stringify(periods(r.chargingSchedule))} (min of 20 and 16)`,
    () => assert.deepEqual(periods(r.chargingSchedule), [[0, 16]]));

  // -------------------------------------------------------------------------------------------
  t.step('a stacked TxDefaultProfile for connector 2 that ends after 120 s');
  const startIn = new Date(Date.now()).toISOString();
  r = await csms.call('SetChargingProfile', {
    connectorId: 2,
    csChargingProfiles: {
      chargingProfileId: 3, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
      chargingSchedule: { startSchedule: startIn, duration: 120, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] },
    },
  });
  t.ok(`stackLevel 1 on connector 2 -> ${r.status}`, () => assert.equal(r.status, 'Accepted'));
  r = await csms.call('GetCompositeSchedule', { connectorId: 2, duration: 600 });
  t.ok(`connector 2 -> ${JSON.stringify(periods(r.chargingSchedule))} (6 A, then back to 16 A near 120 s)`, () => {
    const p = periods(r.chargingSchedule);
    assert.equal(p.length, 2);
    assert.deepEqual(p[0], [0, 6]);
    assert.equal(p[1][1], 16);
    assert.ok(p[1][0] >= 115 && p[1][0] <= 120, `boundary at ${p[1][0]}`);
  });
  r = await csms.call('GetCompositeSchedule', { connectorId: 1, duration: 600 });
  t.ok('connector 1 unaffected', () => assert.deepEqual(periods(r.chargingSchedule), [[0, 16]]));

  // -------------------------------------------------------------------------------------------
  t.step('invalid profiles are Rejected (§3.13.1, §9.4.1) or a CALLERROR (errata 3.39)');
  r = await csms.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: absolute(4, 0, 'TxProfile', [{ startPeriod: 0, limit: 10 }]) });
  t.ok(`TxProfile without a transaction -> ${r.status}`, () => assert.equal(r.status, 'Rejected'));
  r = await csms.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: absolute(5, 0, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 10 }]) });
  t.ok(`ChargePointMaxProfile on connector 1 -> ${r.status}`, () => assert.equal(r.status, 'Rejected'));
  r = await csms.call('SetChargingProfile', { connectorId: 0, csChargingProfiles: absolute(6, maxStack + 1, 'TxDefaultProfile', [{ startPeriod: 0, limit: 10 }]) });
  t.ok(`stackLevel ${maxStack + 1} > ChargeProfileMaxStackLevel -> ${r.status}`, () => assert.equal(r.status, 'Rejected'));
  let err = null;
  try {
    await csms.call('SetChargingProfile', { connectorId: 5, csChargingProfiles: absolute(7, 0, 'TxDefaultProfile', [{ startPeriod: 0, limit: 10 }]) });
  } catch (e) {
    err = e;
  }
  t.ok(`connector 5 -> CALLERROR ${err && err.rpcErrorCode}`, () => assert.equal(err && err.rpcErrorCode, 'PropertyConstraintViolation'));
  r = await csms.call('GetCompositeSchedule', { connectorId: 5, duration: 60 });
  t.ok(`GetCompositeSchedule connector 5 -> ${r.status}`, () => assert.equal(r.status, 'Rejected'));

  // -------------------------------------------------------------------------------------------
  t.step('a TxProfile during a transaction on connector 1');
  let m = csms.mark();
  cp.send('plug 1');
  cp.send('tag CARD1');
  const start = await csms.waitForCall('StartTransaction', () => true, { from: m });
  const txId = start.response.payload.transactionId;
  r = await csms.call('SetChargingProfile', {
    connectorId: 1,
    csChargingProfiles: { chargingProfileId: 8, transactionId: txId, stackLevel: 0, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } },
  });
  t.ok(`TxProfile for transaction ${txId} -> ${r.status}`, () => assert.equal(r.status, 'Accepted'));
  r = await csms.call('GetCompositeSchedule', { connectorId: 1, duration: 60 });
  t.ok(`connector 1 -> ${JSON.stringify(periods(r.chargingSchedule))}`, () => assert.deepEqual(periods(r.chargingSchedule), [[0, 10]]));
  m = csms.mark();
  cp.send('stop 1');
  await csms.waitForCall('StopTransaction', () => true, { from: m });
  cp.send('unplug 1');
  r = await csms.call('ClearChargingProfile', { id: 8 });
  t.ok(`the TxProfile ended with its transaction (§7.10): Clear id 8 -> ${r.status}`, () => assert.equal(r.status, 'Unknown'));

  // -------------------------------------------------------------------------------------------
  t.step('ClearChargingProfile');
  r = await csms.call('ClearChargingProfile', { id: 2 });
  t.ok(`Clear id 2 -> ${r.status}`, () => assert.equal(r.status, 'Accepted'));
  r = await csms.call('ClearChargingProfile', { id: 2 });
  t.ok(`Clear id 2 again -> ${r.status}`, () => assert.equal(r.status, 'Unknown'));
  r = await csms.call('GetCompositeSchedule', { connectorId: 0, duration: 60 });
  t.ok(`connector 0 without the ChargePointMaxProfile -> ${JSON.stringify(periods(r.chargingSchedule))}`,
    () => assert.equal(periods(r.chargingSchedule)[0][1], 16 + 6));
  r = await csms.call('ClearChargingProfile', { chargingProfilePurpose: 'TxDefaultProfile' });
  t.ok(`Clear all TxDefaultProfiles -> ${r.status}`, () => assert.equal(r.status, 'Accepted'));
  r = await csms.call('GetCompositeSchedule', { connectorId: 1, duration: 60 });
  t.ok(`connector 1 back to the local limit -> ${JSON.stringify(periods(r.chargingSchedule))}`,
    () => assert.deepEqual(periods(r.chargingSchedule), [[0, 32]]));
  r = await csms.call('ClearChargingProfile', {});
  t.ok(`Clear all with nothing left -> ${r.status}`, () => assert.equal(r.status, 'Unknown'));

  await cp.quit();
}, { timeoutMs: 60000 });
