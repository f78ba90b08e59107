// The OpenSSL SecurityProvider: keys and certificates in one directory.
//
//   <dir>/                          0700
//     ca/<use>/<sha256 of DER>.pem  installed CA certificates, one per file, by use
//     csms_root_bundle.pem          every csms_root certificate: the transport's CA file
//     pending_key.pem               the key pair of the last CSR, until its certificate comes
//     charging_station.pem          the charge point's key and certificate chain, in one file
//     charging_station.previous.pem the ones installed before: handed out while the newest
//                                   is not yet valid (whitepaper A02.FR.08), kept as fallback
//
// Every file is 0600 and replaced by rename. Key and chain share a file so that they change
// together: a power cut between two renames could otherwise leave a certificate with the
// wrong key. The transport reads that one file as both certificate and key.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "ocpp/security.hpp"
#include "security/x509.hpp"

namespace ocpp {
namespace {

namespace fs = std::filesystem;
using security::X509Ptr;
using security::PkeyPtr;

constexpr CaCertificateUse kUses[] = {CaCertificateUse::csms_root, CaCertificateUse::manufacturer_root,
                                      CaCertificateUse::v2g_root, CaCertificateUse::mo_root};

const char* use_dir(CaCertificateUse use) {
  switch (use) {
    case CaCertificateUse::csms_root: return "csms_root";
    case CaCertificateUse::manufacturer_root: return "manufacturer_root";
    case CaCertificateUse::v2g_root: return "v2g_root";
    case CaCertificateUse::mo_root: return "mo_root";
  }
  return "other";
}

std::error_code storage_failure() { return make_error_code(SecurityErrc::storage_failure); }

// A directory only its owner can enter: it holds private keys.
std::error_code make_private_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return storage_failure();
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  return ec ? storage_failure() : std::error_code{};
}

struct CaFile {
  CaCertificateUse use;
  fs::path path;
  X509Ptr cert;
};

class OpensslProvider final : public SecurityProvider {
 public:
  explicit OpensslProvider(fs::path dir) : dir_(std::move(dir)) {}

  std::error_code init() {
    if (auto ec = make_private_dir(dir_)) return ec;
    for (auto use : kUses)
      if (auto ec = make_private_dir(dir_ / "ca" / use_dir(use))) return ec;
    return {};
  }

  Result<std::string> generate_csr(const CsrRequest& r) override {
    auto text_ok = [](const std::string& s) {
      return !s.empty() && s.size() <= 64 &&
             std::none_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
    };
    const bool country_ok = r.country.empty() || (r.country.size() == 2 && std::isalpha(static_cast<unsigned char>(r.country[0])) &&
                                                  std::isalpha(static_cast<unsigned char>(r.country[1])));
    if (!text_ok(r.common_name) || !text_ok(r.organization) || !country_ok)
      return make_error_code(SecurityErrc::invalid_request);

    PkeyPtr key(generate_key(r.key_type));
    X509_REQ* req = X509_REQ_new();
    std::string pem;
    if (key && req) {
      X509_REQ_set_version(req, 0);
      X509_NAME* name = X509_REQ_get_subject_name(req);
      bool ok = true;
      auto add = [&](const char* field, const std::string& value) {
        ok = ok && X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                              reinterpret_cast<const unsigned char*>(value.data()),
                                              static_cast<int>(value.size()), -1, 0) == 1;
      };
      if (!r.country.empty()) add("C", r.country);
      add("O", r.organization);
      add("CN", r.common_name);
      ok = ok && X509_REQ_set_pubkey(req, key.get()) == 1 && X509_REQ_sign(req, key.get(), EVP_sha256()) > 0;
      BIO* bio = ok ? BIO_new(BIO_s_mem()) : nullptr;
      if (bio && PEM_write_bio_X509_REQ(bio, req) == 1) {
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        if (n > 0) pem.assign(data, static_cast<std::size_t>(n));
      }
      BIO_free(bio);
    }
    X509_REQ_free(req);
    ERR_clear_error();
    if (pem.empty()) return make_error_code(SecurityErrc::crypto_failure);
    std::lock_guard<std::mutex> lk(m_);
    if (auto ec = security::write_file_atomically(pending_key_path(), security::to_pem(key.get()))) return ec;
    return pem;
  }

