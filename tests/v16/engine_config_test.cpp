// GetConfiguration and ChangeConfiguration (OCPP 1.6 sections 5.3, 5.8 and chapter 9).
#include <catch2/catch.hpp>

#include <set>

#include "v16/configuration.hpp"
#include "v16/harness.hpp"

using namespace std::chrono_literals;

namespace {

using test::result_payload;

std::string change(test::Harness& h, const std::string& id, const std::string& key, const std::string& value) {
  auto p = result_payload(
      h.csms_call(id, "ChangeConfiguration", R"({"key":")" + key + R"(","value":")" + value + "\"}"));
  return p["status"].GetString();
}

}  // namespace

TEST_CASE("config: GetConfiguration without keys lists the readable keys, never AuthorizationKey",
          "[v16][engine][config]") {
  // OCPP 1.6 section 5.8: no key → every key; Security Whitepaper: AuthorizationKey is write-only.
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.set_configuration("AuthorizationKey", "0123456789abcdef0123"));
  int n = 0;
  for (const char* payload : {"{}", R"({"key":[]})"}) {
    INFO(payload);
    const std::string id = "gc-all-" + std::to_string(++n);
    auto p = result_payload(h.csms_call(id, "GetConfiguration", payload));
    CHECK(!p.HasMember("unknownKey"));
    REQUIRE(p.HasMember("configurationKey"));
    std::set<std::string> keys;
    for (const auto& kv : p["configurationKey"].GetArray()) {
      const std::string k = kv["key"].GetString();
      keys.insert(k);
      const ocpp::v16::KeyDef* def = nullptr;
      for (const auto& d : ocpp::v16::key_registry())
        if (d.name == k) def = &d;
      REQUIRE(def != nullptr);
      CHECK(kv["readonly"].GetBool() == (def->access == ocpp::v16::KeyAccess::ReadOnly));
      REQUIRE(kv.HasMember("value"));
    }
    CHECK(keys.count("AuthorizationKey") == 0);
    CHECK(keys.size() == ocpp::v16::key_registry().size() - 1);
    CHECK(keys.count("HeartbeatInterval") == 1);
    CHECK(keys.count("NumberOfConnectors") == 1);
    CHECK(h.reply_to(id)->find("0123456789abcdef0123") == std::string::npos);
  }
}

TEST_CASE("config: GetConfiguration with keys: known ones with readonly flags, the rest unknownKey",
          "[v16][engine][config]") {
  // OCPP 1.6 sections 5.8 and 6.24 (GetConfiguration.conf: configurationKey, unknownKey).
  test::Harness h(nullptr, 2);
  h.start();
  h.connect();
  auto p = result_payload(h.csms_call(
      "gc-1", "GetConfiguration",
      R"({"key":["HeartbeatInterval","NumberOfConnectors","NoSuchKey","AuthorizationKey"]})"));
  REQUIRE(p["configurationKey"].Size() == 2);
  const auto& hb = p["configurationKey"][0];
  CHECK(std::string(hb["key"].GetString()) == "HeartbeatInterval");
  CHECK(hb["readonly"].GetBool() == false);
  CHECK(std::string(hb["value"].GetString()) == "300");  // from BootNotification.conf
  const auto& nc = p["configurationKey"][1];
  CHECK(std::string(nc["key"].GetString()) == "NumberOfConnectors");
  CHECK(nc["readonly"].GetBool() == true);
  CHECK(std::string(nc["value"].GetString()) == "2");
  REQUIRE(p["unknownKey"].Size() == 2);
  CHECK(std::string(p["unknownKey"][0].GetString()) == "NoSuchKey");
  CHECK(std::string(p["unknownKey"][1].GetString()) == "AuthorizationKey");

  auto only_unknown = result_payload(h.csms_call("gc-2", "GetConfiguration", R"({"key":["Nope"]})"));
  CHECK(!only_unknown.HasMember("configurationKey"));
  REQUIRE(only_unknown["unknownKey"].Size() == 1);
}

TEST_CASE("config: ChangeConfiguration Accepted, Rejected and NotSupported", "[v16][engine][config]") {
  // OCPP 1.6 section 5.3 and 6.10 (ConfigurationStatus).
  test::Harness h;
  std::vector<std::string> changed;
  h.hooks.configuration_changed = [&](const std::string& k, const std::string& v) {
    changed.push_back(k + "=" + v);
  };
  auto& e = h.start();
  h.connect();
  CHECK(change(h, "c1", "MeterValueSampleInterval", "60") == "Accepted");
  CHECK(e.get_configuration("MeterValueSampleInterval").value() == "60");
  CHECK(change(h, "c2", "StopTransactionOnInvalidId", "false") == "Accepted");
  CHECK(change(h, "c3", "MeterValueSampleInterval", "abc") == "Rejected");
  CHECK(change(h, "c4", "MeterValueSampleInterval", "-5") == "Rejected");
  CHECK(change(h, "c5", "MeterValueSampleInterval", "") == "Rejected");
  CHECK(change(h, "c6", "StopTransactionOnInvalidId", "yes") == "Rejected");
  CHECK(change(h, "c7", "NumberOfConnectors", "4") == "Rejected");  // read-only
  CHECK(change(h, "c8", "MeterValuesSampledData", "Energy.Active.Import.Register,Bogus") == "Rejected");
  CHECK(change(h, "c9", "NoSuchKey", "1") == "NotSupported");
  CHECK(e.get_configuration("MeterValueSampleInterval").value() == "60");
  CHECK(e.get_configuration("NumberOfConnectors").value() == "1");
  CHECK(e.get_configuration("StopTransactionOnInvalidId").value() == "false");
  // Only accepted changes reach the hook, with the stored value.
  CHECK(changed == std::vector<std::string>{"MeterValueSampleInterval=60", "StopTransactionOnInvalidId=false"});
}

