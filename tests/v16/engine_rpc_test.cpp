// The RPC layer of the engine (OCPP-J 1.6 section 4): one CALL of ours at a time, replies
// matched by id, timeouts, and the exact CALLERROR for each kind of malformed CALL.
#include <catch2/catch.hpp>

#include <set>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::ChargePointStatus;

namespace {

using test::parse;

std::size_t index_of(const std::vector<std::string>& frames, const std::string& needle) {
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (frames[i].find(needle) != std::string::npos) return i;
  return frames.size();
}

}  // namespace

TEST_CASE("rpc: one CALL in flight; an incoming CALL is answered meanwhile, before queued CALLs",
          "[v16][engine][rpc]") {
  // OCPP-J 1.6 section 4.1.1: no CALL before the previous one is answered or timed out; the
  // note there: CALLs from the other side may cross and are answered.
  test::Harness h;
  auto& e = h.start();
  h.connect();
  const auto before = h.calls.size();
  h.policy["Authorize"] = [](const test::SentCall&) -> std::optional<std::string> { return std::nullopt; };
  REQUIRE(!e.present_id_tag("CARD1", std::nullopt, h.now()));
  h.pump();
  REQUIRE(h.held.size() == 1);
  REQUIRE(h.calls.size() == before + 1);
  REQUIRE(h.calls.back().action == "Authorize");

  REQUIRE(!e.plug_in(1, h.now()));  // queues StatusNotification(Preparing)
  h.advance(5s);
  CHECK(h.calls.size() == before + 1);  // nothing else goes out while Authorize is unanswered

  auto r = h.csms_call("gc-1", "GetConfiguration", R"({"key":["HeartbeatInterval"]})");
  REQUIRE(r.has_value());
  auto d = parse(*r);
  CHECK(d[0].GetInt() == 3);
  CHECK(std::string(d[2]["configurationKey"][0]["value"].GetString()) == "300");
  CHECK(h.calls.size() == before + 1);  // still no CALL of ours

  h.answer_held(R"({"idTagInfo":{"status":"Accepted"}})");
  // The reply went out before any CALL queued behind the Authorize.
  const auto reply_at = index_of(h.frames, "\"gc-1\"");
  const auto status_at = index_of(h.frames, "\"Preparing\"");
  CHECK(reply_at < status_at);
  CHECK(status_at < h.frames.size());
  CHECK(h.calls_of("StartTransaction").size() == 1);
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);
}

TEST_CASE("rpc: CALLRESULT and CALLERROR with an unknown id are ignored, the session goes on",
          "[v16][engine][rpc][pitfall]") {
  // Pitfall libocpp #1137 ("CALLRESULT without a message in flight"); OCPP-J 1.6 section 4.1.4:
  // replies are matched by message id.
  test::Harness h;
  auto& e = h.start();
  h.connect();
  const auto results_before = h.results.size();
  h.csms_send(R"([3,"no-such-id",{"currentTime":"2026-01-01T00:00:00Z"}])");
  h.csms_send(R"([4,"other-unknown","InternalError","boom",{}])");
  CHECK(h.results.size() == results_before);  // replies are never answered

  // With a CALL in flight, a foreign reply must not complete it.
  h.policy["Authorize"] = [](const test::SentCall&) -> std::optional<std::string> { return std::nullopt; };
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  REQUIRE(h.held.size() == 1);
  h.csms_send(R"([3,"no-such-id",{"idTagInfo":{"status":"Accepted"}}])");
  h.csms_send(R"([4,"no-such-id","GenericError","",{}])");
  CHECK(e.connector_state(1)->status == ChargePointStatus::Available);  // not authorized by it
  h.answer_held(R"({"idTagInfo":{"status":"Accepted"}})");
  CHECK(e.connector_state(1)->status == ChargePointStatus::Preparing);
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  CHECK(h.calls_of("StartTransaction").size() == 1);
  CHECK(e.connector_state(1)->transaction->transactionId == 1001);
}

