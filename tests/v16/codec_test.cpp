// Tests of the generated OCPP 1.6 codec (src/v16/generated, from tools/codegen/gen_v16.py).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "ocpp/rpc_error.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v16/generated/messages.hpp"
#include "v16/generated/codec.hpp"

using namespace ocpp::v16;
using ocpp::RpcErrorCode;
using ocpp::v16::codec::Error;

namespace {

ocpp::DateTime at_ms(std::int64_t ms_since_epoch) {
  return ocpp::DateTime(std::chrono::milliseconds(ms_since_epoch));
}

// Encodes msg, decodes the text again, and returns the decoded copy.
template <class T>
T round_trip(const T& msg) {
  Error err;
  REQUIRE(codec::validate(msg, err));
  const std::string json = codec::to_json(msg);
  T back;
  INFO(json);
  REQUIRE(codec::from_json(json, back, err));
  CHECK(err.message.empty());
  return back;
}

template <class T>
Error decode_error(std::string_view json) {
  T out;
  Error err;
  INFO(json);
  CHECK_FALSE(codec::from_json(json, out, err));
  return err;
}

SampledValue full_sample(std::string value, Measurand measurand, Phase phase) {
  SampledValue s;
  s.value = std::move(value);
  s.context = ReadingContext::Sample_Periodic;
  s.format = ValueFormat::Raw;
  s.measurand = measurand;
  s.phase = phase;
  s.location = Location::Outlet;
  s.unit = UnitOfMeasure::Celsius;
  return s;
}

}  // namespace

TEST_CASE("Action lists the 39 actions and round-trips their names", "[v16][codec]") {
  std::vector<Action> all;
#define OCPP_TEST_ADD(name) all.push_back(Action::name);
  OCPP_V16_ACTIONS(OCPP_TEST_ADD)
#undef OCPP_TEST_ADD
  REQUIRE(all.size() == 39);
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(static_cast<std::size_t>(all[i]) == i);
    const std::string_view name = to_string(all[i]);
    REQUIRE_FALSE(name.empty());
    Action back = Action::Authorize;
    CHECK(from_string(name, back));
    CHECK(back == all[i]);
  }
  CHECK(to_string(Action::BootNotification) == "BootNotification");
  CHECK(to_string(Action::UpdateFirmware) == "UpdateFirmware");
  Action a;
  CHECK_FALSE(from_string("bootnotification", a));
  CHECK_FALSE(from_string("", a));
  CHECK(BootNotificationRequest::action == Action::BootNotification);
  CHECK(BootNotificationResponse::Request::action == Action::BootNotification);
}

TEST_CASE("enum wire strings keep their spelling", "[v16][codec]") {
  CHECK(to_string(Measurand::Energy_Active_Import_Register) == "Energy.Active.Import.Register");
  CHECK(to_string(Phase::L1_N) == "L1-N");
  CHECK(to_string(ReadingContext::Sample_Periodic) == "Sample.Periodic");
  CHECK(to_string(UnitOfMeasure::Celcius) == "Celcius");
  CHECK(to_string(UnitOfMeasure::Celsius) == "Celsius");
  UnitOfMeasure u = UnitOfMeasure::Wh;
  CHECK(from_string("kvarh", u));
  CHECK(u == UnitOfMeasure::kvarh);
  AuthorizationStatus s = AuthorizationStatus::Accepted;
  CHECK(from_string("ConcurrentTx", s));
  CHECK(s == AuthorizationStatus::ConcurrentTx);
  CHECK_FALSE(from_string("concurrenttx", s));
  HashAlgorithmEnumType h = HashAlgorithmEnumType::SHA256;
  CHECK(from_string("SHA512", h));
  CHECK(h == HashAlgorithmEnumType::SHA512);
}

TEST_CASE("BootNotification round trip", "[v16][codec]") {
  BootNotificationRequest req;
  req.chargePointVendor = "Vendor";
  req.chargePointModel = "Model X";
  req.chargePointSerialNumber = "CP-1";
  req.chargeBoxSerialNumber = "CB-1";
  req.firmwareVersion = "1.2.3";
  req.iccid = "8931";
  req.imsi = "2620";
  req.meterType = "Meter";
  req.meterSerialNumber = "M-1";
  CHECK(round_trip(req) == req);

  BootNotificationRequest minimal;
  minimal.chargePointVendor = "V";
  minimal.chargePointModel = "M";
  CHECK(codec::to_json(minimal) == R"({"chargePointVendor":"V","chargePointModel":"M"})");
  CHECK(round_trip(minimal) == minimal);

  BootNotificationResponse resp;
  resp.status = RegistrationStatus::Pending;
  resp.currentTime = at_ms(1700000000123);
  resp.interval = 300;
  const BootNotificationResponse back = round_trip(resp);
  CHECK(back == resp);
  CHECK(codec::to_json(resp) ==
        R"({"status":"Pending","currentTime":"2023-11-14T22:13:20.123Z","interval":300.0})");
}

