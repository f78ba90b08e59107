// Part 6 test cases of E13 (transaction-related message not accepted by the CSMS): a
// TransactionEventRequest the CSMS leaves unanswered (TC_E_41, TC_E_42) or answers with a
// CALLERROR (TC_E_50, TC_E_51) is sent again after OCPPCommCtrlr.MessageAttemptInterval
// [TransactionEvent] times the transmissions so far (E13.FR.03), at most MessageAttempts
// [TransactionEvent] times (E13.FR.02), then discarded (E13.FR.04).
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::field;
using test::v201::Harness;
using test::v201::iso14443;
using test::v201::parse;
using test::v201::SentCall;
using namespace std::chrono_literals;

namespace {

constexpr int kAttempts = 3;   // <Configured message Attempts transaction event>
constexpr int kInterval = 10;  // <Configured message Attempts transaction event interval>, s
constexpr int kTimeout = 20;   // OCPPCommCtrlr.MessageTimeout[Default], s

/// Configuration State: MessageAttemptsTransactionEvent and
/// MessageAttemptIntervalTransactionEvent set by the CSMS (SetVariablesRequest, Accepted).
void configure_attempts(Harness& h, int attempts, int interval) {
  auto d = parse(h.csms_call(
      "cfg", "SetVariables",
      R"({"setVariableData":[)"
      R"({"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"MessageAttempts",)"
      R"("instance":"TransactionEvent"},"attributeValue":")" +
          std::to_string(attempts) +
          R"("},{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":)"
          R"("MessageAttemptInterval","instance":"TransactionEvent"},"attributeValue":")" +
          std::to_string(interval) + R"("}]})"));
  REQUIRE(d[0].GetInt() == 3);
  REQUIRE(d[2]["setVariableResult"].Size() == 2);
  for (const auto& r : d[2]["setVariableResult"].GetArray())
    REQUIRE(std::string(r["attributeStatus"].GetString()) == "Accepted");
}

/// A station whose CSMS set the attempts, then: Reusable State Authorized (the idToken
/// presented and accepted) and EVConnectedPreSession (the EV plugged in), where the
/// TransactionEventRequest Started goes out. The CSMS holds every TransactionEventRequest (the
/// test answers it).
void start(Harness& h) {
  h.options.call_timeout = std::chrono::seconds(kTimeout);
  h.policy["TransactionEvent"] = [](const SentCall&) -> std::optional<std::string> {
    return std::nullopt;
  };
  h.start();
  h.connect();
  configure_attempts(h, kAttempts, kInterval);
  ComponentType comm;
  comm.name = "OCPPCommCtrlr";
  VariableType timeout;
  timeout.name = "MessageTimeout";
  timeout.instance = "Default";
  CHECK(h.engine().get_variable(comm, timeout).value() == std::to_string(kTimeout));
  REQUIRE(h.engine().present_id_token(1, iso14443("TAG1"), h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.calls_of("Authorize").size() == 1);
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
}

/// The TransactionEventRequests we sent.
std::vector<SentCall> tx_calls(const Harness& h) { return h.calls_of("TransactionEvent"); }

/// Checks that attempt `n` (0-based) of the message is the same message as the first: same
/// event, transaction and seqNo (sent again, not a new one).
void check_same_message(const Harness& h, std::size_t n) {
  const auto c = tx_calls(h);
  REQUIRE(c.size() > n);
  for (const char* f : {"eventType", "triggerReason", "seqNo", "timestamp",
                        "transactionInfo.transactionId", "idToken.idToken", "evse.id"})
    CHECK(field(c[n].payload, f) == field(c[0].payload, f));
  CHECK(field(c[0].payload, "eventType") == "Started");
  CHECK(field(c[0].payload, "idToken.idToken") == "TAG1");
}

/// Answers the held CALL with a CALLERROR InternalError.
void answer_error(Harness& h, const SentCall& c) {
  h.csms_send(R"([4,")" + c.id + R"(","InternalError","test",{}])");
}

/// Answers the held CALL with a TransactionEventResponse.
void answer_ok(Harness& h, const SentCall& c) { h.csms_send(R"([3,")" + c.id + R"(",{}])"); }

}  // namespace

