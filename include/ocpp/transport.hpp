// The transport interface: how the library reaches the CSMS. The library ships a
// libwebsockets implementation (make_lws_io_loop); a host with its own WebSocket stack or
// event loop implements IoLoop and Connection instead.
//
// Threading: connect(), poll() and Connection's methods are called on the runner thread
// only; wake() may be called from any thread. TransportEvents callbacks are invoked from
// inside poll() (never from connect() or send()).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <cstddef>
#include <system_error>
#include <vector>

#include "ocpp/export.hpp"

namespace ocpp {

/// Default receive limit of one WebSocket message: 1 MiB.
inline constexpr std::size_t kDefaultMaxMessageSize = 1024 * 1024;

/// The TLS 1.2 cipher suites offered when ConnectOptions::tls_cipher_list is empty (OpenSSL
/// names): those the charge point must support (1.6 Security Whitepaper A00.FR.318: ECDHE-ECDSA
/// and RSA, each with AES-128-GCM-SHA256 and AES-256-GCM-SHA384) and the ECDHE-RSA pair; no
/// CBC, SHA-1, RC4 or export suites (A00.FR.319). TLS 1.3 keeps OpenSSL's suites, all AEAD.
inline constexpr const char* kDefaultTlsCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
    "AES128-GCM-SHA256:AES256-GCM-SHA384";

/// What IoLoop::connect() connects to, and how.
struct ConnectOptions {
  std::string url;                        ///< ws://host:port/path/chargePointId or wss://...
  std::vector<std::string> subprotocols;  ///< offered, e.g. {"ocpp1.6"}; the server must pick one
  std::optional<std::string> basic_auth_user;      ///< HTTP Basic auth (security profiles 1 and 2)
  std::optional<std::string> basic_auth_password;  ///< its password (the AuthorizationKey)
  std::string ca_file;                    ///< wss: CA bundle to verify the server; empty = system CAs
  /// wss: the CA bundle as PEM text; when not empty it is used instead of ca_file (the trust
  /// anchors the station picks for one attempt, e.g. without a fallback CSMS root while
  /// migrating to another CSMS, OCPP 2.0.1 M05.FR.15).
  std::string ca_pem;
  /// wss: the TLS client certificate (security profile 3), a PEM file with the charge point's
  /// certificate first and its intermediates after it; empty = none.
  std::string client_cert_file;
  /// wss: the PEM file with the private key of client_cert_file (it may be that same file).
  std::string client_key_file;
  /// wss: TLS 1.2 cipher suites, OpenSSL syntax; empty = kDefaultTlsCipherList. TLS 1.2 is the
  /// minimum version whatever this says.
  std::string tls_cipher_list;
  std::chrono::seconds ping_interval{0};  ///< WebSocket ping interval; 0 = no pings
  std::chrono::seconds connect_timeout{30};  ///< give up (on_close) if not open by then
  /// Largest incoming message accepted; a longer one closes the connection with status 1009
  /// (message too big) and on_close. See docs/guides/limits.md.
  std::size_t max_message_size = kDefaultMaxMessageSize;
};

// TLS contexts: a transport reads ca_file, client_cert_file and client_key_file when a
// connection starts. Connections with the same files and contents share one TLS context;
// once the contents change (a renewed certificate, a new CA bundle), the next connection gets
// a new context and the old one is freed when no connection uses it any more.

/// Receives what happens on one connection. Implemented by the library.
class OCPP_API TransportEvents {
 public:
  virtual ~TransportEvents() = default;
  /// The WebSocket handshake completed with the given subprotocol.
  virtual void on_open(std::string_view subprotocol) = 0;
  /// A complete text message arrived. A text message that is not UTF-8 is not delivered: the
  /// transport fails the connection with status 1007 (RFC 6455 §8.1), as the lws loop does.
  virtual void on_message(std::string_view text) = 0;
  /// The connection failed or closed; no more events follow for it. ec says why. A reason
  /// that starts with one of the kClose... prefixes below tells the security events apart
  /// (Security Whitepaper section 8); a host transport should use them too.
  virtual void on_close(std::error_code ec, std::string_view reason) = 0;
};

/// Reason prefix (with Errc::tls_error): the CSMS's certificate failed verification (its
/// chain, validity or host name): the InvalidCentralSystemCertificate security event.
inline constexpr std::string_view kCloseServerCertificateRejected = "server certificate rejected";
/// Reason prefix (with Errc::tls_error): the CSMS offers only TLS versions below 1.2
/// (whitepaper A00.FR.315): the InvalidTLSVersion security event.
inline constexpr std::string_view kCloseTlsVersionRefused = "TLS version refused";
/// Reason prefix (with Errc::tls_error): the CSMS and the charge point share no allowed cipher
/// suite (whitepaper A00.FR.322): the InvalidTLSCipherSuite security event.
inline constexpr std::string_view kCloseTlsCipherRefused = "TLS cipher suites refused";
/// Reason prefix (with Errc::transport_error): the CSMS answered the WebSocket upgrade with
/// HTTP 401 or 403, refusing our credentials: FailedToAuthenticationAtCentralSystem.
inline constexpr std::string_view kCloseCredentialsRejected = "credentials rejected";

/// One WebSocket connection. Destroying it closes it without further events.
class OCPP_API Connection {
 public:
  virtual ~Connection() = default;
  /// Queues one text message. Errors: Errc::transport_error when not open.
  virtual std::error_code send(std::string_view text) = 0;
  /// Starts a clean close; on_close follows from a later poll().
  virtual void close() = 0;
};

/// An event loop that owns connections.
class OCPP_API IoLoop {
 public:
  virtual ~IoLoop() = default;
  /// Starts connecting; the outcome arrives as on_open or on_close from poll().
  /// events must outlive the returned connection.
  virtual std::unique_ptr<Connection> connect(const ConnectOptions& options,
                                              TransportEvents& events) = 0;
  /// Does pending I/O and delivers events, waiting at most max_wait for something to happen.
  virtual void poll(std::chrono::milliseconds max_wait) = 0;
  /// Makes a poll() in progress (or the next one) return promptly. Safe from any thread.
  virtual void wake() = 0;
  /// Connections the loop still services, including those whose handle is gone but whose
  /// close handshake is not finished. Runner::stop() polls until this is 0 (or a bound).
  /// The default, 0, suits a loop that finishes closes on its own.
  virtual std::size_t active_connections() const { return 0; }
};

/// The libwebsockets event loop (ws:// and wss://). Host names are resolved on a helper
/// thread, started at the first name to resolve, so a slow DNS server never stalls the loop.
/// Returns nullptr when libwebsockets cannot create its context (Runner::start reports it).
OCPP_API std::unique_ptr<IoLoop> make_lws_io_loop();

}  // namespace ocpp
