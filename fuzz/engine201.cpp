// Target engine201: the OCPP 2.0.1 engine on the memory store, fed a program read from the
// input: connect and disconnect, frames from the CSMS (canned CALLs of the actions a station
// receives, answers to our CALL, raw text), firmware events (plug, idToken, charging state,
// meter, stop), time steps on a simulated clock and power cuts. After every step the driver
// checks the engine's promises; a broken one aborts:
//
// - Every frame we send is an OCPP-J array; our CALLs' payloads conform to their request's
//   schema, our CALLRESULTs to the response of the CALL they answer (the generated codec).
// - Every CALL of the CSMS with a readable id gets exactly one answer once the host has run
//   the hooks (while connected); nothing else is answered.
// - At most one CALL of ours is unanswered; before Accepted it is a BootNotificationRequest.
// - The TransactionEventRequests of a transaction go out in seqNo order without a gap (a
//   resend repeats one), starting with Started at 0; nothing follows an Ended (E01.FR.07).
// - The queue the engine reports is the store's; once everything due ran, the next deadline
//   is in the future (no busy loop).
#include <rapidjson/document.h>

#include <chrono>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "fuzz_support.hpp"
#include "ocpp/store.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v201/engine.hpp"
#include "v201_messages.hpp"

namespace {

using namespace std::chrono_literals;
using ocpp::v201::Action;

struct CannedCall {
  const char* action;
  const char* payload;
};
// Valid CALLs of the CSMS (and a few a station only sends, and an unknown one).
constexpr CannedCall kCalls[] = {
    {"Reset", R"({"type":"Immediate"})"},
    {"Reset", R"({"type":"OnIdle"})"},
    {"Reset", R"({"type":"OnIdle","evseId":1})"},
    {"ChangeAvailability", R"({"operationalStatus":"Inoperative"})"},
    {"ChangeAvailability", R"({"operationalStatus":"Operative"})"},
    {"ChangeAvailability", R"({"operationalStatus":"Inoperative","evse":{"id":1}})"},
    {"ChangeAvailability", R"({"operationalStatus":"Operative","evse":{"id":1,"connectorId":1}})"},
    {"ChangeAvailability", R"({"operationalStatus":"Inoperative","evse":{"id":7}})"},
    {"TriggerMessage", R"({"requestedMessage":"BootNotification"})"},
    {"TriggerMessage", R"({"requestedMessage":"Heartbeat"})"},
    {"TriggerMessage",
     R"({"requestedMessage":"StatusNotification","evse":{"id":1,"connectorId":1}})"},
    {"TriggerMessage", R"({"requestedMessage":"MeterValues"})"},
    {"TriggerMessage", R"({"requestedMessage":"TransactionEvent","evse":{"id":2}})"},
    {"RequestStartTransaction",
     R"({"remoteStartId":1,"idToken":{"idToken":"R1","type":"Central"}})"},
    {"RequestStartTransaction",
     R"({"evseId":2,"remoteStartId":2,"idToken":{"idToken":"R2","type":"Central"}})"},
    {"RequestStopTransaction", R"({"transactionId":"x"})"},
    {"GetTransactionStatus", "{}"},
    {"UnlockConnector", R"({"evseId":1,"connectorId":1})"},
    {"DataTransfer", R"({"vendorId":"com.example","messageId":"m","data":[1]})"},
    {"GetVariables",
     R"({"getVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}},{"component":{"name":"Nope"},"variable":{"name":"X"}}]})"},
    {"SetVariables",
     R"({"setVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"},"attributeValue":"7"}]})"},
    {"SetVariables",
     R"({"setVariableData":[{"component":{"name":"TxCtrlr"},"variable":{"name":"TxStartPoint"},"attributeValue":"EVConnected"}]})"},
    {"SetVariables",
     R"({"setVariableData":[{"component":{"name":"TxCtrlr"},"variable":{"name":"TxStopPoint"},"attributeValue":"EnergyTransfer"}]})"},
    {"SetVariables",
     R"({"setVariableData":[{"component":{"name":"SampledDataCtrlr"},"variable":{"name":"TxUpdatedInterval"},"attributeValue":"5"}]})"},
    {"SetVariables",
     R"({"setVariableData":[{"component":{"name":"AlignedDataCtrlr"},"variable":{"name":"Interval"},"attributeValue":"30"}]})"},
    {"SetVariables",
     R"({"setVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"MessageAttempts","instance":"TransactionEvent"},"attributeValue":"1"}]})"},
    {"SetVariables",
     R"({"setVariableData":[{"component":{"name":"AuthCtrlr"},"variable":{"name":"OfflineTxForUnknownIdEnabled"},"attributeValue":"true"}]})"},
    {"GetBaseReport", R"({"requestId":1,"reportBase":"FullInventory"})"},
    {"GetReport", R"({"requestId":2,"componentCriteria":["Available"]})"},
    {"ClearCache", "{}"},
    {"GetLocalListVersion", "{}"},
    {"SendLocalList",
     R"({"versionNumber":3,"updateType":"Full","localAuthorizationList":[{"idToken":{"idToken":"T1","type":"ISO14443"},"idTokenInfo":{"status":"Accepted"}}]})"},
    {"SendLocalList",
     R"({"versionNumber":4,"updateType":"Differential","localAuthorizationList":[{"idToken":{"idToken":"T1","type":"ISO14443"}}]})"},
    {"Heartbeat", "{}"},
    {"NoSuchAction", "{}"},
};

