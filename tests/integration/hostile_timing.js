// integration.hostile_timing — a CSMS whose replies come at the wrong time or not at all: no
// answer (the call times out and is retried), an answer after the timeout (while nothing is in
// flight, and while the retry is in flight), answers sent twice, the connection dropped while
// StartTransaction or StopTransaction is in flight (a clean close and a TCP reset), and a CSMS
// that freezes (the TCP connection open, nothing read, pings unanswered).
//
// What is due:
//   OCPP-J 1.6 §4.1.1: a CALL "has timed out" when it was not answered within the (our choice:
//   --call-timeout-s) interval; §4.1.4: a reply carries the id of its CALL. Our reading
//   (docs/protocol-choices.md, "RPC framing"): a reply whose id is not the CALL in flight —
//   late, or a duplicate — is ignored; it must never be matched to another call (the late
//   StartTransaction.conf below carries another transactionId: taking it would send MeterValues
//   and StopTransaction under a transaction the CSMS does not use).
//   OCPP 1.6 §3.7: the timed-out transaction message is sent again after
//   TransactionMessageRetryInterval × attempts (§9.1.32); a lost connection is not a failure of
//   the CSMS: the message in flight is sent again after the reconnect (docs/protocol-choices.md,
//   "Transaction-related messages"), without a new BootNotification (OCPP-J 1.6 §5.4).
//   OCPP 1.6 §9.1.34 WebSocketPingInterval, OCPP-J 1.6 §5.3 and RFC 6455 §5.5.2: a peer that
//   answers no ping is dead; the charger gives the connection up and makes a new one.
// Every step checks the daemon's health; the end checks the transaction ledger (lib/hostile.js).
'use strict';

const { scenario } = require('./lib/harness');
const h = require('./lib/hostile');

const CALL_TIMEOUT_S = 2;

