// integration.hostile_json — a CSMS that sends JSON built to break the parser: nesting 200,000
// levels deep, nesting one level over the limit, numbers no integer or double can hold, values
// of the wrong JSON type, frames of the wrong shape, escapes that make no character. A
// transaction runs all the while (MeterValues every second).
//
// What is due (OCPP-J 1.6):
//   §4.1.3/§4.2.1: a CALL is [2, id, action, {payload}]; §4.1.4: id a string of at most 36.
//   §4.2.3: a CALL whose content does not meet the requirements is answered with a CALLERROR of
//   table 7, 5 elements, the CALL's id: FormationViolation (syntactically incorrect, not the PDU
//   structure), TypeConstraintViolation (wrong data type), PropertyConstraintViolation (invalid
//   value), OccurenceConstraintViolation.
//   A frame whose id cannot be read cannot be answered: dropped, the connection stays
//   (docs/protocol-choices.md, "RPC framing").
//   Our readings (docs/protocol-choices.md): nesting beyond 32 levels and numbers beyond the
//   range of a double make the text unreadable → FormationViolation when the CALL's id was read
//   before; an integer outside int32 → TypeConstraintViolation; a payload that is not an object
//   (also null, which §4.2.1 mentions for "no payload") → FormationViolation.
// Every case also checks that the daemon is alive without a sanitizer report, and at the end
// that no transaction message was lost (lib/hostile.js checkLedger, OCPP 1.6 §3.7).
'use strict';

const { scenario } = require('./lib/harness');
const h = require('./lib/hostile');

