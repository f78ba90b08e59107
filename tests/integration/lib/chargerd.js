// Runs ocpp-chargerd (or any program with the same interface) as a child process:
// commands go to its stdin, the JSON events it prints on stdout are collected and can be
// awaited with a timeout. stderr is kept for failure reports.
'use strict';

const { spawn } = require('node:child_process');

// The first line of a sanitizer report (a daemon built with -fsanitize=address,undefined): any
// such line fails the scenario, whatever else it checked.
const SANITIZER_REPORT = /ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: \w*Sanitizer/;
const fs = require('node:fs');
const { EventEmitter } = require('node:events');

const live = new Set(); // every child still running, for cleanup on any exit

function killAllSync() {
  for (const d of live) {
    try {
      process.kill(d.child.pid, 'SIGKILL');
    } catch (_) { /* already gone */ }
  }
  live.clear();
}

class Chargerd extends EventEmitter {
  /**
   * @param {object} o
   * @param {string} o.binary   path of ocpp-chargerd (or a node script, run with node)
   * @param {string} o.url      CSMS base URL (ws://127.0.0.1:PORT)
   * @param {string} o.id       charge point identity
   * @param {string} o.db       SQLite database path
   * @param {number} [o.connectors]
   * @param {boolean} [o.logFrames]
   * @param {number} [o.callTimeoutS]     --call-timeout-s (default: the daemon's, 30 s)
   * @param {number} [o.connectTimeoutS]  --connect-timeout-s (default: the daemon's, 30 s)
   * @param {string[]} [o.extraArgs]
   * @param {string} [o.name]   label in logs
   * @param {function(string)} [o.log] receives each stdout/stderr line (verbose mode)
   */
  constructor(o) {
    super();
    this.o = Object.assign({ connectors: 1, logFrames: false, extraArgs: [], name: 'chargerd' }, o);
    this.events = [];      // every JSON event, across restarts; each gets .run and .t
    this.stdoutJunk = [];  // stdout lines that were not JSON
    this.stderr = [];      // stderr lines (kept, trimmed to the last 2000)
    this.sanitizerReports = [];  // stderr lines of AddressSanitizer/UBSan/LeakSanitizer reports (all kept)
    this.run = 0;
    this.child = null;
    this.exit = null;
    this._waiters = new Set();
  }

  args() {
    const o = this.o;
    const a = ['--url', o.url, '--id', o.id, '--db', o.db, '--connectors', String(o.connectors),
      '--backoff-min-ms', String(o.backoffMinMs ?? 200), '--backoff-max-ms', String(o.backoffMaxMs ?? 1000)];
    if (o.logFrames) a.push('--log-frames');
    if (o.power !== undefined) a.push('--power', String(o.power));
    if (o.callTimeoutS !== undefined) a.push('--call-timeout-s', String(o.callTimeoutS));
    if (o.connectTimeoutS !== undefined) a.push('--connect-timeout-s', String(o.connectTimeoutS));
    return a.concat(o.extraArgs);
  }

