#!/usr/bin/env node
// Runs every integration scenario one after the other without ctest:
//   node tests/integration/tools/run-all.js /path/to/ocpp-chargerd [scenario ...]
// (or with CHARGERD set). Prints each scenario's result and a closing "N passed, N failed" line;
// the output of a failed scenario is printed in full.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ALL = ['boot', 'url', 'heartbeat', 'authorize', 'session', 'remote', 'config', 'outage', 'kill9', 'offline_reset', 'malformed'];
const args = process.argv.slice(2);
const chargerd = process.env.CHARGERD || args.shift();
if (!chargerd) {
  console.error('usage: run-all.js /path/to/ocpp-chargerd [scenario ...]');
  process.exit(2);
}
const names = args.length ? args : ALL;
const dir = path.resolve(__dirname, '..');
let passed = 0;
let failed = 0;
for (const name of names) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(dir, `${name}.js`)], {
    env: { ...process.env, CHARGERD: path.resolve(chargerd) }, encoding: 'utf8', timeout: 90000,
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status === 0) {
    passed++;
    console.log(`PASS  integration.${name}  (${secs} s)`);
  } else {
    failed++;
    console.log(`FAIL  integration.${name}  (${secs} s, exit ${r.status}${r.signal ? `, ${r.signal}` : ''})`);
    process.stdout.write(r.stdout || '');
    process.stdout.write(r.stderr || '');
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
