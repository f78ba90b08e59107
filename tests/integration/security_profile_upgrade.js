// integration.security_profile_upgrade — raising the SecurityProfile key over OCPP (Security
// Whitepaper edition 3, section 7.6, use case A05), ocpp-chargerd against the strict CSMS.
// The charger keeps host:port when it switches from ws:// to wss:// (A05.FR.07), so the test
// puts one port (lib/security.js SharedPort) in front of two CSMSes: plain connections go to a
// ws:// CSMS, TLS ones to a wss:// CSMS (or are dropped, for the fallback case).
//   - SecurityProfile 0, 1 (not higher) and 3 (no client certificate) are Rejected (A05.FR.01/04)
//   - 2 is Accepted (A05.FR.05); the charger disconnects and comes back over wss:// with Basic
//     auth, on the same session (no BootNotification) (A05.FR.06/07)
//   - without a TLS server there: three failed attempts, then back to profile 1 over ws://, the
//     key reads 1 again and a ReconfigurationOfSecurityParameters event says why (A05.FR.08)
'use strict';

const path = require('node:path');
const { scenario } = require('./lib/harness');
const { makePki } = require('./lib/pki');
const { SharedPort } = require('./lib/security');

const PASSWORD = 'A1B2C3D4E5F60718293A4B5C6D7E8F90';

function basic(id, password) {
  return `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}`;
}

async function securityProfileKey(csms) {
  const r = await csms.call('GetConfiguration', { key: ['SecurityProfile'] });
  return r.configurationKey[0].value;
}

