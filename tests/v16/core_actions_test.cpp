// The rest of the Core profile: ChangeAvailability (OCPP 1.6 sections 5.2, 4.9), DataTransfer
// (sections 4.3, 5.6), Reset (section 5.14 with errata 3.36), UnlockConnector (section 5.18 with
// errata 3.85) and UnlockConnectorOnEVSideDisconnect (section 9.1.33).
#include <catch2/catch.hpp>

#include <algorithm>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::AvailabilityType;
using ocpp::v16::ChargePointStatus;
using ocpp::v16::DataTransferRequest;
using ocpp::v16::DataTransferResponse;
using ocpp::v16::DataTransferStatus;
using ocpp::v16::Reason;
using ocpp::v16::ResetStatus;
using ocpp::v16::ResetType;
using ocpp::v16::UnlockStatus;

namespace {

using test::hold;
using test::status_of;
using test::statuses;

rapidjson::Document parse_frame(const std::optional<std::string>& frame) {
  REQUIRE(frame.has_value());
  rapidjson::Document d;
  d.Parse(frame->c_str());
  REQUIRE(d.IsArray());
  return d;
}

// The error code of a CALLERROR; fails on a CALLRESULT.
std::string error_of(const std::optional<std::string>& reply) {
  auto d = parse_frame(reply);
  REQUIRE(d[0].GetInt() == 4);
  return d[2].GetString();
}

std::size_t call_index(const test::Harness& h, const std::string& action, std::size_t from = 0) {
  for (std::size_t i = from; i < h.calls.size(); ++i)
    if (h.calls[i].action == action) return i;
  return h.calls.size();
}

void start_session(test::Harness& h, int connector, const std::string& tag) {
  auto& e = h.engine();
  REQUIRE(!e.plug_in(connector, h.now()));
  REQUIRE(!e.present_id_tag(tag, connector, h.now()));
  h.pump();
  REQUIRE(e.connector_state(connector)->transaction.has_value());
}

}  // namespace

// ============================================================================ ChangeAvailability

TEST_CASE("core_actions: ChangeAvailability Inoperative makes an idle connector Unavailable, Operative brings it back (5.2)",
          "[v16][core_actions]") {
  test::Harness h(nullptr, 2);
  std::vector<std::string> changed;
  h.hooks.availability_changed = [&](int id, AvailabilityType t) {
    changed.push_back(std::to_string(id) + ":" + std::string(ocpp::v16::to_string(t)));
  };
  auto& e = h.start();
  h.connect();
  std::size_t mark = h.calls.size();
  CHECK(status_of(h.csms_call("ca1", "ChangeAvailability", R"({"connectorId":1,"type":"Inoperative"})")) == "Accepted");
  CHECK(statuses(h, mark) == std::vector<std::string>{"1:Unavailable"});
  CHECK(changed == std::vector<std::string>{"1:Inoperative"});
  CHECK(e.connector_state(1)->status == ChargePointStatus::Unavailable);
  CHECK(e.connector_state(2)->status == ChargePointStatus::Available);
  CHECK(e.availability(1).value() == AvailabilityType::Inoperative);
  CHECK(e.availability(0).value() == AvailabilityType::Operative);

  // An unavailable connector accepts no new session: neither a local idTag nor a remote start.
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::Unavailable);
  CHECK(e.present_id_tag("TAG", 1, h.now()) == ocpp::make_error_code(ocpp::Errc::invalid_state));
  CHECK(status_of(h.csms_call("rs", "RemoteStartTransaction", R"({"connectorId":1,"idTag":"R1"})")) == "Rejected");
  h.advance(5s);
  CHECK(h.calls_of("StartTransaction").empty());

  // Already Inoperative: Accepted again, nothing new reported (5.2 "a status it is already in").
  mark = h.calls.size();
  CHECK(status_of(h.csms_call("ca2", "ChangeAvailability", R"({"connectorId":1,"type":"Inoperative"})")) == "Accepted");
  CHECK(statuses(h, mark).empty());
  CHECK(changed.size() == 1);

  // Operative: the plugged connector is Preparing again and may be used.
  CHECK(status_of(h.csms_call("ca3", "ChangeAvailability", R"({"connectorId":1,"type":"Operative"})")) == "Accepted");
  CHECK(statuses(h, mark) == std::vector<std::string>{"1:Preparing"});
  CHECK(changed == std::vector<std::string>{"1:Inoperative", "1:Operative"});
  CHECK(e.availability(1).value() == AvailabilityType::Operative);
  REQUIRE(!e.present_id_tag("TAG", 1, h.now()));
  h.pump();
  CHECK(h.calls_of("StartTransaction").size() == 1);
}

