#include "transport/lws/connect_failure.hpp"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

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

std::string resource_shortage(long loop_fds) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int e = errno;
    if (e == EMFILE || e == ENFILE) {
      rlimit rl{};
      getrlimit(RLIMIT_NOFILE, &rl);
      return "out of file descriptors (RLIMIT_NOFILE " + std::to_string(rl.rlim_cur) + ")";
    }
    if (e == ENOBUFS || e == ENOMEM) return "out of memory for a socket";
    return {};
  }
  ::close(fd);
  if (loop_fds > 0 && fd >= loop_fds)
    return "descriptor " + std::to_string(fd) + " beyond the event loop's table of " +
           std::to_string(loop_fds) + " (raise RLIMIT_NOFILE before creating the Runner)";
  return {};
}

}  // namespace ocpp::lws_transport
