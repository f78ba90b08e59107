// integration.malformed — broken frames from the CSMS. The charger answers a CALL it cannot
// accept with the right CALLERROR, ignores what it must ignore, and keeps the connection.
//   OCPP-J 1.6 §4.1.3 (message types: "When a server receives a message with a Message Type
//   Number not in this list, it SHALL ignore the message payload"), §4.1.4 (message id),
//   §4.2.3 (CallError: 5 elements, errorDescription string, errorDetails object, and the error
//   codes NotImplemented, TypeConstraintViolation, OccurenceConstraintViolation,
//   PropertyConstraintViolation). OCPP-J 1.6 errata sheet §5.1 / §5.2: the misspelt codes
//   "OccurenceConstraintViolation" and "FormationViolation" stay as they are on the wire in 1.6.
//   Pitfalls (shared/pitfalls.md): replies that arrive late or twice must be matched by id or
//   ignored (libocpp #1137); the CSMS may send no answer to a broken frame.
//
// What the charger's answers are: read from the raw frames the CSMS receives (ocpp-rpc 'message'
// events), and cross-checked with the daemon's own --log-frames output.
//
// Decision for the bad message type [7, "id", ...]: OCPP-J 1.6 §4.1.3 says the receiver "SHALL
// ignore the message payload"; it does not say whether an error may be returned. Both are
// accepted: no reply at all, or one CALLERROR with the frame's id, 5 elements and an error code
// from the OCPP-J 1.6 table (§4.2.3) — OCPP 2.0.1's MessageTypeNotSupported does not exist in
// 1.6, so it is not accepted. The test prints which of the two the charger did. Anything else
// (a CALLRESULT, several replies, an invented id, a dropped connection) fails.
'use strict';

const { scenario } = require('./lib/harness');
const lib = require('./lib/malformed');

