// Runs ocpp-fleet (examples/fleet) for an integration scenario: the binary from $FLEET, a
// scenario file written to the scenario's temp dir, a bounded run, and its JSON report read
// back. Any sanitizer report on its stderr fails the scenario (the suite runs it built with
// ASan+UBSan).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const running = new Set();
process.on('exit', () => {
  for (const p of running) {
    try { p.kill('SIGKILL'); } catch (_) { /* gone */ }
  }
});

function fleetPath() {
  const p = process.env.FLEET;
  if (!p || !fs.existsSync(p)) {
    process.stderr.write(`FAIL: set FLEET=/path/to/ocpp-fleet (got ${p || 'nothing'})\n`);
    process.exit(1);
  }
  return path.resolve(p);
}

/**
 * Starts ocpp-fleet with `args`; resolves when it exits with { code, signal, stdout, stderr }.
 * `onStart(child)` may signal it. Rejects after `timeoutMs`.
 */
function runFleet(t, args, { timeoutMs = 60000, onStart = null, name = 'fleet' } = {}) {
  const bin = fleetPath();
  t.log(`   $ ocpp-fleet ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: t.tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (process.env.INTEGRATION_VERBOSE === '1') process.stdout.write(`   ${name}: ${d}`);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not exit within ${timeoutMs} ms\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      // Let the pipes drain.
      setImmediate(() => {
        fs.writeFileSync(path.join(t.tmp, `${name}.stderr`), stderr);
        const san = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/.exec(stderr);
        if (san) {
          reject(new Error(`${name}: sanitizer report on stderr:\n${stderr.slice(Math.max(0, san.index - 200), san.index + 4000)}`));
          return;
        }
        resolve({ code, signal, stdout, stderr });
      });
    });
    if (onStart) onStart(child);
  });
}

/** Writes `obj` as JSON to a file in the scenario's temp dir; returns its path. */
function writeJson(t, name, obj) {
  const p = path.join(t.tmp, name);
  fs.writeFileSync(p, JSON.stringify(obj, null, 1));
  return p;
}

/** Reads a report ocpp-fleet wrote. */
function readReport(t, name) {
  return JSON.parse(fs.readFileSync(path.join(t.tmp, name), 'utf8'));
}

/** The CALLs of `action` the CSMS received, as records. */
function callsIn(csms, action) {
  return csms.records.filter((r) => r.dir === 'in' && r.kind === 'CALL' && r.action === action);
}

/** The identities that connected to the CSMS. */
function identities(csms) {
  return new Set(csms.records.filter((r) => r.kind === 'CONNECTED').map((r) => r.identity));
}

/**
 * The OCPP 1.6 transactions the CSMS opened, in order, each with the identity that opened it and
 * `copy`: 1 for the first StartTransaction.req of its content from that charge point, 2 for the
 * same request sent again. A charge point that loses power while its StartTransaction.req is in
 * flight sends it again after the restart (only the message in flight may repeat); a CSMS that
 * does not recognise the repetition opens a second transaction, and the charge point goes on with
 * the second one, the only transactionId it received.
 */
function startedTransactions16(csms) {
  const identityOf = new Map(csms.records.filter((r) => r.kind === 'CONNECTED').map((r) => [r.conn, r.identity]));
  const copies = new Map();
  return callsIn(csms, 'StartTransaction')
    .filter((c) => c.response && c.response.kind === 'CALLRESULT')
    .map((c) => {
      const identity = identityOf.get(c.conn);
      const key = `${identity} ${JSON.stringify(c.payload)}`;
      copies.set(key, (copies.get(key) || 0) + 1);
      return { identity, key, copy: copies.get(key), tx: csms.transactions.get(c.response.payload.transactionId) };
    });
}

module.exports = { runFleet, writeJson, readReport, callsIn, identities, startedTransactions16 };
