// integration.v201_session — one complete OCPP 2.0.1 charging session of ocpp-chargerd --ocpp 2.0.1
// against the strict 2.0.1 CSMS: the CSMS sets SampledDataCtrlr.TxUpdatedInterval to 1 s, the EV is
// plugged in, the driver presents a card (Authorize), the transaction starts, the EV charges with
// periodic meter values taken from `meter`, the CSMS reads and sets variables and asks for the full
// inventory, and the transaction ends when the EV is unplugged.
//   OCPP 2.0.1 part 2: B05 (SetVariables), B06 (GetVariables), B07 (GetBaseReport, NotifyReport),
//   C01 (Authorize), E01.FR.07 (seqNo), E02 (cable first), E06.FR.02 (EV disconnected),
//   J02.FR.11 (MeterValuePeriodic), E01.FR.09 / F03.FR.04 (Transaction.Begin / Transaction.End).
'use strict';

const { scenario } = require('./lib/harness');
const { waitQueueEmpty } = require('./lib/tx');
const {
  bootedStation, statusCall, setVariables, txEvents, txEvent, energySamples, assertGapless, describeTx,
} = require('./lib/v201');

scenario('v201_session', async (t) => {
  const { assert } = t;
  // --power 0: the simulated EV draws nothing by itself, the meter reads what `meter` sets.
  const { csms, cp } = await bootedStation(t, { cpOpts: { power: 0 } });

  // ---------------------------------------------------------------------------------------
  t.step('B05, B06: SetVariables TxUpdatedInterval=1, GetVariables reads it back');
  const set = await setVariables(csms, [['SampledDataCtrlr', 'TxUpdatedInterval', '1']]);
  t.ok(`B05.FR.10: SampledDataCtrlr.TxUpdatedInterval=1 -> ${set}`, () => assert.deepEqual(set, ['Accepted']));
  await cp.waitFor({ event: 'variable_set', variable: 'TxUpdatedInterval', value: '1' }, { timeoutMs: 3000 });
  const got = await csms.call('GetVariables', {
    getVariableData: [
      { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' } },
      { component: { name: 'NoSuchCtrlr' }, variable: { name: 'Nothing' } },
    ],
  });
  const res = got.getVariableResult;
  t.ok(`B06.FR.01: 2 results: ${res.map((r) => `${r.component.name}.${r.variable.name}=${r.attributeStatus}:${r.attributeValue}`)}`, () => {
    assert.equal(res.length, 2);
    assert.equal(res[0].attributeStatus, 'Accepted');
    assert.equal(res[0].attributeValue, '1');
    assert.equal(res[1].attributeStatus, 'UnknownComponent');
  });

  // ---------------------------------------------------------------------------------------
  t.step('E02, C01: plug, tag -> Authorize -> TransactionEvent Started');
  let m = csms.mark();
  let em = cp.mark();
  cp.send('meter 1 1000');
  cp.send('plug 1');
  await statusCall(csms, 1, 'Occupied', m);
  t.ok('E02.FR.05: connector Occupied after plug', true);
  cp.send('tag CARD-1');
  const auth = await csms.waitForCall('Authorize', (p) => p.idToken.idToken === 'CARD-1', { from: m });
  t.ok(`C01: AuthorizeRequest for CARD-1 (type ${auth.payload.idToken.type}) -> ${auth.response.payload.idTokenInfo.status}`,
    () => assert.equal(auth.payload.idToken.type, 'ISO14443'));
  const authEv = await cp.waitFor({ event: 'authorization', idToken: 'CARD-1' }, { from: em });
  t.ok(`daemon event authorization: ${authEv.status}`, () => assert.equal(authEv.status, 'Accepted'));
  const started = await txEvent(csms, (p) => p.eventType === 'Started', m);
  const sp = started.payload;
  const txId = sp.transactionInfo.transactionId;
  t.ok(`E02.FR.01 E01.FR.07: Started seqNo ${sp.seqNo}, triggerReason ${sp.triggerReason}, idToken ${sp.idToken && sp.idToken.idToken}, evse ${JSON.stringify(sp.evse)}`, () => {
    assert.equal(sp.seqNo, 0);
    assert.equal(sp.triggerReason, 'Authorized');
    assert.deepEqual(sp.idToken, { idToken: 'CARD-1', type: 'ISO14443' });
    assert.deepEqual(sp.evse, { id: 1, connectorId: 1 });
    assert.ok(auth.seq < started.seq, 'Authorize before Started');
  });
  t.ok(`E01.FR.09: Started carries Transaction.Begin ${JSON.stringify(energySamples(sp))}`,
    () => assert.deepEqual(energySamples(sp), [{ context: 'Transaction.Begin', value: 1000 }]));
  const evStarted = await cp.waitFor({ event: 'transaction_event', eventType: 'Started' }, { from: em });
  t.ok(`daemon event transaction_event Started: ${JSON.stringify(evStarted)}`, () => {
    assert.equal(evStarted.transactionId, txId);
    assert.equal(evStarted.seqNo, 0);
    assert.equal(evStarted.evse, 1);
    assert.equal(evStarted.connector, 1);
    assert.equal(evStarted.offline, false);
    assert.equal(evStarted.idToken, 'CARD-1');
  });
  const charging = await txEvent(csms, (p) => p.triggerReason === 'ChargingStateChanged', m);
  t.ok(`E01.FR.18: the EV starts charging: Updated ChargingStateChanged ${charging.payload.transactionInfo.chargingState}`,
    () => assert.equal(charging.payload.transactionInfo.chargingState, 'Charging'));

  // ---------------------------------------------------------------------------------------
  t.step('J02.FR.11: Updated MeterValuePeriodic every second with the readings of `meter`');
  for (const wh of [1500, 2250]) {
    const from = csms.mark();
    cp.send(`meter 1 ${wh}`);
    const periodic = await txEvent(csms, (p) => p.triggerReason === 'MeterValuePeriodic' &&
      energySamples(p).some((s) => s.value === wh), from, 3000);
    t.ok(`meter 1 ${wh}: Updated MeterValuePeriodic ${JSON.stringify(energySamples(periodic.payload))}`, () => {
      assert.equal(periodic.payload.eventType, 'Updated');
      assert.ok(energySamples(periodic.payload).every((s) => s.context === 'Sample.Periodic'));
    });
  }
  const periodics = txEvents(csms, txId).filter((r) => r.payload.triggerReason === 'MeterValuePeriodic');
  const gaps = periodics.slice(1).map((r, i) => r.t - periodics[i].t);
  t.ok(`${periodics.length} periodic events, ${gaps.join('/')} ms apart (interval 1 s)`,
    () => gaps.forEach((g) => assert.ok(g >= 700 && g <= 1600, `gap ${g}`)));

  // ---------------------------------------------------------------------------------------
  t.step('B07: GetBaseReport FullInventory -> NotifyReport parts, seqNo gapless, tbc false on the last');
  m = csms.mark();
  const gbr = await csms.call('GetBaseReport', { requestId: 42, reportBase: 'FullInventory' });
  t.ok(`GetBaseReport: ${gbr.status}`, () => assert.equal(gbr.status, 'Accepted'));
  await csms.waitForCall('NotifyReport', (p) => p.requestId === 42 && !p.tbc, { from: m, timeoutMs: 5000 });
  const parts = csms.callsFromCharger('NotifyReport', m).map((r) => r.payload);
  t.ok(`B07.FR.03 B07.FR.04: ${parts.length} NotifyReport parts, requestId 42, seqNo ${parts.map((p) => p.seqNo)}, tbc ${parts.map((p) => !!p.tbc)}`, () => {
    parts.forEach((p, i) => {
      assert.equal(p.requestId, 42);
      assert.equal(p.seqNo, i);
      assert.equal(!!p.tbc, i < parts.length - 1);
    });
  });
  const reported = parts.flatMap((p) => p.reportData || []);
  const interval = reported.find((d) => d.component.name === 'SampledDataCtrlr' && d.variable.name === 'TxUpdatedInterval');
  t.ok(`${reported.length} variables reported, SampledDataCtrlr.TxUpdatedInterval among them = ${interval && interval.variableAttribute[0].value}`,
    () => assert.equal(interval.variableAttribute[0].value, '1'));

  // ---------------------------------------------------------------------------------------
  t.step('E06.FR.02: unplug -> Ended EVCommunicationLost / EVDisconnected');
  m = csms.mark();
  em = cp.mark();
  cp.send('meter 1 3000');
  cp.send('unplug 1');
  const ended = await txEvent(csms, (p) => p.eventType === 'Ended', m);
  const ep = ended.payload;
  t.ok(`Ended: triggerReason ${ep.triggerReason}, stoppedReason ${ep.transactionInfo.stoppedReason}`, () => {
    assert.equal(ep.transactionInfo.transactionId, txId);
    assert.equal(ep.triggerReason, 'EVCommunicationLost');
    assert.equal(ep.transactionInfo.stoppedReason, 'EVDisconnected');
  });
  // SampledDataTxEndedInterval 0: the values taken at the start and the end of the transaction
  // (part 2 appendix, SampledDataTxEndedMeasurands).
  t.ok(`F03.FR.04: Ended carries Transaction.Begin and Transaction.End ${JSON.stringify(energySamples(ep))}`,
    () => assert.deepEqual(energySamples(ep), [{ context: 'Transaction.Begin', value: 1000 },
      { context: 'Transaction.End', value: 3000 }]));
  await statusCall(csms, 1, 'Available', m);
  const evEnded = await cp.waitFor({ event: 'transaction_event', eventType: 'Ended' }, { from: em });
  t.ok(`daemon event transaction_event Ended: stoppedReason ${evEnded.stoppedReason}`,
    () => assert.equal(evEnded.stoppedReason, 'EVDisconnected'));
  const all = txEvents(csms, txId);
  t.ok(`E01.FR.07: seqNo gapless 0..${all.length - 1}: ${describeTx(all)}`, () => {
    assertGapless(assert, all);
    assert.equal(all[all.length - 1], ended);
    all.forEach((r) => assert.equal(r.response.kind, 'CALLRESULT'));
  });
  // The CSMS has sent its CALLRESULT to the Ended; the daemon may not have read it yet.
  const st = await waitQueueEmpty(cp);
  t.ok(`status: queue ${st.queue}, EVSE 1 ${st.evses[0].status}, no transaction`, () => {
    assert.equal(st.queue, 0);
    assert.equal(st.evses[0].transactionId, null);
  });
  await cp.quit();
}, { timeoutMs: 40000 });