TEST_CASE("rpc: a late duplicate reply is ignored", "[v16][engine][rpc][pitfall]") {
  // Pitfall libocpp #1137: a reply that arrives twice is matched by id or ignored.
  test::Harness h;
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  auto starts = h.calls_of("StartTransaction");
  REQUIRE(starts.size() == 1);
  REQUIRE(e.connector_state(1)->transaction->transactionId == 1001);
  // The same reply again, now with a different transactionId: must change nothing.
  h.csms_send("[3,\"" + starts[0].id + R"(",{"transactionId":9999,"idTagInfo":{"status":"Invalid"}}])");
  CHECK(e.connector_state(1)->transaction->transactionId == 1001);
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);
  REQUIRE(!e.stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.pump();
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].json()["transactionId"].GetInt() == 1001);
  CHECK(e.queued_transaction_messages() == 0);
}

TEST_CASE("rpc: response timeout drops a volatile CALL and retries a durable one",
          "[v16][engine][rpc][timeout]") {
  // OCPP-J 1.6 section 4.1.1 (a CALL times out); OCPP 1.6 section 3.7.1: a missing answer to a
  // transaction-related message is a failure to process it, retried after
  // TransactionMessageRetryInterval.
  test::Harness h(nullptr, 1, {{"TransactionMessageRetryInterval", "5"}});
  h.options_.call_timeout = 10s;
  std::vector<std::string> auth;
  h.hooks.authorize = [&](const std::string& tag, const ocpp::v16::IdTagInfo& info) {
    auth.push_back(tag + " " + std::string(ocpp::v16::to_string(info.status)));
  };
  auto& e = h.start();
  h.connect();

  SECTION("volatile: Authorize is not sent again; the offline rule decides") {
    h.policy["Authorize"] = [](const test::SentCall&) -> std::optional<std::string> { return std::nullopt; };
    REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
    h.pump();
    REQUIRE(h.held.size() == 1);
    REQUIRE(!e.plug_in(1, h.now()));
    h.advance(9s);
    CHECK(auth.empty());
    CHECK(h.calls.back().action == "Authorize");
    h.advance(1s);
    // AllowOfflineTxForUnknownId is false: Invalid, no transaction (section 9.1.1).
    CHECK(auth == std::vector<std::string>{"CARD1 Invalid"});
    CHECK(h.calls_of("Authorize").size() == 1);
    CHECK(h.calls.back().action == "StatusNotification");  // the queue moves on
    CHECK(h.seconds(h.calls.back().at) == 10);
    // The late answer to the timed-out Authorize is ignored.
    h.answer_held(R"({"idTagInfo":{"status":"Accepted"}})");
    CHECK(!e.connector_state(1)->transaction.has_value());
    CHECK(h.calls_of("StartTransaction").empty());
  }

  SECTION("durable: StartTransaction is sent again after the retry interval") {
    h.policy["StartTransaction"] = [](const test::SentCall&) -> std::optional<std::string> {
      return std::nullopt;
    };
    REQUIRE(!e.plug_in(1, h.now()));
    REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
    h.pump();
    REQUIRE(h.calls_of("StartTransaction").size() == 1);
    const auto t0 = h.seconds(h.calls_of("StartTransaction")[0].at);
    h.advance(14s);
    CHECK(h.calls_of("StartTransaction").size() == 1);
    h.policy["StartTransaction"] = [](const test::SentCall&) -> std::optional<std::string> {
      return R"({"transactionId":77,"idTagInfo":{"status":"Accepted"}})";
    };
    h.advance(1s);  // timeout at t0+10, then 5 s × 1 previous transmission
    auto starts = h.calls_of("StartTransaction");
    REQUIRE(starts.size() == 2);
    CHECK(h.seconds(starts[1].at) == t0 + 15);
    CHECK(starts[1].id != starts[0].id);
    CHECK(e.connector_state(1)->transaction->transactionId == 77);
    CHECK(e.queued_transaction_messages() == 0);
  }
}

