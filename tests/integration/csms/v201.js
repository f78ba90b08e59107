// The OCPP 2.0.1 part of the test CSMS (csms.js with `ocpp: '2.0.1'`): its default answers to
// the Charging Station's CALLs and the timeline's key fields of 2.0.1 messages. Recording,
// strict schema validation (ocpp-rpc ships the 2.0.1 schemas) and violations are csms.js's.
'use strict';

const { createRPCError } = require('ocpp-rpc');

function nowIso() {
  return new Date().toISOString();
}

/**
 * The CSMS's answer to a CALL of the Charging Station: BootNotification per the boot policy,
 * Heartbeat, StatusNotification (remembered per EVSE/connector), TransactionEvent (recorded; an
 * idTokenInfo when it carries an idToken), Authorize (per the authorize policy), and {} for
 * NotifyReport, SecurityEventNotification, MeterValues and the other notifications below.
 * Anything else: CALLERROR NotImplemented.
 */
function defaultResponse(csms, action, params, ctx) {
  const tokenInfo = (idToken) => ({ idTokenInfo: { status: csms.idTagStatus(idToken.idToken) } });
  switch (action) {
    case 'BootNotification':
      return csms.bootAnswer();
    case 'Heartbeat':
      return { currentTime: nowIso() };
    case 'StatusNotification':
      csms.connectorStatus[`${params.evseId}/${params.connectorId}`] = params.connectorStatus;
      return {};
    case 'TransactionEvent': {
      const id = params.transactionInfo && params.transactionInfo.transactionId;
      if (!csms.transactions.has(id)) {
        csms.transactions.set(id, { transactionId: id, events: [], startMessageId: ctx.messageId });
      }
      csms.transactions.get(id).events.push(params);
      return params.idToken ? tokenInfo(params.idToken) : {};
    }
    case 'Authorize':
      return tokenInfo(params.idToken);
    case 'NotifyReport':
    case 'NotifyEvent':
    case 'SecurityEventNotification':
    case 'MeterValues':
    case 'FirmwareStatusNotification':
    case 'LogStatusNotification':
    case 'NotifyChargingLimit':
    case 'ClearedChargingLimit':
    case 'ReportChargingProfiles':
      return {};
    default:
      throw createRPCError('NotImplemented', `CSMS does not handle ${action}`);
  }
}

/** One-line summary of a 2.0.1 message's fields that matter; undefined: the generic one. */
function keyFields(rec) {
  const p = rec.payload;
  const isReq = rec.kind === 'CALL';
  const pick = (...keys) => keys.filter((k) => p[k] !== undefined)
    .map((k) => `${k}=${typeof p[k] === 'object' ? JSON.stringify(p[k]) : p[k]}`).join(' ');
  if (rec.kind === 'CALLERROR') return undefined;
  switch (rec.action) {
    case 'BootNotification':
      if (!isReq) return pick('status', 'interval');
      return `reason=${p.reason} vendorName=${p.chargingStation && p.chargingStation.vendorName} ` +
        `model=${p.chargingStation && p.chargingStation.model}`;
    case 'StatusNotification':
      return isReq ? pick('evseId', 'connectorId', 'connectorStatus') : '';
    case 'ChangeAvailability':
      return isReq ? pick('operationalStatus', 'evse') : pick('status');
    case 'Reset':
      return isReq ? pick('type', 'evseId') : pick('status');
    case 'TriggerMessage':
      return isReq ? pick('requestedMessage', 'evse') : pick('status');
    case 'Authorize':
      return isReq ? `idToken=${p.idToken.idToken}` : `status=${p.idTokenInfo.status}`;
    case 'TransactionEvent': {
      if (!isReq) return p.idTokenInfo ? `status=${p.idTokenInfo.status}` : '';
      const ti = p.transactionInfo;
      const energy = (p.meterValue || []).flatMap((mv) => mv.sampledValue)
        .map((sv) => `${sv.value}Wh(${sv.context || 'Sample.Periodic'})`).join(',');
      return `${p.eventType} ${p.triggerReason} seqNo=${p.seqNo} id=${ti.transactionId}` +
        (p.offline ? ' offline' : '') + (ti.chargingState ? ` ${ti.chargingState}` : '') +
        (ti.stoppedReason ? ` stoppedReason=${ti.stoppedReason}` : '') +
        (ti.remoteStartId !== undefined ? ` remoteStartId=${ti.remoteStartId}` : '') +
        (p.idToken ? ` idToken=${p.idToken.idToken}` : '') + (p.evse ? ` evse=${JSON.stringify(p.evse)}` : '') +
        (energy ? ` ${energy}` : '');
    }
    case 'NotifyReport':
      return isReq ? `requestId=${p.requestId} seqNo=${p.seqNo} tbc=${!!p.tbc} ${(p.reportData || []).length} variables` : '';
    default:
      return undefined;
  }
}

module.exports = { defaultResponse, keyFields };