scenario('malformed', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ cpOpts: { logFrames: true } });
  const connNo = csms.client._csmsConn.no;

  const rawExchange = (frame, id, opts) => lib.rawExchange(t, csms, frame, id, opts);
  const checkCallError = (label, reply, id, code) => lib.checkCallError(t, cp, label, reply, id, code, 'OCPP-J §4.2.3');

  // -------------------------------------------------------------------------------------------
  t.step('text that is not JSON');
  let em = cp.mark();
  const r1 = await rawExchange('this is not json {', undefined);
  t.ok(`no CALLRESULT for it; answer(s): ${r1.replies.map((r) => r.raw).join(' ') || 'none'}`,
    () => r1.replies.forEach((r) => assert.equal(r.kind, 'CALLERROR', r.raw)));
  t.ok('the daemon logged the frame as received (--log-frames rx)',
    () => assert.ok(cp.find((e) => e.event === 'frame' && e.dir === 'rx' && e.text === 'this is not json {', em).length === 1));
  let gc = await csms.call('GetConfiguration', { key: ['HeartbeatInterval'] });
  t.ok('connection survives: GetConfiguration still answered', () => assert.equal(gc.configurationKey.length, 1));

  // -------------------------------------------------------------------------------------------
  t.step('CALL with a field of the wrong type');
  let r = await rawExchange('[2,"mf-type-1","RemoteStopTransaction",{"transactionId":"abc"}]', 'mf-type-1');
  await checkCallError('RemoteStopTransaction {transactionId:"abc"}', r.reply, 'mf-type-1', 'TypeConstraintViolation');
  r = await rawExchange('[2,"mf-type-2","ChangeConfiguration",{"key":"HeartbeatInterval","value":5}]', 'mf-type-2');
  await checkCallError('ChangeConfiguration {value:5}', r.reply, 'mf-type-2', 'TypeConstraintViolation');
  t.ok('  no configuration change happened', () => assert.equal(cp.find((e) => e.event === 'configuration_changed', em).length, 0));

  t.step('CALL with a required field missing');
  r = await rawExchange('[2,"mf-occ-1","ChangeConfiguration",{"key":"HeartbeatInterval"}]', 'mf-occ-1');
  await checkCallError('ChangeConfiguration without value', r.reply, 'mf-occ-1', 'OccurenceConstraintViolation');
  r = await rawExchange('[2,"mf-occ-2","RemoteStartTransaction",{"connectorId":1}]', 'mf-occ-2');
  await checkCallError('RemoteStartTransaction without idTag', r.reply, 'mf-occ-2', 'OccurenceConstraintViolation');

  t.step('CALL of an unknown action');
  r = await rawExchange('[2,"mf-unk-1","FlyToTheMoon",{}]', 'mf-unk-1');
  await checkCallError('FlyToTheMoon', r.reply, 'mf-unk-1', 'NotImplemented');

  t.step('CALL with a value outside an enumeration');
  const badEnum = {
    idTag: 'ENUMTAG', connectorId: 1,
    chargingProfile: {
      chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'Sometimes', chargingProfileKind: 'Absolute',
      chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] },
    },
  };
  const mEnum = csms.mark();
  em = cp.mark();
  r = await rawExchange(JSON.stringify([2, 'mf-enum-1', 'RemoteStartTransaction', badEnum]), 'mf-enum-1');
  await checkCallError('RemoteStartTransaction chargingProfilePurpose "Sometimes"', r.reply, 'mf-enum-1', 'PropertyConstraintViolation');
  await t.sleep(500);
  t.ok('  nothing was started for the rejected request', () => {
    assert.equal(csms.callsFromCharger('Authorize', mEnum).length + csms.callsFromCharger('StartTransaction', mEnum).length, 0);
    assert.equal(cp.find((e) => e.event === 'remote_start', em).length, 0);
  });

  // -------------------------------------------------------------------------------------------
  t.step('answers to calls that were never made');
  r = await rawExchange('[3,"mf-no-such-call",{"currentTime":"2020-01-01T00:00:00Z"}]', undefined);
  t.ok(`CALLRESULT with an unknown id is ignored: reply frames ${JSON.stringify(r.replies.map((x) => x.raw))}`, () => assert.equal(r.replies.length, 0));
  r = await rawExchange('[4,"mf-no-such-call-2","GenericError","late",{}]', undefined);
  t.ok(`CALLERROR with an unknown id is ignored: reply frames ${JSON.stringify(r.replies.map((x) => x.raw))}`, () => assert.equal(r.replies.length, 0));

  t.step('a JSON array with an unknown message type id');
  r = await rawExchange('[7,"mf-bad-type","Heartbeat",{}]', undefined);
  const ocppj16Codes = ['NotImplemented', 'NotSupported', 'InternalError', 'ProtocolError', 'SecurityError',
    'FormationViolation', 'PropertyConstraintViolation', 'OccurenceConstraintViolation', 'TypeConstraintViolation', 'GenericError'];
  const how = r.replies.length === 0 ? 'ignored (no reply)' : `answered ${r.replies.map((x) => x.raw).join(' ')}`;
  t.ok(`[7,"mf-bad-type",...] (OCPP-J §4.1.3): ${how}`, () => {
    assert.ok(r.replies.length <= 1, 'more than one reply');
    if (r.replies.length === 1) {
      const x = r.replies[0];
      assert.equal(x.kind, 'CALLERROR');
      assert.equal(x.id, 'mf-bad-type');
      assert.equal(x.elements, 5);
      assert.ok(ocppj16Codes.includes(x.errorCode), `error code ${x.errorCode} is not in the OCPP-J 1.6 table`);
    }
  });

  // -------------------------------------------------------------------------------------------
  t.step('afterwards');
  gc = await csms.call('GetConfiguration', { key: ['MeterValueSampleInterval'] });
  t.ok('GetConfiguration answered on the same connection', () => assert.equal(gc.configurationKey.length, 1));
  const cc = await csms.call('ChangeConfiguration', { key: 'HeartbeatInterval', value: '250' });
  t.ok(`a valid ChangeConfiguration still works: ${cc.status}`, () => assert.equal(cc.status, 'Accepted'));
  t.ok('the connection was never dropped', () => {
    assert.equal(csms.find((r) => r.kind === 'DISCONNECTED').length, 0);
    assert.equal(csms.client._csmsConn.no, connNo);
    assert.equal(cp.find((e) => e.event === 'disconnected').length, 0);
  });
  const m = csms.mark();
  cp.send('plug 1');
  cp.send('tag AFTERTAG');
  const start = await csms.waitForCall('StartTransaction', () => true, { from: m });
  t.ok(`and the charger still works: StartTransaction -> ${start.response.payload.transactionId}`, () => assert.equal(start.response.kind, 'CALLRESULT'));
  cp.send('unplug 1');
  await csms.waitForCall('StopTransaction', () => true, { from: m });
  await cp.quit();
}, { timeoutMs: 60000 });
