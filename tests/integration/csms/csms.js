#!/usr/bin/env node
// A small OCPP 1.6J Central System (CSMS) for the integration tests and the demo; with
// `ocpp: '2.0.1'` (--ocpp 2.0.1) an OCPP 2.0.1 CSMS (its answers are in v201.js).
//
// Built on ocpp-rpc's RPCServer with strictMode, so every frame the charger sends is checked
// against the OCPP 1.6 (or 2.0.1) JSON schemas. Every frame in both directions is recorded with a
// timestamp; every 'strictValidationFailure' and unexpected 'badMessage' is recorded as a
// violation (a test must fail when there is any).
//
// As a library:   const { Csms } = require('./csms/csms');
//                 const csms = new Csms({ heartbeatInterval: 2 }); await csms.start();
// As a program:   node csms/csms.js --port 0 [--config MeterValueSampleInterval=1] ...
//                 (see usage() below) prints a readable timeline of the exchange.
//
// Security profiles (OCPP 1.6 Security Whitepaper section 2): with `tls` it listens on wss://
// (a Node https server carrying ocpp-rpc's upgrade handler), optionally requiring a client
// certificate (profile 3); with `basicAuthPassword` it refuses an upgrade without the right
// HTTP Basic credentials (profiles 1 and 2). Every TLS handshake, accepted or refused, is a
// record of its own (TLS_ACCEPTED with the client certificate's subject, TLS_REFUSED).
'use strict';

const path = require('node:path');
const fs = require('node:fs');
const { EventEmitter, once } = require('node:events');

let ocppRpc;
try {
  ocppRpc = require('ocpp-rpc');
} catch (err) {
  const dir = path.resolve(__dirname, '..');
  process.stderr.write(`csms: cannot load 'ocpp-rpc' (${err.message}).\n` +
    `Run: (cd ${dir} && npm ci --no-audit --no-fund)\n`);
  process.exit(2);
}
const { RPCServer, NOREPLY, createRPCError } = ocppRpc;
const v201 = require('./v201');

const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;
const KIND = { [CALL]: 'CALL', [CALLRESULT]: 'CALLRESULT', [CALLERROR]: 'CALLERROR' };

const IDTAG_STATUSES = ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'];

function nowIso() {
  return new Date().toISOString();
}

// Parses one frame without throwing; returns a description of it.
function parseFrame(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch (_) {
    return { kind: 'INVALID', why: 'not JSON' };
  }
  if (!Array.isArray(msg)) return { kind: 'INVALID', why: 'not an array' };
  const [type, id] = msg;
  // A hostile frame may put anything there, e.g. an array nested 200,000 levels deep, which
  // neither a property lookup nor JSON.stringify can turn into a string without recursing.
  const kind = typeof type === 'number' ? KIND[type] : undefined;
  if (!kind) {
    const what = typeof type === 'object' && type !== null ? (Array.isArray(type) ? 'an array' : 'an object') : JSON.stringify(type);
    return { kind: 'INVALID', why: `message type ${what}`, id, msg };
  }
  if (kind === 'CALL') return { kind, id, action: msg[2], payload: msg[3], msg };
  if (kind === 'CALLRESULT') return { kind, id, payload: msg[2], msg };
  return { kind, id, errorCode: msg[2], errorDescription: msg[3], errorDetails: msg[4], msg };
}