TEST_CASE("rpc: frames that are not JSON are ignored and the session continues",
          "[v16][engine][rpc][malformed]") {
  // OCPP-J 1.6 section 4.1.2: a message must be valid JSON; without a readable id there is
  // nobody to answer (pitfall: the CSMS may send broken frames).
  test::Harness h;
  auto& e = h.start();
  h.connect();
  const auto results_before = h.results.size();
  h.csms_send("this is not json");
  h.csms_send("{}");
  h.csms_send("[]");
  h.csms_send("");
  CHECK(h.results.size() == results_before);
  // A truncated CALL whose id was read before the text broke off is answered (OCPP-J 1.6
  // 4.2.3: the payload does not conform to the PDU structure).
  h.csms_send("[2,\"abc\",\"Heartbeat\"");
  REQUIRE(h.results.size() == results_before + 1);
  CHECK(h.results.back().find(R"([4,"abc","FormationViolation")") == 0);
  CHECK(e.is_connected());
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 1);
  CHECK(e.connector_state(1)->status == ChargePointStatus::Preparing);
  auto r = h.csms_call("after-garbage", "GetConfiguration", "{}");
  REQUIRE(r.has_value());
  CHECK(parse(*r)[0].GetInt() == 3);
}

TEST_CASE("rpc: malformed CALLs are answered with the exact CALLERROR code and the CALL's id",
          "[v16][engine][rpc][malformed]") {
  // OCPP-J 1.6 section 4.2.3, table 7 (error codes); section 4.1.3 (unknown message type);
  // section 4.1.4 (message id at most 36 characters; the reply carries the CALL's id).
  test::Harness h;
  h.start();
  h.connect();
  struct Case {
    const char* frame;
    const char* id;
    const char* code;
  };
  const std::string id37(37, 'x');
  const std::string long_frame = "[2,\"" + id37 + "\",\"GetConfiguration\",{}]";
  const Case cases[] = {
      // wrong JSON type of a field
      {R"([2,"t1","ChangeConfiguration",{"key":5,"value":"1"}])", "t1", "TypeConstraintViolation"},
      {R"([2,"t1b","RemoteStopTransaction",{"transactionId":"12"}])", "t1b", "TypeConstraintViolation"},
      // a required field missing
      {R"([2,"t2","ChangeConfiguration",{"key":"HeartbeatInterval"}])", "t2", "OccurenceConstraintViolation"},
      {R"([2,"t2b","RemoteStartTransaction",{"connectorId":1}])", "t2b", "OccurenceConstraintViolation"},
      // a value outside its enumeration
      {R"([2,"t3","RemoteStartTransaction",{"connectorId":1,"idTag":"A","chargingProfile":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"Bogus","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":10}]}}}])",
       "t3", "PropertyConstraintViolation"},
      // an action nobody knows
      {R"([2,"t4","MakeCoffee",{}])", "t4", "NotImplemented"},
      // an action only a charge point sends
      {R"([2,"t5","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}])", "t5", "NotSupported"},
      {R"([2,"t5b","StartTransaction",{"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"2026-01-01T00:00:00Z"}])",
       "t5b", "NotSupported"},
      // a value outside its enumeration in a Core action (Reset is implemented now: core_actions)
      {R"([2,"t6","Reset",{"type":"Warm"}])", "t6", "PropertyConstraintViolation"},
      // an unknown message type id with a readable id
      {R"([5,"t7","Heartbeat",{}])", "t7", "FormationViolation"},
      // the payload is not an object
      {R"([2,"t8","GetConfiguration",[]])", "t8", "FormationViolation"},
      {R"([2,"t8b","GetConfiguration","key"])", "t8b", "FormationViolation"},
      // a message id longer than 36 characters
      {long_frame.c_str(), id37.c_str(), "FormationViolation"},
  };
  for (const auto& c : cases) {
    INFO(c.frame);
    const auto before = h.results.size();
    h.csms_send(c.frame);
    REQUIRE(h.results.size() == before + 1);
    auto d = parse(h.results.back());
    REQUIRE(d.IsArray());
    REQUIRE(d.Size() == 5);
    CHECK(d[0].GetInt() == 4);
    CHECK(std::string(d[1].GetString()) == c.id);
    CHECK(std::string(d[2].GetString()) == c.code);
    CHECK(d[3].IsString());
    CHECK(d[4].IsObject());
  }
  // Well-formed CALLs are answered with a CALLRESULT carrying their id.
  auto r = h.csms_call("ok-1", "GetConfiguration", "{}");
  REQUIRE(r.has_value());
  CHECK(parse(*r)[0].GetInt() == 3);
  // A CALL id of exactly 36 characters is fine.
  const std::string id36(36, 'y');
  r = h.csms_call(id36, "GetConfiguration", R"({"key":["NumberOfConnectors"]})");
  REQUIRE(r.has_value());
  CHECK(parse(*r)[0].GetInt() == 3);
}

