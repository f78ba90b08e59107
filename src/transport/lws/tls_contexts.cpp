#include "transport/lws/tls_contexts.hpp"

#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "ocpp/transport.hpp"

namespace ocpp::lws_transport {

namespace {

// Certificates and keys are a few kilobytes; anything far larger is not one.
constexpr std::size_t kMaxPemFile = 1024 * 1024;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > kMaxPemFile) return std::nullopt;
  }
  if (in.bad()) return std::nullopt;
  return data;
}

std::string sha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), n);
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memory_bio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Loads the CA certificates of a PEM bundle into the context's store; false if it holds none.
bool load_cas(SSL_CTX* ssl, const std::string& pem) {
  auto bio = memory_bio(pem);
  STACK_OF(X509_INFO)* infos = bio ? PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!infos) return false;
  X509_STORE* store = SSL_CTX_get_cert_store(ssl);
  int added = 0;
  for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
    X509_INFO* info = sk_X509_INFO_value(infos, i);
    if (info->x509 && X509_STORE_add_cert(store, info->x509) == 1) ++added;
  }
  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  return added > 0;
}

// The leaf first, then its intermediates, as a TLS client sends them.
bool load_chain(SSL_CTX* ssl, const std::string& pem) {
  auto bio = memory_bio(pem);
  if (!bio) return false;
  X509* leaf = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (!leaf) return false;
  const bool ok = SSL_CTX_use_certificate(ssl, leaf) == 1;
  X509_free(leaf);
  if (!ok) return false;
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ssl, extra) != 1) {
      X509_free(extra);
      return false;
    }
  }
  ERR_clear_error();  // the end of the file reads as an error
  return true;
}

bool load_key(SSL_CTX* ssl, const std::string& pem) {
  auto bio = memory_bio(pem);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!key) return false;
  const bool ok = SSL_CTX_use_PrivateKey(ssl, key) == 1 && SSL_CTX_check_private_key(ssl) == 1;
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace

namespace {
thread_local TlsAlert g_last_alert;

// OpenSSL calls this on the thread that runs the handshake (the runner's, inside lws).
void record_alert(const SSL* ssl, int where, int ret) {
  if (!(where & SSL_CB_ALERT)) return;
  g_last_alert.ssl = ssl;
  g_last_alert.description = ret & 0xff;
  g_last_alert.sent = (where & SSL_CB_WRITE) != 0;
}
}  // namespace

TlsAlert last_tls_alert() { return g_last_alert; }

TlsContexts::~TlsContexts() {
  for (auto& [id, e] : entries_) SSL_CTX_free(e.ssl);
}

