// Test harness for the sans-I/O OCPP 2.0.1 engine: a simulated clock and an in-process fake
// CSMS that answers our CALLs per a policy the test can change, records every frame, and
// checks every CALL we send against its request schema with the generated codec.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ocpp/store.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v201/engine.hpp"
#include "support/reply_lookup.hpp"
#include "v201/generated/codec.hpp"

namespace test::v201 {

using namespace std::chrono_literals;

struct SentCall {
  std::string id;
  std::string action;
  std::string payload;  // JSON text
  ocpp::MonoTime at{};  // simulated time at which it was sent
};

/// Decodes the payload of a CALL we sent with the generated codec (the schema of its request
/// type); false for an action this increment never sends.
inline bool valid_request(const std::string& action, const std::string& payload, std::string& why) {
  ocpp::v201::codec::Error err;
  bool ok = false;
  if (action == "BootNotification") {
    ocpp::v201::BootNotificationRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "Heartbeat") {
    ocpp::v201::HeartbeatRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "StatusNotification") {
    ocpp::v201::StatusNotificationRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "TransactionEvent") {
    ocpp::v201::TransactionEventRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "MeterValues") {
    ocpp::v201::MeterValuesRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "SecurityEventNotification") {
    ocpp::v201::SecurityEventNotificationRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "Authorize") {
    ocpp::v201::AuthorizeRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "NotifyReport") {
    ocpp::v201::NotifyReportRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
    // --- firmware update (L01), logs (N01), customer information (N09, N10) ---
  } else if (action == "FirmwareStatusNotification") {
    ocpp::v201::FirmwareStatusNotificationRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "LogStatusNotification") {
    ocpp::v201::LogStatusNotificationRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "NotifyCustomerInformation") {
    ocpp::v201::NotifyCustomerInformationRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
    // --- end firmware update, logs, customer information ---
  } else if (action == "ReportChargingProfiles") {  // smart charging (block K)
    ocpp::v201::ReportChargingProfilesRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "NotifyChargingLimit") {  // external charging limits (K11-K13)
    ocpp::v201::NotifyChargingLimitRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "ClearedChargingLimit") {
    ocpp::v201::ClearedChargingLimitRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else if (action == "SignCertificate") {  // certificate management (A02, A03)
    ocpp::v201::SignCertificateRequest r;
    ok = ocpp::v201::codec::from_json(payload, r, err);
  } else {
    err.message = "an action the engine does not send yet";
  }
  why = err.message;
  return ok;
}

class Harness {
 public:
  explicit Harness(std::vector<int> evses = {1}) {
    store_ = ocpp::make_memory_store();
    now_.mono = ocpp::MonoTime{} + 1000s;
    now_.wall = ocpp::DateTime{} + 1'790'000'000s;
    options.evses = std::move(evses);
    options.charging_station.vendorName = "TestVendor";
    options.charging_station.model = "TestModel";
    options.id_seed = 42;
    boot_answer("Accepted", 300);
    policy["Heartbeat"] = [this](const SentCall&) -> std::optional<std::string> {
      return R"({"currentTime":")" + ocpp::format_datetime(now_.wall) + "\"}";
    };
    policy["StatusNotification"] = [](const SentCall&) -> std::optional<std::string> {
      return "{}";
    };
    policy["Authorize"] = [](const SentCall&) -> std::optional<std::string> {
      return R"({"idTokenInfo":{"status":"Accepted"}})";
    };
    policy["TransactionEvent"] = [](const SentCall&) -> std::optional<std::string> { return "{}"; };
  }

  ocpp::v201::Hooks hooks;
  ocpp::v201::EngineOptions options;

  /// Creates the engine (after the test has set hooks and options).
  ocpp::v201::Engine& start() {
    auto r = ocpp::v201::Engine::create(options, *store_, hooks, now_);
    REQUIRE(r.ok());
    engine_ = std::move(r.value());
    return *engine_;
  }
  /// A power cut: the engine is gone without a word (connection included); a new one is
  /// created on the same store, as after the restart.
  ocpp::v201::Engine& restart() {
    engine_.reset();
    connected_ = false;
    return start();
  }
  ocpp::v201::Engine& engine() { return *engine_; }
  ocpp::Store& store() { return *store_; }
  ocpp::Now now() const { return now_; }
  /// certificate management: sets the simulated wall clock (the test PKI is made relative to
  /// the real one).
  void set_wall_clock(ocpp::DateTime t) { now_.wall = t; }

  /// The fake CSMS answers BootNotificationRequest with this status and interval.
  void boot_answer(const std::string& status, int interval) {
    policy["BootNotification"] = [this, status,
                                  interval](const SentCall&) -> std::optional<std::string> {
      return R"({"status":")" + status + R"(","currentTime":")" + ocpp::format_datetime(now_.wall) +
             R"(","interval":)" + std::to_string(interval) + "}";
    };
  }

  // --- the connection ---
  /// `opened` runs after Engine::connected, before anything else (as a host's handler would).
  void connect(const std::function<void()>& opened = {}) {
    connected_ = true;
    engine_->connected(now_);
    if (opened) opened();
    pump();
  }
  void disconnect() {
    connected_ = false;
    engine_->disconnected(now_);
    pump();
  }
  /// Delivers a frame from the CSMS.
  void csms_send(const std::string& text) {
    engine_->receive(text, now_);
    pump();
  }
  /// Sends a CALL from the CSMS; returns our reply to it (frame text), or nullopt.
  std::optional<std::string> csms_call(const std::string& id, const std::string& action,
                                       const std::string& payload) {
    csms_send("[2,\"" + id + "\",\"" + action + "\"," + payload + "]");
    return reply_to(id);
  }
  /// Our reply (CALLRESULT or CALLERROR frame text) to the CSMS's CALL with that id, if sent.
  std::optional<std::string> reply_to(const std::string& id) const {
    return find_reply(results, id);
  }

  /// Advances simulated time by d, handling every deadline on the way.
  void advance(std::chrono::milliseconds d) {
    const auto end = now_.mono + d;
    for (int guard = 0; guard < 100000; ++guard) {
      auto dl = engine_->next_deadline();
      if (!dl || *dl > end) break;
      if (*dl > now_.mono) move_clocks(*dl - now_.mono);
      engine_->handle_timeout(now_);
      pump();
    }
    move_clocks(end - now_.mono);
    engine_->handle_timeout(now_);
    pump();
  }

  /// Steps the engine as a host does until quiet: handle_timeout(), then the frames to send
  /// (answered by the fake CSMS), then the queued hooks.
  void pump() {
    for (int guard = 0; guard < 100000; ++guard) {
      engine_->handle_timeout(now_);
      bool progress = false;
      while (connected_) {
        auto t = engine_->poll_transmit(now_);
        if (!t) break;
        progress = true;
        on_frame(*t);
      }
      while (auto f = engine_->poll_hook_call()) {
        f();
        progress = true;
      }
      if (!progress) break;
    }
  }

  // --- the fake CSMS ---
  /// Answer per action: the CALLRESULT payload, or nullopt to hold the CALL unanswered.
  std::map<std::string, std::function<std::optional<std::string>(const SentCall&)>> policy;
  std::vector<SentCall> calls;       // every CALL we sent, in order
  std::vector<std::string> results;  // every CALLRESULT/CALLERROR we sent, in order
  std::vector<SentCall> held;        // CALLs left unanswered by the policy
  std::vector<std::string> frames;   // every frame we sent (CALLs and replies), in order

  std::vector<SentCall> calls_of(const std::string& action) const {
    std::vector<SentCall> out;
    for (const auto& c : calls)
      if (c.action == action) out.push_back(c);
    return out;
  }
  /// Seconds of simulated time since the harness was created.
  std::int64_t seconds(ocpp::MonoTime t) const {
    return std::chrono::duration_cast<std::chrono::seconds>(t - (ocpp::MonoTime{} + 1000s)).count();
  }

 private:
  void move_clocks(ocpp::MonoTime::duration d) {
    now_.mono += d;
    now_.wall += std::chrono::duration_cast<ocpp::DateTime::duration>(d);
  }

  void on_frame(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    REQUIRE(d.IsArray());
    frames.push_back(text);
    if (d[0].GetInt() != 2) {
      results.push_back(text);
      return;
    }
    SentCall c;
    c.id = d[1].GetString();
    c.action = d[2].GetString();
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    d[3].Accept(w);
    c.payload = sb.GetString();
    c.at = now_.mono;
    std::string why;
    INFO(c.action << " " << c.payload);
    const bool valid = valid_request(c.action, c.payload, why);
    INFO(why);
    CHECK(valid);
    calls.push_back(c);
    auto p = policy.find(c.action);
    std::optional<std::string> payload =
        p != policy.end() ? p->second(c) : std::optional<std::string>("{}");
    if (!payload) {
      held.push_back(c);
      return;
    }
    // Answered after poll_transmit returned, as a real peer would.
    engine_->receive("[3,\"" + c.id + "\"," + *payload + "]", now_);
  }

  std::unique_ptr<ocpp::Store> store_;
  std::unique_ptr<ocpp::v201::Engine> engine_;
  ocpp::Now now_;
  bool connected_ = false;
};

