#!/usr/bin/env node
// A stand-in for ocpp-chargerd written with ocpp-rpc's RPCClient, with the same command line,
// stdin commands and stdout JSON events. It exists to develop and self-check the integration
// tests while the real daemon is not built; it is not a reference implementation.
//   CHARGERD=tests/integration/tools/fake-chargerd.js node tests/integration/boot.js
'use strict';

const fs = require('node:fs');
const readline = require('node:readline');
const { RPCClient, NOREPLY, createRPCError, createValidator } = require('ocpp-rpc');

const schemas = require('ocpp-rpc/lib/schemas/ocpp1_6.json');
const validator = createValidator('ocpp1.6', schemas);

// ---- command line ----------------------------------------------------------------------------
const opt = { connectors: 1, power: 11000, backoffMinMs: 1000, backoffMaxMs: 30000, logFrames: false };
{
  const a = process.argv.slice(2);
  const map = {
    '--url': 'url', '--id': 'id', '--db': 'db', '--connectors': 'connectors', '--password': 'password',
    '--ca-file': 'caFile', '--config': 'configFile', '--control': 'control', '--power': 'power',
    '--backoff-min-ms': 'backoffMinMs', '--backoff-max-ms': 'backoffMaxMs',
  };
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--log-frames') opt.logFrames = true;
    else if (map[a[i]] && i + 1 < a.length) opt[map[a[i]]] = a[++i];
    else {
      out({ event: 'error', message: `bad argument ${a[i]}` });
      process.exit(2);
    }
  }
  for (const k of ['connectors', 'power', 'backoffMinMs', 'backoffMaxMs']) opt[k] = Number(opt[k]);
  if (!opt.url || !opt.id || !opt.db) {
    out({ event: 'error', message: '--url, --id and --db are required' });
    process.exit(2);
  }
}

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
function log(msg) {
  process.stderr.write(`[fake-chargerd] ${msg}\n`);
}

// ---- durable state (a JSON file written atomically) ----------------------------------------
const CONFIG = {
  HeartbeatInterval: { type: 'int', value: '300', min: 0 },
  MeterValueSampleInterval: { type: 'int', value: '0', min: 0 },
  TransactionMessageAttempts: { type: 'int', value: '3', min: 0 },
  TransactionMessageRetryInterval: { type: 'int', value: '10', min: 0 },
  AuthorizeRemoteTxRequests: { type: 'bool', value: 'false' },
  WebSocketPingInterval: { type: 'int', value: '0', min: 0 },
  ConnectionTimeOut: { type: 'int', value: '60', min: 0 },
  LocalAuthorizeOffline: { type: 'bool', value: 'true' },
  AuthorizationCacheEnabled: { type: 'bool', value: 'true' },
  StopTransactionOnEVSideDisconnect: { type: 'bool', value: 'true' },
  NumberOfConnectors: { type: 'int', value: String(opt.connectors), readonly: true },
  MeterValuesSampledData: { type: 'csl', value: 'Energy.Active.Import.Register' },
  SupportedFeatureProfiles: { type: 'csl', value: 'Core', readonly: true },
};

