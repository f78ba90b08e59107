// What the malformed-frame scenarios share (malformed.js for 1.6, v201_malformed.js for 2.0.1):
// sending a raw frame and catching the charger's reply, and checking a CALLERROR's shape and
// that the daemon's --log-frames output shows the same frame.
'use strict';

const assert = require('node:assert/strict');

/**
 * Sends `frame` raw. With an `id`: resolves with {reply, m}, the charger's reply record for that
 * id (null when none came within timeoutMs). Without: waits quietMs and resolves with
 * {replies, m}, every reply-like frame the charger sent meanwhile.
 */
async function rawExchange(t, csms, frame, id, { quietMs = 1500, timeoutMs = 4000 } = {}) {
  const m = csms.mark();
  csms.sendRaw(frame);
  if (id === undefined) {
    await t.sleep(quietMs);
    return { replies: csms.find((r) => r.dir === 'in' && r.kind !== 'CALL', m), m };
  }
  try {
    const reply = await csms.waitForReplyTo(id, { from: m, timeoutMs });
    return { reply, m };
  } catch (_) {
    return { reply: null, m };
  }
}

/** True when the daemon logged (--log-frames) the frame of record `rec` as sent. */
function loggedTx(cp, rec) {
  const want = JSON.stringify(JSON.parse(rec.raw));
  const same = (e) => {
    try {
      return e.event === 'frame' && e.dir === 'tx' && JSON.stringify(JSON.parse(e.text)) === want;
    } catch (_) {
      return false;
    }
  };
  return cp.waitFor(same, { timeoutMs: 3000, desc: `--log-frames tx ${rec.raw}` }).then(() => true, () => false);
}

/**
 * Checks that `reply` is a CALLERROR with `code` and the CALL's `id`, of 5 elements with a string
 * description and an object for details, and that the daemon logged it as sent. `ref` names the
 * section of the specification.
 */
async function checkCallError(t, cp, label, reply, id, code, ref) {
  t.ok(`${label} -> CALLERROR ${reply ? `${reply.errorCode} "${reply.errorDescription}"` : '(no reply)'}; expected ${code} (${ref})`, () => {
    assert.ok(reply, 'no reply from the charger');
    assert.equal(reply.kind, 'CALLERROR', `got ${reply.raw}`);
    assert.equal(reply.errorCode, code);
  });
  t.ok(`  its frame ${reply.raw} has 5 elements, the CALL's id, a string description, an object for details`, () => {
    assert.equal(reply.elements, 5);
    assert.equal(reply.id, id);
    assert.equal(typeof reply.errorDescription, 'string');
    assert.ok(reply.errorDetails && typeof reply.errorDetails === 'object' && !Array.isArray(reply.errorDetails));
  });
  const logged = await loggedTx(cp, reply);
  t.ok('  the daemon logged the same frame as sent (--log-frames)', () => assert.ok(logged));
}

module.exports = { rawExchange, loggedTx, checkCallError };
