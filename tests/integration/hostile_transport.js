// integration.hostile_transport — a CSMS that abuses the WebSocket layer: messages just under
// and over the 1 MiB receive limit (in one frame and in many fragments), a 16 MiB message, and
// text messages that are not UTF-8. A transaction runs all the while.
//
// What is due:
//   The receive limit (ConnectOptions::max_message_size): a message of
//   up to 1 MiB (1,048,576 bytes) is read and handled; a longer one closes the connection with
//   status 1009 "message too big" (RFC 6455 §7.4.1) without reading it into memory. The charge
//   point then reconnects: no new BootNotification within the same run (OCPP-J 1.6 §5.4, our
//   reading in docs/protocol-choices.md "Boot"), the status of every connector, and the
//   transaction messages resume where they were (OCPP 1.6 §3.7: queued, delivered in order).
//   UTF-8: OCPP-J 1.6 §4.1.2 "MUST be valid JSON encoded with the UTF-8 character encoding";
//   RFC 6455 §8.1: an endpoint that finds a text message is not valid UTF-8 MUST _Fail the
//   WebSocket Connection_ (status 1007, §7.4.1). A UTF-8 sequence split across two fragments is
//   valid (§5.6: the whole message is what counts).
// Every case checks the daemon is alive without a sanitizer report; the end checks that no
// transaction message was lost (lib/hostile.js checkLedger).
'use strict';

const { scenario } = require('./lib/harness');
const h = require('./lib/hostile');

const MiB = 1024 * 1024;

// A DataTransfer CALL for the daemon's own vendor ("ocpp-client": it echoes data back) whose
// text is exactly `size` bytes long.
function dataTransferOfSize(id, size) {
  const head = `[2,"${id}","DataTransfer",{"vendorId":"ocpp-client","messageId":"big","data":"`;
  const tail = '"}]';
  const pad = size - Buffer.byteLength(head) - Buffer.byteLength(tail);
  if (pad < 0) throw new Error('size too small');
  return head + 'd'.repeat(pad) + tail;
}