TEST_CASE("v201 E13.FR.02 E13.FR.03 E13.FR.04 TC_E_41: no answer, discarded after MessageAttempts",
          "[v201][transactions][retry][conformance]") {
  Harness h;
  start(h);
  // 5. The TransactionEventRequest, sent <Configured attempts> times: attempt n + 1 follows
  // the timeout of attempt n by the interval × n (E13.FR.03).
  REQUIRE(tx_calls(h).size() == 1);
  const auto t0 = h.seconds(tx_calls(h)[0].at);
  int expected_at = 0;
  for (int n = 1; n < kAttempts; ++n) {
    expected_at += kTimeout + kInterval * n;
    h.advance(std::chrono::seconds(t0 + expected_at - 1 - h.seconds(h.now().mono)));
    CHECK(tx_calls(h).size() == static_cast<std::size_t>(n));  // not a second early
    h.advance(1s);
    REQUIRE(tx_calls(h).size() == static_cast<std::size_t>(n) + 1);
    CHECK(h.seconds(tx_calls(h)[n].at) - t0 == expected_at);
    check_same_message(h, n);
  }
  CHECK(h.engine().queued_transaction_messages() == 1);
  // The OCTT waits one more iteration (interval × attempts, plus the timeout): nothing more;
  // the message is discarded (E13.FR.04).
  h.advance(std::chrono::seconds(kTimeout + kInterval * kAttempts + 5));
  CHECK(tx_calls(h).size() == static_cast<std::size_t>(kAttempts));
  CHECK(h.engine().queued_transaction_messages() == 0);
  // E13.FR.04: the next transaction-related message goes out (and is answered).
  h.policy["TransactionEvent"] = [](const SentCall&) -> std::optional<std::string> { return "{}"; };
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::Charging, h.now()) ==
          std::error_code{});
  h.pump();
  const auto c = tx_calls(h);
  REQUIRE(c.size() == static_cast<std::size_t>(kAttempts) + 1);
  CHECK(field(c.back().payload, "eventType") == "Updated");
  CHECK(field(c.back().payload, "triggerReason") == "ChargingStateChanged");
  CHECK(field(c.back().payload, "transactionInfo.chargingState") == "Charging");
  CHECK(field(c.back().payload, "transactionInfo.transactionId") ==
        field(c[0].payload, "transactionInfo.transactionId"));
  CHECK(field(c.back().payload, "seqNo") == "1");
  CHECK(h.engine().queued_transaction_messages() == 0);
}

TEST_CASE("v201 E13.FR.02 E13.FR.03 TC_E_42: no answer, then accepted before MessageAttempts",
          "[v201][transactions][retry][conformance]") {
  Harness h;
  start(h);
  // 5. The first request is ignored; 6. the second is answered.
  REQUIRE(tx_calls(h).size() == 1);
  const auto t0 = h.seconds(tx_calls(h)[0].at);
  h.advance(std::chrono::seconds(kTimeout + kInterval - 1));
  CHECK(tx_calls(h).size() == 1);
  h.advance(1s);
  REQUIRE(tx_calls(h).size() == 2);
  CHECK(h.seconds(tx_calls(h)[1].at) - t0 == kTimeout + kInterval);
  check_same_message(h, 1);
  answer_ok(h, tx_calls(h)[1]);
  CHECK(h.engine().queued_transaction_messages() == 0);
  // The OCTT waits one more iteration: it is not sent again.
  h.advance(std::chrono::seconds((kTimeout + kInterval * kAttempts) * 2));
  CHECK(tx_calls(h).size() == 2);
}

TEST_CASE("v201 E13.FR.02 E13.FR.03 E13.FR.04 TC_E_50: CALLERROR, discarded after MessageAttempts",
          "[v201][transactions][retry][conformance]") {
  Harness h;
  start(h);
  // 5. The TransactionEventRequest, 6. CALLERROR InternalError, <Configured attempts> times:
  // attempt n + 1 follows the error of attempt n by the interval × n (E13.FR.03).
  REQUIRE(tx_calls(h).size() == 1);
  const auto t0 = h.seconds(tx_calls(h)[0].at);
  int expected_at = 0;
  for (int n = 1; n < kAttempts; ++n) {
    answer_error(h, tx_calls(h)[n - 1]);
    expected_at += kInterval * n;
    h.advance(std::chrono::seconds(kInterval * n - 1));
    CHECK(tx_calls(h).size() == static_cast<std::size_t>(n));
    h.advance(1s);
    REQUIRE(tx_calls(h).size() == static_cast<std::size_t>(n) + 1);
    CHECK(h.seconds(tx_calls(h)[n].at) - t0 == expected_at);
    check_same_message(h, n);
  }
  answer_error(h, tx_calls(h).back());
  // The last attempt failed: discarded at once (E13.FR.04), and not sent again.
  CHECK(h.engine().queued_transaction_messages() == 0);
  h.advance(std::chrono::seconds((kTimeout + kInterval * kAttempts) * 2));
  CHECK(tx_calls(h).size() == static_cast<std::size_t>(kAttempts));
  // The next transaction-related message goes out.
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::Charging, h.now()) ==
          std::error_code{});
  h.pump();
  const auto c = tx_calls(h);
  REQUIRE(c.size() == static_cast<std::size_t>(kAttempts) + 1);
  CHECK(field(c.back().payload, "eventType") == "Updated");
  CHECK(field(c.back().payload, "seqNo") == "1");
}

TEST_CASE("v201 E13.FR.02 E13.FR.03 TC_E_51: CALLERROR, then accepted before MessageAttempts",
          "[v201][transactions][retry][conformance]") {
  Harness h;
  start(h);
  // 5. The first request gets a CALLERROR InternalError, the second a
  // TransactionEventResponse.
  REQUIRE(tx_calls(h).size() == 1);
  const auto t0 = h.seconds(tx_calls(h)[0].at);
  answer_error(h, tx_calls(h)[0]);
  CHECK(h.engine().queued_transaction_messages() == 1);
  h.advance(std::chrono::seconds(kInterval - 1));
  CHECK(tx_calls(h).size() == 1);
  h.advance(1s);
  REQUIRE(tx_calls(h).size() == 2);
  CHECK(h.seconds(tx_calls(h)[1].at) - t0 == kInterval);
  check_same_message(h, 1);
  answer_ok(h, tx_calls(h)[1]);
  CHECK(h.engine().queued_transaction_messages() == 0);
  h.advance(std::chrono::seconds((kTimeout + kInterval * kAttempts) * 2));
  CHECK(tx_calls(h).size() == 2);
}
