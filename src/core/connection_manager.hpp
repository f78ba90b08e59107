// The connection to the CSMS, for every OCPP version: URL and identity, subprotocols,
// security profile and credentials, and the open / close / reconnect state machine with
// back-off. A version's facade (1.6 ChargePoint today, 2.0.1 tomorrow) owns one, forwards its
// TransportEvents to it, and keeps only the glue to its engine.
//
// Sans-clock: every call that needs the time takes a Now; the jitter comes from a seed the
// facade draws. Runner thread only, like the transport it drives.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ocpp/error.hpp"
#include "ocpp/security.hpp"
#include "ocpp/time.hpp"
#include "ocpp/transport.hpp"

namespace ocpp::core {

/// How a charge point reaches its CSMS, whatever the OCPP version.
struct ConnectionConfig {
  std::string csms_url;  ///< ws:// or wss://, without the identity
  std::string identity;  ///< appended to csms_url, percent-encoded; also the Basic auth user
  std::vector<std::string> subprotocols;  ///< offered; the one selected must be among them
  /// nullopt: chosen at each attempt from the URL and the credentials at hand (1.6 before
  /// the SecurityProfile key: TLS for wss://, Basic auth when a password is set, a client
  /// certificate over wss:// when one is configured, then without Basic auth).
  std::optional<SecurityProfile> security_profile;
  std::string ca_file;           ///< wss: CA bundle; empty = the provider's, else the system's
  std::string client_cert_file;  ///< profile 3: certificate chain, PEM (or from `security`)
  std::string client_key_file;   ///< its key; empty = in client_cert_file
  std::string tls_cipher_list;   ///< empty = kDefaultTlsCipherList
  /// Where the CA bundle and the client certificate come from when set (they win over the
  /// files above, which remain the fallback while the provider has none).
  std::shared_ptr<SecurityProvider> security;
  std::chrono::seconds connect_timeout{30};               ///< see ConnectOptions::connect_timeout
  std::size_t max_message_size = kDefaultMaxMessageSize;  ///< see ConnectOptions
  std::chrono::milliseconds backoff_min{1000};   ///< first reconnect delay, doubled per attempt
  std::chrono::milliseconds backoff_max{60000};  ///< its cap
};

/// What may change between two connections; the version reads it from its configuration
/// (1.6: AuthorizationKey, WebSocketPingInterval) at each attempt.
struct AttemptSettings {
  std::optional<std::string> basic_auth_password;  ///< empty or unset: none
  std::chrono::seconds ping_interval{0};           ///< 0 = no pings
  /// wss with a SecurityProvider: the CA bundle (PEM) to verify the CSMS with at this attempt
  /// instead of the provider's (2.0.1 M05.FR.14 to M05.FR.16: with or without the fallback
  /// CSMS root); unset = the provider's.
  std::optional<std::string> ca_pem;
};

/// The identity as the last path segment of the URL, percent-encoded (OCPP-J §3.1.1:
/// "RDAM 123" becomes "RDAM%20123").
std::string percent_encode_identity(std::string_view identity);

/// Errc::invalid_argument unless the configuration is consistent: an identity of 1 to 48
/// characters without control characters or ':' (it is the Basic auth user name), a ws:// or
/// wss:// URL, at least one subprotocol, a URL scheme that fits the security profile
/// (profile 1 needs ws://, profiles 2 and 3 wss://) and, for profile 3, a client certificate
/// (a file or a SecurityProvider).
std::error_code validate(const ConnectionConfig& config);

/// Why an attempt failed, when it is a security event.
enum class SecurityFailure {
  server_certificate,    ///< the CSMS's certificate was refused (chain, validity, host name)
  credentials_rejected,  ///< the CSMS refused our credentials (HTTP 401/403 on the upgrade)
  tls_version,           ///< the CSMS offers only TLS versions below 1.2
  cipher_suite,          ///< no allowed cipher suite in common with the CSMS
};

class ConnectionManager {
 public:
  /// What the version does when the connection opens or closes (runner thread).
  class Host {
   public:
    virtual ~Host() = default;
    /// The settings of the next attempt, read just before it.
    virtual AttemptSettings attempt_settings() = 0;
    /// The connection opened with one of our subprotocols (1.6: Engine::connected).
    virtual void connection_opened(Now now) = 0;
    /// An open connection closed (1.6: Engine::disconnected).
    virtual void connection_closed(Now now) = 0;
    /// A line for the log hook: 0 error, 1 warning, 2 information.
    virtual void connection_log(int level, const std::string& message) = 0;
    /// An attempt failed for a security reason the version reports as a security event
    /// (1.6 whitepaper section 8, 2.0.1 A04): `failure` says which, `detail` the transport's
    /// reason.
    virtual void connection_security_failure(SecurityFailure /*failure*/,
                                             const std::string& /*detail*/) {}
    /// A trial configuration (try_configure) ended: `succeeded` when it connected once (it
    /// is the configuration from then on), else the previous one is back and `why` says
    /// what failed.
    virtual void connection_trial_ended(bool /*succeeded*/, const std::string& /*why*/, Now) {}
  };

