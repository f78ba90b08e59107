// integration.fleet_security — ocpp-fleet with security profiles from the scenario file: 10 OCPP
// 1.6 charge points on profile 2 (wss://, the CSMS's certificate checked against its root, HTTP
// Basic auth) and 10 OCPP 2.0.1 stations on profile 3 (wss://, each presenting its own TLS
// client certificate, CN = its identity, chosen by "{id}" in the scenario's client_cert path),
// against two strict CSMS that refuse anything else; all boot and run a session.
//   OCPP 1.6 Security Whitepaper §2.3-2.5 (profiles 2 and 3); OCPP 2.0.1 A00.FR.3xx/4xx.
'use strict';

const path = require('node:path');
const { scenario } = require('./lib/harness');
const { makePki } = require('./lib/pki');
const { runFleet, writeJson, readReport, callsIn, identities } = require('./lib/fleet');

const PASSWORD = 'fleet-basic-auth-0123';

scenario('fleet_security', async (t) => {
  const { assert } = t;
  const pki = makePki(path.join(t.tmp, 'pki'));
  const ids201 = Array.from({ length: 10 }, (_, i) => `SEC-${String(i + 11).padStart(2, '0')}`);
  for (const id of ids201) pki.chargePointCertificate(id, id, 'Test CPO');
  const csms16 = await t.startCsms({ tls: { cert: pki.server.cert, key: pki.server.key }, basicAuthPassword: PASSWORD });
  const csms201 = await t.startCsms({
    ocpp: '2.0.1',
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.csmsRoot.cert, requireClientCertificate: true },
  });

  t.step('10 charge points on profile 2 (1.6), 10 on profile 3 (2.0.1), one session each');
  const file = writeJson(t, 'scenario.json', {
    id_pattern: 'SEC-{n:02}',
    duration_s: 8,
    ramp_up_per_s: 0,
    behaviour: { first_session_s: [0, 1], session_s: [2, 3], meter_interval_s: 1 },
    groups: [
      { ocpp: '1.6', count: 10, url: `${csms16.url}/ocpp`, security_profile: 2, password: PASSWORD,
        ca_file: pki.csmsRoot.cert },
      { ocpp: '2.0.1', count: 10, url: `${csms201.url}/ocpp`, security_profile: 3, ca_file: pki.csmsRoot.cert,
        client_cert: path.join(pki.dir, '{id}-chain.pem'), client_key: path.join(pki.dir, '{id}.key') },
    ],
  });
  const res = await runFleet(t, ['--scenario', file, '--report', 'report.json', '--progress', 'none'],
    { timeoutMs: 40000 });
  t.ok(`ocpp-fleet exited with status ${res.code}`, () => assert.equal(res.code, 0));
  const r = readReport(t, 'report.json');
  t.ok(`all 20 booted, ${r.sessions.completed} sessions, errors ${r.errors_total} ${JSON.stringify(r.errors_seen)}, lost ${r.lost_messages}`, () => {
    assert.equal(r.charge_points.booted, 20);
    assert.equal(r.sessions.completed, 20);
    assert.equal(r.errors_total, 0);
    assert.equal(r.lost_messages, 0);
  });

  t.step('what the CSMS checked');
  t.ok('profile 2: every upgrade carried "<identity>:<password>" over TLS', () => {
    assert.equal(csms16.handshakes.length, 10);
    for (const h of csms16.handshakes) {
      assert.equal(h.password.toString('utf8'), PASSWORD);
      assert.ok(h.tls, `${h.identity}: not over TLS`);
    }
    assert.equal(identities(csms16).size, 10);
  });
  const tls = csms201.records.filter((x) => x.kind === 'TLS_ACCEPTED');
  t.ok(`profile 3: ${tls.length} TLS handshakes, each with the client certificate of its own identity`, () => {
    const cns = new Set(tls.map((x) => x.peer && x.peer.CN));
    for (const id of ids201) assert.ok(cns.has(id), `no client certificate CN=${id}`);
    assert.ok(tls.every((x) => x.authorized));
    const connected = identities(csms201);
    assert.deepEqual(Array.from(connected).sort(), ids201);
  });
  t.ok('both CSMS saw the transactions', () => {
    assert.equal(callsIn(csms16, 'StartTransaction').length, 10);
    assert.equal(callsIn(csms201, 'TransactionEvent').filter((c) => c.payload.eventType === 'Ended').length, 10);
  });
}, { timeoutMs: 60000 });
