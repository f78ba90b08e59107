// What other OCPP 2.0.1 implementations got wrong in the field (the project's list of
// pitfalls), each as a test of this engine.
#include <catch2/catch.hpp>
#include <map>

#include "support/flaky_store.hpp"
#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using namespace std::chrono_literals;

namespace {

/// Counts the reads of queued messages (a start-up that loads the whole queue reads them all).
class CountingStore : public test::FlakyStore {
 public:
  using FlakyStore::FlakyStore;
  std::error_code outbox_front(std::optional<ocpp::OutboxMessage>& o) override {
    ++front_reads;
    return FlakyStore::outbox_front(o);
  }
  int front_reads = 0;
};

}  // namespace

TEST_CASE("v201 pitfall: a long offline period does not make start-up read the whole queue",
          "[v201][pitfalls]") {
  // 20,000 TransactionEventRequests of one transaction, as days offline with sampled meter
  // values leave them; then the station restarts.
  auto inner = ocpp::make_memory_store();
  ocpp::TransactionRecord rec;
  rec.protocol = "ocpp2.0.1";
  rec.evse_id = 1;
  rec.connector_id = 1;
  rec.transaction_id = "offline-tx";
  ocpp::OutboxMessage start;
  start.action = "TransactionEvent";
  start.protocol = "ocpp2.0.1";
  start.payload =
      R"({"eventType":"Started","timestamp":"2026-01-01T00:00:00.000Z","triggerReason":"CablePluggedIn","seqNo":0,"transactionInfo":{"transactionId":"offline-tx"},"offline":true})";
  start.tx_seq_no = 1;
  REQUIRE(inner->transaction_begin(rec, start) == std::error_code{});
  constexpr int kQueued = 20000;
  for (int i = 1; i < kQueued; ++i) {
    ocpp::OutboxMessage m;
    m.action = "TransactionEvent";
    m.protocol = "ocpp2.0.1";
    m.tx_key = rec.tx_key;
    m.tx_seq_no = i + 1;
    m.payload =
        R"({"eventType":"Updated","timestamp":"2026-01-01T00:00:00.000Z","triggerReason":"MeterValuePeriodic","seqNo":)" +
        std::to_string(i) + R"(,"transactionInfo":{"transactionId":"offline-tx"},"offline":true})";
    REQUIRE(inner->outbox_append(m) == std::error_code{});
  }
  CountingStore store(*inner);
  EngineOptions o;
  o.charging_station.vendorName = "V";
  o.charging_station.model = "M";
  ocpp::Now now{ocpp::MonoTime{} + 1000s, ocpp::DateTime{} + 1'790'000'000s};
  auto engine = Engine::create(o, store, Hooks{}, now);
  REQUIRE(engine.ok());
  // The queue's size is known without reading it; the interrupted transaction is ended (one
  // more message, seqNo 20000) and the boot's security event queued.
  CHECK(engine.value()->queued_transaction_messages() == kQueued + 2);
  CHECK(store.front_reads <= 1);
}

TEST_CASE("v201 pitfall: BootNotification is never dropped by a full queue", "[v201][pitfalls]") {
  Harness h;
  h.boot_answer("Pending", 10);
  h.start();
  h.connect();
  // Thousands of durable messages while Pending (nothing but the boot goes out, B01.FR.08).
  for (int i = 0; i < 3000; ++i)
    REQUIRE(h.engine().report_security_event("TamperDetectionActivated", std::nullopt, h.now()) ==
            std::error_code{});
  h.advance(11s);
  CHECK(h.calls_of("BootNotification").size() == 2);
  h.boot_answer("Accepted", 300);
  h.advance(11s);
  CHECK(h.engine().registration() == RegistrationStatusEnumType::Accepted);
  CHECK(h.calls_of("SecurityEventNotification").size() == 3001);  // + StartupOfTheDevice
}

TEST_CASE(
    "v201 pitfall: every TxStartPoint and TxStopPoint combination gives one transaction "
    "with one Started, one Ended and a gapless seqNo",
    "[v201][pitfalls][txpoints]") {
  const char* const kPoints[] = {"EVConnected", "Authorized", "PowerPathClosed", "EnergyTransfer"};
  const int start = GENERATE(0, 1, 2, 3, 4);  // an index in kPoints, or 4: two points together
  const int stop = GENERATE(0, 1, 2, 3, 4);
  auto value = [&](int i) {
    return i < 4 ? std::string(kPoints[i]) : std::string("EVConnected,Authorized");
  };
  // The order a driver takes: cable, card, energy, energy stops, card again, cable out.
  const int order = GENERATE(0, 1);  // 0: cable first; 1: card first
  Harness h;
  h.start();
  h.connect();
  test::v201::set_variable(h, "TxCtrlr", "TxStartPoint", value(start));
  test::v201::set_variable(h, "TxCtrlr", "TxStopPoint", value(stop));
  INFO("TxStartPoint " << value(start) << ", TxStopPoint " << value(stop) << ", order " << order);
  IdTokenType t;
  t.idToken = "T1";
  t.type = IdTokenEnumType::ISO14443;
  auto& e = h.engine();
  if (order == 0) {
    (void)e.plug_in(1, 1, h.now());
    (void)e.present_id_token(1, t, h.now());
  } else {
    (void)e.present_id_token(1, t, h.now());
    h.pump();
    (void)e.plug_in(1, 1, h.now());
  }
  h.pump();
  (void)e.set_charging_state(1, ChargingStateEnumType::Charging, h.now());
  h.advance(5s);
  (void)e.set_charging_state(1, ChargingStateEnumType::SuspendedEV, h.now());
  h.pump();
  (void)e.present_id_token(1, t, h.now());
  h.pump();
  (void)e.plug_out(1, h.now());
  h.advance(200s);  // past EVConnectionTimeOut
  // Per transaction (a combination may start a second one, e.g. EVConnected after an
  // EnergyTransfer stop with the EV still there): Started first at seqNo 0, Ended last, no gap.
  std::map<std::string, std::vector<std::pair<std::string, int>>> txs;
  for (const auto& c : h.calls_of("TransactionEvent")) {
    rapidjson::Document p;
    p.Parse(c.payload.c_str());
    txs[p["transactionInfo"]["transactionId"].GetString()].emplace_back(p["eventType"].GetString(),
                                                                        p["seqNo"].GetInt());
  }
  REQUIRE(!txs.empty());
  CHECK(txs.size() <= 2);
  for (const auto& [id, events] : txs) {
    INFO("transaction " << id);
    CHECK(events.front().first == "Started");
    CHECK(events.back().first == "Ended");
    int started = 0, ended = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
      CHECK(events[i].second == static_cast<int>(i));
      started += events[i].first == "Started";
      ended += events[i].first == "Ended";
    }
    CHECK(started == 1);
    CHECK(ended == 1);
  }
  CHECK_FALSE(e.transaction_id(1).has_value());
  CHECK(e.queued_transaction_messages() == 0);
}
