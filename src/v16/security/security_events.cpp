// Security Whitepaper section 3: security events (A04) and the security log.
//
// Every event, critical or not, goes into the security log (A04.FR.04), kept in the store as
// "seclog.<sequence>" entries and bounded by EngineOptions::security_log_limit: the oldest
// entry goes first ("a rolling format"). A critical event (section 8) is also appended to the
// durable outbox as a SecurityEventNotification.req, before the event method returns: it is
// delivered in order with the transaction messages, across disconnects and restarts
// (A04.FR.02), and never dropped at the outbox bound.
#include "v16/security/security_events.hpp"

#include <cstdio>
#include <deque>

#include "v16/engine_impl.hpp"

namespace ocpp::v16 {
namespace {

constexpr const char* kLogPrefix = "seclog.";

// Section 8, the events a charge point reports, and whether each is critical.
struct EventDef {
  std::string_view type;
  bool critical;
};
constexpr EventDef kEvents[] = {
    {"FirmwareUpdated", true},
    {"FailedToAuthenticationAtCentralSystem", false},
    {"CentralSystemFailedToAuthentication", false},
    {"SettingSystemTime", true},
    {"StartupOfTheDevice", true},
    {"ResetOrReboot", true},
    {"SecurityLogWasCleared", true},
    {"ReconfigurationOfSecurityParameters", false},
    {"MemoryExhaustion", true},
    {"InvalidMessages", false},
    {"AttemptedReplayAttacks", false},
    {"TamperDetectionActivated", true},
    {"InvalidFirmwareSignature", false},
    {"InvalidFirmwareSigningCertificate", false},
    {"InvalidCentralSystemCertificate", false},
    {"InvalidChargePointCertificate", false},
    {"InvalidTLSVersion", false},
    {"InvalidTLSCipherSuite", false},
};

// Sequence numbers as fixed-width decimal, so the store's prefix scan returns them in order.
std::string log_key(std::uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%020llu", kLogPrefix, static_cast<unsigned long long>(seq));
  return buf;
}

class SecurityEventsModule final : public Module {
 public:
  explicit SecurityEventsModule(Engine::Impl& engine) : engine_(engine) {}

  std::error_code load(Now) override {
    std::vector<std::pair<std::string, std::string>> rows;
    if (auto ec = engine_.store_.kv_load(kLogPrefix, rows)) return ec;
    for (auto& [key, value] : rows) {
      const std::uint64_t seq = std::strtoull(key.c_str() + std::char_traits<char>::length(kLogPrefix), nullptr, 10);
      SecurityEventNotificationRequest ev;
      codec::Error err;
      if (!codec::from_json(value, ev, err)) {
        // A damaged entry is dropped from the log, not fatal to the charge point.
        engine_.log(1, "security log: dropping damaged entry " + key);
        (void)engine_.store_.kv_erase(key);
        continue;
      }
      entries_.push_back({seq, std::move(ev)});
      next_seq_ = std::max(next_seq_, seq + 1);
    }
    return trim();
  }

  std::error_code raise(std::string_view type, std::optional<std::string> tech_info, Now now,
                        std::optional<bool> critical) {
    // CiString50 and CiString255 (SecurityEventNotification.req, section 5.15).
    if (type.empty() || type.size() > 50 || (tech_info && tech_info->size() > 255))
      return make_error_code(Errc::invalid_argument);
    SecurityEventNotificationRequest ev;
    ev.type = std::string(type);
    ev.timestamp = now.wall;
    ev.techInfo = std::move(tech_info);
    const bool is_critical = critical.value_or(is_critical_security_event(type));
    const std::string payload = codec::to_json(ev);
    const std::uint64_t seq = next_seq_;
    if (auto ec = engine_.store_.kv_set(log_key(seq), payload)) return ec;
    ++next_seq_;
    entries_.push_back({seq, ev});
    if (auto ec = trim()) engine_.log(1, "security log: cannot remove the oldest entry: " + ec.message());
    if (is_critical) {
      OutboxMessage msg;
      msg.action = "SecurityEventNotification";
      msg.payload = payload;
      msg.protocol = kProtocol;
      if (auto ec = engine_.append_durable(msg)) return ec;
    }
    engine_.log(is_critical ? 1 : 2, "security event " + ev.type + (ev.techInfo ? ": " + *ev.techInfo : ""));
    if (engine_.hooks_.security_event)
      engine_.defer([h = engine_.hooks_.security_event, ev, is_critical] { h(ev, is_critical); });
    return {};
  }

  void invalid_message(const std::string& why, Now now) {
    if (invalid_epoch_ == engine_.epoch()) return;
    invalid_epoch_ = engine_.epoch();
    (void)raise("InvalidMessages", why.substr(0, 255), now, std::nullopt);
  }

  std::vector<SecurityEventNotificationRequest> log() const {
    std::vector<SecurityEventNotificationRequest> out;
    out.reserve(entries_.size());
    for (const auto& e : entries_) out.push_back(e.event);
    return out;
  }

 private:
  std::error_code trim() {
    const std::size_t limit = std::max<std::size_t>(1, engine_.options_.security_log_limit);
    while (entries_.size() > limit) {
      if (auto ec = engine_.store_.kv_erase(log_key(entries_.front().seq))) return ec;
      entries_.pop_front();
    }
    return {};
  }

  struct Entry {
    std::uint64_t seq;
    SecurityEventNotificationRequest event;
  };
  Engine::Impl& engine_;
  std::deque<Entry> entries_;
  std::uint64_t next_seq_ = 1;
  std::optional<std::uint64_t> invalid_epoch_;  // the connection that had its InvalidMessages
};

SecurityEventsModule& module_of(Engine::Impl& engine) {
  return *static_cast<SecurityEventsModule*>(engine.security_events_module_);
}

}  // namespace

bool is_critical_security_event(std::string_view type) {
  for (const auto& e : kEvents)
    if (e.type == type) return e.critical;
  return false;
}

std::error_code raise_security_event(Engine::Impl& engine, std::string_view type,
                                     std::optional<std::string> tech_info, Now now,
                                     std::optional<bool> critical) {
  return module_of(engine).raise(type, std::move(tech_info), now, critical);
}

void note_invalid_message(Engine::Impl& engine, const std::string& why, Now now) {
  module_of(engine).invalid_message(why, now);
}

std::vector<SecurityEventNotificationRequest> security_log(const Engine::Impl& engine) {
  return static_cast<const SecurityEventsModule*>(engine.security_events_module_)->log();
}

std::unique_ptr<Module> make_security_events_module(Engine::Impl& engine) {
  auto m = std::make_unique<SecurityEventsModule>(engine);
  engine.security_events_module_ = m.get();
  return m;
}

}  // namespace ocpp::v16

namespace ocpp::v16 {

std::error_code Engine::report_security_event(std::string_view type, std::optional<std::string> techInfo,
                                              Now now, std::optional<bool> critical) {
  return raise_security_event(*impl_, type, std::move(techInfo), now, critical);
}

std::vector<SecurityEventNotificationRequest> Engine::security_log() const {
  return v16::security_log(*impl_);
}

}  // namespace ocpp::v16