const char* const kTokens[] = {"T1", "T2", "t1", "R1", ""};

enum Op : std::uint8_t {
  kConnect,
  kDisconnect,
  kAdvance,
  kAdvanceLong,
  kAnswer,
  kAnswerError,
  kAnswerRaw,
  kCsmsCall,
  kRawFrame,
  kPlug,
  kUnplug,
  kToken,
  kChargingState,
  kMeasurand,
  kStop,
  kSecurityEvent,
  kPowerCut,
  kWallJump,
  kMood,
  kOpCount
};

// The id of text that starts like a message the engine may answer, [2,"id" or another type
// but 3 and 4 (spaces allowed), when the id has no escape.
std::optional<std::string> leading_call_id(std::string_view t) {
  std::size_t i = 0;
  auto skip = [&] {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
  };
  auto take = [&](char c) {
    skip();
    if (i >= t.size() || t[i] != c) return false;
    ++i;
    return true;
  };
  if (!take('[')) return std::nullopt;
  skip();
  // Any message type but a reply (3, 4): a CALL, or a type the engine refuses by name.
  const std::size_t digits = i;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
  if (i == digits || t.substr(digits, i - digits) == "3" || t.substr(digits, i - digits) == "4")
    return std::nullopt;
  if (!take(',') || !take('"')) return std::nullopt;
  const std::size_t start = i;
  while (i < t.size() && t[i] != '"' && t[i] != '\\') ++i;
  if (i >= t.size() || t[i] != '"' || i == start || i - start > 36) return std::nullopt;
  return std::string(t.substr(start, i - start));
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

class Driver {
 public:
  explicit Driver(std::uint8_t& mood) : mood_(mood) {
    store_ = ocpp::make_memory_store();
    now_.mono = ocpp::MonoTime{} + 1000s;
    now_.wall = ocpp::DateTime{} + 1'790'000'000s;
    options_.evses = {1, 2};
    options_.charging_station.vendorName = "V";
    options_.charging_station.model = "M";
    options_.id_seed = 7;
    hooks_.reset_allowed = [this](ocpp::v201::ResetEnumType, std::optional<std::int32_t>) {
      return (mood_ & 1) ? ocpp::v201::ResetStatusEnumType::Accepted
                         : ocpp::v201::ResetStatusEnumType::Rejected;
    };
    hooks_.reset = [this](ocpp::v201::ResetEnumType, std::optional<std::int32_t>) {
      restart_requested_ = true;
    };
    hooks_.remote_start_allowed = [this](std::optional<std::int32_t>,
                                         const ocpp::v201::IdTokenType&, std::int32_t) {
      return (mood_ & 2) ? ocpp::v201::RequestStartStopStatusEnumType::Rejected
                         : ocpp::v201::RequestStartStopStatusEnumType::Accepted;
    };
    hooks_.unlock_connector = [](int, int) { return ocpp::v201::UnlockStatusEnumType::Unlocked; };
    hooks_.data_transfer = [](const std::string&, const std::optional<std::string>&,
                              const std::optional<std::string>& data) {
      ocpp::v201::DataTransferResult r;
      r.status = ocpp::v201::DataTransferStatusEnumType::Accepted;
      r.data = data;
      return r;
    };
    start();
  }

  ocpp::v201::Engine& engine() { return *engine_; }
  ocpp::Now now() const { return now_; }
  struct Sent {
    std::string id;
    Action action{};
    ocpp::MonoTime at{};
  };
  const std::optional<Sent>& in_flight() const { return in_flight_; }

  void start() {
    auto r = ocpp::v201::Engine::create(options_, *store_, hooks_, now_);
    FUZZ_CHECK_MSG(r.ok(), r.error().message());
    engine_ = std::move(r.value());
    settle();
  }
  void restart() {
    engine_.reset();
    connected_ = false;
    in_flight_.reset();
    unanswered_.clear();
    malformed_.clear();
    options_.boot_reason = ocpp::v201::BootReasonEnumType::PowerUp;
    start();
  }
  void connect() {
    if (connected_) return;
    connected_ = true;
    engine_->connected(now_);
    settle();
  }
  void disconnect() {
    if (!connected_) return;
    connected_ = false;
    engine_->disconnected(now_);
    in_flight_.reset();
    unanswered_.clear();
    malformed_.clear();
    settle();
  }
  void deliver(std::string_view text) {
    if (!connected_) return;
    expect_answer(text);
    // The answer to our CALL ends it.
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (in_flight_ && !d.HasParseError() && d.IsArray() && d.Size() >= 2 && d[0].IsInt() &&
        (d[0].GetInt() == 3 || d[0].GetInt() == 4) && d[1].IsString() &&
        in_flight_->id == d[1].GetString())
      in_flight_.reset();
    engine_->receive(text, now_);
    settle();
  }
  void advance(std::chrono::milliseconds d) {
    const auto end = now_.mono + d;
    for (int guard = 0; guard < 10000; ++guard) {
      auto dl = engine_->next_deadline();
      if (!dl || *dl > end) break;
      if (*dl > now_.mono) move(*dl - now_.mono);
      step();
    }
    move(end - now_.mono);
    step();
  }
  void jump_wall(std::chrono::seconds d) {
    now_.wall += d;
    settle();
  }

  /// Runs hooks and sends what is due until quiet, then checks the invariants.
  void settle() {
    for (int guard = 0; guard < 1000; ++guard) {
      engine_->handle_timeout(now_);
      bool progress = false;
      while (connected_) {
        auto t = engine_->poll_transmit(now_);
        if (!t) break;
        progress = true;
        transmit(*t);
      }
      while (auto f = engine_->poll_hook_call()) {
        f();
        progress = true;
      }
      if (restart_requested_) {
        restart_requested_ = false;
        options_.boot_reason = ocpp::v201::BootReasonEnumType::RemoteReset;
        engine_.reset();
        connected_ = false;
        in_flight_.reset();
        unanswered_.clear();
        malformed_.clear();
        auto r = ocpp::v201::Engine::create(options_, *store_, hooks_, now_);
        FUZZ_CHECK_MSG(r.ok(), r.error().message());
        engine_ = std::move(r.value());
        progress = true;
      }
      if (!progress) break;
    }
    check_settled();
  }

 private:
  void move(ocpp::MonoTime::duration d) {
    now_.mono += d;
    now_.wall += std::chrono::duration_cast<ocpp::DateTime::duration>(d);
  }
  void step() { settle(); }

  // A CALL of the CSMS with a readable id must be answered; remember it.
  void expect_answer(std::string_view text) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError()) {
      // Text that breaks later may still show its id first ([2,"id",...): the engine answers
      // such a CALL with a CALLERROR when it could read the id (at most one).
      if (auto id = leading_call_id(text)) malformed_[*id] += 1;
      return;
    }
    if (d.IsArray() && d.Size() >= 2 && d[0].IsInt() && d[0].GetInt() != 2 && d[0].GetInt() != 3 &&
        d[0].GetInt() != 4 && d[1].IsString()) {
      malformed_[d[1].GetString()] += 1;  // MessageTypeNotSupported, at most once
      return;
    }
    if (!d.IsArray() || d.Size() < 2 || !d[0].IsInt() || d[0].GetInt() != 2 || !d[1].IsString())
      return;
    const std::string id = d[1].GetString();
    if (id.empty() || id.size() > 36) return;
    if (d.Size() != 4 || !d[2].IsString() || !d[3].IsObject()) {
      // A malformed CALL with a readable id may get a CALLERROR (at most one).
      malformed_[id] += 1;
      return;
    }
    // A second CALL with an id in progress is itself refused (part 4 section 4.1.4); the
    // first one is still answered once.
    Action a{};
    std::optional<Action> action;
    if (ocpp::v201::from_string(d[2].GetString(), a)) action = a;
    unanswered_[id].push_back(action);
  }

  void transmit(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    FUZZ_CHECK_MSG(!d.HasParseError() && d.IsArray() && d.Size() >= 3, text);
    FUZZ_CHECK_MSG(d[0].IsInt() && d[1].IsString(), text);
    const int type = d[0].GetInt();
    const std::string id = d[1].GetString();
    FUZZ_CHECK_MSG(id.size() <= 36, text);
    std::string why;
    if (type == 2) {
      FUZZ_CHECK_MSG(d.Size() == 4 && d[2].IsString(), text);
      Action a{};
      FUZZ_CHECK_MSG(ocpp::v201::from_string(d[2].GetString(), a), text);
      FUZZ_CHECK_MSG(fuzz::v201::decode_as(a, false, d[3], &why), why + " in " + text);
      // One CALL of ours at a time (the engine gives up on one after call_timeout); before
      // Accepted only BootNotification.
      if (in_flight_ && now_.mono - in_flight_->at >= options_.call_timeout) in_flight_.reset();
      FUZZ_CHECK_MSG(!in_flight_, "a second CALL while " + in_flight_->id + " waits: " + text);
      const auto reg = engine_->registration();
      if (reg != ocpp::v201::RegistrationStatusEnumType::Accepted)
        FUZZ_CHECK_MSG(a == Action::BootNotification, text);
      in_flight_ = Sent{id, a, now_.mono};
      if (a == Action::TransactionEvent) check_sequence(d[3]);
      return;
    }
    FUZZ_CHECK_MSG(type == 3 || type == 4, text);
    if (id == "-1") {
      FUZZ_CHECK(type == 4);  // the answer to an unreadable CALL
      return;
    }
    if (type == 4) {
      auto m = malformed_.find(id);
      if (m != malformed_.end()) {
        if (--m->second == 0) malformed_.erase(m);
        return;
      }
    }
    auto it = unanswered_.find(id);
    FUZZ_CHECK_MSG(it != unanswered_.end() && !it->second.empty(), "an answer to nothing: " + text);
    auto& waiting = it->second;
    if (type == 4) {
      // A CALL that reused an id in progress is refused at once: the later one.
      waiting.pop_back();
    } else {
      // The CALLRESULT conforms to the response of one of the CALLs with this id.
      FUZZ_CHECK_MSG(d.Size() == 3, text);
      auto match = waiting.end();
      for (auto w = waiting.begin(); w != waiting.end() && match == waiting.end(); ++w)
        if (*w && fuzz::v201::decode_as(**w, true, d[2], &why)) match = w;
      FUZZ_CHECK_MSG(match != waiting.end(), why + " in " + text);
      waiting.erase(match);
    }
    if (waiting.empty()) unanswered_.erase(it);
  }

  // E01.FR.07: per transaction, seqNo 0 (Started) then one more each time; a resend repeats.
  void check_sequence(const rapidjson::Value& p) {
    const std::string id = p["transactionInfo"]["transactionId"].GetString();
    const int seq = p["seqNo"].GetInt();
    const std::string type = p["eventType"].GetString();
    auto it = sequences_.find(id);
    if (it == sequences_.end()) {
      FUZZ_CHECK_MSG(seq == 0 && type == "Started", id + " begins with " + type);
      sequences_[id] = {0, false};
      return;
    }
    auto& [max_seq, ended] = it->second;
    FUZZ_CHECK_MSG(seq <= max_seq + 1,
                   id + ": seqNo " + std::to_string(seq) + " after " + std::to_string(max_seq));
    FUZZ_CHECK_MSG(!ended || seq <= max_seq, id + ": a message after its Ended");
    if (seq > max_seq) {
      max_seq = seq;
      ended = type == "Ended";
    }
  }

  void check_settled() {
    if (connected_) {
      for (const auto& [id, v] : unanswered_)
        FUZZ_CHECK_MSG(v.empty(), "the CSMS's CALL " + id + " is not answered");
    }
    std::size_t stored = 0;
    FUZZ_CHECK(!store_->outbox_size(stored));
    FUZZ_CHECK_MSG(
        engine_->queued_transaction_messages() == stored,
        std::to_string(engine_->queued_transaction_messages()) + " vs " + std::to_string(stored));
    if (auto dl = engine_->next_deadline()) FUZZ_CHECK_MSG(*dl > now_.mono, "a deadline now");
  }

  std::uint8_t& mood_;
  std::unique_ptr<ocpp::Store> store_;
  ocpp::v201::EngineOptions options_;
  ocpp::v201::Hooks hooks_;
  std::unique_ptr<ocpp::v201::Engine> engine_;
  ocpp::Now now_;
  bool connected_ = false;
  bool restart_requested_ = false;
  std::optional<Sent> in_flight_;
  std::map<std::string, std::vector<std::optional<Action>>> unanswered_;
  std::map<std::string, int> malformed_;  // readable ids of malformed CALLs: may get a CALLERROR
  std::map<std::string, std::pair<int, bool>> sequences_;  // transactionId: max seqNo, ended
};