// One-line summary of the fields that matter, per action and direction.
function keyFields(rec) {
  const p = rec.payload;
  if (rec.ocpp === '2.0.1' && rec.action && p && typeof p === 'object') {
    const k = v201.keyFields(rec);
    if (k !== undefined) return k;
  }
  if (rec.kind === 'CALLERROR') {
    return `${rec.errorCode} ${JSON.stringify(rec.errorDescription ?? '')}`;
  }
  if (rec.kind === 'INVALID') return `${rec.why}: ${String(rec.raw).slice(0, 80)}`;
  if (rec.kind === 'CONNECTED') return `identity=${rec.identity} subprotocol=${rec.protocol}`;
  if (rec.kind === 'DISCONNECTED') return `code=${rec.code} ${rec.reason || ''}`.trim();
  if (rec.kind === 'LISTENING') return `${rec.scheme || 'ws'}://127.0.0.1:${rec.port}/`;
  if (rec.kind === 'TLS_ACCEPTED') {
    return `${rec.protocol} ${rec.cipher} client certificate: ${rec.peerSubject || 'none'}` +
      (rec.peerSubject ? ` (${rec.authorized ? 'verified' : `not verified: ${rec.authorizationError}`})` : '');
  }
  if (rec.kind === 'TLS_REFUSED') {
    // OpenSSL's "...:SSL routines:<function>:<reason>:<file>:<line>:..." -> the reason.
    const m = /SSL routines:[^:]*:([^:]+)/.exec(rec.error || '');
    return `handshake failed: ${m ? m[1] : rec.error} (${rec.code})`;
  }
  if (rec.kind === 'HTTP_REFUSED') return `upgrade refused: ${rec.status} ${rec.reason}`;
  if (rec.kind === 'STOPPED') return '(outage: connection dropped, not listening)';
  if (rec.kind === 'NOTE') return rec.text;
  if (!p || typeof p !== 'object') return JSON.stringify(p);
  const pick = (...keys) => keys.filter((k) => p[k] !== undefined)
    .map((k) => `${k}=${typeof p[k] === 'object' ? JSON.stringify(p[k]) : p[k]}`).join(' ');
  const isReq = rec.kind === 'CALL';
  switch (rec.action) {
    case 'BootNotification':
      return isReq ? pick('chargePointVendor', 'chargePointModel', 'firmwareVersion') : pick('status', 'interval');
    case 'Heartbeat':
      return isReq ? '' : pick('currentTime');
    case 'StatusNotification':
      return isReq ? pick('connectorId', 'status', 'errorCode') : '';
    case 'Authorize':
      return isReq ? pick('idTag') : `status=${p.idTagInfo && p.idTagInfo.status}`;
    case 'StartTransaction':
      return isReq ? pick('connectorId', 'idTag', 'meterStart', 'timestamp')
        : `transactionId=${p.transactionId} status=${p.idTagInfo && p.idTagInfo.status}`;
    case 'StopTransaction':
      return isReq ? pick('transactionId', 'meterStop', 'reason', 'idTag', 'timestamp')
        : (p.idTagInfo ? `status=${p.idTagInfo.status}` : '');
    case 'MeterValues': {
      if (!isReq) return '';
      const parts = [pick('connectorId', 'transactionId')];
      for (const mv of p.meterValue || []) {
        for (const sv of mv.sampledValue || []) {
          parts.push(`${sv.measurand || 'Energy.Active.Import.Register'}=${sv.value}${sv.unit || 'Wh'}@${mv.timestamp}`);
        }
      }
      return parts.join(' ');
    }
    case 'ChangeConfiguration':
      return isReq ? pick('key', 'value') : pick('status');
    case 'GetConfiguration':
      if (isReq) return pick('key');
      return `${(p.configurationKey || []).length} keys` +
        ((p.unknownKey || []).length ? ` unknownKey=${JSON.stringify(p.unknownKey)}` : '');
    case 'RemoteStartTransaction':
      return isReq ? pick('connectorId', 'idTag') : pick('status');
    case 'RemoteStopTransaction':
      return isReq ? pick('transactionId') : pick('status');
    default: {
      const s = JSON.stringify(p);
      return s.length > 100 ? s.slice(0, 97) + '...' : s;
    }
  }
}

function formatRecord(rec, t0) {
  const rel = ((rec.t - t0) / 1000).toFixed(3).padStart(8);
  const dir = rec.dir === 'in' ? 'CP  -> CSMS' : rec.dir === 'out' ? 'CSMS -> CP ' : '           ';
  const what = (rec.kind === 'CALL' || rec.kind === 'CALLRESULT' || rec.kind === 'CALLERROR')
    ? `${rec.kind.padEnd(10)} ${String(rec.action ?? '?').padEnd(24)}` : `${rec.kind.padEnd(35)}`;
  const flag = rec.raw && rec.sentRaw ? ' [raw]' : '';
  let fields;
  try {
    fields = keyFields(rec);
  } catch (_) {
    // e.g. a payload nested too deep for JSON.stringify (hostile_json.js sends such frames)
    fields = `${String(rec.raw).slice(0, 80)}...`;
  }
  return `${rel}s  #${rec.conn}  ${dir}  ${what} ${fields}${flag}`;
}

