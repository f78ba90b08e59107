// RemoteStartTransaction and RemoteStopTransaction (OCPP 1.6 sections 5.11 and 5.12).
#include <catch2/catch.hpp>

#include <algorithm>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::ChargePointStatus;
using ocpp::v16::RemoteStartStopStatus;

namespace {

std::string status_of_reply(const std::optional<std::string>& reply) {
  REQUIRE(reply.has_value());
  rapidjson::Document d;
  d.Parse(reply->c_str());
  REQUIRE(d.IsArray());
  REQUIRE(d[0].GetInt() == 3);
  return d[2]["status"].GetString();
}

std::size_t frame_index(const test::Harness& h, const std::string& needle) {
  for (std::size_t i = 0; i < h.frames.size(); ++i)
    if (h.frames[i].find(needle) != std::string::npos) return i;
  return h.frames.size();
}

}  // namespace

TEST_CASE("remote: RemoteStart Accepted is answered before its StartTransaction",
          "[v16][engine][remote]") {
  // OCPP 1.6 section 5.11: the charge point answers, then starts as for a local idTag.
  test::Harness h;
  std::vector<std::string> answered;
  h.hooks.remote_start_answered = [&](const ocpp::v16::RemoteStartTransactionRequest& r,
                                      RemoteStartStopStatus st) {
    answered.push_back(r.idTag + " " + std::string(ocpp::v16::to_string(st)));
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  CHECK(status_of_reply(h.csms_call("rs-1", "RemoteStartTransaction", R"({"connectorId":1,"idTag":"R1"})")) ==
        "Accepted");
  auto starts = h.calls_of("StartTransaction");
  REQUIRE(starts.size() == 1);
  CHECK(std::string(starts[0].json()["idTag"].GetString()) == "R1");
  CHECK(starts[0].json()["connectorId"].GetInt() == 1);
  CHECK(frame_index(h, "\"rs-1\"") < frame_index(h, "\"StartTransaction\""));
  CHECK(h.calls_of("Authorize").empty());  // AuthorizeRemoteTxRequests is false
  CHECK(answered == std::vector<std::string>{"R1 Accepted"});
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);
}

TEST_CASE("remote: RemoteStart without connectorId picks a free connector", "[v16][engine][remote]") {
  // OCPP 1.6 section 5.11: connectorId is optional; the charge point chooses.
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("LOCAL", 1, h.now()));
  h.pump();
  REQUIRE(e.connector_state(1)->transaction.has_value());
  CHECK(status_of_reply(h.csms_call("rs-1", "RemoteStartTransaction", R"({"idTag":"R1"})")) == "Accepted");
  CHECK(e.connector_state(2)->status == ChargePointStatus::Preparing);
  REQUIRE(!e.plug_in(2, h.now()));
  h.pump();
  REQUIRE(e.connector_state(2)->transaction.has_value());
  CHECK(e.connector_state(2)->transaction->idTag == "R1");
}

TEST_CASE("remote: RemoteStart is Rejected for connector 0, an unknown or a busy connector",
          "[v16][engine][remote][pitfall]") {
  // OCPP 1.6 section 5.11 ("connectorId SHALL be > 0"); pitfall open-ocpp #161.
  test::Harness h(nullptr, 2);
  int hook_calls = 0;
  h.hooks.remote_start = [&](const ocpp::v16::RemoteStartTransactionRequest&) {
    ++hook_calls;
    return RemoteStartStopStatus::Accepted;
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("LOCAL", 1, h.now()));
  h.pump();
  REQUIRE(e.connector_state(1)->transaction.has_value());
  CHECK(status_of_reply(h.csms_call("c0", "RemoteStartTransaction", R"({"connectorId":0,"idTag":"R1"})")) ==
        "Rejected");
  CHECK(status_of_reply(h.csms_call("c3", "RemoteStartTransaction", R"({"connectorId":3,"idTag":"R1"})")) ==
        "Rejected");
  CHECK(status_of_reply(h.csms_call("busy", "RemoteStartTransaction", R"({"connectorId":1,"idTag":"R1"})")) ==
        "Rejected");
  REQUIRE(!e.report_fault(2, ocpp::v16::ChargePointErrorCode::OtherError, "", h.now()));
  h.pump();
  CHECK(status_of_reply(h.csms_call("faulted", "RemoteStartTransaction", R"({"connectorId":2,"idTag":"R1"})")) ==
        "Rejected");
  CHECK(hook_calls == 0);  // the library's own checks come first
  CHECK(h.calls_of("StartTransaction").size() == 1);
  CHECK(e.connector_state(2)->status == ChargePointStatus::Faulted);
}