TEST_CASE("core_actions: ChangeAvailability connector 0 applies to the charge point and all connectors (5.2)",
          "[v16][core_actions]") {
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  std::size_t mark = h.calls.size();
  CHECK(status_of(h.csms_call("ca", "ChangeAvailability", R"({"connectorId":0,"type":"Inoperative"})")) == "Accepted");
  auto got = statuses(h, mark);
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>{"0:Unavailable", "1:Unavailable", "2:Unavailable"});
  for (int i = 0; i <= 2; ++i) CHECK(e.connector_state(i)->status == ChargePointStatus::Unavailable);
  CHECK(e.present_id_tag("TAG", std::nullopt, h.now()) == ocpp::make_error_code(ocpp::Errc::invalid_state));
  CHECK(status_of(h.csms_call("rs", "RemoteStartTransaction", R"({"idTag":"R1"})")) == "Rejected");

  // One connector back to Operative on its own; the rest stays Unavailable.
  mark = h.calls.size();
  CHECK(status_of(h.csms_call("ca2", "ChangeAvailability", R"({"connectorId":2,"type":"Operative"})")) == "Accepted");
  CHECK(statuses(h, mark) == std::vector<std::string>{"2:Available"});
  CHECK(e.connector_state(1)->status == ChargePointStatus::Unavailable);

  mark = h.calls.size();
  CHECK(status_of(h.csms_call("ca3", "ChangeAvailability", R"({"connectorId":0,"type":"Operative"})")) == "Accepted");
  got = statuses(h, mark);
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>{"0:Available", "1:Available"});
}

TEST_CASE("core_actions: ChangeAvailability during a transaction is Scheduled and applied when it ends (5.2)",
          "[v16][core_actions]") {
  test::Harness h(nullptr, 2);
  std::vector<std::string> changed;
  h.hooks.availability_changed = [&](int id, AvailabilityType t) {
    changed.push_back(std::to_string(id) + ":" + std::string(ocpp::v16::to_string(t)));
  };
  auto& e = h.start();
  h.connect();
  start_session(h, 1, "TAG");
  std::size_t mark = h.calls.size();
  CHECK(status_of(h.csms_call("ca", "ChangeAvailability", R"({"connectorId":1,"type":"Inoperative"})")) == "Scheduled");
  CHECK(statuses(h, mark).empty());
  CHECK(changed.empty());
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);
  CHECK(e.availability(1).value() == AvailabilityType::Operative);

  // The transaction goes on until it ends; then the connector is Unavailable, reported after
  // the StopTransaction.
  h.advance(60s);
  CHECK(e.connector_state(1)->transaction.has_value());
  REQUIRE(!e.unplug(1, h.now()));
  h.pump();
  CHECK(statuses(h, mark) == std::vector<std::string>{"1:Unavailable"});
  CHECK(call_index(h, "StopTransaction", mark) < call_index(h, "StatusNotification", mark));
  CHECK(changed == std::vector<std::string>{"1:Inoperative"});
  CHECK(e.availability(1).value() == AvailabilityType::Inoperative);
  REQUIRE(!e.plug_in(1, h.now()));
  CHECK(e.present_id_tag("TAG2", 1, h.now()) == ocpp::make_error_code(ocpp::Errc::invalid_state));
}

TEST_CASE("core_actions: ChangeAvailability 0 during a transaction: idle connectors at once, the rest after it (5.2)",
          "[v16][core_actions]") {
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  start_session(h, 2, "TAG");
  std::size_t mark = h.calls.size();
  CHECK(status_of(h.csms_call("ca", "ChangeAvailability", R"({"connectorId":0,"type":"Inoperative"})")) == "Scheduled");
  CHECK(statuses(h, mark) == std::vector<std::string>{"1:Unavailable"});
  CHECK(e.connector_state(0)->status == ChargePointStatus::Available);  // a transaction still runs
  CHECK(e.connector_state(2)->status == ChargePointStatus::Charging);
  // The idle connector takes no new session although the change is only Scheduled.
  REQUIRE(!e.plug_in(1, h.now()));
  CHECK(e.present_id_tag("OTHER", 1, h.now()) == ocpp::make_error_code(ocpp::Errc::invalid_state));
  mark = h.calls.size();
  REQUIRE(!e.stop_transaction(2, Reason::Local, h.now()));
  h.pump();
  auto got = statuses(h, mark);
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>{"0:Unavailable", "2:Unavailable"});
}