class Csms extends EventEmitter {
  /**
   * @param {object} [o]
   * @param {string} [o.host='127.0.0.1']
   * @param {number} [o.port=0]             0 = any free port (kept across restart())
   * @param {string} [o.ocpp='1.6'] the protocol: '1.6' (subprotocol ocpp1.6) or '2.0.1' (ocpp2.0.1)
   * @param {number} [o.heartbeatInterval=300] interval in BootNotification.conf
   * @param {Array<{status:string, interval?:number}>} [o.boot] answers to successive
   *        BootNotifications; the last one repeats. Default: Accepted.
   * @param {Object<string,string>} [o.authorize] idTag -> idTagInfo.status (Authorize and StartTransaction)
   * @param {string} [o.authorizeDefault='Accepted']
   * @param {number} [o.firstTransactionId=1001]
   * @param {string} [o.identity] if set, only this charge point identity is accepted
   * @param {number} [o.callTimeoutMs=10000] timeout of calls to the charger
   * @param {function(string)} [o.print] receives each timeline line as it happens
   * @param {object} [o.tls] listen on wss://: {cert, key} (PEM file paths) of the server;
   *        requireClientCertificate: true with ca (PEM file path) asks for a client certificate
   *        issued under ca and refuses the TLS handshake without one (security profile 3)
   * @param {string} [o.basicAuthPassword] if set, an upgrade without HTTP Basic credentials
   *        "<identity>:<this password>" is refused with 401 (security profiles 1 and 2)
   */
  constructor(o = {}) {
    super();
    this.ocpp = o.ocpp || '1.6';
    if (this.ocpp !== '1.6' && this.ocpp !== '2.0.1') throw new Error(`CSMS: unknown OCPP version ${this.ocpp}`);
    this.protocol = this.ocpp === '2.0.1' ? 'ocpp2.0.1' : 'ocpp1.6';
    this.host = o.host || '127.0.0.1';
    this.port = o.port || 0;
    this.heartbeatInterval = o.heartbeatInterval ?? 300;
    this.bootPolicy = (o.boot || [{ status: 'Accepted' }]).slice();
    this.authorizePolicy = Object.assign({}, o.authorize || {});
    this.authorizeDefault = o.authorizeDefault || 'Accepted';
    this.nextTransactionId = o.firstTransactionId ?? 1001;
    this.expectedIdentity = o.identity;
    this.callTimeoutMs = o.callTimeoutMs ?? 10000;
    this.print = o.print || null;
    this.tls = o.tls || null;
    this.basicAuthPassword = o.basicAuthPassword;

    this.t0 = Date.now();
    this.records = [];      // every frame and connection event, in order
    this.violations = [];   // schema violations and unexpected bad messages
    this.handshakes = [];   // every WebSocket upgrade request seen
    this.transactions = new Map(); // transactionId -> {start, stop, ...}
    this.connectorStatus = {};     // connectorId -> last StatusNotification.status
    this.handlers = new Map();     // action -> override handler
    this.client = null;            // the current charger connection (RPCServerClient)
    this.connCount = 0;
    this.server = null;
    this.httpServer = null;
    this.running = false;
    this._waiters = new Set();
  }

  get url() {
    return `${this.tls ? 'wss' : 'ws'}://${this.host}:${this.port}`;
  }

  /** Starts listening (again, on the same port after stop()). Resolves with the port. */
  async start() {
    if (this.running) return this.port;
    const server = new RPCServer({
      protocols: [this.protocol],
      strictMode: true,
      callTimeoutMs: this.callTimeoutMs,
      respondWithDetailedErrors: false,
    });
    server.auth((accept, reject, handshake) => {
      const offered = Array.from(handshake.protocols || []);
      const socket = handshake.request && handshake.request.socket;
      const peer = socket && typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : null;
      this.handshakes.push({
        t: Date.now(), identity: handshake.identity, endpoint: handshake.endpoint,
        url: handshake.request && handshake.request.url,
        protocols: offered, headers: handshake.headers, password: handshake.password,
        tls: socket && socket.encrypted ? {
          authorized: socket.authorized, authorizationError: socket.authorizationError,
          peerSubject: peer && peer.subject ? { ...peer.subject } : null,
        } : null,
      });
      const refuse = (status, reason) => {
        this._push({ kind: 'HTTP_REFUSED', dir: '', conn: 0, status, reason });
        reject(status, reason);
      };
      if (this.expectedIdentity && handshake.identity !== this.expectedIdentity) {
        refuse(404, 'Unknown charge point');
        return;
      }
      if (this.basicAuthPassword !== undefined &&
          (!handshake.password || handshake.password.toString('utf8') !== this.basicAuthPassword)) {
        refuse(401, handshake.headers.authorization ? 'Wrong Basic credentials' : 'Basic credentials required');
        return;
      }
      if (!offered.includes(this.protocol)) {
        reject(400, `Subprotocol ${this.protocol} required`);
        return;
      }
      accept({}, this.protocol);
    });
    server.on('client', (client) => this._onClient(client));
    server.on('error', (err) => this._note(`server error: ${err.message}`));
    this.httpServer = this.tls ? await this._listenTls(server) : await server.listen(this.port, this.host);
    this.port = this.httpServer.address().port;
    this.server = server;
    this.running = true;
    this._push({ kind: 'LISTENING', dir: '', conn: 0, port: this.port, scheme: this.tls ? 'wss' : 'ws' });
    return this.port;
  }

