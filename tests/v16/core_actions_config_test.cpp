// Vendor-specific configuration keys (OCPP 1.6 section 9: "the Charge Point MAY have vendor
// specific keys"; sections 5.3 ChangeConfiguration and 5.8 GetConfiguration apply to them).
#include <catch2/catch.hpp>

#include "v16/configuration.hpp"
#include "v16/harness.hpp"

using ocpp::v16::ConfigurationKeyAccess;
using ocpp::v16::ConfigurationKeyType;

namespace {

using test::status_of;

// key -> "value|readonly" from a GetConfiguration.conf, and the unknownKey list.
struct Got {
  std::map<std::string, std::string> keys;
  std::vector<std::string> unknown;
};

Got get_configuration(test::Harness& h, const std::string& id, const std::string& payload) {
  auto reply = h.csms_call(id, "GetConfiguration", payload);
  REQUIRE(reply.has_value());
  rapidjson::Document d;
  d.Parse(reply->c_str());
  REQUIRE(d[0].GetInt() == 3);
  Got g;
  if (d[2].HasMember("configurationKey"))
    for (const auto& k : d[2]["configurationKey"].GetArray())
      g.keys[k["key"].GetString()] = std::string(k.HasMember("value") ? k["value"].GetString() : "<none>") + "|" +
                                     (k["readonly"].GetBool() ? "ro" : "rw");
  if (d[2].HasMember("unknownKey"))
    for (const auto& k : d[2]["unknownKey"].GetArray()) g.unknown.push_back(k.GetString());
  return g;
}

bool even(std::string_view v) { return !v.empty() && (v.back() - '0') % 2 == 0; }

}  // namespace

TEST_CASE("core_actions: a vendor key is reported, changed with its validator and persisted (9, 5.3, 5.8)",
          "[v16][core_actions][config]") {
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  std::vector<std::string> changed;
  h.hooks.configuration_changed = [&](const std::string& k, const std::string& v) { changed.push_back(k + "=" + v); };
  auto& e = h.start();
  REQUIRE(!e.add_configuration_key("VendorFanSpeed", ConfigurationKeyType::Integer, ConfigurationKeyAccess::ReadWrite,
                                   "40", even));
  h.connect();
  CHECK(get_configuration(h, "g1", R"({"key":["VendorFanSpeed"]})").keys ==
        std::map<std::string, std::string>{{"VendorFanSpeed", "40|rw"}});
  // In the full list too, after the specification's keys.
  auto all = get_configuration(h, "g2", "{}");
  CHECK(all.keys.at("VendorFanSpeed") == "40|rw");
  CHECK(all.keys.count("HeartbeatInterval") == 1);

  CHECK(status_of(h.csms_call("c1", "ChangeConfiguration", R"({"key":"VendorFanSpeed","value":"62"})")) == "Accepted");
  CHECK(status_of(h.csms_call("c2", "ChangeConfiguration", R"({"key":"VendorFanSpeed","value":"63"})")) == "Rejected");
  CHECK(status_of(h.csms_call("c3", "ChangeConfiguration", R"({"key":"VendorFanSpeed","value":"fast"})")) == "Rejected");
  CHECK(status_of(h.csms_call("c4", "ChangeConfiguration", R"({"key":"VendorFanSped","value":"2"})")) == "NotSupported");
  CHECK(e.get_configuration("VendorFanSpeed").value() == "62");
  CHECK(changed == std::vector<std::string>{"VendorFanSpeed=62"});
  CHECK(e.set_configuration("VendorFanSpeed", "9") == ocpp::make_error_code(ocpp::Errc::invalid_argument));
  REQUIRE(!e.set_configuration("VendorFanSpeed", "64"));

  // After a power cut the firmware adds its keys again; the stored value wins over the default.
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  auto& e2 = h.engine();
  CHECK(!e2.get_configuration("VendorFanSpeed").ok());  // unknown until the firmware adds it
  REQUIRE(!e2.add_configuration_key("VendorFanSpeed", ConfigurationKeyType::Integer,
                                    ConfigurationKeyAccess::ReadWrite, "40", even));
  CHECK(e2.get_configuration("VendorFanSpeed").value() == "64");
}

