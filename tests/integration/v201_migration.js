// integration.v201_migration — ocpp-chargerd --ocpp 2.0.1 migrating to another CSMS whose server
// certificate comes from a new CSMS root (part 2 B09, B10, M05; part 6 TC_M_31, TC_B_47,
// TC_B_50), over security profile 2 with the OpenSSL SecurityProvider and
// SecurityCtrlr.AdditionalRootCertificateCheck true (set as the firmware would,
// --configuration). The PKI is made by the test (lib/pki.js):
//
//   root 1 (old) ─┬─ server certificate of CSMS A and of CSMS "old" (127.0.0.1)
//                 └─ root 2 (new, signed by root 1) ── server certificate of CSMS B
//
//   M05.FR.12: InstallCertificate root 2 replaces root 1, which stays as the fallback
//   TC_M_31 (M05.FR.14): Reset -> the reconnection to A fails with root 2 alone, succeeds with
//     the fallback root 1, which stays installed
//   TC_B_47 (M05.FR.15, M05.FR.16, B10.FR.07): slot 2 = CSMS "old" (root 1) first in
//     NetworkConfigurationPriority, NetworkProfileConnectionAttempts 1 -> root 2 alone refuses
//     it, the station goes back to slot 1 (A) with the fallback root, which stays installed
//   TC_B_50 (M05.FR.13, B10.FR.04): slot 2 = CSMS B (root 2) -> the station boots on B, verified
//     by root 2, and removes root 1
//   TC_M_30 (M05.FR.13): root 3 (signed by root 2) replaces root 2; after a Reset B presents a
//     root 3 certificate: verified at once, root 2 removed
'use strict';

const path = require('node:path');
const { scenario } = require('./lib/harness');
const { makePki } = require('./lib/pki');
const { certificateHashData } = require('./lib/security');
const { startStation, setVariables } = require('./lib/v201');

const PASSWORD = 'migration-password-0123456789';