TEST_CASE("rpc: our CALL ids are unique and at most 36 characters", "[v16][engine][rpc]") {
  // OCPP-J 1.6 section 4.1.4.
  test::Harness h(nullptr, 2, {{"MeterValueSampleInterval", "5"}});
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  h.advance(60s);
  h.disconnect();
  h.connect();
  REQUIRE(!e.stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.advance(900s);  // heartbeats
  REQUIRE(h.calls.size() > 20);
  std::set<std::string> ids;
  for (const auto& c : h.calls) {
    CHECK(!c.id.empty());
    CHECK(c.id.size() <= 36);
    ids.insert(c.id);
  }
  CHECK(ids.size() == h.calls.size());
}

TEST_CASE("rpc: CALLERROR codes outside the list and short CALLERRORs are failures of the CALL",
          "[v16][engine][rpc][pitfall]") {
  // Pitfall: the CSMS may send error codes outside OCPP-J 1.6 table 7 (section 4.2.3).
  test::Harness h(nullptr, 1, {{"TransactionMessageRetryInterval", "10"}});
  auto& e = h.start();
  h.connect();
  h.answer_error["StartTransaction"] = "NoSuchErrorCode";
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  REQUIRE(h.calls_of("StartTransaction").size() == 1);
  h.answer_error.clear();
  h.policy["StartTransaction"] = [](const test::SentCall&) -> std::optional<std::string> { return std::nullopt; };
  h.advance(10s);
  REQUIRE(h.calls_of("StartTransaction").size() == 2);
  // A CALLERROR without description or details still fails the CALL.
  h.csms_send("[4,\"" + h.held.at(0).id + "\",\"InternalError\"]");
  h.csms_send("[4,\"" + h.held.at(0).id + "\",\"InternalError\",\"\"]");
  h.held.clear();
  h.policy.erase("StartTransaction");
  h.policy["StartTransaction"] = [](const test::SentCall&) -> std::optional<std::string> {
    return R"({"transactionId":8,"idTagInfo":{"status":"Accepted"}})";
  };
  h.advance(20s);
  auto starts = h.calls_of("StartTransaction");
  REQUIRE(starts.size() == 3);
  CHECK(h.seconds(starts[2].at) - h.seconds(starts[1].at) == 20);  // 10 s × 2 transmissions
  CHECK(e.connector_state(1)->transaction->transactionId == 8);
}

TEST_CASE("rpc: a decision made after the connection dropped is not answered on the next one",
          "[v16][engine][rpc][reconnect]") {
  // OCPP-J 1.6 section 4.1.4: message ids belong to one WebSocket connection.
  test::Harness h;
  auto& e = h.start();
  h.connect();
  e.receive(R"([2,"rs-old","RemoteStartTransaction",{"connectorId":1,"idTag":"R1"}])", h.now());
  h.disconnect();  // runs the hook, but the connection is gone
  h.connect();
  h.pump();
  CHECK(!h.reply_to("rs-old").has_value());
  auto r = h.csms_call("gc-new", "GetConfiguration", R"({"key":["NumberOfConnectors"]})");
  REQUIRE(r.has_value());
}

TEST_CASE("every Security Whitepaper CALL is handled: an empty payload is a schema error, never NotSupported",
          "[v16][engine][rpc]") {
  test::Harness h;
  h.start();
  h.connect();
  // Each one's schema has required fields: the answer names the violation (OCPP-J 1.6 4.2.3);
  // the behaviour is tested in tests/v16/security/.
  for (const char* action : {"CertificateSigned", "DeleteCertificate", "ExtendedTriggerMessage",
                             "GetInstalledCertificateIds", "GetLog", "InstallCertificate", "SignedUpdateFirmware"}) {
    h.results.clear();
    h.csms_send(std::string(R"([2,"sec-1",")") + action + R"(",{}])");
    REQUIRE(h.results.size() == 1);
    INFO(action << ": " << h.results[0]);
    CHECK(h.results[0].find(R"([4,"sec-1",")") == 0);
    CHECK(h.results[0].find("NotSupported") == std::string::npos);
    CHECK(h.results[0].find("NotImplemented") == std::string::npos);
  }
  // An action nobody knows is still NotImplemented.
  h.results.clear();
  h.csms_send(R"([2,"sec-2","MakeTea",{}])");
  REQUIRE(h.results.size() == 1);
  CHECK(h.results[0].find(R"([4,"sec-2","NotImplemented")") == 0);
}

TEST_CASE("rpc: a CALL with the id of a call still being handled is refused, the first one answered",
          "[v16][engine][rpc]") {
  // OCPP-J 1.6 section 4.2.3: "an existing call with the same unique identifier is being handled
  // already" is a reason for a CallError. RemoteStartTransaction waits for the firmware's hook,
  // so the second frame arrives while the first is being handled.
  test::Harness h;
  auto& e = h.start();
  h.connect();
  const auto before = h.results.size();
  e.receive(R"([2,"same","RemoteStartTransaction",{"connectorId":1,"idTag":"R1"}])", h.now());
  e.receive(R"([2,"same","RemoteStartTransaction",{"connectorId":1,"idTag":"R2"}])", h.now());
  h.pump();
  REQUIRE(h.results.size() == before + 2);
  auto refused = parse(h.results[before]);
  REQUIRE(refused[0].GetInt() == 4);
  CHECK(std::string(refused[1].GetString()) == "same");
  CHECK(std::string(refused[2].GetString()) == "FormationViolation");
  auto answered = parse(h.results[before + 1]);
  REQUIRE(answered[0].GetInt() == 3);
  CHECK(std::string(answered[1].GetString()) == "same");
  CHECK(std::string(answered[2]["status"].GetString()) == "Accepted");
  // Only the first one took effect: one authorization for R1, none for R2.
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  REQUIRE(h.calls_of("StartTransaction").size() == 1);
  CHECK(h.calls_of("StartTransaction")[0].json()["idTag"].GetString() == std::string("R1"));

  // Once answered, the id is free again (the rule is about calls in progress); a new
  // connection starts afresh too.
  const auto answered_before = h.results.size();
  h.csms_send(R"([2,"same","GetConfiguration",{"key":["HeartbeatInterval"]}])");
  REQUIRE(h.results.size() == answered_before + 1);
  CHECK(parse(h.results.back())[0].GetInt() == 3);
  e.receive(R"([2,"rs","RemoteStartTransaction",{"connectorId":1,"idTag":"R3"}])", h.now());
  h.disconnect();  // the call is dropped with its connection (no answer, see the test above)
  h.connect();
  auto fresh = h.csms_call("rs", "GetConfiguration", R"({"key":["HeartbeatInterval"]})");
  REQUIRE(fresh.has_value());
  CHECK(parse(*fresh)[0].GetInt() == 3);
}