TEST_CASE("MeterValues round trip with all optional fields", "[v16][codec]") {
  MeterValuesRequest req;
  req.connectorId = 2;
  req.transactionId = 42;
  MeterValue mv;
  mv.timestamp = at_ms(1700000000000);
  mv.sampledValue.push_back(full_sample("1234.5", Measurand::Energy_Active_Import_Register, Phase::L1));
  mv.sampledValue.push_back(full_sample("16.1", Measurand::Current_Import, Phase::L2_N));
  mv.sampledValue.push_back(full_sample("230", Measurand::Voltage, Phase::L3_L1));
  SampledValue bare;
  bare.value = "7";
  mv.sampledValue.push_back(bare);
  req.meterValue.push_back(mv);
  mv.timestamp = at_ms(1700000060000);
  req.meterValue.push_back(mv);

  const MeterValuesRequest back = round_trip(req);
  CHECK(back == req);
  REQUIRE(back.meterValue.size() == 2);
  REQUIRE(back.meterValue[0].sampledValue.size() == 4);
  CHECK(back.meterValue[0].sampledValue[1].phase == Phase::L2_N);
  CHECK_FALSE(back.meterValue[0].sampledValue[3].unit.has_value());
}

TEST_CASE("StartTransaction round trip", "[v16][codec]") {
  StartTransactionRequest req;
  req.connectorId = 1;
  req.idTag = "ABCDEF0123456789ABCD";  // exactly 20 characters
  req.meterStart = 1000;
  req.reservationId = 7;
  req.timestamp = at_ms(1600000000000);
  CHECK(round_trip(req) == req);

  StartTransactionResponse resp;
  resp.transactionId = 99;
  resp.idTagInfo.status = AuthorizationStatus::Accepted;
  resp.idTagInfo.expiryDate = at_ms(1600003600000);
  resp.idTagInfo.parentIdTag = "PARENT";
  CHECK(round_trip(resp) == resp);
}

TEST_CASE("StopTransaction round trip with transactionData", "[v16][codec]") {
  StopTransactionRequest req;
  req.transactionId = 99;
  req.meterStop = 2500;
  req.timestamp = at_ms(1600007200000);
  req.idTag = "TAG";
  req.reason = Reason::EVDisconnected;
  MeterValue mv;
  mv.timestamp = at_ms(1600007200000);
  mv.sampledValue.push_back(full_sample("2500", Measurand::Energy_Active_Import_Register, Phase::N));
  SampledValue soc;
  soc.value = "80";
  soc.measurand = Measurand::SoC;
  soc.unit = UnitOfMeasure::Percent;
  soc.context = ReadingContext::Transaction_End;
  mv.sampledValue.push_back(soc);
  req.transactionData = std::vector<MeterValue>{mv, mv};
  CHECK(round_trip(req) == req);

  StopTransactionResponse resp;
  CHECK(codec::to_json(resp) == "{}");
  CHECK(round_trip(resp) == resp);
}

TEST_CASE("SetChargingProfile round trip", "[v16][codec]") {
  SetChargingProfileRequest req;
  req.connectorId = 1;
  ChargingProfile& p = req.csChargingProfiles;
  p.chargingProfileId = 12;
  p.transactionId = 99;
  p.stackLevel = 3;
  p.chargingProfilePurpose = ChargingProfilePurposeType::TxProfile;
  p.chargingProfileKind = ChargingProfileKindType::Recurring;
  p.recurrencyKind = RecurrencyKindType::Daily;
  p.validFrom = at_ms(1600000000000);
  p.validTo = at_ms(1700000000000);
  p.chargingSchedule.duration = 86400;
  p.chargingSchedule.startSchedule = at_ms(1600000000000);
  p.chargingSchedule.chargingRateUnit = ChargingRateUnitType::A;
  p.chargingSchedule.minChargingRate = 6.1;
  for (int i = 0; i < 3; ++i) {
    ChargingSchedulePeriod period;
    period.startPeriod = i * 3600;
    period.limit = 16.0 + i * 0.5;
    if (i == 1) period.numberPhases = 3;
    p.chargingSchedule.chargingSchedulePeriod.push_back(period);
  }
  const SetChargingProfileRequest back = round_trip(req);
  CHECK(back == req);
  REQUIRE(back.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.size() == 3);
  CHECK(back.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[2].limit == 17.0);

  SetChargingProfileResponse resp;
  resp.status = ChargingProfileStatus::NotSupported;
  CHECK(round_trip(resp) == resp);
}

