// Part 6 test cases of Reset (OCPP 2.0.1 part 2 B11, B12) on a station with two EVSEs: the
// reset of one EVSE without and with a transaction (TC_B_25 to TC_B_29) and the OnIdle reset
// of the station with transactions on both EVSEs (TC_B_41). Each test follows the steps of its
// test case: the CSMS's messages, then the station's, checked field by field.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::energy_transfer_started;
using test::v201::field;
using test::v201::Harness;
using test::v201::iso14443;
using test::v201::payloads_of;
using test::v201::result_status;
using namespace std::chrono_literals;

namespace {

/// The firmware's side of a reset: answers reset_allowed with `answer` and records what the
/// reset hook was asked to do, and how many frames had gone out when it ran.
struct ResetFirmware {
  ResetStatusEnumType answer = ResetStatusEnumType::Accepted;
  std::vector<std::pair<ResetEnumType, std::optional<std::int32_t>>> asked, performed;
  std::vector<std::size_t> frames_at_reset;

  void install(Harness& h) {
    h.hooks.reset_allowed = [this](ResetEnumType t, std::optional<std::int32_t> e) {
      asked.emplace_back(t, e);
      return answer;
    };
    h.hooks.reset = [this, &h](ResetEnumType t, std::optional<std::int32_t> e) {
      performed.emplace_back(t, e);
      frames_at_reset.push_back(h.frames.size());
    };
  }
};

using Reset = std::pair<ResetEnumType, std::optional<std::int32_t>>;

/// Part 6 reusable state StopAuthorized (main A, local) at the EVSE: the idToken that started
/// the transaction presented again. With the default TxStopPoint (EVConnected, Authorized) the
/// transaction ends: one TransactionEventRequest Ended, triggerReason StopAuthorized,
/// stoppedReason Local (E07); checked here.
void stop_authorized(Harness& h, int evse, const std::string& id_token) {
  const std::size_t from = h.calls.size();
  const auto tx = h.engine().transaction_id(evse);
  REQUIRE(tx);
  REQUIRE(h.engine().present_id_token(evse, iso14443(id_token), h.now()) == std::error_code{});
  h.pump();
  const auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "eventType") == "Ended");
  CHECK(field(ev[0], "triggerReason") == "StopAuthorized");
  CHECK(field(ev[0], "transactionInfo.transactionId") == *tx);
  CHECK(field(ev[0], "transactionInfo.stoppedReason") == "Local");
  CHECK(!h.engine().transaction_id(evse));
}

}  // namespace

TEST_CASE("v201 B11.FR.01 B11.FR.08 TC_B_25: reset of one EVSE without a transaction",
          "[v201][reset][conformance]") {
  Harness h({1, 1});
  ResetFirmware fw;
  fw.install(h);
  h.start();
  h.connect();
  // 1. ResetRequest type OnIdle, evseId <Configured evseId>.
  const auto reply = h.csms_call("b25", "Reset", R"({"type":"OnIdle","evseId":2})");
  // 2. ResetResponse status Accepted.
  CHECK(result_status(reply) == "Accepted");
  // The firmware was asked about that EVSE and (B11.FR.08) resets it, after the answer is out.
  CHECK(fw.asked == std::vector<Reset>{{ResetEnumType::OnIdle, 2}});
  REQUIRE(fw.performed == std::vector<Reset>{{ResetEnumType::OnIdle, 2}});
  REQUIRE(fw.frames_at_reset[0] >= 1);
  CHECK(h.frames[fw.frames_at_reset[0] - 1].rfind("[3,\"b25\"", 0) == 0);
  CHECK(h.calls_of("TransactionEvent").empty());
}

TEST_CASE("v201 B12.FR.01 B12.FR.07 TC_B_26: OnIdle reset of an EVSE with a transaction",
          "[v201][reset][conformance]") {
  Harness h({1, 1});
  ResetFirmware fw;
  fw.install(h);
  h.start();
  h.connect();
  energy_transfer_started(h, 1, "TAG1");
  energy_transfer_started(h, 2, "TAG2");  // another EVSE's transaction does not hold it up
  // 1. ResetRequest type OnIdle, evseId 1; 2. ResetResponse status Scheduled.
  CHECK(result_status(h.csms_call("b26", "Reset", R"({"type":"OnIdle","evseId":1})")) ==
        "Scheduled");
  CHECK(fw.asked == std::vector<Reset>{{ResetEnumType::OnIdle, 1}});
  // B12.FR.07: the transaction is not cut short; no reset while it goes on.
  h.advance(5min);
  CHECK(fw.performed.empty());
  CHECK(h.engine().transaction_id(1));
  // 3. Reusable state StopAuthorized: the transaction ends normally (E06), then the reset.
  stop_authorized(h, 1, "TAG1");
  REQUIRE(fw.performed == std::vector<Reset>{{ResetEnumType::OnIdle, 1}});
  // The Ended went out before the reset began.
  std::size_t ended_at = 0;
  for (std::size_t i = 0; i < h.frames.size(); ++i)
    if (h.frames[i].find("\"Ended\"") != std::string::npos) ended_at = i + 1;
  REQUIRE(ended_at >= 1);
  CHECK(ended_at <= fw.frames_at_reset[0]);
  // 4., 5. EVConnectedPostSession, EVDisconnected: nothing more of that transaction.
  const std::size_t from = h.calls.size();
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::EVConnected, h.now()) ==
          std::error_code{});
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(fw.performed.size() == 1);
  // EVSE 2's transaction was left alone.
  CHECK(h.engine().transaction_id(2));
}