  std::error_code install_charging_station_certificate(std::string_view chain_pem,
                                                       std::optional<std::string_view> ca_pem) override {
    auto chain = security::parse_certificates(chain_pem);
    if (chain.empty()) return make_error_code(SecurityErrc::invalid_certificate);
    X509* leaf = chain.front().get();
    // A leaf whose validity has not begun is installed: the previous one is handed out until
    // then (A02.FR.08: switch to the new certificate once its validity has begun).
    const auto validity = security::check_validity(leaf);
    if (validity == SecurityErrc::expired) return validity;
    const auto verify_at = std::max(std::chrono::system_clock::now(), security::not_before(leaf));

    std::lock_guard<std::mutex> lk(m_);
    // The key of the last CSR, or the one in use (a new certificate for the same key).
    bool pending = true;
    PkeyPtr key = load_key(pending_key_path());
    if (!key || X509_check_private_key(leaf, key.get()) != 1) {
      pending = false;
      key = load_key(station_path());
      if (!key || X509_check_private_key(leaf, key.get()) != 1) {
        ERR_clear_error();
        return make_error_code(SecurityErrc::key_mismatch);
      }
    }
    std::vector<X509Ptr> given;
    if (ca_pem) {
      given = security::parse_certificates(*ca_pem);
      if (given.empty()) return make_error_code(SecurityErrc::invalid_certificate);
    }
    auto installed = load_ca_files({CaCertificateUse::csms_root});
    std::vector<X509*> roots;
    for (auto& f : installed) roots.push_back(f.cert.get());
    for (auto& g : given) roots.push_back(g.get());
    std::vector<X509*> intermediates;
    for (std::size_t i = 1; i < chain.size(); ++i) intermediates.push_back(chain[i].get());
    if (auto ec = security::verify_chain(leaf, intermediates, roots, verify_at)) return ec;

    std::string contents = security::to_pem(key.get());
    for (auto& c : chain) contents += security::to_pem(c.get());
    // The chain in use becomes the previous one (A02.FR.10: kept as a fallback).
    if (auto old = security::read_file(station_path()); old && *old != contents) {
      if (auto ec = security::write_file_atomically(previous_station_path(), *old)) return ec;
    }
    if (auto ec = security::write_file_atomically(station_path(), contents)) return ec;
    if (pending) {
      std::error_code ignored;
      fs::remove(pending_key_path(), ignored);  // it is in the station file now
    }
    return {};
  }

  std::error_code revert_charging_station_certificate() override {
    std::lock_guard<std::mutex> lk(m_);
    auto previous = security::read_file(previous_station_path());
    if (!previous) return make_error_code(SecurityErrc::not_found);
    if (auto ec = security::write_file_atomically(station_path(), *previous)) return ec;
    std::error_code ignored;
    fs::remove(previous_station_path(), ignored);
    return {};
  }

  Result<ChargingStationCertificate> charging_station_certificate() const override {
    std::lock_guard<std::mutex> lk(m_);
    auto text = security::read_file(station_path());
    if (!text) return make_error_code(SecurityErrc::not_found);
    auto chain = security::parse_certificates(*text);
    if (chain.empty()) return make_error_code(SecurityErrc::storage_failure);
    ChargingStationCertificate c;
    for (auto& x : chain) c.chain_pem += security::to_pem(x.get());
    c.subject = security::subject_line(chain.front().get());
    c.not_before = security::not_before(chain.front().get());
    c.not_after = security::not_after(chain.front().get());
    return c;
  }

  Result<CertificateHashData> install_ca_certificate(CaCertificateUse use, std::string_view pem) override {
    auto certs = security::parse_certificates(pem);
    if (certs.size() != 1 || X509_check_ca(certs.front().get()) == 0)
      return make_error_code(SecurityErrc::invalid_certificate);
    X509* cert = certs.front().get();
    if (auto ec = security::check_validity(cert)) return ec;

    std::lock_guard<std::mutex> lk(m_);
    auto all = load_ca_files({});
    X509* issuer = find_issuer(cert, all);
    if (!issuer) return make_error_code(SecurityErrc::untrusted);
    const fs::path path = dir_ / "ca" / use_dir(use) / (fingerprint(cert) + ".pem");
    std::error_code exists_ec;
    if (!fs::exists(path, exists_ec)) {
      if (auto ec = security::write_file_atomically(path.string(), security::to_pem(cert))) return ec;
      if (use == CaCertificateUse::csms_root) {
        if (auto ec = write_bundle()) return ec;
      }
    }
    return security::hash_data(cert, issuer, HashAlgorithm::sha256);
  }

