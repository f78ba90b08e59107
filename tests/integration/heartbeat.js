// integration.heartbeat — Heartbeat at the interval from BootNotification.conf, then at a new
// HeartbeatInterval set with ChangeConfiguration.
//   OCPP 1.6 §4.2 ("the Charge Point will adjust the heartbeat interval in accordance with the
//   interval from the response PDU"), §4.6 (Heartbeat), §6.30 (Heartbeat.conf currentTime),
//   §9.1.10 (HeartbeatInterval), §5.3 (ChangeConfiguration).
'use strict';

const { scenario } = require('./lib/harness');

function gaps(records) {
  const g = [];
  for (let i = 1; i < records.length; i++) g.push(records[i].t - records[i - 1].t);
  return g;
}

scenario('heartbeat', async (t) => {
  const { assert } = t;

  t.step('BootNotification.conf interval = 2 s');
  const { csms, cp } = await t.bootedPair({ csmsOpts: { heartbeatInterval: 2 } });
  const accepted = csms.find((r) => r.dir === 'out' && r.kind === 'CALLRESULT' && r.action === 'BootNotification')[0];
  const m = csms.mark();
  // Watch for 7.5 s: heartbeats at about 2, 4, 6 s after boot (a heartbeat MAY be skipped only
  // when another PDU was sent within the interval, §4.6; nothing else is going on here).
  await t.sleep(7500);
  const hb = csms.callsFromCharger('Heartbeat', accepted.seq);
  const g = gaps(hb);
  t.ok(`${hb.length} Heartbeat.req within 7.5 s after boot (expected 3..4)`, () => assert.ok(hb.length >= 3 && hb.length <= 4, `${hb.length}`));
  t.ok(`first Heartbeat ${hb[0].t - accepted.t} ms after BootNotification.conf (expected <= 3000 ms)`,
    () => assert.ok(hb[0].t - accepted.t <= 3000));
  t.ok(`Heartbeats ${JSON.stringify(g)} ms apart (expected 2000 ms, 1700..2700 allowed)`,
    () => g.forEach((x) => assert.ok(x >= 1700 && x <= 2700, `gap ${x}`)));
  const answered = hb.filter((r) => r.response && r.response.kind === 'CALLRESULT' && r.response.payload.currentTime);
  t.ok('every Heartbeat answered with currentTime (§6.30)', () => assert.equal(answered.length, hb.length));
  t.ok('Heartbeat.req payload is an empty object (§6.29)', () => hb.forEach((r) => assert.deepEqual(r.payload, {})));

  t.step('ChangeConfiguration HeartbeatInterval = 1');
  const res = await csms.call('ChangeConfiguration', { key: 'HeartbeatInterval', value: '1' });
  t.ok(`ChangeConfiguration HeartbeatInterval=1 -> ${res.status} (§5.3, §9.1.10 RW)`, () => assert.equal(res.status, 'Accepted'));
  const changedAt = Date.now();
  const m2 = csms.mark();
  await t.sleep(4600);
  const hb2 = csms.callsFromCharger('Heartbeat', m2).filter((r) => r.t - changedAt > 1200);
  const g2 = gaps(hb2);
  t.ok(`Heartbeats after the change ${JSON.stringify(g2)} ms apart (expected 1000 ms, 700..1500 allowed)`, () => {
    assert.ok(hb2.length >= 2, `${hb2.length} heartbeats`);
    g2.forEach((x) => assert.ok(x >= 700 && x <= 1500, `gap ${x}`));
  });
  const gc = await csms.call('GetConfiguration', { key: ['HeartbeatInterval'] });
  t.ok(`GetConfiguration HeartbeatInterval reads "${gc.configurationKey[0] && gc.configurationKey[0].value}"`,
    () => assert.equal(gc.configurationKey[0].value, '1'));
  void m;
  await cp.quit();
}, { timeoutMs: 60000 });
