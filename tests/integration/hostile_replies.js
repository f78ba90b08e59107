// integration.hostile_replies — a CSMS that answers the charger's transaction messages with
// broken replies: CALLRESULTs that break the schema of StartTransaction.conf, MeterValues.conf and
// StopTransaction.conf, numbers no field can hold, replies of the wrong shape or with another id,
// and CALLERRORs with error codes that are not in OCPP-J 1.6 table 7 (unknown, misspelt, of
// OCPP 2.0.1) or malformed. ocpp-rpc's strict mode refuses to send such replies itself, so they
// go out raw.
//
// What is due:
//   OCPP 1.6 §3.7 (Transaction-related messages): a message the Central System failed to
//   process is sent again, up to TransactionMessageAttempts (§9.1.31), waiting
//   TransactionMessageRetryInterval × attempts so far (§9.1.32). Our reading
//   (docs/protocol-choices.md, "Transaction-related messages"): a CALLERROR, a CALLRESULT that
//   breaks the schema, or no answer within the call timeout is such a failure; a reply that
//   cannot be read, has the wrong shape or another id is no answer (OCPP-J 1.6 §4.1.4: the id
//   of a reply MUST be that of its CALL), so the call times out. Any error code counts as a
//   failure (codes outside table 7 accepted as any string).
//   OCPP-J 1.6 §4.2.3: a reply is never answered (nothing goes back for a broken reply).
//   Nothing is lost: each message is acknowledged in the end, in order, and MeterValues and
//   StopTransaction carry the transactionId of the StartTransaction.conf that was accepted
//   (§4.8, §6.46), not one from a refused reply.
'use strict';

const { scenario } = require('./lib/harness');
const h = require('./lib/hostile');

const CALL_TIMEOUT_S = 2;

// A broken reply: `frame(id)` is the raw text; `silent` means the charger cannot take it as an
// answer at all, so its CALL times out.
const bad = (label, frame, silent = false) => ({ label, frame, silent });
const result = (label, payloadText) => bad(label, (id) => `[3,"${id}",${payloadText}]`);
const error = (label, code, silent = false) =>
  bad(label, (id) => `[4,"${id}",${JSON.stringify(code)},"refused",{}]`, silent);

const tagInfo = '"idTagInfo":{"status":"Accepted"}';
const PLANS = {
  StartTransaction: [
    result('transactionId a string', `{"transactionId":"1001",${tagInfo}}`),
    result('transactionId missing', `{${tagInfo}}`),
    result('transactionId 99999999999999999999', `{"transactionId":99999999999999999999,${tagInfo}}`),
    result('transactionId 2.5', `{"transactionId":2.5,${tagInfo}}`),
    result('idTagInfo.status "Bogus"', '{"transactionId":7,"idTagInfo":{"status":"Bogus"}}'),
    result('idTagInfo.parentIdTag of 21 characters', `{"transactionId":8,"idTagInfo":{"status":"Accepted","parentIdTag":"${'P'.repeat(21)}"}}`),
    result('a property the schema does not allow', `{"transactionId":9,${tagInfo},"vendorExtra":1}`),
    bad('the same property twice (unreadable, RFC 8259 §4)', (id) => `[3,"${id}",{"transactionId":10,"transactionId":11,${tagInfo}}]`, true),
    result('payload null', 'null'),
    result('payload an array', `[{"transactionId":12,${tagInfo}}]`),
    bad('transactionId 1e999 (unreadable)', (id) => `[3,"${id}",{"transactionId":1e999,${tagInfo}}]`, true),
    bad('CALLRESULT without a payload', (id) => `[3,"${id}"]`, true),
    bad('a valid answer under another id', () => `[3,"not-your-call",{"transactionId":13,${tagInfo}}]`, true),
  ],
  MeterValues: [
    result('a property the schema does not allow', '{"unexpected":1}'),
    result('payload null', 'null'),
    result('payload a string', '"ok"'),
    error('CALLERROR with an unknown code', 'NoSuchErrorCode'),
    error('CALLERROR "OccurrenceConstraintViolation" (English spelling; 1.6 writes "Occurence")', 'OccurrenceConstraintViolation'),
    error('CALLERROR "FormatViolation" (the OCPP 2.0.1 name)', 'FormatViolation'),
    error('CALLERROR "MessageTypeNotSupported" (OCPP 2.0.1 only)', 'MessageTypeNotSupported'),
    error('CALLERROR "internalerror" (wrong case)', 'internalerror'),
    error('CALLERROR with an empty code', ''),
    bad('CALLERROR with 4 elements (no details)', (id) => `[4,"${id}","GenericError","no details"]`),
    bad('CALLERROR with a description of 100,000 characters', (id) => `[4,"${id}","InternalError","${'x'.repeat(100000)}",{}]`),
    bad('CALLERROR whose code is a number', (id) => `[4,"${id}",42,"x",{}]`, true),
    bad('CALLRESULT with 4 elements', (id) => `[3,"${id}",{},{}]`, true),
  ],
  StopTransaction: [
    result('idTagInfo.status "Bogus"', '{"idTagInfo":{"status":"Bogus"}}'),
    result('idTagInfo without status', '{"idTagInfo":{}}'),
    error('CALLERROR "GenericError"', 'GenericError'),
  ],
};

