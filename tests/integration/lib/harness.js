// Runs one integration scenario: a bounded, self-cleaning test around a CSMS and ocpp-chargerd.
//
//   const { scenario } = require('./lib/harness');
//   scenario('boot', async (t) => { const csms = await t.startCsms(); const cp = await t.startChargerd(); ... });
//
// - ocpp-chargerd is taken from $CHARGERD or the first command-line argument.
// - The whole scenario is bounded (default 60 s); every wait in the helpers is bounded too.
// - Every CSMS it started must have recorded no schema violation, or the scenario fails.
// - Child processes are killed on any exit; the temp dir is removed on success (kept on failure,
//   or always with KEEP_TMP=1). INTEGRATION_VERBOSE=1 prints the timeline and every event live.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');

const root = path.resolve(__dirname, '..');
if (!fs.existsSync(path.join(root, 'node_modules', 'ocpp-rpc', 'package.json'))) {
  process.stderr.write(`FAIL: ${path.join(root, 'node_modules')} is missing ocpp-rpc.\n` +
    `Install the pinned test dependencies first: (cd ${root} && npm ci --no-audit --no-fund)\n`);
  process.exit(1);
}

const { Csms, NOREPLY, createRPCError, delay } = require('../csms/csms');
const { Chargerd, killAllSync } = require('./chargerd');

const verbose = process.env.INTEGRATION_VERBOSE === '1';

process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAllSync();
    process.stderr.write(`\ninterrupted by ${sig}\n`);
    process.exit(130);
  });
}

function chargerdPath() {
  const p = process.env.CHARGERD || process.argv[2];
  if (!p) {
    process.stderr.write('FAIL: set CHARGERD=/path/to/ocpp-chargerd or pass it as the first argument\n');
    process.exit(1);
  }
  const abs = path.resolve(p);
  if (!fs.existsSync(abs)) {
    process.stderr.write(`FAIL: ocpp-chargerd not found at ${abs}\n`);
    process.exit(1);
  }
  return abs;
}

class T {
  constructor(name) {
    this.name = name;
    this.binary = chargerdPath();
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `ocpp-it-${name}-`));
    this.csmses = [];
    this.chargerds = [];
    this.checks = 0;
    this.t0 = Date.now();
    this.assert = assert;
    this.NOREPLY = NOREPLY;
    this.createRPCError = createRPCError;
  }

  log(msg) {
    process.stdout.write(`${msg}\n`);
  }

  /** A heading for a part of the scenario. */
  step(msg) {
    this.log(`\n-- ${msg}  (+${((Date.now() - this.t0) / 1000).toFixed(1)}s)`);
  }

  /** Records one passed check; `fn` runs assertions (or pass a boolean/undefined after them). */
  ok(desc, fn) {
    if (typeof fn === 'function') fn();
    else if (fn !== undefined) assert.ok(fn, desc);
    this.checks++;
    this.log(`   ok ${String(this.checks).padStart(2)} - ${desc}`);
  }

  sleep(ms) {
    return delay(ms);
  }

  async startCsms(opts = {}) {
    const csms = new Csms(Object.assign({
      print: verbose ? (l) => process.stdout.write(`   csms ${l}\n`) : null,
    }, opts));
    this.csmses.push(csms);
    await csms.start();
    if (!opts.quiet) this.log(`   (CSMS listening on ${csms.url})`);
    return csms;
  }

  /** Creates (and by default starts) ocpp-chargerd against `csms`. */
  async startChargerd(csms, opts = {}) {
    const n = this.chargerds.length + 1;
    const cp = new Chargerd(Object.assign({
      binary: this.binary,
      url: csms.url,
      id: `CP-${this.name}-${n}`,
      db: path.join(this.tmp, `chargerd-${n}.db`),
      name: `chargerd#${n}`,
      log: verbose ? (l) => process.stdout.write(`   ${l}\n`) : null,
    }, opts));
    this.chargerds.push(cp);
    if (opts.start !== false) await cp.start();
    return cp;
  }

  /**
   * Starts a CSMS and a charger and waits until the charger is Accepted and has reported the
   * status of every connector. Returns {csms, cp, boot}.
   */
  async bootedPair({ csmsOpts = {}, cpOpts = {}, timeoutMs = 15000 } = {}) {
    const csms = await this.startCsms(csmsOpts);
    const cp = await this.startChargerd(csms, cpOpts);
    const connectors = cp.o.connectors;
    const boot = await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs, desc: 'boot Accepted' });
    for (let c = 0; c <= connectors; c++) {
      await csms.waitForCall('StatusNotification', (p) => p.connectorId === c, { timeoutMs });
    }
    return { csms, cp, boot };
  }

  async finish() {
    for (const cp of this.chargerds) {
      if (cp.child) await cp.quit({ timeoutMs: 3000 }).catch(() => {});
    }
    for (const csms of this.csmses) await csms.stop().catch(() => {});
  }

  report() {
    let out = '';
    this.csmses.forEach((csms, i) => {
      out += `\n==== CSMS #${i + 1} timeline (${csms.records.length} records, ${csms.violations.length} violations)\n`;
      out += csms.timeline() + '\n';
    });
    for (const cp of this.chargerds) {
      out += `\n==== ${cp.o.name} (${cp.cmdline || 'not started'}) events\n${cp.dump()}\n`;
      if (cp.stdoutJunk.length) out += `---- non-JSON stdout\n${cp.stdoutJunk.slice(-40).join('\n')}\n`;
      out += `---- stderr (last lines)\n${cp.stderrTail(80)}\n`;
    }
    return out;
  }
}