TEST_CASE("core_actions: Operative while an Inoperative change is Scheduled cancels it (5.2)", "[v16][core_actions]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  start_session(h, 1, "TAG");
  CHECK(status_of(h.csms_call("ca", "ChangeAvailability", R"({"connectorId":1,"type":"Inoperative"})")) == "Scheduled");
  CHECK(status_of(h.csms_call("ca2", "ChangeAvailability", R"({"connectorId":1,"type":"Operative"})")) == "Accepted");
  std::size_t mark = h.calls.size();
  REQUIRE(!e.stop_transaction(1, Reason::Local, h.now()));
  h.pump();
  CHECK(statuses(h, mark) == std::vector<std::string>{"1:Finishing"});
  CHECK(e.availability(1).value() == AvailabilityType::Operative);
}

TEST_CASE("core_actions: ChangeAvailability for an unknown connector is Rejected; bad payloads get the right CALLERROR",
          "[v16][core_actions]") {
  // Section 5.2 answers Rejected when the charge point cannot change; OCPP-J 4.2.3 table 7 for
  // payloads that break the schema.
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  std::size_t mark = h.calls.size();
  CHECK(status_of(h.csms_call("u", "ChangeAvailability", R"({"connectorId":3,"type":"Inoperative"})")) == "Rejected");
  CHECK(status_of(h.csms_call("n", "ChangeAvailability", R"({"connectorId":-1,"type":"Inoperative"})")) == "Rejected");
  CHECK(error_of(h.csms_call("foo", "ChangeAvailability", R"({"connectorId":1,"type":"Foo"})")) ==
        "PropertyConstraintViolation");
  CHECK(error_of(h.csms_call("miss", "ChangeAvailability", R"({"connectorId":1})")) == "OccurenceConstraintViolation");
  CHECK(error_of(h.csms_call("type", "ChangeAvailability", R"({"connectorId":"1","type":"Inoperative"})")) ==
        "TypeConstraintViolation");
  CHECK(statuses(h, mark).empty());
  for (int i = 0; i <= 2; ++i) CHECK(e.availability(i).value() == AvailabilityType::Operative);
}

TEST_CASE("core_actions: an idTag authorized for an idle connector lapses when it becomes Inoperative",
          "[v16][core_actions]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.present_id_tag("TAG", 1, h.now()));
  h.pump();
  REQUIRE(e.connector_state(1)->status == ChargePointStatus::Preparing);
  CHECK(status_of(h.csms_call("ca", "ChangeAvailability", R"({"connectorId":1,"type":"Inoperative"})")) == "Accepted");
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  CHECK(h.calls_of("StartTransaction").empty());
  CHECK(e.connector_state(1)->status == ChargePointStatus::Unavailable);
  // Back to Operative: the old authorization does not come back either.
  CHECK(status_of(h.csms_call("ca2", "ChangeAvailability", R"({"connectorId":1,"type":"Operative"})")) == "Accepted");
  h.pump();
  CHECK(h.calls_of("StartTransaction").empty());
}

TEST_CASE("core_actions: Unavailable persists across a restart (4.9, 5.2) with SQLite", "[v16][core_actions]") {
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get(), 2);
  std::vector<std::string> changed;
  h.hooks.availability_changed = [&](int id, AvailabilityType t) {
    changed.push_back(std::to_string(id) + ":" + std::string(ocpp::v16::to_string(t)));
  };
  h.start();
  h.connect();
  CHECK(status_of(h.csms_call("ca", "ChangeAvailability", R"({"connectorId":2,"type":"Inoperative"})")) == "Accepted");
  changed.clear();

  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  h.pump();
  CHECK(changed == std::vector<std::string>{"2:Inoperative"});  // the firmware learns the restored state
  auto& e = h.engine();
  CHECK(e.connector_state(2)->status == ChargePointStatus::Unavailable);
  CHECK(e.availability(2).value() == AvailabilityType::Inoperative);
  std::size_t mark = h.calls.size();
  h.connect();
  auto got = statuses(h, mark);
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>{"0:Available", "1:Available", "2:Unavailable"});
  REQUIRE(!e.plug_in(2, h.now()));
  CHECK(e.present_id_tag("TAG", 2, h.now()) == ocpp::make_error_code(ocpp::Errc::invalid_state));

  // Operative is persisted as well.
  CHECK(status_of(h.csms_call("ca2", "ChangeAvailability", R"({"connectorId":0,"type":"Operative"})")) == "Accepted");
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  for (int i = 0; i <= 2; ++i) CHECK(h.engine().availability(i).value() == AvailabilityType::Operative);
}

