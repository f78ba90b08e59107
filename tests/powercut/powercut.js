#!/usr/bin/env node
// The power-cut campaign: ocpp-chargerd runs transactions on two connectors against the strict
// CSMS (tests/integration/csms/csms.js) while the CSMS goes down and comes back and the daemon
// is killed with SIGKILL at chosen moments, then restarted on the same database. At the end
// everything drains and tests/powercut/audit.js checks every frame the CSMS received against
// what the daemon had promised (see the audit for the rules).
//
//   node tests/powercut/powercut.js [KILLS]          (CHARGERD=path/to/ocpp-chargerd)
//   POWERCUT_SEED=123 ...                            replays the same random choices
//   POWERCUT_VERBOSE=1 ...                           prints the CSMS timeline and the driver live
//   KEEP_TMP=1 ...                                   keeps the database and the logs
//   POWERCUT_TMPDIR=/dir ...                         where the database goes (default: os.tmpdir())
//
// Exit status: 0 when the audit found nothing, 1 on any violation, 2 when it could not run.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const path = require('node:path');
const crypto = require('node:crypto');

const integration = path.resolve(__dirname, '..', 'integration');
if (!fs.existsSync(path.join(integration, 'node_modules', 'ocpp-rpc', 'package.json'))) {
  process.stderr.write(`powercut: ${path.join(integration, 'node_modules')} is missing ocpp-rpc.\n` +
    `Install the pinned test dependencies first: (cd ${integration} && npm ci --no-audit --no-fund)\n`);
  process.exit(2);
}
const { Csms, delay } = require('../integration/csms/csms');
const { Chargerd, killAllSync } = require('../integration/lib/chargerd');
const { audit, plainRecords } = require('./audit');

const verbose = process.env.POWERCUT_VERBOSE === '1';
const CONNECTORS = [1, 2];

// ---- seeded random choices -----------------------------------------------------------------

