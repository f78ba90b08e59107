// integration.security_profiles — the security profiles of the OCPP 1.6 Security Whitepaper
// (edition 3) end to end: ocpp-chargerd against the strict CSMS over ws:// and wss://, with a
// PKI the test makes itself (lib/pki.js: CSMS root, server certificates, CPO sub-CA, charge
// point certificate).
//   WP §2.3 profile 1: ws:// + HTTP Basic auth (A00.FR.202–205, user name = identity A00.FR.303)
//   WP §2.4 profile 2: wss:// + Basic auth; the server certificate is verified against the CA
//     file (A00.FR.307), the host name must match (A00.FR.308), a failed check ends the
//     connection (A00.FR.310)
//   WP §2.5 profile 3: wss:// + TLS client certificate (CN = identity, O = CPO name,
//     A00.FR.404/405), no Basic auth; a charging session over it
//   Refused: wrong Basic password (401), a server certificate for another host, an expired one,
//   a server that requires a client certificate the charger does not have; profile 3 without
//   a certificate does not start.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { scenario } = require('./lib/harness');
const { execFileSync } = require('node:child_process');
const { makePki, Pki } = require('./lib/pki');

const PASSWORD = '6D4E1A0C92F3B8774E21D05A9C3F6B18';  // 16 bytes as hex (A00.FR.304)
const CPO = 'Test CPO';
const ID3 = 'CP-SEC-3';  // the profile 3 charger: its certificate's CN

function basic(id, password) {
  return `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}`;
}

const tlsRecords = (csms, kind) => csms.records.filter((r) => r.kind === kind);

