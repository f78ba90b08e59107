// integration.v201_boot — ocpp-chargerd --ocpp 2.0.1 against a strict 2.0.1 CSMS: boot, heartbeat,
// connector status, TriggerMessage, ChangeAvailability and Reset.
//   OCPP 2.0.1 part 2: B01 (boot Accepted, B01.FR.05 status of every connector), B02 (Pending),
//   B03 (Rejected, B03.FR.08 SecurityError), B11 (Reset), G01 (StatusNotification),
//   G02 (Heartbeat), G03 (ChangeAvailability of an EVSE), F06 (TriggerMessage);
//   part 4 section 3.1 (connection URL and subprotocol ocpp2.0.1).
'use strict';

const { scenario } = require('./lib/harness');
const { startStation, statusCall } = require('./lib/v201');

scenario('v201_boot', async (t) => {
  const { assert } = t;

  // ---------------------------------------------------------------------------------------
  t.step('Pending (interval 1), then Accepted (interval 1): boot, status of every EVSE, heartbeats');
  const csms = await t.startCsms({
    ocpp: '2.0.1', boot: [{ status: 'Pending', interval: 1 }, { status: 'Accepted', interval: 1 }],
  });
  const cp = await startStation(t, csms, { connectors: 2 });
  const conn = await csms.waitForConnection({ timeoutMs: 10000 });
  const hs = csms.handshakes[0];
  t.ok(`identity "${hs.identity}" is the last path segment (part 4 section 3.1.1)`, () => assert.equal(hs.identity, cp.o.id));
  t.ok(`subprotocol ocpp2.0.1 offered and selected: offered ${JSON.stringify(hs.protocols)}`, () => {
    assert.deepEqual(hs.protocols, ['ocpp2.0.1']);
    assert.equal(conn.protocol, 'ocpp2.0.1');
  });
  const first = await csms.waitFor((r) => r.dir === 'in' && r.kind === 'CALL', { desc: 'first CALL' });
  t.ok(`first CALL is BootNotification with reason PowerUp (B01.FR.01), got ${first.action} ${first.payload.reason}`, () => {
    assert.equal(first.action, 'BootNotification');
    assert.equal(first.payload.reason, 'PowerUp');
    assert.equal(first.payload.chargingStation.vendorName, 'ocpp-client');
    assert.equal(first.payload.chargingStation.model, 'chargerd');
  });
  await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  t.ok(`boot events Pending then Accepted: ${cp.find((e) => e.event === 'boot').map((e) => e.status)}`,
    () => assert.deepEqual(cp.find((e) => e.event === 'boot').map((e) => e.status), ['Pending', 'Accepted']));
  const boots = csms.callsFromCharger('BootNotification');
  const gap = boots[1].t - boots[0].t;
  t.ok(`second BootNotification ${gap} ms after the Pending one: not before the interval of 1 s (B02.FR.01)`,
    () => assert.ok(gap >= 950 && gap <= 5000, `gap ${gap}`));
  const acceptedAt = csms.find((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'BootNotification' &&
    r.payload.status === 'Accepted')[0];
  const early = csms.find((r) => r.dir === 'in' && r.kind === 'CALL' && r.seq < acceptedAt.seq && r.action !== 'BootNotification');
  t.ok(`nothing but BootNotification before Accepted (B02.FR.02): ${JSON.stringify(early.map((r) => r.action))}`,
    () => assert.equal(early.length, 0));
  for (const evse of [1, 2]) {
    const sn = await statusCall(csms, evse, 'Available', acceptedAt.seq);
    t.ok(`StatusNotification EVSE ${evse} connector 1 Available after Accepted (B01.FR.05)`, () => assert.ok(sn.payload.timestamp));
  }
  const hb1 = await csms.waitForCall('Heartbeat', () => true, { from: acceptedAt.seq, timeoutMs: 4000 });
  const hb2 = await csms.waitForCall('Heartbeat', () => true, { from: hb1.response.seq + 1, timeoutMs: 4000 });
  t.ok(`heartbeats every interval (G02.FR.02): ${hb2.t - hb1.t} ms apart`,
    () => assert.ok(hb2.t - hb1.t >= 900 && hb2.t - hb1.t <= 3000));

  // ---------------------------------------------------------------------------------------
  t.step('plug, unplug, fault, clear: StatusNotification per connector (G01)');
  let m = csms.mark();
  cp.send('plug 1');
  await statusCall(csms, 1, 'Occupied', m);
  t.ok('plug 1: EVSE 1 Occupied', true);
  cp.send('unplug 1');
  await statusCall(csms, 1, 'Available', m);
  t.ok('unplug 1: EVSE 1 Available', true);
  cp.send('fault 2 GroundFailure');
  await statusCall(csms, 2, 'Faulted', m);
  cp.send('clear 2');
  await statusCall(csms, 2, 'Available', m);
  t.ok('fault 2 then clear 2: EVSE 2 Faulted, then Available', true);
  const ev = cp.mark();
  cp.send('plug 3');
  const unknown = await cp.waitFor({ event: 'error' }, { from: ev });
  t.ok(`plug 3 (no EVSE 3): "${unknown.message}"`, () => assert.equal(unknown.message, 'plug: unknown EVSE'));
  const state = await cp.state();
  t.ok(`status: connected, Accepted, 2 EVSEs: ${JSON.stringify(state.evses)}`, () => {
    assert.equal(state.connected, true);
    assert.equal(state.registration, 'Accepted');
    assert.deepEqual(state.evses.map((e) => e.status), ['Available', 'Available']);
  });

  // ---------------------------------------------------------------------------------------
  t.step('TriggerMessage (F06)');
  m = csms.mark();
  const trig = await csms.call('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 2, connectorId: 1 } });
  t.ok(`StatusNotification of EVSE 2 connector 1: ${trig.status}`, () => assert.equal(trig.status, 'Accepted'));
  await statusCall(csms, 2, 'Available', m);
  const noConnector = await csms.call('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 2 } });
  t.ok(`StatusNotification without connectorId: ${noConnector.status} (F06.FR.12)`, () => assert.equal(noConnector.status, 'Rejected'));
  const boot = await csms.call('TriggerMessage', { requestedMessage: 'BootNotification' });
  t.ok(`BootNotification after Accepted: ${boot.status} (F06.FR.17)`, () => assert.equal(boot.status, 'Rejected'));
  const meter = await csms.call('TriggerMessage', { requestedMessage: 'PublishFirmwareStatusNotification' });
  t.ok(`PublishFirmwareStatusNotification: ${meter.status} (F06.FR.08)`, () => assert.equal(meter.status, 'NotImplemented'));

  // ---------------------------------------------------------------------------------------
  t.step('ChangeAvailability of EVSE 1 (G03)');
  m = csms.mark();
  const inop = await csms.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } });
  t.ok(`Inoperative: ${inop.status}`, () => assert.equal(inop.status, 'Accepted'));
  await statusCall(csms, 1, 'Unavailable', m);
  await cp.waitFor({ event: 'status', evseId: 1, status: 'Unavailable' });
  t.ok('EVSE 1 reported Unavailable, to the CSMS and as an event', true);
  const op = await csms.call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1 } });
  await statusCall(csms, 1, 'Available', m);
  t.ok(`Operative: ${op.status}, EVSE 1 Available again`, () => assert.equal(op.status, 'Accepted'));

  // ---------------------------------------------------------------------------------------
  t.step('Reset (B11): the daemon exits, and boots with reason RemoteReset when started again');
  const reset = await csms.call('Reset', { type: 'Immediate' });
  t.ok(`Reset Immediate: ${reset.status}`, () => assert.equal(reset.status, 'Accepted'));
  const exit = await cp.exited;
  t.ok(`daemon exited cleanly after the reset (status ${exit.code})`, () => assert.equal(exit.code, 0));
  m = csms.mark();
  await cp.start();
  const reboot = await csms.waitForCall('BootNotification', () => true, { from: m, timeoutMs: 10000 });
  t.ok(`BootNotification after the reset has reason ${reboot.payload.reason} (B11.FR.04)`,
    () => assert.equal(reboot.payload.reason, 'RemoteReset'));
  await cp.quit();

  // ---------------------------------------------------------------------------------------
  t.step('Rejected (interval 2), then Accepted');
  const csms2 = await t.startCsms({ ocpp: '2.0.1', boot: [{ status: 'Rejected', interval: 2 }, { status: 'Accepted', interval: 300 }] });
  const cp2 = await startStation(t, csms2);
  await csms2.waitFor((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'BootNotification' &&
    r.payload.status === 'Rejected', { timeoutMs: 10000, desc: 'BootNotificationResponse Rejected' });
  await t.sleep(200);
  let code = null;
  try {
    await csms2.call('TriggerMessage', { requestedMessage: 'Heartbeat' }, { timeoutMs: 1500 });
  } catch (err) {
    code = err.rpcErrorCode || err.message;
  }
  t.ok(`a CALL while Rejected is answered with SecurityError (B03.FR.08): ${code}`, () => assert.equal(code, 'SecurityError'));
  await cp2.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 10000, desc: 'boot Accepted' });
  const boots2 = csms2.callsFromCharger('BootNotification');
  const gap2 = boots2[1].t - boots2[0].t;
  t.ok(`second BootNotification ${gap2} ms after the Rejected one: not before the interval of 2 s (B03.FR.05)`,
    () => assert.ok(gap2 >= 1950 && gap2 <= 6000, `gap ${gap2}`));
  await cp2.quit();
}, { timeoutMs: 60000 });