scenario('hostile_timing', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ cpOpts: { callTimeoutS: CALL_TIMEOUT_S } });
  await h.configure(t, csms, { TransactionMessageAttempts: 10, TransactionMessageRetryInterval: 1, MeterValueSampleInterval: 1 });

  // Per action, the handlers for the next CALLs (then the default answer). A handler gets
  // (params, ctx) and returns the reply or t.NOREPLY.
  const plans = { StartTransaction: [], MeterValues: [], StopTransaction: [] };
  for (const action of Object.keys(plans)) {
    csms.setHandler(action, (params, ctx) => {
      const next = plans[action].shift();
      return next ? next(params, ctx) : ctx.defaultResponse();
    });
  }
  const ignored = new Set(); // ids whose (first) answer the charger had to ignore
  const callRecord = (id) => csms.find((r) => r.dir === 'in' && r.kind === 'CALL' && r.id === id)[0];
  const tagInfo = { status: 'Accepted' };

  // -------------------------------------------------------------------------------------------
  t.step('StartTransaction: no answer; the retry gets the late answer to the first one, then its own');
  let first;
  let retry;
  plans.StartTransaction.push((p, ctx) => {
    first = ctx.messageId;
    ignored.add(first);
    return t.NOREPLY;
  });
  plans.StartTransaction.push((p, ctx) => {
    retry = ctx.messageId;
    // The answer to the first transmission, after its timeout, while the retry is in flight:
    // another transactionId, then the retry's own answer.
    csms.sendRaw(JSON.stringify([3, first, { transactionId: 5555, idTagInfo: tagInfo }]));
    setImmediate(() => csms.sendRaw(JSON.stringify([3, retry, { transactionId: 4242, idTagInfo: tagInfo }])));
    return t.NOREPLY;
  });
  let m = csms.mark();
  let e = cp.mark();
  cp.send('plug 1');
  cp.send('tag HOSTILE-TIME 1');
  const confirmed = await cp.waitFor((x) => x.event === 'transaction_id', { from: e, timeoutMs: 15000 });
  const starts = csms.callsFromCharger('StartTransaction', m);
  const gap = starts[1].t - starts[0].t;
  t.ok(`StartTransaction unanswered, sent again ${gap} ms later (≥ ${CALL_TIMEOUT_S} s call timeout + 1 s retry interval), same message`, () => {
    assert.equal(starts.length, 2);
    assert.ok(gap >= (CALL_TIMEOUT_S + 1) * 1000 - 50, `${gap} ms`);
    assert.deepEqual(starts[1].payload, starts[0].payload);
    assert.notEqual(starts[1].id, starts[0].id);
  });
  t.ok(`the late answer (transactionId 5555) was ignored, the retry's answer taken: transaction_id ${confirmed.transactionId}`, () => {
    assert.equal(confirmed.transactionId, 4242);
    assert.equal(cp.find((x) => x.event === 'transaction_id').length, 1);
  });
  const txId = 4242;
  await h.checkAlive(t, cp, 'the late StartTransaction.conf');

  // -------------------------------------------------------------------------------------------
  t.step('MeterValues: no answer; the late answer arrives while nothing is in flight');
  let mvFirst;
  plans.MeterValues.push((p, ctx) => {
    mvFirst = ctx.messageId;
    ignored.add(mvFirst);
    return t.NOREPLY;
  });
  m = csms.mark();
  const errFrom = cp.stderr.length;
  await h.waitStderr(cp, /MeterValues attempt 1 failed: no answer/, { from: errFrom, timeoutMs: 10000 });
  const lateAt = Date.now();
  csms.sendRaw(JSON.stringify([3, mvFirst, {}]));
  const mvRetry = await csms.waitFor((r) => r.dir === 'in' && r.kind === 'CALL' && r.action === 'MeterValues' && r.id !== mvFirst && r.seq > callRecord(mvFirst).seq,
    { timeoutMs: 8000, desc: 'the MeterValues retry' });
  t.ok(`after the call timeout the late answer came; the same MeterValues was still sent again ${mvRetry.t - lateAt} ms later (the retry interval)`, () => {
    assert.deepEqual(mvRetry.payload, callRecord(mvFirst).payload);
    assert.ok(mvRetry.t - lateAt >= 500, `${mvRetry.t - lateAt} ms`);
  });
  await h.waitStderr(cp, new RegExp(`ignored a CALLRESULT for unknown message id ${mvFirst}`), { from: errFrom, timeoutMs: 3000 });
  t.ok('the daemon logged the late answer as ignored', true);

  // -------------------------------------------------------------------------------------------
  t.step('answers sent twice: a duplicate CALLRESULT, and a CALLERROR for an answered MeterValues while the next one is in flight');
  let dupOf;
  plans.MeterValues.push((p, ctx) => {
    dupOf = ctx.messageId;
    const answer = ctx.defaultResponse();
    setImmediate(() => csms.sendRaw(JSON.stringify([3, dupOf, {}])));
    return answer;
  });
  let nextId;
  plans.MeterValues.push((p, ctx) => {
    nextId = ctx.messageId;
    // While this one is in flight, a CALLERROR "for" the previous, answered one; then the answer.
    csms.sendRaw(JSON.stringify([4, dupOf, 'InternalError', 'duplicate', {}]));
    setImmediate(() => csms.sendRaw(JSON.stringify([3, nextId, {}])));
    return t.NOREPLY;
  });
  m = csms.mark();
  await csms.waitFor(() => nextId && csms.find((r) => r.dir === 'in' && r.kind === 'CALL' && r.action === 'MeterValues', m).length >= 3,
    { timeoutMs: 8000, desc: 'the MeterValues after the duplicates' });
  t.ok('neither answered MeterValues was sent again (the duplicates were not matched to any call)', () => {
    const again = (id) => csms.find((r) => r.dir === 'in' && r.kind === 'CALL' && r.action === 'MeterValues' &&
      r.seq > callRecord(id).seq && JSON.stringify(r.payload) === JSON.stringify(callRecord(id).payload));
    assert.equal(again(dupOf).length, 0);
    assert.equal(again(nextId).length, 0);
  });
  await h.checkAlive(t, cp, 'the duplicate answers');

  // -------------------------------------------------------------------------------------------
  t.step('the connection dropped while StopTransaction is in flight (TCP reset, no close frame)');
  plans.StopTransaction.push((p, ctx) => {
    ignored.add(ctx.messageId);
    ctx.client._ws._socket.resetAndDestroy();
    return t.NOREPLY;
  });
  m = csms.mark();
  cp.send('stop 1');
  const dropped = await csms.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 8000 });
  const stop = await csms.waitForCall('StopTransaction', () => true, { from: dropped.seq, timeoutMs: 10000 });
  const stops = csms.callsFromCharger('StopTransaction', m);
  t.ok(`StopTransaction in flight, connection reset (code ${dropped.code}); after the reconnect it went again (transactionId ${stop.payload.transactionId}), no BootNotification`, () => {
    assert.equal(stops.length, 2);
    assert.deepEqual(stops[1].payload, stops[0].payload);
    assert.equal(stop.payload.transactionId, txId);
    assert.equal(csms.callsFromCharger('BootNotification', m).length, 0);
  });
  await h.checkAlive(t, cp, 'the reset during StopTransaction');

  // -------------------------------------------------------------------------------------------
  t.step('the connection closed by the CSMS while StartTransaction is in flight (close 1011)');
  plans.StartTransaction.push((p, ctx) => {
    ignored.add(ctx.messageId);
    ctx.client.close({ code: 1011, reason: 'CSMS restarting' });
    return t.NOREPLY;
  });
  m = csms.mark();
  e = cp.mark();
  cp.send('unplug 1');
  cp.send('plug 1');
  cp.send('tag HOSTILE-TIME-2 1');
  const closed = await csms.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 8000 });
  const start2 = await csms.waitForCall('StartTransaction', () => true, { from: closed.seq, timeoutMs: 10000 });
  const tx2 = start2.response.payload.transactionId;
  const confirmed2 = await cp.waitFor((x) => x.event === 'transaction_id', { from: e, timeoutMs: 5000 });
  t.ok(`StartTransaction in flight, connection closed (code ${closed.code}); after the reconnect it went again and got transactionId ${tx2}`, () => {
    const s = csms.callsFromCharger('StartTransaction', m);
    assert.equal(s.length, 2);
    assert.deepEqual(s[1].payload, s[0].payload);
    assert.equal(confirmed2.transactionId, tx2);
  });
  await csms.waitForCall('MeterValues', (p) => p.transactionId === tx2, { from: start2.seq, timeoutMs: 5000 });
  t.ok(`MeterValues of the second transaction carry ${tx2}`, true);

  // -------------------------------------------------------------------------------------------
  t.step('the CSMS freezes: the TCP connection stays open, nothing is read, no pong (WebSocketPingInterval=1)');
  await h.configure(t, csms, { WebSocketPingInterval: 1 });
  m = csms.mark();
  csms.client.close({ code: 1012, reason: 'service restart' });  // the interval applies from the next connection
  const fresh = await csms.waitFor((r) => r.kind === 'CONNECTED' && r.seq > m, { timeoutMs: 8000, desc: 'the reconnect' });
  await csms.waitForCall('MeterValues', (p) => p.transactionId === tx2, { from: fresh.seq, timeoutMs: 5000 });
  const frozen = csms.client;
  const errAt = cp.stderr.length;
  m = csms.mark();
  const frozeAt = Date.now();
  frozen._ws._socket.pause();
  csms._note('CSMS frozen: its socket is no longer read');
  await h.waitStderr(cp, /pong timeout/, { from: errAt, timeoutMs: 8000 });
  const back = await csms.waitFor((r) => r.kind === 'CONNECTED' && r.seq > m, { timeoutMs: 8000, desc: 'the reconnect after the freeze' });
  frozen._ws._socket.destroy();
  await csms.waitForCall('MeterValues', (p) => p.transactionId === tx2, { from: back.seq, timeoutMs: 5000 });
  t.ok(`the charger saw no pong, gave the connection up ("pong timeout") and reconnected ${back.t - frozeAt} ms after the freeze; MeterValues of ${tx2} flow again`, () => {
    assert.ok(back.t - frozeAt <= 6000, `${back.t - frozeAt} ms`);
  });
  await h.checkAlive(t, cp, 'the frozen CSMS');

  // -------------------------------------------------------------------------------------------
  t.step('afterwards: nothing lost');
  await h.stopCheckQuit(t, csms, cp, { ignored });
}, { timeoutMs: 60000 });