// A valid CALLRESULT payload of the CSMS for our CALL, chosen by variant.
std::string valid_result(Action a, std::uint8_t variant, ocpp::Now now) {
  const std::string time = "\"" + ocpp::format_datetime(now.wall) + "\"";
  switch (a) {
    case Action::BootNotification: {
      static const char* const kStatus[] = {"Accepted", "Pending", "Rejected"};
      return std::string(R"({"status":")") + kStatus[variant % 3] + R"(","currentTime":)" + time +
             R"(,"interval":)" + std::to_string(variant % 5 * 30) + "}";
    }
    case Action::Heartbeat:
      return R"({"currentTime":)" + time + "}";
    case Action::Authorize:
    case Action::TransactionEvent: {
      static const char* const kStatus[] = {"Accepted", "Blocked", "Invalid", "Unknown"};
      if (a == Action::TransactionEvent && variant % 2 == 0) return "{}";
      return std::string(R"({"idTokenInfo":{"status":")") + kStatus[variant / 2 % 4] + "\"}}";
    }
    default:
      return "{}";
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Reader in(data, size);
  std::uint8_t mood = 0;
  Driver d(mood);
  auto evse = [&in] { return static_cast<int>(in.pick(4)); };  // 0..3: two valid EVSEs
  for (int steps = 0; !in.empty() && steps < 300; ++steps) {
    ocpp::v201::Engine& e = d.engine();
    const ocpp::Now now = d.now();
    const auto op = static_cast<Op>(in.byte() % kOpCount);
    switch (op) {
      case kConnect:
        d.connect();
        break;
      case kDisconnect:
        d.disconnect();
        break;
      case kAdvance:
        d.advance(std::chrono::seconds(in.byte()));
        break;
      case kAdvanceLong:
        d.advance(std::chrono::seconds(in.byte() * 60));
        break;
      case kAnswer:
      case kAnswerError:
      case kAnswerRaw: {
        const std::uint8_t variant = in.byte();
        const std::string raw(op == kAnswerRaw ? in.text() : std::string_view());
        if (!d.in_flight()) break;
        const std::string id = json_string(d.in_flight()->id);
        if (op == kAnswer)
          d.deliver("[3," + id + "," + valid_result(d.in_flight()->action, variant, now) + "]");
        else if (op == kAnswerError)
          d.deliver("[4," + id + ",\"InternalError\",\"test\",{}]");
        else
          d.deliver("[3," + id + "," + raw + "]");
        break;
      }
      case kCsmsCall: {
        const CannedCall& c = kCalls[in.pick(std::size(kCalls))];
        const std::string id = "c" + std::to_string(in.pick(4));  // ids repeat now and then
        d.deliver("[2,\"" + id + "\",\"" + c.action + "\"," + c.payload + "]");
        break;
      }
      case kRawFrame:
        d.deliver(std::string(in.text()));
        break;
      case kPlug: {
        // Arguments read one statement at a time: their order is the input's meaning.
        const int ev = evse();
        const int connector = static_cast<int>(in.pick(3));
        (void)e.plug_in(ev, connector, now);
        d.settle();
        break;
      }
      case kUnplug:
        (void)e.plug_out(evse(), now);
        d.settle();
        break;
      case kToken: {
        ocpp::v201::IdTokenType t;
        t.idToken = kTokens[in.pick(std::size(kTokens))];
        t.type = in.flag() ? ocpp::v201::IdTokenEnumType::ISO14443
                           : ocpp::v201::IdTokenEnumType::Central;
        (void)e.present_id_token(evse(), t, now);
        d.settle();
        break;
      }
      case kChargingState: {
        const auto s = static_cast<ocpp::v201::ChargingStateEnumType>(in.pick(5));
        (void)e.set_charging_state(evse(), s, now);
        d.settle();
        break;
      }
      case kMeasurand: {
        const int ev = evse();
        const double wh = static_cast<double>(in.u16());
        (void)e.set_measurand(ev, ocpp::v201::MeasurandEnumType::Energy_Active_Import_Register, wh,
                              now);
        d.settle();
        break;
      }
      case kStop: {
        const auto r = static_cast<ocpp::v201::ReasonEnumType>(in.pick(19));
        (void)e.stop_transaction(evse(), r, now);
        d.settle();
        break;
      }
      case kSecurityEvent:
        (void)e.report_security_event(in.flag() ? "TamperDetectionActivated" : "com.example.X",
                                      std::nullopt, now);
        d.settle();
        break;
      case kPowerCut:
        d.restart();
        break;
      case kWallJump:
        d.jump_wall(std::chrono::seconds((static_cast<int>(in.byte()) - 128) * 3600));
        break;
      case kMood:
        mood = in.byte();
        break;
      case kOpCount:
        break;
    }
  }
  return 0;
}