scenario('hostile_replies', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ cpOpts: { callTimeoutS: CALL_TIMEOUT_S } });
  // Retries at once (interval 0) while the replies are broken, and enough attempts for every
  // broken reply of the plan; StopTransaction is run later with interval 1 to see the back-off.
  await h.configure(t, csms, { TransactionMessageAttempts: 20, TransactionMessageRetryInterval: 0, MeterValueSampleInterval: 1 });

  const ignored = new Set();
  const sent = []; // {action, id, label, silent, rec}
  const plans = Object.fromEntries(Object.entries(PLANS).map(([k, v]) => [k, v.slice()]));
  for (const action of Object.keys(plans)) {
    csms.setHandler(action, (params, ctx) => {
      const next = plans[action].shift();
      if (!next) return ctx.defaultResponse();
      ignored.add(ctx.messageId);
      sent.push({ action, id: ctx.messageId, label: next.label, silent: next.silent });
      setImmediate(() => csms.sendRaw(next.frame(ctx.messageId)));
      return t.NOREPLY;
    });
  }

  // For each broken reply: the same message goes again, promptly when the reply was taken as a
  // failure, after the call timeout when it could not be taken as an answer.
  function checkRetries(action) {
    for (const s of sent.filter((x) => x.action === action)) {
      const call = csms.find((r) => r.dir === 'in' && r.kind === 'CALL' && r.id === s.id)[0];
      const again = csms.find((r) => r.dir === 'in' && r.kind === 'CALL' && r.action === action && r.seq > call.seq)[0];
      const gap = again ? again.t - call.t : NaN;
      const expect = s.silent ? `after the ${CALL_TIMEOUT_S} s call timeout` : 'at once (a failed attempt, retry interval 0)';
      t.ok(`${action}: ${s.label} -> sent again ${gap} ms later, ${expect}`, () => {
        assert.ok(again, 'never sent again');
        assert.deepEqual(again.payload, call.payload, 'a different message was sent');
        if (s.silent) assert.ok(gap >= CALL_TIMEOUT_S * 1000 - 50, `${gap} ms`);
        else assert.ok(gap < CALL_TIMEOUT_S * 1000 - 200, `${gap} ms: waited for the timeout`);
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  t.step(`StartTransaction answered ${PLANS.StartTransaction.length} times with broken replies, then properly`);
  const m0 = csms.mark();
  cp.send('plug 1');
  cp.send('tag HOSTILE-REPLY 1');
  const accepted = await csms.waitFor((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'StartTransaction' && !ignored.has(r.id),
    { from: m0, timeoutMs: 30000, desc: 'a valid StartTransaction.conf' });
  const txId = accepted.payload.transactionId;
  const confirmed = await cp.waitFor((e) => e.event === 'transaction_id', { timeoutMs: 5000 });
  t.ok(`the daemon took transactionId ${confirmed.transactionId} from the valid answer (${txId}), none from a refused one`, () => {
    assert.equal(confirmed.transactionId, txId);
    assert.equal(cp.find((e) => e.event === 'transaction_id').length, 1);
  });
  checkRetries('StartTransaction');
  await h.checkAlive(t, cp, 'the StartTransaction replies');

  // -------------------------------------------------------------------------------------------
  t.step(`MeterValues answered ${PLANS.MeterValues.length} times with broken replies and CALLERRORs`);
  await csms.waitFor(() => plans.MeterValues.length === 0 && csms.find((r) => r.dir === 'out' && r.kind === 'CALLRESULT' &&
    r.action === 'MeterValues' && !ignored.has(r.id)).length > 0, { timeoutMs: 40000, desc: 'a valid MeterValues.conf after the plan' });
  checkRetries('MeterValues');
  await h.checkAlive(t, cp, 'the MeterValues replies');

  // -------------------------------------------------------------------------------------------
  t.step('StopTransaction answered 3 times wrongly, TransactionMessageRetryInterval=1: waits 1 s, 2 s, 3 s (§9.1.32)');
  await h.configure(t, csms, { TransactionMessageRetryInterval: 1 });
  const m1 = csms.mark();
  cp.send('stop 1');
  const stopAck = await csms.waitFor((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'StopTransaction' && !ignored.has(r.id),
    { from: m1, timeoutMs: 20000, desc: 'a valid StopTransaction.conf' });
  const stops = csms.callsFromCharger('StopTransaction', m1);
  const gaps = stops.slice(1).map((r, i) => r.t - stops[i].t);
  t.ok(`StopTransaction sent ${stops.length} times, ${gaps.join(' / ')} ms apart (at least 1, 2, 3 s), the last one acknowledged`, () => {
    assert.equal(stops.length, 4);
    gaps.forEach((g, i) => assert.ok(g >= (i + 1) * 1000 - 50, `gap ${i + 1}: ${g} ms`));
    assert.equal(stopAck.request, stops[3]);
    for (const s of stops) assert.equal(s.payload.transactionId, txId);
  });

  // -------------------------------------------------------------------------------------------
  t.step('afterwards: nothing answered back, nothing lost');
  t.ok('the charger never answered a reply (no CALLRESULT/CALLERROR from it except to CSMS calls)', () => {
    const mine = csms.find((r) => r.dir === 'in' && (r.kind === 'CALLRESULT' || r.kind === 'CALLERROR'));
    for (const r of mine) assert.ok(r.request, `unexpected ${r.raw}`);
  });
  t.ok(`the connection was never dropped (${h.disconnects(csms).length} disconnects)`, () => assert.equal(h.disconnects(csms).length, 0));
  await h.checkAndQuit(t, csms, cp, { ignored });
}, { timeoutMs: 60000 });

