#!/usr/bin/env python3
"""OCPP 1.6 front of the code generator (gen.py): the message types and JSON codec of OCPP 1.6
with the security extension, from the 1.6 JSON schemas of the pinned npm package.

Usage: gen_v16.py [SCHEMA_DIR] [--out ROOT]

Writes include/ocpp/v16/generated/ and src/v16/generated/ below ROOT (default: the
repository). Python 3 standard library only. See docs/codegen.md.
"""

import sys

import gen

# Names of the types the schemas leave anonymous, keyed by (owner type, property name): the
# owner is the message struct (e.g. "MeterValuesRequest") or the named struct that holds the
# property; for an array the name is that of its items. Names follow section 7 ("Types") of
# the OCPP 1.6 specification. Types reached by "$ref" take their "definitions" name.
NAMES = {
    ("AuthorizeResponse", "idTagInfo"): "IdTagInfo",
    ("StartTransactionResponse", "idTagInfo"): "IdTagInfo",
    ("StopTransactionResponse", "idTagInfo"): "IdTagInfo",
    ("AuthorizationData", "idTagInfo"): "IdTagInfo",
    ("IdTagInfo", "status"): "AuthorizationStatus",
    ("BootNotificationResponse", "status"): "RegistrationStatus",
    ("CancelReservationResponse", "status"): "CancelReservationStatus",
    ("ChangeAvailabilityRequest", "type"): "AvailabilityType",
    ("ChangeAvailabilityResponse", "status"): "AvailabilityStatus",
    ("ChangeConfigurationResponse", "status"): "ConfigurationStatus",
    ("ClearCacheResponse", "status"): "ClearCacheStatus",
    ("ClearChargingProfileRequest", "chargingProfilePurpose"): "ChargingProfilePurposeType",
    ("ClearChargingProfileResponse", "status"): "ClearChargingProfileStatus",
    ("DataTransferResponse", "status"): "DataTransferStatus",
    ("DiagnosticsStatusNotificationRequest", "status"): "DiagnosticsStatus",
    ("FirmwareStatusNotificationRequest", "status"): "FirmwareStatus",
    ("GetCompositeScheduleRequest", "chargingRateUnit"): "ChargingRateUnitType",
    ("GetCompositeScheduleResponse", "status"): "GetCompositeScheduleStatus",
    ("GetCompositeScheduleResponse", "chargingSchedule"): "ChargingSchedule",
    ("GetConfigurationResponse", "configurationKey"): "KeyValue",
    ("MeterValuesRequest", "meterValue"): "MeterValue",
    ("StopTransactionRequest", "transactionData"): "MeterValue",
    ("MeterValue", "sampledValue"): "SampledValue",
    ("SampledValue", "context"): "ReadingContext",
    ("SampledValue", "format"): "ValueFormat",
    ("SampledValue", "measurand"): "Measurand",
    ("SampledValue", "phase"): "Phase",
    ("SampledValue", "location"): "Location",
    ("SampledValue", "unit"): "UnitOfMeasure",
    ("RemoteStartTransactionRequest", "chargingProfile"): "ChargingProfile",
    ("SetChargingProfileRequest", "csChargingProfiles"): "ChargingProfile",
    ("ChargingProfile", "chargingProfilePurpose"): "ChargingProfilePurposeType",
    ("ChargingProfile", "chargingProfileKind"): "ChargingProfileKindType",
    ("ChargingProfile", "recurrencyKind"): "RecurrencyKindType",
    ("ChargingProfile", "chargingSchedule"): "ChargingSchedule",
    ("ChargingSchedule", "chargingRateUnit"): "ChargingRateUnitType",
    ("ChargingSchedule", "chargingSchedulePeriod"): "ChargingSchedulePeriod",
    ("RemoteStartTransactionResponse", "status"): "RemoteStartStopStatus",
    ("RemoteStopTransactionResponse", "status"): "RemoteStartStopStatus",
    ("ReserveNowResponse", "status"): "ReservationStatus",
    ("ResetRequest", "type"): "ResetType",
    ("ResetResponse", "status"): "ResetStatus",
    ("SendLocalListRequest", "localAuthorizationList"): "AuthorizationData",
    ("SendLocalListRequest", "updateType"): "UpdateType",
    ("SendLocalListResponse", "status"): "UpdateStatus",
    ("SetChargingProfileResponse", "status"): "ChargingProfileStatus",
    ("StatusNotificationRequest", "errorCode"): "ChargePointErrorCode",
    ("StatusNotificationRequest", "status"): "ChargePointStatus",
    ("StopTransactionRequest", "reason"): "Reason",
    ("TriggerMessageRequest", "requestedMessage"): "MessageTrigger",
    ("TriggerMessageResponse", "status"): "TriggerMessageStatus",
    ("UnlockConnectorResponse", "status"): "UnlockStatus",
}

FRONT = gen.Front(
    name="v16",
    script="gen_v16.py",
    label="OCPP 1.6",
    schema_dir="ocpp-16-schemas",
    request_suffix="",
    names=NAMES,
    # The nested objects of the core 1.6 schemas do not say "additionalProperties": false;
    # their unknown properties are ignored.
    open_objects="ignore",
    errors={"format": "FormationViolation", "occurrence": "OccurenceConstraintViolation"},
    error_ref="OCPP-J 1.6 section 4.2.3",
    messages_intro=(
        "//\n// The OCPP 1.6 messages (with the security extension) as C++ types. The JSON codec is\n"
        "// internal to the library (src/v16/generated/codec.hpp).\n"),
    files={"enums": 1, "types": 1, "messages": 3},
)

if __name__ == "__main__":
    sys.exit(gen.main(FRONT))
