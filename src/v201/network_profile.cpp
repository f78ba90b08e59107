// Network connection profiles: SetNetworkProfile (B09) and the migration to another profile
// through OCPPCommCtrlr.NetworkConfigurationPriority (B10).
//
// The station has the configuration slots 1, 2 and 3 (the valuesList of
// NetworkConfigurationPriority). Slot 1 is the connection the firmware configured
// (ChargingStationConfig) until the CSMS sets a profile there; slots 2 and 3 hold only what the
// CSMS set. A profile is stored at once (B09.FR.01) and used from the next start (B09 remarks,
// B10.FR.04): the engine then walks NetworkConfigurationPriority, handing its host (the facade)
// one ConnectionRequest per slot; the host tries it for NetworkProfileConnectionAttempts
// attempts (B10.FR.03) and reports the outcome (connection_trial_ended, network_profile). When
// every slot failed, the slot of the last successful connection comes back (B10.FR.07).
// apn and vpn are stored, never applied: the modem and the VPN are the firmware's.
#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/json.hpp"
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {
namespace {

constexpr int kFirstSlot = 1;
constexpr int kLastSlot = 3;
constexpr const char* kConnectedKey = "v201.netprofile.connected";

std::optional<int> parse_slot(std::string_view v) {
  int n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < kFirstSlot || n > kLastSlot)
    return std::nullopt;
  return n;
}

/// The slots of a NetworkConfigurationPriority value; nullopt when one is not a slot.
std::optional<std::vector<int>> parse_priority(std::string_view value) {
  std::vector<int> out;
  while (!value.empty()) {
    const auto comma = value.find(',');
    auto slot = parse_slot(value.substr(0, comma));
    if (!slot) return std::nullopt;
    out.push_back(*slot);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

/// The host's request to connect with a slot's profile (no trial).
ConnectionRequest slot_request(int slot, const NetworkConnectionProfileType& p) {
  ConnectionRequest req(p.securityProfile);
  req.configurationSlot = slot;
  req.csmsUrl = p.ocppCsmsUrl;
  req.messageTimeout = p.messageTimeout;
  return req;
}

std::string slot_key(int slot) { return kNetworkProfilePrefix + std::to_string(slot); }

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

std::error_code Engine::Impl::load_network_profiles() {
  std::vector<std::pair<std::string, std::string>> rows;
  if (auto ec = store_.kv_load(kNetworkProfilePrefix, rows)) return ec;
  for (auto& [key, value] : rows) {
    const std::string_view tail = std::string_view(key).substr(std::strlen(kNetworkProfilePrefix));
    if (key == kConnectedKey) {
      last_connected_slot_ = parse_slot(value);
      continue;
    }
    const auto slot = parse_slot(tail);
    NetworkConnectionProfileType p;
    codec::Error err;
    if (!slot || !codec::from_json(value, p, err)) {
      log(1, "ignoring the stored network profile " + key);
      continue;
    }
    network_profiles_[*slot] = std::move(p);
  }
  // B10.FR.04: the first entry of NetworkConfigurationPriority, then the next ones (B10.FR.03).
  auto walk =
      parse_priority(dm_.get_string("OCPPCommCtrlr", "NetworkConfigurationPriority").value_or(""));
  network_walk_ = walk.value_or(std::vector<int>{kFirstSlot});
  if (network_walk_.empty()) network_walk_.push_back(kFirstSlot);
  network_walk_next_ = 0;
  set_active_network_profile(network_walk_.front());
  // The configured connection first: nothing to ask of the host.
  if (network_profiles_.count(network_walk_.front())) request_network_slot(0);
  return {};
}

void Engine::Impl::request_network_slot(std::size_t index) {
  network_walk_next_ = index;
  const int slot = network_walk_[index];
  set_active_network_profile(slot);
  ConnectionRequest req(security_profile());
  req.configurationSlot = slot;
  auto p = network_profiles_.find(slot);
  if (p == network_profiles_.end()) {
    // Slot 1 without a profile: the configured connection, which the host keeps as its
    // fallback anyway; no trial.
    network_trial_.reset();
  } else {
    req = slot_request(slot, p->second);
    req.fallbackProfile = security_profile();
    network_trial_ = slot;
  }
  // B10.FR.06: the host drops the connection in place before trying this one.
  connection_request_ = std::move(req);
  log(2, "connecting with network profile slot " + std::to_string(slot));
}

std::error_code Engine::Impl::end_network_trial(bool succeeded, std::string_view why, Now now) {
  if (!network_trial_) return make_error_code(Errc::invalid_state);
  const int slot = *network_trial_;
  network_trial_.reset();
  if (succeeded) {
    last_connected_slot_ = slot;
    set_active_network_profile(slot);
    log(2, "network profile slot " + std::to_string(slot) + " connected");
    // A05.FR.06: a higher security profile connected: it is the station's from now on; so is
    // a lower one the firmware allows (A05.FR.08, B09.FR.31): the profile in use.
    const int p = network_profiles_[slot].securityProfile;
    if (p > security_profile() || (p < security_profile() && downgrade_allowed(p))) {
      const bool raised = p > security_profile();
      (void)dm_.set(VariableKey{"SecurityCtrlr", {}, -1, -1, "SecurityProfile", {}},
                    AttributeEnumType::Actual, std::to_string(p), SetSource::local);
      raised_profile_ = p;
      profile_fallback_.reset();
      if (auto ec = store_connection_security()) return ec;
      if (raised)
        if (auto ec = drop_lower_network_profiles(p)) return ec;
    }
    return store_.kv_set(kConnectedKey, std::to_string(slot));
  }
  std::string info = "network profile slot " + std::to_string(slot) + " failed to connect: ";
  info += why;
  log(1, info);
  if (network_walk_next_ + 1 < network_walk_.size()) {
    request_network_slot(network_walk_next_ + 1);  // B10.FR.03: the next entry
    return {};
  }
  // B10.FR.07: every entry failed: back to the slot of the last successful connection. The
  // host is back on the connection it was configured with (each trial's fallback); another
  // slot that connected before is asked for once more, without a trial.
  const int back = last_connected_slot_.value_or(kFirstSlot);
  set_active_network_profile(back);
  if (auto p = network_profiles_.find(back); p != network_profiles_.end())
    connection_request_ = slot_request(back, p->second);
  (void)now;
  return {};
}

std::error_code Engine::Impl::drop_lower_network_profiles(int profile) {
  // A05.FR.06: the profiles below the raised SecurityProfile go, and so do their slots in
  // NetworkConfigurationPriority (the CSMS may no longer be reached that way: A05.FR.07).
  std::vector<int> dropped;
  for (const auto& [slot, p] : network_profiles_)
    if (p.securityProfile < profile) dropped.push_back(slot);
  if (dropped.empty()) return {};
  for (int slot : dropped) {
    if (auto ec = store_.kv_erase(slot_key(slot))) return ec;
    network_profiles_.erase(slot);
    log(2, "network profile slot " + std::to_string(slot) + " removed: below SecurityProfile " +
               std::to_string(profile) + " (A05.FR.06)");
  }
  std::string priority;
  for (int slot : network_walk_) {
    if (std::find(dropped.begin(), dropped.end(), slot) != dropped.end()) continue;
    if (!priority.empty()) priority += ',';
    priority += std::to_string(slot);
  }
  if (priority.empty()) priority = std::to_string(active_network_profile_);
  const auto out =
      dm_.set(VariableKey{"OCPPCommCtrlr", {}, -1, -1, "NetworkConfigurationPriority", {}},
              AttributeEnumType::Actual, priority, SetSource::csms);
  if (out.status == SetVariableStatusEnumType::Rejected)
    log(0, "NetworkConfigurationPriority not updated: " + out.reason);
  return {};
}

void Engine::Impl::set_active_network_profile(int slot) {
  active_network_profile_ = slot;
  // NetworkConnectionProfileType.messageTimeout: how long a message sent over this connection
  // waits for its answer. Slot 1 without a profile is the configured connection: the
  // configured timeout (OCPPCommCtrlr.MessageTimeout reads what is in use).
  const auto p = network_profiles_.find(slot);
  session_.set_call_timeout(p != network_profiles_.end() && p->second.messageTimeout > 0
                                ? std::chrono::seconds(p->second.messageTimeout)
                                : options_.call_timeout);
}

bool Engine::Impl::is_network_priority(const VariableKey& key, AttributeEnumType type) {
  return type == AttributeEnumType::Actual && key.component == "OCPPCommCtrlr" &&
         key.component_instance.empty() && key.evse_id == -1 && key.variable_instance.empty() &&
         key.variable == "NetworkConfigurationPriority";
}

SetOutcome Engine::Impl::check_network_priority(const std::string& value, Now now) {
  const auto slots = parse_priority(value);
  // B10.FR.02: an entry that is no slot of the valuesList, or none at all.
  if (!slots || slots->empty())
    return SetOutcome{SetVariableStatusEnumType::Rejected, "InvalidConfSlot"};
  for (int slot : *slots) {
    // B10.FR.02: a slot without a profile (slot 1 has the configured connection).
    const auto p = network_profiles_.find(slot);
    if (slot != kFirstSlot && p == network_profiles_.end())
      return SetOutcome{SetVariableStatusEnumType::Rejected, "InvalidConfSlot"};
    // A05.FR.09, A05.FR.10 (errata 2025-01): a slot whose profile is lower than the active
    // one (stored before the profile rose), unless the downgrade from 3 to 2 is allowed
    // (A05.FR.08). Slot 1 without a profile connects with the active profile.
    if (p != network_profiles_.end()) {
      const int sp = p->second.securityProfile;
      if (sp < security_profile() && !downgrade_allowed(sp))
        return SetOutcome{SetVariableStatusEnumType::Rejected, "NoSecurityDowngrade"};
      // A05.FR.02, A05.FR.03: a slot with a higher profile needs what that profile needs (a
      // valid CSMS root; for 3 a valid station certificate) when it is put in the priority
      // list, not when SetNetworkProfile stores it (part 6 TC_A_20, TC_A_21).
      if (sp > security_profile()) {
        const auto out = check_connection_security(
            VariableKey{"SecurityCtrlr", {}, -1, -1, "SecurityProfile", {}}, std::to_string(sp),
            now);
        if (out.status != SetVariableStatusEnumType::Accepted) return out;
      }
    }
  }
  return {};
}

void Engine::Impl::handle_set_network_profile(const rpc::Frame& frame, Now now) {
  SetNetworkProfileRequest req;
  if (!decode_request(frame, req)) return;
  SetNetworkProfileResponse resp;
  resp.status = SetNetworkProfileStatusEnumType::Rejected;
  const auto& p = req.connectionData;
  std::string reason;
  const bool tls = starts_with(p.ocppCsmsUrl, "wss://");
  if (req.configurationSlot < kFirstSlot || req.configurationSlot > kLastSlot) {
    reason = "InvalidConfSlot";  // B09.FR.05
  } else if (p.ocppVersion != OCPPVersionEnumType::OCPP20 ||
             p.ocppTransport != OCPPTransportEnumType::JSON) {
    reason = "UnsupportedParam";  // B09.FR.02: this station speaks OCPP 2.0.1 over JSON only
  } else if (p.securityProfile < security_profile() && !downgrade_allowed(p.securityProfile)) {
    // B09.FR.04, B09.FR.31 (errata 2025-09): lower than the active profile, unless
    // AllowSecurityProfileDowngrade lets 3 go to 2. A profile under 1 is none at all.
    reason = p.securityProfile < 1 ? "InvalidValue" : "NoSecurityDowngrade";
  } else if (p.securityProfile > 3 || p.messageTimeout <= 0 ||
             (!tls && !starts_with(p.ocppCsmsUrl, "ws://")) || tls != (p.securityProfile >= 2) ||
             p.ocppCsmsUrl.size() <= (tls ? 6u : 5u)) {
    reason = "InvalidValue";  // B09.FR.02: the URL's scheme must fit the profile
  }
  // A higher profile's certificates are checked when the slot enters NetworkConfigurationPriority
  // (A05.FR.02, A05.FR.03): the CSMS may store the profile first and install them after.
  (void)now;
  if (reason.empty()) {
    // B09.FR.01: stored before the answer; B09.FR.03 when it cannot be.
    if (auto ec = store_.kv_set(slot_key(req.configurationSlot), codec::to_json(p))) {
      log(0, "cannot store network profile: " + ec.message());
      resp.status = SetNetworkProfileStatusEnumType::Failed;
    } else {
      network_profiles_[req.configurationSlot] = p;
      resp.status = SetNetworkProfileStatusEnumType::Accepted;
    }
  } else {
    resp.statusInfo = StatusInfoType{std::nullopt, reason, {}};
    log(1,
        "SetNetworkProfile slot " + std::to_string(req.configurationSlot) + " rejected: " + reason);
  }
  reply(frame.id, codec::to_json(resp));
}

}  // namespace ocpp::v201