  Result<std::vector<InstalledCertificate>> installed_ca_certificates(
      const std::vector<CaCertificateUse>& uses) const override {
    std::lock_guard<std::mutex> lk(m_);
    auto all = load_ca_files({});
    std::vector<InstalledCertificate> out;
    for (auto& f : all) {
      if (!uses.empty() && std::find(uses.begin(), uses.end(), f.use) == uses.end()) continue;
      X509* issuer = find_issuer(f.cert.get(), all);
      InstalledCertificate ic;
      ic.use = f.use;
      ic.hash = security::hash_data(f.cert.get(), issuer ? issuer : f.cert.get(), HashAlgorithm::sha256);
      ic.pem = security::to_pem(f.cert.get());
      ic.subject = security::subject_line(f.cert.get());
      ic.not_after = security::not_after(f.cert.get());
      out.push_back(std::move(ic));
    }
    return out;
  }

  std::error_code delete_ca_certificate(const CertificateHashData& hash) override {
    std::lock_guard<std::mutex> lk(m_);
    auto all = load_ca_files({});
    bool found = false;
    bool bundle_changed = false;
    // The hash data name a certificate, not a use: it goes from every use it was installed for.
    for (auto& f : all) {
      X509* issuer = find_issuer(f.cert.get(), all);
      if (!same_certificate(security::hash_data(f.cert.get(), issuer ? issuer : f.cert.get(), hash.hash_algorithm), hash))
        continue;
      std::error_code ec;
      if (!fs::remove(f.path, ec) || ec) return storage_failure();
      found = true;
      bundle_changed = bundle_changed || f.use == CaCertificateUse::csms_root;
    }
    if (!found) return make_error_code(SecurityErrc::not_found);
    return bundle_changed ? write_bundle() : std::error_code{};
  }

  std::error_code verify_signature(std::string_view data, std::string_view signature,
                                   std::string_view signing_certificate_pem, CaCertificateUse trust) override {
    return verify(signature, signing_certificate_pem, trust, [&](EVP_MD_CTX* ctx) {
      return EVP_DigestVerifyUpdate(ctx, data.data(), data.size()) == 1;
    });
  }