TEST_CASE("GetConfigurationResponse round trip", "[v16][codec]") {
  GetConfigurationResponse resp;
  KeyValue a;
  a.key = "HeartbeatInterval";
  a.readonly = false;
  a.value = "300";
  KeyValue b;
  b.key = "NumberOfConnectors";
  b.readonly = true;
  resp.configurationKey = std::vector<KeyValue>{a, b};
  resp.unknownKey = std::vector<std::string>{"Foo", "Bar"};
  CHECK(round_trip(resp) == resp);

  GetConfigurationResponse empty;
  CHECK(codec::to_json(empty) == "{}");
  CHECK(round_trip(empty) == empty);
}

TEST_CASE("security extension messages round trip", "[v16][codec]") {
  SignedUpdateFirmwareRequest req;
  req.requestId = 5;
  req.retries = 3;
  req.firmware.location = "https://example.invalid/fw.bin";
  req.firmware.retrieveDateTime = at_ms(1600000000000);
  req.firmware.installDateTime = at_ms(1600000600000);
  req.firmware.signingCertificate = "-----BEGIN CERTIFICATE-----";
  req.firmware.signature = "c2lnbmF0dXJl";
  CHECK(round_trip(req) == req);

  GetInstalledCertificateIdsResponse resp;
  resp.status = GetInstalledCertificateStatusEnumType::Accepted;
  CertificateHashDataType h;
  h.hashAlgorithm = HashAlgorithmEnumType::SHA384;
  h.issuerNameHash = "aa";
  h.issuerKeyHash = "bb";
  h.serialNumber = "01";
  resp.certificateHashData = std::vector<CertificateHashDataType>{h};
  CHECK(round_trip(resp) == resp);
}

