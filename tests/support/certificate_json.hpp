// JSON texts of certificate data as a CSMS writes them, for the certificate tests of both
// protocol versions (the fields are named alike in 1.6's Security Whitepaper and 2.0.1).
#pragma once

#include <string>

#include "ocpp/security.hpp"

namespace test {

/// A JSON string literal for `s` (PEM texts have line breaks).
inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// A certificateHashData object.
inline std::string hash_json(const ocpp::CertificateHashData& h, const char* algorithm = "SHA256") {
  return std::string(R"({"hashAlgorithm":")") + algorithm + R"(","issuerNameHash":")" +
         h.issuer_name_hash + R"(","issuerKeyHash":")" + h.issuer_key_hash +
         R"(","serialNumber":")" + h.serial_number + "\"}";
}

}  // namespace test