TEST_CASE("config: a changed value survives a restart (SQLite)", "[v16][engine][config][sqlite][restart]") {
  // OCPP 1.6 section 5.3: the change is persistent; defaults apply on first start only.
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get(), 1, {{"ConnectionTimeOut", "45"}});
  auto& e = h.start();
  h.connect();
  CHECK(e.get_configuration("ConnectionTimeOut").value() == "45");
  CHECK(change(h, "c1", "ConnectionTimeOut", "90") == "Accepted");
  CHECK(change(h, "c2", "AllowOfflineTxForUnknownId", "true") == "Accepted");
  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  CHECK(h.engine().get_configuration("ConnectionTimeOut").value() == "90");  // stored value wins
  CHECK(h.engine().get_configuration("AllowOfflineTxForUnknownId").value() == "true");
  // And it is in effect: offline, an unknown idTag is allowed now (section 9.1.1).
  REQUIRE(!h.engine().plug_in(1, h.now()));
  REQUIRE(!h.engine().present_id_tag("OFFLINE", 1, h.now()));
  h.pump();
  CHECK(h.engine().connector_state(1)->transaction.has_value());
}

TEST_CASE("config: changing HeartbeatInterval reschedules heartbeats", "[v16][engine][config][heartbeat]") {
  // OCPP 1.6 sections 4.6 and 9.1.10.
  test::Harness h;
  std::vector<std::string> changed;
  h.hooks.configuration_changed = [&](const std::string& k, const std::string& v) {
    changed.push_back(k + "=" + v);
  };
  h.start();
  h.connect();  // interval 300 from BootNotification.conf
  h.advance(100s);
  CHECK(change(h, "hb", "HeartbeatInterval", "50") == "Accepted");
  h.advance(49s);
  CHECK(h.calls_of("Heartbeat").empty());
  h.advance(1s);
  auto hbs = h.calls_of("Heartbeat");
  REQUIRE(hbs.size() == 1);
  CHECK(h.seconds(hbs[0].at) == 150);
  h.advance(100s);
  hbs = h.calls_of("Heartbeat");
  REQUIRE(hbs.size() == 3);
  CHECK(h.seconds(hbs[2].at) == 250);
  CHECK(change(h, "hb0", "HeartbeatInterval", "0") == "Accepted");  // 0: no heartbeats
  h.advance(1000s);
  CHECK(h.calls_of("Heartbeat").size() == 3);
  CHECK(changed == std::vector<std::string>{"HeartbeatInterval=50", "HeartbeatInterval=0"});
}

TEST_CASE("config: changing MeterValueSampleInterval reschedules the samples of a transaction",
          "[v16][engine][config][meter]") {
  // OCPP 1.6 section 9.1.19.
  test::Harness h(nullptr, 1, {{"MeterValueSampleInterval", "600"}});
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  h.advance(100s);
  CHECK(change(h, "mv", "MeterValueSampleInterval", "30") == "Accepted");
  h.advance(60s);
  auto mvs = h.calls_of("MeterValues");
  REQUIRE(mvs.size() == 2);
  CHECK(h.seconds(mvs[0].at) == 130);
  CHECK(h.seconds(mvs[1].at) == 160);
}

TEST_CASE("config: a typed key view follows load() and set(); listeners hear every change",
          "[v16][config]") {
  auto store = ocpp::make_memory_store();
  REQUIRE(!store->kv_set("cfg.HeartbeatInterval", "120"));
  ocpp::v16::Configuration config(*store, 1);
  auto hb = config.int_key("HeartbeatInterval");  // taken before load: still current after it
  REQUIRE(!config.load({{"MeterValueSampleInterval", "15"}}));
  CHECK(hb.get() == 120);
  auto mv = config.int_key("MeterValueSampleInterval");
  CHECK(mv.get() == 15);
  std::vector<std::string> heard;
  config.on_change([&](std::string_view k) { heard.emplace_back(k); });
  CHECK(config.set("HeartbeatInterval", "0030", true) == ocpp::v16::ChangeResult::Accepted);
  CHECK(hb.get() == 30);
  CHECK(config.get("HeartbeatInterval") == std::optional<std::string>("30"));
  CHECK(config.set("HeartbeatInterval", "x", true) == ocpp::v16::ChangeResult::Rejected);
  CHECK(hb.get() == 30);
  CHECK(heard == std::vector<std::string>{"HeartbeatInterval"});
}