let db = { config: {}, queue: [], txs: {}, nextTxKey: 1, nextMsgKey: 1, meters: {}, cache: {} };
if (fs.existsSync(opt.db)) {
  try {
    db = Object.assign(db, JSON.parse(fs.readFileSync(opt.db, 'utf8')));
  } catch (e) {
    log(`cannot read ${opt.db}: ${e.message}`);
  }
}
function save() {
  const tmp = `${opt.db}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  fs.writeSync(fd, JSON.stringify(db));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, opt.db);
}
function cfg(key) {
  return key in db.config ? db.config[key] : CONFIG[key].value;
}
function cfgInt(key) {
  return Number(cfg(key));
}

// ---- connectors -------------------------------------------------------------------------------
const conns = [];
for (let c = 1; c <= opt.connectors; c++) {
  conns[c] = { id: c, plugged: false, status: 'Available', errorCode: 'NoError', tx: null, authorized: null, meterTimer: null };
  if (db.meters[c] === undefined) db.meters[c] = 0;
}
let cp0Status = 'Available';

// ---- connection -------------------------------------------------------------------------------
let client = null;
let connected = false;
let registration = 'Unknown';
let heartbeatTimer = null;
let bootTimer = null;

function setStatus(c, status) {
  const conn = conns[c];
  if (conn.status === status) return;
  conn.status = status;
  out({ event: 'status', connectorId: c, status, errorCode: conn.errorCode });
  if (registration === 'Accepted' && connected) {
    callSafe('StatusNotification', { connectorId: c, status, errorCode: conn.errorCode, timestamp: new Date().toISOString() });
  }
}

async function callSafe(action, payload) {
  try {
    return await client.call(action, payload);
  } catch (e) {
    log(`${action} failed: ${e.message}`);
    return null;
  }
}

async function boot() {
  if (!connected) return;
  try {
    const r = await client.call('BootNotification', {
      chargePointVendor: 'FakeVendor', chargePointModel: 'FakeCharger', firmwareVersion: '0.0.1',
    });
    registration = r.status;
    out({ event: 'boot', status: r.status, interval: r.interval });
    if (r.status === 'Accepted') {
      if (r.interval > 0) db.config.HeartbeatInterval = String(r.interval);
      save();
      startHeartbeat();
      callSafe('StatusNotification', { connectorId: 0, status: cp0Status, errorCode: 'NoError' });
      for (let c = 1; c <= opt.connectors; c++) {
        callSafe('StatusNotification', { connectorId: c, status: conns[c].status, errorCode: conns[c].errorCode });
      }
      pump();
    } else {
      bootTimer = setTimeout(boot, Math.max(1, r.interval || 10) * 1000);
    }
  } catch (e) {
    log(`BootNotification failed: ${e.message}`);
  }
}

function startHeartbeat() {
  clearInterval(heartbeatTimer);
  const s = cfgInt('HeartbeatInterval');
  if (s > 0) heartbeatTimer = setInterval(() => callSafe('Heartbeat', {}), s * 1000);
}

async function connectLoop() {
  let backoff = opt.backoffMinMs;
  while (!quitting) {
    try {
      await client.connect();
      return;
    } catch (e) {
      log(`connect failed: ${e.message}; retry in ${backoff} ms`);
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(opt.backoffMaxMs, backoff * 2);
    }
  }
}

function makeClient() {
  client = new RPCClient({
    endpoint: opt.url, identity: opt.id, protocols: ['ocpp1.6'], strictMode: false,
    password: opt.password || null, reconnect: true, callTimeoutMs: 5000,
    backoff: { initialDelay: opt.backoffMinMs, maxDelay: opt.backoffMaxMs, factor: 2, randomisationFactor: 0.25 },
  });
  client.on('open', () => {
    connected = true;
    registration = 'Unknown';
    out({ event: 'connected' });
    boot();
  });
  client.on('disconnect', ({ code, reason }) => {
    connected = false;
    clearInterval(heartbeatTimer);
    clearTimeout(bootTimer);
    out({ event: 'disconnected', reason: `${code} ${reason || ''}`.trim() });
  });
  client.on('close', () => {
    if (!quitting) setTimeout(connectLoop, opt.backoffMinMs);
  });
  if (opt.logFrames) {
    client.on('message', ({ message, outbound }) => out({ event: 'frame', dir: outbound ? 'tx' : 'rx', text: String(message) }));
  }
  client.handle(onCall);
  // OCPP-J 1.6 §4.1.3: ignore a message type number other than 2, 3, 4 (ocpp-rpc would answer it).
  const onMessage = client._onMessage.bind(client);
  client._onMessage = (buf) => {
    let msg;
    try {
      msg = JSON.parse(buf.toString('utf8'));
    } catch (_) { /* handled by ocpp-rpc */ }
    if (Array.isArray(msg) && ![2, 3, 4].includes(msg[0])) {
      if (opt.logFrames) out({ event: 'frame', dir: 'rx', text: buf.toString('utf8') });
      return;
    }
    onMessage(buf);
  };
}

// ---- calls from the CSMS ----------------------------------------------------------------------
const CODE = {
  required: 'OccurenceConstraintViolation', type: 'TypeConstraintViolation', enum: 'PropertyConstraintViolation',
  pattern: 'PropertyConstraintViolation', additionalProperties: 'PropertyConstraintViolation',
  maxLength: 'PropertyConstraintViolation', format: 'PropertyConstraintViolation',
};
const IMPLEMENTED = new Set(['GetConfiguration', 'ChangeConfiguration', 'RemoteStartTransaction', 'RemoteStopTransaction']);

async function onCall({ method, params, messageId }) {
  if (registration === 'Rejected') return NOREPLY; // §4.2: no answer while Rejected
  if (!IMPLEMENTED.has(method)) throw createRPCError('NotImplemented', `${method} is not implemented`);
  try {
    validator.validate(`urn:${method}.req`, params);
  } catch (e) {
    const kw = e.details && e.details.errors && e.details.errors[0] && e.details.errors[0].keyword;
    // Answer by hand: ocpp-rpc would rename the 1.6 error code.
    client.sendRaw(JSON.stringify([4, messageId, CODE[kw] || 'FormationViolation', e.message, {}]));
    return NOREPLY;
  }
  if (registration === 'Pending' && (method === 'RemoteStartTransaction' || method === 'RemoteStopTransaction')) {
    return { status: 'Rejected' };
  }
  switch (method) {
    case 'GetConfiguration': {
      const keys = params.key && params.key.length ? params.key : Object.keys(CONFIG);
      const configurationKey = [];
      const unknownKey = [];
      for (const k of keys) {
        if (CONFIG[k]) configurationKey.push({ key: k, readonly: !!CONFIG[k].readonly, value: cfg(k) });
        else unknownKey.push(k);
      }
      return unknownKey.length ? { configurationKey, unknownKey } : { configurationKey };
    }
    case 'ChangeConfiguration': {
      const d = CONFIG[params.key];
      if (!d) return { status: 'NotSupported' };
      if (d.readonly) return { status: 'Rejected' };
      const v = params.value;
      if (d.type === 'int' && (!/^-?\d+$/.test(v) || Number(v) < (d.min ?? -Infinity))) return { status: 'Rejected' };
      if (d.type === 'bool' && !/^(true|false)$/i.test(v)) return { status: 'Rejected' };
      db.config[params.key] = d.type === 'bool' ? v.toLowerCase() : v;
      save();
      out({ event: 'configuration_changed', key: params.key, value: db.config[params.key] });
      if (params.key === 'HeartbeatInterval') startHeartbeat();
      if (params.key === 'MeterValueSampleInterval') for (let c = 1; c <= opt.connectors; c++) if (conns[c].tx) startSampler(c);
      return { status: 'Accepted' };
    }
    case 'RemoteStartTransaction': {
      const c = params.connectorId ?? firstFree();
      const ok = c >= 1 && c <= opt.connectors && !conns[c].tx && conns[c].status !== 'Faulted';
      out({ event: 'remote_start', connectorId: params.connectorId ?? 0, idTag: params.idTag, status: ok ? 'Accepted' : 'Rejected' });
      if (!ok) return { status: 'Rejected' };
      setImmediate(async () => {
        if (cfg('AuthorizeRemoteTxRequests') === 'true') {
          if (!(await authorize(params.idTag))) return;
        }
        conns[c].authorized = params.idTag;
        if (conns[c].plugged) startTx(c);
        else setStatus(c, 'Preparing');
      });
      return { status: 'Accepted' };
    }
    case 'RemoteStopTransaction': {
      const c = conns.findIndex((x) => x && x.tx && db.txs[x.tx].transactionId === params.transactionId);
      out({ event: 'remote_stop', transactionId: params.transactionId, status: c > 0 ? 'Accepted' : 'Rejected' });
      if (c <= 0) return { status: 'Rejected' };
      setImmediate(() => stopTx(c, 'Remote'));
      return { status: 'Accepted' };
    }
  }
  throw createRPCError('NotImplemented');
}

function firstFree() {
  for (let c = 1; c <= opt.connectors; c++) if (!conns[c].tx) return c;
  return 1;
}

// ---- authorization, transactions ---------------------------------------------------------------
async function authorize(idTag) {
  let status;
  if (connected && registration === 'Accepted') {
    const r = await callSafe('Authorize', { idTag });
    if (r) {
      status = r.idTagInfo.status;
      db.cache[idTag] = status;
      save();
    }
  }
  if (!status) {
    status = cfg('LocalAuthorizeOffline') === 'true' && db.cache[idTag] === 'Accepted' ? 'Accepted' : 'Invalid';
  }
  out({ event: 'authorize', idTag, status });
  return status === 'Accepted';
}

function enqueue(action, payload, txKey) {
  db.queue.push({ key: db.nextMsgKey++, action, payload, txKey });
  save();
  pump();
}

function startTx(c) {
  const conn = conns[c];
  const txKey = db.nextTxKey++;
  const idTag = conn.authorized;
  conn.authorized = null;
  conn.tx = txKey;
  const meterStart = Math.floor(db.meters[c]);
  db.txs[txKey] = { txKey, connectorId: c, idTag, meterStart, transactionId: null, active: true };
  enqueue('StartTransaction', { connectorId: c, idTag, meterStart, timestamp: new Date().toISOString() }, txKey);
  out({ event: 'transaction_started', connectorId: c, idTag, txKey });
  setStatus(c, 'Charging');
  let last = Date.now();
  conn.meterTimer = setInterval(() => {
    const now = Date.now();
    db.meters[c] += (opt.power * (now - last)) / 3600000;
    last = now;
  }, 200);
  startSampler(c);
}

function startSampler(c) {
  const conn = conns[c];
  clearInterval(conn.sampler);
  const s = cfgInt('MeterValueSampleInterval');
  if (s > 0) {
    conn.sampler = setInterval(() => {
      enqueue('MeterValues', {
        connectorId: c,
        meterValue: [{
          timestamp: new Date().toISOString(),
          sampledValue: [{ value: String(Math.floor(db.meters[c])), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
        }],
      }, conn.tx);
    }, s * 1000);
  }
}

function stopTx(c, reason) {
  const conn = conns[c];
  if (!conn.tx) return;
  const tx = db.txs[conn.tx];
  clearInterval(conn.meterTimer);
  clearInterval(conn.sampler);
  tx.active = false;
  const meterStop = Math.floor(db.meters[c]);
  const payload = { meterStop, timestamp: new Date().toISOString(), reason };
  if (reason === 'Local') payload.idTag = tx.idTag;
  enqueue('StopTransaction', payload, tx.txKey);
  out({ event: 'transaction_stopped', connectorId: c, txKey: tx.txKey, transactionId: tx.transactionId, reason, meterStop });
  conn.tx = null;
  setStatus(c, conn.plugged ? 'Finishing' : 'Available');
}

let pumping = false;
async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (db.queue.length && connected && registration === 'Accepted') {
      const m = db.queue[0];
      const tx = db.txs[m.txKey];
      const payload = Object.assign({}, m.payload);
      if (m.action !== 'StartTransaction') {
        if (tx.transactionId == null) break; // cannot happen: Start is ahead in the queue
        payload.transactionId = tx.transactionId;
      }
      let r;
      try {
        r = await client.call(m.action, payload);
      } catch (e) {
        if (e.rpcErrorCode) {
          m.attempts = (m.attempts || 0) + 1;
          if (m.attempts < cfgInt('TransactionMessageAttempts')) {
            save();
            await new Promise((res) => setTimeout(res, cfgInt('TransactionMessageRetryInterval') * 1000 * m.attempts));
            continue;
          }
        } else {
          break; // not delivered: wait for the next connection
        }
      }
      if (r && m.action === 'StartTransaction') {
        tx.transactionId = r.transactionId;
        out({ event: 'transaction_id', connectorId: tx.connectorId, txKey: tx.txKey, transactionId: r.transactionId, status: r.idTagInfo.status });
      }
      db.queue.shift();
      save();
    }
  } finally {
    pumping = false;
  }
}

// ---- stdin commands -----------------------------------------------------------------------------
let quitting = false;
async function command(line) {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const n = (i, def) => (args[i] === undefined ? def : Number(args[i]));
  const bad = (msg) => out({ event: 'error', message: msg || `bad command: ${line}` });
  const connArg = (i) => {
    const c = n(i, NaN);
    if (!(c >= 1 && c <= opt.connectors)) {
      bad(`bad connector in: ${line}`);
      return 0;
    }
    return c;
  };
  switch (cmd) {
    case 'plug': {
      const c = connArg(0);
      if (!c) return;
      conns[c].plugged = true;
      if (conns[c].authorized) startTx(c);
      else setStatus(c, 'Preparing');
      return;
    }
    case 'unplug': {
      const c = connArg(0);
      if (!c) return;
      conns[c].plugged = false;
      if (conns[c].tx) stopTx(c, 'EVDisconnected');
      setStatus(c, 'Available');
      return;
    }
    case 'tag': {
      const idTag = args[0];
      if (!idTag) return bad();
      const running = conns.findIndex((x) => x && x.tx && db.txs[x.tx].idTag === idTag);
      if (running > 0) return stopTx(running, 'Local');
      const c = args[1] ? connArg(1) : firstFree();
      if (!c) return;
      if (await authorize(idTag)) {
        conns[c].authorized = idTag;
        if (conns[c].plugged) startTx(c);
      }
      return;
    }
    case 'meter': {
      const c = connArg(0);
      if (!c) return;
      db.meters[c] = n(1, 0);
      save();
      return;
    }
    case 'fault': {
      const c = connArg(0);
      if (!c) return;
      conns[c].errorCode = args[1] || 'OtherError';
      setStatus(c, 'Faulted');
      return;
    }
    case 'clear': {
      const c = connArg(0);
      if (!c) return;
      conns[c].errorCode = 'NoError';
      setStatus(c, conns[c].plugged ? 'Preparing' : 'Available');
      return;
    }
    case 'stop': {
      const c = connArg(0);
      if (!c) return;
      stopTx(c, 'Local');
      return;
    }
    case 'status':
      out({
        event: 'state', connected, registration, queue: db.queue.length,
        connectors: conns.filter(Boolean).map((x) => ({
          connectorId: x.id, status: x.status, transactionId: x.tx ? db.txs[x.tx].transactionId : null,
          txKey: x.tx, meterWh: Math.floor(db.meters[x.id]),
        })),
      });
      return;
    case 'quit':
      return shutdown();
    default:
      return bad();
  }
}

async function shutdown() {
  if (quitting) return;
  quitting = true;
  save();
  try {
    await client.close({ code: 1000, force: true });
  } catch (_) { /* ignore */ }
  out({ event: 'stopped' });
  process.exit(0);
}

// ---- start ------------------------------------------------------------------------------------
// A transaction still active in the file was cut by a power loss: stop it now.
for (const tx of Object.values(db.txs)) {
  if (tx.active) {
    tx.active = false;
    db.queue.push({
      key: db.nextMsgKey++, action: 'StopTransaction', txKey: tx.txKey,
      payload: { meterStop: Math.floor(db.meters[tx.connectorId]), timestamp: new Date().toISOString(), reason: 'PowerLoss' },
    });
    out({ event: 'transaction_stopped', connectorId: tx.connectorId, txKey: tx.txKey, transactionId: tx.transactionId, reason: 'PowerLoss', meterStop: Math.floor(db.meters[tx.connectorId]) });
  }
}
save();
out({ event: 'ready', id: opt.id, connectors: opt.connectors });
readline.createInterface({ input: process.stdin }).on('line', (l) => { if (l.trim()) command(l); });
process.stdin.on('end', () => shutdown());
process.on('SIGTERM', () => shutdown());
makeClient();
connectLoop();