TEST_CASE("core_actions: a Scheduled change survives a power cut and happens when the restored transaction ends",
          "[v16][core_actions]") {
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  h.start();
  h.connect();
  start_session(h, 1, "TAG");
  CHECK(status_of(h.csms_call("ca", "ChangeAvailability", R"({"connectorId":1,"type":"Inoperative"})")) == "Scheduled");

  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  auto& e = h.engine();
  h.connect();
  REQUIRE(e.connector_state(1)->transaction.has_value());
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);
  std::size_t mark = h.calls.size();
  REQUIRE(!e.stop_transaction(1, Reason::PowerLoss, h.now()));
  h.pump();
  CHECK(statuses(h, mark) == std::vector<std::string>{"1:Unavailable"});
}

// ============================================================================ DataTransfer

TEST_CASE("core_actions: DataTransfer from the CSMS without a hook is UnknownVendorId without data (4.3, 5.6)",
          "[v16][core_actions]") {
  test::Harness h;
  h.start();
  h.connect();
  auto reply = h.csms_call("dt", "DataTransfer", R"({"vendorId":"com.example","messageId":"x","data":"hello"})");
  CHECK(status_of(reply) == "UnknownVendorId");
  CHECK(!parse_frame(reply)[2].HasMember("data"));
}

TEST_CASE("core_actions: DataTransfer from the CSMS goes to the data_transfer hook, its answer is the reply (5.6)",
          "[v16][core_actions][hooks]") {
  test::Harness h;
  std::vector<DataTransferRequest> seen;
  h.hooks.data_transfer = [&](const DataTransferRequest& r) {
    seen.push_back(r);
    DataTransferResponse resp;
    if (r.vendorId != "com.example") {
      resp.status = DataTransferStatus::UnknownVendorId;
      resp.data = "must not be sent";
    } else if (r.messageId != std::optional<std::string>("ping")) {
      resp.status = DataTransferStatus::UnknownMessageId;
    } else {
      resp.status = DataTransferStatus::Accepted;
      resp.data = "pong:" + r.data.value_or("");
    }
    return resp;
  };
  h.start();
  h.connect();
  auto ok = h.csms_call("d1", "DataTransfer", R"({"vendorId":"com.example","messageId":"ping","data":"42"})");
  CHECK(status_of(ok) == "Accepted");
  CHECK(std::string(parse_frame(ok)[2]["data"].GetString()) == "pong:42");
  CHECK(status_of(h.csms_call("d2", "DataTransfer", R"({"vendorId":"com.example","messageId":"other"})")) ==
        "UnknownMessageId");
  auto unknown = h.csms_call("d3", "DataTransfer", R"({"vendorId":"org.other"})");
  CHECK(status_of(unknown) == "UnknownVendorId");
  CHECK(!parse_frame(unknown)[2].HasMember(
      "data"));  // section 4.3: "the data element SHALL not be present"
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].data == std::optional<std::string>("42"));
  CHECK(!seen[2].messageId.has_value());

  // Schema violations never reach the hook.
  CHECK(error_of(h.csms_call("d4", "DataTransfer", R"({"messageId":"ping"})")) == "OccurenceConstraintViolation");
  CHECK(error_of(h.csms_call("d5", "DataTransfer", "{\"vendorId\":\"" + std::string(256, 'v') + "\"}")) ==
        "PropertyConstraintViolation");
  CHECK(error_of(h.csms_call("d6", "DataTransfer", R"({"vendorId":"com.example","data":5})")) ==
        "TypeConstraintViolation");
  CHECK(seen.size() == 3);
}

