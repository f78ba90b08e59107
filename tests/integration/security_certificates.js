// integration.security_certificates — certificate management of the OCPP 1.6 Security
// Whitepaper (edition 3) end to end, ocpp-chargerd (with its OpenSSL security directory) against
// the strict CSMS, with a PKI the test makes itself (lib/pki.js):
//   (a) profile 1 (ws://): the first CentralSystemRootCertificate is installed (the bootstrap
//       exception, without which profile 2 could never be reached over OCPP), a second one is
//       refused below profile 2 (M05)
//   (b) profile 2 (wss://, verified with that root only): GetInstalledCertificateIds with hash
//       data checked against `openssl ocsp` (M03), InstallCertificate of a
//       ManufacturerRootCertificate and of a non-CA certificate (M05), DeleteCertificate (M04)
//   (c) profile 3: certificate renewal (A02): ExtendedTriggerMessage(SignChargePointCertificate),
//       the CSR checked with openssl, signed by the CPO sub-CA, CertificateSigned, and the charger
//       reconnects presenting the NEW certificate
//   (d) bad CertificateSigned: issued by an unknown CA, a chain longer than
//       CertificateSignedMaxChainSize: Rejected and InvalidChargePointCertificate (A02.FR.07)
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { scenario } = require('./lib/harness');
const { makePki } = require('./lib/pki');
const { certificateHashData, inspectCsr, trackPeerCertificates, certificateId } = require('./lib/security');

const PASSWORD = '0F1E2D3C4B5A69788796A5B4C3D2E1F0';
const CPO = 'Test CPO';
const ID = 'CP-CERT-1';
const MAX_CHAIN = 4000;

const lower = (h) => ({ ...h, issuerNameHash: h.issuerNameHash.toLowerCase(), issuerKeyHash: h.issuerKeyHash.toLowerCase(),
  serialNumber: h.serialNumber.toUpperCase().replace(/^0+(?=.)/, '') });