lws_vhost* TlsContexts::acquire(const TlsSettings& s, std::uint64_t& id, std::string& error) {
  const std::string key_file = s.key_file.empty() ? s.cert_file : s.key_file;
  // The files are read once, and the context is built from what was read: its digest and its
  // contents always agree, even if the files change meanwhile.
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  const bool own_cas = !s.ca_pem.empty() || !s.ca_file.empty();
  if (!s.ca_pem.empty()) ca_pem = s.ca_pem;
  for (auto [path, out] : {std::pair<const std::string*, std::string*>{&s.ca_file, &ca_pem},
                           {&s.cert_file, &cert_pem}, {&key_file, &key_pem}}) {
    if (path->empty() || (out == &ca_pem && !s.ca_pem.empty())) continue;
    auto data = read_file(*path);
    if (!data) {
      error = "cannot read " + *path;
      return nullptr;
    }
    *out = std::move(*data);
  }
  const std::string digest = sha256(ca_pem) + sha256(cert_pem) + sha256(key_pem);
  // A bundle given as text is its own key: contexts of different bundles coexist.
  const Key key{s.ca_pem.empty() ? s.ca_file : "pem:" + sha256(ca_pem), s.cert_file, key_file,
                s.cipher_list};

  auto cur = current_.find(key);
  if (cur != current_.end()) {
    Entry& e = entries_.at(cur->second);
    if (e.digest == digest) {
      ++e.users;
      e.last_use = ++use_clock_;
      id = cur->second;
      return e.vhost;
    }
  }

  SSL_CTX* ssl = SSL_CTX_new(TLS_client_method());
  if (!ssl) {
    error = "cannot create TLS context";
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION);
  SSL_CTX_set_info_callback(ssl, record_alert);
  SSL_CTX_set_options(ssl, SSL_OP_NO_COMPRESSION);  // whitepaper A00.FR.320
  // An idle connection gives its read and write buffers back (about 14 KB per connection);
  // lws sets this on the contexts it makes, not on one it is handed.
  SSL_CTX_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  const char* ciphers = s.cipher_list.empty() ? kDefaultTlsCipherList : s.cipher_list.c_str();
  if (SSL_CTX_set_cipher_list(ssl, ciphers) != 1) {
    SSL_CTX_free(ssl);
    error = std::string("no usable cipher suite in ") + ciphers;
    return nullptr;
  }
  const bool cas_loaded =
      !own_cas ? SSL_CTX_set_default_verify_paths(ssl) == 1 : load_cas(ssl, ca_pem);
  if (!cas_loaded) {
    SSL_CTX_free(ssl);
    error = !own_cas           ? "cannot load the system CA certificates"
            : s.ca_pem.empty() ? "cannot load CA file " + s.ca_file
                               : std::string("cannot load the CA bundle");
    return nullptr;
  }
  SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  if (own_cas) {
    // Whitepaper 7.1 (AdditionalRootCertificateCheck): a new CSMS root is signed by the one it
    // replaces, so it is not self-signed; once the old one is gone the chain ends at a
    // certificate of the bundle that is not a root. Every certificate in our own bundle is a
    // trust anchor ("partial certificate chain verification"); the system store keeps the
    // usual rule.
    X509_STORE_set_flags(SSL_CTX_get_cert_store(ssl), X509_V_FLAG_PARTIAL_CHAIN);
  }
  if (!s.cert_file.empty()) {
    if (!load_chain(ssl, cert_pem)) {
      SSL_CTX_free(ssl);
      error = "cannot load the client certificate " + s.cert_file;
      return nullptr;
    }
    if (!load_key(ssl, key_pem)) {
      SSL_CTX_free(ssl);
      error = "cannot load the client key " + key_file + " (or it does not match the certificate)";
      return nullptr;
    }
  }

  Entry e;
  e.key = key;
  e.digest = digest;
  e.ssl = ssl;
  e.users = 1;
  e.last_use = ++use_clock_;
  const std::uint64_t new_id = ++next_id_;
  e.name = "ocpp-wss-" + std::to_string(new_id);  // never reused: lws looks vhosts up by name
  auto [pos, inserted] = entries_.emplace(new_id, std::move(e));
  (void)inserted;

  lws_context_creation_info vi;
  std::memset(&vi, 0, sizeof vi);
  vi.port = CONTEXT_PORT_NO_LISTEN;
  vi.protocols = protocols_;
  vi.vhost_name = pos->second.name.c_str();
  vi.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  vi.provided_client_ssl_ctx = ssl;
  pos->second.vhost = lws_create_vhost(ctx_, &vi);
  if (!pos->second.vhost) {
    SSL_CTX_free(ssl);
    entries_.erase(pos);
    error = "cannot create TLS client vhost";
    return nullptr;
  }
  if (cur != current_.end()) {
    // Replaced: the old context serves the connections that still use it, then goes.
    entries_.at(cur->second).current = false;
    garbage_ = true;
    cur->second = new_id;
  } else {
    current_.emplace(key, new_id);
  }
  if (entries_.size() > kMaxIdle) garbage_ = true;
  id = new_id;
  return pos->second.vhost;
}

void TlsContexts::release(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.users == 0) return;
  if (--it->second.users == 0 && (!it->second.current || entries_.size() > kMaxIdle)) garbage_ = true;
}

void TlsContexts::collect() {
  if (!garbage_) return;
  garbage_ = false;
  // Current contexts nobody uses stay for the next connection, but only the most recently
  // used few: paths that are never used again (a provider that names its files anew) must
  // not keep theirs forever.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> idle;  // last use, id
  for (auto& [id, e] : entries_)
    if (e.current && e.users == 0) idle.emplace_back(e.last_use, id);
  std::sort(idle.begin(), idle.end());
  for (std::size_t i = 0; i + kMaxIdle < idle.size(); ++i) {
    Entry& e = entries_.at(idle[i].second);
    e.current = false;
    current_.erase(e.key);
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (e.current || e.users > 0) {
      ++it;
      continue;
    }
    // No connection is bound to the vhost any more, so lws frees it here and now; lws never
    // frees an SSL_CTX it was handed, and the SSLs of closed connections are gone.
    lws_vhost_destroy(e.vhost);
    SSL_CTX_free(e.ssl);
    it = entries_.erase(it);
  }
}

}  // namespace ocpp::lws_transport
