// A test PKI made with OpenSSL in the test itself: CA certificates, certificates issued to a
// key or to a CSR, signatures over data. Validity is given in hours from now, so expired and
// not-yet-valid certificates are one argument away.
#pragma once

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "security/x509.hpp"

namespace test_pki {

using ocpp::security::PkeyPtr;  // the library's owning pointers: only their deleters
using ocpp::security::X509Ptr;

inline PkeyPtr ec_key() {
  PkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(k);
  return k;
}

inline PkeyPtr rsa_key() {
  PkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
  REQUIRE(k);
  return k;
}

inline std::string pem_of(X509* x) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

inline std::string pem_of(EVP_PKEY* k) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

/// A certificate with its key (the key is null for one issued to a CSR).
struct Cert {
  X509Ptr x;
  PkeyPtr key;
  std::string pem() const { return pem_of(x.get()); }
  std::string key_pem() const { return pem_of(key.get()); }
};

struct Validity {
  long from_hours = -1;
  long to_hours = 24 * 365;
};

/// A certificate for `pub` issued by `issuer` (self-signed when issuer is null: then
/// `issuer_key` signs). `ca` makes it a CA; `san` adds a subjectAltName.
inline X509Ptr make_cert(EVP_PKEY* pub, const std::string& cn, long serial, const Cert* issuer, EVP_PKEY* signer,
                         bool ca, Validity v = {}, const char* san = nullptr, const std::string& org = "Test CPO") {
  X509Ptr x(X509_new());
  REQUIRE(x);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), v.from_hours * 3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), v.to_hours * 3600);
  X509_set_pubkey(x.get(), pub);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuer_x = issuer ? issuer->x.get() : x.get();
  X509_set_issuer_name(x.get(), X509_get_subject_name(issuer_x));
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer_x, x.get(), nullptr, nullptr, 0);
  auto add = [&](int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    REQUIRE(ext != nullptr);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  };
  add(NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (ca) add(NID_key_usage, "critical,keyCertSign,cRLSign");
  if (san) add(NID_subject_alt_name, san);
  REQUIRE(X509_sign(x.get(), signer, EVP_sha256()) > 0);
  return x;
}

/// A self-signed CA (root) with a new EC key.
inline Cert make_root(const std::string& cn, long serial, Validity v = {}) {
  Cert c;
  c.key = ec_key();
  c.x = make_cert(c.key.get(), cn, serial, nullptr, c.key.get(), true, v);
  return c;
}

/// A certificate with a new key issued by `issuer`.
inline Cert issue(const Cert& issuer, const std::string& cn, long serial, bool ca = false, Validity v = {},
                  const char* san = nullptr, PkeyPtr key = nullptr) {
  Cert c;
  c.key = key ? std::move(key) : ec_key();
  c.x = make_cert(c.key.get(), cn, serial, &issuer, issuer.key.get(), ca, v, san);
  return c;
}

/// Lower-case hex of an OCTET STRING.
inline std::string to_hex(const ASN1_OCTET_STRING* s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < s->length; ++i) {
    out += kHex[s->data[i] >> 4];
    out += kHex[s->data[i] & 15];
  }
  return out;
}

/// The hash data OpenSSL's OCSP code computes for `cert` issued by `issuer` (RFC 6960 CertID)
/// with `md`, to check the library's against.
inline ocpp::CertificateHashData ocsp_hash_data(X509* cert, X509* issuer, const EVP_MD* md = EVP_sha256()) {
  OCSP_CERTID* id = OCSP_cert_to_id(md, cert, issuer);
  REQUIRE(id);
  ASN1_OCTET_STRING* name_hash = nullptr;
  ASN1_OCTET_STRING* key_hash = nullptr;
  ASN1_INTEGER* serial = nullptr;
  REQUIRE(OCSP_id_get0_info(&name_hash, nullptr, &key_hash, &serial, id) == 1);
  ocpp::CertificateHashData h;
  h.issuer_name_hash = to_hex(name_hash);
  h.issuer_key_hash = to_hex(key_hash);
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  char* s = BN_bn2hex(bn);
  h.serial_number = s;
  OPENSSL_free(s);
  BN_free(bn);
  OCSP_CERTID_free(id);
  return h;
}

/// Parses a PEM CSR; null if it is not one.
inline std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> parse_csr(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509_REQ* req = PEM_read_bio_X509_REQ(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return {req, &X509_REQ_free};
}

/// The certificate the CA `issuer` issues for the CSR (its subject's CN and O, the CSR's key).
inline Cert issue_for_csr(const Cert& issuer, const std::string& csr_pem, long serial, Validity v = {}) {
  auto req = parse_csr(csr_pem);
  REQUIRE(req);
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  REQUIRE(pub);
  char cn[128] = {};
  char o[128] = {};
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, cn, sizeof cn);
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_organizationName, o, sizeof o);
  Cert c;
  c.x = make_cert(pub, cn, serial, &issuer, issuer.key.get(), false, v, nullptr, o[0] ? o : "Test CPO");
  return c;
}

/// Base64 of the SHA-256 signature of `data` with `key` (RSA PKCS#1 v1.5 or ECDSA).
inline std::string sign_base64(EVP_PKEY* key, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  REQUIRE(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1);
  REQUIRE(EVP_DigestSignUpdate(ctx, data.data(), data.size()) == 1);
  std::size_t n = 0;
  REQUIRE(EVP_DigestSignFinal(ctx, nullptr, &n) == 1);
  std::string sig(n, '\0');
  REQUIRE(EVP_DigestSignFinal(ctx, reinterpret_cast<unsigned char*>(sig.data()), &n) == 1);
  sig.resize(n);
  EVP_MD_CTX_free(ctx);
  std::string out(4 * ((sig.size() + 2) / 3) + 1, '\0');
  const int m = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(sig.data()), static_cast<int>(sig.size()));
  out.resize(static_cast<std::size_t>(m));
  return out;
}

inline void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  REQUIRE(out);
  out << data;
}

/// The permission bits of a file or folder.
inline unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode & 0777);
}

}  // namespace test_pki
