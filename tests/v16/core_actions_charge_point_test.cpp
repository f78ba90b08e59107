// The thread-safe ChargePoint wrappers of the Core profile additions (vendor keys, availability,
// outgoing DataTransfer), on a started Runner over the in-memory transport and fake CSMS.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "ocpp/runner.hpp"
#include "ocpp/v16/charge_point.hpp"
#include "support/memory_transport.hpp"

using namespace std::chrono_literals;

namespace {

template <class F>
bool eventually(F&& f, std::chrono::milliseconds limit = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

}  // namespace

TEST_CASE("core_actions: ChargePoint forwards add_configuration_key, availability and send_data_transfer",
          "[v16][core_actions][charge_point]") {
  auto owned = std::make_unique<test::MemoryIoLoop>();
  test::MemoryIoLoop& loop = *owned;
  loop.set_answer("DataTransfer", [](const auto&) { return std::string(R"({"status":"Accepted","data":"ok"})"); });
  ocpp::Runner runner{std::move(owned)};
  REQUIRE(!runner.start());
  {
    ocpp::v16::ChargePointConfig c;
    c.charge_point_id = "CP-CORE";
    c.csms_url = "ws://csms.test/ocpp";
    c.connectors = 2;
    c.vendor = "TestVendor";
    c.model = "TestModel";
    auto r = ocpp::v16::ChargePoint::create(runner, std::move(c), {});
    REQUIRE(r.ok());
    auto& cp = *r.value();
    REQUIRE(!cp.add_configuration_key("VendorLed", ocpp::v16::ConfigurationKeyType::Boolean,
                                      ocpp::v16::ConfigurationKeyAccess::ReadWrite, "true"));
    CHECK(cp.get_configuration("VendorLed").value() == "true");
    CHECK(cp.add_configuration_key("VendorLed", ocpp::v16::ConfigurationKeyType::Boolean,
                                   ocpp::v16::ConfigurationKeyAccess::ReadWrite, "true") ==
          ocpp::make_error_code(ocpp::Errc::invalid_argument));
    CHECK(cp.availability(0).value() == ocpp::v16::AvailabilityType::Operative);
    CHECK(cp.availability(3).error() == ocpp::make_error_code(ocpp::Errc::unknown_connector));

    REQUIRE(eventually([&] { return cp.registration() == ocpp::v16::RegistrationStatus::Accepted; }));
    std::mutex m;
    std::vector<std::string> got;
    REQUIRE(!cp.send_data_transfer("com.example", std::string("ping"), std::nullopt,
                                   [&](ocpp::Result<ocpp::v16::DataTransferResponse> res) {
                                     std::lock_guard<std::mutex> lk(m);
                                     got.push_back(res ? std::string(ocpp::v16::to_string(res->status)) + ":" +
                                                             res->data.value_or("-")
                                                       : "error");
                                   }));
    CHECK(eventually([&] {
      std::lock_guard<std::mutex> lk(m);
      return !got.empty();
    }));
    std::this_thread::sleep_for(50ms);
    std::lock_guard<std::mutex> lk(m);
    CHECK(got == std::vector<std::string>{"Accepted:ok"});
  }
  runner.stop();
}
