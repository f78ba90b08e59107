// Security events of OCPP 2.0.1 (part 2 A04): every event goes into the security log
// (A04.FR.04; core::RollingLog under "seclog.", the log 1.6 keeps too), a critical one (part 2
// appendix, security events) also into the durable outbox as a SecurityEventNotificationRequest
// before the call returns (A04.FR.02: delivered across disconnects and restarts, in order with
// the transaction messages).
#include "core/security_event.hpp"
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

struct EventDef {
  std::string_view type;
  bool critical;
};
// Part 2 appendices, "Security events".
constexpr EventDef kEvents[] = {
    {"FirmwareUpdated", true},
    {"FailedToAuthenticationAtCsms", false},
    {"CsmsFailedToAuthentication", false},
    {"SettingSystemTime", true},
    {"StartupOfTheDevice", true},
    {"ResetOrReboot", true},
    {"SecurityLogWasCleared", true},
    {"ReconfigurationOfSecurityParameters", false},
    {"MemoryExhaustion", true},
    {"InvalidMessages", false},
    {"AttemptedReplayAttacks", false},
    {"TamperDetectionActivated", true},
    {"InvalidFirmwareSignature", true},
    {"InvalidFirmwareSigningCertificate", true},
    {"InvalidCsmsCertificate", true},
    {"InvalidChargingStationCertificate", true},
    {"InvalidTLSVersion", true},
    {"InvalidTLSCipherSuite", true},
    {"MaintenanceLoginAccepted", true},
    {"MaintenanceLoginFailed", true},
};

bool critical_by_spec(std::string_view type) {
  for (const auto& e : kEvents)
    if (e.type == type) return e.critical;
  return false;  // a vendor's event
}

}  // namespace

std::error_code Engine::Impl::load_security_log(Now now) {
  auto ec = security_log_.load([](const std::string& value) {
    SecurityEventNotificationRequest ev;
    codec::Error err;
    return codec::from_json(value, ev, err);
  });
  if (ec) return ec;
  if (security_log_.damaged() > 0)
    log(1, "security log: dropped " + std::to_string(security_log_.damaged()) + " damaged entries");
  // The station has booted (part 6 expects it after every boot, e.g. TC_G_19_CS): after a
  // reset or a restart the firmware asked for ResetOrReboot, else StartupOfTheDevice.
  const auto r = options_.boot_reason;
  const bool reset =
      r == BootReasonEnumType::RemoteReset || r == BootReasonEnumType::ScheduledReset ||
      r == BootReasonEnumType::LocalReset || r == BootReasonEnumType::Watchdog ||
      r == BootReasonEnumType::ApplicationReset || r == BootReasonEnumType::Triggered;
  return raise_security_event(reset ? "ResetOrReboot" : "StartupOfTheDevice", std::nullopt, now,
                              std::nullopt);
}

std::error_code Engine::Impl::raise_security_event(std::string_view type,
                                                   std::optional<std::string> tech_info, Now now,
                                                   std::optional<bool> critical) {
  const bool is_critical = critical.value_or(critical_by_spec(type));
  auto recorded = core::record_security_event<SecurityEventNotificationRequest>(
      security_log_, type, std::move(tech_info), now.wall, is_critical, kProtocol,
      [](const SecurityEventNotificationRequest& e) { return codec::to_json(e); },
      [this](OutboxMessage& m) { return session_.append(m); });
  if (!recorded) return recorded.error();
  const SecurityEventNotificationRequest& ev = recorded.value();
  log(is_critical ? 1 : 2, "security event " + ev.type + (ev.techInfo ? ": " + *ev.techInfo : ""));
  if (hooks_.security_event)
    defer([h = hooks_.security_event, ev, is_critical] { h(ev, is_critical); });
  return {};
}

void Engine::Impl::note_invalid_message(const std::string& why, Now now) {
  // InvalidMessages, at most once per connection: a broken CSMS cannot flood the log.
  if (invalid_message_epoch_ == epoch()) return;
  invalid_message_epoch_ = epoch();
  (void)raise_security_event("InvalidMessages", why.substr(0, 255), now, std::nullopt);
}

std::error_code Engine::report_security_event(std::string_view type,
                                              std::optional<std::string> techInfo, Now now,
                                              std::optional<bool> critical) {
  return impl_->raise_security_event(type, std::move(techInfo), now, critical);
}

std::vector<SecurityEventNotificationRequest> Engine::security_log() const {
  std::vector<SecurityEventNotificationRequest> out;
  for (const auto& e : impl_->security_log_.entries()) {
    SecurityEventNotificationRequest ev;
    codec::Error err;
    if (codec::from_json(e.payload, ev, err)) out.push_back(std::move(ev));
  }
  return out;
}

}  // namespace ocpp::v201
