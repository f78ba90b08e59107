// integration.v201_remote — the CSMS drives a transaction of ocpp-chargerd --ocpp 2.0.1: remote
// start, GetTransactionStatus, UnlockConnector, TriggerMessage TransactionEvent, remote stop.
//   OCPP 2.0.1 part 2: F01/F02 (RequestStartTransaction: F02.FR.21 triggerReason RemoteStart and
//   remoteStartId), F03 (RequestStopTransaction: F03.FR.03 Ended RemoteStop / Remote), E14
//   (GetTransactionStatus), F05 (UnlockConnector), F06.FR.07 (TriggerMessage TransactionEvent),
//   E01.FR.07 (seqNo).
'use strict';

const { scenario } = require('./lib/harness');
const { bootedStation, statusCall, txEvents, txEvent, assertGapless, describeTx } = require('./lib/v201');

scenario('v201_remote', async (t) => {
  const { assert } = t;
  const { csms, cp } = await bootedStation(t, { cpOpts: { power: 0 } });

  // ---------------------------------------------------------------------------------------
  t.step('F02: RequestStartTransaction, then the EV is plugged in');
  let m = csms.mark();
  let em = cp.mark();
  const start = await csms.call('RequestStartTransaction', {
    evseId: 1, remoteStartId: 555, idToken: { idToken: 'REMOTE-1', type: 'Central' },
  });
  t.ok(`RequestStartTransaction: ${start.status}`, () => assert.equal(start.status, 'Accepted'));
  const rs = await cp.waitFor({ event: 'remote_start' }, { from: em });
  t.ok(`daemon event remote_start: ${JSON.stringify(rs)}`, () => {
    assert.equal(rs.evseId, 1);
    assert.equal(rs.remoteStartId, 555);
    assert.equal(rs.idToken, 'REMOTE-1');
  });
  cp.send('plug 1');
  const started = await txEvent(csms, (p) => p.eventType === 'Started', m);
  const sp = started.payload;
  const txId = sp.transactionInfo.transactionId;
  t.ok(`F02.FR.21: Started triggerReason ${sp.triggerReason}, remoteStartId ${sp.transactionInfo.remoteStartId}, idToken ${sp.idToken && sp.idToken.idToken}`, () => {
    assert.equal(sp.triggerReason, 'RemoteStart');
    assert.equal(sp.transactionInfo.remoteStartId, 555);
    assert.equal(sp.idToken.idToken, 'REMOTE-1');
    assert.equal(sp.seqNo, 0);
  });
  t.ok('F02.FR.10: no AuthorizeRequest for a remote start (AuthorizeRemoteStart false)',
    () => assert.equal(csms.callsFromCharger('Authorize', m).length, 0));
  await txEvent(csms, (p) => p.transactionInfo.chargingState === 'Charging', m);
  t.ok('the EV charges (Updated ChargingStateChanged Charging)', true);

  // ---------------------------------------------------------------------------------------
  t.step('E14: GetTransactionStatus');
  const ongoing = await csms.call('GetTransactionStatus', { transactionId: txId });
  t.ok(`E14.FR.02: ${txId}: ${JSON.stringify(ongoing)}`, () => {
    assert.equal(ongoing.ongoingIndicator, true);
    assert.equal(ongoing.messagesInQueue, false);
  });
  const unknownTx = await csms.call('GetTransactionStatus', { transactionId: 'no-such-tx' });
  t.ok(`E14.FR.01: unknown transaction: ${JSON.stringify(unknownTx)}`,
    () => assert.deepEqual(unknownTx, { ongoingIndicator: false, messagesInQueue: false }));

  // ---------------------------------------------------------------------------------------
  t.step('F05: UnlockConnector during the authorized transaction');
  const busy = await csms.call('UnlockConnector', { evseId: 1, connectorId: 1 });
  t.ok(`F05.FR.02: ${busy.status}`, () => assert.equal(busy.status, 'OngoingAuthorizedTransaction'));

  // ---------------------------------------------------------------------------------------
  t.step('F06.FR.07: TriggerMessage TransactionEvent');
  m = csms.mark();
  const trig = await csms.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } });
  t.ok(`TriggerMessage TransactionEvent: ${trig.status}`, () => assert.equal(trig.status, 'Accepted'));
  const triggered = await txEvent(csms, (p) => p.triggerReason === 'Trigger', m);
  t.ok(`Updated Trigger with chargingState ${triggered.payload.transactionInfo.chargingState}`, () => {
    assert.equal(triggered.payload.eventType, 'Updated');
    assert.equal(triggered.payload.transactionInfo.transactionId, txId);
    assert.equal(triggered.payload.transactionInfo.chargingState, 'Charging');
  });

  // ---------------------------------------------------------------------------------------
  t.step('F03: RequestStopTransaction');
  const wrong = await csms.call('RequestStopTransaction', { transactionId: 'no-such-tx' });
  t.ok(`unknown transactionId: ${wrong.status}`, () => assert.equal(wrong.status, 'Rejected'));
  m = csms.mark();
  em = cp.mark();
  const stop = await csms.call('RequestStopTransaction', { transactionId: txId });
  t.ok(`RequestStopTransaction ${txId}: ${stop.status}`, () => assert.equal(stop.status, 'Accepted'));
  const ended = await txEvent(csms, (p) => p.eventType === 'Ended', m);
  t.ok(`F03.FR.03: Ended triggerReason ${ended.payload.triggerReason}, stoppedReason ${ended.payload.transactionInfo.stoppedReason}`, () => {
    assert.equal(ended.payload.triggerReason, 'RemoteStop');
    assert.equal(ended.payload.transactionInfo.stoppedReason, 'Remote');
  });
  const evEnded = await cp.waitFor({ event: 'transaction_event', eventType: 'Ended' }, { from: em });
  t.ok(`daemon event transaction_event Ended ${evEnded.triggerReason} ${evEnded.stoppedReason}`,
    () => assert.equal(evEnded.stoppedReason, 'Remote'));
  const done = await csms.call('GetTransactionStatus', { transactionId: txId });
  t.ok(`E14.FR.03: after the end: ${JSON.stringify(done)}`, () => {
    assert.equal(done.ongoingIndicator, false);
    assert.equal(done.messagesInQueue, false);
  });
  const all = txEvents(csms, txId);
  t.ok(`E01.FR.07: seqNo gapless: ${describeTx(all)}`, () => assertGapless(assert, all));

  // ---------------------------------------------------------------------------------------
  t.step('F05: UnlockConnector without a transaction');
  em = cp.mark();
  const unlocked = await csms.call('UnlockConnector', { evseId: 1, connectorId: 1 });
  t.ok(`F05.FR.04: ${unlocked.status}`, () => assert.equal(unlocked.status, 'Unlocked'));
  await cp.waitFor({ event: 'unlock', evseId: 1, connectorId: 1 }, { from: em });
  t.ok('daemon event unlock for EVSE 1 connector 1', true);
  const unknown = await csms.call('UnlockConnector', { evseId: 9, connectorId: 1 });
  t.ok(`F05.FR.03: EVSE 9: ${unknown.status}`, () => assert.equal(unknown.status, 'UnknownConnector'));
  m = csms.mark();
  cp.send('unplug 1');
  await statusCall(csms, 1, 'Available', m);
  t.ok('unplug: EVSE 1 Available', true);
  await cp.quit();
}, { timeoutMs: 40000 });