TEST_CASE("remote: the remote_start hook can refuse; nothing starts", "[v16][engine][remote][hooks]") {
  // OCPP 1.6 section 5.11: the charge point MAY refuse.
  test::Harness h;
  std::vector<std::string> seen;
  h.hooks.remote_start = [&](const ocpp::v16::RemoteStartTransactionRequest& r) {
    seen.push_back(r.idTag);
    return RemoteStartStopStatus::Rejected;
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  CHECK(status_of_reply(h.csms_call("rs-1", "RemoteStartTransaction", R"({"connectorId":1,"idTag":"R1"})")) ==
        "Rejected");
  CHECK(seen == std::vector<std::string>{"R1"});
  h.advance(120s);
  CHECK(h.calls_of("StartTransaction").empty());
  CHECK(h.calls_of("Authorize").empty());
  CHECK(!e.connector_state(1)->transaction.has_value());
  CHECK(e.connector_state(1)->status == ChargePointStatus::Preparing);  // just the cable
}

TEST_CASE("remote: AuthorizeRemoteTxRequests true sends Authorize before StartTransaction",
          "[v16][engine][remote][authorize]") {
  // OCPP 1.6 sections 5.11 and 9.1.3 (AuthorizeRemoteTxRequests).
  test::Harness h(nullptr, 1, {{"AuthorizeRemoteTxRequests", "true"}});
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  CHECK(status_of_reply(h.csms_call("rs-1", "RemoteStartTransaction", R"({"connectorId":1,"idTag":"R1"})")) ==
        "Accepted");
  auto a = h.actions();
  auto auth = std::find(a.begin(), a.end(), "Authorize");
  auto start = std::find(a.begin(), a.end(), "StartTransaction");
  REQUIRE(auth != a.end());
  REQUIRE(start != a.end());
  CHECK(auth < start);
  CHECK(std::string(h.calls_of("Authorize")[0].json()["idTag"].GetString()) == "R1");

  SECTION("an idTag the CSMS does not accept starts nothing") {
    h.policy["Authorize"] = [](const test::SentCall&) -> std::optional<std::string> {
      return R"({"idTagInfo":{"status":"Blocked"}})";
    };
    REQUIRE(!e.stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
    h.pump();
    CHECK(status_of_reply(h.csms_call("rs-2", "RemoteStartTransaction", R"({"connectorId":1,"idTag":"R2"})")) ==
          "Accepted");
    CHECK(h.calls_of("Authorize").size() == 2);
    CHECK(h.calls_of("StartTransaction").size() == 1);
    CHECK(!e.connector_state(1)->transaction.has_value());
  }
}

TEST_CASE("remote: RemoteStop of an unknown transaction is Rejected, of a running one stops it (Remote)",
          "[v16][engine][remote]") {
  // OCPP 1.6 section 5.12.
  test::Harness h;
  std::vector<std::string> answered;
  h.hooks.remote_stop_answered = [&](std::int32_t id, RemoteStartStopStatus st) {
    answered.push_back(std::to_string(id) + " " + std::string(ocpp::v16::to_string(st)));
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  REQUIRE(e.connector_state(1)->transaction->transactionId == 1001);
  CHECK(status_of_reply(h.csms_call("stop-x", "RemoteStopTransaction", R"({"transactionId":4711})")) ==
        "Rejected");
  CHECK(h.calls_of("StopTransaction").empty());
  CHECK(status_of_reply(h.csms_call("stop-1", "RemoteStopTransaction", R"({"transactionId":1001})")) ==
        "Accepted");
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(std::string(stops[0].json()["reason"].GetString()) == "Remote");
  CHECK(stops[0].json()["transactionId"].GetInt() == 1001);
  CHECK(!stops[0].json().HasMember("idTag"));
  CHECK(frame_index(h, "\"stop-1\"") < frame_index(h, "\"StopTransaction\""));
  CHECK(e.connector_state(1)->status == ChargePointStatus::Finishing);
  // Once stopped, the same id is unknown.
  CHECK(status_of_reply(h.csms_call("stop-2", "RemoteStopTransaction", R"({"transactionId":1001})")) ==
        "Rejected");
  CHECK(answered == std::vector<std::string>{"4711 Rejected", "1001 Accepted", "1001 Rejected"});
}

TEST_CASE("remote: the remote_stop hook can refuse", "[v16][engine][remote][hooks]") {
  // OCPP 1.6 section 5.12.
  test::Harness h;
  h.hooks.remote_stop = [](const ocpp::v16::TransactionInfo& t) {
    CHECK(t.transactionId == 1001);
    CHECK(t.idTag == "CARD1");
    return RemoteStartStopStatus::Rejected;
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  CHECK(status_of_reply(h.csms_call("stop-1", "RemoteStopTransaction", R"({"transactionId":1001})")) ==
        "Rejected");
  CHECK(h.calls_of("StopTransaction").empty());
  CHECK(e.connector_state(1)->transaction.has_value());
}