scenario('security_profile_upgrade', async (t) => {
  const { assert } = t;
  const pki = makePki(path.join(t.tmp, 'pki'), { identity: 'CP-UPGRADE', cpoName: 'Test CPO' });
  const ws = await t.startCsms({ basicAuthPassword: PASSWORD });
  const wss = await t.startCsms({ tls: { cert: pki.server.cert, key: pki.server.key }, basicAuthPassword: PASSWORD });
  const front = new SharedPort({ plain: ws, tls: wss });
  await front.listen();
  t.log(`   (shared port ${front.url}: plain -> ${ws.url}, TLS -> ${wss.url})`);
  const args = ['--security-profile', '1', '--password', PASSWORD, '--ca-file', pki.csmsRoot.cert];

  t.step('profile 1 over ws:// with an AuthorizationKey of 32 hex digits and a CSMS root CA file');
  const cp = await t.startChargerd(ws, { url: front.url, extraArgs: args });
  await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  t.ok(`booted over ws:// with Basic auth; SecurityProfile = ${await securityProfileKey(ws)}`, () => {
    assert.equal(ws.handshakes[0].headers.authorization, basic(cp.o.id, PASSWORD));
  });
  assert.equal(await securityProfileKey(ws), '1');

  t.step('SecurityProfile may only be raised, with its prerequisites (A05.FR.01, A05.FR.04)');
  let m = ws.mark();
  const answers = {};
  for (const v of ['0', '1', '3']) answers[v] = (await ws.call('ChangeConfiguration', { key: 'SecurityProfile', value: v })).status;
  await t.sleep(300);
  t.ok(`ChangeConfiguration SecurityProfile 0: ${answers[0]}, 1: ${answers[1]}, 3 (no charge point certificate): ${answers[3]}; ` +
    'no reconnection, the key still 1', () => {
    assert.deepEqual(answers, { 0: 'Rejected', 1: 'Rejected', 3: 'Rejected' });
    assert.equal(ws.find((r) => r.kind === 'DISCONNECTED', m).length, 0);
  });
  assert.equal(await securityProfileKey(ws), '1');

  t.step('SecurityProfile 2: the charger reconnects over wss:// on the same port (A05.FR.05-07)');
  m = ws.mark();
  let em = cp.mark();
  const up = await ws.call('ChangeConfiguration', { key: 'SecurityProfile', value: '2' });
  await ws.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 5000, desc: 'the ws:// connection closed' });
  const tlsConn = await wss.waitFor((r) => r.kind === 'CONNECTED', { timeoutMs: 10000, desc: 'a wss:// connection' });
  const tlsHello = wss.find((r) => r.kind === 'TLS_ACCEPTED')[0];
  t.ok(`ChangeConfiguration SecurityProfile 2: ${up.status}; the ws:// connection closed, a wss:// one opened ` +
    `(${tlsHello && tlsHello.protocol}, identity ${tlsConn.identity})`, () => {
    assert.equal(up.status, 'Accepted');
    assert.equal(front.counts.tls >= 1, true);
  });
  t.ok('the wss:// upgrade carries the same Basic credentials (profile 2 = TLS + Basic auth)', () => {
    assert.equal(wss.handshakes.length, 1);
    assert.equal(wss.handshakes[0].headers.authorization, basic(cp.o.id, PASSWORD));
    assert.ok(wss.handshakes[0].tls);
  });
  await t.sleep(1500);
  const wssKey = await securityProfileKey(wss);
  t.ok(`over wss://: no new BootNotification (the registration stands), GetConfiguration SecurityProfile = ${wssKey}`, () => {
    assert.equal(wss.callsFromCharger('BootNotification').length, 0);
    assert.equal(wssKey, '2');
    assert.equal(ws.find((r) => r.kind === 'CONNECTED', m).length, 0, 'no ws:// connection after the switch');
  });
  const raised = cp.find((e) => e.event === 'security_event' && e.type === 'ReconfigurationOfSecurityParameters', em)[0];
  t.ok(`security_event ReconfigurationOfSecurityParameters "${raised && raised.techInfo}" (section 8)`,
    () => assert.match(raised.techInfo, /SecurityProfile 1 -> 2/));
  const st = await cp.state();
  t.ok(`daemon state: connected ${st.connected}, registration ${st.registration}`, () => {
    assert.equal(st.connected, true);
    assert.equal(st.registration, 'Accepted');
  });
  await cp.quit();

  t.step('SecurityProfile 2 without a TLS server on that port: the fallback (A05.FR.08)');
  front.tls = null;
  const cp2 = await t.startChargerd(ws, { url: front.url, extraArgs: args });
  m = ws.mark();
  await cp2.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  await ws.waitForCall('StatusNotification', (p) => p.connectorId === 1, { from: m, timeoutMs: 5000 });
  m = ws.mark();
  em = cp2.mark();
  const up2 = await ws.call('ChangeConfiguration', { key: 'SecurityProfile', value: '2' });
  await ws.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 5000, desc: 'the ws:// connection closed' });
  const back = await ws.waitFor((r) => r.kind === 'CONNECTED', { from: m, timeoutMs: 20000, desc: 'the charger back over ws://' });
  const fallbackEv = await cp2.waitFor((e) => e.event === 'security_event' && /failed to connect/.test(e.techInfo || ''),
    { from: em, timeoutMs: 5000 });
  t.ok(`ChangeConfiguration SecurityProfile 2: ${up2.status}; ${front.counts.tlsDropped} TLS attempts found no server, ` +
    `then the charger came back over ws:// (connection #${back.conn})`, () => {
    assert.equal(up2.status, 'Accepted');
    assert.equal(front.counts.tlsDropped, 3, 'three attempts with the new profile');
  });
  t.ok(`security_event ${fallbackEv.type} "${fallbackEv.techInfo.slice(0, 70)}..." (A05.FR.08)`, () => {
    assert.equal(fallbackEv.type, 'ReconfigurationOfSecurityParameters');
    assert.match(fallbackEv.techInfo, /^SecurityProfile 2 failed to connect, back to 1/);
  });
  const key2 = await securityProfileKey(ws);
  t.ok(`after the fallback GetConfiguration SecurityProfile = ${key2}, the upgrade over Basic auth as before`, () => {
    assert.equal(key2, '1');
    const hs = ws.handshakes[ws.handshakes.length - 1];
    assert.equal(hs.headers.authorization, basic(cp2.o.id, PASSWORD));
  });
  await cp2.quit();
  await front.close();
}, { timeoutMs: 60000 });