scenario('security_profiles', async (t) => {
  const { assert } = t;

  t.step('test PKI made with the openssl command line');
  const pki = makePki(path.join(t.tmp, 'pki'), { identity: ID3, cpoName: CPO });
  t.ok(`CSMS root, server (127.0.0.1), expired and wrong-host server certificates, CPO sub-CA, ` +
    `charge point certificate "${ID3}", manufacturer root, firmware signing certificate`, () => {
    for (const c of [pki.csmsRoot, pki.server, pki.serverExpired, pki.serverWrongHost, pki.cpoSubCa,
      pki.chargePoint, pki.manufacturerRoot, pki.firmwareSigning]) {
      assert.match(fs.readFileSync(c.cert, 'utf8'), /BEGIN CERTIFICATE/);
      assert.match(fs.readFileSync(c.key, 'utf8'), /BEGIN PRIVATE KEY/);
    }
  });

  // The helpers the certificate and firmware scenarios use: a CSR signed by the CPO sub-CA chains
  // to the CSMS root; a firmware signature verifies with the signing certificate.
  const csr = pki.keyAndCsr('renewal', { O: CPO, CN: ID3 });
  const renewed = path.join(t.tmp, 'pki', 'renewed.pem');
  fs.writeFileSync(renewed, pki.signCsr(fs.readFileSync(csr.csr, 'utf8')));
  const firmware = path.join(t.tmp, 'firmware.bin');
  fs.writeFileSync(firmware, 'firmware image\n'.repeat(1000));
  const sigFile = path.join(t.tmp, 'firmware.sig');
  fs.writeFileSync(sigFile, Buffer.from(pki.signFile(firmware), 'base64'));
  const pubKey = path.join(t.tmp, 'pki', 'firmware-signing.pub');
  execFileSync('openssl', ['x509', '-in', pki.firmwareSigning.cert, '-noout', '-pubkey', '-out', pubKey]);
  t.ok(`signCsr: "${Pki.subjectOf(renewed)}" chains to the CSMS root; signFile: the signature verifies`, () => {
    execFileSync('openssl', ['verify', '-CAfile', pki.csmsRoot.cert, '-untrusted', pki.cpoSubCa.cert, renewed]);
    execFileSync('openssl', ['dgst', '-sha256', '-verify', pubKey, '-signature', sigFile, firmware]);
    fs.appendFileSync(firmware, 'x');
    assert.throws(() => execFileSync('openssl', ['dgst', '-sha256', '-verify', pubKey, '-signature', sigFile, firmware],
      { stdio: 'pipe' }), 'a changed image must not verify');
  });

  // ---- profile 1 -------------------------------------------------------------------------
  t.step('profile 1: ws:// + HTTP Basic auth (WP §2.3)');
  const csms1 = await t.startCsms({ basicAuthPassword: PASSWORD });
  const cp1 = await t.startChargerd(csms1, { extraArgs: ['--security-profile', '1', '--password', PASSWORD] });
  await cp1.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const hs1 = csms1.handshakes[0];
  t.ok(`profile 1 boots over ws://; Authorization: ${hs1.headers.authorization.slice(0, 14)}... = ` +
    'base64(identity ":" AuthorizationKey) (A00.FR.203, A00.FR.303)', () => {
    assert.equal(hs1.headers.authorization, basic(cp1.o.id, PASSWORD));
    assert.equal(hs1.tls, null);
  });
  await cp1.quit();

  t.step('profile 1 with a wrong AuthorizationKey: the CSMS answers 401, nothing is sent');
  const cpBad = await t.startChargerd(csms1, { extraArgs: ['--security-profile', '1', '--password', 'WRONG'] });
  const mBad = csms1.mark();
  await csms1.waitFor((r) => r.kind === 'HTTP_REFUSED', { from: mBad, timeoutMs: 5000, desc: 'a refused upgrade' });
  await csms1.waitFor((r) => r.kind === 'HTTP_REFUSED', { from: csms1.mark(), timeoutMs: 5000, desc: 'a retried upgrade refused' });
  t.ok('two attempts refused with 401 (the charger retries after its back-off); no connection, no BootNotification', () => {
    const refused = csms1.find((r) => r.kind === 'HTTP_REFUSED', mBad);
    assert.ok(refused.length >= 2);
    refused.forEach((r) => assert.equal(r.status, 401));
    assert.equal(csms1.find((r) => r.kind === 'CONNECTED', mBad).length, 0);
    assert.equal(cpBad.find((e) => e.event === 'connected').length, 0);
  });
  await cpBad.quit();

  // ---- profile 2 -------------------------------------------------------------------------
  t.step('profile 2: wss:// (server certificate for 127.0.0.1) + Basic auth (WP §2.4)');
  const csms2 = await t.startCsms({ tls: { cert: pki.server.cert, key: pki.server.key }, basicAuthPassword: PASSWORD });
  const cp2 = await t.startChargerd(csms2, {
    extraArgs: ['--security-profile', '2', '--password', PASSWORD, '--ca-file', pki.csmsRoot.cert],
  });
  await cp2.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const tls2 = tlsRecords(csms2, 'TLS_ACCEPTED')[0];
  t.ok(`profile 2 boots over ${csms2.url}: ${tls2.protocol} ${tls2.cipher}, no client certificate (A00.FR.312)`, () => {
    assert.ok(['TLSv1.2', 'TLSv1.3'].includes(tls2.protocol));
    assert.equal(tls2.peerSubject, null);
  });
  t.ok('profile 2 sends Basic auth inside TLS (A00.FR.301)', () => {
    assert.equal(csms2.handshakes[0].headers.authorization, basic(cp2.o.id, PASSWORD));
    assert.ok(csms2.handshakes[0].tls);
  });
  await cp2.quit();

  // ---- refused TLS connections, run side by side -------------------------------------------
  t.step('refused: wrong host, expired server certificate, client certificate required (in parallel)');
  const refusedCases = [
    // What the daemon logs: the TLS library's verification error (from libwebsockets), then the
    // library's warning that the attempt failed and is retried.
    {
      name: 'wrong host', cert: pki.serverWrongHost, alert: /BAD_CERTIFICATE/,
      stderr: [/IP address mismatch/, /connection closed \(TLS error: server certificate rejected: IP address mismatch/],
      event: 'InvalidCentralSystemCertificate',
    },
    {
      name: 'expired', cert: pki.serverExpired, alert: /CERTIFICATE_EXPIRED/,
      stderr: [/certificate has expired/, /connection closed \(TLS error: server certificate rejected: certificate has expired/],
      event: 'InvalidCentralSystemCertificate',
    },
    // TLS 1.3: the client's handshake is over before the server checks its (missing)
    // certificate, so the charger learns of the refusal when it reads the server's alert.
    {
      name: 'client certificate required', cert: pki.server, requireClientCertificate: true,
      alert: /PEER_DID_NOT_RETURN_A_CERTIFICATE|CERTIFICATE_REQUIRED/,
      stderr: [/connection closed \((TLS|transport) error/],
    },
  ];
  for (const c of refusedCases) {
    c.csms = await t.startCsms({
      tls: { cert: c.cert.cert, key: c.cert.key, ca: pki.csmsRoot.cert, requireClientCertificate: !!c.requireClientCertificate },
      basicAuthPassword: PASSWORD, quiet: true,
    });
    c.cp = await t.startChargerd(c.csms, {
      extraArgs: ['--security-profile', '2', '--password', PASSWORD, '--ca-file', pki.csmsRoot.cert],
    });
  }
  // Each charger tries, fails and tries again after its back-off (200 ms .. 1 s).
  for (const c of refusedCases) {
    await c.csms.waitFor((r) => r.kind === 'TLS_REFUSED', { timeoutMs: 10000, desc: `${c.name}: a refused TLS handshake` });
    const first = tlsRecords(c.csms, 'TLS_REFUSED')[0];
    await c.csms.waitFor((r) => r.kind === 'TLS_REFUSED' && r.seq > first.seq, { timeoutMs: 10000, desc: `${c.name}: a second refused handshake` });
  }
  await t.sleep(500);
  for (const c of refusedCases) {
    const refused = tlsRecords(c.csms, 'TLS_REFUSED');
    t.ok(`${c.name}: ${refused.length} TLS handshakes failed (${refused[0].code}); no WebSocket, no BootNotification`, () => {
      assert.ok(refused.length >= 2);
      assert.equal(c.csms.handshakes.length, 0, 'no HTTP upgrade reached the CSMS');
      assert.equal(c.csms.find((r) => r.kind === 'CONNECTED').length, 0);
      assert.equal(c.csms.callsFromCharger('BootNotification').length, 0);
      assert.equal(c.cp.find((e) => e.event === 'connected' || e.event === 'boot').length, 0);
    });
    if (c.event) {
      // A00.FR.309: a CSMS certificate that fails verification is a security event (logged;
      // not critical, so not sent, section 8).
      const ev = c.cp.find((e) => e.event === 'security_event' && e.type === c.event)[0];
      t.ok(`${c.name}: security event ${ev ? `${ev.type} "${ev.techInfo}" critical=${ev.critical}` : '(none)'} (A00.FR.309)`, () => {
        assert.ok(ev, `no ${c.event} security event`);
        assert.equal(ev.critical, false);
      });
    }
    for (const re of c.stderr) {
      const line = c.cp.stderr.find((l) => re.test(l));
      t.ok(`${c.name}: the daemon logs "${line ? line.replace(/^\[run \d+\] (\[[^\]]*\] )?/, '').slice(0, 100) : '(none)'}"`,
        () => assert.ok(line, `no stderr line matching ${re}`));
    }
  }
  const wrongHost = refusedCases[0];
  const expired = refusedCases[1];
  const noCert = refusedCases[2];
  t.ok('wrong host: the charger aborted the handshake with a bad_certificate alert (A00.FR.308, A00.FR.310)',
    () => tlsRecords(wrongHost.csms, 'TLS_REFUSED').forEach((r) => assert.match(r.code, wrongHost.alert)));
  t.ok('expired: the charger aborted the handshake with a certificate_expired alert (A00.FR.310)',
    () => tlsRecords(expired.csms, 'TLS_REFUSED').forEach((r) => assert.match(r.code, expired.alert)));
  t.ok('client certificate required: the server refused the charger, which sent no certificate',
    () => tlsRecords(noCert.csms, 'TLS_REFUSED').forEach((r) => assert.match(r.code, noCert.alert)));
  for (const c of refusedCases) {
    await c.cp.quit();
    await c.csms.stop();
  }

  t.step('profile 3 without a client certificate: the daemon does not start');
  const cpNoCert = await t.startChargerd(csms2, {
    start: false, extraArgs: ['--security-profile', '3', '--ca-file', pki.csmsRoot.cert],
  });
  let startError = null;
  try {
    await cpNoCert.start();
  } catch (err) {
    startError = err.message.split('\n')[0];
  }
  await cpNoCert.exited;
  const errEv = cpNoCert.find((e) => e.event === 'error')[0];
  t.ok(`exit status ${cpNoCert.exit.code}, error event "${errEv && errEv.message}"`, () => {
    assert.ok(startError, 'the daemon should not have started');
    assert.equal(cpNoCert.exit.code, 1);
    assert.ok(errEv);
    assert.match(errEv.message, /invalid argument/i);
  });

  // ---- profile 3 -------------------------------------------------------------------------
  t.step('profile 3: wss:// + client certificate, settings from the JSON config file (WP §2.5)');
  const csms3 = await t.startCsms({
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.csmsRoot.cert, requireClientCertificate: true },
  });
  const secDir = path.join(t.tmp, 'security');
  const config = path.join(t.tmp, 'chargerd-p3.json');
  fs.writeFileSync(config, JSON.stringify({
    security_profile: 3, ca_file: pki.csmsRoot.cert, cert: pki.chargePoint.chain, key: pki.chargePoint.key,
    cpo_name: CPO, security_dir: secDir, firmware_signing_root: pki.manufacturerRoot.cert,
    // Set, but profile 3 must not send it (WP §2.5: the client certificate authenticates).
    password: PASSWORD,
  }, null, 1));
  const cp3 = await t.startChargerd(csms3, { id: ID3, extraArgs: ['--config', config] });
  await cp3.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  await csms3.waitForCall('StatusNotification', (p) => p.connectorId === 1, { timeoutMs: 5000 });
  const tls3 = tlsRecords(csms3, 'TLS_ACCEPTED')[0];
  t.ok(`the CSMS verified the client certificate: ${tls3.peerSubject} (A00.FR.404, A00.FR.405)`, () => {
    assert.equal(tls3.authorized, true);
    assert.equal(tls3.peer.CN, ID3);
    assert.equal(tls3.peer.O, CPO);
    const hs = csms3.handshakes[0];
    assert.equal(hs.identity, ID3);
    assert.equal(hs.tls.peerSubject.CN, ID3);
  });
  t.ok('no Authorization header in the upgrade request, though an AuthorizationKey is set', () => {
    assert.equal(csms3.handshakes.length, 1);
    assert.equal(csms3.handshakes[0].headers.authorization, undefined);
  });
  const cpo = await csms3.call('GetConfiguration', { key: ['CpoName'] });
  t.ok(`GetConfiguration CpoName = ${JSON.stringify(cpo.configurationKey[0] && cpo.configurationKey[0].value)} (cpo_name, WP §7.5)`,
    () => assert.equal(cpo.configurationKey[0].value, CPO));
  const mfDir = path.join(secDir, 'ca', 'manufacturer_root');
  const mfFiles = fs.existsSync(mfDir) ? fs.readdirSync(mfDir) : [];
  t.ok(`firmware_signing_root installed into the security directory: ${mfFiles.length} manufacturer root(s)`, () => {
    assert.equal(mfFiles.length, 1);
    const mode = fs.statSync(secDir).mode & 0o777;
    assert.equal(mode, 0o700, `security directory mode ${mode.toString(8)}`);
  });

  t.step('a charging session over profile 3');
  let m = csms3.mark();
  let em = cp3.mark();
  cp3.send('plug 1');
  cp3.send('tag CARD-P3');
  const start = await csms3.waitForCall('StartTransaction', () => true, { from: m, timeoutMs: 10000 });
  const txId = start.response.payload.transactionId;
  const idEv = await cp3.waitFor((e) => e.event === 'transaction_id', { from: em, timeoutMs: 5000 });
  t.ok(`StartTransaction acknowledged: transactionId ${txId}, daemon transaction_id ${idEv.transactionId}`, () => {
    assert.equal(start.response.kind, 'CALLRESULT');
    assert.equal(idEv.transactionId, txId);
    assert.equal(start.payload.idTag, 'CARD-P3');
  });
  await t.sleep(1200);
  m = csms3.mark();
  em = cp3.mark();
  cp3.send('unplug 1');
  const stop = await csms3.waitForCall('StopTransaction', () => true, { from: m, timeoutMs: 10000 });
  const stoppedEv = await cp3.waitFor((e) => e.event === 'transaction_stopped', { from: em, timeoutMs: 5000 });
  t.ok(`StopTransaction acknowledged: transactionId ${stop.payload.transactionId}, meterStop ${stop.payload.meterStop} Wh, reason ${stop.payload.reason}`, () => {
    assert.equal(stop.response.kind, 'CALLRESULT');
    assert.equal(stop.payload.transactionId, txId);
    assert.equal(stop.payload.reason, 'EVDisconnected');
    assert.ok(stop.payload.meterStop >= start.payload.meterStart);
    assert.equal(stoppedEv.transactionId, txId);
  });
  await t.sleep(300);
  const st = await cp3.state();
  t.ok(`daemon state: connected ${st.connected}, ${st.queue} queued transaction messages`, () => {
    assert.equal(st.connected, true);
    assert.equal(st.queue, 0);
  });
  t.ok('one TLS connection for the whole session (no reconnect)', () => {
    assert.equal(tlsRecords(csms3, 'TLS_ACCEPTED').length, 1);
    assert.equal(csms3.find((r) => r.kind === 'DISCONNECTED').length, 0);
  });

  t.step('the security_event hook: a security event of the simulated hardware');
  m = csms3.mark();
  em = cp3.mark();
  cp3.send('security_event InvalidMessages test frame from the lab');
  const sec = await cp3.waitFor((e) => e.event === 'security_event', { from: em, timeoutMs: 3000 });
  t.ok(`{"event":"security_event"} ${JSON.stringify({ type: sec.type, techInfo: sec.techInfo, critical: sec.critical })}`, () => {
    assert.equal(sec.type, 'InvalidMessages');
    assert.equal(sec.techInfo, 'test frame from the lab');
    assert.equal(sec.critical, false);
  });
  await t.sleep(500);
  t.ok('a non-critical event stays in the security log: no SecurityEventNotification (WP §3, A04.FR.04)',
    () => assert.equal(csms3.callsFromCharger('SecurityEventNotification', m).length, 0));
  // A critical one (section 8) goes to the CSMS, schema-checked by the strict CSMS (A04.FR.01).
  cp3.send('security_event TamperDetectionActivated lid opened');
  const tamper = await csms3.waitForCall('SecurityEventNotification', (p) => p.type === 'TamperDetectionActivated',
    { from: m, timeoutMs: 5000 });
  await csms3.waitFor((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.id === tamper.id,
    { from: tamper.seq, timeoutMs: 5000, desc: 'the SecurityEventNotification.conf' });
  t.ok(`a critical event -> SecurityEventNotification ${JSON.stringify(tamper.payload)}, acknowledged (A04.FR.01, A04.FR.03)`, () => {
    assert.equal(tamper.payload.techInfo, 'lid opened');
    assert.ok(!Number.isNaN(Date.parse(tamper.payload.timestamp)));
    assert.equal(tamper.response && tamper.response.kind, 'CALLRESULT');
  });
  await cp3.quit();

  t.step('timeline of the TLS handshakes and upgrades');
  const shown = new Set(['LISTENING', 'TLS_ACCEPTED', 'TLS_REFUSED', 'HTTP_REFUSED', 'CONNECTED']);
  for (const [i, csms] of t.csmses.entries()) {
    const lines = csms.timeline().split('\n').filter((_, k) => shown.has(csms.records[k].kind));
    t.log(`   CSMS #${i + 1}\n${lines.slice(0, 6).map((l) => `     ${l}`).join('\n')}` +
      (lines.length > 6 ? `\n     ... ${lines.length - 6} more` : ''));
  }
}, { timeoutMs: 60000 });