scenario('hostile_json', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair();
  const conn0 = csms.client._csmsConn.no;
  await h.configure(t, csms, { MeterValueSampleInterval: 1 });

  t.step('a transaction runs during the whole scenario');
  const txId = await h.startTransaction(t, csms, cp, 'HOSTILE-JSON');
  await csms.waitForCall('MeterValues', (p) => p.transactionId === txId, { timeoutMs: 5000 });
  t.ok('MeterValues flowing', true);

  // Answer expected for each frame: a CALLERROR code, 'result' (a CALLRESULT), or null (nothing).
  async function expect(label, frame, id, code, check) {
    if (code === null) {
      const replies = await h.sendUnanswered(csms, frame);
      t.ok(`${label} -> no answer (the id cannot be read); got ${replies.map((r) => String(r.raw).slice(0, 80)).join(' ') || 'none'}`,
        () => assert.equal(replies.length, 0));
      return null;
    }
    return h.expectAnswer(t, csms, cp, label, frame, id, code, check);
  }

  // -------------------------------------------------------------------------------------------
  t.step('deep nesting (parser depth limit 32)');
  const N = 200000;
  await expect(`${N} × "[" (no id)`, '['.repeat(N), undefined, null);
  await expect(`${N} × "[" + ${N} × "]" (no id)`, '['.repeat(N) + ']'.repeat(N), undefined, null);
  await expect(`CALL "deep-arr" with ${N} levels of [ as payload`,
    `[2,"deep-arr","DataTransfer",${'['.repeat(N)}`, 'deep-arr', 'FormationViolation');
  await expect(`CALL "deep-obj" with ${N} levels of {"a": as payload`,
    `[2,"deep-obj","DataTransfer",${'{"a":'.repeat(N)}`, 'deep-obj', 'FormationViolation');
  await expect(`CALL "deep-bal" with ${N} balanced levels inside vendorId`,
    `[2,"deep-bal","DataTransfer",{"vendorId":${'['.repeat(N)}${']'.repeat(N)}}]`, 'deep-bal', 'FormationViolation');
  // Frame array = level 1, payload = level 2, then 30 arrays = 32: parsed, then refused by the
  // schema (vendorId must be a string). One more level is beyond the limit.
  await expect('32 levels in all (at the limit): vendorId = 30 nested arrays',
    `[2,"depth-32","DataTransfer",{"vendorId":${'['.repeat(30)}${']'.repeat(30)}}]`, 'depth-32', 'TypeConstraintViolation');
  await expect('33 levels in all (one over the limit)',
    `[2,"depth-33","DataTransfer",{"vendorId":${'['.repeat(31)}${']'.repeat(31)}}]`, 'depth-33', 'FormationViolation');
  await h.checkAlive(t, cp, 'the nesting cases');

  // -------------------------------------------------------------------------------------------
  t.step('numbers out of range (RemoteStopTransaction.transactionId is an integer)');
  const rst = (id, num) => `[2,"${id}","RemoteStopTransaction",{"transactionId":${num}}]`;
  await expect('transactionId 99999999999999999999 (beyond uint64)', rst('num-u64', '99999999999999999999'), 'num-u64', 'TypeConstraintViolation');
  await expect('transactionId 2147483648 (int32 max + 1)', rst('num-i32', '2147483648'), 'num-i32', 'TypeConstraintViolation');
  await expect('transactionId -2147483649 (int32 min - 1)', rst('num-i32n', '-2147483649'), 'num-i32n', 'TypeConstraintViolation');
  await expect('transactionId 1.5 (a fraction)', rst('num-frac', '1.5'), 'num-frac', 'TypeConstraintViolation');
  await expect('transactionId 1e999 (beyond a double: the text cannot be read)', rst('num-inf', '1e999'), 'num-inf', 'FormationViolation');
  await expect('transactionId -1e999', rst('num-ninf', '-1e999'), 'num-ninf', 'FormationViolation');
  await expect(`transactionId with 5000 digits`, rst('num-long', '9'.repeat(5000)), 'num-long', 'FormationViolation');
  await expect('transactionId 2147483647 (int32 max: valid, no such transaction)', rst('num-max', '2147483647'), 'num-max', 'result',
    (p) => assert.equal(p.status, 'Rejected'));
  await expect('ChangeConfiguration value 1e999 (a string field)',
    '[2,"num-str","ChangeConfiguration",{"key":"HeartbeatInterval","value":1e999}]', 'num-str', 'FormationViolation');
  await h.checkAlive(t, cp, 'the number cases');

  // -------------------------------------------------------------------------------------------
  t.step('values of the wrong JSON type');
  await expect('payload is an array', '[2,"wt-arr","Reset",[]]', 'wt-arr', 'FormationViolation');
  await expect('payload is a string', '[2,"wt-str","Reset","Soft"]', 'wt-str', 'FormationViolation');
  await expect('payload is a number', '[2,"wt-num","Reset",1]', 'wt-num', 'FormationViolation');
  await expect('payload is null (ClearCache has no fields; the schema wants an object)', '[2,"wt-null","ClearCache",null]', 'wt-null', 'FormationViolation');
  await expect('Reset type true', '[2,"wt-bool","Reset",{"type":true}]', 'wt-bool', 'TypeConstraintViolation');
  await expect('Reset type ["Soft"]', '[2,"wt-arr2","Reset",{"type":["Soft"]}]', 'wt-arr2', 'TypeConstraintViolation');
  await expect('Reset type {"v":"Soft"}', '[2,"wt-obj","Reset",{"type":{"v":"Soft"}}]', 'wt-obj', 'TypeConstraintViolation');
  await expect('RemoteStartTransaction idTag 12345', '[2,"wt-tag","RemoteStartTransaction",{"idTag":12345}]', 'wt-tag', 'TypeConstraintViolation');
  await expect('RemoteStartTransaction connectorId "1"', '[2,"wt-cid","RemoteStartTransaction",{"idTag":"X","connectorId":"1"}]', 'wt-cid', 'TypeConstraintViolation');
  await expect('ChangeConfiguration key null', '[2,"wt-keynull","ChangeConfiguration",{"key":null,"value":"1"}]', 'wt-keynull', 'TypeConstraintViolation');
  await expect('GetConfiguration key "HeartbeatInterval" (a string, not an array)', '[2,"wt-keys","GetConfiguration",{"key":"HeartbeatInterval"}]', 'wt-keys', 'TypeConstraintViolation');
  await expect('RemoteStartTransaction idTag of 100,000 characters (maxLength 20)',
    `[2,"wt-long","RemoteStartTransaction",{"idTag":"${'A'.repeat(100000)}"}]`, 'wt-long', 'PropertyConstraintViolation');
  await h.checkAlive(t, cp, 'the type cases');

  // -------------------------------------------------------------------------------------------
  t.step('frames of the wrong shape');
  await expect('action is a number', '[2,"sh-act",42,{}]', 'sh-act', 'FormationViolation');
  await expect('CALL with 5 elements', '[2,"sh-5","Reset",{"type":"Soft"},{}]', 'sh-5', 'FormationViolation');
  await expect('CALL with 3 elements', '[2,"sh-3","Reset"]', 'sh-3', 'FormationViolation');
  await expect('id of 37 characters', `[2,"${'i'.repeat(37)}","ClearCache",{}]`, 'i'.repeat(37), 'FormationViolation');
  await expect('id of 36 characters (the maximum) is answered normally', `[2,"${'j'.repeat(36)}","GetLocalListVersion",{}]`, 'j'.repeat(36), 'result');
  await expect('an action name of 10,000 characters', `[2,"sh-longact","${'X'.repeat(10000)}",{}]`, 'sh-longact', 'NotImplemented');
  await expect('an empty action name', '[2,"sh-noact","",{}]', 'sh-noact', 'NotImplemented');
  await expect('message type 2.5 / "2" / -1 / 4294967298, id a number, object, string, null, empty text',
    ['[2.5,"sh-t1","ClearCache",{}]', '["2","sh-t2","ClearCache",{}]', '[2,42,"ClearCache",{}]', '{"2":"sh-t3"}',
      '"[2,\\"sh-t4\\",\\"ClearCache\\",{}]"', 'null', '', '[]', '[2]'], undefined, null);
  await h.checkAlive(t, cp, 'the shape cases');

  // -------------------------------------------------------------------------------------------
  t.step('escapes and names');
  await expect('a lone surrogate escape "\\ud800" in idTag (no character: unreadable)',
    '[2,"esc-sur","RemoteStartTransaction",{"idTag":"\\ud800"}]', 'esc-sur', 'FormationViolation');
  await expect('key "HeartbeatInterval\\u0000" is not HeartbeatInterval',
    '[2,"esc-nul","ChangeConfiguration",{"key":"HeartbeatInterval\\u0000","value":"5"}]', 'esc-nul', 'result',
    (p) => assert.equal(p.status, 'NotSupported'));
  await expect('property name "type\\u0000" is not "type"', '[2,"esc-nulname","Reset",{"type\\u0000":"Hard"}]', 'esc-nulname', 'FormationViolation');
  const dupeFrame = '[2,"dup-key","ChangeConfiguration",{"key":"HeartbeatInterval","value":"77","key":"MeterValueSampleInterval"}]';
  await expect('the same property twice (RFC 8259 §4: names SHOULD be unique)', dupeFrame, 'dup-key', 'FormationViolation');
  const hb = await csms.call('GetConfiguration', { key: ['HeartbeatInterval', 'MeterValueSampleInterval'] });
  t.ok(`  neither key was changed: ${hb.configurationKey.map((k) => `${k.key}=${k.value}`).join(' ')}`, () => {
    for (const k of hb.configurationKey) assert.notEqual(k.value, '77');
  });
  await expect('50,000 properties the schema does not allow (DataTransfer)',
    `[2,"many-props","DataTransfer",{"vendorId":"x",${Array.from({ length: 50000 }, (_, i) => `"p${i}":${i}`).join(',')}}]`,
    'many-props', 'FormationViolation');
  await h.checkAlive(t, cp, 'the escape cases');

  // -------------------------------------------------------------------------------------------
  t.step('message ids: a CALL with the id of one being handled; a burst of CALLs');
  await h.checkReusedId(t, csms, 'FormationViolation');
  await h.checkBurst(t, csms, 3000, (id) => `[2,"${id}","GetConfiguration",{"key":["HeartbeatInterval"]}]`);
  await h.checkAlive(t, cp, 'the message-id cases');

  // -------------------------------------------------------------------------------------------
  t.step('afterwards: same connection, the transaction completes, nothing lost');
  t.ok('the connection was never dropped', () => {
    assert.equal(h.disconnects(csms).length, 0);
    assert.equal(csms.client._csmsConn.no, conn0);
  });
  await h.stopCheckQuit(t, csms, cp);
}, { timeoutMs: 60000 });
