// integration.fleet_shards — a fleet split into shards: two ocpp-fleet processes, --shard 1/2 and
// --shard 2/2 of the same 40 charge points (the command line without a scenario file: boot, one
// short session each, stop), run at the same time against one strict CSMS; their identities are
// disjoint and together cover the 40, and `ocpp-fleet merge` adds their reports up.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { scenario } = require('./lib/harness');
const { runFleet, readReport, callsIn, identities } = require('./lib/fleet');

scenario('fleet_shards', async (t) => {
  const { assert } = t;
  const csms = await t.startCsms({ heartbeatInterval: 300 });
  const url = `${csms.url}/ocpp`;

  t.step('two shards of 40 charge points, one process each, at the same time');
  const shard = (k) => runFleet(t, ['--url', url, '--count', '40', '--shard', `${k}/2`, '--id-prefix', 'SHARD-',
    '--id-tag', 'CARD-7', '--duration', '8', '--report', `shard${k}.json`, '--progress', 'none'],
  { name: `shard${k}`, timeoutMs: 40000 });
  const [a, b] = await Promise.all([shard(1), shard(2)]);
  t.ok(`both exited with status 0 (${a.code}, ${b.code})`, () => assert.deepEqual([a.code, b.code], [0, 0]));
  t.ok('each shard used its own database file', () => {
    assert.ok(fs.existsSync(path.join(t.tmp, 'ocpp-fleet-1-of-2.db')));
    assert.ok(fs.existsSync(path.join(t.tmp, 'ocpp-fleet-2-of-2.db')));
  });
  const r1 = readReport(t, 'shard1.json');
  const r2 = readReport(t, 'shard2.json');
  t.ok(`shard 1: ${r1.charge_points.created} charge points; shard 2: ${r2.charge_points.created}`, () => {
    assert.equal(r1.charge_points.created, 20);
    assert.equal(r2.charge_points.created, 20);
    assert.deepEqual(r1.shards, ['1/2']);
  });

  t.step('the CSMS saw 40 distinct identities, one session each');
  const ids = identities(csms);
  t.ok(`${ids.size} identities: SHARD-1 .. SHARD-40`, () => {
    assert.equal(ids.size, 40);
    for (let i = 1; i <= 40; ++i) assert.ok(ids.has(`SHARD-${i}`), `SHARD-${i} missing`);
  });
  const starts = callsIn(csms, 'StartTransaction');
  t.ok(`${starts.length} StartTransaction, all with idTag CARD-7`, () => {
    assert.equal(starts.length, 40);
    assert.ok(starts.every((c) => c.payload.idTag === 'CARD-7'));
  });
  const txs = Array.from(csms.transactions.values());
  t.ok('every transaction stopped', () => assert.ok(txs.length === 40 && txs.every((x) => x.stops.length === 1)));

  t.step('ocpp-fleet merge');
  const m = await runFleet(t, ['merge', '--report', 'all.json', '--html', 'all.html', 'shard1.json', 'shard2.json'],
    { name: 'merge', timeoutMs: 10000 });
  t.ok(`merge exited with status ${m.code}`, () => assert.equal(m.code, 0));
  const all = readReport(t, 'all.json');
  t.ok(`merged: shards ${all.shards}, ${all.charge_points.created} created, ${all.sessions.completed} sessions, lost ${all.lost_messages}`, () => {
    assert.deepEqual(all.shards, ['1/2', '2/2']);
    assert.equal(all.charge_points.created, 40);
    assert.equal(all.charge_points.booted, 40);
    assert.equal(all.sessions.completed, r1.sessions.completed + r2.sessions.completed);
    assert.equal(all.sessions.completed, 40);
    assert.equal(all.lost_messages, 0);
    assert.equal(all.actions.StartTransaction.calls, 40);
    assert.equal(all.actions.BootNotification.answered,
      r1.actions.BootNotification.answered + r2.actions.BootNotification.answered);
    assert.equal(all.boot_storm_s, Math.max(r1.boot_storm_s, r2.boot_storm_s));
  });
  t.ok('the merged page was written', () => assert.ok(fs.readFileSync(path.join(t.tmp, 'all.html'), 'utf8').includes('report-data')));
  const bad = await runFleet(t, ['merge', '--report', 'x.json', 'no-such.json'], { name: 'merge-bad', timeoutMs: 10000 });
  t.ok(`a missing input: status ${bad.code}, "${bad.stderr.trim()}"`, () => {
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cannot read no-such\.json/);
  });
}, { timeoutMs: 70000 });
