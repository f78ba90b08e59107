#include "security/x509.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <iterator>

namespace ocpp::security {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr read_bio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

const EVP_MD* digest_of(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::sha256: return EVP_sha256();
    case HashAlgorithm::sha384: return EVP_sha384();
    case HashAlgorithm::sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

std::string digest_hex(const EVP_MD* md, const unsigned char* data, std::size_t size) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data, size, out, &n, md, nullptr);
  return hex(out, n);
}

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

std::vector<X509Ptr> parse_certificates(std::string_view pem) {
  std::vector<X509Ptr> out;
  ERR_clear_error();
  auto bio = read_bio(pem);
  if (!bio) return out;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(x);
  // The end of the text reads as "no start line"; anything else is a damaged block.
  const unsigned long err = ERR_peek_last_error();
  ERR_clear_error();
  if (!out.empty() && err != 0 && ERR_GET_REASON(err) != PEM_R_NO_START_LINE) out.clear();
  return out;
}

PkeyPtr parse_private_key(std::string_view pem) {
  auto bio = read_bio(pem);
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  return key;
}

std::string to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  return drain(bio.get());
}

std::string to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
  return drain(bio.get());
}

CertificateHashData hash_data(X509* cert, X509* issuer, HashAlgorithm algorithm) {
  const EVP_MD* md = digest_of(algorithm);
  CertificateHashData h;
  h.hash_algorithm = algorithm;
  // RFC 6960 §4.1.1: the hash of the DER issuer name of the certificate, and of the value of
  // the issuer's subjectPublicKey BIT STRING (without tag, length and unused-bits octet).
  unsigned char* der = nullptr;
  const int n = i2d_X509_NAME(X509_get_issuer_name(cert), &der);
  if (n > 0) h.issuer_name_hash = digest_hex(md, der, static_cast<std::size_t>(n));
  OPENSSL_free(der);
  if (const ASN1_BIT_STRING* key = X509_get0_pubkey_bitstr(issuer))
    h.issuer_key_hash = digest_hex(md, key->data, static_cast<std::size_t>(key->length));
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn) {
    char* s = BN_bn2hex(bn);  // upper case, whole bytes: "0FFF"
    if (s) h.serial_number = s;
    OPENSSL_free(s);
    const auto first = h.serial_number.find_first_not_of('0');
    h.serial_number.erase(0, first == std::string::npos ? h.serial_number.size() - 1 : first);
    BN_free(bn);
  }
  return h;
}

std::string subject_line(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  return drain(bio.get());
}

std::chrono::system_clock::time_point not_before(X509* cert) { return to_time_point(X509_get0_notBefore(cert)); }
std::chrono::system_clock::time_point not_after(X509* cert) { return to_time_point(X509_get0_notAfter(cert)); }

std::error_code check_validity(X509* cert) {
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) return make_error_code(SecurityErrc::not_yet_valid);
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) return make_error_code(SecurityErrc::expired);
  return {};
}

bool issued_by(X509* cert, X509* issuer) {
  if (X509_check_issued(issuer, cert) != X509_V_OK) return false;
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  const bool ok = key && X509_verify(cert, key) == 1;
  ERR_clear_error();
  return ok;
}

std::error_code verify_chain(X509* leaf, const std::vector<X509*>& intermediates, const std::vector<X509*>& roots,
                             std::optional<std::chrono::system_clock::time_point> at) {
  X509_STORE* store = X509_STORE_new();
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  std::error_code result = make_error_code(SecurityErrc::untrusted);
  if (store && untrusted && ctx) {
    for (X509* r : roots) X509_STORE_add_cert(store, r);
    for (X509* i : intermediates) sk_X509_push(untrusted, i);
    if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) == 1) {
      if (at) X509_STORE_CTX_set_time(ctx, 0, std::chrono::system_clock::to_time_t(*at));
      if (X509_verify_cert(ctx) == 1) {
        result = {};
      } else {
        const int err = X509_STORE_CTX_get_error(ctx);
        if (err == X509_V_ERR_CERT_HAS_EXPIRED) result = make_error_code(SecurityErrc::expired);
        if (err == X509_V_ERR_CERT_NOT_YET_VALID) result = make_error_code(SecurityErrc::not_yet_valid);
      }
    }
  }
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);  // the certificates belong to the caller
  X509_STORE_free(store);
  ERR_clear_error();
  return result;
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string clean;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) clean += c;
  if (clean.empty() || clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t size = static_cast<std::size_t>(n);
  for (std::size_t i = clean.size(); i > 0 && clean[i - 1] == '=' && size > 0; --i) --size;
  out.resize(size);
  return out;
}

std::string hex(const unsigned char* data, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

std::error_code write_file_atomically(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error_code(SecurityErrc::storage_failure);
  bool ok = ::fchmod(fd, 0600) == 0;  // an older file of that name may have had another mode
  for (std::size_t done = 0; ok && done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error_code(SecurityErrc::storage_failure);
  }
  // The rename is durable once the directory is.
  const std::string dir = path.substr(0, path.find_last_of('/') + 1);
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return data;
}

}  // namespace ocpp::security
