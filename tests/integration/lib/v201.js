// OCPP 2.0.1 scenarios: a 2.0.1 CSMS (csms.js with ocpp '2.0.1') and ocpp-chargerd --ocpp 2.0.1.
'use strict';

/** Starts ocpp-chargerd in OCPP 2.0.1 mode against `csms` (see T.startChargerd). */
function startStation(t, csms, opts = {}) {
  return t.startChargerd(csms, Object.assign({}, opts, { extraArgs: ['--ocpp', '2.0.1', ...(opts.extraArgs || [])] }));
}

/**
 * A 2.0.1 CSMS and a station, once the station is Accepted and has reported connector 1 of
 * every EVSE. Returns {csms, cp, boot}.
 */
async function bootedStation(t, { csmsOpts = {}, cpOpts = {}, timeoutMs = 15000 } = {}) {
  const csms = await t.startCsms(Object.assign({ ocpp: '2.0.1' }, csmsOpts));
  const cp = await startStation(t, csms, cpOpts);
  const boot = await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted', { timeoutMs, desc: 'boot Accepted' });
  for (let evse = 1; evse <= cp.o.connectors; evse++) {
    await csms.waitForCall('StatusNotification', (p) => p.evseId === evse && p.connectorId === 1, { timeoutMs });
  }
  return { csms, cp, boot };
}

/** Waits for a StatusNotificationRequest of EVSE `evse` (connector 1) with `status`, from record `from`. */
function statusCall(csms, evse, status, from, timeoutMs = 5000) {
  return csms.waitForCall('StatusNotification',
    (p) => p.evseId === evse && p.connectorId === 1 && p.connectorStatus === status, { from, timeoutMs });
}

module.exports = { startStation, bootedStation, statusCall };
