// integration.v201_features — the 2.0.1 blocks beyond the session, end to end: ocpp-chargerd
// --ocpp 2.0.1 (with --security-dir and a manufacturer root for firmware signatures) against the
// strict 2.0.1 CSMS, with a PKI the test makes itself (lib/pki.js).
//   Local list (D01, D02): SendLocalList Full, GetLocalListVersion; offline, a listed idToken
//     starts a transaction locally (C13 / C14 LocalAuthorizeOffline), delivered offline=true
//     after the reconnect (E04.FR.03).
//   Smart charging (K01, K08): SetChargingProfile TxDefaultProfile for the station -> the
//     charging_limit hook; GetCompositeSchedule; ClearChargingProfile (K10) -> back to the maximum.
//   External limits (K12, K13): `limit 0 20 SO` -> NotifyChargingLimit, GetChargingProfiles
//     reports the ChargingStationExternalConstraints profile (TC_K_52); `limit 0 off SO` ->
//     ClearedChargingLimit.
//   Certificates (M05, M03): InstallCertificate CSMSRootCertificate, GetInstalledCertificateIds
//     with the hash data of `openssl ocsp`.
//   Firmware (L01): UpdateFirmware from a file:// location, signed by the firmware signing key ->
//     FirmwareStatusNotification Downloading .. Installed.
//   Logs (N01): GetLog SecurityLog to a file:// directory -> LogStatusNotification Uploaded.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { scenario } = require('./lib/harness');
const { makePki } = require('./lib/pki');
const { certificateHashData } = require('./lib/security');
const { bootedStation, txEvent, txEvents, assertGapless, describeTx, waitQueueEmpty } = require('./lib/v201');

const statuses = (csms, action, requestId, from) => csms.callsFromCharger(action, from)
  .filter((r) => r.payload.requestId === requestId).map((r) => r.payload.status);

