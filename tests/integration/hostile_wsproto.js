// integration.hostile_wsproto — a CSMS that breaks the WebSocket framing itself (raw bytes on
// its socket): reserved opcodes and bits, control frames that are fragmented or too long, a
// continuation without a start, a new message in the middle of a fragmented one, close frames
// with codes that must not be sent, a length with its top bit set; and legal but unusual traffic: a ping with the largest payload, a burst of 1,000 pings, an unsolicited pong.
// A transaction runs all the while.
//
// What is due (RFC 6455, the transport of OCPP-J 1.6 §3):
//   §5.2: RSV bits must be 0 without a negotiated extension, opcodes 3-7 and B-F are reserved,
//   the most significant bit of a 64-bit length must be 0 — otherwise the receiver MUST _Fail
//   the WebSocket Connection_ (§7.1.7); §5.4: control frames MUST NOT be fragmented, a
//   continuation needs a started message, data frames of another message may not be
//   interleaved; §5.5: control frames carry at most 125 bytes; §7.4: close codes 1005/1006/1015
//   and codes below 1000 are never sent (answered with 1002, protocol error); §5.5.2/5.5.3: a
//   ping is answered with a pong with its payload (of a burst, §5.5.3 lets only the most recent
//   be answered; libwebsockets 4.1 answers the first one); an unsolicited pong is ignored.
//   Not covered: §5.1 (a client MUST close the connection on a masked frame) — libwebsockets 4.1
//   does not look at the mask bit on a client, and whether it unmasks the payload depends on its
//   parser's path (docs/robustness.md, "Hostile CSMS").
//   After a failed connection the charger reconnects without a new BootNotification
//   (OCPP-J 1.6 §5.4) and its transaction messages go on (OCPP 1.6 §3.7, lib/hostile.js
//   checkLedger).
'use strict';

const { scenario } = require('./lib/harness');
const h = require('./lib/hostile');

const code = (n, reason = '') => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return Buffer.concat([b, Buffer.from(reason)]);
};

// [label, bytes, the close code the CSMS must see (null: any, the TCP connection just ends)]
const FAILING = [
  ['a frame with reserved opcode 3', h.wsFrame(3, 'x'), null],
  ['a text frame with RSV1 set (no extension negotiated)', h.wsFrame(1, '[2,"rsv","ClearCache",{}]', { rsv: 0x40 }), null],
  ['a fragmented ping (FIN 0 on a control frame)', h.wsFrame(9, 'p', { fin: false }), null],
  ['a ping of 126 bytes (control frames carry at most 125)', h.wsFrame(9, 'p'.repeat(126)), null],
  ['a continuation frame with no message started', h.wsFrame(0, '[2,"cont","ClearCache",{}]'), null],
  ['a new text frame inside a fragmented message',
    Buffer.concat([h.wsFrame(1, '[2,"frag1",', { fin: false }), h.wsFrame(1, '"ClearCache",{}]')]), null],
  ['a 64-bit length with its top bit set',
    Buffer.concat([Buffer.from([0x81, 127]), Buffer.from('8000000000000010', 'hex'), Buffer.from('x'.repeat(16))]), null],
  ['a close frame with code 999', h.wsFrame(8, code(999)), 1002],
  ['a close frame with code 1005 (never sent on the wire)', h.wsFrame(8, code(1005)), 1002],
  ['a close frame with a 1-byte payload', h.wsFrame(8, Buffer.from([3])), null],
];

scenario('hostile_wsproto', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair();
  await h.configure(t, csms, { MeterValueSampleInterval: 1 });
  await h.startTransaction(t, csms, cp, 'HOSTILE-WSPROTO');

  // -------------------------------------------------------------------------------------------
  t.step('framing errors: the charger fails the connection, reconnects, resumes');
  for (const [label, bytes, want] of FAILING) {
    const m = csms.mark();
    h.sendRawBytes(csms, bytes, `raw bytes: ${label}`, { breaks: true });
    const gone = await csms.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 8000, desc: 'the connection to end' });
    const conn = await csms.waitForConnection({ from: gone.seq, timeoutMs: 8000 });
    for (const c of [0, 1]) await csms.waitForCall('StatusNotification', (p) => p.connectorId === c, { from: conn.seq, timeoutMs: 8000 });
    t.ok(`${label} -> connection failed (the CSMS saw code ${gone.code}${want ? `, expected ${want}` : ''}), nothing answered; reconnected without BootNotification, connectors reported`, () => {
      if (want) assert.equal(gone.code, want);
      assert.equal(csms.find((r) => r.dir === 'in' && r.kind !== 'CALL' && r.seq < gone.seq, m).length, 0);
      assert.equal(csms.callsFromCharger('BootNotification', m).length, 0);
    });
    h.assertHealthy(cp, `after ${label}`);
  }
  await h.checkAlive(t, cp, 'the framing errors');

  // -------------------------------------------------------------------------------------------
  t.step('legal control traffic: the connection stays');
  const m = csms.mark();
  let pongs = [];
  csms.client._ws.on('pong', (data) => pongs.push(data.toString()));
  const big = 'P'.repeat(125);
  h.sendRawBytes(csms, h.wsFrame(9, big), 'raw bytes: a ping with 125 bytes of payload');
  await h.probe(csms);
  t.ok(`a ping of 125 bytes -> ${pongs.length} pong(s), with the same payload (RFC 6455 §5.5.3)`, () => {
    assert.equal(pongs.length, 1);
    assert.equal(pongs[0], big);
  });
  // libwebsockets 4.1 answers a burst with one pong, for the first ping of it (§5.5.3 allows
  // answering only the most recent one); then a single ping is answered again.
  const pongFor = (payload) => new Promise((resolve, reject) => {
    const ws = csms.client._ws;
    const timer = setTimeout(() => reject(new Error(`no pong for "${payload}" within 8 s`)), 8000);
    const on = (data) => {
      if (data.toString() !== payload) return;
      clearTimeout(timer);
      ws.off('pong', on);
      resolve();
    };
    ws.on('pong', on);
  });
  pongs = [];
  h.sendRawBytes(csms, Buffer.concat(Array.from({ length: 1000 }, (_, i) => h.wsFrame(9, `ping-${i}`))), 'raw bytes: 1,000 pings');
  await h.probe(csms);
  const after = pongFor('after-burst');
  h.sendRawBytes(csms, h.wsFrame(9, 'after-burst'), 'raw bytes: one more ping');
  await after;
  t.ok(`1,000 pings in one burst -> ${pongs.length - 1} pong(s) (${pongs.slice(0, -1).slice(0, 3).join(', ')}...), each for a ping of the burst; the next ping answered again`, () => {
    assert.ok(pongs.length >= 2);
    for (const p of pongs.slice(0, -1)) assert.match(p, /^ping-\d+$/);
  });
  h.sendRawBytes(csms, h.wsFrame(10, 'unsolicited'), 'raw bytes: an unsolicited pong');
  await h.probe(csms);
  t.ok('an unsolicited pong is ignored', true);
  t.ok('the connection stayed open through all of it', () => assert.equal(h.disconnects(csms, m).length, 0));

  // -------------------------------------------------------------------------------------------
  t.step('afterwards: the transaction completes, nothing lost');
  await h.stopCheckQuit(t, csms, cp);
}, { timeoutMs: 60000 });
