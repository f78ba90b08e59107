// integration.v201_hostile — the hostile-CSMS cases of 1.6 (hostile_json.js, hostile_transport.js,
// hostile_timing.js) against ocpp-chargerd --ocpp 2.0.1, while a transaction runs (a periodic
// TransactionEvent every second): JSON nested 200,000 levels deep and one level over the parser's
// limit (32), numbers no int32 or double can hold, values of the wrong JSON type, frames of the
// wrong shape, frames whose message id cannot be read, a CALL reusing the id of one being handled,
// answers to CALLs never made, a flood of CALLs, text that is not UTF-8 and a message over the
// receive limit.
//
// What is due (OCPP 2.0.1 part 4):
//   §4.2.1: a CALL is [2, id, action, {payload}], id a string of at most 36 characters.
//   §4.2.3: a CALL that does not meet the requirements (missing fields, an id already being
//   handled, an id too long, invalid JSON or OCPP syntax) is answered with a CALLERROR of 5
//   elements with the CALL's id; "When also the MessageId cannot be read, the CALLERROR SHALL
//   contain "-1" as MessageId". §4.3 codes: RpcFrameworkError (not a valid RPC request: the text
//   cannot be read, the frame has the wrong shape), FormatViolation (payload syntactically
//   incorrect: not an object; a reused id, as 1.6), TypeConstraintViolation (wrong data type,
//   an integer outside int32), PropertyConstraintViolation (invalid value), NotImplemented
//   (action not known). Our readings: docs/protocol-choices.md ("RPC framing").
//   A reply is never answered; one to a CALL never made is ignored.
//   RFC 6455 §8.1 / §7.4.1: text that is not UTF-8 fails the connection with 1007; a message over
//   the receive limit (1 MiB) closes it with 1009; the station reconnects and its
//   TransactionEvents go on (E04.FR.01/02: queued, delivered in order), seqNo gapless (E01.FR.07).
// Every case checks that the daemon is alive without a sanitizer report.
'use strict';

const { scenario } = require('./lib/harness');
const h = require('./lib/hostile');
const { bootedStation, setVariables, txEvent, checkTxLedger } = require('./lib/v201');

const MiB = 1024 * 1024;
const PROBE = { probeFn: h.probe201, probeAction: 'GetLocalListVersion' };

