// core::PreloadingStore: an engine's start-up reads its key/value rows once, and gets what the
// store would have answered.
#include "core/preloading_store.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ocpp/store.hpp"
#include "ocpp/v16/engine.hpp"
#include "ocpp/v201/engine.hpp"
#include "support/flaky_store.hpp"

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

Rows load(ocpp::Store& s, const std::string& prefix) {
  Rows out;
  REQUIRE(!s.kv_load(prefix, out));
  return out;
}

}  // namespace

TEST_CASE("preloading store: between begin and end, prefixes are answered from one read",
          "[core][store]") {
  auto memory = ocpp::make_memory_store();
  test::FlakyStore counting(*memory);
  REQUIRE(!counting.kv_set("cfg.A", "1"));
  REQUIRE(!counting.kv_set("cfg.B", "2"));
  REQUIRE(!counting.kv_set("cfgX", "3"));
  REQUIRE(!counting.kv_set("seclog.1", "e"));
  ocpp::core::PreloadingStore s(counting);
  {
    ocpp::core::PreloadScope scope(s);
    CHECK(counting.kv_load_calls() == 1);
    CHECK(counting.kv_loads[""] == 1);
    CHECK(load(s, "cfg.") == Rows{{"cfg.A", "1"}, {"cfg.B", "2"}});
    CHECK(load(s, "cfg") == Rows{{"cfg.A", "1"}, {"cfg.B", "2"}, {"cfgX", "3"}});
    CHECK(load(s, "none.").empty());
    // Writes reach the store and the copy; a failed one changes neither.
    REQUIRE(!s.kv_set("cfg.C", "4"));
    REQUIRE(!s.kv_set("cfg.A", "5"));
    REQUIRE(!s.kv_erase("cfg.B"));
    counting.fail_prefix = "cfg.A";
    CHECK(s.kv_set("cfg.A", "6"));
    counting.fail_prefix.clear();
    CHECK(load(s, "cfg.") == Rows{{"cfg.A", "5"}, {"cfg.C", "4"}});
    CHECK(counting.kv_load_calls() == 1);
    // A failed erase drops the copy: the store answers from then on.
    counting.fail_prefix = "cfg.C";
    CHECK(s.kv_erase("cfg.C"));
    counting.fail_prefix.clear();
    CHECK(load(s, "cfg.") == Rows{{"cfg.A", "5"}, {"cfg.C", "4"}});
    CHECK(counting.kv_loads["cfg."] == 1);
  }
  // After end(), every read goes to the store, which has the same rows.
  CHECK(load(s, "cfg.") == Rows{{"cfg.A", "5"}, {"cfg.C", "4"}});
  CHECK(counting.kv_loads["cfg."] == 2);
  CHECK(load(counting, "seclog.") == Rows{{"seclog.1", "e"}});
}

TEST_CASE("preloading store: when the first read fails, reads go to the store", "[core][store]") {
  auto memory = ocpp::make_memory_store();
  test::FlakyStore counting(*memory);
  REQUIRE(!counting.kv_set("cfg.A", "1"));
  counting.fail_kv_load = true;
  ocpp::core::PreloadingStore s(counting);
  ocpp::core::PreloadScope scope(s);
  Rows out;
  CHECK(s.kv_load("cfg.", out) == std::errc::io_error);  // the store's own answer
  counting.fail_kv_load = false;
  CHECK(load(s, "cfg.") == Rows{{"cfg.A", "1"}});
  CHECK(counting.kv_loads["cfg."] == 2);
}

TEST_CASE("preloading store: each engine reads its key/value rows once when it starts",
          "[core][store][v16][v201]") {
  SECTION("OCPP 1.6") {
    auto memory = ocpp::make_memory_store();
    test::FlakyStore counting(*memory);
    REQUIRE(!counting.kv_set("cfg.HeartbeatInterval", "77"));
    ocpp::v16::EngineOptions o;
    o.connectors = 2;
    o.boot.chargePointVendor = "V";
    o.boot.chargePointModel = "M";
    auto e = ocpp::v16::Engine::create(o, counting, {}, ocpp::Now{});
    REQUIRE(e.ok());
    INFO("prefixes read: " << counting.kv_loads.size());
    CHECK(counting.kv_load_calls() == 1);
    CHECK(e.value()->get_configuration("HeartbeatInterval").value() == "77");
  }
  SECTION("OCPP 2.0.1") {
    auto memory = ocpp::make_memory_store();
    test::FlakyStore counting(*memory);
    ocpp::v201::EngineOptions o;
    o.evses = {1, 1};
    o.charging_station.vendorName = "V";
    o.charging_station.model = "M";
    auto e = ocpp::v201::Engine::create(o, counting, {}, ocpp::Now{});
    REQUIRE(e.ok());
    CHECK(counting.kv_load_calls() == 1);
  }
}
