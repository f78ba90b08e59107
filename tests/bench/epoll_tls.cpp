#include "epoll_tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <climits>

#include "bench_util.hpp"

namespace bench {

void SslFree::operator()(SSL* s) const { SSL_free(s); }
void SslCtxFree::operator()(SSL_CTX* c) const { SSL_CTX_free(c); }

SslCtxPtr make_server_tls(const std::string& cert_file, const std::string& key_file) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) die("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // Partial writes: a frame larger than the socket's room is written in pieces. Moving buffer:
  // the unsent bytes live in a std::string that may reallocate before the retry.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1)
    die("epoll CSMS: cannot load " + cert_file + " / " + key_file);
  return ctx;
}

SslPtr accept_tls(SSL_CTX* ctx, int fd) {
  SslPtr ssl(SSL_new(ctx));
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) die("SSL_new");
  SSL_set_accept_state(ssl.get());
  return ssl;
}

namespace {

// What a failed call needs. The error queue is cleared: OpenSSL keeps it per thread, and a
// stale entry would make the next connection's SSL_get_error() lie.
TlsStatus status_of(SSL* ssl, int ret) {
  const int e = SSL_get_error(ssl, ret);
  ERR_clear_error();
  if (e == SSL_ERROR_WANT_READ) return TlsStatus::want_read;
  if (e == SSL_ERROR_WANT_WRITE) return TlsStatus::want_write;
  return TlsStatus::closed;  // SSL_ERROR_ZERO_RETURN, SSL_ERROR_SYSCALL, SSL_ERROR_SSL
}

int clamp(std::size_t size) { return size > INT_MAX ? INT_MAX : static_cast<int>(size); }

}  // namespace

TlsStatus tls_handshake(SSL* ssl) {
  const int r = SSL_do_handshake(ssl);
  return r == 1 ? TlsStatus::done : status_of(ssl, r);
}

TlsIo tls_read(SSL* ssl, char* buf, std::size_t size) {
  const int r = SSL_read(ssl, buf, clamp(size));
  if (r > 0) return {TlsStatus::done, static_cast<std::size_t>(r)};
  return {status_of(ssl, r), 0};
}

TlsIo tls_write(SSL* ssl, const char* data, std::size_t size) {
  const int r = SSL_write(ssl, data, clamp(size));
  if (r > 0) return {TlsStatus::done, static_cast<std::size_t>(r)};
  return {status_of(ssl, r), 0};
}

std::string tls_session_name(SSL* ssl) {
  return std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
}

}  // namespace bench