scenario('v201_features', async (t) => {
  const { assert } = t;
  const pki = makePki(path.join(t.tmp, 'pki'), { identity: 'CS-FEATURES', cpoName: 'Test CPO' });
  const uploads = path.join(t.tmp, 'uploads');
  fs.mkdirSync(uploads);
  const { csms, cp } = await bootedStation(t, {
    cpOpts: { power: 0, extraArgs: ['--security-dir', path.join(t.tmp, 'security'), '--firmware-signing-root', pki.manufacturerRoot.cert] },
  });

  // ---------------------------------------------------------------------------------------
  t.step('D01 D02: SendLocalList Full, GetLocalListVersion');
  const list = await csms.call('SendLocalList', {
    versionNumber: 7, updateType: 'Full',
    localAuthorizationList: [
      { idToken: { idToken: 'LOCAL-OK', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } },
      { idToken: { idToken: 'LOCAL-BLOCKED', type: 'ISO14443' }, idTokenInfo: { status: 'Blocked' } },
    ],
  });
  t.ok(`D01.FR.01 SendLocalList Full version 7 with 2 entries -> ${list.status}`, () => assert.equal(list.status, 'Accepted'));
  const version = await csms.call('GetLocalListVersion', {});
  t.ok(`D02.FR.01 GetLocalListVersion -> ${version.versionNumber}`, () => assert.equal(version.versionNumber, 7));

  t.step('C13 C14: offline, the listed idToken starts a transaction locally; delivered offline=true after the reconnect');
  let em = cp.mark();
  await csms.stop();
  await cp.waitFor((e) => e.event === 'disconnected', { from: em, timeoutMs: 5000 });
  cp.send('plug 1');
  cp.send('tag LOCAL-BLOCKED');
  const blocked = await cp.waitFor({ event: 'authorization', idToken: 'LOCAL-BLOCKED' }, { from: em });
  t.ok(`C13.FR.04 offline, the listed LOCAL-BLOCKED -> ${blocked.status}`, () => assert.equal(blocked.status, 'Blocked'));
  cp.send('tag LOCAL-OK');
  const auth = await cp.waitFor({ event: 'authorization', idToken: 'LOCAL-OK' }, { from: em });
  const started = await cp.waitFor({ event: 'transaction_event', eventType: 'Started' }, { from: em });
  t.ok(`C14.FR.02 offline, the listed LOCAL-OK -> ${auth.status}; transaction ${started.transactionId} Started offline=${started.offline}`, () => {
    assert.equal(auth.status, 'Accepted');
    assert.equal(started.offline, true);
    assert.equal(started.idToken, 'LOCAL-OK');
  });
  t.ok('no transaction was started for LOCAL-BLOCKED', () =>
    assert.equal(cp.find((e) => e.event === 'transaction_event' && e.idToken === 'LOCAL-BLOCKED', em).length, 0));
  let m = csms.mark();
  await csms.start();
  await txEvent(csms, (p) => p.eventType === 'Started' && p.transactionInfo.transactionId === started.transactionId, m, 8000);
  em = cp.mark();
  cp.send('stop 1');
  await txEvent(csms, (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === started.transactionId, m, 5000);
  await waitQueueEmpty(cp);
  const tx = txEvents(csms, started.transactionId);
  t.ok(`E04.FR.03 E01.FR.07: ${describeTx(tx)}; the Started one offline=true, idToken LOCAL-OK, seqNo gapless`, () => {
    assertGapless(assert, tx);
    assert.equal(tx[0].payload.eventType, 'Started');
    assert.equal(tx[0].payload.offline, true);
    assert.equal(tx[0].payload.idToken.idToken, 'LOCAL-OK');
    assert.equal(tx[tx.length - 1].payload.eventType, 'Ended');
  });
  t.ok('C14: no AuthorizeRequest for the listed idTokens', () => assert.equal(csms.callsFromCharger('Authorize').length, 0));
  cp.send('unplug 1');

  // ---------------------------------------------------------------------------------------
  t.step('K01 K08 K10: a TxDefaultProfile for the station -> charging_limit; GetCompositeSchedule; ClearChargingProfile');
  em = cp.mark();
  const set = await csms.call('SetChargingProfile', {
    evseId: 0,
    chargingProfile: {
      id: 11, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
      chargingSchedule: [{
        id: 1, startSchedule: new Date(Date.now() - 1000).toISOString(), chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
      }],
    },
  });
  t.ok(`K01.FR.02 SetChargingProfile TxDefaultProfile 16 A on evseId 0 -> ${set.status}`, () => assert.equal(set.status, 'Accepted'));
  const limit = await cp.waitFor((e) => e.event === 'charging_limit' && e.evseId === 1 && e.limit === 16, { from: em, timeoutMs: 3000, desc: 'charging_limit 16 A on EVSE 1' });
  t.ok(`the daemon's charging_limit hook: EVSE ${limit.evseId} ${limit.limit} ${limit.unit}`, () => assert.equal(limit.unit, 'A'));
  const composite = await csms.call('GetCompositeSchedule', { duration: 300, evseId: 1, chargingRateUnit: 'A' });
  const periods = composite.schedule ? composite.schedule.chargingSchedulePeriod : [];
  t.ok(`K08.FR.03 GetCompositeSchedule EVSE 1, 300 s, A -> ${composite.status} ${JSON.stringify(periods)}`, () => {
    assert.equal(composite.status, 'Accepted');
    assert.equal(composite.schedule.evseId, 1);
    assert.equal(composite.schedule.chargingRateUnit, 'A');
    assert.equal(periods[0].limit, 16);
  });
  em = cp.mark();
  const cleared = await csms.call('ClearChargingProfile', { chargingProfileId: 11 });
  const back = await cp.waitFor((e) => e.event === 'charging_limit' && e.evseId === 1, { from: em, timeoutMs: 3000, desc: 'charging_limit after the clear' });
  t.ok(`K10.FR.01 ClearChargingProfile id 11 -> ${cleared.status}; EVSE 1 back to ${back.limit} ${back.unit}`, () => {
    assert.equal(cleared.status, 'Accepted');
    assert.ok(back.limit > 16);
  });

  // ---------------------------------------------------------------------------------------
  t.step('K12 K13 TC_K_52: an external limit on the grid connection -> NotifyChargingLimit; reported as ChargingStationExternalConstraints; released -> ClearedChargingLimit');
  m = csms.mark();
  em = cp.mark();
  cp.send('limit 0 20 SO');
  const notify = await csms.waitForCall('NotifyChargingLimit', () => true, { from: m, timeoutMs: 5000 });
  const grid = await cp.waitFor((e) => e.event === 'charging_limit' && e.evseId === 1 && e.limit === 20, { from: em, timeoutMs: 3000, desc: 'charging_limit 20 A on EVSE 1' });
  t.ok(`K12.FR.02 K12.FR.04 NotifyChargingLimit ${JSON.stringify(notify.payload)}; EVSE 1 limited to ${grid.limit} ${grid.unit} (K12.FR.01)`, () => {
    assert.equal(notify.payload.chargingLimit.chargingLimitSource, 'SO');
    assert.equal(notify.payload.evseId, undefined);
  });
  m = csms.mark();
  const gcp = await csms.call('GetChargingProfiles', { requestId: 52, chargingProfile: { chargingProfilePurpose: 'ChargingStationExternalConstraints' } });
  const report = await csms.waitForCall('ReportChargingProfiles', (p) => p.requestId === 52, { from: m, timeoutMs: 5000 });
  t.ok(`TC_K_52 K12.FR.05 GetChargingProfiles ChargingStationExternalConstraints -> ${gcp.status}; report source ${report.payload.chargingLimitSource}, profile id ${report.payload.chargingProfile[0].id}`, () => {
    assert.equal(gcp.status, 'Accepted');
    assert.equal(report.payload.evseId, 0);
    assert.equal(report.payload.chargingLimitSource, 'SO');
    assert.equal(report.payload.chargingProfile[0].chargingProfilePurpose, 'ChargingStationExternalConstraints');
    assert.ok(report.payload.chargingProfile[0].id < 0);
  });
  const notCleared = await csms.call('ClearChargingProfile', { chargingProfileId: report.payload.chargingProfile[0].id });
  t.ok(`K10.FR.09 ClearChargingProfile of the external constraint's id -> ${notCleared.status}`, () => assert.equal(notCleared.status, 'Unknown'));
  m = csms.mark();
  em = cp.mark();
  cp.send('limit 0 off SO');
  const clearedLimit = await csms.waitForCall('ClearedChargingLimit', () => true, { from: m, timeoutMs: 5000 });
  const free = await cp.waitFor((e) => e.event === 'charging_limit' && e.evseId === 1, { from: em, timeoutMs: 3000, desc: 'charging_limit after the release' });
  t.ok(`K13.FR.02 ClearedChargingLimit ${JSON.stringify(clearedLimit.payload)}; EVSE 1 back to ${free.limit} ${free.unit} (K13.FR.01)`, () => {
    assert.equal(clearedLimit.payload.chargingLimitSource, 'SO');
    assert.ok(free.limit > 20);
  });

  // ---------------------------------------------------------------------------------------
  t.step('M05 M03: InstallCertificate CSMSRootCertificate, GetInstalledCertificateIds');
  const none = await csms.call('GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] });
  t.ok(`M03.FR.02 before: GetInstalledCertificateIds -> ${none.status}`, () => assert.equal(none.status, 'NotFound'));
  const inst = await csms.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pki.csmsRoot.pem });
  t.ok(`M05.FR.02 InstallCertificate CSMSRootCertificate -> ${inst.status}`, () => assert.equal(inst.status, 'Accepted'));
  const ids = await csms.call('GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] });
  const want = certificateHashData(pki.csmsRoot.cert, pki.csmsRoot.cert);
  const got = (ids.certificateHashDataChain || []).map((c) => c.certificateHashData);
  t.ok(`M03.FR.03 GetInstalledCertificateIds -> ${ids.status}, ${got.length} chain(s), serial ${got[0] && got[0].serialNumber} (openssl: ${want.serialNumber})`, () => {
    assert.equal(ids.status, 'Accepted');
    assert.equal(got.length, 1);
    assert.equal(ids.certificateHashDataChain[0].certificateType, 'CSMSRootCertificate');
    assert.deepEqual({ ...got[0], serialNumber: got[0].serialNumber.toUpperCase().replace(/^0+(?=.)/, '') },
      { ...want, serialNumber: want.serialNumber.toUpperCase() });
  });

  // ---------------------------------------------------------------------------------------
  t.step('L01: UpdateFirmware from a file:// location, signed by the firmware signing key');
  const image = path.join(t.tmp, 'firmware-2.0.bin');
  fs.writeFileSync(image, 'ocpp-chargerd 2.0.1 firmware\n'.repeat(500));
  m = csms.mark();
  em = cp.mark();
  const fw = await csms.call('UpdateFirmware', {
    requestId: 61, retries: 0,
    firmware: {
      location: `file://${image}`, retrieveDateTime: new Date().toISOString(),
      signingCertificate: pki.firmwareSigning.pem, signature: pki.signFile(image),
    },
  });
  t.ok(`L01.FR.01 UpdateFirmware -> ${fw.status}`, () => assert.equal(fw.status, 'Accepted'));
  await csms.waitForCall('FirmwareStatusNotification', (p) => p.requestId === 61 && /Installed|Failed|Invalid/.test(p.status), { from: m, timeoutMs: 8000 });
  const fwSeq = statuses(csms, 'FirmwareStatusNotification', 61, m);
  t.ok(`L01.FR.10 FirmwareStatusNotification ${fwSeq.join(' -> ')} (L01.FR.04: SignatureVerified)`, () =>
    assert.deepEqual(fwSeq, ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'Installed']));
  const install = cp.find((e) => e.event === 'firmware' && e.stage === 'install', em)[0];
  t.ok(`the daemon downloaded the same bytes into ${install && path.basename(install.path)} and was asked to install it`, () =>
    assert.ok(fs.readFileSync(install.path).equals(fs.readFileSync(image))));
  t.ok('every step was accepted by the library (no "error" in the firmware events)', () =>
    assert.equal(cp.find((e) => e.event === 'firmware' && e.error, em).length, 0));

  // ---------------------------------------------------------------------------------------
  t.step('N01: GetLog SecurityLog to a file:// directory');
  m = csms.mark();
  const log = await csms.call('GetLog', { logType: 'SecurityLog', requestId: 71, log: { remoteLocation: `file://${uploads}` } });
  t.ok(`N01.FR.01 GetLog SecurityLog -> ${log.status}, filename "${log.filename}"`, () => {
    assert.equal(log.status, 'Accepted');
    assert.ok(log.filename);
  });
  await csms.waitForCall('LogStatusNotification', (p) => p.requestId === 71 && p.status !== 'Uploading', { from: m, timeoutMs: 5000 });
  const logSeq = statuses(csms, 'LogStatusNotification', 71, m);
  const file = path.join(uploads, log.filename);
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
  t.ok(`N01.FR.07 N01.FR.08 LogStatusNotification ${logSeq.join(' -> ')}; ${log.filename} holds ${lines.length} security log entries (N01.FR.03)`, () => {
    assert.deepEqual(logSeq, ['Uploading', 'Uploaded']);
    assert.ok(lines.length >= 1);
    // The firmware update above raised FirmwareUpdated (L01.FR.31).
    assert.ok(lines.some((l) => / FirmwareUpdated /.test(l)), lines.join('\n'));
  });
  await cp.quit();
}, { timeoutMs: 40000 });