TEST_CASE("core_actions: send_data_transfer sends DataTransfer.req and hands the answer to the callback (4.3)",
          "[v16][core_actions]") {
  test::Harness h;
  h.policy["DataTransfer"] = [](const test::SentCall& c) -> std::optional<std::string> {
    auto d = c.json();
    if (std::string(d["vendorId"].GetString()) == "com.example")
      return std::string(R"({"status":"Accepted","data":"ack"})");
    return std::string(R"({"status":"UnknownVendorId"})");
  };
  auto& e = h.start();
  std::vector<std::string> got;
  auto cb = [&](ocpp::Result<DataTransferResponse> r) {
    if (!r) {
      got.push_back("error:" + r.error().message());
      return;
    }
    got.push_back(std::string(ocpp::v16::to_string(r->status)) + ":" + r->data.value_or("-"));
  };
  // Before the connection (and before BootNotification is Accepted) nothing can be sent.
  CHECK(e.send_data_transfer("com.example", std::nullopt, std::nullopt, cb, h.now()) ==
        ocpp::make_error_code(ocpp::Errc::invalid_state));
  h.connect();
  REQUIRE(!e.send_data_transfer("com.example", std::string("hello"), std::string("{\"a\":1}"), cb, h.now()));
  REQUIRE(!e.send_data_transfer("org.unknown", std::nullopt, std::nullopt, cb, h.now()));
  h.pump();
  auto sent = h.calls_of("DataTransfer");
  REQUIRE(sent.size() == 2);
  CHECK(std::string(sent[0].json()["vendorId"].GetString()) == "com.example");
  CHECK(std::string(sent[0].json()["messageId"].GetString()) == "hello");
  CHECK(std::string(sent[0].json()["data"].GetString()) == "{\"a\":1}");
  CHECK(!sent[1].json().HasMember("messageId"));
  CHECK(!sent[1].json().HasMember("data"));
  CHECK(got == std::vector<std::string>{"Accepted:ack", "UnknownVendorId:-"});

  // Misuse is refused at once.
  CHECK(e.send_data_transfer("", std::nullopt, std::nullopt, cb, h.now()) ==
        ocpp::make_error_code(ocpp::Errc::invalid_argument));
  CHECK(e.send_data_transfer(std::string(256, 'v'), std::nullopt, std::nullopt, cb, h.now()) ==
        ocpp::make_error_code(ocpp::Errc::invalid_argument));
  CHECK(e.send_data_transfer("com.example", std::string(51, 'm'), std::nullopt, cb, h.now()) ==
        ocpp::make_error_code(ocpp::Errc::invalid_argument));
  h.pump();
  CHECK(h.calls_of("DataTransfer").size() == 2);
}

TEST_CASE("core_actions: send_data_transfer reports a CALLERROR, an invalid answer and a lost connection",
          "[v16][core_actions]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  std::vector<std::error_code> errors;
  int answers = 0;
  auto cb = [&](ocpp::Result<DataTransferResponse> r) {
    if (r) ++answers;
    else errors.push_back(r.error());
  };
  h.answer_error["DataTransfer"] = "NotImplemented";
  REQUIRE(!e.send_data_transfer("com.example", std::nullopt, std::nullopt, cb, h.now()));
  h.pump();
  h.answer_error.clear();
  h.policy["DataTransfer"] = [](const test::SentCall&) -> std::optional<std::string> {
    return std::string(R"({"status":"Foo"})");
  };
  REQUIRE(!e.send_data_transfer("com.example", std::nullopt, std::nullopt, cb, h.now()));
  h.pump();
  h.policy["DataTransfer"] = hold;
  REQUIRE(!e.send_data_transfer("com.example", std::nullopt, std::nullopt, cb, h.now()));
  h.pump();
  REQUIRE(h.held.size() == 1);
  h.disconnect();
  CHECK(answers == 0);
  CHECK(errors == std::vector<std::error_code>{ocpp::make_error_code(ocpp::Errc::transport_error),
                                               ocpp::make_error_code(ocpp::Errc::decode_error),
                                               ocpp::make_error_code(ocpp::Errc::transport_error)});
}

// ============================================================================ Reset

