// Tests of the generated OCPP 2.0.1 codec (src/v201/generated, from tools/codegen/gen_v201.py).
// Every message is checked against the payloads of tests/v201/generated/codec_cases.hpp, which
// the generator derives from the JSON schemas on their own (tools/codegen/cases.py); the cases
// written out below pin customData, open objects, untyped data and the error spellings.
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ocpp/raw_json.hpp"
#include "ocpp/rpc_error.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v201/generated/messages.hpp"
#include "v201/generated/codec.hpp"
#include "v201/generated/codec_cases.hpp"

using namespace ocpp::v201;
using ocpp::RawJson;
using ocpp::RpcErrorCode;
using ocpp::v201::codec::Error;
namespace cases = test::v201_cases;

namespace {

// What became of one payload: decoded or not (and why), and if it was, what validate said and
// how it encodes again.
struct Outcome {
  bool decoded = false;
  Error err;
  bool valid = false;
  Error validate_err;
  std::string encoded;
  bool stable = false;  // the encoding decodes to an equal value that encodes the same
};

template <class T>
Outcome run(std::string_view json) {
  Outcome o;
  T msg;
  o.decoded = codec::from_json(json, msg, o.err);
  if (!o.decoded) return o;
  o.valid = codec::validate(msg, o.validate_err);
  o.encoded = codec::to_json(msg);
  T again;
  Error err;
  o.stable = codec::from_json(o.encoded, again, err) && again == msg && codec::to_json(again) == o.encoded;
  return o;
}

using Runner = Outcome (*)(std::string_view);

Runner runner_for(std::string_view name) {
#define OCPP_TEST_RUNNER(a)                                       \
  if (name == #a "Request") return &run<a##Request>;              \
  if (name == #a "Response") return &run<a##Response>;
  OCPP_V201_ACTIONS(OCPP_TEST_RUNNER)
#undef OCPP_TEST_RUNNER
  return nullptr;
}

std::string write(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// Same JSON value: members in any order, 7 and 7.0 alike.
bool equivalent(std::string_view a, std::string_view b) {
  rapidjson::Document da;
  rapidjson::Document db;
  da.Parse(a.data(), a.size());
  db.Parse(b.data(), b.size());
  return !da.HasParseError() && !db.HasParseError() && da == db;
}

// "/a/0/b" -> "a[0].b", the codec's way of naming a field.
std::string path_of(std::string_view pointer) {
  std::string out;
  std::size_t i = 1;
  while (i <= pointer.size()) {
    std::size_t end = pointer.find('/', i);
    if (end == std::string_view::npos) end = pointer.size();
    const std::string_view token = pointer.substr(i, end - i);
    if (!token.empty() && token.find_first_not_of("0123456789") == std::string_view::npos) {
      out += "[" + std::string(token) + "]";
    } else {
      if (!out.empty()) out += '.';
      out += token;
    }
    i = end + 1;
  }
  return out;
}

// count characters, some of them two bytes long.
std::string long_text(std::size_t count) {
  std::string s;
  for (std::size_t i = 0; i < count; ++i) s += (i % 3 == 0) ? "\xc3\xa9" : "x";
  return s;
}

// The maximal payload of v's message with v's change made.
std::string apply(const cases::Variant& v) {
  rapidjson::Document doc;
  doc.Parse(cases::kMessages[v.message].maximal);
  REQUIRE_FALSE(doc.HasParseError());
  auto& alloc = doc.GetAllocator();
  const rapidjson::Pointer pointer(v.pointer);
  REQUIRE(pointer.IsValid());
  switch (v.change) {
    case cases::Change::Set: {
      rapidjson::Document value;
      value.Parse(v.value);
      REQUIRE_FALSE(value.HasParseError());
      rapidjson::Value copy(value, alloc);
      pointer.Set(doc, copy);
      break;
    }
    case cases::Change::Remove:
      REQUIRE(pointer.Erase(doc));
      break;
    case cases::Change::Long: {
      const std::string s = long_text(v.count);
      rapidjson::Value str(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
      REQUIRE(pointer.Get(doc) != nullptr);
      pointer.Set(doc, str);
      break;
    }
    case cases::Change::Repeat: {
      rapidjson::Value* array = pointer.Get(doc);
      REQUIRE(array != nullptr);
      REQUIRE(array->IsArray());
      REQUIRE_FALSE(array->Empty());
      const rapidjson::Value first((*array)[0], alloc);
      array->Clear();
      for (std::size_t i = 0; i < v.count; ++i) array->PushBack(rapidjson::Value(first, alloc), alloc);
      break;
    }
  }
  return write(doc);
}

template <class T>
Error decode_error(std::string_view json) {
  T out;
  Error err;
  INFO(json);
  CHECK_FALSE(codec::from_json(json, out, err));
  return err;
}

template <class T>
Error validate_error(const T& msg) {
  Error err;
  CHECK_FALSE(codec::validate(msg, err));
  return err;
}

}  // namespace

TEST_CASE("v201: Action lists the 64 actions and round-trips their names", "[v201][codec]") {
  std::vector<Action> all;
#define OCPP_TEST_ADD(name) all.push_back(Action::name);
  OCPP_V201_ACTIONS(OCPP_TEST_ADD)
#undef OCPP_TEST_ADD
  REQUIRE(all.size() == 64);
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(static_cast<std::size_t>(all[i]) == i);
    const std::string_view name = to_string(all[i]);
    REQUIRE_FALSE(name.empty());
    Action back = Action::Authorize;
    CHECK(from_string(name, back));
    CHECK(back == all[i]);
  }
  CHECK(to_string(Action::Get15118EVCertificate) == "Get15118EVCertificate");
  CHECK(to_string(Action::TransactionEvent) == "TransactionEvent");
  Action a;
  CHECK_FALSE(from_string("transactionevent", a));
  CHECK(TransactionEventRequest::action == Action::TransactionEvent);
  CHECK(TransactionEventResponse::Request::action == Action::TransactionEvent);
  CHECK(std::is_same_v<BootNotificationRequest::Response, BootNotificationResponse>);
}

TEST_CASE("v201: the schemas' enumeration names and wire strings", "[v201][codec]") {
  CHECK(to_string(ConnectorStatusEnumType::Available) == "Available");
  CHECK(to_string(MeasurandEnumType::Energy_Active_Import_Register) == "Energy.Active.Import.Register");
  CHECK(to_string(PhaseEnumType::L1_N) == "L1-N");
  CHECK(to_string(ReadingContextEnumType::Transaction_Begin) == "Transaction.Begin");
  IdTokenEnumType t = IdTokenEnumType::Central;
  CHECK(from_string("ISO14443", t));
  CHECK(t == IdTokenEnumType::ISO14443);
  CHECK_FALSE(from_string("iso14443", t));
}

TEST_CASE("v201: the 2.0.1 error codes are spelled as in OCPP 2.0.1 part 4", "[v201][codec]") {
  using ocpp::RpcDialect;
  CHECK(ocpp::to_string(RpcErrorCode::FormatViolation, RpcDialect::ocpp201) == "FormatViolation");
  CHECK(ocpp::to_string(RpcErrorCode::OccurrenceConstraintViolation, RpcDialect::ocpp201) ==
        "OccurrenceConstraintViolation");
  CHECK(ocpp::to_string(RpcErrorCode::MessageTypeNotSupported, RpcDialect::ocpp201) == "MessageTypeNotSupported");
  CHECK(ocpp::to_string(RpcErrorCode::RpcFrameworkError, RpcDialect::ocpp201) == "RpcFrameworkError");
  // One code, two spellings: OCPP-J 1.6 keeps its own.
  CHECK(RpcErrorCode::FormationViolation == RpcErrorCode::FormatViolation);
  CHECK(ocpp::to_string(RpcErrorCode::FormatViolation, RpcDialect::ocpp16) == "FormationViolation");
  CHECK(ocpp::to_string(RpcErrorCode::MessageTypeNotSupported, RpcDialect::ocpp16) == "FormationViolation");
  // 1.6's spellings are unchanged.
  CHECK(ocpp::to_string(RpcErrorCode::FormationViolation) == "FormationViolation");
  CHECK(ocpp::to_string(RpcErrorCode::OccurenceConstraintViolation) == "OccurenceConstraintViolation");
}

TEST_CASE("v201: every message, maximal and minimal, decodes, validates and encodes back", "[v201][codec]") {
  REQUIRE(std::size(cases::kMessages) == 128);
  for (const cases::Message& m : cases::kMessages) {
    const Runner runner = runner_for(m.name);
    INFO(m.name);
    REQUIRE(runner != nullptr);
    for (const char* payload : {m.maximal, m.minimal}) {
      INFO(payload);
      const Outcome o = runner(payload);
      INFO(o.err.message);
      REQUIRE(o.decoded);
      INFO(o.validate_err.message);
      CHECK(o.valid);
      INFO(o.encoded);
      CHECK(equivalent(payload, o.encoded));
      CHECK(o.stable);
    }
  }
}

TEST_CASE("v201: every variant of every message is accepted or refused as its schema says", "[v201][codec]") {
  std::size_t valid = 0;
  std::size_t refused = 0;
  for (const cases::Variant& v : cases::kVariants) {
    const cases::Message& m = cases::kMessages[v.message];
    INFO(m.name << " " << v.pointer << " " << (v.value ? v.value : "") << " " << v.count);
    const std::string payload = apply(v);
    const Outcome o = runner_for(m.name)(payload);
    if (v.code == nullptr) {
      INFO(o.err.message);
      CHECK(o.decoded);
      if (!o.decoded) continue;
      INFO(o.validate_err.message);
      CHECK(o.valid);
      INFO(o.encoded);
      CHECK(equivalent(payload, o.encoded));
      CHECK(o.stable);
      ++valid;
    } else {
      INFO(o.err.message);
      CHECK_FALSE(o.decoded);
      if (o.decoded) continue;
      CHECK(ocpp::to_string(o.err.code, ocpp::RpcDialect::ocpp201) == v.code);
      const std::string path = path_of(v.pointer) + ":";
      CHECK(o.err.message.compare(0, path.size(), path) == 0);
      ++refused;
    }
  }
  CHECK(valid > 1000);
  CHECK(refused > 2000);
}

TEST_CASE("v201: customData keeps every vendor property and round-trips", "[v201][codec][customData]") {
  const std::string json =
      R"({"customData":{"vendorId":"com.example.meter","mainMeterValue":12345,)"
      R"("sessionsToDate":342,"detail":{"list":[1,2.5,"\u00e9",null,true],"empty":{}}}})";
  HeartbeatRequest req;
  Error err;
  REQUIRE(codec::from_json(json, req, err));
  REQUIRE(req.customData.has_value());
  CHECK(req.customData->text ==
        R"({"vendorId":"com.example.meter","mainMeterValue":12345,"sessionsToDate":342,)"
        "\"detail\":{\"list\":[1,2.5,\"\xc3\xa9\",null,true],\"empty\":{}}}");
  CHECK(equivalent(codec::to_json(req), json));
  CHECK(codec::validate(req, err));

  // Nested customData too, next to typed fields.
  BootNotificationRequest boot;
  REQUIRE(codec::from_json(
      R"({"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V",)"
      R"("customData":{"vendorId":"x","rack":"B7"},"modem":{"iccid":"1","customData":{"vendorId":"y"}}}})",
      boot, err));
  REQUIRE(boot.chargingStation.customData.has_value());
  CHECK(boot.chargingStation.customData->text == R"({"vendorId":"x","rack":"B7"})");
  REQUIRE(boot.chargingStation.modem.has_value());
  CHECK(boot.chargingStation.modem->customData->text == R"({"vendorId":"y"})");
  CHECK_FALSE(boot.customData.has_value());
}

TEST_CASE("v201: customData set by the library's user is written as it is, once valid", "[v201][codec][customData]") {
  HeartbeatRequest req;
  req.customData = RawJson{R"({ "vendorId" : "com.example", "n" : [1, 2] })"};
  Error err;
  REQUIRE(codec::validate(req, err));
  CHECK(codec::to_json(req) == R"({"customData":{ "vendorId" : "com.example", "n" : [1, 2] }})");

  req.customData = RawJson{R"({"vendorId":"com.example",)"};
  Error e = validate_error(req);
  CHECK(e.code == RpcErrorCode::FormatViolation);
  CHECK(e.message.rfind("customData: not valid JSON", 0) == 0);

  req.customData = RawJson{R"({"vendorId":"a"} {})"};
  CHECK(validate_error(req).code == RpcErrorCode::FormatViolation);

  req.customData = RawJson{R"({"n":1})"};
  e = validate_error(req);
  CHECK(e.code == RpcErrorCode::OccurrenceConstraintViolation);
  CHECK(e.message == "customData.vendorId: required property missing");

  req.customData = RawJson{R"(["vendorId"])"};
  CHECK(validate_error(req).code == RpcErrorCode::FormatViolation);
  req.customData = RawJson{R"("vendorId")"};
  CHECK(validate_error(req).code == RpcErrorCode::TypeConstraintViolation);
  req.customData = RawJson{R"({"vendorId":7})"};
  CHECK(validate_error(req).code == RpcErrorCode::TypeConstraintViolation);
  req.customData = RawJson{"{\"vendorId\":\"" + std::string(256, 'v') + "\"}"};
  e = validate_error(req);
  CHECK(e.code == RpcErrorCode::PropertyConstraintViolation);
  CHECK(e.message == "customData.vendorId: longer than 255 characters");

  // Deeper than the bounded parser allows (core/json.hpp): refused, not a stack overflow.
  req.customData = RawJson{R"({"vendorId":"a","deep":)" + std::string(100, '[') + std::string(100, ']') + "}"};
  CHECK(validate_error(req).code == RpcErrorCode::FormatViolation);
}

TEST_CASE("v201: DataTransfer's untyped data holds any JSON value", "[v201][codec]") {
  for (const char* data : {R"("text")", "42", "-1.5", "null", "true", R"([1,{"a":[]}])", R"({"k":"v"})"}) {
    const std::string json = std::string(R"({"data":)") + data + R"(,"vendorId":"com.example"})";
    DataTransferRequest req;
    Error err;
    INFO(json);
    REQUIRE(codec::from_json(json, req, err));
    REQUIRE(req.data.has_value());
    CHECK(req.data->text == data);
    CHECK(codec::to_json(req) == json);
  }
  DataTransferResponse resp;
  resp.status = DataTransferStatusEnumType::Accepted;
  resp.data = RawJson{"[1, 2"};
  CHECK(validate_error(resp).code == RpcErrorCode::FormatViolation);
  resp.data = RawJson{"[1, 2]"};
  Error err;
  CHECK(codec::validate(resp, err));
  CHECK(codec::to_json(resp) == R"({"status":"Accepted","data":[1, 2]})");
}

TEST_CASE("v201: an open object's undeclared properties are kept beside its typed fields", "[v201][codec]") {
  // ChargingProfileCriterionType is the one typed object whose schema allows more properties.
  const std::string json =
      R"({"requestId":5,"chargingProfile":{"stackLevel":2,"vendorHint":{"a":[1]},"chargingProfileId":[7,8]}})";
  GetChargingProfilesRequest req;
  Error err;
  REQUIRE(codec::from_json(json, req, err));
  CHECK(req.chargingProfile.stackLevel == 2);
  REQUIRE(req.chargingProfile.additional_properties.has_value());
  CHECK(req.chargingProfile.additional_properties->text == R"({"vendorHint":{"a":[1]}})");
  CHECK(equivalent(codec::to_json(req), json));
  CHECK(codec::validate(req, err));

  GetChargingProfilesRequest plain;
  REQUIRE(codec::from_json(R"({"requestId":5,"chargingProfile":{"stackLevel":2}})", plain, err));
  CHECK_FALSE(plain.chargingProfile.additional_properties.has_value());

  req.chargingProfile.additional_properties = RawJson{R"({"stackLevel":3})"};
  Error e = validate_error(req);
  CHECK(e.code == RpcErrorCode::FormatViolation);
  CHECK(e.message == "chargingProfile.additional_properties: repeats the declared property 'stackLevel'");
  req.chargingProfile.additional_properties = RawJson{"[]"};
  CHECK(validate_error(req).code == RpcErrorCode::FormatViolation);
}

TEST_CASE("v201: a property named like a member of every message gets a trailing underscore", "[v201][codec]") {
  Get15118EVCertificateRequest req;
  req.iso15118SchemaVersion = "urn:iso:15118:2:2013:MsgDef";
  req.action_ = CertificateActionEnumType::Update;
  req.exiRequest = "AAAA";
  CHECK(Get15118EVCertificateRequest::action == Action::Get15118EVCertificate);
  const std::string json = codec::to_json(req);
  CHECK(json == R"({"iso15118SchemaVersion":"urn:iso:15118:2:2013:MsgDef","action":"Update","exiRequest":"AAAA"})");
  Get15118EVCertificateRequest back;
  Error err;
  REQUIRE(codec::from_json(json, back, err));
  CHECK(back == req);
}

TEST_CASE("v201: error classification per OCPP 2.0.1 part 4", "[v201][codec]") {
  // Not JSON, or not an object: FormatViolation.
  Error e = decode_error<HeartbeatRequest>("{");
  CHECK(e.code == RpcErrorCode::FormatViolation);
  CHECK(decode_error<HeartbeatRequest>("[]").code == RpcErrorCode::FormatViolation);
  CHECK(decode_error<HeartbeatRequest>("42").code == RpcErrorCode::FormatViolation);
  // A property the schema does not allow: FormatViolation.
  e = decode_error<HeartbeatRequest>(R"({"beat":1})");
  CHECK(e.code == RpcErrorCode::FormatViolation);
  CHECK(e.message == "beat: property not allowed");
  // A required property missing: OccurrenceConstraintViolation.
  e = decode_error<StatusNotificationRequest>(
      R"({"timestamp":"2024-01-01T00:00:00Z","connectorStatus":"Available","evseId":1})");
  CHECK(e.code == RpcErrorCode::OccurrenceConstraintViolation);
  CHECK(e.message == "connectorId: required property missing");
  // Wrong JSON type: TypeConstraintViolation.
  e = decode_error<StatusNotificationRequest>(
      R"({"timestamp":"2024-01-01T00:00:00Z","connectorStatus":"Available","evseId":"1","connectorId":1})");
  CHECK(e.code == RpcErrorCode::TypeConstraintViolation);
  CHECK(e.message == "evseId: expected an integer");
  // Enum value, maxLength, date-time, bounds: PropertyConstraintViolation.
  e = decode_error<StatusNotificationRequest>(
      R"({"timestamp":"2024-01-01T00:00:00Z","connectorStatus":"Charging","evseId":1,"connectorId":1})");
  CHECK(e.code == RpcErrorCode::PropertyConstraintViolation);
  CHECK(e.message == "connectorStatus: unknown enum value 'Charging'");
  e = decode_error<AuthorizeRequest>(R"({"idToken":{"idToken":")" + std::string(37, 'a') + R"(","type":"Central"}})");
  CHECK(e.code == RpcErrorCode::PropertyConstraintViolation);
  CHECK(e.message == "idToken.idToken: longer than 36 characters");
  // minItems: OccurrenceConstraintViolation.
  e = decode_error<GetVariablesRequest>(R"({"getVariableData":[]})");
  CHECK(e.code == RpcErrorCode::OccurrenceConstraintViolation);
  CHECK(e.message == "getVariableData: expected at least 1 item(s), got 0");

  // validate checks what the C++ types cannot hold: bounds, lengths, item counts.
  NotifyEVChargingNeedsRequest needs;
  needs.evseId = 1;
  needs.chargingNeeds.dcChargingParameters.emplace();
  needs.chargingNeeds.dcChargingParameters->stateOfCharge = 101;
  e = validate_error(needs);
  CHECK(e.code == RpcErrorCode::PropertyConstraintViolation);
  CHECK(e.message == "chargingNeeds.dcChargingParameters.stateOfCharge: greater than the maximum 100");
  needs.chargingNeeds.dcChargingParameters->stateOfCharge = -1;
  CHECK(validate_error(needs).message ==
        "chargingNeeds.dcChargingParameters.stateOfCharge: less than the minimum 0");
  needs.chargingNeeds.dcChargingParameters->stateOfCharge = 100;
  Error ok;
  CHECK(codec::validate(needs, ok));

  GetVariablesRequest get;
  CHECK(validate_error(get).code == RpcErrorCode::OccurrenceConstraintViolation);
}

TEST_CASE("v201: date-times are read in any offset and written in UTC", "[v201][codec]") {
  HeartbeatResponse resp;
  Error err;
  REQUIRE(codec::from_json(R"({"currentTime":"2024-03-01T01:59:59.5+02:00"})", resp, err));
  CHECK(resp.currentTime == ocpp::DateTime(std::chrono::milliseconds(1709251199500)));
  CHECK(codec::to_json(resp) == R"({"currentTime":"2024-02-29T23:59:59.500Z"})");
}
