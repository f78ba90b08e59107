// integration.firmware — Firmware Management against the strict CSMS.
//   OCPP 1.6 §5.19 / §6.55 / §6.56 (UpdateFirmware: the .conf has no fields; the download starts
//   at retrieveDate), §4.5 / §6.19 (FirmwareStatusNotification), §5.9 / §6.25 / §6.26
//   (GetDiagnostics: no fileName when no diagnostics are available), OCPP-J 1.6 §4.2.3 (CALLERROR
//   codes for a payload that breaks the schema).
//
// The daemon simulates the hardware: its firmware_download hook reports Downloading then
// Downloaded, its firmware_install hook Installing then Installed; its diagnostics upload writes
// a file into a local folder for a file:// location. The pending update survives a restart of
// the daemon (store key "fw.update"): a retrieveDate that falls while the daemon is down starts
// the download right after the next boot.
'use strict';

const { scenario } = require('./lib/harness');

scenario('firmware', async (t) => {
  const { assert } = t;
  let { csms, cp } = await t.bootedPair();

  // -------------------------------------------------------------------------------------------
  t.step('UpdateFirmware with retrieveDate 2 s ahead');
  let m = csms.mark();
  const soon = new Date(Date.now() + 2000).toISOString();
  let res = await csms.call('UpdateFirmware', { location: 'ftp://fw.example.com/fw-2.0.bin', retrieveDate: soon, retries: 0 });
  t.ok(`UpdateFirmware.conf = ${JSON.stringify(res)} (§6.56: no fields)`, () => assert.deepEqual(res, {}));
  await t.sleep(1000);
  t.ok('nothing reported before retrieveDate', () => assert.equal(csms.callsFromCharger('FirmwareStatusNotification', m).length, 0));
  let note = await csms.waitForCall('FirmwareStatusNotification', () => true, { from: m, timeoutMs: 5000 });
  t.ok(`first FirmwareStatusNotification ${JSON.stringify(note.payload)} after retrieveDate: Downloading`,
    () => assert.equal(note.payload.status, 'Downloading'));
  t.ok(`  at ${new Date(note.t).toISOString()}, not before retrieveDate ${soon}`, () => assert.ok(note.t >= Date.parse(soon) - 20));
  await csms.waitForCall('FirmwareStatusNotification', (p) => p.status === 'Installed', { from: m, timeoutMs: 8000 });
  await t.sleep(500);
  const seq = csms.callsFromCharger('FirmwareStatusNotification', m).map((r) => r.payload.status);
  t.ok(`status sequence ${seq.join(' -> ')} (§4.5), no Idle (§4.5: Idle only on a TriggerMessage)`,
    () => assert.deepEqual(seq, ['Downloading', 'Downloaded', 'Installing', 'Installed']));

  // -------------------------------------------------------------------------------------------
  t.step('UpdateFirmware with a bad payload');
  const bad = async (id, payload, code) => {
    const mm = csms.mark();
    csms.sendRaw(JSON.stringify([2, id, 'UpdateFirmware', payload]));
    const reply = await csms.waitForReplyTo(id, { from: mm, timeoutMs: 4000 });
    t.ok(`UpdateFirmware ${JSON.stringify(payload)} -> ${reply.kind} ${reply.errorCode || ''} (expected ${code}, OCPP-J §4.2.3)`, () => {
      assert.equal(reply.kind, 'CALLERROR', reply.raw);
      assert.equal(reply.errorCode, code);
    });
  };
  m = csms.mark();
  await bad('fw-bad-1', { retrieveDate: new Date().toISOString() }, 'OccurenceConstraintViolation');
  await bad('fw-bad-2', { location: 'ftp://x/fw.bin' }, 'OccurenceConstraintViolation');
  await bad('fw-bad-3', { location: 'ftp://x/fw.bin', retrieveDate: new Date().toISOString(), retries: 'three' }, 'TypeConstraintViolation');
  await t.sleep(1000);
  t.ok('no firmware activity for the refused requests', () => assert.equal(csms.callsFromCharger('FirmwareStatusNotification', m).length, 0));

  // -------------------------------------------------------------------------------------------
  t.step('GetDiagnostics');
  m = csms.mark();
  const uploadDir = require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'ocpp-diag-'));
  res = await csms.call('GetDiagnostics', { location: 'file://' + uploadDir, retries: 1, retryInterval: 5 });
  t.ok(`GetDiagnostics.conf = ${JSON.stringify(res)}: the fileName the daemon will upload (§5.9)`,
    () => assert.ok(typeof res.fileName === 'string' && res.fileName.length > 0));
  await csms.waitForCall('DiagnosticsStatusNotification', (p) => p.status === 'Uploaded', { from: m, timeoutMs: 5000 });
  const dseq = csms.callsFromCharger('DiagnosticsStatusNotification', m).map((r) => r.payload.status);
  t.ok(`DiagnosticsStatusNotification ${dseq.join(' -> ')} (§4.4)`, () => assert.deepEqual(dseq, ['Uploading', 'Uploaded']));
  t.ok(`the file ${res.fileName} was uploaded into ${uploadDir}`,
    () => assert.ok(require('fs').existsSync(require('path').join(uploadDir, res.fileName))));
  m = csms.mark();
  const mm = csms.mark();
  csms.sendRaw(JSON.stringify([2, 'gd-bad-1', 'GetDiagnostics', { retries: 1 }]));
  const reply = await csms.waitForReplyTo('gd-bad-1', { from: mm, timeoutMs: 4000 });
  t.ok(`GetDiagnostics without location -> ${reply.kind} ${reply.errorCode || ''} (OccurenceConstraintViolation)`, () => {
    assert.equal(reply.kind, 'CALLERROR', reply.raw);
    assert.equal(reply.errorCode, 'OccurenceConstraintViolation');
  });
  await t.sleep(1000);
  t.ok('no DiagnosticsStatusNotification for the refused request',
    () => assert.equal(csms.callsFromCharger('DiagnosticsStatusNotification', m).length, 0));

  // -------------------------------------------------------------------------------------------
  t.step('a pending update survives a restart of the daemon');
  const later = new Date(Date.now() + 3000).toISOString();
  res = await csms.call('UpdateFirmware', { location: 'ftp://fw.example.com/fw-2.1.bin', retrieveDate: later });
  t.ok(`UpdateFirmware.conf = ${JSON.stringify(res)}`, () => assert.deepEqual(res, {}));
  m = csms.mark();
  await cp.quit();
  await t.sleep(3500);  // retrieveDate passes while the daemon is down
  t.ok('nothing reported while the daemon was down', () => assert.equal(csms.callsFromCharger('FirmwareStatusNotification', m).length, 0));
  await cp.start();
  const boot = await csms.waitForCall('BootNotification', () => true, { from: m, timeoutMs: 10000 });
  note = await csms.waitForCall('FirmwareStatusNotification', () => true, { from: m, timeoutMs: 8000 });
  t.ok(`after the restart: FirmwareStatusNotification ${note.payload.status}: the download starts`,
    () => assert.equal(note.payload.status, 'Downloading'));
  t.ok('  sent after the BootNotification', () => assert.ok(csms.records.indexOf(note) > csms.records.indexOf(boot)));
  await csms.waitForCall('FirmwareStatusNotification', (p) => p.status === 'Installed', { from: m, timeoutMs: 8000 });
  const rseq = csms.callsFromCharger('FirmwareStatusNotification', m).map((r) => r.payload.status);
  t.ok(`  then ${rseq.join(' -> ')}`, () => assert.deepEqual(rseq, ['Downloading', 'Downloaded', 'Installing', 'Installed']));
});
