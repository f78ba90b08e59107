#include "core/connection_manager.hpp"

#include <algorithm>
#include <utility>

#include "core/backoff.hpp"

namespace ocpp::core {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool is_tls_url(std::string_view url) { return starts_with(url, "wss://"); }

// ':' cannot be part of an HTTP Basic auth user name (RFC 7617), and the identity is that name.
bool valid_identity(const std::string& id) {
  if (id.empty() || id.size() > 48) return false;
  for (unsigned char ch : id)
    if (ch < 0x20 || ch == 0x7f || ch == ':') return false;
  return true;
}

const char* profile_name(SecurityProfile p) {
  switch (p) {
    case SecurityProfile::none: return "0 (no authentication)";
    case SecurityProfile::basic_auth: return "1 (Basic authentication)";
    case SecurityProfile::tls_basic_auth: return "2 (TLS with Basic authentication)";
    case SecurityProfile::tls_client_cert: return "3 (TLS with client certificate)";
  }
  return "?";
}

}  // namespace

std::string percent_encode_identity(std::string_view id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : id) {
    const bool unreserved = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                            (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~';
    if (unreserved) {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

std::error_code validate(const ConnectionConfig& c) {
  const bool ws = starts_with(c.csms_url, "ws://");
  const bool wss = is_tls_url(c.csms_url);
  if (!valid_identity(c.identity) || (!ws && !wss) || c.subprotocols.empty())
    return make_error_code(Errc::invalid_argument);
  if (!c.security_profile) return {};
  switch (*c.security_profile) {
    case SecurityProfile::none:
      return {};
    case SecurityProfile::basic_auth:
      // Profile 1 is the unsecured transport; TLS is profile 2 (whitepaper §2.1, table 2).
      return ws ? std::error_code{} : make_error_code(Errc::invalid_argument);
    case SecurityProfile::tls_basic_auth:
      return wss ? std::error_code{} : make_error_code(Errc::invalid_argument);
    case SecurityProfile::tls_client_cert:
      if (!wss || (c.client_cert_file.empty() && !c.security)) return make_error_code(Errc::invalid_argument);
      return {};
  }
  return make_error_code(Errc::invalid_argument);
}

Result<std::unique_ptr<ConnectionManager>> ConnectionManager::create(ConnectionConfig config, IoLoop& io,
                                                                     TransportEvents& events, Host& host,
                                                                     std::uint64_t seed) {
  if (auto ec = validate(config)) return ec;
  return std::unique_ptr<ConnectionManager>(new ConnectionManager(std::move(config), io, events, host, seed));
}

ConnectionManager::ConnectionManager(ConnectionConfig config, IoLoop& io, TransportEvents& events, Host& host,
                                     std::uint64_t seed)
    : config_(std::move(config)), io_(io), events_(events), host_(host), rng_(seed) {}

ConnectionManager::~ConnectionManager() = default;

std::error_code ConnectionManager::configure(ConnectionConfig config) {
  if (auto ec = validate(config)) return ec;
  config_ = std::move(config);
  return {};
}

std::error_code ConnectionManager::try_configure(ConnectionConfig config, unsigned attempts, Now now) {
  if (auto ec = validate(config)) return ec;
  // A trial on top of a trial falls back to the last configuration that connected.
  if (!fallback_) fallback_ = std::move(config_);
  config_ = std::move(config);
  trial_attempts_left_ = std::max(1u, attempts);
  reconnect(now);
  return {};
}

std::string ConnectionManager::url() const {
  std::string url = config_.csms_url;
  if (url.empty() || url.back() != '/') url += '/';
  return url + percent_encode_identity(config_.identity);
}

void ConnectionManager::step(Now now) {
  if (shut_down_) {
    // Stepped after shutdown(): the runner was stopped and started again. Reconnect.
    shut_down_ = false;
    attempt_ = 0;
    reconnect_at_ = now.mono;
  }
  if (dead_connection_) {
    dead_connection_ = false;
    connection_.reset();
  }
  if (!connection_ && now.mono >= reconnect_at_) open_connection(now);
}

std::optional<MonoTime> ConnectionManager::deadline() const {
  if (connection_ && !dead_connection_) return std::nullopt;
  return reconnect_at_;
}

void ConnectionManager::shutdown(Now now) {
  shut_down_ = true;
  if (connection_) {
    connection_->close();
    connection_.reset();
  }
  dead_connection_ = false;
  if (open_) {
    open_ = false;
    host_.connection_closed(now);
  }
}

void ConnectionManager::reconnect(Now now) {
  if (connection_) {
    connection_->close();
    connection_.reset();  // no events from it any more: the close is not counted as a failure
  }
  dead_connection_ = false;
  if (open_) {
    open_ = false;
    host_.connection_closed(now);
  }
  attempt_ = 0;
  reconnect_at_ = now.mono;
}

void ConnectionManager::on_open(std::string_view subprotocol, Now now) {
  if (std::find(config_.subprotocols.begin(), config_.subprotocols.end(), subprotocol) ==
      config_.subprotocols.end()) {
    // A host transport that ignored the subprotocol negotiation: refuse (OCPP-J §3.1.2).
    if (connection_) connection_->close();
    return;
  }
  open_ = true;
  attempt_ = 0;
  if (fallback_) {
    fallback_.reset();
    host_.connection_trial_ended(true, {}, now);
  }
  host_.connection_opened(now);
}

void ConnectionManager::on_close(std::error_code ec, std::string_view reason, Now now) {
  dead_connection_ = true;  // destroyed in step(), not inside its own callback
  const bool was_open = open_;
  open_ = false;
  if (was_open) host_.connection_closed(now);
  const std::string why = ec.message() + (reason.empty() ? "" : ": ") + std::string(reason);
  if (!was_open) {
    auto starts = [&](std::string_view p) { return reason.substr(0, p.size()) == p; };
    if (starts(kCloseServerCertificateRejected))
      host_.connection_security_failure(SecurityFailure::server_certificate, std::string(reason));
    else if (starts(kCloseCredentialsRejected))
      host_.connection_security_failure(SecurityFailure::credentials_rejected, std::string(reason));
    else if (starts(kCloseTlsVersionRefused))
      host_.connection_security_failure(SecurityFailure::tls_version, std::string(reason));
    else if (starts(kCloseTlsCipherRefused))
      host_.connection_security_failure(SecurityFailure::cipher_suite, std::string(reason));
    if (fallback_) trial_failed(now, why);
  }
  // Out of descriptors, memory or ports: an error the host must see, not a routine retry.
  schedule_retry(now, ec == make_error_code(Errc::resource_exhausted) ? 0 : 1,
                 "connection closed (" + why + ")");
}

void ConnectionManager::trial_failed(Now now, const std::string& why) {
  if (trial_attempts_left_ > 1) {
    --trial_attempts_left_;
    return;
  }
  config_ = std::move(*fallback_);
  fallback_.reset();
  attempt_ = 0;  // the fallback connected before: no back-off to wait through first
  host_.connection_trial_ended(false, why, now);
}

std::error_code ConnectionManager::send(std::string_view text) {
  if (!connection_ || !open_) return make_error_code(Errc::transport_error);
  return connection_->send(text);
}

void ConnectionManager::schedule_retry(Now now, int level, const std::string& why) {
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  const auto delay = backoff_delay(attempt_++, config_.backoff_min, config_.backoff_max, jitter(rng_));
  reconnect_at_ = now.mono + delay;
  host_.connection_log(level, why + "; reconnecting in " + std::to_string(delay.count()) + " ms");
}

Result<ConnectOptions> ConnectionManager::plan_attempt(SecurityProfile& profile, std::string& why) {
  const AttemptSettings settings = host_.attempt_settings();
  ConnectOptions o;
  o.url = url();
  o.subprotocols = config_.subprotocols;
  o.ping_interval = settings.ping_interval;
  o.max_message_size = config_.max_message_size;
  o.connect_timeout = config_.connect_timeout;
  const bool tls = is_tls_url(config_.csms_url);

  std::string ca_file = config_.ca_file;
  std::string cert_file = config_.client_cert_file;
  std::string key_file = config_.client_key_file.empty() ? cert_file : config_.client_key_file;
  if (tls && config_.security) {
    auto creds = config_.security->tls_credentials();
    if (!creds) {
      why = "the security provider has no TLS credentials (" + creds.error().message() + ")";
      return creds.error();
    }
    if (!creds->ca_file.empty()) ca_file = creds->ca_file;
    if (!creds->client_cert_file.empty()) {
      cert_file = creds->client_cert_file;
      key_file = creds->client_key_file.empty() ? cert_file : creds->client_key_file;
    }
  }
  const bool has_password = settings.basic_auth_password && !settings.basic_auth_password->empty();
  if (config_.security_profile) {
    profile = *config_.security_profile;
  } else if (tls && !cert_file.empty()) {
    profile = SecurityProfile::tls_client_cert;
  } else if (has_password) {
    profile = tls ? SecurityProfile::tls_basic_auth : SecurityProfile::basic_auth;
  } else {
    profile = SecurityProfile::none;
  }
  const bool basic = profile == SecurityProfile::basic_auth || profile == SecurityProfile::tls_basic_auth;
  if (basic && !has_password) {
    why = std::string("security profile ") + profile_name(profile) + " needs a Basic authentication password";
    return make_error_code(Errc::invalid_state);
  }
  if (profile == SecurityProfile::tls_client_cert && cert_file.empty()) {
    why = std::string("security profile ") + profile_name(profile) + " needs a client certificate";
    return make_error_code(Errc::tls_error);
  }
  if (basic) {
    o.basic_auth_user = config_.identity;
    o.basic_auth_password = *settings.basic_auth_password;
  }
  if (tls) {
    o.ca_file = ca_file;
    if (config_.security && settings.ca_pem && !settings.ca_pem->empty())
      o.ca_pem = *settings.ca_pem;
    o.tls_cipher_list = config_.tls_cipher_list;
    if (profile == SecurityProfile::tls_client_cert) {
      o.client_cert_file = cert_file;
      o.client_key_file = key_file;
    }
  }
  return o;
}

void ConnectionManager::open_connection(Now now) {
  SecurityProfile profile = SecurityProfile::none;
  std::string why;
  auto options = plan_attempt(profile, why);
  if (!options) {
    // Nothing to connect with (a password or certificate is missing): retried after the
    // back-off, as a failed connection would be, since the version may set it meanwhile.
    if (fallback_) trial_failed(now, why);
    schedule_retry(now, 0, "cannot connect: " + why);
    return;
  }
  last_profile_ = profile;
  last_options_ = std::move(options.value());
  // Until it opens or fails, a back-off is pending in case the loop reports nothing.
  reconnect_at_ = now.mono + std::chrono::seconds(60);
  connection_ = io_.connect(last_options_, events_);
}

}  // namespace ocpp::core
