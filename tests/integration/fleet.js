// integration.fleet — ocpp-fleet runs 200 charge points in one process, 100 OCPP 1.6 and 100
// OCPP 2.0.1, against two strict CSMS (every frame checked against the official schemas), with
// the durable store shared by all of them: every one boots, runs one charging session with
// periodic meter values, 10 % lose power in the middle and come back on the same store, and at
// the end the report and both CSMS agree: every transaction started was stopped and acknowledged,
// no message lost, no schema violation.
//   OCPP 1.6: 4.2 BootNotification, 4.8 StartTransaction, 4.7 MeterValues, 4.10 StopTransaction.
//   OCPP 2.0.1: B01, E01/E06 (TransactionEvent Started/Ended), J02 (periodic meter values).
'use strict';

const { scenario } = require('./lib/harness');
const {
  runFleet, writeJson, readReport, callsIn, identities, startedTransactions16,
} = require('./lib/fleet');

scenario('fleet', async (t) => {
  const { assert } = t;
  const csms16 = await t.startCsms({ heartbeatInterval: 300 });
  const csms201 = await t.startCsms({ ocpp: '2.0.1', heartbeatInterval: 300 });

  t.step('200 charge points: 100 of 1.6, 100 of 2.0.1 (2 EVSEs each), one session each, a power cut');
  const file = writeJson(t, 'scenario.json', {
    url: `${csms16.url}/ocpp`,
    id_pattern: 'FLEET-{n:04}',
    duration_s: 16,
    ramp_up_per_s: 0,
    stop_grace_s: 20,
    behaviour: {
      first_session_s: [0, 2], session_s: [4, 7], meter_interval_s: 2, id_tags: ['TAG-A', 'TAG-B'],
      outages: [{ at_s: 5, duration_s: 2, fraction: 0.1 }],
    },
    groups: [
      { name: 'AC 1.6', ocpp: '1.6', count: 100, model: 'AC22' },
      { name: 'DC 2.0.1', ocpp: '2.0.1', count: 100, model: 'DC50', connectors: 2, url: `${csms201.url}/ocpp` },
    ],
  });
  const res = await runFleet(t, ['--scenario', file, '--db', 'fleet.db', '--report', 'report.json',
    '--html', 'report.html', '--progress', 'lines', '--progress-interval', '5'], { timeoutMs: 50000 });
  t.log(res.stdout.trim().split('\n').map((l) => `   | ${l}`).join('\n'));
  t.ok(`ocpp-fleet exited with status ${res.code}`, () => assert.equal(res.code, 0));
  const r = readReport(t, 'report.json');

  t.step('the report');
  t.ok(`charge points: ${JSON.stringify(r.charge_points)}`, () => {
    assert.equal(r.charge_points.created, 200);
    assert.equal(r.charge_points.booted, 200);
    assert.deepEqual(r.charge_points.by_version, { '1.6': 100, '2.0.1': 100 });
  });
  t.ok(`boot storm ${r.boot_storm_s} s`, () => assert.ok(r.boot_storm_s > 0 && r.boot_storm_s < 15));
  t.ok(`lost messages ${r.lost_messages}, errors ${r.errors_total}: ${JSON.stringify(r.errors_seen)}`, () => {
    assert.equal(r.lost_messages, 0);
    assert.equal(r.errors_total, 0);
  });
  t.ok(`power cuts: ${r.outages} (10 % of 200 drawn at random)`, () => assert.ok(r.outages >= 5 && r.outages <= 40));
  t.ok(`sessions ${JSON.stringify(r.sessions)}`, () => {
    assert.ok(r.sessions.started >= 200 - r.outages, 'every charge point not cut started one');
    assert.equal(r.sessions.refused, 0);
  });
  for (const a of ['BootNotification', 'StatusNotification', 'Authorize', 'StartTransaction', 'StopTransaction',
    'MeterValues', 'TransactionEvent']) {
    const s = r.actions[a];
    t.ok(`${a}: ${s && s.calls} calls, p50 ${s && s.p50_ms} ms, p99 ${s && s.p99_ms} ms`, () => {
      assert.ok(s && s.calls > 0 && s.answered > 0);
      assert.equal(s.errors, 0);
      assert.ok(s.p50_ms > 0 && s.p50_ms <= s.p95_ms && s.p95_ms <= s.p99_ms && s.p99_ms <= s.max_ms);
    });
  }
  t.ok(`BootNotification: one per charge point and one per power cut`, () =>
    assert.equal(r.actions.BootNotification.calls, 200 + r.outages));
  t.ok(`timeline of ${r.timeline.length} seconds`, () => assert.ok(r.timeline.length >= 15));

  t.step('what the CSMS saw');
  t.ok('1.6: 100 identities connected', () => assert.equal(identities(csms16).size, 100));
  t.ok('2.0.1: 100 identities connected', () => assert.equal(identities(csms201).size, 100));
  // A charge point cut while its StartTransaction.req was in flight sends it again on restart and
  // the CSMS opens a second transaction: the charge point never learnt the first one's id, so it
  // stops the second. Every transaction but such a superseded first copy must be stopped.
  const starts = startedTransactions16(csms16);
  const last = new Map(starts.map((s) => [s.key, s]));
  const repeated = starts.filter((s) => s.copy === 2);
  t.ok(`1.6: ${starts.length} transactions, ${repeated.length} of them a StartTransaction.req sent again after a power cut; each the charge point knows of stopped`, () => {
    assert.equal(starts.length, csms16.transactions.size);
    assert.ok(last.size >= 90);
    assert.ok(repeated.length <= r.outages, 'more repeated StartTransaction.req than power cuts');
    assert.ok(starts.every((s) => s.copy <= 2), 'a StartTransaction.req sent more than twice');
    assert.equal(new Set(repeated.map((s) => s.identity)).size, repeated.length, 'one charge point repeated two');
    for (const s of last.values()) assert.ok(s.tx.stops.length >= 1, `transaction ${s.tx.transactionId} of ${s.identity} not stopped`);
  });
  const events = callsIn(csms201, 'TransactionEvent').map((c) => c.payload);
  const started = new Set(events.filter((e) => e.eventType === 'Started').map((e) => e.transactionInfo.transactionId));
  const ended = new Set(events.filter((e) => e.eventType === 'Ended').map((e) => e.transactionInfo.transactionId));
  t.ok(`2.0.1: ${started.size} transactions started, ${ended.size} ended`, () => {
    assert.ok(started.size >= 90);
    for (const id of started) assert.ok(ended.has(id), `transaction ${id} never ended`);
  });
  t.ok('2.0.1: periodic meter values in the transactions', () =>
    assert.ok(events.some((e) => e.triggerReason === 'MeterValuePeriodic')));
  t.ok('1.6: MeterValues in the transactions', () => assert.ok(callsIn(csms16, 'MeterValues').length >= 50));
}, { timeoutMs: 80000 });
