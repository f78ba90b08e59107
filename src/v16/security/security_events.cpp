// Security Whitepaper section 3: security events (A04) and the security log.
//
// Every event, critical or not, goes into the security log (A04.FR.04), kept in the store as
// "seclog.<sequence>" entries and bounded by EngineOptions::security_log_limit: the oldest
// entry goes first ("a rolling format"). A critical event (section 8) is also appended to the
// durable outbox as a SecurityEventNotification.req, before the event method returns: it is
// delivered in order with the transaction messages, across disconnects and restarts
// (A04.FR.02), and never dropped at the outbox bound.
#include "v16/security/security_events.hpp"

#include "core/rolling_log.hpp"
#include "core/security_event.hpp"
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

class SecurityEventsModule final : public Module {
 public:
  explicit SecurityEventsModule(Engine::Impl& engine)
      : engine_(engine), log_(engine.store_, kLogPrefix, engine.options_.security_log_limit) {}

  std::error_code load(Now) override {
    auto ec = log_.load([](const std::string& value) {
      SecurityEventNotificationRequest ev;
      codec::Error err;
      return codec::from_json(value, ev, err);
    });
    if (log_.damaged() > 0)
      engine_.log(1,
                  "security log: dropped " + std::to_string(log_.damaged()) + " damaged entries");
    return ec;
  }

  std::error_code raise(std::string_view type, std::optional<std::string> tech_info, Now now,
                        std::optional<bool> critical) {
    const bool is_critical = critical.value_or(is_critical_security_event(type));
    auto recorded = core::record_security_event<SecurityEventNotificationRequest>(
        log_, type, std::move(tech_info), now.wall, is_critical, kProtocol,
        [](const SecurityEventNotificationRequest& e) { return codec::to_json(e); },
        [this](OutboxMessage& m) { return engine_.append_durable(m); });
    if (!recorded) return recorded.error();
    const SecurityEventNotificationRequest& ev = recorded.value();
    engine_.log(is_critical ? 1 : 2,
                "security event " + ev.type + (ev.techInfo ? ": " + *ev.techInfo : ""));
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
    out.reserve(log_.entries().size());
    for (const auto& e : log_.entries()) {
      SecurityEventNotificationRequest ev;
      codec::Error err;
      if (codec::from_json(e.payload, ev, err)) out.push_back(std::move(ev));
    }
    return out;
  }

 private:
  Engine::Impl& engine_;
  core::RollingLog log_;
  std::optional<std::uint64_t> invalid_epoch_;  // the connection that had its InvalidMessages
};

SecurityEventsModule& events_module(Engine::Impl& engine) {
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
  return events_module(engine).raise(type, std::move(tech_info), now, critical);
}

void note_invalid_message(Engine::Impl& engine, const std::string& why, Now now) {
  events_module(engine).invalid_message(why, now);
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

std::error_code Engine::report_security_event(std::string_view type,
                                              std::optional<std::string> techInfo, Now now,
                                              std::optional<bool> critical) {
  return raise_security_event(*impl_, type, std::move(techInfo), now, critical);
}

std::vector<SecurityEventNotificationRequest> Engine::security_log() const {
  return v16::security_log(*impl_);
}

}  // namespace ocpp::v16
