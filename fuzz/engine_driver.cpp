#include "v16/engine_impl.hpp"
#include "engine_driver.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <string>
#include <utility>

#include "core/json.hpp"
#include "rpc/frame.hpp"
#include "v16_messages.hpp"

namespace fuzz {

using namespace std::chrono_literals;
using ocpp::v16::Action;

// The store, with a copy of its outbox: every removal is reported to the driver, which decides
// whether the engine was allowed to make it.
class CheckedStore final : public ocpp::Store {
 public:
  CheckedStore(ocpp::Store& inner, EngineDriver& driver) : inner_(inner), driver_(driver) {
    // The store may hold messages already (a database from an earlier run).
    std::optional<ocpp::OutboxMessage> m;
    std::size_t n = 0;
    if (inner_.outbox_size(n)) return;
    // Read them through a scratch walk: only the front is readable, so the copy starts with
    // what is known and records the rest as they become the front (see front()).
    if (!inner_.outbox_front(m) && m) shadow_[m->seq] = *m;
    unknown_ = n > shadow_.size() ? n - shadow_.size() : 0;
    // A damaged file may even hold rows that break its keys (two messages with one seq).
    preloaded_ = n > 0;
  }

  const std::map<std::int64_t, ocpp::OutboxMessage>& shadow() const { return shadow_; }
  /// The store's oldest message, read without touching the copy.
  std::error_code peek_front(std::optional<ocpp::OutboxMessage>& out) { return inner_.outbox_front(out); }
  std::size_t size() const { return shadow_.size() + unknown_; }
  // After a failed write (a damaged file) the engine's count may differ from the store's, and
  // an acknowledged message may stay queued (it is sent again: at least once).
  bool exact() const { return unknown_ == 0 && !write_failed_ && !preloaded_; }
  bool write_failed() const { return write_failed_; }

  std::error_code outbox_append(ocpp::OutboxMessage& msg) override {
    auto ec = inner_.outbox_append(msg);
    if (!ec) shadow_[msg.seq] = msg;
    return ec;
  }
  std::error_code outbox_front(std::optional<ocpp::OutboxMessage>& out) override {
    auto ec = inner_.outbox_front(out);
    if (!ec && out && !shadow_.count(out->seq) && (unknown_ > 0 || preloaded_)) {
      shadow_[out->seq] = *out;
      if (unknown_ > 0) --unknown_;
    }
    return ec;
  }
  std::error_code outbox_size(std::size_t& out) override { return inner_.outbox_size(out); }
  std::error_code outbox_set_attempts(std::int64_t seq, int attempts) override {
    auto ec = inner_.outbox_set_attempts(seq, attempts);
    auto it = shadow_.find(seq);
    if (!ec && it != shadow_.end()) it->second.attempts = attempts;
    return ec;
  }
  std::error_code outbox_ack(std::int64_t seq, std::int64_t tx_key, const ocpp::AckEffects& effects) override {
    auto it = shadow_.find(seq);
    FUZZ_CHECK_MSG(it != shadow_.end() || unknown_ > 0 || preloaded_,
                   "ack of a message never queued: " + std::to_string(seq));
    if (it != shadow_.end()) {
      FUZZ_CHECK(it->second.tx_key == tx_key);
      driver_.on_acked(it->second);
    }
    auto ec = inner_.outbox_ack(seq, tx_key, effects);
    if (!ec && it != shadow_.end()) shadow_.erase(it);
    if (ec) write_failed_ = true;
    return ec;
  }
  std::error_code outbox_drop_oldest_droppable(bool& dropped) override {
    const std::size_t before = size();
    auto victim = std::find_if(shadow_.begin(), shadow_.end(), [](const auto& e) { return e.second.droppable; });
    std::optional<ocpp::OutboxMessage> copy;
    if (victim != shadow_.end()) copy = victim->second;
    auto ec = inner_.outbox_drop_oldest_droppable(dropped);
    if (!ec && dropped && exact()) {
      FUZZ_CHECK(copy.has_value());
      driver_.on_dropped(*copy, before);
      shadow_.erase(copy->seq);
    }
    return ec;
  }
  std::error_code transaction_begin(ocpp::TransactionRecord& rec, ocpp::OutboxMessage& start_msg) override {
    auto ec = inner_.transaction_begin(rec, start_msg);
    if (!ec) shadow_[start_msg.seq] = start_msg;
    return ec;
  }
  std::error_code transaction_end(std::int64_t tx_key, ocpp::OutboxMessage& stop_msg) override {
    auto ec = inner_.transaction_end(tx_key, stop_msg);
    if (!ec) shadow_[stop_msg.seq] = stop_msg;
    return ec;
  }
  std::error_code transactions_load(std::vector<ocpp::TransactionRecord>& out) override {
    return inner_.transactions_load(out);
  }
  std::error_code kv_set(const std::string& key, const std::string& value) override {
    return inner_.kv_set(key, value);
  }
  std::error_code kv_erase(const std::string& key) override { return inner_.kv_erase(key); }
  std::error_code kv_load(const std::string& prefix,
                          std::vector<std::pair<std::string, std::string>>& out) override {
    return inner_.kv_load(prefix, out);
  }

