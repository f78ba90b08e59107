// Helpers shared by the restart scenarios.
'use strict';

/**
 * After the daemon restarted on the same DB, a transaction that was running when it died either
 * is stopped by the daemon on its own (StopTransaction.req, e.g. reason PowerLoss or Reboot) or
 * resumes (the `status` answer shows it on its connector); then `stop N` ends it.
 * Resolves with {stop: the StopTransaction CALL record, mode: 'stopped-on-restart'|'resumed'}.
 */
async function endTransactionAfterRestart({ csms, cp, transactionId, connectorId, from, graceMs = 3000 }) {
  const isStop = (p) => p.transactionId === transactionId;
  try {
    const stop = await csms.waitForCall('StopTransaction', isStop, { from, timeoutMs: graceMs });
    return { stop, mode: 'stopped-on-restart' };
  } catch (_) {
    // not stopped by itself: it must be running
  }
  const st = await cp.state();
  const c = st.connectors.find((x) => x.connectorId === connectorId);
  if (!c || c.transactionId !== transactionId) {
    throw new Error(`transaction ${transactionId} was neither stopped after the restart (no StopTransaction.req within ` +
      `${graceMs} ms) nor resumed (state: ${JSON.stringify(st)})`);
  }
  cp.send(`stop ${connectorId}`);
  const stop = await csms.waitForCall('StopTransaction', isStop, { from, timeoutMs: 8000 });
  return { stop, mode: 'resumed' };
}

/** Polls `status` until the daemon's queue of transaction messages is empty; resolves with the last state. */
async function waitQueueEmpty(cp, timeoutMs = 8000) {
  const until = Date.now() + timeoutMs;
  let st;
  do {
    st = await cp.state();
    if (st.queue === 0) return st;
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < until);
  return st;
}

module.exports = { endTransactionAfterRestart, waitQueueEmpty };
