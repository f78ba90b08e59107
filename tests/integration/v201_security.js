// integration.v201_security — ocpp-chargerd --ocpp 2.0.1 over security profiles 2 and 3 against
// the strict 2.0.1 CSMS, with a PKI the test makes itself (lib/pki.js).
//   A00 profile 2: wss:// + HTTP Basic auth (user name = identity), the server certificate
//     verified against the CA file; profile 3: wss:// + client certificate, no Basic auth
//   A01 (TC_A_09, TC_A_10): SetVariables SecurityCtrlr.BasicAuthPassword Accepted -> the station
//     reconnects with the new password; too short -> Rejected, the old one kept
//   A04 (TC_A_05): a server certificate for another host is refused, recorded as the security
//     event InvalidCsmsCertificate
'use strict';

const path = require('node:path');
const { scenario } = require('./lib/harness');
const { makePki } = require('./lib/pki');
const { startStation, setVariables } = require('./lib/v201');

const PASSWORD = 'first-password-0123456789';  // 16 to 40 characters (A00.FR.205)
const NEW_PASSWORD = 'second-password-9876543210';
const CPO = 'Test CPO';
const ID3 = 'CS-SEC-3';  // the profile 3 station: its certificate's CN

function basic(id, password) {
  return `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}`;
}

scenario('v201_security', async (t) => {
  const { assert } = t;
  const pki = makePki(path.join(t.tmp, 'pki'), { identity: ID3, cpoName: CPO });

  // ---- profile 2 and A01 -------------------------------------------------------------------
  t.step('profile 2: wss:// + Basic auth; SetVariables BasicAuthPassword (A01)');
  const csms2 = await t.startCsms({
    ocpp: '2.0.1', tls: { cert: pki.server.cert, key: pki.server.key }, basicAuthPassword: PASSWORD,
  });
  const cp2 = await startStation(t, csms2, {
    extraArgs: ['--security-profile', '2', '--password', PASSWORD, '--ca-file', pki.csmsRoot.cert],
  });
  await cp2.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const tls2 = csms2.records.filter((r) => r.kind === 'TLS_ACCEPTED')[0];
  t.ok(`profile 2 boots over ${csms2.url} (${tls2.protocol}), Basic auth inside TLS (A00.FR.202)`, () => {
    assert.ok(['TLSv1.2', 'TLSv1.3'].includes(tls2.protocol));
    assert.equal(csms2.handshakes[0].headers.authorization, basic(cp2.o.id, PASSWORD));
  });

  const short = await setVariables(csms2, [['SecurityCtrlr', 'BasicAuthPassword', 'too-short']]);
  t.ok(`a password of 9 characters: ${short} (A00.FR.205, TC_A_10); the connection stays`, () => {
    assert.deepEqual(short, ['Rejected']);
    assert.equal(csms2.handshakes.length, 1);
  });

  // A01.FR.03: from the Accepted answer on the CSMS accepts only the new credentials.
  const m = csms2.mark();
  csms2.basicAuthPassword = NEW_PASSWORD;
  const set = await setVariables(csms2, [['SecurityCtrlr', 'BasicAuthPassword', NEW_PASSWORD]]);
  await csms2.waitFor((r) => r.kind === 'CONNECTED', { from: m, timeoutMs: 10000, desc: 'the reconnection' });
  const hsNew = csms2.handshakes[csms2.handshakes.length - 1];
  t.ok(`Accepted (${set}); the station reconnected with the new password (A01 steps 3, 4; TC_A_09)`, () => {
    assert.deepEqual(set, ['Accepted']);
    assert.equal(hsNew.headers.authorization, basic(cp2.o.id, NEW_PASSWORD));
    assert.equal(csms2.find((r) => r.kind === 'HTTP_REFUSED', m).length, 0);
  });
  const logged = await cp2.waitFor((e) => e.event === 'security_event' && e.type === 'ReconfigurationOfSecurityParameters',
    { timeoutMs: 5000, desc: 'the security event' });
  t.ok(`security event ${logged.type} "${logged.techInfo}", without the password (A01.FR.11, A01.FR.12)`, () => {
    assert.ok(!JSON.stringify(cp2.events).includes(NEW_PASSWORD));
  });
  const hb = await csms2.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
  t.ok(`the new connection carries OCPP: TriggerMessage Heartbeat ${hb.status}`, () => assert.equal(hb.status, 'Accepted'));
  await csms2.waitForCall('Heartbeat', () => true, { from: m, timeoutMs: 5000 });
  await cp2.quit();

  // ---- a wrong server certificate ----------------------------------------------------------
  t.step('profile 2 against a server certificate for another host: refused, InvalidCsmsCertificate');
  const csmsW = await t.startCsms({
    ocpp: '2.0.1', tls: { cert: pki.serverWrongHost.cert, key: pki.serverWrongHost.key },
    basicAuthPassword: PASSWORD, quiet: true,
  });
  const cpW = await startStation(t, csmsW, {
    extraArgs: ['--security-profile', '2', '--password', PASSWORD, '--ca-file', pki.csmsRoot.cert],
  });
  const ev = await cpW.waitFor((e) => e.event === 'security_event' && e.type === 'InvalidCsmsCertificate',
    { timeoutMs: 10000, desc: 'InvalidCsmsCertificate' });
  t.ok(`security event ${ev.type} "${ev.techInfo}" critical=${ev.critical} (A00.FR.309); no WebSocket`, () => {
    assert.equal(ev.critical, true);  // part 2 appendix: critical
    assert.equal(csmsW.handshakes.length, 0);
    assert.equal(csmsW.find((r) => r.kind === 'CONNECTED').length, 0);
  });
  await cpW.quit();
  await csmsW.stop();

  // ---- profile 3 ---------------------------------------------------------------------------
  t.step('profile 3: wss:// + client certificate, no Basic auth');
  const csms3 = await t.startCsms({
    ocpp: '2.0.1',
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.csmsRoot.cert, requireClientCertificate: true },
  });
  const cp3 = await startStation(t, csms3, {
    id: ID3,
    extraArgs: ['--security-profile', '3', '--cert', pki.chargePoint.chain, '--key', pki.chargePoint.key,
      '--ca-file', pki.csmsRoot.cert, '--password', PASSWORD],
  });
  await cp3.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const tls3 = csms3.records.filter((r) => r.kind === 'TLS_ACCEPTED')[0];
  t.ok(`the CSMS verified the client certificate ${tls3.peerSubject}; no Authorization header (A00.FR.402)`, () => {
    assert.equal(tls3.authorized, true);
    assert.equal(tls3.peer.CN, ID3);
    assert.equal(csms3.handshakes[0].headers.authorization, undefined);
  });
  const prof = await csms3.call('GetVariables', {
    getVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'SecurityProfile' } }],
  });
  t.ok(`GetVariables SecurityCtrlr.SecurityProfile = ${prof.getVariableResult[0].attributeValue}`,
    () => assert.equal(prof.getVariableResult[0].attributeValue, '3'));
  const down = await setVariables(csms3, [['SecurityCtrlr', 'SecurityProfile', '2']]);
  t.ok(`SetVariables SecurityProfile 2 over profile 3: ${down} (A05.FR.10)`, () => assert.deepEqual(down, ['Rejected']));
  await cp3.quit();
});