  /** Starts the process; resolves once it printed {"event":"ready"}. */
  async start({ readyTimeoutMs = 10000 } = {}) {
    if (this.child) throw new Error(`${this.o.name} already running`);
    if (!fs.existsSync(this.o.binary)) throw new Error(`ocpp-chargerd not found at ${this.o.binary}`);
    this.run++;
    this.exit = null;
    const isScript = /\.[cm]?js$/.test(this.o.binary);
    const cmd = isScript ? process.execPath : this.o.binary;
    const args = isScript ? [this.o.binary, ...this.args()] : this.args();
    this.cmdline = [cmd, ...args].join(' ');
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    live.add(this);
    const run = this.run;
    const from = this.events.length;
    this._lines(child.stdout, (line) => this._onStdout(line, run));
    this._lines(child.stderr, (line) => {
      if (SANITIZER_REPORT.test(line)) this.sanitizerReports.push(`[run ${run}] ${line}`);
      this.stderr.push(`[run ${run}] ${line}`);
      if (this.stderr.length > 2000) this.stderr.splice(0, this.stderr.length - 2000);
      if (this.o.log) this.o.log(`${this.o.name} stderr: ${line}`);
    });
    child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(this);
        this.exit = { code, signal, run };
        if (this.child === child) this.child = null;
        this._push({ event: '_exit', code, signal });
        resolve(this.exit);
      });
      child.once('error', (err) => {
        live.delete(this);
        this.exit = { code: null, signal: null, error: err.message, run };
        if (this.child === child) this.child = null;
        this._push({ event: '_exit', error: err.message });
        resolve(this.exit);
      });
    });
    const ready = await this.waitFor((e) => e.event === 'ready' || e.event === '_exit' || e.event === 'error',
      { from, timeoutMs: readyTimeoutMs, desc: '{"event":"ready"}' });
    if (ready.event !== 'ready') {
      throw new Error(`${this.o.name} did not start: ${JSON.stringify(ready)}\n${this.stderrTail()}`);
    }
    return ready;
  }

  /** Writes one command line to stdin. */
  send(cmd) {
    if (!this.child) throw new Error(`${this.o.name} is not running (cannot send '${cmd}')`);
    if (this.o.log) this.o.log(`${this.o.name} <- ${cmd}`);
    this._push({ event: '_command', command: cmd });
    this.child.stdin.write(cmd + '\n');
  }

  mark() {
    return this.events.length;
  }

  find(pred, from = 0) {
    return this.events.slice(from).filter(pred);
  }

  /** Resolves with the first event (index >= from) matching pred; pred may be an object to match fields. */
  waitFor(pred, { timeoutMs = 10000, from = 0, desc } = {}) {
    const p = typeof pred === 'function' ? pred : matcher(pred);
    desc = desc || (typeof pred === 'function' ? 'a matching event' : JSON.stringify(pred));
    for (let i = from; i < this.events.length; i++) {
      if (p(this.events[i])) return Promise.resolve(this.events[i]);
    }
    return new Promise((resolve, reject) => {
      const w = {
        from, pred: p, resolve: (e) => { clearTimeout(w.timer); this._waiters.delete(w); resolve(e); },
      };
      w.timer = setTimeout(() => {
        this._waiters.delete(w);
        reject(new Error(`${this.o.name}: timed out after ${timeoutMs} ms waiting for ${desc}`));
      }, timeoutMs);
      this._waiters.add(w);
    });
  }

  /** Sends `status` and resolves with the {"event":"state"} answer. */
  async state({ timeoutMs = 5000 } = {}) {
    const m = this.mark();
    this.send('status');
    return this.waitFor({ event: 'state' }, { from: m, timeoutMs });
  }

  /** `quit`, then waits for exit (SIGKILL after timeoutMs). Resolves with the exit info. */
  async quit({ timeoutMs = 8000 } = {}) {
    if (!this.child) return this.exit;
    const child = this.child;
    try {
      this.send('quit');
    } catch (_) { /* gone */ }
    const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch (_) { /* gone */ } }, timeoutMs);
    const exit = await this.exited;
    clearTimeout(t);
    return exit;
  }

  /** SIGTERM, then waits for exit (SIGKILL after timeoutMs). */
  async terminate({ timeoutMs = 8000 } = {}) {
    if (!this.child) return this.exit;
    const child = this.child;
    child.kill('SIGTERM');
    const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch (_) { /* gone */ } }, timeoutMs);
    const exit = await this.exited;
    clearTimeout(t);
    return exit;
  }

  /** kill -9; resolves when the process is gone. */
  async kill9() {
    if (!this.child) return this.exit;
    this._push({ event: '_kill9' });
    this.child.kill('SIGKILL');
    return this.exited;
  }

  stderrTail(n = 60) {
    return this.stderr.slice(-n).join('\n');
  }

  /** Human-readable dump of the events (for failure reports). */
  dump(n = 200) {
    return this.events.slice(-n).map((e) => `  [run ${e.run}] +${((e.t - this.t0) / 1000).toFixed(3)}s ${JSON.stringify(strip(e))}`).join('\n');
  }

  _onStdout(line, run) {
    if (this.o.log) this.o.log(`${this.o.name} -> ${line}`);
    let ev;
    try {
      ev = JSON.parse(line);
    } catch (_) {
      this.stdoutJunk.push(`[run ${run}] ${line}`);
      return;
    }
    if (!ev || typeof ev !== 'object' || typeof ev.event !== 'string') {
      this.stdoutJunk.push(`[run ${run}] ${line}`);
      return;
    }
    this._push(ev);
  }

  _push(ev) {
    if (this.t0 === undefined) this.t0 = Date.now();
    Object.defineProperty(ev, 'run', { value: this.run, enumerable: false });
    Object.defineProperty(ev, 't', { value: Date.now(), enumerable: false });
    Object.defineProperty(ev, 'index', { value: this.events.length, enumerable: false });
    this.events.push(ev);
    this.emit('event', ev);
    for (const w of Array.from(this._waiters)) {
      if (ev.index >= w.from && w.pred(ev)) w.resolve(ev);
    }
  }

  _lines(stream, onLine) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        if (line.length) onLine(line);
      }
    });
    stream.on('end', () => {
      if (buf.length) onLine(buf);
      buf = '';
    });
  }
}

function strip(e) {
  return e;
}

/** {event:'status', connectorId:1} -> predicate matching those fields. */
function matcher(obj) {
  return (e) => Object.entries(obj).every(([k, v]) => e[k] === v);
}

module.exports = { Chargerd, killAllSync, matcher };
