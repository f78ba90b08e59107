// The durable outbox against what fuzzing found (docs/robustness.md, section Fuzzing): busy
// loops on deadlines left in the past, damaged stores, removals that fail or do not happen.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "support/flaky_store.hpp"
#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::ChargePointStatus;
using ocpp::v16::Reason;

TEST_CASE("durable: while a retried message is in flight, no deadline is already due",
          "[v16][engine][durable][retry][fuzz]") {
  // Found by fuzzing (fuzz/engine.cpp): the retry time of a message that had failed stayed set
  // while its next attempt was in flight, so next_deadline() stayed in the past and the host
  // (ChargePoint's runner) woke at once, again and again, until the answer came.
  test::Harness h(nullptr, 1, {{"TransactionMessageAttempts", "3"}, {"TransactionMessageRetryInterval", "10"}});
  auto& e = h.start();
  h.connect();
  h.answer_error["StartTransaction"] = "InternalError";
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  REQUIRE(h.calls_of("StartTransaction").size() == 1);
  h.answer_error.clear();
  h.policy["StartTransaction"] = [](const test::SentCall&) -> std::optional<std::string> { return std::nullopt; };
  h.advance(10s);  // the second attempt goes out and stays unanswered
  REQUIRE(h.calls_of("StartTransaction").size() == 2);
  REQUIRE(h.held.size() == 1);
  h.advance(1s);
  auto deadline = e.next_deadline();
  REQUIRE(deadline);
  CHECK(*deadline > h.now().mono);
  h.answer_held(R"({"transactionId":7,"idTagInfo":{"status":"Accepted"}})");
  CHECK(e.queued_transaction_messages() == 0);
  CHECK(e.connector_state(1)->transaction->transactionId == 7);
}

TEST_CASE("durable: a queued message the store hands back damaged is discarded, never sent",
          "[v16][engine][durable][fuzz]") {
  // Found by fuzzing (fuzz/sqlite_store.cpp): a StartTransaction whose stored payload was cut
  // short (a damaged database file) went on the wire as it was, an invalid frame. Messages read
  // from the store are now checked against their action's schema before they are sent.
  auto store = ocpp::make_memory_store();
  ocpp::TransactionRecord rec;
  rec.protocol = "ocpp1.6";
  rec.connector_id = 1;
  rec.id_token = "CARD1";
  rec.data = R"({"meterStart":0,"startTime":"2026-09-21T14:13:20.000Z"})";
  ocpp::OutboxMessage start;
  start.protocol = "ocpp1.6";
  start.action = "StartTransaction";
  start.payload = R"({"connectorId":1,"idTag":"CARD1)";
  REQUIRE(!store->transaction_begin(rec, start));
  ocpp::OutboxMessage mv;
  mv.protocol = "ocpp1.6";
  mv.action = "MeterValues";
  mv.tx_key = rec.tx_key;
  mv.payload = R"({"connectorId":1,"meterValue":[{"timestamp":"2026-09-21T14:14:20.000Z","sampledValue":[{"value":"5","unit":"Wr"}]}]})";
  REQUIRE(!store->outbox_append(mv));
  ocpp::OutboxMessage other;
  other.protocol = "ocpp1.6";
  other.action = "MeterValues";
  other.payload = R"({"connectorId":2,"meterValue":[{"timestamp":"2026-09-21T14:14:20.000Z","sampledValue":[{"value":"7"}]}]})";
  REQUIRE(!store->outbox_append(other));
  test::Harness h(store.get(), 2);
  auto& e = h.start();
  h.connect();
  CHECK(h.calls_of("StartTransaction").empty());
  auto mvs = h.calls_of("MeterValues");
  REQUIRE(mvs.size() == 1);  // the readable one, with no transaction
  CHECK(mvs[0].json()["connectorId"].GetInt() == 2);
  for (const auto& f : h.frames) {
    rapidjson::Document d;
    CHECK_FALSE(d.Parse(f.c_str()).HasParseError());
  }
  CHECK(e.queued_transaction_messages() == 0);
}