  /// Whether the transaction has no transactionId (or is forgotten) and no StartTransaction of
  /// it is queued: its other messages can no longer be matched by the CSMS.
  bool orphaned(std::int64_t tx_key) {
    for (const auto& [seq, m] : shadow_)
      if (m.tx_key == tx_key && m.action == "StartTransaction") return false;
    std::vector<ocpp::TransactionRecord> txs;
    if (inner_.transactions_load(txs)) return true;  // unreadable store: nothing to hold on to
    for (const auto& t : txs) {
      if (t.tx_key != tx_key) continue;
      // A record the 1.6 engine cannot read (damaged, or of another protocol) is as good as
      // missing: its messages can never carry a transactionId.
      ocpp::v16::TxState tx;
      std::string why;
      return !ocpp::v16::TxState::from_record(t, tx, why) || !tx.transaction_id;
    }
    return true;
  }

 private:
  ocpp::Store& inner_;
  EngineDriver& driver_;
  std::map<std::int64_t, ocpp::OutboxMessage> shadow_;
  std::size_t unknown_ = 0;  // queued before we started and not seen yet
  bool write_failed_ = false;
  bool preloaded_ = false;  // the store held messages before the engine started
};

namespace {

// OCPP_FUZZ_TRACE=1 prints every frame both ways: for reading what a crashing input does.
void trace(const char* dir, std::string_view text) {
  static const bool on = std::getenv("OCPP_FUZZ_TRACE") != nullptr;
  if (on) std::fprintf(stderr, "%s %.*s\n", dir, static_cast<int>(text.size()), text.data());
}

// Whether a queued payload is what was sent: the engine sends the codec's re-encoding of what
// it read from the store, with the CSMS's transactionId filled in.
bool same_without_transaction_id(Action action, const std::string& queued, const rapidjson::Value& sent) {
  rapidjson::Document a, b;
  std::string encoded;
  if (!ocpp::core::parse_json(a, queued) ||
      !v16::decode_as(v16::message_type(action, false), a, &encoded) || !ocpp::core::parse_json(a, encoded))
    return false;
  b.CopyFrom(sent, b.GetAllocator());
  if (a.IsObject()) a.RemoveMember("transactionId");
  if (b.IsObject()) b.RemoveMember("transactionId");
  return a == b;
}

template <class Source>
std::string number_text(Source& in) {
  static const char* const kValues[] = {"0", "12.5", "-3", "1e3", "abc", "", "230", "99999999999"};
  return kValues[in.pick(std::size(kValues))];
}

// Whether a queued message is one the engine could have written: a transaction message whose
// payload conforms to its action's request. A damaged store can hold anything else.
bool readable(const ocpp::OutboxMessage& m) {
  Action a{};
  if (!from_string(m.action, a)) return false;
  if (a != Action::StartTransaction && a != Action::StopTransaction && a != Action::MeterValues) return false;
  rapidjson::Document doc;
  return ocpp::core::parse_json(doc, m.payload) && v16::decode_as(v16::message_type(a, false), doc);
}

}  // namespace

EngineDriver::EngineDriver(ocpp::Store& store, int connectors, std::size_t outbox_limit)
    : store_(std::make_unique<CheckedStore>(store, *this)) {
  now_.mono = ocpp::MonoTime{} + 1000s;
  now_.wall = ocpp::DateTime{} + 1'790'000'000s;
  options_.connectors = connectors;
  options_.boot.chargePointVendor = "FuzzVendor";
  options_.boot.chargePointModel = "FuzzModel";
  options_.id_seed = 7;
  options_.outbox_limit = outbox_limit;
  install_hooks();
}

EngineDriver::~EngineDriver() = default;

void EngineDriver::install_hooks() {
  Choices& in = choices_;
  using namespace ocpp::v16;
  hooks_.remote_start = [&in](const RemoteStartTransactionRequest&) { return v16::pick_enum<RemoteStartStopStatus>(in); };
  hooks_.remote_stop = [&in](const TransactionInfo&) { return v16::pick_enum<RemoteStartStopStatus>(in); };
  // The firmware's values may be anything, including enumeration values out of range: the
  // library leaves out what does not conform to the schema.
  hooks_.sample_meter = [&in](int, ReadingContext) {
    std::vector<SampledValue> values(in.pick(4));
    for (auto& v : values) {
      v.value = number_text(in);
      const std::uint8_t bits = in.byte();
      if (bits & 1) v.measurand = static_cast<Measurand>(in.byte() % 26);
      if (bits & 2) v.unit = static_cast<UnitOfMeasure>(in.byte() % 18);
      if (bits & 4) v.phase = v16::pick_enum<Phase>(in);
      if (bits & 8) v.context = static_cast<ReadingContext>(in.byte() % 10);
      if (bits & 16) v.location = v16::pick_enum<Location>(in);
      if (bits & 32) v.format = v16::pick_enum<ValueFormat>(in);
    }
    return values;
  };
  hooks_.data_transfer = [&in](const DataTransferRequest&) {
    DataTransferResponse r;
    r.status = v16::pick_enum<DataTransferStatus>(in);
    if (in.byte() & 1) r.data = number_text(in);
    return r;
  };
  hooks_.reset = [&in](ResetType) { return v16::pick_enum<ResetStatus>(in); };
  hooks_.execute_reset = [this](ResetType) { restart_requested_ = true; };
  hooks_.unlock_connector = [&in](int) { return v16::pick_enum<UnlockStatus>(in); };
  hooks_.get_diagnostics = [&in](const GetDiagnosticsRequest&) -> std::optional<std::string> {
    if (in.byte() & 1) return std::nullopt;
    return in.byte() & 1 ? "diagnostics.tar.gz" : "";
  };
  hooks_.firmware_download = [](const std::string&) {};
  hooks_.firmware_install = [] {};
  hooks_.upload_diagnostics = [](const std::string&, const std::string&, std::optional<ocpp::DateTime>,
                                 std::optional<ocpp::DateTime>) {};
  // The notifications run too, so that building their arguments is exercised.
  hooks_.log = [](int, const std::string& m) { trace("log", m); };
  hooks_.frame = [](bool, const std::string& t) { (void)t.size(); };
}

bool EngineDriver::start() {
  auto r = ocpp::v16::Engine::create(options_, *store_, hooks_, now_);
  if (!r) return false;
  engine_ = std::move(r.value());
  settle();
  return true;
}

void EngineDriver::restart() {
  trace("==", "power cut");
  engine_.reset();
  in_flight_.reset();
  unanswered_.clear();
  restart_requested_ = false;
  now_.mono += 5s;
  now_.wall += 5s;
  ++options_.id_seed;  // a host seeds each start afresh (charge_point.cpp: std::random_device)
  FUZZ_CHECK_MSG(start(), "the engine does not start again on its own store");
}

int EngineDriver::config_int(const char* key) {
  auto v = engine_->get_configuration(key);
  FUZZ_CHECK(v.ok());
  return std::stoi(v.value());
}

void EngineDriver::connect() {
  // A transport reports an open connection once; a host never says connected twice in a row.
  if (engine_->is_connected()) return;
  trace("==", "connected");
  engine_->connected(now_);
  settle();
}

void EngineDriver::disconnect() {
  trace("==", "disconnected");
  const bool was = engine_->is_connected();
  engine_->disconnected(now_);
  if (was) in_flight_.reset();
  unanswered_.clear();
  settle();
}

void EngineDriver::deliver(std::string_view text) {
  trace(engine_->is_connected() ? "<-" : "<- (closed)", text);
  ocpp::rpc::Frame f = ocpp::rpc::parse_frame(text);
  const bool listening = engine_->is_connected() &&
                         engine_->registration() != ocpp::v16::RegistrationStatus::Rejected;
  if (listening && f.kind == ocpp::rpc::Frame::Kind::Call) {
    Action a{};
    // An action we do not know is answered with a CALLERROR: no CALLRESULT payload to check.
    unanswered_[f.id].push_back(from_string(f.action, a) ? std::optional<Action>(a) : std::nullopt);
  } else if (listening && f.kind == ocpp::rpc::Frame::Kind::Invalid && f.reply_possible) {
    unanswered_[f.id].push_back(std::nullopt);
  }
  const bool answers_ours = engine_->is_connected() && in_flight_ && f.id == in_flight_->id &&
                            (f.kind == ocpp::rpc::Frame::Kind::CallResult ||
                             f.kind == ocpp::rpc::Frame::Kind::CallError);
  if (answers_ours && in_flight_->seq) {
    Reply r;
    r.seq = *in_flight_->seq;
    r.acknowledges = f.kind == ocpp::rpc::Frame::Kind::CallResult &&
                     v16::decode_as(v16::message_type(in_flight_->action, true), *f.payload);
    if (r.acknowledges && store_->shadow().count(r.seq)) must_leave_ = r.seq;
    reply_ = r;
  }
  engine_->receive(text, now_);
  reply_.reset();
  if (must_leave_) {
    FUZZ_CHECK_MSG(!store_->shadow().count(*must_leave_) || store_->write_failed(),
                   "an acknowledged message stayed queued: " + std::to_string(*must_leave_));
    must_leave_.reset();
  }
  if (answers_ours) in_flight_.reset();
  settle();
}

void EngineDriver::handle_timeout() {
  const bool times_out = in_flight_ && now_.mono >= in_flight_->deadline;
  if (times_out) trace("==", "no answer in time to " + in_flight_->id);
  if (times_out) timing_out_ = in_flight_->seq;
  engine_->handle_timeout(now_);
  timing_out_.reset();
  if (times_out) in_flight_.reset();
}

void EngineDriver::advance(std::chrono::milliseconds d) {
  trace("==", "advance " + std::to_string(d.count()) + " ms");
  const auto end = now_.mono + d;
  for (int guard = 0; guard < 5000; ++guard) {
    auto dl = engine_->next_deadline();
    if (!dl || *dl > end) break;
    if (*dl > now_.mono) {
      now_.wall += std::chrono::duration_cast<ocpp::DateTime::duration>(*dl - now_.mono);
      now_.mono = *dl;
    }
    handle_timeout();
    settle();
  }
  now_.wall += std::chrono::duration_cast<ocpp::DateTime::duration>(end - now_.mono);
  now_.mono = std::max(now_.mono, end);
  handle_timeout();
  settle();
}

void EngineDriver::jump_wall(std::chrono::seconds d) {
  now_.wall += d;
  handle_timeout();
  settle();
}

void EngineDriver::settle() {
  int guard = 0;
  for (; guard < 10000; ++guard) {
    bool progress = false;
    while (auto f = engine_->poll_hook_call()) {
      f();
      progress = true;
    }
    handle_timeout();
    while (auto t = engine_->poll_transmit(now_)) {
      FUZZ_CHECK_MSG(engine_->is_connected(), "sent while disconnected: " + *t);
      transmit(*t);
      progress = true;
    }
    if (!progress) break;
  }
  FUZZ_CHECK_MSG(guard < 10000, "the engine never runs out of work (busy loop)");
  check_settled();
  if (restart_requested_) restart();  // the host performs the reset the engine asked for
}

void EngineDriver::transmit(const std::string& text) {
  trace("->", text);
  if (sent_.size() < 256) sent_.push_back(text);
  ocpp::rpc::Frame f = ocpp::rpc::parse_frame(text);
  FUZZ_CHECK_MSG(f.kind != ocpp::rpc::Frame::Kind::Invalid, f.reason + " in our frame " + text);
  std::string why;
  if (f.kind == ocpp::rpc::Frame::Kind::Call) {
    FUZZ_CHECK_MSG(!in_flight_, "a second CALL while " + (in_flight_ ? in_flight_->id : "") + " is unanswered: " + text);
    Action a{};
    FUZZ_CHECK_MSG(from_string(f.action, a), text);
    FUZZ_CHECK_MSG(engine_->registration() == ocpp::v16::RegistrationStatus::Accepted ||
                       a == Action::BootNotification,
                   "before Accepted: " + text);
    FUZZ_CHECK_MSG(v16::decode_as(v16::message_type(a, false), *f.payload, nullptr, &why), why + " in " + text);
    FUZZ_CHECK_MSG(our_ids_.insert(f.id).second, "message id used twice: " + text);
    Sent s;
    s.id = f.id;
    s.action = a;
    s.deadline = now_.mono + options_.call_timeout;
    // The store's own head (the copy may hold a message a failed write left behind).
    std::optional<ocpp::OutboxMessage> head;
    if (!store_->peek_front(head) && head && head->action == f.action &&
        same_without_transaction_id(a, head->payload, *f.payload))
      s.seq = head->seq;
    in_flight_ = s;
    return;
  }
  // A CALLRESULT or CALLERROR: the answer to a CALL of the CSMS that is still unanswered.
  auto it = unanswered_.find(f.id);
  FUZZ_CHECK_MSG(it != unanswered_.end() && !it->second.empty(), "an answer nobody asked for: " + text);
  auto& waiting = it->second;
  if (f.kind == ocpp::rpc::Frame::Kind::CallResult) {
    auto match = std::find_if(waiting.begin(), waiting.end(), [&](const auto& a) {
      return a && v16::decode_as(v16::message_type(*a, true), *f.payload, nullptr, &why);
    });
    FUZZ_CHECK_MSG(match != waiting.end(), why + " in our answer " + text);
    waiting.erase(match);
  } else {
    // Prefer a frame that could only be answered by an error.
    auto match = std::find(waiting.begin(), waiting.end(), std::nullopt);
    waiting.erase(match != waiting.end() ? match : waiting.begin());
  }
  if (waiting.empty()) unanswered_.erase(it);
}

void EngineDriver::check_settled() {
  if (engine_->is_connected()) {
    FUZZ_CHECK_MSG(unanswered_.empty(), "a CALL of the CSMS got no answer: " + unanswered_.begin()->first);
  }
  if (store_->exact())
    FUZZ_CHECK_MSG(engine_->queued_transaction_messages() == store_->size(),
                   std::to_string(engine_->queued_transaction_messages()) + " queued, the store has " +
                       std::to_string(store_->size()));
  auto dl = engine_->next_deadline();
  FUZZ_CHECK_MSG(!dl || *dl > now_.mono,
                 "a deadline " + std::to_string((now_.mono - *dl) / 1ms) +
                     " ms in the past after handle_timeout (busy loop)");
}

void EngineDriver::on_acked(const ocpp::OutboxMessage& m) {
  if (reply_ && reply_->seq == m.seq && reply_->acknowledges) return;  // (a)
  const bool failed_now = (reply_ && reply_->seq == m.seq) || (timing_out_ && *timing_out_ == m.seq);
  if (failed_now && m.attempts + 1 >= config_int("TransactionMessageAttempts")) return;  // (b)
  if (m.action != "StartTransaction" && m.tx_key != 0 && store_->orphaned(m.tx_key)) return;  // (c)
  if (!readable(m)) return;  // (e)
  violated("queued message removed without acknowledgement", __FILE__, __LINE__,
           m.action + " seq " + std::to_string(m.seq) + " attempts " + std::to_string(m.attempts) + ": " + m.payload);
}

void EngineDriver::on_dropped(const ocpp::OutboxMessage& m, std::size_t queued_before) {
  FUZZ_CHECK_MSG(m.droppable, m.action);  // (d)
  FUZZ_CHECK_MSG(queued_before >= options_.outbox_limit, "dropped below the bound: " + m.action);
}

std::string valid_result(Action action, std::uint8_t variant, ocpp::Now now, int& next_tx_id) {
  const std::string time = ocpp::format_datetime(now.wall);
  static const char* const kStatus[] = {"Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"};
  const std::string id_tag_info = std::string(R"({"status":")") + kStatus[variant % 5] +
                                  (variant & 8 ? R"(","parentIdTag":"PARENT"})" : R"("})");
  switch (action) {
    case Action::BootNotification: {
      static const char* const kReg[] = {"Accepted", "Accepted", "Pending", "Rejected"};
      const int interval = (variant >> 2) % 4 == 0 ? 0 : (variant >> 2) * 7;
      return std::string(R"({"status":")") + kReg[variant % 4] + R"(","currentTime":")" + time +
             R"(","interval":)" + std::to_string(interval) + "}";
    }
    case Action::Heartbeat:
      return R"({"currentTime":")" + time + "\"}";
    case Action::Authorize:
      return R"({"idTagInfo":)" + id_tag_info + "}";
    case Action::StartTransaction: {
      // Mostly fresh ids; sometimes one in use already, as a confused CSMS would.
      const int id = variant & 16 ? 1001 : next_tx_id++;
      return R"({"transactionId":)" + std::to_string(id) + R"(,"idTagInfo":)" + id_tag_info + "}";
    }
    case Action::StopTransaction:
      return variant & 1 ? R"({"idTagInfo":)" + id_tag_info + "}" : "{}";
    case Action::DataTransfer:
      return R"({"status":"Accepted","data":"x"})";
    default:
      return "{}";
  }
}

}  // namespace fuzz