scenario('v201_hostile', async (t) => {
  const { assert } = t;
  const { csms, cp } = await bootedStation(t);
  const set = await setVariables(csms, [['SampledDataCtrlr', 'TxUpdatedInterval', '1']]);
  t.ok(`SampledDataCtrlr.TxUpdatedInterval=1 -> ${set}`, () => assert.deepEqual(set, ['Accepted']));

  t.step('a transaction runs during the whole scenario');
  let m = csms.mark();
  cp.send('plug 1');
  cp.send('tag HOSTILE-201');
  const started = await txEvent(csms, (p) => p.eventType === 'Started', m);
  const txId = started.payload.transactionInfo.transactionId;
  await txEvent(csms, (p) => p.triggerReason === 'MeterValuePeriodic', m, 3000);
  t.ok(`transaction ${txId} started, periodic TransactionEvents flowing`, true);
  const conn0 = csms.client._csmsConn.no;

  // The answer expected for each frame: a CALLERROR code, 'result' (a CALLRESULT) or '-1' (the id
  // cannot be read: one CALLERROR RpcFrameworkError with id "-1" per frame).
  async function expect(label, frames, id, code, check) {
    if (code === '-1') {
      const list = [].concat(frames);
      const replies = await h.sendUnanswered(csms, list, PROBE);
      t.ok(`${label} -> ${replies.map((r) => `${r.kind} "${r.id}" ${r.errorCode || ''}`).join(', ') || 'no answer'}; expected ${list.length} × CALLERROR RpcFrameworkError with id "-1" (part 4 §4.2.3)`, () => {
        assert.equal(replies.length, list.length);
        for (const r of replies) {
          assert.equal(r.kind, 'CALLERROR');
          assert.equal(r.id, '-1');
          assert.equal(r.errorCode, 'RpcFrameworkError');
          assert.equal(r.elements, 5);
        }
      });
      h.assertHealthy(cp, `after ${label}`);
      return;
    }
    await h.expectAnswer(t, csms, cp, label, frames, id, code, check);
  }

  // -------------------------------------------------------------------------------------------
  t.step('deep nesting (parser depth limit 32)');
  const N = 200000;
  await expect(`${N} × "[" (no id)`, '['.repeat(N), undefined, '-1');
  await expect(`CALL "deep-arr" with ${N} levels of [ as payload`,
    `[2,"deep-arr","DataTransfer",${'['.repeat(N)}`, 'deep-arr', 'RpcFrameworkError');
  await expect(`CALL "deep-obj" with ${N} levels of {"a": as payload`,
    `[2,"deep-obj","DataTransfer",${'{"a":'.repeat(N)}`, 'deep-obj', 'RpcFrameworkError');
  await expect('32 levels in all (at the limit): vendorId = 30 nested arrays',
    `[2,"depth-32","DataTransfer",{"vendorId":${'['.repeat(30)}${']'.repeat(30)}}]`, 'depth-32', 'TypeConstraintViolation');
  await expect('33 levels in all (one over the limit)',
    `[2,"depth-33","DataTransfer",{"vendorId":${'['.repeat(31)}${']'.repeat(31)}}]`, 'depth-33', 'RpcFrameworkError');
  await h.checkAlive(t, cp, 'the nesting cases');

  // -------------------------------------------------------------------------------------------
  t.step('numbers out of range (UnlockConnector.evseId is an integer)');
  const unlock = (id, num) => `[2,"${id}","UnlockConnector",{"evseId":${num},"connectorId":1}]`;
  await expect('evseId 99999999999999999999 (beyond uint64)', unlock('num-u64', '99999999999999999999'), 'num-u64', 'TypeConstraintViolation');
  await expect('evseId 2147483648 (int32 max + 1)', unlock('num-i32', '2147483648'), 'num-i32', 'TypeConstraintViolation');
  await expect('evseId -2147483649 (int32 min - 1)', unlock('num-i32n', '-2147483649'), 'num-i32n', 'TypeConstraintViolation');
  await expect('evseId 1.5 (a fraction)', unlock('num-frac', '1.5'), 'num-frac', 'TypeConstraintViolation');
  await expect('evseId 1e999 (beyond a double: the text cannot be read)', unlock('num-inf', '1e999'), 'num-inf', 'RpcFrameworkError');
  await expect('evseId 2147483647 (int32 max: valid, no such EVSE)', unlock('num-max', '2147483647'), 'num-max', 'result',
    (p) => assert.equal(p.status, 'UnknownConnector'));
  await h.checkAlive(t, cp, 'the number cases');

  // -------------------------------------------------------------------------------------------
  t.step('values of the wrong JSON type');
  await expect('payload is an array', '[2,"wt-arr","Reset",[]]', 'wt-arr', 'FormatViolation');
  await expect('payload is a string', '[2,"wt-str","Reset","Immediate"]', 'wt-str', 'FormatViolation');
  await expect('payload is null (ClearCache has no fields; the schema wants an object)', '[2,"wt-null","ClearCache",null]', 'wt-null', 'FormatViolation');
  await expect('Reset type true', '[2,"wt-bool","Reset",{"type":true}]', 'wt-bool', 'TypeConstraintViolation');
  await expect('Reset type {"v":"Immediate"}', '[2,"wt-obj","Reset",{"type":{"v":"Immediate"}}]', 'wt-obj', 'TypeConstraintViolation');
  await expect('RequestStartTransaction idToken.idToken 12345',
    '[2,"wt-tok","RequestStartTransaction",{"idToken":{"idToken":12345,"type":"ISO14443"},"remoteStartId":1}]', 'wt-tok', 'TypeConstraintViolation');
  await expect('RequestStartTransaction idToken of 100,000 characters (maxLength 36)',
    `[2,"wt-long","RequestStartTransaction",{"idToken":{"idToken":"${'A'.repeat(100000)}","type":"ISO14443"},"remoteStartId":1}]`,
    'wt-long', 'PropertyConstraintViolation');
  t.ok('none of them reached the firmware (no reset or remote start event)', () =>
    assert.equal(cp.find((e) => e.event === 'reset_requested' || e.event === 'remote_start').length, 0));
  await h.checkAlive(t, cp, 'the type cases');

  // -------------------------------------------------------------------------------------------
  t.step('frames of the wrong shape; ids that cannot be read');
  await expect('action is a number', '[2,"sh-act",42,{}]', 'sh-act', 'RpcFrameworkError');
  await expect('CALL with 5 elements', '[2,"sh-5","Reset",{"type":"Immediate"},{}]', 'sh-5', 'RpcFrameworkError');
  await expect('CALL with 3 elements', '[2,"sh-3","Reset"]', 'sh-3', 'RpcFrameworkError');
  await expect('id of 37 characters', `[2,"${'i'.repeat(37)}","ClearCache",{}]`, 'i'.repeat(37), 'RpcFrameworkError');
  await expect('id of 36 characters (the maximum) is answered normally', `[2,"${'j'.repeat(36)}","GetLocalListVersion",{}]`, 'j'.repeat(36), 'result');
  await expect('an action name of 10,000 characters', `[2,"sh-longact","${'X'.repeat(10000)}",{}]`, 'sh-longact', 'NotImplemented');
  await expect('an empty action name', '[2,"sh-noact","",{}]', 'sh-noact', 'NotImplemented');
  await expect('message type 2.5, id a number, an object, a string, null, empty text, [], [2]',
    ['[2.5,"sh-t1","ClearCache",{}]', '[2,42,"ClearCache",{}]', '{"2":"sh-t3"}',
      '"[2,\\"sh-t4\\",\\"ClearCache\\",{}]"', 'null', '', '[]', '[2]'], undefined, '-1');
  await h.checkAlive(t, cp, 'the shape cases');

  // -------------------------------------------------------------------------------------------
  t.step('message ids: a CALL with the id of one being handled; answers to CALLs never made; a flood');
  await h.checkReusedId(t, csms, 'FormatViolation', h.probe201);
  const never = await h.sendUnanswered(csms, ['[3,"never-made",{"currentTime":"2020-01-01T00:00:00Z"}]',
    '[4,"never-made-2","GenericError","late",{}]'], PROBE);
  t.ok(`a CALLRESULT and a CALLERROR for CALLs never made -> ignored (${never.length} replies)`, () => assert.equal(never.length, 0));
  await h.checkBurst(t, csms, 3000, (id) => `[2,"${id}","GetLocalListVersion",{}]`);
  t.ok('the connection was never dropped so far', () => {
    assert.equal(h.disconnects(csms).length, 0);
    assert.equal(csms.client._csmsConn.no, conn0);
  });
  await h.checkAlive(t, cp, 'the message-id cases');

  // -------------------------------------------------------------------------------------------
  t.step('text that is not UTF-8 (1007) and a message over the receive limit (1009): reconnect, resume');
  const breaking = [
    ['0xFF inside a string of a CALL', 1007, () => h.sendTextBytes(csms, Buffer.concat([Buffer.from('[2,"utf-ff","DataTransfer",{"vendorId":"'),
      Buffer.from([0xff]), Buffer.from('"}]')]), { breaks: true })],
    ['invalid bytes in the message id', 1007, () => h.sendTextBytes(csms, Buffer.concat([Buffer.from('[2,"'), Buffer.from([0xc3, 0x28]),
      Buffer.from('","ClearCache",{}]')]), { breaks: true })],
    ['DataTransfer of 1 MiB + 1 byte', 1009, () => {
      h.markBreaking(csms);
      const head = '[2,"over-1","DataTransfer",{"vendorId":"ocpp-client","data":"';
      csms.sendRaw(head + 'd'.repeat(MiB + 1 - head.length - 3) + '"}]');
    }],
  ];
  for (const [label, want, send] of breaking) {
    m = csms.mark();
    send();
    const gone = await csms.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 8000, desc: 'the close' });
    const conn = await csms.waitForConnection({ from: gone.seq, timeoutMs: 8000 });
    const periodic = await txEvent(csms, (p) => p.transactionInfo.transactionId === txId, conn.seq, 4000);
    t.ok(`${label} -> the station closed with ${gone.code} (expected ${want}), nothing answered; reconnected (#${conn.conn}), TransactionEvent seqNo ${periodic.payload.seqNo} again`, () => {
      assert.equal(gone.code, want);
      assert.equal(csms.find((r) => r.dir === 'in' && r.kind !== 'CALL' && r.seq < gone.seq, m).length, 0);
    });
    await h.probe201(csms);
    await h.checkAlive(t, cp, label);
  }

  // -------------------------------------------------------------------------------------------
  t.step('afterwards: the transaction ends, no TransactionEvent lost, seqNo gapless');
  m = csms.mark();
  cp.send('stop 1');
  await txEvent(csms, (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txId, m, 5000);
  await checkTxLedger(t, csms, cp, txId);
  await h.checkAlive(t, cp, 'the whole scenario');
  const exit = await cp.quit();
  t.ok(`daemon exits cleanly on quit (${JSON.stringify(exit)}), no sanitizer report`, () => {
    assert.equal(exit.code, 0);
    h.assertNoSanitizerReport(cp, 'at exit');
  });
}, { timeoutMs: 45000 });
