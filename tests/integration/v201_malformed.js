// integration.v201_malformed — broken frames from a 2.0.1 CSMS. ocpp-chargerd --ocpp 2.0.1
// answers each with the CALLERROR code of OCPP 2.0.1 part 4, ignores replies to calls it never
// made, and keeps the connection.
//   Part 4 section 4.2.3 (CALLERROR: 5 elements; "-1" as message id when it cannot be read),
//   section 4.3 (RpcFrameworkError, FormatViolation, OccurrenceConstraintViolation,
//   TypeConstraintViolation, PropertyConstraintViolation, NotImplemented: "not known",
//   NotSupported: "recognized but not supported", MessageTypeNotSupported), section 4.4 (an
//   unknown message type). The choices where part 4 leaves room: docs/protocol-choices.md.
'use strict';

const { scenario } = require('./lib/harness');
const lib = require('./lib/malformed');
const { bootedStation, statusCall } = require('./lib/v201');

scenario('v201_malformed', async (t) => {
  const { assert } = t;
  const { csms, cp } = await bootedStation(t, { cpOpts: { logFrames: true } });
  const connNo = csms.client._csmsConn.no;
  const rawExchange = (frame, id, opts) => lib.rawExchange(t, csms, frame, id, opts);
  const checkCallError = (label, reply, id, code, ref = 'part 4 section 4.3') =>
    lib.checkCallError(t, cp, label, reply, id, code, ref);

  // -------------------------------------------------------------------------------------------
  t.step('frames that are not an RPC message');
  let r = await rawExchange('this is not json {', undefined);
  t.ok(`text that is not JSON -> ${r.replies.map((x) => x.raw).join(' ') || '(no reply)'}: one CALLERROR RpcFrameworkError with id "-1" (section 4.2.3)`, () => {
    assert.equal(r.replies.length, 1);
    assert.equal(r.replies[0].kind, 'CALLERROR');
    assert.equal(r.replies[0].id, '-1');
    assert.equal(r.replies[0].errorCode, 'RpcFrameworkError');
    assert.equal(r.replies[0].elements, 5);
  });
  r = await rawExchange('[2,"mf-shape-1"]', 'mf-shape-1');
  await checkCallError('[2,"mf-shape-1"] (no action, no payload)', r.reply, 'mf-shape-1', 'RpcFrameworkError');
  r = await rawExchange('[7,"mf-bad-type","Heartbeat",{}]', 'mf-bad-type');
  await checkCallError('[7,...] (an unknown message type)', r.reply, 'mf-bad-type', 'MessageTypeNotSupported', 'part 4 section 4.4');

  // -------------------------------------------------------------------------------------------
  t.step('CALLs whose payload breaks the schema');
  r = await rawExchange('[2,"mf-fmt-1","Reset",{"type":"Immediate","colour":"red"}]', 'mf-fmt-1');
  await checkCallError('Reset with a property the schema does not allow', r.reply, 'mf-fmt-1', 'FormatViolation');
  r = await rawExchange('[2,"mf-fmt-2","Reset","Immediate"]', 'mf-fmt-2');
  await checkCallError('Reset with a payload that is not an object', r.reply, 'mf-fmt-2', 'FormatViolation');
  r = await rawExchange('[2,"mf-occ-1","ChangeAvailability",{}]', 'mf-occ-1');
  await checkCallError('ChangeAvailability without operationalStatus', r.reply, 'mf-occ-1', 'OccurrenceConstraintViolation');
  r = await rawExchange('[2,"mf-type-1","Reset",{"type":"Immediate","evseId":"one"}]', 'mf-type-1');
  await checkCallError('Reset with evseId "one"', r.reply, 'mf-type-1', 'TypeConstraintViolation');
  r = await rawExchange('[2,"mf-enum-1","Reset",{"type":"Sometimes"}]', 'mf-enum-1');
  await checkCallError('Reset with type "Sometimes"', r.reply, 'mf-enum-1', 'PropertyConstraintViolation');
  t.ok('none of the broken Resets reached the firmware', () =>
    assert.equal(cp.find((e) => e.event === 'reset_requested' || e.event === 'reset').length, 0));

  // -------------------------------------------------------------------------------------------
  t.step('actions the station does not know, or knows and does not support');
  r = await rawExchange('[2,"mf-unk-1","FlyToTheMoon",{}]', 'mf-unk-1');
  await checkCallError('FlyToTheMoon', r.reply, 'mf-unk-1', 'NotImplemented');
  r = await rawExchange(JSON.stringify([2, 'mf-ns-1', 'GetDisplayMessages', { requestId: 1 }]), 'mf-ns-1');
  await checkCallError('GetDisplayMessages (display messages are not built)', r.reply, 'mf-ns-1', 'NotSupported');
  r = await rawExchange('[2,"mf-ns-2","Heartbeat",{}]', 'mf-ns-2');
  await checkCallError('Heartbeat (sent by a Charging Station, never to one)', r.reply, 'mf-ns-2', 'NotSupported');

  // -------------------------------------------------------------------------------------------
  t.step('answers to calls that were never made');
  r = await rawExchange('[3,"mf-no-such-call",{"currentTime":"2020-01-01T00:00:00Z"}]', undefined);
  t.ok(`CALLRESULT with an unknown id is ignored: reply frames ${JSON.stringify(r.replies.map((x) => x.raw))}`,
    () => assert.equal(r.replies.length, 0));
  r = await rawExchange('[4,"mf-no-such-call-2","GenericError","late",{}]', undefined);
  t.ok(`CALLERROR with an unknown id is ignored: reply frames ${JSON.stringify(r.replies.map((x) => x.raw))}`,
    () => assert.equal(r.replies.length, 0));

  // -------------------------------------------------------------------------------------------
  t.step('afterwards');
  t.ok('the connection was never dropped', () => {
    assert.equal(csms.find((x) => x.kind === 'DISCONNECTED').length, 0);
    assert.equal(csms.client._csmsConn.no, connNo);
    assert.equal(cp.find((e) => e.event === 'disconnected').length, 0);
  });
  const m = csms.mark();
  const ca = await csms.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } });
  await statusCall(csms, 1, 'Unavailable', m);
  t.ok(`a valid ChangeAvailability still works: ${ca.status}, EVSE 1 Unavailable`, () => assert.equal(ca.status, 'Accepted'));
  await csms.call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1 } });
  cp.send('plug 1');
  await statusCall(csms, 1, 'Occupied', m);
  t.ok('and so does the firmware side: plug 1 reported Occupied', true);
  await cp.quit();
}, { timeoutMs: 60000 });