function mulberry32(a) {
  return () => {
    a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// One independent stream per actor (chaos, outages, each connector, the CSMS), so that the
// choices of one do not shift when another makes more or fewer of them.
class Rng {
  constructor(seed, stream) {
    const h = crypto.createHash('sha256').update(`${seed}/${stream}`).digest();
    this.next = mulberry32(h.readUInt32LE(0));
  }
  range(lo, hi) { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  chance(p) { return this.next() < p; }
  pick(list) { return list[Math.floor(this.next() * list.length)]; }
  weighted(pairs) {
    let x = this.next() * pairs.reduce((s, [, w]) => s + w, 0);
    for (const [v, w] of pairs) {
      if ((x -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][0];
  }
}

// ---- the control socket: one reply line per command, sent after the command returned ----------

class Gone extends Error {
  constructor(why = 'the daemon is gone') { super(why); }
}

class Ctl {
  static async connect(file, { timeoutMs = 5000, onReply, alive } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!alive()) throw new Gone('the daemon died before its control socket opened');
      try {
        const sock = await new Promise((resolve, reject) => {
          const s = net.createConnection(file);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        return new Ctl(sock, onReply);
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`control socket ${file}: ${err.message}`);
        await delay(10);
      }
    }
  }

  constructor(sock, onReply) {
    this.sock = sock;
    this.pending = [];
    this.closed = false;
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const p = this.pending.shift();
        if (!p) continue;
        let reply;
        try {
          reply = JSON.parse(line);
        } catch (_) {
          reply = { event: 'error', message: `not JSON: ${line}` };
        }
        if (onReply) onReply(p.line, reply);
        p.resolve(reply);
      }
    });
    sock.on('error', () => this.destroy());
    sock.on('close', () => this.destroy());
  }

  cmd(line) {
    if (this.closed) return Promise.reject(new Gone());
    return new Promise((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      this.sock.write(`${line}\n`);
    });
  }

  destroy() {
    if (this.closed) return;
    this.closed = true;
    this.sock.destroy();
    for (const p of this.pending.splice(0)) p.reject(new Gone());
  }
}

// ---- the daemon: started, killed and restarted on one database -------------------------------

class Daemon {
  constructor({ binary, url, tmp, facts, log }) {
    this.facts = facts;
    this.log = log;
    this.ctlPath = path.join(tmp, 'ctl.sock');
    this.cd = new Chargerd({
      binary, url, id: 'POWERCUT-1', db: path.join(tmp, 'chargerd.db'), connectors: CONNECTORS.length,
      name: 'chargerd', backoffMinMs: 100, backoffMaxMs: 500, extraArgs: ['--control', this.ctlPath], log,
    });
    this.up_ = null;        // {run, cmd(n, line), sleep(ms)} while up
    this.waiters = [];
    this.killOnAck = null;  // resolve function when armed
    this.killOnSend = null; // {done, afterMs} when armed
    this.expectExit = false;
    this.killedRun = 0;
    this.onCrash = () => {};
    this.tagOf = new Map(); // txKey -> idTag (from transaction_started)
    this.cd.on('event', (e) => this.onEvent(e));
  }

  get alive() { return !!this.cd.child; }

  /** Starts the daemon and opens one control connection per actor. Throws when it cannot. */
  async start({ readyTimeoutMs = 20000 } = {}) {
    this.expectExit = false;
    this.facts.runs.push({ run: this.cd.run + 1, t: Date.now() });
    await this.cd.start({ readyTimeoutMs });
    const run = this.cd.run;
    const alive = () => this.cd.child && this.cd.run === run;
    const onReply = (line, reply) => this.onReply(line, reply);
    const ctl = {};
    try {
      for (const k of [...CONNECTORS, 'driver']) ctl[k] = await Ctl.connect(this.ctlPath, { alive, onReply });
    } catch (err) {
      for (const c of Object.values(ctl)) c.destroy();
      throw err;
    }
    if (!alive()) {
      for (const c of Object.values(ctl)) c.destroy();
      throw new Gone('the daemon died while starting');
    }
    this.ctl = ctl;
    const cmd = async (k, line) => {
      if (!this.up_ || this.up_.run !== run) throw new Gone();
      this.log(`control ${k} (run ${run}) <- ${line}`);
      const replied = ctl[k].cmd(line);
      if (this.killOnSend && /^(plug|unplug|stop|tag) /.test(line)) {
        const { done, afterMs } = this.killOnSend;
        this.killOnSend = null;
        // The command is on its way: the kill lands while it runs (or just before or after).
        setTimeout(() => {
          if (this.cd.run === run && this.killNow(`during an API call: '${line}' +${afterMs} ms`)) done(line);
        }, afterMs);
      }
      const reply = await replied;
      this.log(`control ${k} (run ${run}) -> ${JSON.stringify(reply)}`);
      return reply;
    };
    const sleep = async (ms) => {
      await delay(ms);
      if (!this.up_ || this.up_.run !== run) throw new Gone();
    };
    this.up_ = { run, cmd, sleep };
    for (const w of this.waiters.splice(0)) w(this.up_);
    return run;
  }

  /** Resolves with the running daemon's handle as soon as it is up. */
  up() {
    if (this.up_) return Promise.resolve(this.up_);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** SIGKILL now (synchronously); later commands and sleeps of this run throw Gone. */
  killNow(why) {
    if (!this.cd.child || this.killedRun === this.cd.run) return false;
    this.killedRun = this.cd.run;
    this.facts.kills.push({ t: Date.now(), run: this.cd.run, why });
    this.up_ = null;
    this.killOnAck = null;
    this.killOnSend = null;
    this.expectExit = true;
    this.cd.kill9();
    if (this.ctl) for (const c of Object.values(this.ctl)) c.destroy();
    return true;
  }

  async exited() {
    if (this.cd.child) await this.cd.exited;
  }

  /** Arms a kill that fires right after the next hardware command is acknowledged. */
  armKillOnAck() {
    return new Promise((resolve) => { this.killOnAck = resolve; });
  }

  /** Arms a kill that fires afterMs after the next hardware command was written. */
  armKillOnSend(afterMs) {
    return new Promise((resolve) => { this.killOnSend = { done: resolve, afterMs }; });
  }

  onReply(line, reply) {
    if (!this.killOnAck || reply.event !== 'ok' || !/^(plug|unplug|stop|tag) /.test(line)) return;
    const done = this.killOnAck;
    this.killNow(`after an API call returned: '${line}'`);
    done(line);
  }

  async quit() {
    this.expectExit = true;
    this.up_ = null;
    if (this.ctl) for (const c of Object.values(this.ctl)) c.destroy();
    return this.cd.quit({ timeoutMs: 15000 });
  }

  onEvent(e) {
    const f = this.facts;
    if (e.event === 'transaction_started') {
      this.tagOf.set(e.txKey, e.idTag);
      f.started.push({ run: e.run, t: e.t, txKey: e.txKey, connectorId: e.connectorId, idTag: e.idTag, meterStart: e.meterStart });
    } else if (e.event === 'transaction_stopped') {
      f.stopped.push({ run: e.run, t: e.t, txKey: e.txKey, connectorId: e.connectorId, transactionId: e.transactionId, reason: e.reason, meterStop: e.meterStop });
    } else if (e.event === 'transaction_id') {
      f.confirmed.push({ run: e.run, t: e.t, txKey: e.txKey, transactionId: e.transactionId });
    } else if (e.event === '_exit' && !this.expectExit) {
      this.up_ = null;
      if (this.ctl) for (const c of Object.values(this.ctl)) c.destroy();
      const message = `the daemon exited on its own in run ${e.run} (code ${e.code}, signal ${e.signal})`;
      f.violations.push({ kind: 'crash', message: `${message}\n${this.cd.stderrTail(40)}` });
      this.onCrash(message);
    }
  }
}

// ---- the campaign ---------------------------------------------------------------------------

function parseArgs(argv) {
  const o = { kills: 20 };
  for (const a of argv) {
    if (/^\d+$/.test(a)) o.kills = Number(a);
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (process.env.POWERCUT_KILLS) o.kills = Number(process.env.POWERCUT_KILLS);
  return o;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write('usage: CHARGERD=path/to/ocpp-chargerd node tests/powercut/powercut.js [KILLS]\n');
    return 0;
  }
  const binary = process.env.CHARGERD && path.resolve(process.env.CHARGERD);
  if (!binary || !fs.existsSync(binary)) {
    process.stderr.write(`powercut: set CHARGERD to the ocpp-chargerd to test (${binary || 'unset'})\n`);
    return 2;
  }
  const seed = process.env.POWERCUT_SEED ? Number(process.env.POWERCUT_SEED) : crypto.randomBytes(4).readUInt32LE(0);
  if (!Number.isInteger(seed)) throw new Error('POWERCUT_SEED must be an integer');
  const t0 = Date.now();
  const tmp = fs.mkdtempSync(path.join(process.env.POWERCUT_TMPDIR || os.tmpdir(), 'powercut-'));
  const out = (line) => process.stdout.write(`${line}\n`);
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  out(`powercut: ${opts.kills} kills, seed ${seed} (replay the same choices with POWERCUT_SEED=${seed}), daemon ${binary}`);
  out(`powercut: database and logs in ${tmp}`);

  const facts = {
    kills: [], runs: [], started: [], stopped: [], confirmed: [], ackedStops: [], snapshots: [], violations: [], outages: 0,
  };
  const driverLog = fs.createWriteStream(path.join(tmp, 'driver.log'));
  const trace = (line) => {
    const l = `+${elapsed()} ${line}`;
    driverLog.write(`${l}\n`);
    if (verbose) out(`   ${l}`);
  };
  const sanitizer = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/;
  const daemonLog = (line) => {
    trace(line);
    if (sanitizer.test(line)) facts.violations.push({ kind: 'crash', message: `sanitizer report: ${line}` });
  };

  const rng = {
    chaos: new Rng(seed, 'chaos'), outage: new Rng(seed, 'outage'), csms: new Rng(seed, 'csms'),
    1: new Rng(seed, 'connector-1'), 2: new Rng(seed, 'connector-2'),
  };
  const csms = new Csms({ heartbeatInterval: 300, print: verbose ? (l) => out(`   csms ${l}`) : null });
  // Answers to transaction messages sometimes come late, so that kills and outages find them
  // in flight.
  for (const action of ['StartTransaction', 'StopTransaction', 'MeterValues', 'Authorize']) {
    csms.setHandler(action, async (params, ctx) => {
      if (rng.csms.chance(0.35)) await delay(rng.csms.range(20, 250));
      return ctx.defaultResponse();
    });
  }
  await csms.start();
  const daemon = new Daemon({ binary, url: csms.url, tmp, facts, log: daemonLog });
  const apiError = (line, reply) => facts.violations.push({ kind: 'api', message: `'${line}' answered ${JSON.stringify(reply)}` });

  // Any failure of a background actor, or a crash of the daemon, ends the campaign at once.
  let abort;
  const aborted = new Promise((_, reject) => { abort = reject; });
  aborted.catch(() => {});
  daemon.onCrash = (message) => abort(new Error(message));
  const background = (promise) => {
    promise.catch(abort);
    return promise;
  };

  let ok = false;
  try {
    await Promise.race([aborted, campaign()]);
    ok = true;
  } catch (err) {
    facts.violations.push({ kind: 'driver', message: `the campaign stopped: ${err.stack || err}` });
  } finally {
    killAllSync();
  }
  await csms.stop().catch(() => {});
  for (const v of csms.violations) facts.violations.push({ kind: 'schema', message: `${v.type}: ${v.summary}` });

  async function campaign() {
    // -- setup: boot, then the configuration the campaign needs (kept in the database)
    await daemon.start();
    await daemon.cd.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs: 15000, desc: 'boot Accepted' });
    for (const [key, value] of [['MeterValueSampleInterval', '1'], ['AllowOfflineTxForUnknownId', 'true'],
      ['StopTxnSampledData', 'Energy.Active.Import.Register']]) {
      const r = await csms.call('ChangeConfiguration', { key, value });
      if (r.status !== 'Accepted') throw new Error(`ChangeConfiguration ${key}=${value}: ${r.status}`);
    }

    const phase = { draining: false, chaosDone: false };
    let csmsOwner = null; // 'outage' | 'offline' while one of them holds the CSMS down
    let tagSeq = 0;
    const nextTag = (n) => `PC${n}-${++tagSeq}`;

    const status = async (up, k) => {
      const tSend = Date.now();
      const st = await up.cmd(k, 'status');
      if (st.event !== 'state') throw new Error(`status answered ${JSON.stringify(st)}`);
      facts.snapshots.push({ run: up.run, tSend, connectors: st.connectors.map((c) => ({ connectorId: c.connectorId, txKey: c.txKey })) });
      return st;
    };
    const expectOk = async (up, k, line) => {
      const r = await up.cmd(k, line);
      if (r.event !== 'ok') apiError(line, r);
      return r;
    };

    // -- one connector: plug, card, charge, stop in one of three ways, unplug; again
    const step = async (n, up) => {
      const r = rng[n];
      const st = await status(up, n);
      const c = st.connectors.find((x) => x.connectorId === n);
      if (c.txKey != null) {
        if (!phase.draining) await up.sleep(r.range(200, 2000));
        const tag = daemon.tagOf.get(c.txKey);
        const method = r.pick(tag ? ['unplug', 'unplug', 'stop', 'tag'] : ['unplug', 'unplug', 'stop']);
        const line = method === 'unplug' ? `unplug ${n}` : method === 'stop' ? `stop ${n}` : `tag ${tag} ${n}`;
        const tSend = Date.now();
        const reply = await up.cmd(n, line);
        const tAck = Date.now();
        if (reply.event === 'ok') {
          facts.ackedStops.push({
            run: up.run, connectorId: n, txKey: c.txKey, command: line, tSend, tAck,
            expectReason: method === 'unplug' ? 'EVDisconnected' : 'Local', expectIdTag: method === 'tag' ? tag : undefined,
          });
          trace(`connector ${n}: '${line}' stopped txKey ${c.txKey} (acknowledged)`);
        } else {
          apiError(line, reply);
        }
        if (method !== 'unplug') {
          await up.sleep(r.range(0, 300));
          await expectOk(up, n, `unplug ${n}`);
        }
        return false;
      }
      if (phase.draining) {
        await expectOk(up, n, `unplug ${n}`);
        return true;
      }
      const tag = nextTag(n);
      await expectOk(up, n, `plug ${n}`);
      await up.sleep(r.range(0, 200));
      const mark = daemon.cd.mark();
      const reply = await up.cmd(n, `tag ${tag} ${n}`);
      // A card refused for this connector (e.g. a card presented earlier started a
      // transaction here meanwhile) is not an error of the daemon.
      if (reply.event !== 'ok') trace(`connector ${n}: 'tag ${tag} ${n}' answered ${JSON.stringify(reply)}`);
      const started = await daemon.cd.waitFor((e) => e.event === 'transaction_started' && e.connectorId === n && e.run === up.run,
        { from: mark, timeoutMs: 6000 }).catch(() => null);
      if (!started) {
        const again = await status(up, n);
        if (again.connectors.find((x) => x.connectorId === n).txKey == null) await expectOk(up, n, `unplug ${n}`);
      }
      return false;
    };
    const session = async (n) => {
      let idle = false;
      while (!(phase.draining && idle)) {
        const up = await daemon.up();
        try {
          idle = await step(n, up);
        } catch (err) {
          if (!(err instanceof Gone)) throw err;
          idle = false;
        }
      }
    };

    // -- the CSMS goes down and comes back at random moments
    const startCsms = async () => {
      for (let i = 0; ; i++) {
        try {
          await csms.start();
          return;
        } catch (err) {
          if (i >= 20) throw err;
          await delay(100);
        }
      }
    };
    const outages = background((async () => {
      const r = rng.outage;
      while (!phase.chaosDone) {
        await delay(r.range(800, 4000));
        if (phase.chaosDone || csmsOwner) continue;
        csmsOwner = 'outage';
        facts.outages++;
        trace('CSMS down');
        await csms.stop();
        await delay(r.range(200, 2000));
        await startCsms();
        trace('CSMS up');
        csmsOwner = null;
      }
    })());

    // -- kills
    const restart = async () => {
      for (;;) {
        try {
          const run = await daemon.start();
          trace(`daemon up (run ${run})`);
          return;
        } catch (err) {
          // Killed on purpose while it started ('during startup'): try again. Anything else is fatal.
          if (err instanceof Gone && daemon.expectExit) continue;
          facts.violations.push({ kind: 'crash', message: `the daemon did not restart on its database: ${err.message}` });
          throw err;
        }
      }
    };
    const inFlight = async (action, variant) => {
      const from = csms.mark();
      let call;
      try {
        call = await csms.waitFor((x) => x.dir === 'in' && x.kind === 'CALL' && x.action === action, { from, timeoutMs: 4000 });
      } catch (_) {
        return `no ${action}.req within 4 s: killed anyway`;
      }
      if (variant === 'after the answer') {
        try {
          await csms.waitFor((x) => x.dir === 'out' && x.conn === call.conn && x.id === call.id, { from: call.seq, timeoutMs: 1000 });
        } catch (_) {
          return `${action}.req unanswered for 1 s`;
        }
      } else if (variant === 'a moment later') {
        await delay(rng.chaos.range(1, 40));
      }
      return `${variant}, ${action}.req ${call.id}`;
    };
    const MODES = [
      ['random', 3], ['StartTransaction in flight', 2], ['StopTransaction in flight', 2], ['MeterValues in flight', 1],
      ['after an API call returned', 2], ['during an API call', 2], ['offline', 1], ['during startup', 1],
    ];
    const kills = async () => {
      const r = rng.chaos;
      while (facts.kills.length < opts.kills) {
        await delay(r.range(100, 900));
        await daemon.up();
        const mode = r.weighted(MODES);
        let how = '';
        if (mode.endsWith('in flight')) {
          how = await inFlight(mode.split(' ')[0], r.pick(['at once', 'a moment later', 'after the answer']));
        } else if (mode === 'after an API call returned') {
          how = await Promise.race([daemon.armKillOnAck(), delay(4000).then(() => null)]);
          how = how ? `'${how}'` : 'no API call within 4 s: killed anyway';
        } else if (mode === 'during an API call') {
          how = await Promise.race([daemon.armKillOnSend(r.range(0, 3)), delay(4000).then(() => null)]);
          how = how ? `'${how}'` : 'no API call within 4 s: killed anyway';
        } else if (mode === 'offline') {
          while (csmsOwner) await delay(20);
          csmsOwner = 'offline';
          trace('CSMS down (offline kill)');
          await csms.stop();
          await delay(r.range(300, 1500));
        }
        daemon.killNow(mode === 'during startup' ? 'random (the restart is killed during its startup)' : `${mode}${how ? `: ${how}` : ''}`);
        const k = facts.kills[facts.kills.length - 1];
        out(`kill ${facts.kills.length}/${opts.kills} +${elapsed()} run ${k.run}: ${k.why}`);
        await daemon.exited();
        await delay(r.range(0, 300));
        if (mode === 'during startup') {
          const starting = daemon.start().catch((err) => err);
          // Before it is ready (opening the database, restoring transactions) or while it
          // connects and boots.
          await delay(r.chance(0.5) ? r.range(0, 4) : r.range(5, 80));
          const ready = daemon.cd.find((e) => e.event === 'ready' && e.run === daemon.cd.run).length > 0;
          if (daemon.killNow(`during startup (${ready ? 'after' : 'before'} its ready event)`)) {
            out(`kill ${facts.kills.length}/${opts.kills} +${elapsed()} run ${daemon.cd.run}: ${facts.kills[facts.kills.length - 1].why}`);
          }
          const err = await starting;
          if (err instanceof Error && !(err instanceof Gone) && !/did not start|control socket/.test(err.message)) throw err;
          await daemon.exited();
        }
        await restart();
        if (mode === 'offline') {
          await delay(r.range(200, 1200));
          await startCsms();
          trace('CSMS up (offline kill)');
          csmsOwner = null;
        }
      }
    };

    const sessions = CONNECTORS.map((n) => background(session(n)));
    await kills();
    phase.chaosDone = true;
    await outages;
    out(`powercut: ${facts.kills.length} kills and ${facts.outages} CSMS outages done at +${elapsed()}; draining`);

    // -- drain: stop what runs, deliver everything
    phase.draining = true;
    await Promise.all(sessions);
    const drained = async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const up = await daemon.up();
        const st = await status(up, 'driver');
        if (st.queue === 0 && st.connectors.every((c) => c.txKey == null)) return true;
        if (Date.now() > deadline) {
          facts.violations.push({ kind: 'drain', message: `not drained after ${timeoutMs} ms: ${JSON.stringify(st)}` });
          return false;
        }
        await delay(100);
      }
    };
    await drained(60000);

    // -- after all that, a new transaction on each connector starts and stops normally
    const up = await daemon.up();
    await Promise.all(CONNECTORS.map(async (n) => {
      const mark = daemon.cd.mark();
      await expectOk(up, n, `plug ${n}`);
      // A card of the campaign authorized late may start the transaction instead: any will do.
      const tagReply = await up.cmd(n, `tag FINAL-${n} ${n}`);
      if (tagReply.event !== 'ok') trace(`connector ${n}: 'tag FINAL-${n} ${n}' answered ${JSON.stringify(tagReply)}`);
      const started = await daemon.cd.waitFor((e) => e.event === 'transaction_started' && e.connectorId === n,
        { from: mark, timeoutMs: 10000 }).catch(() => null);
      if (!started) {
        facts.violations.push({ kind: 'stale', message: `connector ${n}: no transaction starts after the campaign (plug, tag FINAL-${n})` });
        return;
      }
      await delay(1300);
      const tSend = Date.now();
      const reply = await up.cmd(n, `unplug ${n}`);
      if (reply.event !== 'ok') return apiError(`unplug ${n}`, reply);
      facts.ackedStops.push({ run: up.run, connectorId: n, txKey: started.txKey, command: `unplug ${n}`, tSend, tAck: Date.now(), expectReason: 'EVDisconnected' });
      return undefined;
    }));
    await drained(20000);
    await delay(300);
    const exit = await daemon.quit();
    if (exit.code !== 0) {
      facts.violations.push({ kind: 'crash', message: `quit: the daemon exited with ${JSON.stringify(exit)}\n${daemon.cd.stderrTail(40)}` });
    }
  }

  // -- the audit
  const records = plainRecords(csms.records);
  const { violations, stats, transactions } = audit(records, facts);
  await new Promise((resolve) => driverLog.end(resolve));
  fs.writeFileSync(path.join(tmp, 'records.json'), JSON.stringify(records));
  fs.writeFileSync(path.join(tmp, 'facts.json'), JSON.stringify(facts));
  // How the kills and the outages fell: how many messages were produced while the CSMS was down.
  const down = [];
  for (const r of records) {
    if (r.kind === 'STOPPED') down.push([r.t, Infinity]);
    else if (r.kind === 'LISTENING' && down.length && down[down.length - 1][1] === Infinity) down[down.length - 1][1] = r.t;
  }
  const offline = transactions.flatMap((tx) => [tx.start, ...tx.mvs, ...tx.stops])
    .filter((g) => down.some(([a, b]) => g.stamp > a && g.stamp < b)).length;
  const modes = {};
  for (const k of facts.kills) {
    const m = k.why.split(':')[0].replace(/ \(.*$/, '');
    modes[m] = (modes[m] || 0) + 1;
  }
  out(`powercut: kills by moment: ${Object.entries(modes).map(([m, n]) => `${m} ${n}`).join(', ')}; ` +
    `${offline} transaction messages produced while the CSMS was down; resent in flight: ` +
    `${Object.entries(stats.duplicatesByAction).map(([a, n]) => `${a} ${n}`).join(', ') || 'none'}`);
  out(`powercut: ${facts.kills.length} kills, ${stats.transactions} transactions, ${stats.messages} messages, ` +
    `${stats.lost} lost, ${stats.reordered} reordered, ${stats.duplicates} duplicates (in flight)` +
    (stats.other ? `, ${stats.other} other violations` : '') +
    ` [seed ${seed}, ${facts.outages} CSMS outages, ${stats.ackedStops} acknowledged stops, ${elapsed()}]`);
  if (violations.length) {
    out(`FAIL: ${violations.length} violation(s):`);
    for (const v of violations.slice(0, 60)) out(`  - [${v.kind}] ${v.message}`);
    if (violations.length > 60) out(`  ... and ${violations.length - 60} more`);
    out(`replay: POWERCUT_SEED=${seed} CHARGERD=${binary} node ${path.relative(process.cwd(), __filename)} ${opts.kills}`);
    out(`kept: ${tmp} (records.json: the CSMS's frames; facts.json: what the daemon promised; driver.log)`);
    return 1;
  }
  if (process.env.KEEP_TMP === '1') out(`kept: ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
  return 0;
}

process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAllSync();
    process.stderr.write(`\npowercut: interrupted by ${sig}\n`);
    process.exit(130);
  });
}

if (require.main === module) {
  main().then((code) => process.exit(code), (err) => {
    process.stderr.write(`powercut: ${err.stack || err}\n`);
    process.exit(2);
  });
}

module.exports = { Rng };
