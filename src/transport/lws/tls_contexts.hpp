// The TLS client contexts of the libwebsockets loop: one lws vhost with its own SSL_CTX per
// trust configuration (CA bundle, client certificate and key, cipher list) and per contents
// of those files.
//
// Why a vhost each: lws 4.1 keeps the client SSL_CTX on the vhost, and handing it one of ours
// means only the CAs and the certificate chosen here are used. Why the contents count: a
// renewed charge point certificate or CA bundle is usually written to the same path; the next
// connection must use it, while a connection still open keeps the context it started with.
// A context that is no longer current is destroyed once no connection uses it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

struct lws_context;
struct lws_protocols;
struct lws_vhost;
typedef struct ssl_ctx_st SSL_CTX;

namespace ocpp::lws_transport {

/// What one TLS client context is made of.
/// The last TLS alert of a handshake on the runner's thread: which connection (its SSL
/// object), the alert's description code (RFC 8446 §6: 70 protocol_version, 40
/// handshake_failure, 71 insufficient_security) and whether we sent or received it. The
/// connection error that follows a failed handshake says only that it failed; this tells the
/// whitepaper's InvalidTLSVersion and InvalidTLSCipherSuite apart.
struct TlsAlert {
  const void* ssl = nullptr;
  int description = 0;
  bool sent = false;
};
/// The last alert seen on this thread (see TlsAlert).
TlsAlert last_tls_alert();

struct TlsSettings {
  std::string ca_file;      ///< empty = the system's CAs (unless ca_pem)
  std::string ca_pem;       ///< the CA bundle itself; wins over ca_file when not empty
  std::string cert_file;    ///< client certificate chain; empty = none
  std::string key_file;     ///< its key; empty = in cert_file
  std::string cipher_list;  ///< TLS 1.2 suites; empty = ocpp::kDefaultTlsCipherList
};

class TlsContexts {
 public:
  /// Vhosts are created in `ctx` with `protocols` (which must outlive this object).
  TlsContexts(lws_context* ctx, const lws_protocols* protocols) : ctx_(ctx), protocols_(protocols) {}
  /// Frees the SSL_CTXs. Call after lws_context_destroy(), which destroys the vhosts.
  ~TlsContexts();
  TlsContexts(const TlsContexts&) = delete;
  TlsContexts& operator=(const TlsContexts&) = delete;

  /// The vhost for a connection with these settings, counted as in use until release(id).
  /// Reads the files: the same paths with new contents get a new context. Returns nullptr
  /// with `error` set when a file cannot be read or loaded.
  lws_vhost* acquire(const TlsSettings& settings, std::uint64_t& id, std::string& error);
  /// A connection is done with context `id` (safe inside lws callbacks: nothing is destroyed).
  void release(std::uint64_t id);
  /// Destroys the contexts that are neither current nor in use. Not from an lws callback.
  void collect();
  /// Contexts alive (current or in use).
  std::size_t size() const { return entries_.size(); }

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  struct Entry {
    Key key;
    std::string digest;  // of the files' contents
    lws_vhost* vhost = nullptr;
    SSL_CTX* ssl = nullptr;
    std::string name;  // lws keeps the pointer
    unsigned users = 0;
    std::uint64_t last_use = 0;
    bool current = true;
  };
  // Unused current contexts kept for later connections (see collect()).
  static constexpr std::size_t kMaxIdle = 8;

  lws_context* ctx_;
  const lws_protocols* protocols_;
  std::map<std::uint64_t, Entry> entries_;
  std::map<Key, std::uint64_t> current_;
  std::uint64_t next_id_ = 0;
  std::uint64_t use_clock_ = 0;
  bool garbage_ = false;
};

}  // namespace ocpp::lws_transport