TEST_CASE("durable: a store that cannot read the queue is logged once, and the host's loop ends",
          "[v16][engine][durable][fuzz]") {
  // Found by fuzzing (fuzz/sqlite_store.cpp, a damaged database): every poll_transmit logged
  // the failed read, each log line is a hook call, and the host answers hook calls by polling
  // again (ChargePoint's runner loops until no hook call is left): the library thread never
  // left that loop.
  auto mem = ocpp::make_memory_store();
  test::FlakyStore store(*mem);
  test::Harness h(&store, 1);
  int failures = 0;
  h.hooks.log = [&failures](int, const std::string& m) {
    if (m.find("reading the durable queue failed") != std::string::npos) ++failures;
  };
  auto& e = h.start();
  store.fail_outbox_front = true;
  h.connect();  // BootNotification, Accepted, status: every poll reads the queue
  CHECK(failures == 1);  // before: one per poll, until the harness's guard stopped the loop
  store.fail_outbox_front = false;
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  CHECK(h.calls_of("StartTransaction").size() == 1);  // the queue works again
}

TEST_CASE("durable: a retry that is due while another CALL is in flight leaves no deadline due",
          "[v16][engine][durable][retry][fuzz]") {
  // Found by fuzzing (fuzz/engine.cpp): while the durable head waited for its retry, a volatile
  // CALL went ahead (as it should) and was still unanswered when the retry time came; the retry
  // time then stayed in next_deadline(), in the past, until that CALL ended: a busy loop.
  test::Harness h(nullptr, 2, {{"TransactionMessageAttempts", "3"}, {"TransactionMessageRetryInterval", "10"}});
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  h.answer_error["StopTransaction"] = "InternalError";
  REQUIRE(!e.stop_transaction(1, Reason::Local, h.now()));
  h.pump();
  REQUIRE(h.calls_of("StopTransaction").size() == 1);
  h.answer_error.clear();
  h.advance(5s);
  h.policy["Authorize"] = [](const test::SentCall&) -> std::optional<std::string> { return std::nullopt; };
  REQUIRE(!e.present_id_tag("CARD2", 2, h.now()));
  h.pump();
  REQUIRE(h.held.size() == 1);  // the Authorize, unanswered
  h.advance(6s);                // the StopTransaction's retry time has passed
  auto deadline = e.next_deadline();
  REQUIRE(deadline);
  CHECK(*deadline > h.now().mono);
  CHECK(h.calls_of("StopTransaction").size() == 1);
  h.answer_held(R"({"idTagInfo":{"status":"Accepted"}})");
  CHECK(h.calls_of("StopTransaction").size() == 2);  // the retry goes once the Authorize ended
}

TEST_CASE("durable: a message the store cannot remove is not discarded again in a loop",
          "[v16][engine][durable][fuzz]") {
  // Found by fuzzing (fuzz/sqlite_store.cpp): an unreadable queued message (damaged file) whose
  // removal also failed was read back as the head at once, discarded again, and so on: the
  // engine never returned from poll_transmit.
  auto mem = ocpp::make_memory_store();
  ocpp::OutboxMessage bad;
  bad.action = "MeterValues";
  bad.payload = R"({"connectorId":1,"meterValue":[{"thmestamp":"2026-09-21T14:14:20.000Z"}]})";
  REQUIRE(!mem->outbox_append(bad));
  test::FlakyStore store(*mem);
  store.fail_outbox_ack = true;
  test::Harness h(&store, 1);
  auto& e = h.start();
  h.connect();  // Accepted: the queue is read and its head discarded, which fails
  CHECK(store.outbox_ack_calls == 1);
  CHECK(h.calls_of("StatusNotification").size() == 2);  // the rest goes on
  store.fail_outbox_ack = false;
  h.advance(10s);  // tried again later, and removed
  CHECK(store.outbox_ack_calls == 2);
  std::size_t left = 1;
  REQUIRE(!mem->outbox_size(left));
  CHECK(left == 0);
  (void)e;
}

TEST_CASE("durable: a store that keeps a message it says it removed does not loop the engine",
          "[v16][engine][durable][fuzz]") {
  // Found by fuzzing (fuzz/sqlite_store.cpp): in a damaged file the DELETE found no row (its
  // index was wrong) while the queue's first row was still read: the unreadable message was
  // discarded "successfully" again and again, and poll_transmit never returned.
  auto mem = ocpp::make_memory_store();
  ocpp::OutboxMessage bad;
  bad.action = "MeterValues";
  bad.payload = "{";
  REQUIRE(!mem->outbox_append(bad));
  test::FlakyStore store(*mem);
  store.ack_keeps_message = true;
  test::Harness h(&store, 1);
  h.start();
  h.connect();
  CHECK(store.outbox_ack_calls == 1);
  CHECK(h.calls_of("StatusNotification").size() == 2);  // the rest goes on
}