  /** Simulates an outage: drops the connection at once and stops listening. */
  async stop() {
    if (!this.running) return;
    this.running = false;
    const server = this.server;
    const http = this.httpServer;
    this.server = null;
    this.httpServer = null;
    const closed = http.listening ? once(http, 'close') : Promise.resolve();
    const clients = Array.from(server._clients || []);
    const gone = clients.map((c) => (c.state === 3 ? Promise.resolve() : once(c, 'close')));
    await server.close({ force: true, code: 1001, reason: 'CSMS going down' });
    // ocpp-rpc closes only the servers it made itself (listen()).
    if (this.tls && http.listening) {
      http.close();
      http.closeAllConnections();
    }
    await Promise.race([Promise.all([closed, ...gone]), delay(3000)]);
    this._push({ kind: 'STOPPED', dir: '', conn: 0 });
  }

  async restart() {
    await this.stop();
    return this.start();
  }

  // ---- answer policies ---------------------------------------------------------------

  /** Overrides the answer to `action`: fn(params, ctx) -> payload | Csms.NOREPLY | throws RPC error. */
  setHandler(action, fn) {
    if (fn) this.handlers.set(action, fn); else this.handlers.delete(action);
  }

  setAuthorize(idTag, status) {
    if (!IDTAG_STATUSES.includes(status)) throw new Error(`bad idTag status ${status}`);
    this.authorizePolicy[idTag] = status;
  }

  idTagStatus(idTag) {
    return this.authorizePolicy[idTag] || this.authorizeDefault;
  }

  /** The next BootNotification answer of the boot policy (both versions). */
  bootAnswer() {
    const answer = this.bootPolicy.length > 1 ? this.bootPolicy.shift() : this.bootPolicy[0];
    const interval = answer.interval ?? (answer.status === 'Accepted' ? this.heartbeatInterval : 1);
    return { status: answer.status, currentTime: nowIso(), interval };
  }

  defaultResponse(action, params, ctx) {
    if (this.ocpp === '2.0.1') return v201.defaultResponse(this, action, params, ctx);
    switch (action) {
      case 'BootNotification':
        return this.bootAnswer();
      case 'Heartbeat':
        return { currentTime: nowIso() };
      case 'StatusNotification':
        this.connectorStatus[params.connectorId] = params.status;
        return {};
      case 'Authorize':
        return { idTagInfo: { status: this.idTagStatus(params.idTag) } };
      case 'StartTransaction': {
        const transactionId = this.nextTransactionId++;
        this.transactions.set(transactionId, {
          transactionId, start: params, startMessageId: ctx.messageId, stops: [], meterValues: [],
        });
        return { transactionId, idTagInfo: { status: this.idTagStatus(params.idTag) } };
      }
      case 'StopTransaction': {
        const tx = this.transactions.get(params.transactionId);
        if (tx) tx.stops.push(params);
        return params.idTag ? { idTagInfo: { status: this.idTagStatus(params.idTag) } } : {};
      }
      case 'MeterValues': {
        const tx = this.transactions.get(params.transactionId);
        if (tx) tx.meterValues.push(params);
        return {};
      }
      case 'DataTransfer':
        return { status: 'UnknownVendor' };
      case 'DiagnosticsStatusNotification':
      case 'FirmwareStatusNotification':
      case 'SecurityEventNotification':
      case 'LogStatusNotification':
      case 'SignedFirmwareStatusNotification':
        return {};
      case 'SignCertificate':
        return { status: 'Rejected' };
      default:
        throw createRPCError('NotImplemented', `CSMS does not handle ${action}`);
    }
  }

  // ---- calling the charger -------------------------------------------------------------

  /** Calls the connected charger; resolves with the CALLRESULT payload, rejects on CALLERROR/timeout. */
  async call(action, payload = {}, opts = {}) {
    const client = this._requireClient();
    return client.call(action, payload, { callTimeoutMs: opts.timeoutMs ?? this.callTimeoutMs });
  }