TEST_CASE("core_actions: Reset Soft stops running transactions with SoftReset, then execute_reset (5.14)",
          "[v16][core_actions][hooks]") {
  test::Harness h(nullptr, 2);
  std::vector<std::string> events;
  h.hooks.transaction_stopped = [&](const ocpp::v16::TransactionInfo& i, Reason r, std::int32_t) {
    events.push_back("stopped " + std::to_string(i.connectorId) + " " + std::string(ocpp::v16::to_string(r)));
  };
  std::vector<ResetType> resets;
  h.hooks.reset = [&](ResetType t) {
    resets.push_back(t);
    return ResetStatus::Accepted;
  };
  bool reply_was_sent = false;
  std::size_t queued_at_execute = 99;
  h.hooks.execute_reset = [&](ResetType t) {
    events.push_back("execute " + std::string(ocpp::v16::to_string(t)));
    reply_was_sent = h.reply_to("r1").has_value();
    queued_at_execute = h.engine().queued_transaction_messages();
  };
  auto& e = h.start();
  h.connect();
  start_session(h, 1, "A");
  start_session(h, 2, "B");
  CHECK(status_of(h.csms_call("r1", "Reset", R"({"type":"Soft"})")) == "Accepted");
  CHECK(resets == std::vector<ResetType>{ResetType::Soft});
  h.advance(1ms);  // the host handles the engine's deadline once the answer left
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 2);
  for (const auto& s : stops) CHECK(std::string(s.json()["reason"].GetString()) == "SoftReset");
  CHECK(events == std::vector<std::string>{"stopped 1 SoftReset", "stopped 2 SoftReset", "execute Soft"});
  CHECK(reply_was_sent);  // the Reset.conf left before the firmware restarts
  CHECK(queued_at_execute == 0);  // Soft: gracefully, the StopTransactions were confirmed first
  CHECK(!e.connector_state(1)->transaction.has_value());
  CHECK(!e.connector_state(2)->transaction.has_value());
  h.advance(60s);
  CHECK(std::count(events.begin(), events.end(), "execute Soft") == 1);
}

TEST_CASE("core_actions: Reset Hard stops the transaction with HardReset and restarts without waiting for the CSMS",
          "[v16][core_actions]") {
  // Without a reset hook it is Accepted. Errata 3.36: Hard is "not required to gracefully stop";
  // the StopTransaction is durable and goes out after the restart.
  test::Harness h;
  std::vector<ResetType> executed;
  h.hooks.execute_reset = [&](ResetType t) { executed.push_back(t); };
  h.start();
  h.connect();
  start_session(h, 1, "A");
  h.policy["StopTransaction"] = hold;
  CHECK(status_of(h.csms_call("r1", "Reset", R"({"type":"Hard"})")) == "Accepted");
  h.advance(1ms);
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(std::string(stops[0].json()["reason"].GetString()) == "HardReset");
  CHECK(executed == std::vector<ResetType>{ResetType::Hard});
}

TEST_CASE("core_actions: Reset Rejected by the hook stops nothing and executes nothing", "[v16][core_actions][hooks]") {
  test::Harness h;
  int executed = 0;
  h.hooks.reset = [](ResetType) { return ResetStatus::Rejected; };
  h.hooks.execute_reset = [&](ResetType) { ++executed; };
  auto& e = h.start();
  h.connect();
  start_session(h, 1, "A");
  CHECK(status_of(h.csms_call("r1", "Reset", R"({"type":"Soft"})")) == "Rejected");
  h.advance(10s);
  CHECK(h.calls_of("StopTransaction").empty());
  CHECK(e.connector_state(1)->transaction.has_value());
  CHECK(executed == 0);
  CHECK(error_of(h.csms_call("r2", "Reset", R"({"type":"Warm"})")) == "PropertyConstraintViolation");
  CHECK(error_of(h.csms_call("r3", "Reset", "{}")) == "OccurenceConstraintViolation");
}

