// Security Whitepaper A05 and section 7.6: the SecurityProfile key.
//
// The CSMS may only raise it (A05.FR.01), and only when what the new profile needs is in place
// (A05.FR.02-04); the change is answered Accepted and then the charge point reconnects with
// it (A05.FR.06/07). The engine cannot reconnect: it hands a ConnectionRequest to its host,
// which tries the new profile and falls back to the previous one if it never connects
// (A05.FR.08). The previous profile is stored ("secprofile.fallback") until the new one has
// connected once, so a power cut during the trial leaves a charge point that can still fall
// back.
#include <charconv>

#include "v16/engine_impl.hpp"
#include "v16/security/security_events.hpp"

namespace ocpp::v16 {
namespace {

constexpr const char* kKey = "SecurityProfile";
constexpr const char* kFallbackKey = "secprofile.fallback";

std::optional<int> parse_profile(std::string_view v) {
  int p = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
  if (ec != std::errc() || end != v.data() + v.size() || p < 0 || p > 3) return std::nullopt;
  return p;
}

class SecurityProfileModule final : public Module {
 public:
  explicit SecurityProfileModule(Engine::Impl& engine) : engine_(engine) {}

  std::error_code load(Now) override {
    confirmed_ = current();
    std::vector<std::pair<std::string, std::string>> rows;
    if (auto ec = engine_.store_.kv_load(kFallbackKey, rows)) return ec;
    for (auto& [k, v] : rows) {
      if (k != kFallbackKey) continue;
      if (auto p = parse_profile(v)) {
        // A trial interrupted by a restart: the host tries the new profile again, with the
        // same fallback.
        fallback_ = *p;
        confirmed_ = *p;
        pending_ = ConnectionRequest{current(), fallback_};
      }
    }
    return {};
  }

  bool refuses_change(std::string_view key, std::string_view value, Now now) const override {
    if (key != kKey) return false;
    auto next = parse_profile(value);
    if (!next) return false;  // the key's own validation answers Rejected
    std::string why;
    const bool ok = may_raise_to(*next, now.wall, why);
    if (!ok) engine_.log(1, "SecurityProfile " + std::string(value) + " rejected: " + why);
    return !ok;
  }

  void on_configuration_changed(std::string_view key, Now now) override {
    if (key == "AuthorizationKey") {
      // Section 8: keys are security parameters (the value itself is never logged, A01.FR.12).
      (void)raise_security_event(engine_, "ReconfigurationOfSecurityParameters", std::string("AuthorizationKey changed"), now);
      return;
    }
    if (key != kKey) return;
    const int next = current();
    // A change on top of an untried one falls back to the last profile that connected.
    const int previous = fallback_.value_or(confirmed_);
    if (auto ec = engine_.store_.kv_set(kFallbackKey, std::to_string(previous)))
      engine_.log(0, "cannot store the fallback security profile: " + ec.message());
    fallback_ = previous;
    pending_ = ConnectionRequest{next, previous};
    (void)raise_security_event(engine_, "ReconfigurationOfSecurityParameters",
                               "SecurityProfile " + std::to_string(previous) + " -> " + std::to_string(next), now);
  }

  /// The firmware set the key: authoritative (it may lower it, A00.FR.005), no trial.
  void set_by_firmware() {
    fallback_.reset();
    (void)engine_.store_.kv_erase(kFallbackKey);
    confirmed_ = current();
    pending_ = ConnectionRequest{confirmed_, std::nullopt};
  }

  std::optional<ConnectionRequest> poll() {
    auto r = std::move(pending_);
    pending_.reset();
    return r;
  }

  std::error_code trial_ended(bool succeeded, std::string_view why, Now now) {
    if (!fallback_) return make_error_code(Errc::invalid_state);
    const int tried = current();
    const int back = *fallback_;
    if (auto ec = engine_.store_.kv_erase(kFallbackKey)) return ec;
    fallback_.reset();
    if (succeeded) {
      confirmed_ = tried;
      engine_.log(2, "security profile " + std::to_string(tried) + " connected");
      return {};
    }
    // Going back is the charge point's own doing (A05.FR.08), not a CSMS change: the rule
    // that the key only rises applies to ChangeConfiguration.
    if (engine_.config_.set(kKey, std::to_string(back), false) != ChangeResult::Accepted)
      return make_error_code(Errc::storage_error);
    confirmed_ = back;
    std::string info = "SecurityProfile " + std::to_string(tried) + " failed to connect, back to " +
                       std::to_string(back) + ": " + std::string(why);
    if (info.size() > 255) info.resize(255);
    return raise_security_event(engine_, "ReconfigurationOfSecurityParameters", std::move(info), now);
  }

 private:
  int current() const { return static_cast<int>(engine_.config_.get_int(kKey)); }

  bool may_raise_to(int next, DateTime now, std::string& why) const {
    if (next <= current()) {
      why = "lower than or equal to the current profile (A05.FR.01)";
      return false;
    }
    if (next == 1 || next == 2) {
      // A00.FR.205: at least 16 bytes. The key is text here; anything shorter cannot be one.
      const auto key = engine_.config_.get("AuthorizationKey").value_or("");
      if (key.size() < 16) {
        why = "no AuthorizationKey of at least 16 characters (A05.FR.02)";
        return false;
      }
    }
    const auto* sec = engine_.options_.security.get();
    if (next >= 2 && !engine_.options_.csms_root_file) {
      bool found = false;
      if (sec) {
        auto roots = sec->installed_ca_certificates({CaCertificateUse::csms_root});
        if (roots)
          for (const auto& r : roots.value()) found = found || r.not_after > now;
      }
      if (!found) {
        why = "no valid CentralSystemRootCertificate installed (A05.FR.03)";
        return false;
      }
    }
    if (next == 3 && !engine_.options_.client_certificate_file) {
      auto cert = sec ? sec->charging_station_certificate() : Result<ChargingStationCertificate>(Errc::invalid_state);
      if (!cert || cert.value().not_after <= now) {
        why = "no valid ChargePointCertificate installed (A05.FR.04)";
        return false;
      }
    }
    return true;
  }

  Engine::Impl& engine_;
  std::optional<int> fallback_;
  int confirmed_ = 0;
  std::optional<ConnectionRequest> pending_;
};

SecurityProfileModule& profile_module(Engine::Impl& engine) {
  return *static_cast<SecurityProfileModule*>(engine.security_profile_module_);
}

}  // namespace

void security_profile_set_by_firmware(Engine::Impl& engine) {
  profile_module(engine).set_by_firmware();
}

std::unique_ptr<Module> make_security_profile_module(Engine::Impl& engine) {
  auto m = std::make_unique<SecurityProfileModule>(engine);
  engine.security_profile_module_ = m.get();
  return m;
}

std::optional<ConnectionRequest> Engine::poll_connection_request() {
  return profile_module(*impl_).poll();
}

std::error_code Engine::connection_trial_ended(bool succeeded, std::string_view why, Now now) {
  return profile_module(*impl_).trial_ended(succeeded, why, now);
}

}  // namespace ocpp::v16
