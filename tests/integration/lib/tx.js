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

module.exports = { endTransactionAfterRestart };
