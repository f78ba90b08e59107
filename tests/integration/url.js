// integration.url — the connection URL: OCPP-J endpoint URL + "/" + charge point identity,
// percent-encoded as necessary.
//   OCPP-J 1.6 §3.1.1 ("the Charge Point modifies the OCPP-J endpoint URL by appending to the path
//   first a '/' and then a string uniquely identifying the Charge Point. This uniquely identifying
//   string has to be percent-encoded as necessary as described in [RFC3986]"; example 2: identity
//   "RDAM 123" at "wss://centralsystem.example.com/ocppj" gives ".../ocppj/RDAM%20123"),
//   §3.1.2 (subprotocol ocpp1.6).
'use strict';

const { scenario } = require('./lib/harness');

scenario('url', async (t) => {
  const { assert } = t;

  t.step('endpoint URL with a path: ws://127.0.0.1:PORT/ocppj, identity CP-001');
  const csms = await t.startCsms();
  const cp = await t.startChargerd(csms, { url: `${csms.url}/ocppj`, id: 'CP-001' });
  await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const hs = csms.handshakes[0];
  t.ok(`request path ${hs.url} = endpoint path + "/" + identity`, () => assert.equal(hs.url, '/ocppj/CP-001'));
  t.ok(`subprotocols offered: ${JSON.stringify(hs.protocols)}`, () => assert.ok(hs.protocols.includes('ocpp1.6')));
  await cp.quit();

  t.step('identity that needs percent-encoding: "RDAM 123" (OCPP-J §3.1.1 example 2)');
  const csms2 = await t.startCsms();
  const cp2 = await t.startChargerd(csms2, { url: `${csms2.url}/ocppj`, id: 'RDAM 123', start: false });
  let startError = null;
  try {
    await cp2.start();
  } catch (err) {
    startError = err.message.split('\n')[0];
  }
  t.ok(`ocpp-chargerd --id "RDAM 123" starts (${startError || 'ok'})`, () => assert.equal(startError, null));
  await cp2.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const hs2 = csms2.handshakes[0];
  t.ok(`request path ${hs2.url} is /ocppj/RDAM%20123`, () => assert.equal(hs2.url, '/ocppj/RDAM%20123'));
  t.ok(`the CSMS sees identity "${hs2.identity}"`, () => assert.equal(hs2.identity, 'RDAM 123'));
  await cp2.quit();
}, { timeoutMs: 60000 });