scenario('hostile_transport', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair();
  await h.configure(t, csms, { MeterValueSampleInterval: 1 });

  t.step('a transaction runs during the whole scenario');
  const txId = await h.startTransaction(t, csms, cp, 'HOSTILE-WS');
  let m;

  // After a close by the charger: it reconnects at once (back-off), sends no BootNotification,
  // reports every connector, and MeterValues of the transaction flow again. The new connection
  // may open before the CSMS sees the old one go: the charger reconnects as soon as it failed the
  // old one, while its close handshake waits for the CSMS's close frame, which follows whatever
  // the CSMS was still sending (the rest of a 16 MiB message).
  async function checkResumed(gone, from, label) {
    const conn = await csms.waitFor((r) => r.kind === 'CONNECTED' && r.conn > gone.conn, { from, timeoutMs: 10000, desc: 'the reconnect' });
    for (const c of [0, 1]) {
      await csms.waitForCall('StatusNotification', (p) => p.connectorId === c, { from: conn.seq, timeoutMs: 8000 });
    }
    const mv = await csms.waitForCall('MeterValues', (p) => p.transactionId === txId, { from: conn.seq, timeoutMs: 8000 });
    t.ok(`${label}: reconnected (connection #${conn.conn}), no BootNotification, status of connectors 0 and 1, MeterValues of ${txId} again`, () => {
      assert.equal(csms.callsFromCharger('BootNotification', from).length, 0);
      assert.ok(mv);
    });
    await h.probe(csms);
    await h.checkAlive(t, cp, label);
  }

  // -------------------------------------------------------------------------------------------
  t.step('just under and at the 1 MiB receive limit: handled and answered');
  for (const [id, size, fragments] of [['big-at', MiB, 1], ['big-under', MiB - 1, 1], ['big-frag', MiB, 64]]) {
    const frame = dataTransferOfSize(id, size);
    const mk = csms.mark();
    let reply;
    if (fragments > 1) {
      sendTextBytes(csms, Buffer.from(frame), fragments, id);
      reply = await csms.waitForReplyTo(id, { from: mk, timeoutMs: 10000 });
    } else {
      reply = await h.rawCall(csms, frame, id, { timeoutMs: 10000 });
    }
    const dataLen = JSON.parse(frame)[3].data.length;
    t.ok(`DataTransfer of ${size} bytes${fragments > 1 ? ` in ${fragments} fragments` : ''} -> ${reply ? `${reply.kind} (${reply.raw.length} bytes)` : 'no answer'}: Accepted, the data echoed (${dataLen} characters)`, () => {
      assert.ok(reply, 'no answer');
      assert.equal(reply.kind, 'CALLRESULT', String(reply.raw).slice(0, 200));
      assert.equal(reply.payload.status, 'Accepted');
      assert.equal(reply.payload.data.length, dataLen);
    });
  }
  t.ok('the connection stayed open', () => assert.equal(h.disconnects(csms).length, 0));
  await h.checkAlive(t, cp, 'the 1 MiB messages');

  // -------------------------------------------------------------------------------------------
  t.step('over the limit: closed with 1009, reconnected, resumed');
  const over = [
    ['1 MiB + 1 byte in one frame', (id) => csms.sendRaw(dataTransferOfSize(id, MiB + 1))],
    ['1 MiB + 1 byte in 300 fragments', (id) => sendTextBytes(csms, Buffer.from(dataTransferOfSize(id, MiB + 1)), 300, id)],
    ['16 MiB in one frame', (id) => csms.sendRaw(dataTransferOfSize(id, 16 * MiB))],
  ];
  for (const [label, send] of over) {
    const id = `over-${csms.mark()}`;
    m = csms.mark();
    const peakBefore = peakRssKiB(cp);
    h.markBreaking(csms);
    send(id);
    const gone = await csms.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 10000, desc: 'the close' });
    const grew = peakRssKiB(cp) - peakBefore;
    t.ok(`${label} -> the charger closed with ${gone.code} (1009 "message too big", RFC 6455 §7.4.1), no answer to ${id}; peak memory grew by ${grew} KiB`, () => {
      assert.equal(gone.code, 1009);
      assert.equal(csms.find((r) => r.dir === 'in' && r.id === id, m).length, 0);
      // The rest of the message is discarded as it arrives, never buffered.
      assert.ok(grew < 4096, `peak RSS grew by ${grew} KiB`);
    });
    await checkResumed(gone, m, label);
  }

  // -------------------------------------------------------------------------------------------
  t.step('text that is not UTF-8: the connection is failed with 1007 (RFC 6455 §8.1)');
  const bad = [
    ['0xFF inside a string of a CALL', Buffer.concat([Buffer.from('[2,"utf-ff","DataTransfer",{"vendorId":"'), Buffer.from([0xff]), Buffer.from('"}]')])],
    ['an overlong "/" (C0 AF)', Buffer.concat([Buffer.from('[2,"utf-ovl","DataTransfer",{"vendorId":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}]')])],
    ['a UTF-16 surrogate encoded in UTF-8 (ED A0 80)', Buffer.concat([Buffer.from('[2,"utf-sur","DataTransfer",{"vendorId":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}]')])],
    ['a code point above U+10FFFF (F4 90 80 80)', Buffer.concat([Buffer.from('[2,"utf-big","DataTransfer",{"vendorId":"'), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from('"}]')])],
    ['a truncated sequence at the end (E2 82)', Buffer.concat([Buffer.from('[2,"utf-cut","DataTransfer",{}]'), Buffer.from([0xe2, 0x82])])],
    ['invalid bytes in the message id', Buffer.concat([Buffer.from('[2,"'), Buffer.from([0xc3, 0x28]), Buffer.from('","ClearCache",{}]')])],
  ];
  for (const [label, bytes] of bad) {
    m = csms.mark();
    h.markBreaking(csms);
    sendTextBytes(csms, bytes, 1, label);
    const gone = await csms.waitFor((r) => r.kind === 'DISCONNECTED', { from: m, timeoutMs: 10000, desc: 'the close' });
    t.ok(`${label} -> closed with ${gone.code} (1007 invalid frame payload data), nothing answered`, () => {
      assert.equal(gone.code, 1007);
      assert.equal(csms.find((r) => r.dir === 'in' && r.kind !== 'CALL', m).length, 0);
    });
    await checkResumed(gone, m, label);
  }

  t.step('valid UTF-8 split across fragments is one valid message');
  m = csms.mark();
  // "€" is E2 82 AC; the fragments cut it after E2 and after 82.
  const euro = Buffer.from('[2,"utf-split","DataTransfer",{"vendorId":"ocpp-client","data":"€€€"}]');
  const at = euro.indexOf(0xe2);
  h.sendTextBytes(csms, euro, { cuts: [at + 1, at + 2], note: 'text message in 3 fragments, "€" split across them' });
  const split = await csms.waitForReplyTo('utf-split', { from: m, timeoutMs: 5000 });
  t.ok(`-> ${split.raw}: answered, the data intact`, () => {
    assert.equal(split.kind, 'CALLRESULT');
    assert.equal(split.payload.data, '€€€');
    assert.equal(h.disconnects(csms, m).length, 0);
  });
  await h.checkAlive(t, cp, 'the UTF-8 cases');

  // -------------------------------------------------------------------------------------------
  t.step('afterwards: the transaction completes, nothing lost');
  await h.stopCheckQuit(t, csms, cp);
}, { timeoutMs: 60000 });

// The daemon's peak resident memory (VmHWM), in KiB.
function peakRssKiB(cp) {
  const status = require('node:fs').readFileSync(`/proc/${cp.child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
}

function sendTextBytes(csms, bytes, fragments, label) {
  h.sendTextBytes(csms, bytes, { fragments, note: `${label}: raw text message of ${bytes.length} bytes${fragments > 1 ? ` in ${fragments} fragments` : ''}` });
}
