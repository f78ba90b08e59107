// integration.boot — BootNotification and registration status.
//   OCPP 1.6 §4.2 (Boot Notification), §6.3/§6.4 (BootNotification.req/.conf),
//   OCPP 1.6 errata sheet §3.22 (StatusNotification for connector 0 and all connectors after Accepted),
//   OCPP-J 1.6 §3.1.1 (connection URL = base + "/" + identity), §3.1.2 (subprotocol "ocpp1.6").
'use strict';

const { scenario } = require('./lib/harness');

scenario('boot', async (t) => {
  const { assert } = t;

  // ---------------------------------------------------------------------------------------
  t.step('Pending (interval 1) twice, then Accepted');
  const csms = await t.startCsms({
    boot: [{ status: 'Pending', interval: 1 }, { status: 'Pending', interval: 1 }, { status: 'Accepted', interval: 300 }],
  });
  const cp = await t.startChargerd(csms, { connectors: 2 });

  const conn = await csms.waitForConnection({ timeoutMs: 10000 });
  const hs = csms.handshakes[0];
  t.ok(`WebSocket path is /<id> (OCPP-J §3.1.1): identity "${hs.identity}"`, () => assert.equal(hs.identity, cp.o.id));
  t.ok(`subprotocol ocpp1.6 offered (OCPP-J §3.1.2): offered ${JSON.stringify(hs.protocols)}`, () => assert.ok(hs.protocols.includes('ocpp1.6')));
  t.ok('connection runs with subprotocol ocpp1.6', () => assert.equal(conn.protocol, 'ocpp1.6'));

  const first = await csms.waitFor((r) => r.dir === 'in' && r.kind === 'CALL', { timeoutMs: 10000, desc: 'first CALL' });
  t.ok(`first message from the charger is BootNotification (§4.2), got ${first.action}`, () => assert.equal(first.action, 'BootNotification'));
  const p = first.payload;
  t.ok(`BootNotification.req has chargePointVendor "${p.chargePointVendor}" and chargePointModel "${p.chargePointModel}" (§6.3, 1..1)`, () => {
    assert.equal(typeof p.chargePointVendor, 'string');
    assert.ok(p.chargePointVendor.length > 0 && p.chargePointVendor.length <= 20);
    assert.equal(typeof p.chargePointModel, 'string');
    assert.ok(p.chargePointModel.length > 0 && p.chargePointModel.length <= 20);
  });

  // While Pending the CSMS MAY query/configure the charger and the charger SHOULD answer (§4.2).
  const pendingConf = await csms.waitFor((r) => r.dir === 'out' && r.kind === 'CALLRESULT' &&
    r.action === 'BootNotification' && r.payload.status === 'Pending', { timeoutMs: 5000, desc: 'BootNotification.conf Pending' });
  void pendingConf;
  const gc = await csms.call('GetConfiguration', { key: ['HeartbeatInterval'] }, { timeoutMs: 3000 });
  t.ok('charger answers GetConfiguration while Pending (§4.2: "The Charge Point SHOULD respond")',
    () => assert.ok(Array.isArray(gc.configurationKey)));

  const accepted = await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const bootEvents = cp.find((e) => e.event === 'boot');
  t.ok(`daemon reported boot Pending, Pending, Accepted: ${bootEvents.map((e) => e.status).join(', ')}`,
    () => assert.deepEqual(bootEvents.map((e) => e.status), ['Pending', 'Pending', 'Accepted']));
  t.ok(`boot event carries the interval from BootNotification.conf (${accepted.interval})`, () => assert.equal(accepted.interval, 300));

  const boots = csms.callsFromCharger('BootNotification');
  t.ok(`exactly 3 BootNotification.req were sent (got ${boots.length})`, () => assert.equal(boots.length, 3));
  for (let i = 1; i < boots.length; i++) {
    const gap = boots[i].t - boots[i - 1].t;
    t.ok(`BootNotification #${i + 1} came ${gap} ms after #${i}: not before the Pending interval of 1 s (§4.2), and not later than 5 s`,
      () => assert.ok(gap >= 950 && gap <= 5000, `gap ${gap} ms`));
  }
  const acceptedAt = csms.find((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'BootNotification' &&
    r.payload.status === 'Accepted')[0];
  const before = csms.find((r) => r.dir === 'in' && r.kind === 'CALL' && r.seq < acceptedAt.seq && r.action !== 'BootNotification');
  t.ok(`no request other than BootNotification before Accepted (§4.2: SHALL NOT send request messages while Pending unless triggered); saw ${JSON.stringify(before.map((r) => r.action))}`,
    () => assert.equal(before.length, 0));

  for (const c of [0, 1, 2]) {
    const sn = await csms.waitForCall('StatusNotification', (x) => x.connectorId === c, { from: acceptedAt.seq, timeoutMs: 5000 });
    t.ok(`StatusNotification for connector ${c} after Accepted (errata §3.22: connector 0 and all connectors): ${sn.payload.status}/${sn.payload.errorCode}`,
      () => {
        assert.equal(sn.payload.errorCode, 'NoError');
        const allowed = c === 0 ? ['Available', 'Unavailable', 'Faulted'] : ['Available', 'Unavailable', 'Preparing', 'Faulted'];
        assert.ok(allowed.includes(sn.payload.status), sn.payload.status);
      });
  }
  await cp.quit();

  // ---------------------------------------------------------------------------------------
  t.step('Rejected (interval 2), then Accepted');
  const csms2 = await t.startCsms({ boot: [{ status: 'Rejected', interval: 2 }, { status: 'Accepted', interval: 300 }] });
  const cp2 = await t.startChargerd(csms2, { connectors: 1 });
  await csms2.waitFor((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'BootNotification' &&
    r.payload.status === 'Rejected', { timeoutMs: 10000, desc: 'BootNotification.conf Rejected' });
  // "While Rejected, the Charge Point SHALL NOT respond to any Central System initiated message." (§4.2)
  await t.sleep(300); // let the charger take in the Rejected answer first
  let answered = null;
  try {
    answered = await csms2.call('GetConfiguration', {}, { timeoutMs: 1200 });
  } catch (err) {
    // A timeout, or a closed connection (the charger MAY close it while Rejected), is no answer.
    answered = err.rpcErrorCode ? err : null;
  }
  t.ok(`no answer to GetConfiguration while Rejected (§4.2 SHALL NOT respond); got ${answered ? (answered.rpcErrorCode || JSON.stringify(answered)) : 'none'}`,
    () => assert.equal(answered, null));
  await cp2.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const boots2 = csms2.callsFromCharger('BootNotification');
  const gap2 = boots2[1].t - boots2[0].t;
  t.ok(`second BootNotification ${gap2} ms after the Rejected one: not before the interval of 2 s (§4.2)`,
    () => assert.ok(gap2 >= 1950 && gap2 <= 6000, `gap ${gap2}`));
  const acc2 = csms2.find((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'BootNotification' && r.payload.status === 'Accepted')[0];
  const others2 = csms2.find((r) => r.dir === 'in' && r.seq < acc2.seq && r.kind === 'CALL' && r.action !== 'BootNotification');
  t.ok(`no other OCPP message while Rejected (§4.2); saw ${JSON.stringify(others2.map((r) => r.action))}`, () => assert.equal(others2.length, 0));
  await cp2.quit();
}, { timeoutMs: 60000 });
