// What an engine asks of its connection (1.6 Security Whitepaper A05; 2.0.1 A01, A05): the
// host (a facade, or firmware driving the engine itself) applies it to its transport.
#pragma once

#include <optional>
#include <string>

namespace ocpp {

/// A change the connection must make, taken from the engine's poll_connection_request().
struct ConnectionRequest {
  /// No change of profile (securityProfile 0), nothing on trial.
  ConnectionRequest() = default;
  /// The security profile to connect with, its fallback during a trial, a new password.
  ConnectionRequest(int profile, std::optional<int> fallback = std::nullopt, bool password = false)
      : securityProfile(profile), fallbackProfile(fallback), newBasicAuthPassword(password) {}

  /// The security profile to connect with from now on (0: none configured, as before the
  /// whitepaper in 1.6). The host disconnects and reconnects with it.
  int securityProfile = 0;
  /// Set when the profile is untried: if the host cannot connect with it, it goes back to
  /// this profile's settings and tells the engine (connection_trial_ended) that the trial
  /// failed; once it connected, that it succeeded.
  std::optional<int> fallbackProfile;
  /// 2.0.1 A01: the Basic auth password changed. The host reconnects at once with the new one
  /// (the engine's SecurityCtrlr.BasicAuthPassword); when the CSMS refuses it (HTTP 401 or
  /// 403) before a connection opened with it, the host tells the engine the trial failed and
  /// the previous password comes back. 1.6 never sets it.
  bool newBasicAuthPassword = false;
  /// 2.0.1 B09, B10: connect with the NetworkConnectionProfile of this configuration slot of
  /// OCPPCommCtrlr.NetworkConfigurationPriority (a trial when fallbackProfile is set: the host
  /// reports its end as ConnectionTrial::network_profile). nullopt: not a network profile
  /// change. 1.6 never sets it.
  std::optional<int> configurationSlot;
  /// With configurationSlot: the profile's ocppCsmsUrl (without the identity); empty: the URL
  /// the host was configured with.
  std::string csmsUrl;
  /// With configurationSlot: the profile's messageTimeout in seconds; 0: as configured.
  int messageTimeout = 0;
};

}  // namespace ocpp
