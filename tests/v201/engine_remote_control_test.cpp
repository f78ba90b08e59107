// UnlockConnector (OCPP 2.0.1 part 2 F05), TriggerMessage for MeterValues and
// TransactionEvent (F06.FR.06, F06.FR.07) and DataTransfer from the CSMS (P01).
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using test::v201::result_status;
using namespace std::chrono_literals;

namespace {

using test::v201::iso14443;

}  // namespace

TEST_CASE("v201 F05.FR.02 F05.FR.03 F05.FR.04 F05.FR.06: UnlockConnector", "[v201][remote]") {
  Harness h({2});
  std::vector<std::pair<int, int>> asked;
  h.hooks.unlock_connector = [&](int e, int c) {
    asked.emplace_back(e, c);
    return UnlockStatusEnumType::Unlocked;
  };
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("u1", "UnlockConnector", R"({"evseId":1,"connectorId":3})")) ==
        "UnknownConnector");
  CHECK(result_status(h.csms_call("u2", "UnlockConnector", R"({"evseId":2,"connectorId":1})")) ==
        "UnknownConnector");
  // F05.FR.06: no cable, tried anyway.
  CHECK(result_status(h.csms_call("u3", "UnlockConnector", R"({"evseId":1,"connectorId":2})")) ==
        "Unlocked");
  CHECK(asked == std::vector<std::pair<int, int>>{{1, 2}});
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(1, iso14443("TAG1"), h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.engine().transaction_id(1).has_value());
  CHECK(result_status(h.csms_call("u4", "UnlockConnector", R"({"evseId":1,"connectorId":1})")) ==
        "OngoingAuthorizedTransaction");
  CHECK(asked.size() == 1);  // F05.FR.02: not tried
}

TEST_CASE("v201 F05.FR.05: without the unlock hook, UnlockFailed", "[v201][remote]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("u1", "UnlockConnector", R"({"evseId":1,"connectorId":1})")) ==
        "UnlockFailed");
}

TEST_CASE("v201 F06.FR.06 F06.FR.07: TriggerMessage MeterValues and TransactionEvent",
          "[v201][remote][trigger]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  // Nothing measured yet, no transaction: nothing to send.
  CHECK(result_status(h.csms_call("t1", "TriggerMessage",
                                  R"({"requestedMessage":"MeterValues"})")) == "Rejected");
  CHECK(result_status(h.csms_call("t2", "TriggerMessage",
                                  R"({"requestedMessage":"TransactionEvent"})")) == "Rejected");
  REQUIRE(h.engine().set_measurand(2, MeasurandEnumType::Energy_Active_Import_Register, 42,
                                   h.now()) == std::error_code{});
  CHECK(result_status(h.csms_call("t3", "TriggerMessage",
                                  R"({"requestedMessage":"MeterValues"})")) == "Accepted");
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 1);  // F06.FR.11: every EVSE, the one with a reading
  rapidjson::Document d;
  d.Parse(mv[0].payload.c_str());
  CHECK(d["evseId"].GetInt() == 2);
  CHECK(std::string(d["meterValue"][0]["sampledValue"][0]["context"].GetString()) == "Trigger");
  CHECK(d["meterValue"][0]["sampledValue"][0]["value"].GetDouble() == 42);
  // F06.FR.04: the response goes before the requested message.
  const auto resp_at = std::find(h.frames.begin(), h.frames.end(), *h.reply_to("t3"));
  const auto mv_at = std::find_if(h.frames.begin(), h.frames.end(), [](const std::string& f) {
    return f.find("\"MeterValues\"") != std::string::npos;
  });
  CHECK(resp_at < mv_at);

  REQUIRE(h.engine().plug_in(2, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(2, iso14443("TAG1"), h.now()) == std::error_code{});
  h.pump();
  const auto before = h.calls_of("TransactionEvent").size();
  CHECK(result_status(h.csms_call("t4", "TriggerMessage",
                                  R"({"requestedMessage":"TransactionEvent","evse":{"id":1}})")) ==
        "Rejected");  // EVSE 1 has no transaction
  CHECK(result_status(h.csms_call("t5", "TriggerMessage",
                                  R"({"requestedMessage":"TransactionEvent","evse":{"id":2}})")) ==
        "Accepted");
  auto tx = h.calls_of("TransactionEvent");
  REQUIRE(tx.size() == before + 1);
  d.Parse(tx.back().payload.c_str());
  CHECK(std::string(d["triggerReason"].GetString()) == "Trigger");
  CHECK(std::string(d["transactionInfo"]["chargingState"].GetString()) == "EVConnected");
  CHECK(std::string(d["meterValue"][0]["sampledValue"][0]["context"].GetString()) == "Trigger");
}

TEST_CASE("v201 P01.FR.05: DataTransfer without a hook is UnknownVendorId; with one, its answer",
          "[v201][data_transfer]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("d1", "DataTransfer", R"({"vendorId":"com.example"})")) ==
        "UnknownVendorId");
  h.hooks.data_transfer = [](const std::string& vendor, const std::optional<std::string>& msg,
                             const std::optional<std::string>& data) {
    DataTransferResult r;
    if (vendor != "com.example") return r;
    r.status = msg == std::string("ping") ? DataTransferStatusEnumType::Accepted
                                          : DataTransferStatusEnumType::UnknownMessageId;
    if (data) r.data = "{\"echo\":" + *data + "}";
    return r;
  };
  h.restart();
  h.connect();
  auto d = test::v201::parse(h.csms_call(
      "d2", "DataTransfer", R"({"vendorId":"com.example","messageId":"ping","data":[1,"x"]})"));
  CHECK(std::string(d[2]["status"].GetString()) == "Accepted");
  CHECK(d[2]["data"]["echo"][1].GetString() == std::string("x"));
  CHECK(result_status(h.csms_call("d3", "DataTransfer",
                                  R"({"vendorId":"com.example","messageId":"other"})")) ==
        "UnknownMessageId");
  // A vendorId over 255 characters: a field with an invalid value (part 4 section 4.3).
  CHECK(test::v201::error_code(h.csms_call("d4", "DataTransfer",
                                           "{\"vendorId\":\"" + std::string(256, 'v') + "\"}")) ==
        "PropertyConstraintViolation");
}
