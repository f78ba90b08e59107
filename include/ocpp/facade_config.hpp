// ocpp::FacadeConfig: what the facade of every OCPP version (v16::ChargePoint,
// v201::ChargingStation) needs besides its identity and protocol fields: where the CSMS is, how
// to reach it over TLS, how to retry, and where to keep its state.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "ocpp/security.hpp"
#include "ocpp/store.hpp"
#include "ocpp/transport.hpp"

namespace ocpp {

/// The version-neutral part of a facade's configuration (v16::ChargePointConfig and
/// v201::ChargingStationConfig derive from it).
struct FacadeConfig {
  std::string csms_url;  ///< ws://host:port/path or wss://..., without the identity
  /// SQLite database file; empty = a memory store (nothing survives a restart).
  std::string db_path;
  /// A store of the host's own instead of SQLite (db_path is then ignored).
  std::unique_ptr<Store> store;
  std::string ca_file;  ///< wss: CA bundle; empty = the security provider's, else the system's CAs
  /// wss: the TLS client certificate for security profile 3, a PEM file with the station's
  /// certificate first and its intermediates after it (see ConnectOptions).
  std::string client_cert_file;
  /// Its private key, a PEM file; empty = in client_cert_file.
  std::string client_key_file;
  /// wss: TLS 1.2 cipher suites (OpenSSL syntax); empty = ocpp::kDefaultTlsCipherList.
  std::string tls_cipher_list;
  /// Keys and certificates (e.g. make_openssl_security_provider()): when set, the CSMS root
  /// certificates and the station certificate it holds are used for wss:// (ahead of ca_file
  /// and client_cert_file, which stay the fallback while it has none).
  std::shared_ptr<SecurityProvider> security;
  std::chrono::milliseconds backoff_min{1000};   ///< reconnect back-off, doubled per attempt
  std::chrono::milliseconds backoff_max{60000};  ///< its cap
  /// How long to wait for the CSMS's answer to a CALL before giving up on that attempt.
  std::chrono::seconds call_timeout{30};
  /// Largest message accepted from the CSMS; a longer one closes the connection with status
  /// 1009 and the station reconnects (docs/guides/limits.md).
  std::size_t max_message_size = kDefaultMaxMessageSize;
  /// A connection attempt (TCP, TLS and the WebSocket upgrade) not open by then is given up
  /// and retried after the back-off; see ConnectOptions::connect_timeout.
  std::chrono::seconds connect_timeout{30};
};

}  // namespace ocpp