  /**
   * Sends a raw text frame to the charger (no validation). If it looks like a CALL, its id is
   * remembered so that the charger's answer is recorded as expected, not as a bad message.
   */
  sendRaw(text) {
    const client = this._requireClient();
    const f = parseFrame(text);
    if (f.kind === 'CALL' || (f.kind === 'INVALID' && typeof f.id === 'string')) {
      client._csmsConn.rawIds.add(f.id);
    } else if (f.kind === 'INVALID') {
      // No readable message id: a CALLERROR the charger sends back has an id of its own
      // choosing. For a short while, such a CALLERROR is the expected answer, not a violation.
      client._csmsConn.idlessRawUntil = Date.now() + 3000;
    }
    client._csmsConn.rawPending.push(text);
    client.sendRaw(text);
  }

  // ---- records and waiting ---------------------------------------------------------------

  mark() {
    return this.records.length;
  }

  /** All records matching `pred` (from index `from`). */
  find(pred, from = 0) {
    return this.records.slice(from).filter(pred);
  }

  /** Records of CALLs from the charger with this action. */
  callsFromCharger(action, from = 0) {
    return this.find((r) => r.dir === 'in' && r.kind === 'CALL' && (!action || r.action === action), from);
  }

  /**
   * Resolves with the first record (at index >= from) that satisfies pred; rejects after
   * timeoutMs with a message naming `desc`.
   */
  waitFor(pred, { timeoutMs = 10000, from = 0, desc = 'a matching frame' } = {}) {
    for (let i = from; i < this.records.length; i++) {
      if (pred(this.records[i])) return Promise.resolve(this.records[i]);
    }
    return new Promise((resolve, reject) => {
      const w = {
        pred, from, resolve: (r) => { clearTimeout(w.timer); this._waiters.delete(w); resolve(r); },
      };
      w.timer = setTimeout(() => {
        this._waiters.delete(w);
        reject(new Error(`CSMS: timed out after ${timeoutMs} ms waiting for ${desc}`));
      }, timeoutMs);
      this._waiters.add(w);
    });
  }

  /**
   * Waits for a CALL from the charger (action and optional payload predicate) and, unless
   * opts.answered === false, for the CSMS's answer to it; resolves with the CALL record, whose
   * .response is the answer record.
   */
  waitForCall(action, pred = () => true, opts = {}) {
    const { answered = true, ...rest } = opts;
    const isCall = (r) => r.dir === 'in' && r.kind === 'CALL' && r.action === action && pred(r.payload, r);
    if (!answered) return this.waitFor(isCall, { desc: `${action}.req from the charger`, ...rest });
    return this.waitFor((r) => r.dir === 'out' && (r.kind === 'CALLRESULT' || r.kind === 'CALLERROR') &&
      r.request && isCall(r.request), { desc: `${action}.req from the charger (answered)`, ...rest })
      .then((r) => r.request);
  }

  /** Waits for the charger's answer (CALLRESULT or CALLERROR) to a frame id we sent. */
  waitForReplyTo(id, opts = {}) {
    return this.waitFor((r) => r.dir === 'in' && (r.kind === 'CALLRESULT' || r.kind === 'CALLERROR') && r.id === id,
      { desc: `the charger's answer to message id ${id}`, ...opts });
  }

  waitForConnection(opts = {}) {
    return this.waitFor((r) => r.kind === 'CONNECTED', { desc: 'a charger connection', ...opts });
  }

  /** Throws (an AssertionError-like Error) when any schema violation or bad message was recorded. */
  assertNoViolations() {
    if (this.violations.length) {
      const lines = this.violations.map((v) => `  - ${v.type}: ${v.summary}`);
      throw new Error(`CSMS recorded ${this.violations.length} schema violation(s)/bad message(s):\n${lines.join('\n')}`);
    }
  }

  timeline(from = 0) {
    return this.records.slice(from).map((r) => formatRecord(r, this.t0)).join('\n');
  }

  summary() {
    const count = {};
    for (const r of this.records) {
      if (r.dir === 'in' && r.kind === 'CALL') count[r.action] = (count[r.action] || 0) + 1;
    }
    const txs = this.ocpp !== '1.6' ? [] : Array.from(this.transactions.values()).map((t) => ({
      transactionId: t.transactionId, connectorId: t.start.connectorId, idTag: t.start.idTag,
      meterStart: t.start.meterStart, meterValues: t.meterValues.length,
      stops: t.stops.map((s) => ({ meterStop: s.meterStop, reason: s.reason || 'Local' })),
    }));
    return { callsFromCharger: count, transactions: txs, violations: this.violations.length };
  }