  std::error_code verify_file_signature(const std::string& path, std::string_view signature,
                                        std::string_view signing_certificate_pem, CaCertificateUse trust) override {
    std::ifstream in(path, std::ios::binary);
    if (!in) return storage_failure();
    bool read_failed = false;
    auto ec = verify(signature, signing_certificate_pem, trust, [&](EVP_MD_CTX* ctx) {
      std::vector<char> buf(64 * 1024);
      while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
        if (EVP_DigestVerifyUpdate(ctx, buf.data(), static_cast<std::size_t>(in.gcount())) != 1) return false;
      }
      read_failed = in.bad();
      return !read_failed;
    });
    return read_failed ? storage_failure() : ec;
  }

  Result<TlsCredentials> tls_credentials() override {
    std::lock_guard<std::mutex> lk(m_);
    TlsCredentials c;
    std::error_code ec;
    if (!load_ca_files({CaCertificateUse::csms_root}).empty() && fs::exists(bundle_path(), ec))
      c.ca_file = bundle_path();
    if (fs::exists(station_path(), ec)) {
      c.client_cert_file = station_path();
      // The newest chain once its validity has begun; until then the previous one (A02.FR.08,
      // A02.FR.09: the newest valid certificate is used).
      auto text = security::read_file(station_path());
      auto chain = text ? security::parse_certificates(*text) : std::vector<X509Ptr>{};
      if (!chain.empty() && security::check_validity(chain.front().get()) == SecurityErrc::not_yet_valid &&
          fs::exists(previous_station_path(), ec))
        c.client_cert_file = previous_station_path();
      c.client_key_file = c.client_cert_file;
    }
    return c;
  }

 private:
  std::string pending_key_path() const { return (dir_ / "pending_key.pem").string(); }
  std::string station_path() const { return (dir_ / "charging_station.pem").string(); }
  std::string previous_station_path() const { return (dir_ / "charging_station.previous.pem").string(); }
  std::string bundle_path() const { return (dir_ / "csms_root_bundle.pem").string(); }

  static EVP_PKEY* generate_key(KeyType type) {
    switch (type) {
      case KeyType::ec_p256: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      case KeyType::ec_p384: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      case KeyType::rsa_2048: return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
      case KeyType::rsa_3072: return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(3072));
    }
    return nullptr;
  }

  static PkeyPtr load_key(const std::string& path) {
    auto text = security::read_file(path);
    return text ? security::parse_private_key(*text) : PkeyPtr();
  }

  // The SHA-256 of the DER certificate names its file: the same certificate, the same file.
  static std::string fingerprint(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509_digest(cert, EVP_sha256(), md, &n);
    return security::hex(md, n);
  }

  // The certificate itself when self-signed, else an installed certificate that issued it.
  static X509* find_issuer(X509* cert, const std::vector<CaFile>& all) {
    if (security::issued_by(cert, cert)) return cert;
    for (auto& f : all)
      if (f.cert.get() != cert && security::issued_by(cert, f.cert.get())) return f.cert.get();
    return nullptr;
  }

  std::vector<CaFile> load_ca_files(const std::vector<CaCertificateUse>& uses) const {
    std::vector<CaFile> out;
    for (auto use : kUses) {
      if (!uses.empty() && std::find(uses.begin(), uses.end(), use) == uses.end()) continue;
      std::error_code ec;
      std::vector<fs::path> paths;
      for (auto it = fs::directory_iterator(dir_ / "ca" / use_dir(use), ec); !ec && it != fs::directory_iterator();
           it.increment(ec))
        if (it->path().extension() == ".pem") paths.push_back(it->path());
      std::sort(paths.begin(), paths.end());
      for (auto& p : paths) {
        auto text = security::read_file(p.string());
        auto certs = text ? security::parse_certificates(*text) : std::vector<X509Ptr>{};
        if (certs.size() == 1) out.push_back(CaFile{use, p, std::move(certs.front())});
      }
    }
    return out;
  }

  std::error_code write_bundle() {
    std::string bundle;
    for (auto& f : load_ca_files({CaCertificateUse::csms_root})) bundle += security::to_pem(f.cert.get());
    return security::write_file_atomically(bundle_path(), bundle);
  }

  template <class Feed>
  std::error_code verify(std::string_view signature, std::string_view cert_pem, CaCertificateUse trust, Feed&& feed) {
    auto certs = security::parse_certificates(cert_pem);
    if (certs.empty()) return make_error_code(SecurityErrc::invalid_certificate);
    X509* signer = certs.front().get();
    if (auto ec = security::check_validity(signer)) return ec;
    {
      std::lock_guard<std::mutex> lk(m_);
      auto roots = load_ca_files({trust});
      std::vector<X509*> trusted;
      for (auto& f : roots) trusted.push_back(f.cert.get());
      std::vector<X509*> intermediates;
      for (std::size_t i = 1; i < certs.size(); ++i) intermediates.push_back(certs[i].get());
      if (auto ec = security::verify_chain(signer, intermediates, trusted)) return ec;
    }
    auto sig = security::decode_base64(signature);
    if (!sig) return make_error_code(SecurityErrc::invalid_signature);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(signer)) == 1;
    ok = ok && feed(ctx);
    ok = ok && EVP_DigestVerifyFinal(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size()) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok ? std::error_code{} : make_error_code(SecurityErrc::invalid_signature);
  }

  const fs::path dir_;
  mutable std::mutex m_;  // one operation at a time on the directory
};

}  // namespace

Result<std::unique_ptr<SecurityProvider>> make_openssl_security_provider(const std::string& directory) {
  if (directory.empty()) return make_error_code(Errc::invalid_argument);
  auto provider = std::make_unique<OpensslProvider>(directory);
  if (auto ec = provider->init()) return ec;
  return std::unique_ptr<SecurityProvider>(std::move(provider));
}

}  // namespace ocpp
