// The connection's security set by the CSMS: the Basic auth password (A01) and the security
// profile (A05), through SetVariables of SecurityCtrlr.BasicAuthPassword and
// SecurityCtrlr.SecurityProfile. SecurityProfile stays ReadOnly in the device model (part 2
// 2.2.5): part 2 raises it through NetworkConfigurationPriority (B09, B10: network_profile.cpp);
// the CSMS may also set it here, upwards with A05's checks, down only from 3 to 2 while the
// firmware allows it (SecurityCtrlr.AllowSecurityProfileDowngrade, errata 2025-01).
//
// The engine cannot reconnect: it hands a ConnectionRequest to its host (the facade), which
// reconnects and reports whether the change connected (connection_trial_ended). Until then the
// previous value is the fallback, stored so that a power cut during the trial leaves a station
// that can still go back. A profile the CSMS raised is stored too: it wins over the
// configuration at every start (A05: never back to a lower profile through OCPP, but for the
// downgrade from 3 to 2 the firmware allows).
#include <charconv>

#include "v201/engine_impl.hpp"

namespace ocpp::v201 {
namespace {

constexpr const char* kSecurityCtrlr = "SecurityCtrlr";
constexpr const char* kPassword = "BasicAuthPassword";
constexpr const char* kProfile = "SecurityProfile";
// A00.FR.205 (errata 2025-01): at least 16 characters; the maximum is the variable's maxLimit.
constexpr std::size_t kMinPassword = 16;

std::optional<int> parse_profile(std::string_view v) {
  int p = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
  if (ec != std::errc() || end != v.data() + v.size() || p < 1 || p > 3) return std::nullopt;
  return p;
}

VariableKey security_key(const char* variable) {
  VariableKey k;
  k.component = kSecurityCtrlr;
  k.variable = variable;
  return k;
}

SetOutcome rejected(std::string reason) {
  return SetOutcome{SetVariableStatusEnumType::Rejected, std::move(reason)};
}

}  // namespace

std::error_code Engine::Impl::load_connection_security() {
  std::vector<std::pair<std::string, std::string>> rows;
  if (auto ec = store_.kv_load("v201.secp", rows)) return ec;
  for (auto& [key, value] : rows) {
    if (key == kSecurityProfileKey) {
      const auto space = value.find(' ');
      raised_profile_ = parse_profile(std::string_view(value).substr(0, space));
      if (space != std::string::npos)
        profile_fallback_ = parse_profile(std::string_view(value).substr(space + 1));
    } else if (key == kPasswordFallbackKey) {
      password_fallback_ = value;
    }
  }
  if (!raised_profile_) profile_fallback_.reset();
  if (raised_profile_) {
    // The profile in force, whatever the firmware configures at start.
    (void)dm_.set(security_key(kProfile), AttributeEnumType::Actual,
                  std::to_string(*raised_profile_), SetSource::local);
    connection_request_ = ConnectionRequest{*raised_profile_, profile_fallback_, false};
  }
  if (password_fallback_) {
    if (!connection_request_)
      connection_request_ = ConnectionRequest{security_profile(), {}, false};
    connection_request_->newBasicAuthPassword = true;
  }
  return {};
}

bool Engine::Impl::is_connection_security(const VariableKey& key, AttributeEnumType type,
                                          std::string& before) const {
  if (type != AttributeEnumType::Actual || key.component != kSecurityCtrlr ||
      !key.component_instance.empty() || key.evse_id != -1 || !key.variable_instance.empty() ||
      (key.variable != kPassword && key.variable != kProfile))
    return false;
  const Variable* v = dm_.find(key);
  if (!v) return false;
  before = dm_.value(*v, type).value_or("");
  return true;
}

SetOutcome Engine::Impl::check_connection_security(const VariableKey& key, const std::string& value,
                                                   Now now) {
  if (key.variable == kPassword) {
    // A00.FR.205 (errata 2025-01); the maximum (maxLimit 40) is the device model's check.
    if (value.size() < kMinPassword) return rejected("InvalidValue");
    return {};
  }
  const auto next = parse_profile(value);
  if (!next) return {};  // the device model's checks answer (ValueOutOfRange, InvalidValue)
  const int current = security_profile();
  std::string why;
  SetOutcome out;
  auto* provider = options_.security_provider;
  if (*next < current) {
    // A05.FR.10, A05.FR.09: lower, unless AllowSecurityProfileDowngrade lets 3 go to 2
    // (A05.FR.08: Accepted; profile 2 still uses TLS with the CSMS root of profile 3).
    if (!downgrade_allowed(*next)) {
      why = "lower than the current profile " + std::to_string(current) + " (A05.FR.09, A05.FR.10)";
      out = rejected("NoSecurityDowngrade");
    }
  } else if (*next > current && *next >= 2) {
    bool root = false;
    if (provider) {
      auto roots = provider->installed_ca_certificates({CaCertificateUse::csms_root});
      if (roots)
        for (const auto& r : roots.value()) root = root || r.not_after > now.wall;
    }
    if (!root) {
      why = "no valid CSMSRootCertificate installed (A05.FR.02)";
      out = rejected("MissingDevModelInfo");
    } else if (*next == 3) {
      auto cert = provider->charging_station_certificate();
      if (!cert || cert.value().not_after <= now.wall) {
        why = "no valid ChargingStationCertificate installed (A05.FR.03)";
        out = rejected("MissingDevModelInfo");
      }
    }
  }
  if (out.status != SetVariableStatusEnumType::Accepted)
    log(1, "SecurityProfile " + value + " rejected: " + why);
  return out;
}

bool Engine::Impl::downgrade_allowed(int next) const {
  // A00.FR.005 (errata 2025-01): never down to profile 1 through OCPP; 3 to 2 only when the
  // variable is implemented and true. It is ReadOnly here: the CSMS cannot allow itself a
  // downgrade (docs/protocol-choices.md).
  return next == 2 && security_profile() == 3 &&
         dm_.get_bool(kSecurityCtrlr, "AllowSecurityProfileDowngrade").value_or(false);
}

SetSource Engine::Impl::connection_security_source(const VariableKey& key) {
  if (key.component == kSecurityCtrlr && key.variable == kProfile &&
      key.component_instance.empty() && key.evse_id == -1 && key.variable_instance.empty())
    return SetSource::local;
  return SetSource::csms;
}

std::error_code Engine::Impl::store_connection_security() {
  if (raised_profile_) {
    std::string v = std::to_string(*raised_profile_);
    if (profile_fallback_) v += ' ' + std::to_string(*profile_fallback_);
    if (auto ec = store_.kv_set(kSecurityProfileKey, v)) return ec;
  }
  if (password_fallback_) return store_.kv_set(kPasswordFallbackKey, *password_fallback_);
  return store_.kv_erase(kPasswordFallbackKey);
}

void Engine::Impl::connection_security_changed(const VariableKey& key, const std::string& before,
                                               Now now) {
  std::string info;
  if (key.variable == kPassword) {
    // A01.FR.11, A01.FR.12: logged, its value never. The password is in use with profiles 1
    // and 2 only: then the station reconnects with it (A01 scenario steps 3 and 4), keeping
    // the first one of an unfinished trial as the fallback.
    info = "BasicAuthPassword changed";
    if (security_profile() <= 2) {
      if (!password_fallback_) password_fallback_ = before;
      if (!connection_request_) connection_request_ = ConnectionRequest{security_profile(), {}};
      connection_request_->newBasicAuthPassword = true;
    }
  } else {
    const int previous = parse_profile(before).value_or(1);
    const int next = security_profile();
    if (next == previous) return;  // A05.FR.04: Accepted, nothing changes
    // A change on top of an untried one falls back to the last profile that connected.
    const int back = profile_fallback_.value_or(previous);
    raised_profile_ = next;
    profile_fallback_ = back;
    const bool password = connection_request_ && connection_request_->newBasicAuthPassword;
    connection_request_ = ConnectionRequest{next, back, password};
    info = "SecurityProfile " + std::to_string(previous) + " -> " + std::to_string(next);
  }
  if (auto ec = store_connection_security())
    log(0, "cannot store the connection's fallback: " + ec.message());
  if (auto ec = raise_security_event("ReconfigurationOfSecurityParameters", info, now, {}))
    log(1, "security event not recorded: " + ec.message());
}

std::error_code Engine::Impl::end_connection_trial(ConnectionTrial trial, bool succeeded,
                                                   std::string_view why, Now now) {
  if (trial == ConnectionTrial::network_profile) return end_network_trial(succeeded, why, now);
  std::string info;
  if (trial == ConnectionTrial::basic_auth_password) {
    if (!password_fallback_) return make_error_code(Errc::invalid_state);
    const std::string back = std::move(*password_fallback_);
    password_fallback_.reset();
    if (!succeeded) {
      // Empty: the configured password is used again.
      const auto out =
          dm_.set(security_key(kPassword), AttributeEnumType::Actual, back, SetSource::csms);
      if (out.status != SetVariableStatusEnumType::Accepted)
        return make_error_code(Errc::storage_error);
      info = "new BasicAuthPassword refused by the CSMS, back to the previous one: ";
    }
  } else {
    if (!profile_fallback_) return make_error_code(Errc::invalid_state);
    const int tried = security_profile();
    const int back = *profile_fallback_;
    profile_fallback_.reset();
    if (!succeeded) {
      // Going back is the station's own doing, not a CSMS change: the rule that the profile
      // only rises applies to SetVariables.
      raised_profile_ = back;
      (void)dm_.set(security_key(kProfile), AttributeEnumType::Actual, std::to_string(back),
                    SetSource::local);
      info = "SecurityProfile " + std::to_string(tried) + " failed to connect, back to " +
             std::to_string(back) + ": ";
    } else {
      log(2, "security profile " + std::to_string(tried) + " connected");
    }
  }
  if (auto ec = store_connection_security()) return ec;
  if (succeeded) return {};
  info += why;
  if (info.size() > 255) info.resize(255);
  return raise_security_event("ReconfigurationOfSecurityParameters", std::move(info), now, {});
}

// ---------------------------------------------------------------- public forwarding

std::optional<ConnectionRequest> Engine::poll_connection_request() {
  auto r = std::move(impl_->connection_request_);
  impl_->connection_request_.reset();
  return r;
}

std::error_code Engine::connection_trial_ended(ConnectionTrial trial, bool succeeded,
                                               std::string_view why, Now now) {
  return impl_->end_connection_trial(trial, succeeded, why, now);
}

std::optional<CertificateHashData> Engine::csms_root_fallback() const {
  return impl_->csms_root_fallback_;
}

void Engine::csms_root_fallback_used() {
  // M05.FR.13 removes the fallback after a connection the new root verified: not this one.
  if (impl_->csms_root_fallback_) impl_->fallback_epoch_ = impl_->epoch();
}

}  // namespace ocpp::v201