/**
 * Runs `body(t)` as the scenario `name`, bounded by `timeoutMs`; exits 0 on success, 1 on failure.
 */
function scenario(name, body, { timeoutMs = 60000 } = {}) {
  const t = new T(name);
  t.log(`integration.${name}: ocpp-chargerd = ${t.binary}`);
  let done = false;
  const fail = async (err, why) => {
    if (done) return;
    done = true;
    process.stdout.write(`\nFAIL integration.${name}: ${why}\n${err && err.stack ? err.stack : err}\n`);
    try {
      process.stdout.write(t.report());
    } catch (e) {
      process.stdout.write(`(report failed: ${e.message})\n`);
    }
    killAllSync();
    process.stdout.write(`\n(temp dir kept: ${t.tmp})\n`);
    process.exit(1);
  };
  const timer = setTimeout(() => fail(new Error(`scenario exceeded ${timeoutMs} ms`), 'timeout'), timeoutMs);
  process.on('unhandledRejection', (err) => fail(err, 'unhandled rejection'));
  process.on('uncaughtException', (err) => fail(err, 'uncaught exception'));
  (async () => {
    try {
      await body(t);
      await t.finish();
      t.step('no sanitizer report from any ocpp-chargerd');
      for (const cp of t.chargerds) {
        t.ok(`${cp.o.name}: no AddressSanitizer/UBSan/LeakSanitizer report on stderr`, () => {
          if (cp.sanitizerReports.length) throw new Error(cp.sanitizerReports.join('\n'));
        });
      }
      t.step('no schema violation recorded by any CSMS');
      t.csmses.forEach((csms, i) => t.ok(`CSMS #${i + 1}: 0 strictValidationFailure / badMessage events`, () => csms.assertNoViolations()));
    } catch (err) {
      clearTimeout(timer);
      await fail(err, 'assertion failed');
      return;
    }
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (verbose) process.stdout.write(t.report());
    if (process.env.KEEP_TMP !== '1') fs.rmSync(t.tmp, { recursive: true, force: true });
    t.log(`\nPASS integration.${name}: ${t.checks} checks in ${((Date.now() - t.t0) / 1000).toFixed(1)} s`);
    process.exit(0);
  })();
}

module.exports = { scenario, assert, delay, NOREPLY, createRPCError };