TEST_CASE("core_actions: vendor keys: read-only, write-only, boolean, string and reboot-required", "[v16][core_actions][config]") {
  test::Harness h;
  auto& e = h.start();
  REQUIRE(!e.add_configuration_key("VendorSerialPort", ConfigurationKeyType::String, ConfigurationKeyAccess::ReadOnly,
                                   "/dev/ttyS0"));
  REQUIRE(!e.add_configuration_key("VendorSecret", ConfigurationKeyType::String, ConfigurationKeyAccess::WriteOnly, ""));
  REQUIRE(!e.add_configuration_key("VendorLedEnabled", ConfigurationKeyType::Boolean,
                                   ConfigurationKeyAccess::ReadWrite, "true"));
  REQUIRE(!e.add_configuration_key("VendorModemApn", ConfigurationKeyType::String, ConfigurationKeyAccess::ReadWrite,
                                   "internet", {}, /*reboot_required=*/true));
  h.connect();
  auto g = get_configuration(h, "g1", R"({"key":["VendorSerialPort","VendorSecret","VendorLedEnabled","VendorModemApn"]})");
  CHECK(g.keys == std::map<std::string, std::string>{{"VendorSerialPort", "/dev/ttyS0|ro"},
                                                     {"VendorLedEnabled", "true|rw"},
                                                     {"VendorModemApn", "internet|rw"}});
  CHECK(g.unknown == std::vector<std::string>{"VendorSecret"});  // never revealed
  CHECK(get_configuration(h, "g2", "{}").keys.count("VendorSecret") == 0);

  CHECK(status_of(h.csms_call("c1", "ChangeConfiguration", R"({"key":"VendorSerialPort","value":"/dev/ttyS1"})")) ==
        "Rejected");
  CHECK(status_of(h.csms_call("c2", "ChangeConfiguration", R"({"key":"VendorSecret","value":"s3cr3t"})")) == "Accepted");
  CHECK(e.get_configuration("VendorSecret").value() == "s3cr3t");  // the firmware may read it
  CHECK(status_of(h.csms_call("c3", "ChangeConfiguration", R"({"key":"VendorLedEnabled","value":"yes"})")) == "Rejected");
  CHECK(status_of(h.csms_call("c4", "ChangeConfiguration", R"({"key":"VendorLedEnabled","value":"false"})")) == "Accepted");
  // Section 5.3: RebootRequired when the change applies after a reboot; the value is stored.
  CHECK(status_of(h.csms_call("c5", "ChangeConfiguration", R"({"key":"VendorModemApn","value":"m2m"})")) ==
        "RebootRequired");
  CHECK(e.get_configuration("VendorModemApn").value() == "m2m");
  // The firmware changes read-only keys itself.
  REQUIRE(!e.set_configuration("VendorSerialPort", "/dev/ttyS2"));
  CHECK(e.get_configuration("VendorSerialPort").value() == "/dev/ttyS2");
}

TEST_CASE("core_actions: add_configuration_key refuses misuse", "[v16][core_actions][config]") {
  test::Harness h;
  auto& e = h.start();
  const auto bad = ocpp::make_error_code(ocpp::Errc::invalid_argument);
  CHECK(e.add_configuration_key("", ConfigurationKeyType::String, ConfigurationKeyAccess::ReadWrite, "") == bad);
  CHECK(e.add_configuration_key(std::string(51, 'K'), ConfigurationKeyType::String, ConfigurationKeyAccess::ReadWrite,
                                "") == bad);
  // A key of the specification cannot be redefined.
  CHECK(e.add_configuration_key("HeartbeatInterval", ConfigurationKeyType::Integer, ConfigurationKeyAccess::ReadWrite,
                                "5") == bad);
  CHECK(e.get_configuration("HeartbeatInterval").value() == "0");
  // A default its own type or validator refuses.
  CHECK(e.add_configuration_key("VendorA", ConfigurationKeyType::Integer, ConfigurationKeyAccess::ReadWrite, "x") == bad);
  CHECK(e.add_configuration_key("VendorB", ConfigurationKeyType::Boolean, ConfigurationKeyAccess::ReadWrite, "1") == bad);
  CHECK(e.add_configuration_key("VendorC", ConfigurationKeyType::Integer, ConfigurationKeyAccess::ReadWrite, "3", even) ==
        bad);
  CHECK(e.add_configuration_key("VendorD", ConfigurationKeyType::Integer, ConfigurationKeyAccess::ReadWrite,
                                "2147483648") == bad);
  CHECK(!e.get_configuration("VendorA").ok());
  CHECK(!e.get_configuration("VendorC").ok());
  // Twice the same key.
  REQUIRE(!e.add_configuration_key("VendorE", ConfigurationKeyType::Integer, ConfigurationKeyAccess::ReadWrite, "-5"));
  CHECK(e.add_configuration_key("VendorE", ConfigurationKeyType::Integer, ConfigurationKeyAccess::ReadWrite, "1") == bad);
  CHECK(e.get_configuration("VendorE").value() == "-5");
}

TEST_CASE("core_actions: a stored value the validator no longer accepts falls back to the default",
          "[v16][core_actions][config]") {
  auto store = ocpp::make_memory_store();
  REQUIRE(!store->kv_set("cfg.VendorMode", "turbo"));
  REQUIRE(!store->kv_set("cfg.VendorModeX", "eco"));  // another key sharing the prefix
  test::Harness h(store.get());
  auto& e = h.start();
  auto allowed = [](std::string_view v) { return v == "eco" || v == "normal"; };
  REQUIRE(!e.add_configuration_key("VendorMode", ConfigurationKeyType::String, ConfigurationKeyAccess::ReadWrite,
                                   "normal", allowed));
  CHECK(e.get_configuration("VendorMode").value() == "normal");
}

TEST_CASE("core_actions: the key registry is sorted, unique and documented per profile", "[v16][core_actions][config]") {
  // The table in docs/configuration-keys.md is generated from it (tools/gen_config_doc).
  const auto& reg = ocpp::v16::key_registry();
  REQUIRE(!reg.empty());
  for (std::size_t i = 1; i < reg.size(); ++i) CHECK(reg[i - 1].name < reg[i].name);
  for (const auto& k : reg) {
    INFO(std::string(k.name));
    CHECK(ocpp::v16::profile_of_section(k.section) != "Vendor");
    CHECK(ocpp::v16::Configuration::valid(k, k.default_value));
  }
  CHECK(ocpp::v16::profile_of_section("9.1.33") == "Core");
  CHECK(ocpp::v16::profile_of_section("9.4.1") == "SmartCharging");
}
