// integration.hostile_upgrade — the CSMS goes away mid-transaction and something else answers
// on its port: a TCP server that accepts and never answers the WebSocket upgrade, then one that
// sends half a "101 Switching Protocols" and stalls, a 101 with a wrong Sec-WebSocket-Accept,
// bytes that are not HTTP, an HTTP 500, and a connection reset. Then the real CSMS comes back on
// the same port.
//
// What is due:
//   The charger gives up an attempt that is not open within the connect timeout
//   (--connect-timeout-s, ChargePointConfig::connect_timeout) and tries again after the back-off
//   (exponential with jitter: attempt n waits between min·2^n/2 and min·2^n, capped;
//   docs/architecture.md, src/core/backoff.hpp), so successive waits never shrink before the cap.
//   A handshake that is not a valid upgrade (RFC 6455 §4.1: status 101, Upgrade, Connection,
//   the Sec-WebSocket-Accept of our key; OCPP-J 1.6 §3.2 and RFC 6455 §4.1: the server must
//   select one of the offered subprotocols, ocpp1.6) never counts as open. Meanwhile the charger keeps charging and queues its transaction messages (OCPP 1.6
//   §3.7); when the CSMS is back it connects, sends no new BootNotification (OCPP-J 1.6 §5.4),
//   and delivers the queue in order with the transactionId it has (lib/hostile.js checkLedger).
'use strict';

const crypto = require('node:crypto');
const net = require('node:net');
const { EventEmitter } = require('node:events');
const { scenario } = require('./lib/harness');
const h = require('./lib/hostile');

const CONNECT_TIMEOUT_S = 2;
const BACKOFF_MIN_MS = 400;
const BACKOFF_MAX_MS = 1600;

// What the server on the CSMS's port does with the n-th connection (the last one repeats).
const BEHAVIOURS = {
  silent: { label: 'accepts, never answers the upgrade', stalls: true, act: () => {} },
  partial101: {
    label: 'answers "HTTP/1.1 101 Switching Protocols" and one header, then stalls',
    stalls: true,
    act: (s) => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'),
  },
  badAccept: {
    label: 'answers 101 with a wrong Sec-WebSocket-Accept',
    act: (s) => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n'),
  },
  noProtocol: {
    label: 'completes the upgrade but selects no subprotocol',
    act: (s, req) => s.write(upgradeAnswer(req, null)),
  },
  otherProtocol: {
    label: 'completes the upgrade with subprotocol ocpp2.0.1, which was not offered',
    act: (s, req) => s.write(upgradeAnswer(req, 'ocpp2.0.1')),
  },
  garbage: {
    label: 'answers 4 KiB of bytes that are not HTTP and closes',
    act: (s) => s.end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff))),
  },
  http500: {
    label: 'answers HTTP 500 and closes',
    act: (s) => s.end('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops\n'),
  },
  reset: { label: 'resets the connection', act: (s) => s.resetAndDestroy() },
};
const SEQUENCE = ['silent', 'silent', 'partial101', 'badAccept', 'noProtocol', 'otherProtocol', 'garbage', 'http500', 'reset'];