TEST_CASE("decode errors follow OCPP-J 1.6 section 4.2.3", "[v16][codec]") {
  SECTION("text that is not JSON is a FormationViolation") {
    CHECK(decode_error<HeartbeatRequest>("{").code == RpcErrorCode::FormationViolation);
    CHECK(decode_error<HeartbeatRequest>("").code == RpcErrorCode::FormationViolation);
  }
  SECTION("payload not an object is a FormationViolation") {
    CHECK(decode_error<HeartbeatRequest>("[]").code == RpcErrorCode::FormationViolation);
    CHECK(decode_error<HeartbeatRequest>("null").code == RpcErrorCode::FormationViolation);
    CHECK(decode_error<HeartbeatRequest>("\"x\"").code == RpcErrorCode::FormationViolation);
  }
  SECTION("an array where an object must be is a FormationViolation") {
    const Error e = decode_error<AuthorizeResponse>(R"({"idTagInfo":[]})");
    CHECK(e.code == RpcErrorCode::FormationViolation);
    CHECK(e.message.rfind("idTagInfo:", 0) == 0);
  }
  SECTION("an object where an array must be is a FormationViolation") {
    const Error e = decode_error<MeterValuesRequest>(R"({"connectorId":1,"meterValue":{}})");
    CHECK(e.code == RpcErrorCode::FormationViolation);
  }
  SECTION("unknown property with additionalProperties false is a FormationViolation") {
    const Error e = decode_error<AuthorizeRequest>(R"({"idTag":"ABC","extra":1})");
    CHECK(e.code == RpcErrorCode::FormationViolation);
    CHECK(e.message == "extra: property not allowed");
    CHECK(decode_error<HeartbeatRequest>(R"({"x":true})").code == RpcErrorCode::FormationViolation);
    // Nested security-extension types are closed too.
    CHECK(decode_error<DeleteCertificateRequest>(
              R"({"certificateHashData":{"hashAlgorithm":"SHA256","issuerNameHash":"a",)"
              R"("issuerKeyHash":"b","serialNumber":"c","x":1}})")
              .code == RpcErrorCode::FormationViolation);
  }
  SECTION("unknown property where the schema allows it is ignored") {
    AuthorizeResponse out;
    Error err;
    CHECK(codec::from_json(R"({"idTagInfo":{"status":"Blocked","vendorThing":1}})", out, err));
    CHECK(out.idTagInfo.status == AuthorizationStatus::Blocked);
  }
  SECTION("missing required property is an OccurenceConstraintViolation") {
    const Error e = decode_error<BootNotificationRequest>(R"({"chargePointVendor":"V"})");
    CHECK(e.code == RpcErrorCode::OccurenceConstraintViolation);
    CHECK(e.message == "chargePointModel: required property missing");
    const Error nested = decode_error<MeterValuesRequest>(
        R"({"connectorId":1,"meterValue":[{"timestamp":"2020-01-01T00:00:00Z","sampledValue":[{}]}]})");
    CHECK(nested.code == RpcErrorCode::OccurenceConstraintViolation);
    CHECK(nested.message == "meterValue[0].sampledValue[0].value: required property missing");
  }
  SECTION("array below minItems is an OccurenceConstraintViolation") {
    const Error e = decode_error<GetInstalledCertificateIdsResponse>(
        R"({"status":"Accepted","certificateHashData":[]})");
    CHECK(e.code == RpcErrorCode::OccurenceConstraintViolation);
    CHECK(e.message.rfind("certificateHashData:", 0) == 0);
  }
  SECTION("wrong JSON types are TypeConstraintViolations") {
    CHECK(decode_error<RemoteStopTransactionRequest>(R"({"transactionId":"1"})").code ==
          RpcErrorCode::TypeConstraintViolation);
    CHECK(decode_error<RemoteStopTransactionRequest>(R"({"transactionId":1.5})").code ==
          RpcErrorCode::TypeConstraintViolation);
    CHECK(decode_error<RemoteStopTransactionRequest>(R"({"transactionId":3000000000})").code ==
          RpcErrorCode::TypeConstraintViolation);
    CHECK(decode_error<RemoteStopTransactionRequest>(R"({"transactionId":null})").code ==
          RpcErrorCode::TypeConstraintViolation);
    CHECK(decode_error<AuthorizeRequest>(R"({"idTag":5})").code == RpcErrorCode::TypeConstraintViolation);
    CHECK(decode_error<AuthorizeRequest>(R"({"idTag":null})").code == RpcErrorCode::TypeConstraintViolation);
    CHECK(decode_error<GetConfigurationResponse>(R"({"configurationKey":[{"key":"a","readonly":"yes"}]})")
              .code == RpcErrorCode::TypeConstraintViolation);
    CHECK(decode_error<AuthorizeResponse>(R"({"idTagInfo":"Accepted"})").code ==
          RpcErrorCode::TypeConstraintViolation);
    CHECK(decode_error<BootNotificationResponse>(
              R"({"status":"Accepted","currentTime":"2020-01-01T00:00:00Z","interval":"60"})")
              .code == RpcErrorCode::TypeConstraintViolation);
  }
  SECTION("an integer written with a zero fraction is accepted") {
    RemoteStopTransactionRequest out;
    Error err;
    CHECK(codec::from_json(R"({"transactionId":12.0})", out, err));
    CHECK(out.transactionId == 12);
  }
  SECTION("string longer than maxLength is a PropertyConstraintViolation") {
    const Error e = decode_error<BootNotificationRequest>(
        R"({"chargePointVendor":"V","chargePointModel":"123456789012345678901234567890123456789012345678901"})");
    CHECK(e.code == RpcErrorCode::PropertyConstraintViolation);
    CHECK(e.message.rfind("chargePointModel:", 0) == 0);
  }
  SECTION("unknown enum value is a PropertyConstraintViolation naming the path") {
    const Error e = decode_error<MeterValuesRequest>(
        R"({"connectorId":1,"meterValue":[{"timestamp":"2020-01-01T00:00:00Z","sampledValue":[)"
        R"({"value":"1"},{"value":"2"},{"value":"3","measurand":"Foo"}]}]})");
    CHECK(e.code == RpcErrorCode::PropertyConstraintViolation);
    CHECK(e.message == "meterValue[0].sampledValue[2].measurand: unknown enum value 'Foo'");
  }
  SECTION("enum value with the wrong case is rejected") {
    const Error e = decode_error<ResetRequest>(R"({"type":"hard"})");
    CHECK(e.code == RpcErrorCode::PropertyConstraintViolation);
    CHECK(decode_error<AuthorizeResponse>(R"({"idTagInfo":{"status":"accepted"}})").code ==
          RpcErrorCode::PropertyConstraintViolation);
  }
  SECTION("invalid date-time is a PropertyConstraintViolation") {
    const Error e = decode_error<HeartbeatResponse>(R"({"currentTime":"yesterday"})");
    CHECK(e.code == RpcErrorCode::PropertyConstraintViolation);
    CHECK(e.message == "currentTime: invalid date-time 'yesterday'");
  }
  SECTION("number not a multiple of multipleOf is a PropertyConstraintViolation") {
    const Error e = decode_error<GetCompositeScheduleResponse>(
        R"({"status":"Accepted","chargingSchedule":{"chargingRateUnit":"W",)"
        R"("chargingSchedulePeriod":[{"startPeriod":0,"limit":10.05}]}})");
    CHECK(e.code == RpcErrorCode::PropertyConstraintViolation);
    CHECK(e.message == "chargingSchedule.chargingSchedulePeriod[0].limit: not a multiple of 0.1");
    GetCompositeScheduleResponse ok;
    Error err;
    CHECK(codec::from_json(R"({"status":"Accepted","chargingSchedule":{"chargingRateUnit":"W",)"
                           R"("chargingSchedulePeriod":[{"startPeriod":0,"limit":10.1}]}})",
                           ok, err));
  }
}