  /// A manager that connects through `io`, hands `events` to every connection (the facade,
  /// which forwards on_open and on_close back here with the time) and tells `host`.
  /// Errors: those of validate(). `seed` drives the back-off jitter.
  static Result<std::unique_ptr<ConnectionManager>> create(ConnectionConfig config, IoLoop& io,
                                                           TransportEvents& events, Host& host,
                                                           std::uint64_t seed);
  ConnectionManager(const ConnectionManager&) = delete;
  ConnectionManager& operator=(const ConnectionManager&) = delete;
  ~ConnectionManager();

  /// Replaces the configuration from the next attempt on; the connection in place stays.
  /// Errors: those of validate() (the old configuration is kept).
  std::error_code configure(ConnectionConfig config);

  /// Switches to `config` as a trial (a higher security profile, Security Whitepaper A05):
  /// reconnects with it at once and keeps the configuration in use as the fallback. The
  /// first connection that opens makes it the configuration; after `attempts` attempts that
  /// fail without opening, the fallback is restored (A05.FR.08) and the next attempt uses it.
  /// Host::connection_trial_ended says which. Errors: those of validate() (nothing changes).
  std::error_code try_configure(ConnectionConfig config, unsigned attempts, Now now);
  /// The configuration of the next attempt.
  const ConnectionConfig& config() const { return config_; }
  /// True while a trial configuration has not connected yet.
  bool in_trial() const { return fallback_.has_value(); }

  /// Drops a connection that reported its close and, when none is open or opening and the
  /// back-off has passed, starts the next attempt. After shutdown() it connects at once.
  void step(Now now);
  /// When step() has something to do next: the end of the back-off while not connected.
  std::optional<MonoTime> deadline() const;
  /// Closes the connection; no attempt follows until the next step().
  void shutdown(Now now);
  /// Closes the connection (if any) and connects again at the next step(), with no back-off:
  /// for a new security profile or new credentials that must take effect now.
  void reconnect(Now now);

  /// From the facade's TransportEvents::on_open.
  void on_open(std::string_view subprotocol, Now now);
  /// From the facade's TransportEvents::on_close.
  void on_close(std::error_code ec, std::string_view reason, Now now);

  /// Sends one message. Errors: Errc::transport_error when not open.
  std::error_code send(std::string_view text);
  /// True from on_open (with one of our subprotocols) to the close.
  bool is_open() const { return open_; }
  /// The URL with the identity, as connected to.
  std::string url() const;
  /// The profile of the last attempt (nullopt before the first).
  std::optional<SecurityProfile> last_profile() const { return last_profile_; }
  /// The options of the last attempt, passwords included (for tests).
  const ConnectOptions& last_options() const { return last_options_; }

 private:
  ConnectionManager(ConnectionConfig config, IoLoop& io, TransportEvents& events, Host& host,
                    std::uint64_t seed);
  Result<ConnectOptions> plan_attempt(SecurityProfile& profile, std::string& why);
  void open_connection(Now now);
  void schedule_retry(Now now, int level, const std::string& why);
  void trial_failed(Now now, const std::string& why);

  ConnectionConfig config_;
  IoLoop& io_;
  TransportEvents& events_;
  Host& host_;
  std::unique_ptr<Connection> connection_;
  bool open_ = false;
  bool dead_connection_ = false;  // closed: destroyed in step(), not inside its own callback
  bool shut_down_ = false;
  unsigned attempt_ = 0;
  MonoTime reconnect_at_{};
  std::mt19937_64 rng_;
  std::optional<SecurityProfile> last_profile_;
  ConnectOptions last_options_;
  std::optional<ConnectionConfig> fallback_;  // during a trial: the configuration to go back to
  unsigned trial_attempts_left_ = 0;
};

}  // namespace ocpp::core
