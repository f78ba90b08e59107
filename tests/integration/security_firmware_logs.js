// integration.security_firmware_logs — the file flows of the OCPP 1.6 Security Whitepaper
// (edition 3), ocpp-chargerd (whose hooks upload to file:// and http:// locations and download
// from them) against the strict CSMS, with a PKI the test makes itself (lib/pki.js):
//   GetLog (N01): SecurityLog with a time range into a local directory, DiagnosticsLog with an
//     HTTP PUT, an unusable location; LogStatusNotification Uploading -> Uploaded / UploadFailure
//   SignedUpdateFirmware (L01): an image signed by the firmware signing key -> Downloading,
//     Downloaded, SignatureVerified, Installing, Installed and a FirmwareUpdated event; a
//     tampered image -> InvalidSignature and InvalidFirmwareSignature; a signing certificate of
//     another root -> InvalidCertificate; a missing image -> DownloadFailed; plain UpdateFirmware
//     -> CALLERROR NotSupported (L01.FR.20)
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { scenario } = require('./lib/harness');
const { makePki } = require('./lib/pki');
const { FileServer } = require('./lib/security');

const sfwStatuses = (csms, requestId, from = 0) => csms.callsFromCharger('SignedFirmwareStatusNotification', from)
  .filter((r) => r.payload.requestId === requestId).map((r) => r.payload.status);
const logStatuses = (csms, requestId, from = 0) => csms.callsFromCharger('LogStatusNotification', from)
  .filter((r) => r.payload.requestId === requestId).map((r) => r.payload.status);

