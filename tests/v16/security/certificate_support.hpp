// The engine with a real OpenSSL SecurityProvider in a temporary folder, on the harness's fake
// CSMS, for the Security Whitepaper's certificate tests. The simulated wall clock is set to the
// real time: the test PKI's certificates are made relative to it.
#pragma once

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "ocpp/security.hpp"
#include "support/certificate_json.hpp"
#include "support/test_pki.hpp"
#include "v16/harness.hpp"

namespace cert_test {

using test::json_string;

/// The payload of a CALLRESULT frame.
inline rapidjson::Document result_of(const std::optional<std::string>& frame) {
  REQUIRE(frame);
  rapidjson::Document d;
  d.Parse(frame->c_str());
  REQUIRE(d.IsArray());
  REQUIRE(d[0].GetInt() == 3);
  rapidjson::Document p;
  p.CopyFrom(d[2], p.GetAllocator());
  return p;
}

using test::status_of;

/// The number of security log entries of a type.
inline std::size_t events_of(ocpp::v16::Engine& e, const std::string& type) {
  std::size_t n = 0;
  for (const auto& ev : e.security_log())
    if (ev.type == type) ++n;
  return n;
}

using test::hash_json;

/// The engine on the harness with an OpenSSL provider, connected and Accepted.
struct Station {
  explicit Station(int profile = 2, std::vector<std::pair<std::string, std::string>> config = {},
                   bool with_provider = true)
      : h(nullptr, 1, with_config(profile, std::move(config))) {
    if (with_provider) {
      auto p = ocpp::make_openssl_security_provider(dir.file("pki"));
      REQUIRE(p);
      provider = std::shared_ptr<ocpp::SecurityProvider>(std::move(p.value()));
    }
    h.options_.security = provider;
    h.options_.charge_point_id = "CP001";
    h.set_wall_clock(std::chrono::system_clock::now());
    h.policy["SignCertificate"] = [](const test::SentCall&) -> std::optional<std::string> {
      return R"({"status":"Accepted"})";
    };
    h.hooks.client_certificate_changed = [this] { reconnects.push_back(h.elapsed()); };
    h.start();
    h.connect();
    REQUIRE(h.engine().registration() == ocpp::v16::RegistrationStatus::Accepted);
  }

  static std::vector<std::pair<std::string, std::string>> with_config(
      int profile, std::vector<std::pair<std::string, std::string>> config) {
    config.emplace_back("SecurityProfile", std::to_string(profile));
    return config;
  }

  /// InstallCertificate.req; returns the status.
  std::string install(const std::string& type, const std::string& pem) {
    return status_of(h.csms_call(
        "i" + std::to_string(++ids), "InstallCertificate",
        R"({"certificateType":")" + type + R"(","certificate":)" + json_string(pem) + "}"));
  }
  /// DeleteCertificate.req; returns the status.
  std::string remove(const std::string& hash_data_json) {
    return status_of(h.csms_call("d" + std::to_string(++ids), "DeleteCertificate",
                                 R"({"certificateHashData":)" + hash_data_json + "}"));
  }
  /// CertificateSigned.req; returns the status.
  std::string certificate_signed(const std::string& chain) {
    return status_of(h.csms_call("s" + std::to_string(++ids), "CertificateSigned",
                                 R"({"certificateChain":)" + json_string(chain) + "}"));
  }
  /// ExtendedTriggerMessage.req; returns the status.
  std::string trigger(const std::string& message, const std::string& extra = "") {
    return status_of(h.csms_call("t" + std::to_string(++ids), "ExtendedTriggerMessage",
                                 R"({"requestedMessage":")" + message + "\"" + extra + "}"));
  }
  /// The CSR of the last SignCertificate.req.
  std::string last_csr() {
    auto calls = h.calls_of("SignCertificate");
    REQUIRE_FALSE(calls.empty());
    auto d = calls.back().json();
    REQUIRE(d.HasMember("csr"));
    return d["csr"].GetString();
  }

  test::TempDir dir;
  std::shared_ptr<ocpp::SecurityProvider> provider;
  test::Harness h;
  std::vector<std::int64_t> reconnects;  // elapsed seconds at each client_certificate_changed
  int ids = 0;
};

}  // namespace cert_test
