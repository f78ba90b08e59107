#!/usr/bin/env python3
"""Writes the seed corpora of the frame, codec and engine fuzz targets.

frame and codec: from the frames of the integration scenarios, recorded with ocpp-chargerd's
--log-frames (one JSON event per line, {"event":"frame","dir":"rx"|"tx","text":...}): every frame
either side sent goes to corpus/frame; every CALL and CALLRESULT payload, prefixed with the byte
that selects its message type, goes to corpus/codec, with one payload per message type that no
scenario exchanged (built from the schema's required properties).
engine: short programs in the op language of engine.cpp (sessions online and offline, every
canned CSMS CALL after boot, retries, power cuts, the queue bound).

Usage: fuzz/make_seeds.py FRAMES.jsonl   (run from anywhere; rewrites the three corpora)
"""
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def actions():
    text = open(os.path.join(ROOT, 'include/ocpp/v16/generated/messages.hpp')).read()
    body = text[text.index('#define OCPP_V16_ACTIONS(X)'):]
    body = body[:body.index('\n\n')]
    return re.findall(r'X\((\w+)\)', body)


def write(target, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def clear(target):
    d = os.path.join(HERE, 'corpus', target)
    if os.path.isdir(d):
        for n in os.listdir(d):
            os.remove(os.path.join(d, n))


DATETIME = re.compile(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"')
# Message ids of the library ("<16 hex digits>-<n>") and of the CSMS (UUIDs).
MESSAGE_ID = re.compile(r'^\[(\d),"([0-9a-f]{16}-\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"')


def normalized(text):
    """The frame with a fixed message id and fixed timestamps: frames that differ only there
    are one seed."""
    text = DATETIME.sub('"2026-09-21T14:13:20.000Z"', text)
    return MESSAGE_ID.sub(lambda m: '[%s,"m-1"' % m.group(1), text)


def frames_and_codec(path, acts):
    index = {a: i for i, a in enumerate(acts)}
    pending = {}  # (direction of the CALL, id) -> action
    seen_types = set()
    frames = set()
    with open(path, encoding='utf-8', errors='surrogateescape') as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get('event') != 'frame':
                continue
            text = ev['text']
            frames.add(normalized(text))
            try:
                msg = json.loads(text)
            except ValueError:
                continue
            if not isinstance(msg, list) or len(msg) < 3 or not isinstance(msg[1], str):
                continue
            if msg[0] == 2 and len(msg) == 4 and msg[2] in index:
                pending[(ev['dir'], msg[1])] = msg[2]
                t = 2 * index[msg[2]]
            elif msg[0] == 3 and len(msg) == 3:
                caller = 'tx' if ev['dir'] == 'rx' else 'rx'
                action = pending.pop((caller, msg[1]), None)
                if action is None:
                    continue
                t = 2 * index[action] + 1
            else:
                continue
            payload = DATETIME.sub('"2026-09-21T14:13:20.000Z"', json.dumps(msg[-1], separators=(',', ':')))
            key = (t, payload)
            if key in seen_types:
                continue
            seen_types.add(key)
            write('codec', bytes([t]) + payload.encode())
    for text in frames:
        write('frame', text.encode('utf-8', errors='surrogateescape'))
    return {t for t, _ in seen_types}


# Minimal valid payloads (required properties only) of the message types the scenarios did not
# exchange, so that every type has a seed.
MINIMAL = {
    'Authorize': ('{"idTag":"TAG1"}', '{"idTagInfo":{"status":"Accepted"}}'),
    'BootNotification': ('{"chargePointVendor":"V","chargePointModel":"M"}',
                         '{"status":"Accepted","currentTime":"2026-09-21T14:13:20.000Z","interval":300}'),
    'CancelReservation': ('{"reservationId":7}', '{"status":"Accepted"}'),
    'CertificateSigned': ('{"certificateChain":"-----BEGIN CERTIFICATE-----"}', '{"status":"Accepted"}'),
    'ChangeAvailability': ('{"connectorId":1,"type":"Inoperative"}', '{"status":"Scheduled"}'),
    'ChangeConfiguration': ('{"key":"HeartbeatInterval","value":"60"}', '{"status":"Accepted"}'),
    'ClearCache': ('{}', '{"status":"Accepted"}'),
    'ClearChargingProfile': ('{"id":1,"connectorId":1,"chargingProfilePurpose":"TxProfile","stackLevel":0}',
                             '{"status":"Unknown"}'),
    'DataTransfer': ('{"vendorId":"V","messageId":"m","data":"d"}', '{"status":"Accepted","data":"x"}'),
    'DeleteCertificate': ('{"certificateHashData":{"hashAlgorithm":"SHA256","issuerNameHash":"a",'
                          '"issuerKeyHash":"b","serialNumber":"c"}}', '{"status":"NotFound"}'),
    'DiagnosticsStatusNotification': ('{"status":"Uploaded"}', '{}'),
    'ExtendedTriggerMessage': ('{"requestedMessage":"StatusNotification","connectorId":1}',
                               '{"status":"Accepted"}'),
    'FirmwareStatusNotification': ('{"status":"Installed"}', '{}'),
    'GetCompositeSchedule': ('{"connectorId":1,"duration":3600,"chargingRateUnit":"A"}',
                             '{"status":"Accepted","connectorId":1,"scheduleStart":"2026-09-21T14:13:20.000Z",'
                             '"chargingSchedule":{"duration":3600,"chargingRateUnit":"A",'
                             '"chargingSchedulePeriod":[{"startPeriod":0,"limit":16.5,"numberPhases":3}]}}'),
    'GetConfiguration': ('{"key":["HeartbeatInterval"]}',
                         '{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"60"}],'
                         '"unknownKey":["X"]}'),
    'GetDiagnostics': ('{"location":"ftp://h/","retries":1,"retryInterval":5,'
                       '"startTime":"2026-09-21T14:13:20Z","stopTime":"2026-09-22T14:13:20Z"}',
                       '{"fileName":"diag.tar.gz"}'),
    'GetInstalledCertificateIds': ('{"certificateType":"CentralSystemRootCertificate"}',
                                   '{"status":"NotFound"}'),
    'GetLocalListVersion': ('{}', '{"listVersion":3}'),
    'GetLog': ('{"logType":"DiagnosticsLog","requestId":1,"log":{"remoteLocation":"ftp://h/"}}',
               '{"status":"Accepted","filename":"log.txt"}'),
    'Heartbeat': ('{}', '{"currentTime":"2026-09-21T14:13:20.000Z"}'),
    'InstallCertificate': ('{"certificateType":"ManufacturerRootCertificate","certificate":"PEM"}',
                           '{"status":"Rejected"}'),
    'LogStatusNotification': ('{"status":"Uploaded","requestId":1}', '{}'),
    'MeterValues': ('{"connectorId":1,"transactionId":5,"meterValue":[{"timestamp":"2026-09-21T14:13:20Z",'
                    '"sampledValue":[{"value":"12.5","context":"Sample.Periodic","format":"Raw",'
                    '"measurand":"Power.Active.Import","phase":"L1-N","location":"Outlet","unit":"kW"}]}]}', '{}'),
    'RemoteStartTransaction': ('{"connectorId":1,"idTag":"TAG1"}', '{"status":"Accepted"}'),
    'RemoteStopTransaction': ('{"transactionId":1001}', '{"status":"Rejected"}'),
    'ReserveNow': ('{"connectorId":0,"expiryDate":"2030-01-01T00:00:00Z","idTag":"TAG1","parentIdTag":"P",'
                   '"reservationId":1}', '{"status":"Occupied"}'),
    'Reset': ('{"type":"Hard"}', '{"status":"Accepted"}'),
    'SecurityEventNotification': ('{"type":"FirmwareUpdated","timestamp":"2026-09-21T14:13:20Z","techInfo":"x"}',
                                  '{}'),
    'SendLocalList': ('{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"T",'
                      '"idTagInfo":{"status":"Accepted","expiryDate":"2030-01-01T00:00:00Z","parentIdTag":"P"}}]}',
                      '{"status":"VersionMismatch"}'),
    'SetChargingProfile': ('{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,'
                           '"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Recurring",'
                           '"recurrencyKind":"Weekly","validFrom":"2020-01-01T00:00:00Z",'
                           '"validTo":"2030-01-01T00:00:00Z","chargingSchedule":{"duration":86400,'
                           '"startSchedule":"2020-01-01T00:00:00Z","chargingRateUnit":"W","minChargingRate":1.5,'
                           '"chargingSchedulePeriod":[{"startPeriod":0,"limit":11000.1}]}}}',
                           '{"status":"Accepted"}'),
    'SignCertificate': ('{"csr":"CSR"}', '{"status":"Accepted"}'),
    'SignedFirmwareStatusNotification': ('{"status":"SignatureVerified","requestId":1}', '{}'),
    'SignedUpdateFirmware': ('{"requestId":1,"firmware":{"location":"http://h/fw","retrieveDateTime":'
                             '"2026-09-21T14:13:20Z","signingCertificate":"PEM","signature":"SIG"}}',
                             '{"status":"Accepted"}'),
    'StartTransaction': ('{"connectorId":1,"idTag":"TAG1","meterStart":0,"reservationId":3,'
                         '"timestamp":"2026-09-21T14:13:20+02:00"}',
                         '{"transactionId":1001,"idTagInfo":{"status":"Accepted","expiryDate":"2030-01-01T00:00:00Z"}}'),
    'StatusNotification': ('{"connectorId":0,"errorCode":"OtherError","info":"i","status":"Faulted",'
                           '"timestamp":"2026-09-21T14:13:20.123Z","vendorId":"V","vendorErrorCode":"E"}', '{}'),
    'StopTransaction': ('{"meterStop":10,"timestamp":"2026-09-21T14:13:20Z","transactionId":1001,"reason":"Local",'
                        '"idTag":"TAG1","transactionData":[{"timestamp":"2026-09-21T14:13:20Z",'
                        '"sampledValue":[{"value":"10","context":"Transaction.End"}]}]}',
                        '{"idTagInfo":{"status":"Expired"}}'),
    'TriggerMessage': ('{"requestedMessage":"MeterValues","connectorId":1}', '{"status":"Rejected"}'),
    'UnlockConnector': ('{"connectorId":1}', '{"status":"Unlocked"}'),
    'UpdateFirmware': ('{"location":"http://h/fw","retries":2,"retrieveDate":"2026-09-21T14:13:20Z",'
                       '"retryInterval":30}', '{}'),
}


def codec_minimal(acts, seen):
    for i, a in enumerate(acts):
        req, conf = MINIMAL[a]
        for t, payload in ((2 * i, req), (2 * i + 1, conf)):
            json.loads(payload)
            write('codec', bytes([t]) + payload.encode())


# --- engine programs (op numbers: enum Op in engine.cpp) ---
(CONNECT, DISCONNECT, ADVANCE, ADVANCE_LONG, ANSWER, ANSWER_ERROR, ANSWER_RAW, STALE, CSMS_CALL, RAW,
 PLUG, UNPLUG, IDTAG, METER, FAULT, CLEAR_FAULT, SUSPEND, RESUME, STOP, SET_CONFIG, FW_STATUS,
 DIAG_STATUS, DATA_TRANSFER, POWER_CUT, WALL_JUMP, VENDOR_KEY, MOOD) = range(27)


def canned_calls():
    text = open(os.path.join(HERE, 'engine.cpp')).read()
    body = text[text.index('constexpr CannedCall kCalls[] = {'):]
    body = body[:body.index('\n};')]
    return re.findall(r'\{"(\w+)",', body)


def call(calls, action, nth=0, cid=0):
    idx = [i for i, a in enumerate(calls) if a == action][nth]
    return [CSMS_CALL, idx, cid]


def answers(n, variant=0):
    return [ANSWER, variant] * n


def engine_seeds():
    calls = canned_calls()
    boot = [CONNECT] + answers(1) + answers(4)  # Accepted, then the status of connectors 0..2
    session = [PLUG, 1] + [IDTAG, 0, 1] + answers(4) + [METER, 1, 0x10, 0x27, 1] + [ADVANCE, 30] + \
        [UNPLUG, 1] + answers(4)
    seeds = [
        boot + session,
        # offline: the session is queued, then delivered after the connection
        [SET_CONFIG, 5, 4] + [PLUG, 1, IDTAG, 0, 1, METER, 1, 5, 5, 0, ADVANCE, 60, UNPLUG, 1] + boot +
        answers(8),
        # pending, then rejected: CALLs from the CSMS while Pending are answered, while Rejected not
        [CONNECT, ANSWER, 2] + call(calls, 'GetConfiguration') + [ADVANCE, 40, ANSWER, 3] +
        call(calls, 'Reset') + [RAW, 5] + list(b'[2,"x') + [ADVANCE_LONG, 2] + answers(2),
        # retries: attempts 1, the StartTransaction fails and is discarded
        boot + call(calls, 'ChangeConfiguration', 3) + [PLUG, 1, IDTAG, 0, 1] + answers(1) +
        [ANSWER_ERROR, 0] + answers(2) + [ADVANCE, 100] + answers(3) + [UNPLUG, 1] + answers(4),
        # no answer in time, then a reconnect in the middle of a transaction, and a power cut
        boot + [PLUG, 2, IDTAG, 1, 2] + answers(1) + [ADVANCE, 40, DISCONNECT, CONNECT] + answers(5) +
        [POWER_CUT, CONNECT] + answers(5) + [STOP, 2, 3] + answers(3),
        # the queue bound: samples every 5 s while offline
        [SET_CONFIG, 1, 4, PLUG, 1, IDTAG, 0, 1, ADVANCE, 200, ADVANCE, 200, UNPLUG, 1] + boot + answers(12),
        # remote start and stop, with the hooks' answers
        boot + [MOOD, 0] + call(calls, 'RemoteStartTransaction', 1) + answers(2) + [PLUG, 2] + answers(3) +
        call(calls, 'RemoteStopTransaction') + answers(4),
        # an invalid answer payload and stale answers
        boot + [PLUG, 1, IDTAG, 0, 1, ANSWER_RAW, 0, 2] + list(b'[]') + [STALE, 1, STALE, 0] + answers(6),
    ]
    # every canned CALL once after boot, and again during a session
    for i in range(len(calls)):
        seeds.append(boot + [CSMS_CALL, i, 0] + answers(3))
        seeds.append(boot + session[:9] + [CSMS_CALL, i, 1] + answers(4) + [ADVANCE, 10] + answers(2))
    for s in seeds:
        write('engine', bytes(s))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    acts = actions()
    for t in ('frame', 'codec', 'engine'):
        clear(t)
    seen = frames_and_codec(sys.argv[1], acts)
    codec_minimal(acts, seen)
    engine_seeds()


if __name__ == '__main__':
    main()