TEST_CASE("v201 B12.FR.02 B12.FR.08 TC_B_27: Immediate reset of an EVSE with a transaction",
          "[v201][reset][conformance]") {
  Harness h({1, 1});
  ResetFirmware fw;
  fw.install(h);
  h.start();
  h.connect();
  energy_transfer_started(h, 1, "TAG1");
  energy_transfer_started(h, 2, "TAG2");
  const auto tx1 = *h.engine().transaction_id(1);
  const std::size_t from = h.calls.size();
  // 1. ResetRequest type Immediate, evseId 1; 2. ResetResponse status Accepted.
  CHECK(result_status(h.csms_call("b27", "Reset", R"({"type":"Immediate","evseId":1})")) ==
        "Accepted");
  h.pump();
  // 3. TransactionEventRequest: eventType Ended, triggerReason ResetCommand,
  // transactionInfo.chargingState EVConnected, transactionInfo.stoppedReason ImmediateReset.
  const auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "eventType") == "Ended");
  CHECK(field(ev[0], "triggerReason") == "ResetCommand");
  CHECK(field(ev[0], "transactionInfo.transactionId") == tx1);
  CHECK(field(ev[0], "transactionInfo.chargingState") == "EVConnected");
  CHECK(field(ev[0], "transactionInfo.stoppedReason") == "ImmediateReset");
  CHECK(field(ev[0], "evse.id") == "<absent>");  // told in the Started already
  // B12.FR.08: the Ended is sent before the reset of the EVSE (which is the only one).
  REQUIRE(fw.performed == std::vector<Reset>{{ResetEnumType::Immediate, 1}});
  std::size_t ended_at = 0;
  for (std::size_t i = 0; i < h.frames.size(); ++i)
    if (h.frames[i].find("\"ResetCommand\"") != std::string::npos) ended_at = i + 1;
  REQUIRE(ended_at >= 1);
  CHECK(ended_at <= fw.frames_at_reset[0]);
  CHECK(!h.engine().transaction_id(1));
  CHECK(h.engine().transaction_id(2));  // the other EVSE goes on
}

TEST_CASE("v201 B12.FR.01 B12.FR.09 TC_B_29: EVSE reset not supported, Rejected",
          "[v201][reset][conformance]") {
  Harness h({1, 1});
  ResetFirmware fw;
  fw.answer = ResetStatusEnumType::Rejected;  // the firmware cannot reset one EVSE
  fw.install(h);
  h.start();
  h.connect();
  energy_transfer_started(h, 1, "TAG1");
  const std::size_t from = h.calls.size();
  // 1. ResetRequest type OnIdle, evseId 1; 2. ResetResponse status Rejected (not Scheduled,
  // though a transaction is ongoing).
  CHECK(result_status(h.csms_call("b29", "Reset", R"({"type":"OnIdle","evseId":1})")) ==
        "Rejected");
  CHECK(fw.asked == std::vector<Reset>{{ResetEnumType::OnIdle, 1}});
  // Nothing scheduled: the transaction goes on, and its end resets nothing.
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  stop_authorized(h, 1, "TAG1");
  h.advance(1min);
  CHECK(fw.performed.empty());
}

TEST_CASE("v201 B12.FR.01 B12.FR.03 TC_B_41: OnIdle reset with transactions on two EVSEs",
          "[v201][reset][conformance]") {
  Harness h({1, 1});
  ResetFirmware fw;
  fw.install(h);
  h.start();
  h.connect();
  // State is EnergyTransferStarted for EVSE 1 and for EVSE 2.
  energy_transfer_started(h, 1, "TAG1");
  energy_transfer_started(h, 2, "TAG2");
  // 1. ResetRequest type OnIdle; 2. ResetResponse status Scheduled.
  CHECK(result_status(h.csms_call("b41", "Reset", R"({"type":"OnIdle"})")) == "Scheduled");
  CHECK(fw.asked == std::vector<Reset>{{ResetEnumType::OnIdle, std::nullopt}});
  // 3.-6. StopAuthorized, EVConnectedPostSession, EVDisconnected for EVSE 1: no reset yet,
  // EVSE 2 still charges.
  stop_authorized(h, 1, "TAG1");
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::EVConnected, h.now()) ==
          std::error_code{});
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.advance(1min);
  CHECK(fw.performed.empty());
  // 7. StopAuthorized for EVSE 2: TxStopPoint contains Authorized, the last transaction has
  // ended, the station resets (11.).
  stop_authorized(h, 2, "TAG2");
  CHECK(fw.performed == std::vector<Reset>{{ResetEnumType::OnIdle, std::nullopt}});
  // Both transactions were ended by their drivers (E07), none by the engine for the reset.
  for (const auto& p : payloads_of(h, "TransactionEvent"))
    CHECK(field(p, "triggerReason") != "ResetCommand");
}
