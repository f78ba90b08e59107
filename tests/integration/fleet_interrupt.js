// integration.fleet_interrupt — Ctrl-C in the middle of a run: 30 OCPP 2.0.1 charge points are
// charging with sessions meant to last 10 minutes when ocpp-fleet gets SIGINT; it stops every
// open transaction (stoppedReason Local), waits until the strict CSMS acknowledged every
// message, writes its report (interrupted, 0 lost) and exits with status 0.
//   OCPP 2.0.1: E06 (a local stop: TransactionEvent Ended, stoppedReason Local).
'use strict';

const { scenario } = require('./lib/harness');
const { runFleet, writeJson, readReport, callsIn } = require('./lib/fleet');

scenario('fleet_interrupt', async (t) => {
  const { assert } = t;
  const csms = await t.startCsms({ ocpp: '2.0.1', heartbeatInterval: 300 });
  const file = writeJson(t, 'scenario.json', {
    url: `${csms.url}/ocpp`,
    duration_s: 600,
    ramp_up_per_s: 0,
    behaviour: { first_session_s: [0, 1], session_s: 600, meter_interval_s: 5 },
    groups: [{ ocpp: '2.0.1', count: 30, model: 'DC50' }],
  });
  const started = () => new Set(callsIn(csms, 'TransactionEvent').filter((c) => c.payload.eventType === 'Started')
    .map((c) => c.payload.transactionInfo.transactionId));
  let signalled = false;
  const run = runFleet(t, ['--scenario', file, '--report', 'report.json', '--progress', 'lines'], {
    timeoutMs: 40000,
    onStart: (child) => {
      const poll = setInterval(() => {
        if (started().size < 30) return;
        clearInterval(poll);
        signalled = true;
        child.kill('SIGINT');
      }, 100);
      child.on('exit', () => clearInterval(poll));
    },
  });
  const res = await run;
  t.ok('SIGINT sent once all 30 transactions had started', () => assert.ok(signalled));
  t.ok(`ocpp-fleet exited with status ${res.code}`, () => assert.equal(res.code, 0));
  const r = readReport(t, 'report.json');
  t.ok(`report: interrupted ${r.interrupted}, sessions ${JSON.stringify(r.sessions)}, lost ${r.lost_messages}`, () => {
    assert.equal(r.interrupted, true);
    assert.equal(r.sessions.started, 30);
    assert.equal(r.sessions.completed, 30);
    assert.equal(r.lost_messages, 0);
    assert.ok(r.elapsed_s < 30);
  });
  const ended = callsIn(csms, 'TransactionEvent').filter((c) => c.payload.eventType === 'Ended');
  t.ok(`the CSMS got ${ended.length} Ended events, stoppedReason Local, each answered`, () => {
    const ids = new Set(ended.map((c) => c.payload.transactionInfo.transactionId));
    for (const id of started()) assert.ok(ids.has(id), `${id} not ended`);
    assert.ok(ended.every((c) => c.payload.transactionInfo.stoppedReason === 'Local' && c.response));
  });
}, { timeoutMs: 60000 });