// A correct 101 answer to the upgrade request `req` (RFC 6455 §4.2.2), with `protocol` or none.
function upgradeAnswer(req, protocol) {
  const key = /\r\nsec-websocket-key:\s*([^\r]+)\r\n/i.exec(req)[1].trim();
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  return 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${accept}\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`;
}

// A TCP server that treats each connection per SEQUENCE once its upgrade request is complete.
class HostileServer extends EventEmitter {
  constructor() {
    super();
    this.conns = [];
    this.sockets = new Set();
    this.server = net.createServer((sock) => this._onConnection(sock));
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
  }

  close() {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves once `pred()` holds (checked on every connection event); rejects after timeoutMs. */
  until(pred, timeoutMs, desc) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred()) return;
        clearTimeout(timer);
        this.off('change', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('change', check);
        reject(new Error(`hostile server: timed out after ${timeoutMs} ms waiting for ${desc}`));
      }, timeoutMs);
      this.on('change', check);
      check();
    });
  }

  _onConnection(sock) {
    const name = SEQUENCE[Math.min(this.conns.length, SEQUENCE.length - 1)];
    const c = { name, behaviour: BEHAVIOURS[name], accepted: Date.now(), closed: null, request: '', acted: false };
    this.conns.push(c);
    this.sockets.add(sock);
    sock.on('error', () => {});
    sock.on('data', (d) => {
      c.request += d.toString('latin1');
      if (!c.acted && c.request.includes('\r\n\r\n')) {
        c.acted = true;
        c.behaviour.act(sock, c.request);
      }
    });
    sock.on('close', () => {
      this.sockets.delete(sock);
      c.closed = Date.now();
      this.emit('change');
    });
    this.emit('change');
  }
}

scenario('hostile_upgrade', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({
    cpOpts: { connectTimeoutS: CONNECT_TIMEOUT_S, backoffMinMs: BACKOFF_MIN_MS, backoffMaxMs: BACKOFF_MAX_MS },
  });
  await h.configure(t, csms, { MeterValueSampleInterval: 1 });
  const txId = await h.startTransaction(t, csms, cp, 'HOSTILE-UPGRADE');
  const port = csms.port;

  // -------------------------------------------------------------------------------------------
  t.step(`the CSMS goes away; a server on port ${port} ${BEHAVIOURS.silent.label}`);
  const e = cp.mark();
  await csms.stop();
  const hostile = new HostileServer();
  await hostile.listen(port);
  await cp.waitFor((x) => x.event === 'disconnected', { from: e, timeoutMs: 5000 });
  const silent = SEQUENCE.filter((n) => n === 'silent').length;
  await hostile.until(() => hostile.conns.length > silent, 30000, `connection #${silent + 1}`);
  const conns = hostile.conns.slice(0, silent);
  t.ok(`the upgrade request is a proper one: ${JSON.stringify(conns[0].request.split('\r\n')[0])}, Upgrade: websocket, Sec-WebSocket-Protocol: ocpp1.6`, () => {
    const req = conns[0].request;
    assert.match(req, /^GET \/CP-hostile_upgrade-1 HTTP\/1\.1\r\n/);
    assert.match(req, /\r\nupgrade: websocket\r\n/i);
    assert.match(req, /\r\nsec-websocket-protocol: ocpp1\.6\r\n/i);
  });
  const held = conns.map((c) => c.closed - c.accepted);
  t.ok(`each of the ${silent} attempts was given up by the charger after the ${CONNECT_TIMEOUT_S} s connect timeout: held ${held.join(' / ')} ms`, () => {
    for (const ms of held) assert.ok(ms >= CONNECT_TIMEOUT_S * 1000 - 100 && ms <= CONNECT_TIMEOUT_S * 1000 + 1500, `${ms} ms`);
  });
  const waits = conns.slice(1).map((c, i) => c.accepted - conns[i].closed).concat([hostile.conns[silent].accepted - conns[silent - 1].closed]);
  t.ok(`back-off between attempts: ${waits.join(' / ')} ms (each within [${BACKOFF_MIN_MS / 2}, ${BACKOFF_MAX_MS}] ms, never shrinking before the cap)`, () => {
    for (const w of waits) assert.ok(w >= BACKOFF_MIN_MS / 2 - 50 && w <= BACKOFF_MAX_MS + 500, `${w} ms`);
    for (let i = 1; i < waits.length; i++) {
      if (waits[i - 1] < BACKOFF_MAX_MS / 2) assert.ok(waits[i] >= waits[i - 1] - 100, `${waits[i]} after ${waits[i - 1]}`);
    }
  });
  const st = await h.checkAlive(t, cp, 'the unanswered upgrades');
  t.ok(`meanwhile: not connected, still charging (connector 1 ${st.connectors[0].status}, transaction ${st.connectors[0].transactionId}), ${st.queue} transaction messages queued`, () => {
    assert.equal(st.connected, false);
    assert.equal(st.connectors[0].status, 'Charging');
    assert.equal(st.connectors[0].transactionId, txId);
    assert.ok(st.queue >= 1);
  });

  // -------------------------------------------------------------------------------------------
  t.step('broken handshakes: half a 101, a wrong accept key, no or another subprotocol, not HTTP, HTTP 500, a reset');
  const stopped = cp.mark();
  cp.send('stop 1');
  await cp.waitFor((x) => x.event === 'transaction_stopped', { from: stopped, timeoutMs: 5000 });
  t.ok('the transaction stopped while the charger cannot reach the CSMS (StopTransaction queued)', true);
  await hostile.until(() => hostile.conns.length >= SEQUENCE.length && hostile.conns.every((c) => c.closed), 30000,
    'every broken handshake tried and closed');
  for (const c of hostile.conns.slice(silent, SEQUENCE.length)) {
    t.ok(`${c.behaviour.label}: the charger ${c.behaviour.stalls ? `gave up after ${c.closed - c.accepted} ms (connect timeout)` : `closed after ${c.closed - c.accepted} ms`} and tried again`, () => {
      if (c.behaviour.stalls) assert.ok(c.closed - c.accepted >= CONNECT_TIMEOUT_S * 1000 - 100);
      else assert.ok(c.closed - c.accepted < CONNECT_TIMEOUT_S * 1000, 'waited for the timeout');
    });
  }
  const st2 = await h.checkAlive(t, cp, 'the broken handshakes');
  t.ok(`never counted as connected: ${cp.find((x) => x.event === 'connected', e).length} connected events, state connected=${st2.connected}`, () => {
    assert.equal(cp.find((x) => x.event === 'connected', e).length, 0);
    assert.equal(st2.connected, false);
  });

  // -------------------------------------------------------------------------------------------
  t.step(`the real CSMS back on port ${port}`);
  await hostile.close();
  const m = csms.mark();
  await csms.start();
  const conn = await csms.waitForConnection({ from: m, timeoutMs: BACKOFF_MAX_MS + 5000 });
  for (const c of [0, 1]) await csms.waitForCall('StatusNotification', (p) => p.connectorId === c, { from: conn.seq, timeoutMs: 8000 });
  t.ok('connected; no BootNotification (same run), the status of connectors 0 and 1', () =>
    assert.equal(csms.callsFromCharger('BootNotification', m).length, 0));
  await h.checkAndQuit(t, csms, cp);
}, { timeoutMs: 60000 });