scenario('security_certificates', async (t) => {
  const { assert } = t;
  const pki = makePki(path.join(t.tmp, 'pki'), { identity: ID, cpoName: CPO });
  const otherRoot = pki.root('other-csms-root', { O: 'Other CSMS', CN: 'Other CSMS Root CA' });
  const rogueRoot = pki.root('rogue-root', { O: CPO, CN: 'Rogue CA' });
  const secDir = path.join(t.tmp, 'security');
  const securityEvents = (cp, type, from) => cp.find((e) => e.event === 'security_event' && e.type === type, from);

  // ---- (a) profile 1 ----------------------------------------------------------------------
  t.step('(a) profile 1 (ws://): InstallCertificate below profile 2');
  const csms1 = await t.startCsms({ basicAuthPassword: PASSWORD });
  const cp1 = await t.startChargerd(csms1, {
    id: ID, db: path.join(t.tmp, 'p1.db'),
    extraArgs: ['--security-profile', '1', '--password', PASSWORD, '--security-dir', secDir],
  });
  await cp1.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const none = await csms1.call('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' });
  t.ok(`no CentralSystemRootCertificate yet: GetInstalledCertificateIds ${none.status} (M03.FR.02)`,
    () => assert.equal(none.status, 'NotFound'));
  const first = await csms1.call('InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: pki.csmsRoot.pem });
  t.ok(`the first CentralSystemRootCertificate at profile 1: ${first.status} (M05.FR.02; the bootstrap for A05.FR.03)`,
    () => assert.equal(first.status, 'Accepted'));
  const second = await csms1.call('InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: otherRoot.pem });
  const mf1 = await csms1.call('InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: pki.manufacturerRoot.pem });
  t.ok(`a second root: ${second.status}, a ManufacturerRootCertificate: ${mf1.status} (refused below profile 2: the CSMS is not authenticated)`, () => {
    assert.equal(second.status, 'Rejected');
    assert.equal(mf1.status, 'Rejected');
  });
  const listed1 = await csms1.call('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' });
  t.ok(`GetInstalledCertificateIds: ${listed1.status}, ${(listed1.certificateHashData || []).length} root (M03.FR.03)`, () => {
    assert.equal(listed1.status, 'Accepted');
    assert.equal(listed1.certificateHashData.length, 1);
  });
  await cp1.quit();

  // ---- (b) profile 2 ----------------------------------------------------------------------
  t.step('(b) profile 2 (wss://, the server verified with the installed root alone)');
  const csms2 = await t.startCsms({ tls: { cert: pki.server.cert, key: pki.server.key }, basicAuthPassword: PASSWORD });
  // No --ca-file: the TLS handshake can only succeed through the root installed over OCPP.
  const cp2 = await t.startChargerd(csms2, {
    id: ID, db: path.join(t.tmp, 'p2.db'),
    extraArgs: ['--security-profile', '2', '--password', PASSWORD, '--security-dir', secDir],
  });
  await cp2.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted over wss://' });
  t.ok('the charger boots over wss:// trusting the CentralSystemRootCertificate installed at profile 1',
    () => assert.equal(csms2.find((r) => r.kind === 'TLS_ACCEPTED').length, 1));

  const rootHash = certificateHashData(pki.csmsRoot.cert, pki.csmsRoot.cert);
  const ids = await csms2.call('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' });
  t.ok(`GetInstalledCertificateIds CentralSystemRootCertificate: ${ids.status}, serial ${ids.certificateHashData && ids.certificateHashData[0].serialNumber}, ` +
    `issuerNameHash ${rootHash.issuerNameHash.slice(0, 12)}... as openssl ocsp computes it (M03.FR.03, M03.FR.04)`, () => {
    assert.equal(ids.status, 'Accepted');
    assert.equal(ids.certificateHashData.length, 1);
    assert.deepEqual(lower(ids.certificateHashData[0]), lower(rootHash));
  });
  const noMf = await csms2.call('GetInstalledCertificateIds', { certificateType: 'ManufacturerRootCertificate' });
  t.ok(`GetInstalledCertificateIds ManufacturerRootCertificate: ${noMf.status} (M03.FR.02)`, () => {
    assert.equal(noMf.status, 'NotFound');
    assert.equal(noMf.certificateHashData, undefined);
  });

  const mf = await csms2.call('InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: pki.manufacturerRoot.pem });
  const leaf = await csms2.call('InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: pki.server.pem });
  const garbage = await csms2.call('InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n' });
  t.ok(`at profile 2: ManufacturerRootCertificate ${mf.status} (M05.FR.02); a server (non-CA) certificate as a root ${leaf.status}, ` +
    `a broken PEM ${garbage.status} (M05.FR.06)`, () => {
    assert.equal(mf.status, 'Accepted');
    assert.equal(leaf.status, 'Rejected');
    assert.equal(garbage.status, 'Rejected');
  });
  const mfHash = certificateHashData(pki.manufacturerRoot.cert, pki.manufacturerRoot.cert);
  const mfIds = await csms2.call('GetInstalledCertificateIds', { certificateType: 'ManufacturerRootCertificate' });
  t.ok(`GetInstalledCertificateIds ManufacturerRootCertificate: the new root's hash data, serial ${mfHash.serialNumber} (M03.FR.04)`, () => {
    assert.equal(mfIds.status, 'Accepted');
    assert.equal(mfIds.certificateHashData.length, 1);
    assert.deepEqual(lower(mfIds.certificateHashData[0]), lower(mfHash));
  });
  t.ok('the manufacturer root is a file in the security directory',
    () => assert.equal(fs.readdirSync(path.join(secDir, 'ca', 'manufacturer_root')).length, 1));
  const del = await csms2.call('DeleteCertificate', { certificateHashData: mfHash });
  const delAgain = await csms2.call('DeleteCertificate', { certificateHashData: mfHash });
  const unknown = await csms2.call('DeleteCertificate', { certificateHashData: certificateHashData(otherRoot.cert, otherRoot.cert) });
  const afterDel = await csms2.call('GetInstalledCertificateIds', { certificateType: 'ManufacturerRootCertificate' });
  t.ok(`DeleteCertificate: ${del.status}, the same again ${delAgain.status}, a root never installed ${unknown.status}; ` +
    `then GetInstalledCertificateIds ${afterDel.status} (M04.FR.02, M04.FR.04)`, () => {
    assert.equal(del.status, 'Accepted');
    assert.equal(delAgain.status, 'NotFound');
    assert.equal(unknown.status, 'NotFound');
    assert.equal(afterDel.status, 'NotFound');
  });
  await cp2.quit();

  // ---- (c) profile 3: renewal ---------------------------------------------------------------
  t.step('(c) profile 3: the charge point certificate renewed over OCPP (A02)');
  const csms3 = await t.startCsms({
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.csmsRoot.cert, requireClientCertificate: true },
  });
  const peers = trackPeerCertificates(csms3);
  const csrs = [];
  csms3.setHandler('SignCertificate', (p) => {
    csrs.push(p.csr);
    return { status: 'Accepted' };
  });
  const cp3 = await t.startChargerd(csms3, {
    id: ID, db: path.join(t.tmp, 'p3.db'),
    // The firmware lowers the read-only CertificateSignedMaxChainSize below the schema's 10000.
    extraArgs: ['--security-profile', '3', '--cert', pki.chargePoint.chain, '--key', pki.chargePoint.key, '--security-dir', secDir,
      '--configuration', `CertificateSignedMaxChainSize=${MAX_CHAIN}`],
  });
  await cp3.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted over profile 3' });
  const oldId = certificateId(pki.chargePoint.pem);
  t.ok(`the charger presents its provisioned certificate, serial ${oldId.serial}`, () => {
    assert.equal(peers.length, 1);
    assert.equal(peers[0].serial, oldId.serial);
  });
  const cpo = await csms3.call('ChangeConfiguration', { key: 'CpoName', value: CPO });
  t.ok(`ChangeConfiguration CpoName="${CPO}": ${cpo.status}`, () => assert.equal(cpo.status, 'Accepted'));

  let m = csms3.mark();
  let em = cp3.mark();
  const trig = await csms3.call('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' });
  const sign = await csms3.waitForCall('SignCertificate', () => true, { from: m, timeoutMs: 10000 });
  t.ok(`ExtendedTriggerMessage(SignChargePointCertificate): ${trig.status}, then SignCertificate.req answered ${sign.response.payload.status} (A02.FR.02, A02.FR.11)`, () => {
    assert.equal(trig.status, 'Accepted');
    assert.equal(sign.response.payload.status, 'Accepted');
  });
  const csr = inspectCsr(sign.payload.csr, t.tmp);
  t.ok(`the CSR is PEM (RFC 2986), its signature verifies, subject "${csr.subject}" (A02.FR.03, CN = identity, O = CpoName A02.FR.13)`, () => {
    assert.match(sign.payload.csr, /^-----BEGIN CERTIFICATE REQUEST-----/);
    assert.equal(csr.verified, true);
    assert.equal(csr.CN, ID);
    assert.equal(csr.O, CPO);
  });
  const renewed = pki.signCsr(sign.payload.csr);
  const newId = certificateId(renewed);
  m = csms3.mark();
  const signed = await csms3.call('CertificateSigned', { certificateChain: renewed + pki.cpoSubCa.pem });
  t.ok(`CertificateSigned (leaf serial ${newId.serial} + CPO sub-CA): ${signed.status} (A02.FR.06)`,
    () => assert.equal(signed.status, 'Accepted'));
  const changed = await cp3.waitFor((e) => e.event === 'client_certificate_changed', { from: em, timeoutMs: 5000 });
  await csms3.waitFor((r) => r.kind === 'CONNECTED', { from: m, timeoutMs: 10000, desc: 'the reconnection' });
  await csms3.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 5000, desc: 'the old connection closed' });
  const installedEv = securityEvents(cp3, 'ReconfigurationOfSecurityParameters', em)[0];
  t.ok(`{"event":"${changed.event}"}, a security event "${installedEv && installedEv.techInfo}", and a new connection`, () => {
    assert.ok(installedEv);
    assert.equal(csms3.find((r) => r.kind === 'CONNECTED', m).length, 1);
  });
  const last = peers[peers.length - 1];
  t.ok(`the new TLS handshake presents the NEW certificate: serial ${last.serial} (was ${oldId.serial}), fingerprint ${last.fingerprint256.slice(0, 17)}... (A02.FR.08)`, () => {
    assert.equal(last.serial, newId.serial);
    assert.equal(last.fingerprint256, newId.fingerprint256);
    assert.notEqual(last.serial, oldId.serial);
    assert.equal(last.CN, ID);
  });
  await csms3.waitForCall('StatusNotification', () => true, { from: m, timeoutMs: 5000 }).catch(() => {});

  // ---- (d) bad CertificateSigned ----------------------------------------------------------
  t.step('(d) CertificateSigned that must be refused (A02.FR.06, A02.FR.07)');
  const newCsr = async () => {
    const from = csms3.mark();
    const r = await csms3.call('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' });
    assert.equal(r.status, 'Accepted');
    return (await csms3.waitForCall('SignCertificate', () => true, { from, timeoutMs: 10000 })).payload.csr;
  };
  const rogueCsrFile = path.join(t.tmp, 'rogue.csr');
  fs.writeFileSync(rogueCsrFile, await newCsr());
  const rogueCert = fs.readFileSync(pki.issue(rogueRoot, rogueCsrFile, path.join(t.tmp, 'rogue.pem'), [
    'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyAgreement', 'extendedKeyUsage = clientAuth',
  ]), 'utf8');
  m = csms3.mark();
  em = cp3.mark();
  const rogue = await csms3.call('CertificateSigned', { certificateChain: rogueCert });
  const rogueEv = await cp3.waitFor((e) => e.event === 'security_event' && e.type === 'InvalidChargePointCertificate',
    { from: em, timeoutMs: 5000 });
  t.ok(`issued by an unknown CA: ${rogue.status}, security_event ${rogueEv.type} "${rogueEv.techInfo}" (A02.FR.07)`, () => {
    assert.equal(rogue.status, 'Rejected');
    assert.match(rogueEv.techInfo, /untrusted|chain|trust/i);
  });

  // The schema caps certificateChain at 10000 characters; the charger's own limit,
  // CertificateSignedMaxChainSize (section 7.3), is lower here. A correctly signed chain padded
  // with copies of the sub-CA: over the key's value it is refused by the check alone.
  const maxSize = await csms3.call('GetConfiguration', { key: ['CertificateSignedMaxChainSize'] });
  const limit = Number(maxSize.configurationKey[0].value);
  t.ok(`CertificateSignedMaxChainSize = ${limit} (read-only, set by the firmware)`, () => {
    assert.equal(limit, MAX_CHAIN);
    assert.equal(maxSize.configurationKey[0].readonly, true);
  });
  let longChain = pki.signCsr(await newCsr()) + pki.cpoSubCa.pem;
  while (longChain.length <= limit) longChain += pki.cpoSubCa.pem;
  em = cp3.mark();
  const long = await csms3.call('CertificateSigned', { certificateChain: longChain });
  const longEv = await cp3.waitFor((e) => e.event === 'security_event' && e.type === 'InvalidChargePointCertificate',
    { from: em, timeoutMs: 5000 });
  t.ok(`a valid chain of ${longChain.length} characters: ${long.status}, security_event "${longEv.techInfo}" (section 7.3, A02.FR.07)`, () => {
    assert.equal(long.status, 'Rejected');
    assert.match(longEv.techInfo, /CertificateSignedMaxChainSize/);
  });
  // Over the schema's 10000 (sent raw: ocpp-rpc would not send it): refused by the message
  // validation, before any certificate check.
  while (longChain.length <= 10000) longChain += pki.cpoSubCa.pem;
  const rawId = `long-chain-${Date.now()}`;
  csms3.sendRaw(JSON.stringify([2, rawId, 'CertificateSigned', { certificateChain: longChain }]));
  const tooLong = await csms3.waitForReplyTo(rawId, { timeoutMs: 5000 });
  t.ok(`a chain of ${longChain.length} characters (over the schema's maxLength): ${tooLong.kind} ${tooLong.errorCode} "${tooLong.errorDescription}"`, () => {
    assert.equal(tooLong.kind, 'CALLERROR');
    assert.equal(tooLong.errorCode, 'PropertyConstraintViolation');
  });
  await t.sleep(500);
  t.ok('no reconnection after the refused certificates; the charger still presents the renewed one', () => {
    assert.equal(csms3.find((r) => r.kind === 'DISCONNECTED', m).length, 0);
    assert.equal(peers[peers.length - 1].serial, newId.serial);
  });
  t.ok('InvalidChargePointCertificate is not critical: it stays in the security log (section 8)',
    () => assert.equal(csms3.callsFromCharger('SecurityEventNotification', m)
      .filter((r) => r.payload.type === 'InvalidChargePointCertificate').length, 0));
  await cp3.quit();
}, { timeoutMs: 60000 });