/// The parsed frame text (the test fails unless it is a JSON array).
inline rapidjson::Document parse(const std::optional<std::string>& frame) {
  REQUIRE(frame.has_value());
  rapidjson::Document d;
  d.Parse(frame->c_str());
  REQUIRE(d.IsArray());
  return d;
}

/// The error code of a CALLERROR frame (the test fails on anything else).
inline std::string error_code(const std::optional<std::string>& frame) {
  auto d = parse(frame);
  REQUIRE(d[0].GetInt() == 4);
  return d[2].GetString();
}

/// The status field of a CALLRESULT frame's payload (the test fails on anything else).
inline std::string result_status(const std::optional<std::string>& frame) {
  auto d = parse(frame);
  REQUIRE(d[0].GetInt() == 3);
  REQUIRE(d[2].HasMember("status"));
  return d[2]["status"].GetString();
}

/// Sets one Actual value through SetVariablesRequest; the test fails unless Accepted.
inline void set_variable(Harness& h, const std::string& component, const std::string& variable,
                         const std::string& value) {
  static int n = 0;  // message ids are at most 36 characters
  auto d = parse(h.csms_call("set-" + std::to_string(++n), "SetVariables",
                             R"({"setVariableData":[{"component":{"name":")" + component +
                                 R"("},"variable":{"name":")" + variable +
                                 R"("},"attributeValue":")" + value + R"("}]})"));
  REQUIRE(d[0].GetInt() == 3);
  REQUIRE(std::string(d[2]["setVariableResult"][0]["attributeStatus"].GetString()) == "Accepted");
}