scenario('v201_migration', async (t) => {
  const { assert } = t;
  const pki = makePki(path.join(t.tmp, 'pki'), { identity: 'CS-MIGRATION', cpoName: 'Test CPO' });
  const root1 = pki.csmsRoot;
  const root2 = pki.leaf('csms-root-2', root1, { O: 'Test CSMS', CN: 'Test CSMS Root CA 2' }, [
    'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign',
  ]);
  const serverB = pki.leaf('server-b', root2, { O: 'Test CSMS B', CN: '127.0.0.1' }, [
    'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature',
    'extendedKeyUsage = serverAuth', 'subjectAltName = IP:127.0.0.1',
  ]);
  const root1Hash = certificateHashData(root1.cert, root1.cert);
  const tlsOpts = (cert) => ({ ocpp: '2.0.1', tls: { cert: cert.cert, key: cert.key }, basicAuthPassword: PASSWORD });

  const csmsA = await t.startCsms(tlsOpts(pki.server));
  const cp = await startStation(t, csmsA, {
    extraArgs: ['--security-profile', '2', '--password', PASSWORD, '--ca-file', root1.cert,
      '--security-dir', path.join(t.tmp, 'security'),
      '--configuration', 'SecurityCtrlr.AdditionalRootCertificateCheck=true'],
  });
  await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted on A' });

  const csmsRoots = async (csms) => {
    const r = await csms.call('GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] });
    return (r.certificateHashDataChain || []).map((c) => c.certificateHashData);
  };
  const hasRoot1 = (hashes) => hashes.some((h) => h.issuerNameHash === root1Hash.issuerNameHash &&
    h.issuerKeyHash === root1Hash.issuerKeyHash && h.serialNumber.toUpperCase() === root1Hash.serialNumber.toUpperCase());
  // Reset OnIdle: the daemon exits (its "reboot") and is started again on the same store.
  const reboot = async (csms) => {
    const reset = await csms.call('Reset', { type: 'OnIdle' });
    assert.equal(reset.status, 'Accepted');
    const exit = await cp.exited;
    assert.equal(exit.code, 0);
    await cp.start();
    return reset.status;
  };
  const bootOn = (csms, from, desc) => csms.waitForCall('BootNotification', () => true, { from, timeoutMs: 15000, desc });
  const eventsOfRun = (pred) => cp.events.filter((e) => e.run === cp.run && pred(e));

  // ---------------------------------------------------------------------------------------
  t.step('M05.FR.12: InstallCertificate root 1, then root 2 (signed by it): root 1 kept as the fallback');
  const first = await csmsA.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: root1.pem });
  const second = await csmsA.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: root2.pem });
  const installed = await csmsRoots(csmsA);
  t.ok(`root 1 ${first.status}, root 2 ${second.status}; ${installed.length} CSMS roots installed, root 1 among them`, () => {
    assert.equal(first.status, 'Accepted');
    assert.equal(second.status, 'Accepted');
    assert.equal(installed.length, 2);
    assert.ok(hasRoot1(installed));
  });

  // ---------------------------------------------------------------------------------------
  t.step('TC_M_31 (M05.FR.14): Reset; root 2 does not verify A, the fallback root 1 does');
  let m = csmsA.mark();
  await reboot(csmsA);
  await bootOn(csmsA, m, 'BootNotification on A');
  await cp.waitFor((e) => e.run === cp.run && e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const refusedA = csmsA.find((r) => r.kind === 'TLS_REFUSED', m);
  const invalidA = eventsOfRun((e) => e.event === 'security_event' && e.type === 'InvalidCsmsCertificate');
  const afterM31 = await csmsRoots(csmsA);
  t.ok(`first handshake with root 2 alone refused (${refusedA.length} TLS_REFUSED, ${invalidA.length} InvalidCsmsCertificate), then booted on A through root 1; root 1 still installed (${afterM31.length} roots)`, () => {
    assert.ok(refusedA.length >= 1);
    assert.ok(invalidA.length >= 1);
    assert.equal(afterM31.length, 2);
    assert.ok(hasRoot1(afterM31));
  });

  // ---------------------------------------------------------------------------------------
  t.step('TC_B_47: slot 2 = a CSMS with a root 1 certificate; root 2 alone refuses it; back to slot 1 with root 1');
  const csmsOld = await t.startCsms(tlsOpts(pki.server));
  const attempts = await setVariables(csmsA, [['OCPPCommCtrlr', 'NetworkProfileConnectionAttempts', '1']]);
  const profile = (url) => ({
    configurationSlot: 2,
    connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: url, messageTimeout: 30,
      ocppInterface: 'Wired0', securityProfile: 2 },
  });
  const setOld = await csmsA.call('SetNetworkProfile', profile(csmsOld.url));
  const prio = await setVariables(csmsA, [['OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1']]);
  t.ok(`NetworkProfileConnectionAttempts 1: ${attempts}; SetNetworkProfile slot 2: ${setOld.status}; NetworkConfigurationPriority "2,1": ${prio}`, () => {
    assert.deepEqual(attempts, ['Accepted']);
    assert.equal(setOld.status, 'Accepted');
    assert.ok(['Accepted', 'RebootRequired'].includes(prio[0]));
  });
  m = csmsA.mark();
  const mOld = csmsOld.mark();
  await reboot(csmsA);
  await bootOn(csmsA, m, 'BootNotification back on A');
  const refusedOld = csmsOld.find((r) => r.kind === 'TLS_REFUSED', mOld);
  const reachedOld = csmsOld.find((r) => r.kind === 'CONNECTED', mOld);
  const afterB47 = await csmsRoots(csmsA);
  t.ok(`slot 2 refused at the handshake (${refusedOld.length} TLS_REFUSED, ${reachedOld.length} WebSockets: M05.FR.15), booted back on slot 1 (B10.FR.07) through the fallback root, which stays (M05.FR.16; ${afterB47.length} roots)`, () => {
    assert.equal(refusedOld.length, 1);  // NetworkProfileConnectionAttempts
    assert.equal(reachedOld.length, 0);
    assert.equal(afterB47.length, 2);
    assert.ok(hasRoot1(afterB47));
  });
  await csmsOld.stop();

  // ---------------------------------------------------------------------------------------
  t.step('TC_B_50: slot 2 = CSMS B with a root 2 certificate; the station boots there, root 1 removed (M05.FR.13)');
  const csmsB = await t.startCsms(tlsOpts(serverB));
  const setB = await csmsA.call('SetNetworkProfile', profile(csmsB.url));
  const prioB = await setVariables(csmsA, [['OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1']]);
  t.ok(`SetNetworkProfile slot 2 = ${csmsB.url}: ${setB.status}; NetworkConfigurationPriority "2,1": ${prioB}`, () => {
    assert.equal(setB.status, 'Accepted');
    assert.ok(['Accepted', 'RebootRequired'].includes(prioB[0]));
  });
  m = csmsA.mark();
  const reset = await reboot(csmsA);
  const bootB = await bootOn(csmsB, 0, 'BootNotification on B');
  await cp.waitFor((e) => e.run === cp.run && e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted on B' });
  const removed = await cp.waitFor((e) => e.run === cp.run && e.event === 'security_event' &&
    e.type === 'ReconfigurationOfSecurityParameters' && /fallback/.test(e.techInfo || ''),
  { timeoutMs: 5000, desc: 'the fallback root removed' });
  const onB = await csmsRoots(csmsB);
  const active = await csmsB.call('GetVariables', {
    getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'ActiveNetworkProfile' } }],
  });
  t.ok(`Reset ${reset}; booted on B (reason ${bootB.payload.reason}), first handshake verified by root 2 (${csmsB.find((r) => r.kind === 'TLS_REFUSED').length} refused); A not contacted; "${removed.techInfo}": ${onB.length} CSMS root left, not root 1; ActiveNetworkProfile ${active.getVariableResult[0].attributeValue}`, () => {
    assert.equal(bootB.payload.reason, 'RemoteReset');
    assert.equal(csmsB.find((r) => r.kind === 'TLS_REFUSED').length, 0);
    assert.equal(csmsA.find((r) => r.kind === 'CONNECTED', m).length, 0);
    assert.equal(onB.length, 1);
    assert.ok(!hasRoot1(onB));
    assert.equal(active.getVariableResult[0].attributeValue, '2');
  });

  // ---------------------------------------------------------------------------------------
  t.step('TC_M_30 (M05.FR.13): root 3 (signed by root 2) installed; B presents a root 3 certificate after the Reset');
  const root3 = pki.leaf('csms-root-3', root2, { O: 'Test CSMS', CN: 'Test CSMS Root CA 3' }, [
    'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign',
  ]);
  const serverB3 = pki.leaf('server-b3', root3, { O: 'Test CSMS B', CN: '127.0.0.1' }, [
    'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature',
    'extendedKeyUsage = serverAuth', 'subjectAltName = IP:127.0.0.1',
  ]);
  const third = await csmsB.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: root3.pem });
  const beforeM30 = await csmsRoots(csmsB);
  t.ok(`InstallCertificate root 3: ${third.status}; ${beforeM30.length} CSMS roots (root 2 kept as the fallback)`, () => {
    assert.equal(third.status, 'Accepted');
    assert.equal(beforeM30.length, 2);
  });
  const resetM30 = await csmsB.call('Reset', { type: 'OnIdle' });
  await cp.exited;
  await csmsB.stop();
  csmsB.tls = { cert: serverB3.cert, key: serverB3.key };
  await csmsB.start();
  const mB = csmsB.mark();
  await cp.start();
  await bootOn(csmsB, mB, 'BootNotification on B (root 3)');
  await cp.waitFor((e) => e.run === cp.run && e.event === 'security_event' &&
    e.type === 'ReconfigurationOfSecurityParameters' && /fallback/.test(e.techInfo || ''),
  { timeoutMs: 5000, desc: 'the fallback root 2 removed' });
  const afterM30 = await csmsRoots(csmsB);
  const invalidM30 = eventsOfRun((e) => e.event === 'security_event' && e.type === 'InvalidCsmsCertificate');
  t.ok(`Reset ${resetM30.status}; reconnected to B verified by root 3 at once (${invalidM30.length} InvalidCsmsCertificate); ${afterM30.length} CSMS root left (root 2 removed)`, () => {
    assert.equal(resetM30.status, 'Accepted');
    assert.equal(invalidM30.length, 0);
    assert.equal(afterM30.length, 1);
  });
  await cp.quit();
});