scenario('security_firmware_logs', async (t) => {
  const { assert } = t;
  const pki = makePki(path.join(t.tmp, 'pki'), { identity: 'CP-FW', cpoName: 'Test CPO' });
  const uploads = path.join(t.tmp, 'uploads');
  const served = path.join(t.tmp, 'served');
  fs.mkdirSync(uploads);
  fs.mkdirSync(served);
  const files = new FileServer(served);
  await files.listen();

  const { csms, cp } = await t.bootedPair({
    cpOpts: { extraArgs: ['--security-dir', path.join(t.tmp, 'security'), '--firmware-signing-root', pki.manufacturerRoot.cert] },
  });

  // ---- GetLog ------------------------------------------------------------------------------
  t.step('GetLog SecurityLog with a time range (N01)');
  cp.send('security_event InvalidMessages before the range');
  await cp.waitFor((e) => e.event === 'security_event' && e.techInfo === 'before the range');
  await t.sleep(1100);
  const oldest = new Date(Date.now() - 50).toISOString();
  for (const n of [1, 2, 3]) cp.send(`security_event InvalidMessages in range #${n}`);
  await cp.waitFor((e) => e.event === 'security_event' && e.techInfo === 'in range #3');
  await t.sleep(1100);
  const latest = new Date().toISOString();
  await t.sleep(1100);
  cp.send('security_event InvalidMessages after the range');
  await cp.waitFor((e) => e.event === 'security_event' && e.techInfo === 'after the range');

  let m = csms.mark();
  const sec = await csms.call('GetLog', {
    logType: 'SecurityLog', requestId: 41, log: { remoteLocation: `file://${uploads}`, oldestTimestamp: oldest, latestTimestamp: latest },
  });
  t.ok(`GetLog SecurityLog: ${sec.status}, filename "${sec.filename}" (N01.FR.01)`, () => {
    assert.equal(sec.status, 'Accepted');
    assert.ok(sec.filename && sec.filename.length <= 255);
  });
  await csms.waitForCall('LogStatusNotification', (p) => p.requestId === 41 && p.status !== 'Uploading', { from: m, timeoutMs: 10000 });
  t.ok(`LogStatusNotification for requestId 41: ${logStatuses(csms, 41, m).join(' -> ')} (N01.FR.07, N01.FR.08, N01.FR.09)`,
    () => assert.deepEqual(logStatuses(csms, 41, m), ['Uploading', 'Uploaded']));
  const secFile = path.join(uploads, sec.filename);
  const secLines = fs.existsSync(secFile) ? fs.readFileSync(secFile, 'utf8').trim().split('\n') : [];
  t.ok(`the uploaded ${sec.filename} holds the ${secLines.length} security log entries of the range, nothing before or after it (N01.FR.02, N01.FR.03)`, () => {
    assert.ok(fs.existsSync(secFile));
    for (const n of [1, 2, 3]) assert.ok(secLines.some((l) => l.endsWith(`InvalidMessages in range #${n}`)), `entry #${n} missing`);
    assert.ok(!secLines.some((l) => /before the range|after the range/.test(l)));
    for (const l of secLines) {
      const ts = Date.parse(l.split(' ')[0]);
      assert.ok(ts >= Date.parse(oldest) - 1000 && ts <= Date.parse(latest), `entry outside the range: ${l}`);
    }
  });

  t.step('GetLog DiagnosticsLog with an HTTP PUT; an unusable location');
  m = csms.mark();
  const diag = await csms.call('GetLog', { logType: 'DiagnosticsLog', requestId: 42, log: { remoteLocation: `${files.url}/logs/` } });
  await csms.waitForCall('LogStatusNotification', (p) => p.requestId === 42 && p.status !== 'Uploading', { from: m, timeoutMs: 10000 });
  const put = files.requests.find((r) => r.method === 'PUT');
  t.ok(`DiagnosticsLog: ${diag.status} "${diag.filename}", ${logStatuses(csms, 42, m).join(' -> ')}, ` +
    `the file PUT to ${put && put.url} (N01.FR.04)`, () => {
    assert.equal(diag.status, 'Accepted');
    assert.deepEqual(logStatuses(csms, 42, m), ['Uploading', 'Uploaded']);
    assert.equal(put.url, `/logs/${diag.filename}`);
    assert.match(fs.readFileSync(path.join(served, diag.filename), 'utf8'), /diagnostics/);
  });
  m = csms.mark();
  const bad = await csms.call('GetLog', { logType: 'SecurityLog', requestId: 43, log: { remoteLocation: `file://${t.tmp}/no/such/dir` } });
  await csms.waitForCall('LogStatusNotification', (p) => p.requestId === 43 && p.status !== 'Uploading', { from: m, timeoutMs: 10000 });
  t.ok(`an unusable location: ${bad.status}, then ${logStatuses(csms, 43, m).join(' -> ')} (N01.FR.10)`,
    () => assert.deepEqual(logStatuses(csms, 43, m), ['Uploading', 'UploadFailure']));

  // ---- SignedUpdateFirmware --------------------------------------------------------------------
  const image = path.join(served, 'firmware-1.2.bin');
  fs.writeFileSync(image, 'ocpp-chargerd firmware 1.2\n'.repeat(2000));
  const signature = pki.signFile(image);
  const fwRequest = (requestId, location, sig = signature, cert = pki.firmwareSigning.pem) => ({
    requestId, retries: 0,
    firmware: { location, retrieveDateTime: new Date().toISOString(), signingCertificate: cert, signature: sig },
  });

  t.step('SignedUpdateFirmware with a correctly signed image (L01)');
  m = csms.mark();
  let em = cp.mark();
  const ok = await csms.call('SignedUpdateFirmware', fwRequest(51, `${files.url}/firmware-1.2.bin`));
  await csms.waitForCall('SignedFirmwareStatusNotification', (p) => p.requestId === 51 && /Installed|Failed|Invalid/.test(p.status),
    { from: m, timeoutMs: 15000 });
  const updated = await csms.waitForCall('SecurityEventNotification', (p) => p.type === 'FirmwareUpdated', { from: m, timeoutMs: 5000 });
  t.ok(`SignedUpdateFirmware: ${ok.status}; SignedFirmwareStatusNotification ${sfwStatuses(csms, 51, m).join(' -> ')} (L01.FR.01, L01.FR.04, L01.FR.10)`, () => {
    assert.equal(ok.status, 'Accepted');
    assert.deepEqual(sfwStatuses(csms, 51, m), ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'Installed']);
  });
  const dl = cp.find((e) => e.event === 'signed_firmware' && e.stage === 'install', em)[0];
  t.ok(`the daemon downloaded it over HTTP into ${dl && path.basename(dl.path)} (the same bytes) and was asked to install it`, () => {
    assert.ok(files.requests.some((r) => r.method === 'GET' && r.url === '/firmware-1.2.bin'));
    assert.ok(fs.readFileSync(dl.path).equals(fs.readFileSync(image)));
  });
  t.ok(`SecurityEventNotification ${updated.payload.type} "${updated.payload.techInfo}" reached the CSMS (critical, section 8)`,
    () => assert.equal(updated.response.kind, 'CALLRESULT'));

  t.step('a tampered image, a signing certificate of another root, a missing image');
  const tampered = path.join(t.tmp, 'firmware-tampered.bin');
  fs.writeFileSync(tampered, Buffer.concat([fs.readFileSync(image), Buffer.from('x')]));
  m = csms.mark();
  const tam = await csms.call('SignedUpdateFirmware', fwRequest(52, `file://${tampered}`));
  await csms.waitForCall('SignedFirmwareStatusNotification', (p) => p.requestId === 52 && p.status === 'InvalidSignature', { from: m, timeoutMs: 15000 });
  const sigEv = await csms.waitForCall('SecurityEventNotification', (p) => p.type === 'InvalidFirmwareSignature', { from: m, timeoutMs: 5000 });
  await t.sleep(800);
  t.ok(`tampered: ${tam.status}, ${sfwStatuses(csms, 52, m).join(' -> ')}, SecurityEventNotification ${sigEv.payload.type} (L01.FR.03); never installed`, () => {
    assert.equal(tam.status, 'Accepted');
    assert.deepEqual(sfwStatuses(csms, 52, m), ['Downloading', 'Downloaded', 'InvalidSignature']);
    assert.equal(cp.find((e) => e.event === 'signed_firmware' && e.requestId === 52 && e.stage === 'install').length, 0);
  });

  const otherRoot = pki.root('other-manufacturer-root', { O: 'Other Manufacturer', CN: 'Other Manufacturer Root CA' });
  const otherSigner = pki.leaf('other-firmware-signing', otherRoot, { O: 'Other Manufacturer', CN: 'Other Firmware Signing' },
    ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = codeSigning']);
  m = csms.mark();
  em = cp.mark();
  const foreign = await csms.call('SignedUpdateFirmware', fwRequest(53, `${files.url}/firmware-1.2.bin`, signature, otherSigner.pem));
  const certEv = await csms.waitForCall('SecurityEventNotification', (p) => p.type === 'InvalidFirmwareSigningCertificate', { from: m, timeoutMs: 5000 });
  await t.sleep(500);
  t.ok(`a signing certificate from another root: ${foreign.status}, SecurityEventNotification ${certEv.payload.type}, no download (L01.FR.23, L01.FR.24, L01.FR.02)`, () => {
    assert.equal(foreign.status, 'InvalidCertificate');
    assert.equal(sfwStatuses(csms, 53, m).length, 0);
    assert.equal(cp.find((e) => e.event === 'signed_firmware' && e.requestId === 53).length, 0);
  });

  m = csms.mark();
  const missing = await csms.call('SignedUpdateFirmware', fwRequest(54, `file://${t.tmp}/no-such-image.bin`));
  await csms.waitForCall('SignedFirmwareStatusNotification', (p) => p.requestId === 54 && p.status === 'DownloadFailed', { from: m, timeoutMs: 10000 });
  const failEv = cp.find((e) => e.event === 'signed_firmware' && e.requestId === 54 && e.status === 'DownloadFailed')[0];
  t.ok(`a missing image: ${missing.status}, ${sfwStatuses(csms, 54, m).join(' -> ')} ("${failEv && failEv.reason}", retries 0)`, () => {
    assert.equal(missing.status, 'Accepted');
    assert.deepEqual(sfwStatuses(csms, 54, m), ['Downloading', 'DownloadFailed']);
  });

  t.step('plain UpdateFirmware once a manufacturer root is installed (L01.FR.20)');
  let err = null;
  try {
    await csms.call('UpdateFirmware', { location: `${files.url}/firmware-1.2.bin`, retrieveDate: new Date().toISOString() });
  } catch (e) {
    err = e;
  }
  await t.sleep(500);
  t.ok(`UpdateFirmware: CALLERROR ${err && err.rpcErrorCode}, no download started`, () => {
    assert.ok(err, 'UpdateFirmware was answered with a CALLRESULT');
    assert.equal(err.rpcErrorCode, 'NotSupported');
    assert.equal(cp.find((e) => e.event === 'firmware_download').length, 0);
  });
  await files.close();
}, { timeoutMs: 60000 });
