// The 2.0.1 engine with a real OpenSSL SecurityProvider in a temporary folder, on the
// harness's fake CSMS, for the certificate management tests (M03-M05, A02, A03). The simulated
// wall clock is set to the real time: the test PKI's certificates are made relative to it.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "ocpp/security.hpp"
#include "support/certificate_json.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"
#include "v201/harness.hpp"

namespace cert201 {

using test::json_string;

using test::hash_json;

/// The payload of a CALLRESULT frame.
inline rapidjson::Document payload_of(const std::optional<std::string>& frame) {
  auto d = test::v201::parse(frame);
  REQUIRE(d[0].GetInt() == 3);
  rapidjson::Document p;
  p.CopyFrom(d[2], p.GetAllocator());
  return p;
}

/// The engine on the harness with an OpenSSL provider (or none), connected and Accepted, with
/// SecurityCtrlr.SecurityProfile as the firmware sets it.
struct Station {
  explicit Station(int profile = 2, bool with_provider = true) {
    if (with_provider) {
      auto p = ocpp::make_openssl_security_provider(dir.path + "/pki");
      REQUIRE(p);
      provider = std::move(p.value());
    }
    h.options.security_provider = provider.get();
    h.options.charging_station.serialNumber = "SN-0001";
    h.set_wall_clock(std::chrono::system_clock::now());
    h.policy["SignCertificate"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
      return R"({"status":"Accepted"})";
    };
    h.hooks.client_certificate_changed = [this] { ++reconnects; };
    h.start();
    set("SecurityProfile", std::to_string(profile));
    h.connect();
    REQUIRE(h.engine().registration() == ocpp::v201::RegistrationStatusEnumType::Accepted);
  }

  /// Sets a SecurityCtrlr variable as the firmware does.
  void set(const std::string& variable, const std::string& value) {
    ocpp::v201::ComponentType c;
    c.name = "SecurityCtrlr";
    ocpp::v201::VariableType v;
    v.name = variable;
    REQUIRE_FALSE(h.engine().set_variable_actual(c, v, value, h.now()));
  }
  /// InstallCertificateRequest; returns the status.
  std::string install(const std::string& type, const std::string& pem) {
    return test::v201::result_status(h.csms_call(
        "i" + std::to_string(++ids), "InstallCertificate",
        R"({"certificateType":")" + type + R"(","certificate":)" + json_string(pem) + "}"));
  }
  /// DeleteCertificateRequest; returns the status.
  std::string remove(const std::string& hash_data_json) {
    return test::v201::result_status(
        h.csms_call("d" + std::to_string(++ids), "DeleteCertificate",
                    R"({"certificateHashData":)" + hash_data_json + "}"));
  }
  /// CertificateSignedRequest; returns the status.
  std::string certificate_signed(const std::string& chain) {
    return test::v201::result_status(
        h.csms_call("s" + std::to_string(++ids), "CertificateSigned",
                    R"({"certificateChain":)" + json_string(chain) + "}"));
  }
  /// TriggerMessageRequest; returns the status.
  std::string trigger(const std::string& message) {
    return test::v201::result_status(h.csms_call("t" + std::to_string(++ids), "TriggerMessage",
                                                 R"({"requestedMessage":")" + message + "\"}"));
  }
  /// The number of security log entries of a type.
  std::size_t events_of(const std::string& type) {
    std::size_t n = 0;
    for (const auto& ev : h.engine().security_log())
      if (ev.type == type) ++n;
    return n;
  }
  /// The CSR of the last SignCertificateRequest.
  std::string last_csr() {
    auto calls = h.calls_of("SignCertificate");
    REQUIRE_FALSE(calls.empty());
    rapidjson::Document d;
    d.Parse(calls.back().payload.c_str());
    REQUIRE(d.HasMember("csr"));
    return d["csr"].GetString();
  }

  test_support::TempDir dir;
  std::unique_ptr<ocpp::SecurityProvider> provider;
  test::v201::Harness h;
  int reconnects = 0;  // client_certificate_changed calls
  int ids = 0;
};

/// A station certificate signed by `ca` in the provider (A02 over profile 2): the CSR the
/// TriggerMessage brings, signed and installed by CertificateSigned.
inline void install_station_certificate(Station& s, const test_pki::Cert& ca) {
  REQUIRE(s.trigger("SignChargingStationCertificate") == "Accepted");
  REQUIRE(s.certificate_signed(test_pki::issue_for_csr(ca, s.last_csr(), 77).pem()) == "Accepted");
  (void)s.h.engine().poll_connection_request();
}

}  // namespace cert201
