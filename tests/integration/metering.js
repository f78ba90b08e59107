// integration.metering — clock-aligned MeterValues, StopTransaction.transactionData and
// MinimumStatusDuration, configured by the strict CSMS with ChangeConfiguration.
//   OCPP 1.6 §3.16.1/§3.16.2 (errata 3.14: sampled and clock-aligned meter values; intervals
//   counted from midnight), errata 3.16 (transactionId of the ongoing transaction), errata
//   3.16.6 (Transaction.Begin/End in transactionData), §9.1.5 ClockAlignedDataInterval,
//   §9.1.19 MeterValueSampleInterval, §9.1.27 StopTxnSampledData, §9.1.20 MinimumStatusDuration,
//   §4.9 (StatusNotification), §6.49 (StopTransaction.req transactionData).
'use strict';

const { scenario } = require('./lib/harness');

const ctxOf = (p) => p.meterValue[0].sampledValue[0].context;

scenario('metering', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair();

  const change = async (key, value) => {
    const r = await csms.call('ChangeConfiguration', { key, value });
    t.ok(`ChangeConfiguration ${key}=${value} -> ${r.status}`, () => assert.equal(r.status, 'Accepted'));
  };

  t.step('clock-aligned MeterValues every 2 s (ClockAlignedDataInterval, §3.16.2)');
  let m = csms.mark();
  await change('ClockAlignedDataInterval', '2');
  const first = await csms.waitForCall('MeterValues', (p) => ctxOf(p) === 'Sample.Clock', { from: m, timeoutMs: 5000 });
  const second = await csms.waitForCall('MeterValues', (p) => ctxOf(p) === 'Sample.Clock', { from: first.response.seq + 1, timeoutMs: 5000 });
  const t1 = Date.parse(first.payload.meterValue[0].timestamp);
  const t2 = Date.parse(second.payload.meterValue[0].timestamp);
  t.ok(`timestamps ${first.payload.meterValue[0].timestamp}, ${second.payload.meterValue[0].timestamp} on even seconds, 2 s apart`, () => {
    assert.equal(t1 % 2000, 0);
    assert.equal(t2 - t1, 2000);
  });
  t.ok('outside a transaction: connector 1, no transactionId, Energy.Active.Import.Register', () => {
    assert.equal(first.payload.connectorId, 1);
    assert.equal(first.payload.transactionId, undefined);
    const sv = first.payload.meterValue[0].sampledValue[0];
    assert.equal(sv.measurand || 'Energy.Active.Import.Register', 'Energy.Active.Import.Register');
  });

  t.step('a transaction with StopTxnSampledData set: transactionData in StopTransaction');
  await change('StopTxnSampledData', 'Energy.Active.Import.Register');
  await change('MeterValueSampleInterval', '1');
  m = csms.mark();
  cp.send('meter 1 5000');
  cp.send('plug 1');
  cp.send('tag CARD1 1');
  const start = await csms.waitForCall('StartTransaction', () => true, { from: m });
  const txId = start.response.payload.transactionId;
  await t.sleep(4500);
  const clockTx = csms.callsFromCharger('MeterValues', start.seq).filter((r) => ctxOf(r.payload) === 'Sample.Clock');
  t.ok(`${clockTx.length} clock-aligned MeterValues during the transaction carry transactionId ${txId} (errata 3.16)`, () => {
    assert.ok(clockTx.length >= 1);
    for (const r of clockTx) assert.equal(r.payload.transactionId, txId);
  });
  m = csms.mark();
  cp.send('stop 1');
  const stop = await csms.waitForCall('StopTransaction', () => true, { from: m });
  const td = stop.payload.transactionData || [];
  const contexts = td.map((mv) => mv.sampledValue[0].context);
  t.ok(`transactionData has ${td.length} MeterValue elements: ${contexts.join(', ')}`, () => {
    assert.ok(td.length >= 4, `${td.length}`);
    assert.equal(contexts[0], 'Transaction.Begin');
    assert.equal(contexts[contexts.length - 1], 'Transaction.End');
    assert.ok(contexts.includes('Sample.Periodic'));
    assert.ok(!contexts.includes('Sample.Clock'), 'StopTxnAlignedData is empty');
  });
  t.ok('Begin = meterStart, End = meterStop, readings never decrease', () => {
    assert.equal(Number(td[0].sampledValue[0].value), start.payload.meterStart);
    assert.equal(Number(td[td.length - 1].sampledValue[0].value), stop.payload.meterStop);
    let last = -1;
    for (const mv of td) {
      const v = Number(mv.sampledValue[0].value);
      assert.ok(v >= last);
      last = v;
    }
  });
  cp.send('unplug 1');

  t.step('ClockAlignedDataInterval=0 stops the clock-aligned values');
  await change('ClockAlignedDataInterval', '0');
  await change('MeterValueSampleInterval', '0');
  await t.sleep(300);
  m = csms.mark();
  await t.sleep(2500);
  t.ok('no MeterValues for 2.5 s', () => assert.equal(csms.callsFromCharger('MeterValues', m).length, 0));

  t.step('MinimumStatusDuration=2 (§9.1.20)');
  await change('MinimumStatusDuration', '2');
  await t.sleep(300);
  m = csms.mark();
  cp.send('plug 1');
  await t.sleep(500);
  cp.send('unplug 1');
  await t.sleep(3000);
  t.ok('plugged for 0.5 s: no StatusNotification at all', () => assert.equal(csms.callsFromCharger('StatusNotification', m).length, 0));
  m = csms.mark();
  const plugAt = Date.now();
  cp.send('plug 1');
  const prep = await csms.waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Preparing', { from: m, timeoutMs: 5000 });
  t.ok(`Preparing reported ${prep.t - plugAt} ms after the plug (>= ~2 s), timestamped at the plug`, () => {
    assert.ok(prep.t - plugAt >= 1800, `${prep.t - plugAt}`);
    assert.ok(Math.abs(Date.parse(prep.payload.timestamp) - plugAt) < 1000);
  });
  cp.send('unplug 1');
  await cp.quit();
}, { timeoutMs: 60000 });