TEST_CASE("core_actions: after a Soft reset the restarted engine still sends the queued StopTransaction (5.14, errata 3.36)",
          "[v16][core_actions]") {
  // "If the Charge Point fails to receive a StopTransaction.conf from the Central System, it SHALL
  // queue the StopTransaction.req": the CSMS does not answer it before the restart.
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  bool restarted = false;
  h.hooks.execute_reset = [&](ResetType) { restarted = true; };
  h.start();
  h.connect();
  start_session(h, 1, "A");
  REQUIRE(h.calls_of("StartTransaction").size() == 1);
  const int tx_id = 1001;  // the harness's first transactionId
  h.policy["StopTransaction"] = hold;
  CHECK(status_of(h.csms_call("r1", "Reset", R"({"type":"Soft"})")) == "Accepted");
  // Soft: the restart waits for the StopTransaction.conf, at most one call timeout (30 s).
  h.advance(29s);
  CHECK(!restarted);
  h.advance(1s);
  REQUIRE(restarted);
  REQUIRE(h.held.size() == 1);
  CHECK(h.held[0].action == "StopTransaction");

  // The firmware restarts: the engine's memory is gone, the database stays.
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  h.policy["StopTransaction"] = [](const test::SentCall&) -> std::optional<std::string> { return "{}"; };
  h.held.clear();
  std::size_t mark = h.calls.size();
  h.connect();
  const std::size_t boot = call_index(h, "BootNotification", mark);
  const std::size_t stop = call_index(h, "StopTransaction", mark);
  REQUIRE(stop < h.calls.size());
  CHECK(boot < stop);
  auto d = h.calls[stop].json();
  CHECK(std::string(d["reason"].GetString()) == "SoftReset");
  CHECK(d["transactionId"].GetInt() == tx_id);
  CHECK(h.engine().queued_transaction_messages() == 0);
  CHECK(!h.engine().connector_state(1)->transaction.has_value());
}

// ============================================================================ UnlockConnector

TEST_CASE("core_actions: UnlockConnector answers what the unlock_connector hook reports (5.18)",
          "[v16][core_actions][hooks]") {
  test::Harness h(nullptr, 2);
  std::vector<int> asked;
  UnlockStatus answer = UnlockStatus::Unlocked;
  h.hooks.unlock_connector = [&](int id) {
    asked.push_back(id);
    return answer;
  };
  h.start();
  h.connect();
  CHECK(status_of(h.csms_call("u1", "UnlockConnector", R"({"connectorId":1})")) == "Unlocked");
  answer = UnlockStatus::UnlockFailed;
  CHECK(status_of(h.csms_call("u2", "UnlockConnector", R"({"connectorId":2})")) == "UnlockFailed");
  CHECK(asked == std::vector<int>{1, 2});
  CHECK(h.calls_of("StopTransaction").empty());
}

TEST_CASE("core_actions: UnlockConnector for connector 0 or an unknown connector is NotSupported (errata 3.85)",
          "[v16][core_actions]") {
  test::Harness h(nullptr, 2);
  int asked = 0;
  h.hooks.unlock_connector = [&](int) {
    ++asked;
    return UnlockStatus::Unlocked;
  };
  h.start();
  h.connect();
  CHECK(status_of(h.csms_call("u0", "UnlockConnector", R"({"connectorId":0})")) == "NotSupported");
  CHECK(status_of(h.csms_call("u3", "UnlockConnector", R"({"connectorId":3})")) == "NotSupported");
  CHECK(asked == 0);
  CHECK(error_of(h.csms_call("ux", "UnlockConnector", "{}")) == "OccurenceConstraintViolation");
  CHECK(error_of(h.csms_call("uy", "UnlockConnector", R"({"connectorId":1.5})")) == "TypeConstraintViolation");
}

TEST_CASE("core_actions: UnlockConnector stops the running transaction first (UnlockCommand), then unlocks (5.18)",
          "[v16][core_actions][hooks]") {
  test::Harness h;
  std::vector<std::string> events;
  h.hooks.transaction_stopped = [&](const ocpp::v16::TransactionInfo&, Reason r, std::int32_t) {
    events.push_back("stopped " + std::string(ocpp::v16::to_string(r)));
  };
  h.hooks.unlock_connector = [&](int id) {
    events.push_back("unlock " + std::to_string(id));
    return UnlockStatus::Unlocked;
  };
  auto& e = h.start();
  h.connect();
  start_session(h, 1, "A");
  CHECK(status_of(h.csms_call("u1", "UnlockConnector", R"({"connectorId":1})")) == "Unlocked");
  CHECK(events == std::vector<std::string>{"stopped UnlockCommand", "unlock 1"});
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(std::string(stops[0].json()["reason"].GetString()) == "UnlockCommand");
  CHECK(!e.connector_state(1)->transaction.has_value());
}