TEST_CASE("a 21-character idTag is rejected by decode and validate", "[v16][codec]") {
  const std::string tag21 = "ABCDEFGHIJKLMNOPQRSTU";
  REQUIRE(tag21.size() == 21);
  const Error e = decode_error<AuthorizeRequest>(R"({"idTag":")" + tag21 + R"("})");
  CHECK(e.code == RpcErrorCode::PropertyConstraintViolation);
  CHECK(e.message == "idTag: longer than 20 characters");

  AuthorizeRequest req;
  req.idTag = tag21;
  Error err;
  CHECK_FALSE(codec::validate(req, err));
  CHECK(err.code == RpcErrorCode::PropertyConstraintViolation);
  CHECK(err.message == "idTag: longer than 20 characters");
  req.idTag.pop_back();
  CHECK(codec::validate(req, err));

  // maxLength counts characters, not bytes: 20 two-byte characters are fine.
  std::string wide;
  for (int i = 0; i < 20; ++i) wide += "\xC3\xA9";
  req.idTag = wide;
  CHECK(codec::validate(req, err));
}

TEST_CASE("validate checks what the C++ types cannot", "[v16][codec]") {
  Error err;
  GetInstalledCertificateIdsResponse resp;
  resp.certificateHashData = std::vector<CertificateHashDataType>{};
  CHECK_FALSE(codec::validate(resp, err));
  CHECK(err.code == RpcErrorCode::OccurenceConstraintViolation);

  SetChargingProfileRequest req;
  ChargingSchedulePeriod period;
  period.limit = 10.05;
  req.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.push_back(period);
  CHECK_FALSE(codec::validate(req, err));
  CHECK(err.code == RpcErrorCode::PropertyConstraintViolation);
  CHECK(err.message.rfind("csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit:", 0) == 0);

  StatusNotificationRequest sn;
  CHECK(codec::validate(sn, err));  // default-constructed required fields are valid
  sn.info = std::string(51, 'x');
  CHECK_FALSE(codec::validate(sn, err));
  CHECK(err.message.rfind("info:", 0) == 0);
}

TEST_CASE("date-time with an offset is accepted", "[v16][codec]") {
  HeartbeatResponse out;
  Error err;
  REQUIRE(codec::from_json(R"({"currentTime":"2020-01-01T02:00:00+02:00"})", out, err));
  ocpp::DateTime utc;
  REQUIRE(ocpp::parse_datetime("2020-01-01T00:00:00Z", utc));
  CHECK(out.currentTime == utc);
  CHECK(codec::to_json(out) == R"({"currentTime":"2020-01-01T00:00:00.000Z"})");
}

TEST_CASE("decode resets the output and default structs encode", "[v16][codec]") {
  StopTransactionRequest out;
  out.idTag = "OLD";
  Error err;
  REQUIRE(codec::from_json(R"({"transactionId":1,"timestamp":"2020-01-01T00:00:00Z","meterStop":5})", out,
                           err));
  CHECK_FALSE(out.idTag.has_value());
  CHECK(out.meterStop == 5);

  ChangeAvailabilityRequest ca;
  CHECK(ca.type == AvailabilityType::Inoperative);
  CHECK(codec::to_json(ca) == R"({"connectorId":0,"type":"Inoperative"})");
}
