// The TLS of the epoll CSMS (epoll_csms.cpp): a server SSL_CTX and the non-blocking OpenSSL
// calls its event loop drives. Every call says what OpenSSL needs before it can go on (the
// socket readable or writable), so the loop can wait for exactly that with epoll: a TLS read
// may have to write first and a write may have to read first.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace bench {

struct SslFree {
  void operator()(SSL* s) const;
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

struct SslCtxFree {
  void operator()(SSL_CTX* c) const;
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

/// A TLS 1.2+ server context with this certificate chain (PEM, leaf first) and key; dies if
/// they cannot be loaded.
SslCtxPtr make_server_tls(const std::string& cert_file, const std::string& key_file);

/// A server-side session on an accepted, non-blocking socket (nothing is sent yet: the
/// client speaks first).
SslPtr accept_tls(SSL_CTX* ctx, int fd);

enum class TlsStatus {
  done,        // the handshake finished / bytes were read or written
  want_read,   // call again once the socket is readable
  want_write,  // call again once the socket is writable
  closed,      // the peer closed, or a TLS or socket error: drop the connection
};

struct TlsIo {
  TlsStatus status;
  std::size_t bytes;  // read or written (status done)
};

/// One step of the server handshake.
TlsStatus tls_handshake(SSL* ssl);
/// Up to `size` bytes of application data.
TlsIo tls_read(SSL* ssl, char* buf, std::size_t size);
/// Up to `size` bytes (partial writes enabled; the buffer may move between retries).
TlsIo tls_write(SSL* ssl, const char* data, std::size_t size);
/// "TLSv1.3 TLS_AES_256_GCM_SHA384": what a finished handshake agreed on.
std::string tls_session_name(SSL* ssl);

/// How many handshakes agreed on each protocol version and cipher suite (printed by the CSMS
/// when it stops, so a run shows that both sides of a comparison negotiated the same).
using TlsTally = std::map<std::string, long>;

}  // namespace bench
