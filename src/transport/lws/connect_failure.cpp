#include "transport/lws/connect_failure.hpp"

#include "ocpp/transport.hpp"
#include "transport/lws/handshake_text.hpp"

namespace ocpp::lws_transport {

std::pair<Errc, std::string> describe(const ConnectFailure& f) {
  // The alert of this connection's handshake, when it ended with one.
  const bool own_alert = f.tls && f.alert.ssl && f.alert.ssl == f.ssl;
  if (!f.server_cert_error.empty())
    return {Errc::tls_error, std::string(kCloseServerCertificateRejected) + ": " + f.server_cert_error};
  if (own_alert && f.alert.description == 70)  // protocol_version
    return {Errc::tls_error, std::string(kCloseTlsVersionRefused) + ": the server offers no TLS version from 1.2 on"};
  if (own_alert && (f.alert.description == 40 || f.alert.description == 71)) {
    // handshake_failure / insufficient_security: nothing in common between the two cipher
    // lists (ours has only the whitepaper's suites).
    return {Errc::tls_error, std::string(kCloseTlsCipherRefused) + ": no cipher suite in common with the server"};
  }
  if (f.http_status == 401 || f.http_status == 403)
    return {Errc::transport_error, std::string(kCloseCredentialsRejected) + ": HTTP " + std::to_string(f.http_status)};
  if (f.tls && (contains_ci(f.error, "ssl") || contains_ci(f.error, "tls") || contains_ci(f.error, "cert")))
    return {Errc::tls_error, "TLS handshake failed: " + f.error};
  return {Errc::transport_error, "connection failed: " + (f.error.empty() ? std::string("unknown") : f.error)};
}

}  // namespace ocpp::lws_transport