  // ---- internals --------------------------------------------------------------------------

  // An https server with ocpp-rpc's upgrade handler: wss:// (security profiles 2 and 3).
  async _listenTls(server) {
    const https = require('node:https');
    const t = this.tls;
    const requireCert = !!t.requireClientCertificate;
    const httpServer = https.createServer({
      cert: fs.readFileSync(t.cert), key: fs.readFileSync(t.key),
      ca: t.ca ? fs.readFileSync(t.ca) : undefined,
      requestCert: requireCert || !!t.requestCert,
      rejectUnauthorized: requireCert,
      minVersion: 'TLSv1.2',
    }, (req, res) => {
      res.statusCode = 404;
      res.end();
    });
    httpServer.on('secureConnection', (sock) => {
      const peer = sock.getPeerCertificate();
      const subject = peer && peer.subject
        ? Object.entries(peer.subject).map(([k, v]) => `${k}=${v}`).join(', ') : null;
      const cipher = sock.getCipher();
      this._push({
        kind: 'TLS_ACCEPTED', dir: '', conn: 0, protocol: sock.getProtocol(), cipher: cipher && cipher.name,
        peerSubject: subject, peer: peer && peer.subject ? { ...peer.subject } : null,
        authorized: sock.authorized, authorizationError: sock.authorizationError,
      });
    });
    httpServer.on('tlsClientError', (err) => {
      this._push({ kind: 'TLS_REFUSED', dir: '', conn: 0, error: err.message.replace(/\s+/g, ' ').trim(), code: err.code });
    });
    httpServer.on('upgrade', server.handleUpgrade);
    await new Promise((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen({ port: this.port, host: this.host }, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    return httpServer;
  }

  _requireClient() {
    if (!this.client || this.client.state !== 1) throw new Error('CSMS: no charger connected');
    return this.client;
  }

  _note(text) {
    this._push({ kind: 'NOTE', dir: '', conn: 0, text });
  }

  _push(rec) {
    rec.seq = this.records.length;
    rec.t = rec.t || Date.now();
    this.records.push(rec);
    if (this.print) {
      if (rec.kind === 'NOTE') this.print(`${((rec.t - this.t0) / 1000).toFixed(3).padStart(8)}s  ${rec.text}`);
      else if (rec.kind === 'LISTENING') this.print(`${((rec.t - this.t0) / 1000).toFixed(3).padStart(8)}s  CSMS listening on ${rec.scheme}://${this.host}:${rec.port}/`);
      else if (rec.kind === 'STOPPED') this.print(`${((rec.t - this.t0) / 1000).toFixed(3).padStart(8)}s  CSMS stopped: connections dropped, not listening`);
      else this.print(formatRecord(rec, this.t0));
    }
    this.emit('record', rec);
    for (const w of Array.from(this._waiters)) {
      if (rec.seq >= w.from && w.pred(rec)) w.resolve(rec);
    }
  }

  _violation(type, summary, detail) {
    const v = { t: Date.now(), type, summary, detail };
    this.violations.push(v);
    this._note(`VIOLATION ${type}: ${summary}`);
    this.emit('violation', v);
  }

  _onClient(client) {
    const connNo = ++this.connCount;
    const conn = {
      no: connNo, outCalls: new Map(), inCalls: new Map(), rawIds: new Set(), rawPending: [],
    };
    client._csmsConn = conn;
    this.client = client;
    this._push({
      kind: 'CONNECTED', dir: '', conn: connNo, identity: client.identity, protocol: client.protocol,
      endpoint: client.handshake && client.handshake.endpoint,
    });

    client.on('message', ({ message, outbound }) => {
      const text = Buffer.isBuffer(message) ? message.toString('utf8') : String(message);
      const f = parseFrame(text);
      const rec = {
        conn: connNo, dir: outbound ? 'out' : 'in', kind: f.kind, id: f.id, raw: text, ocpp: this.ocpp,
        sentRaw: outbound && conn.rawPending.length > 0 && conn.rawPending[0] === text,
      };
      if (rec.sentRaw) conn.rawPending.shift();
      if (f.kind === 'INVALID') rec.why = f.why;
      const myCalls = outbound ? conn.outCalls : conn.inCalls;    // calls this side made
      const theirCalls = outbound ? conn.inCalls : conn.outCalls; // calls this frame may answer
      if (f.kind === 'CALL') {
        rec.action = f.action;
        rec.payload = f.payload;
        myCalls.set(f.id, rec);
      } else if (f.kind === 'CALLRESULT' || f.kind === 'CALLERROR') {
        rec.payload = f.payload;
        if (f.kind === 'CALLERROR') {
          Object.assign(rec, { errorCode: f.errorCode, errorDescription: f.errorDescription, errorDetails: f.errorDetails });
          rec.elements = f.msg.length;
        }
        const req = theirCalls.get(f.id);
        if (req) {
          rec.action = req.action;
          rec.request = req;
          if (!req.response) req.response = rec;
        }
      }
      this._push(rec);
    });

    client.on('strictValidationFailure', (e) => {
      const dir = e.outbound ? 'CSMS->CP' : 'CP->CSMS';
      const what = e.isCall ? `${e.method}.req` : `${e.method}.conf`;
      this._violation('strictValidationFailure', `${dir} ${what} (id ${e.messageId}): ${e.error && e.error.message}`, {
        params: e.params, result: e.result,
      });
    });

    client.on('badMessage', ({ buffer, error }) => {
      const text = Buffer.isBuffer(buffer) ? buffer.toString('utf8') : String(buffer);
      const f = parseFrame(text);
      // Answers to frames the test sent raw have no pending call in ocpp-rpc: they are expected.
      if ((f.kind === 'CALLRESULT' || f.kind === 'CALLERROR') && conn.rawIds.has(f.id)) return;
      if (f.kind === 'CALLERROR' && conn.idlessRawUntil && Date.now() <= conn.idlessRawUntil) return;
      this._violation('badMessage', `${error && error.message}: ${text.slice(0, 200)}`, { text });
    });

    client.on('callResult', () => {});
    client.handle(async ({ method, params, messageId }) => {
      const override = this.handlers.get(method);
      const ctx = {
        csms: this, client, messageId, conn: connNo,
        defaultResponse: () => this.defaultResponse(method, params, { messageId }),
      };
      if (override) {
        const r = await override(params, ctx);
        return r;
      }
      return this.defaultResponse(method, params, { messageId });
    });

    client.once('close', ({ code, reason }) => {
      if (this.client === client) this.client = null;
      this._push({ kind: 'DISCONNECTED', dir: '', conn: connNo, code, reason: reason ? String(reason) : '' });
    });
  }
}

Csms.NOREPLY = NOREPLY;

function delay(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

module.exports = { Csms, NOREPLY, createRPCError, parseFrame, formatRecord, keyFields, delay };

// ---- standalone program ------------------------------------------------------------------

function usage() {
  return `usage: node csms.js [options]
  --host H                 listen address (default 127.0.0.1)
  --port N                 port, 0 = a free one (default 0)
  --port-file F            write the chosen port to F once listening
  --ocpp V                 1.6 (default) or 2.0.1 (subprotocol ocpp2.0.1, its schemas)
  --call ACTION=JSON       a CALL sent to the charger after every accepted boot, after the
                           --config ones, one a second (repeatable), e.g.
                           --call 'ChangeAvailability={"operationalStatus":"Inoperative"}'
  --heartbeat-interval S   interval in BootNotification.conf (default 60)
  --config KEY=VALUE       ChangeConfiguration sent after every accepted boot (repeatable)
  --authorize TAG=STATUS   idTagInfo.status for TAG (default Accepted)
  --require-session        on exit, status 0 only if a transaction was started and stopped,
                           both acknowledged, and no schema violation was recorded
  --records F              on exit, write every recorded frame as JSON to F
  --tls-cert F --tls-key F listen on wss:// with this server certificate and key (PEM)
  --tls-ca F               with --require-client-cert: the CA of the client certificates
  --require-client-cert    refuse a TLS handshake without a client certificate (profile 3)
  --basic-auth-password P  refuse an upgrade without HTTP Basic "<identity>:P" (profiles 1, 2)
Stops on SIGINT/SIGTERM and prints a summary.`;
}

async function main(argv) {
  const opts = { host: '127.0.0.1', port: 0, heartbeatInterval: 60, config: [], calls: [], authorize: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--host') opts.host = next();
    else if (a === '--port') opts.port = Number(next());
    else if (a === '--port-file') opts.portFile = next();
    else if (a === '--ocpp') opts.ocpp = next();
    else if (a === '--call') {
      const [k, ...v] = next().split('=');
      opts.calls.push([k, JSON.parse(v.join('='))]);
    }
    else if (a === '--heartbeat-interval') opts.heartbeatInterval = Number(next());
    else if (a === '--config') {
      const [k, ...v] = next().split('=');
      opts.config.push([k, v.join('=')]);
    } else if (a === '--authorize') {
      const [k, v] = next().split('=');
      opts.authorize[k] = v;
    } else if (a === '--require-session') opts.requireSession = true;
    else if (a === '--records') opts.records = next();
    else if (a === '--tls-cert') opts.tlsCert = next();
    else if (a === '--tls-key') opts.tlsKey = next();
    else if (a === '--tls-ca') opts.tlsCa = next();
    else if (a === '--require-client-cert') opts.requireClientCertificate = true;
    else if (a === '--basic-auth-password') opts.basicAuthPassword = next();
    else if (a === '-h' || a === '--help') {
      console.log(usage());
      return 0;
    } else throw new Error(`unknown option ${a}\n${usage()}`);
  }
  const print = (line) => process.stdout.write(line + '\n');
  if (!!opts.tlsCert !== !!opts.tlsKey) throw new Error('--tls-cert and --tls-key go together');
  const tls = opts.tlsCert ? {
    cert: opts.tlsCert, key: opts.tlsKey, ca: opts.tlsCa, requireClientCertificate: !!opts.requireClientCertificate,
  } : null;
  const csms = new Csms({
    host: opts.host, port: opts.port, heartbeatInterval: opts.heartbeatInterval, ocpp: opts.ocpp,
    authorize: opts.authorize, print, tls, basicAuthPassword: opts.basicAuthPassword,
  });
  // After each accepted BootNotification, push the configured keys, then the CALLs.
  csms.on('record', (rec) => {
    if (rec.dir === 'out' && rec.kind === 'CALLRESULT' && rec.action === 'BootNotification' &&
        rec.payload && rec.payload.status === 'Accepted' && (opts.config.length || opts.calls.length)) {
      setImmediate(async () => {
        const calls = opts.config.map(([key, value]) => ['ChangeConfiguration', { key, value }, 0])
          .concat(opts.calls.map(([action, payload]) => [action, payload, 1000]));
        for (const [action, payload, wait] of calls) {
          await delay(wait);
          try {
            await csms.call(action, payload);
          } catch (err) {
            csms._note(`${action} ${JSON.stringify(payload)} failed: ${err.message}`);
          }
        }
      });
    }
  });
  const port = await csms.start();
  if (opts.portFile) fs.writeFileSync(opts.portFile, `${port}\n`);

  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await csms.stop();
  const s = csms.summary();
  print('');
  print('CSMS summary');
  print(`  calls from the charger: ${Object.entries(s.callsFromCharger).map(([k, v]) => `${k} x${v}`).join(', ') || 'none'}`);
  let complete = false;
  for (const tx of csms.ocpp === '1.6' ? s.transactions : []) {
    const startAcked = csms.records.some((r) => r.dir === 'out' && r.kind === 'CALLRESULT' &&
      r.action === 'StartTransaction' && r.payload.transactionId === tx.transactionId);
    const stopAcked = csms.records.some((r) => r.dir === 'out' && r.kind === 'CALLRESULT' &&
      r.action === 'StopTransaction' && r.request && r.request.payload.transactionId === tx.transactionId);
    print(`  transaction ${tx.transactionId}: connector ${tx.connectorId}, idTag ${tx.idTag}, ` +
      `meterStart ${tx.meterStart} Wh, ${tx.meterValues} MeterValues, ` +
      (tx.stops.length ? `stopped (${tx.stops.map((x) => `meterStop ${x.meterStop} Wh, reason ${x.reason}`).join('; ')}), ` +
        `energy ${tx.stops[0].meterStop - tx.meterStart} Wh` : 'not stopped') +
      `; StartTransaction ${startAcked ? 'acknowledged' : 'NOT acknowledged'}, StopTransaction ${stopAcked ? 'acknowledged' : 'NOT acknowledged'}`);
    if (startAcked && stopAcked && tx.stops.length === 1) complete = true;
  }
  print(`  schema violations / bad messages: ${csms.violations.length}`);
  for (const v of csms.violations) print(`    - ${v.type}: ${v.summary}`);
  if (opts.records) {
    fs.writeFileSync(opts.records, JSON.stringify(csms.records.map((r) => {
      const { request, response, ...rest } = r;
      return rest;
    }), null, 1));
  }
  if (csms.violations.length) return 1;
  if (opts.requireSession && !complete) {
    print('  no complete, acknowledged charging session was seen');
    return 1;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    process.stderr.write(`csms: ${err.message}\n`);
    process.exit(2);
  });
}