// --- conformance helpers (tests201) ---
// For the tests that follow the steps of part 6 test cases (tests/v201/conformance_*_test.cpp).

/// A field of a JSON value by a dotted path ("transactionInfo.stoppedReason", "evse.id",
/// "meterValue.0.sampledValue.0.value"; a number indexes an array): a string as it is, any
/// other value as its JSON text, "<absent>" when the path leads nowhere.
inline std::string field(const rapidjson::Value& root, const std::string& path) {
  const rapidjson::Value* v = &root;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const auto dot = path.find('.', pos);
    const std::string key =
        path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (v->IsObject()) {
      auto m = v->FindMember(key.c_str());
      if (m == v->MemberEnd()) return "<absent>";
      v = &m->value;
    } else if (v->IsArray() && !key.empty() &&
               key.find_first_not_of("0123456789") == std::string::npos) {
      const auto i = static_cast<rapidjson::SizeType>(std::stoul(key));
      if (i >= v->Size()) return "<absent>";
      v = &(*v)[i];
    } else {
      return "<absent>";
    }
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (v->IsString()) return v->GetString();
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v->Accept(w);
  return sb.GetString();
}

/// A field of a JSON text (a CALL's payload) by a dotted path, as field() above.
inline std::string field(const std::string& json, const std::string& path) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  REQUIRE(!d.HasParseError());
  return field(static_cast<const rapidjson::Value&>(d), path);
}

/// The payloads of the CALLs of that action we sent, from index `from` of Harness::calls on.
inline std::vector<std::string> payloads_of(const Harness& h, const std::string& action,
                                            std::size_t from = 0) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < h.calls.size(); ++i)
    if (h.calls[i].action == action) out.push_back(h.calls[i].payload);
  return out;
}

/// An ISO14443 idToken.
inline ocpp::v201::IdTokenType iso14443(const std::string& v) {
  ocpp::v201::IdTokenType t;
  t.idToken = v;
  t.type = ocpp::v201::IdTokenEnumType::ISO14443;
  return t;
}

/// Part 6 reusable state EnergyTransferStarted (2.18) at connector 1 of the EVSE with the
/// default TxStartPoint (PowerPathClosed): the EV plugged in, the idToken presented and
/// accepted (the transaction starts), then Charging. The caller checks the messages.
inline void energy_transfer_started(Harness& h, int evse, const std::string& id_token) {
  REQUIRE(h.engine().plug_in(evse, 1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.engine().present_id_token(evse, iso14443(id_token), h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.engine().transaction_id(evse).has_value());
  REQUIRE(h.engine().set_charging_state(evse, ocpp::v201::ChargingStateEnumType::Charging,
                                        h.now()) == std::error_code{});
  h.pump();
}

/// The simulated wall-clock time plus `offset`, as an OCPP dateTime.
inline std::string at(const Harness& h, std::chrono::seconds offset) {
  return ocpp::format_datetime(h.now().wall + offset);
}

/// Starts a transaction on `evse` by plugging in with TxStartPoint EVConnected; its id.
inline std::string start_tx(Harness& h, int evse) {
  set_variable(h, "TxCtrlr", "TxStartPoint", "EVConnected");
  REQUIRE(h.engine().plug_in(evse, 1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.engine().transaction_id(evse));
  return *h.engine().transaction_id(evse);
}

}  // namespace test::v201