TEST_CASE("core_actions: UnlockConnector without a hook is NotSupported, the transaction still stops (5.18)",
          "[v16][core_actions]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  start_session(h, 1, "A");
  CHECK(status_of(h.csms_call("u1", "UnlockConnector", R"({"connectorId":1})")) == "NotSupported");
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(std::string(stops[0].json()["reason"].GetString()) == "UnlockCommand");
  CHECK(!e.connector_state(1)->transaction.has_value());
}

TEST_CASE("core_actions: UnlockConnectorOnEVSideDisconnect unlocks after the EV side was unplugged (9.1.33)",
          "[v16][core_actions][hooks]") {
  test::Harness h(nullptr, 1);
  std::vector<std::string> events;
  h.hooks.transaction_stopped = [&](const ocpp::v16::TransactionInfo&, Reason r, std::int32_t) {
    events.push_back("stopped " + std::string(ocpp::v16::to_string(r)));
  };
  h.hooks.unlock_connector = [&](int id) {
    events.push_back("unlock " + std::to_string(id));
    return UnlockStatus::Unlocked;
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(e.get_configuration("UnlockConnectorOnEVSideDisconnect").value() == "true");
  start_session(h, 1, "A");
  REQUIRE(!e.unplug(1, h.now()));
  h.pump();
  CHECK(events == std::vector<std::string>{"stopped EVDisconnected", "unlock 1"});

  // Unplugged without a transaction: nothing to unlock for the library.
  events.clear();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.unplug(1, h.now()));
  h.pump();
  CHECK(events.empty());

  // Other stop reasons do not unlock.
  start_session(h, 1, "A");
  REQUIRE(!e.stop_transaction(1, Reason::Local, h.now()));
  h.pump();
  CHECK(events == std::vector<std::string>{"stopped Local"});
}

TEST_CASE("core_actions: UnlockConnectorOnEVSideDisconnect false, or a transaction kept running, does not unlock",
          "[v16][core_actions][hooks]") {
  test::Harness h;
  int unlocks = 0;
  h.hooks.unlock_connector = [&](int) {
    ++unlocks;
    return UnlockStatus::Unlocked;
  };
  auto& e = h.start();
  h.connect();
  CHECK(status_of(h.csms_call("c1", "ChangeConfiguration", R"({"key":"UnlockConnectorOnEVSideDisconnect","value":"false"})")) ==
        "Accepted");
  start_session(h, 1, "A");
  REQUIRE(!e.unplug(1, h.now()));
  h.pump();
  CHECK(h.calls_of("StopTransaction").size() == 1);
  CHECK(unlocks == 0);

  // StopTransactionOnEVSideDisconnect false: the transaction goes on (9.1.23); the cable stays locked.
  CHECK(status_of(h.csms_call("c2", "ChangeConfiguration", R"({"key":"UnlockConnectorOnEVSideDisconnect","value":"true"})")) ==
        "Accepted");
  CHECK(status_of(h.csms_call("c3", "ChangeConfiguration", R"({"key":"StopTransactionOnEVSideDisconnect","value":"false"})")) ==
        "Accepted");
  start_session(h, 1, "B");
  REQUIRE(!e.unplug(1, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->transaction.has_value());
  CHECK(unlocks == 0);
}

TEST_CASE("core_actions: connector 0 Inoperative, one connector Operative again: charging there makes the charge point available",
          "[v16][core_actions]") {
  // Section 5.2: "A Charge Point is considered available ('operative') when it is charging".
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  CHECK(status_of(h.csms_call("ca", "ChangeAvailability", R"({"connectorId":0,"type":"Inoperative"})")) == "Accepted");
  CHECK(status_of(h.csms_call("ca2", "ChangeAvailability", R"({"connectorId":2,"type":"Operative"})")) == "Accepted");
  CHECK(e.connector_state(0)->status == ChargePointStatus::Unavailable);
  std::size_t mark = h.calls.size();
  start_session(h, 2, "TAG");
  auto got = statuses(h, mark);
  CHECK(std::count(got.begin(), got.end(), "0:Available") == 1);
  CHECK(e.availability(0).value() == AvailabilityType::Operative);
  mark = h.calls.size();
  REQUIRE(!e.stop_transaction(2, Reason::Local, h.now()));
  h.pump();
  got = statuses(h, mark);
  CHECK(std::count(got.begin(), got.end(), "0:Unavailable") == 1);
  CHECK(e.availability(0).value() == AvailabilityType::Inoperative);
  CHECK(e.connector_state(1)->status == ChargePointStatus::Unavailable);
}
