// Hooks run only from poll_hook_call(), never inside an engine method, so that a hook may call
// back into the engine (pitfall EVerest PR #1131: deadlocks when a hook waits for the library).
#include <catch2/catch.hpp>

#include <algorithm>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::ChargePointStatus;

namespace {

int run_hooks(ocpp::v16::Engine& e) {
  int n = 0;
  while (auto f = e.poll_hook_call()) {
    f();
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("hooks: nothing runs inside an engine method; all of it from poll_hook_call",
          "[v16][engine][hooks]") {
  test::Harness h;
  int depth = 0;  // > 0 while the test is inside an engine method
  int inside = 0;
  std::vector<std::string> ran;
  auto note = [&](const std::string& what) {
    if (depth > 0) ++inside;
    ran.push_back(what);
  };
  h.hooks.connection = [&](bool, const std::string&) { note("connection"); };
  h.hooks.status = [&](int, ChargePointStatus, ocpp::v16::ChargePointErrorCode) { note("status"); };
  h.hooks.authorize = [&](const std::string&, const ocpp::v16::IdTagInfo&) { note("authorize"); };
  h.hooks.transaction_started = [&](const ocpp::v16::TransactionInfo&) { note("started"); };
  h.hooks.remote_start = [&](const ocpp::v16::RemoteStartTransactionRequest&) {
    note("remote_start");
    return ocpp::v16::RemoteStartStopStatus::Accepted;
  };
  h.hooks.frame = [&](bool, const std::string&) { note("frame"); };
  h.hooks.log = [&](int, const std::string&) { note("log"); };
  auto& e = h.start();
  h.connect();
  REQUIRE(!ran.empty());
  ran.clear();

  ++depth;
  REQUIRE(!e.plug_in(1, h.now()));
  --depth;
  CHECK(ran.empty());  // queued, not run
  CHECK(run_hooks(e) >= 1);
  CHECK(ran == std::vector<std::string>{"status"});
  h.pump();  // the StatusNotification goes out and is answered
  ran.clear();

  // A RemoteStart: the decision hook is queued; the reply waits for it.
  ++depth;
  e.receive(R"([2,"rs-1","RemoteStartTransaction",{"connectorId":1,"idTag":"R1"}])", h.now());
  auto t = e.poll_transmit(h.now());
  --depth;
  CHECK(!t.has_value());
  CHECK(ran.empty());
  run_hooks(e);
  CHECK(std::count(ran.begin(), ran.end(), "remote_start") == 1);
  ++depth;
  e.handle_timeout(h.now());  // applies the hook's answer
  t = e.poll_transmit(h.now());
  --depth;
  REQUIRE(t.has_value());
  CHECK(t->rfind(R"([3,"rs-1",{"status":"Accepted"}])", 0) == 0);
  CHECK(inside == 0);
  h.pump();
  CHECK(e.connector_state(1)->transaction.has_value());
  CHECK(std::count(ran.begin(), ran.end(), "started") == 1);
  CHECK(inside == 0);
}

TEST_CASE("hooks: a hook may call back into the engine when the host runs it",
          "[v16][engine][hooks]") {
  // Pitfall EVerest PR #1131. OCPP 1.6 section 4.8: the firmware reacts to a started
  // transaction (here: it reads the state and reports a meter reading from the hook).
  test::Harness h(nullptr, 1, {{"MeterValueSampleInterval", "10"}});
  ocpp::v16::Engine* engine = nullptr;
  std::vector<std::string> seen;
  h.hooks.status = [&](int id, ChargePointStatus st, ocpp::v16::ChargePointErrorCode) {
    // The cable went in: the firmware presents the card it read, from inside the hook.
    if (id == 1 && st == ChargePointStatus::Preparing && seen.empty()) {
      seen.push_back("preparing");
      CHECK(!engine->present_id_tag("HOOKCARD", 1, h.now()));
    }
  };
  h.hooks.transaction_started = [&](const ocpp::v16::TransactionInfo& t) {
    auto st = engine->connector_state(t.connectorId);
    REQUIRE(st.ok());
    CHECK(st->transaction.has_value());
    CHECK(!engine->set_meter_energy(t.connectorId, 777, h.now()));
    seen.push_back("started " + t.idTag);
  };
  h.hooks.transaction_confirmed = [&](const ocpp::v16::TransactionInfo& t, const ocpp::v16::IdTagInfo&) {
    seen.push_back("confirmed " + std::to_string(t.transactionId.value_or(-1)));
    // Stop from inside the hook, once the transaction has its id.
    CHECK(!engine->stop_transaction(t.connectorId, ocpp::v16::Reason::Other, h.now()));
  };
  auto& e = h.start();
  engine = &e;
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  CHECK(seen == std::vector<std::string>{"preparing", "started HOOKCARD", "confirmed 1001"});
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].json()["meterStop"].GetInt() == 777);
  CHECK(std::string(stops[0].json()["reason"].GetString()) == "Other");
  CHECK(e.queued_transaction_messages() == 0);
}

TEST_CASE("hooks: the sample_meter hook is asked outside the engine and its values are used",
          "[v16][engine][hooks][meter]") {
  // OCPP 1.6 section 4.7.
  test::Harness h(nullptr, 1, {{"MeterValueSampleInterval", "10"}});
  bool asked = false;
  h.hooks.sample_meter = [&](int, ocpp::v16::ReadingContext) {
    asked = true;
    std::vector<ocpp::v16::SampledValue> v(1);
    v[0].value = "31337";
    return v;
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  // Drive the engine by hand to the sample time: the hook must not run inside handle_timeout.
  auto dl = e.next_deadline();
  REQUIRE(dl.has_value());
  ocpp::Now at = h.now();
  at.mono = *dl;
  e.handle_timeout(at);
  CHECK(!asked);
  run_hooks(e);
  CHECK(asked);
  h.advance(0s);
  auto mvs = h.calls_of("MeterValues");
  REQUIRE(mvs.size() == 1);
  CHECK(std::string(mvs[0].json()["meterValue"][0]["sampledValue"][0]["value"].GetString()) == "31337");
}
