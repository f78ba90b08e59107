// integration.remote_trigger — TriggerMessage for every MessageTrigger value, with and without
// connectorId, against the strict CSMS.
//   OCPP 1.6 §5.17 (Trigger Message: "The Charge Point SHALL first send the TriggerMessage
//   response, before sending the requested message"; without connectorId = for all allowed
//   connectorIds), §6.51/§6.52, §7.44 (TriggerMessageStatus), §4.4/§4.5 (Idle only on a
//   trigger), errata 3.35 (BootNotification trigger after Accepted: Rejected), errata 3.46
//   (triggered MeterValues: MeterValuesSampledData), errata 3.16 (transactionId of the
//   ongoing transaction), OCPP-J §4.2.3 (PropertyConstraintViolation).
'use strict';

const { scenario } = require('./lib/harness');

scenario('remote_trigger', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ cpOpts: { connectors: 2 } });

  // The charger's CALLRESULT to the TriggerMessage the CSMS sent after mark m.
  const replyRecord = (m) => csms.find((r) => r.dir === 'in' && r.kind === 'CALLRESULT' && r.action === 'TriggerMessage', m)[0];

  const cases = [
    ['DiagnosticsStatusNotification', 'DiagnosticsStatusNotification'],
    ['FirmwareStatusNotification', 'FirmwareStatusNotification'],
    ['Heartbeat', 'Heartbeat'],
    ['MeterValues', 'MeterValues'],
    ['StatusNotification', 'StatusNotification'],
  ];
  for (const [requested, action] of cases) {
    for (const connectorId of [undefined, 1]) {
      const label = `${requested}${connectorId === undefined ? '' : ' connectorId 1'}`;
      t.step(`TriggerMessage ${label}`);
      const m = csms.mark();
      const payload = { requestedMessage: requested };
      if (connectorId !== undefined) payload.connectorId = connectorId;
      const res = await csms.call('TriggerMessage', payload);
      t.ok(`TriggerMessage.conf ${res.status} (§5.17)`, () => assert.equal(res.status, 'Accepted'));
      const call = await csms.waitForCall(action, () => true, { from: m, timeoutMs: 5000 });
      const reply = replyRecord(m);
      t.ok(`the reply (record ${reply.seq}) came before ${action}.req (record ${call.seq}) (§5.17)`, () => assert.ok(reply.seq < call.seq));
      if (action === 'StatusNotification') {
        if (connectorId === undefined) {
          await t.sleep(500);
          const ids = csms.callsFromCharger('StatusNotification', m).map((r) => r.payload.connectorId).sort();
          t.ok(`without connectorId: StatusNotification for ${JSON.stringify(ids)} (the charge point and every connector)`,
            () => assert.deepEqual(ids, [0, 1, 2]));
        } else {
          t.ok('StatusNotification for connector 1 only', () => assert.equal(call.payload.connectorId, 1));
        }
      }
      if (action === 'MeterValues') {
        await t.sleep(500);
        const mvs = csms.callsFromCharger('MeterValues', m);
        const ids = mvs.map((r) => r.payload.connectorId).sort();
        t.ok(`MeterValues for connectors ${JSON.stringify(ids)}, context Trigger, no transactionId (no transaction)`, () => {
          if (connectorId === 1) assert.deepEqual(ids, [1]);
          else assert.ok(ids.includes(1) && ids.includes(2), JSON.stringify(ids));
          for (const r of mvs) {
            assert.equal(r.payload.transactionId, undefined);
            assert.equal(r.payload.meterValue[0].sampledValue[0].context, 'Trigger');
          }
        });
      }
      if (action === 'DiagnosticsStatusNotification' || action === 'FirmwareStatusNotification') {
        t.ok(`${action}.req status ${call.payload.status} (Idle when nothing is in progress, §4.4/§4.5)`, () => assert.equal(call.payload.status, 'Idle'));
      }
    }
  }

  t.step('BootNotification after Accepted (errata 3.35)');
  let m = csms.mark();
  const boot = await csms.call('TriggerMessage', { requestedMessage: 'BootNotification' });
  t.ok(`TriggerMessage BootNotification -> ${boot.status}`, () => assert.equal(boot.status, 'Rejected'));
  await t.sleep(1000);
  t.ok('no BootNotification.req follows', () => assert.equal(csms.callsFromCharger('BootNotification', m).length, 0));

  t.step('connectorId 3 on a 2-connector charger is Rejected for every message');
  m = csms.mark();
  for (const requested of ['BootNotification', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues', 'StatusNotification']) {
    const r = await csms.call('TriggerMessage', { requestedMessage: requested, connectorId: 3 });
    t.ok(`TriggerMessage ${requested} connectorId 3 -> ${r.status}`, () => assert.equal(r.status, 'Rejected'));
  }
  await t.sleep(1000);
  t.ok('nothing was sent for them', () => assert.equal(csms.callsFromCharger(null, m).length, 0));

  t.step('MeterValues for connector 0 (main meter)');
  m = csms.mark();
  const zero = await csms.call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 0 });
  if (zero.status === 'Rejected') {
    t.ok('Rejected: the daemon has no meter hook that reads the main meter', true);
  } else {
    const mv0 = await csms.waitForCall('MeterValues', (p) => p.connectorId === 0, { from: m, timeoutMs: 3000 });
    t.ok('Accepted: MeterValues for connector 0 follows', () => assert.ok(mv0));
  }

  t.step('MeterValues during a transaction carry its transactionId (errata 3.16)');
  m = csms.mark();
  cp.send('meter 1 2000');
  cp.send('plug 1');
  cp.send('tag CARD1 1');
  const start = await csms.waitForCall('StartTransaction', () => true, { from: m });
  const txId = start.response.payload.transactionId;
  m = csms.mark();
  const tr = await csms.call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 });
  t.ok(`TriggerMessage MeterValues connectorId 1 -> ${tr.status}`, () => assert.equal(tr.status, 'Accepted'));
  const mvTx = await csms.waitForCall('MeterValues', (p) => p.meterValue[0].sampledValue[0].context === 'Trigger', { from: m, timeoutMs: 5000 });
  t.ok(`MeterValues.req transactionId ${mvTx.payload.transactionId}, value ${mvTx.payload.meterValue[0].sampledValue[0].value}`, () => {
    assert.equal(mvTx.payload.transactionId, txId);
    assert.equal(mvTx.payload.connectorId, 1);
    assert.ok(Number(mvTx.payload.meterValue[0].sampledValue[0].value) >= 2000);
  });
  t.ok('reply before the MeterValues.req', () => assert.ok(replyRecord(m).seq < mvTx.seq));
  cp.send('unplug 1');
  await csms.waitForCall('StopTransaction', () => true, { from: m });

  t.step('a requestedMessage outside the enum (sent raw) -> CALLERROR');
  csms.sendRaw('[2,"raw-trigger-1","TriggerMessage",{"requestedMessage":"StartTransaction"}]');
  const bad = await csms.waitForReplyTo('raw-trigger-1', { timeoutMs: 3000 });
  t.ok(`answer ${bad.kind} ${bad.errorCode || ''} (OCPP-J §4.2.3)`, () => {
    assert.equal(bad.kind, 'CALLERROR');
    assert.equal(bad.errorCode, 'PropertyConstraintViolation');
  });

  await cp.quit();
}, { timeoutMs: 60000 });
