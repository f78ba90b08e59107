// RemoteTrigger profile: TriggerMessage (OCPP 1.6 section 5.17, errata 3.35 / 3.46).
#include <catch2/catch.hpp>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::ReadingContext;
using ocpp::v16::SampledValue;

namespace {

using test::parse;
using test::start_transaction;
using test::str;

/// The status of our CALLRESULT to the CSMS's call `id` ("" when it is not a CALLRESULT).
std::string reply_status(const test::Harness& h, const std::string& id) {
  auto r = h.reply_to(id);
  if (!r) return "<no reply>";
  auto d = parse(*r);
  if (d[0].GetInt() != 3) return "<CALLERROR " + str(d[2]) + ">";
  return str(d[2]["status"]);
}

/// Index in h.frames of our reply to the CSMS's call `id`.
std::size_t reply_index(const test::Harness& h, const std::string& id) {
  for (std::size_t i = 0; i < h.frames.size(); ++i) {
    auto d = parse(h.frames[i]);
    if (d[0].GetInt() != 2 && str(d[1]) == id) return i;
  }
  return SIZE_MAX;
}

/// Index in h.frames of the first CALL of `action` at or after frame `from`.
std::size_t call_frame_index(const test::Harness& h, const std::string& action, std::size_t from) {
  for (std::size_t i = from; i < h.frames.size(); ++i) {
    auto d = parse(h.frames[i]);
    if (d[0].GetInt() == 2 && str(d[2]) == action) return i;
  }
  return SIZE_MAX;
}

std::string trigger(const std::string& message, std::optional<int> connector) {
  std::string p = R"({"requestedMessage":")" + message + "\"";
  if (connector) p += ",\"connectorId\":" + std::to_string(*connector);
  return p + "}";
}

}  // namespace

TEST_CASE(
    "5.17: every MessageTrigger with and without connectorId: Accepted, reply first, then the "
    "message",
    "[v16][remote_trigger]") {
  struct Case {
    const char* message;
    const char* action;
  };
  const Case cases[] = {
      {"DiagnosticsStatusNotification", "DiagnosticsStatusNotification"},
      {"FirmwareStatusNotification", "FirmwareStatusNotification"},
      {"Heartbeat", "Heartbeat"},
      {"MeterValues", "MeterValues"},
      {"StatusNotification", "StatusNotification"},
  };
  for (const auto& k : cases) {
    for (std::optional<int> connector : {std::optional<int>{}, std::optional<int>{1}}) {
      DYNAMIC_SECTION(k.message << (connector ? " connectorId 1" : " no connectorId")) {
        test::Harness h;
        h.start();
        h.connect();
        const std::size_t before = h.frames.size();
        const std::size_t calls_before = h.calls_of(k.action).size();
        auto r = h.csms_call("T1", "TriggerMessage", trigger(k.message, connector));
        REQUIRE(r.has_value());
        CHECK(reply_status(h, "T1") == "Accepted");
        const std::size_t ri = reply_index(h, "T1");
        const std::size_t ci = call_frame_index(h, k.action, before);
        REQUIRE(ri != SIZE_MAX);
        REQUIRE(ci != SIZE_MAX);
        CHECK(ri < ci);  // "SHALL first send the TriggerMessage response"
        // StatusNotification without connectorId: the charge point (0) and connector 1.
        const bool all = std::string(k.action) == "StatusNotification" && !connector;
        CHECK(h.calls_of(k.action).size() == calls_before + (all ? 2 : 1));
        auto msg = h.calls_of(k.action).back().json();
        if (std::string(k.action) == "StatusNotification") CHECK(msg["connectorId"].GetInt() == 1);
        if (std::string(k.action) == "MeterValues") {
          CHECK(msg["connectorId"].GetInt() == 1);
          CHECK(!msg.HasMember("transactionId"));  // no transaction running
          CHECK(str(msg["meterValue"][0]["sampledValue"][0]["context"]) == "Trigger");
        }
        if (std::string(k.action) == "DiagnosticsStatusNotification" ||
            std::string(k.action) == "FirmwareStatusNotification")
          CHECK(str(msg["status"]) == "Idle");  // sections 4.4 / 4.5: Idle only on a trigger
      }
    }
  }
}

TEST_CASE(
    "5.17: a connectorId that does not exist is Rejected for every MessageTrigger and nothing is "
    "sent",
    "[v16][remote_trigger]") {
  for (const char* m :
       {"BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification",
        "Heartbeat", "MeterValues", "StatusNotification"}) {
    DYNAMIC_SECTION(m) {
      test::Harness h(nullptr, 2);
      h.start();
      h.connect();
      const std::size_t calls = h.calls.size();
      h.csms_call("T1", "TriggerMessage", trigger(m, 3));  // N + 1
      CHECK(reply_status(h, "T1") == "Rejected");
      h.advance(1s);
      CHECK(h.calls.size() == calls);
    }
  }
}

TEST_CASE(
    "5.17: StatusNotification without connectorId reports the charge point and every connector, "
    "unchanged or not",
    "[v16][remote_trigger]") {
  test::Harness h(nullptr, 2);
  h.start();
  h.connect();
  REQUIRE(!h.engine().plug_in(2, h.now()));
  h.pump();
  const std::size_t n = h.calls_of("StatusNotification").size();
  h.csms_call("T1", "TriggerMessage", trigger("StatusNotification", std::nullopt));
  CHECK(reply_status(h, "T1") == "Accepted");
  auto sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == n + 3);
  CHECK(sn[n].json()["connectorId"].GetInt() == 0);
  CHECK(str(sn[n].json()["status"]) == "Available");
  CHECK(sn[n + 1].json()["connectorId"].GetInt() == 1);
  CHECK(str(sn[n + 1].json()["status"]) == "Available");
  CHECK(sn[n + 2].json()["connectorId"].GetInt() == 2);
  CHECK(str(sn[n + 2].json()["status"]) == "Preparing");

  h.csms_call("T2", "TriggerMessage", trigger("StatusNotification", 0));
  CHECK(reply_status(h, "T2") == "Accepted");
  sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == n + 4);
  CHECK(sn.back().json()["connectorId"].GetInt() == 0);
}

TEST_CASE(
    "5.17 / errata 3.46: triggered MeterValues carry MeterValuesSampledData, context Trigger, and "
    "the transactionId during a transaction",
    "[v16][remote_trigger]") {
  test::Harness h(
      nullptr, 2,
      {{"MeterValuesSampledData", "Energy.Active.Import.Register,Power.Active.Import"}});
  std::vector<std::pair<int, ReadingContext>> asked;
  h.hooks.sample_meter = [&](int cid, ReadingContext ctx) {
    asked.emplace_back(cid, ctx);
    std::vector<SampledValue> v(3);
    v[0].value = std::to_string(1000 * cid + 1);
    v[0].measurand = ocpp::v16::Measurand::Energy_Active_Import_Register;
    v[0].unit = ocpp::v16::UnitOfMeasure::Wh;
    v[1].value = "7400";
    v[1].measurand = ocpp::v16::Measurand::Power_Active_Import;
    v[1].unit = ocpp::v16::UnitOfMeasure::W;
    v[2].value = "231";
    v[2].measurand = ocpp::v16::Measurand::Voltage;  // not configured: left out
    return v;
  };
  h.start();
  h.connect();
  start_transaction(h, 1);
  const std::size_t before = h.calls_of("MeterValues").size();
  h.csms_call("T1", "TriggerMessage", trigger("MeterValues", std::nullopt));
  CHECK(reply_status(h, "T1") == "Accepted");
  // Connector 0 (main meter) is asked too because the firmware has a hook.
  CHECK(asked == std::vector<std::pair<int, ReadingContext>>{{0, ReadingContext::Trigger},
                                                             {1, ReadingContext::Trigger},
                                                             {2, ReadingContext::Trigger}});
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == before + 3);
  std::map<int, rapidjson::Document> by_connector;
  for (std::size_t i = before; i < mv.size(); ++i) {
    auto d = mv[i].json();
    const int cid = d["connectorId"].GetInt();
    by_connector[cid] = std::move(d);
  }
  REQUIRE(by_connector.size() == 3);
  CHECK(by_connector[1]["transactionId"].GetInt() == 1001);
  CHECK(!by_connector[0].HasMember("transactionId"));
  CHECK(!by_connector[2].HasMember("transactionId"));
  for (auto& [cid, d] : by_connector) {
    const auto& sv = d["meterValue"][0]["sampledValue"];
    REQUIRE(sv.Size() == 2);
    CHECK(str(sv[0]["value"]) == std::to_string(1000 * cid + 1));
    CHECK(str(sv[0]["context"]) == "Trigger");
    CHECK(str(sv[1]["measurand"]) == "Power.Active.Import");
  }
}

TEST_CASE(
    "5.17: triggered MeterValues for connector 0 without a meter hook are Rejected (nothing can "
    "read the main meter)",
    "[v16][remote_trigger]") {
  test::Harness h;
  h.start();
  h.connect();
  h.csms_call("T1", "TriggerMessage", trigger("MeterValues", 0));
  CHECK(reply_status(h, "T1") == "Rejected");
  // Without connectorId: only the connectors, from set_meter_energy.
  REQUIRE(!h.engine().set_meter_energy(1, 4242, h.now()));
  h.csms_call("T2", "TriggerMessage", trigger("MeterValues", std::nullopt));
  CHECK(reply_status(h, "T2") == "Accepted");
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 1);
  CHECK(mv[0].json()["connectorId"].GetInt() == 1);
  CHECK(str(mv[0].json()["meterValue"][0]["sampledValue"][0]["value"]) == "4242");
  CHECK(h.engine().queued_transaction_messages() == 0);  // outside a transaction: not durable
}

TEST_CASE("5.17: triggered MeterValues outside a transaction are not queued while offline",
          "[v16][remote_trigger]") {
  test::Harness h;
  h.policy["MeterValues"] = [](const test::SentCall&) -> std::optional<std::string> {
    return std::nullopt;
  };
  h.start();
  h.connect();
  h.csms_call("T1", "TriggerMessage", trigger("MeterValues", 1));
  CHECK(reply_status(h, "T1") == "Accepted");
  REQUIRE(h.calls_of("MeterValues").size() == 1);  // held unanswered
  h.disconnect();
  h.connect();
  h.advance(40s);
  CHECK(h.calls_of("MeterValues").size() == 1);  // a volatile message is not resent
}

TEST_CASE("5.17: a triggered Heartbeat passes the CSMS time to time_sync",
          "[v16][remote_trigger]") {
  test::Harness h;
  int syncs = 0;
  h.hooks.time_sync = [&](ocpp::DateTime) { ++syncs; };
  h.start();
  h.connect();
  const int after_boot = syncs;
  h.csms_call("T1", "TriggerMessage", trigger("Heartbeat", std::nullopt));
  CHECK(reply_status(h, "T1") == "Accepted");
  CHECK(h.calls_of("Heartbeat").size() == 1);
  CHECK(syncs == after_boot + 1);
}

TEST_CASE(
    "5.17 / errata 3.35: BootNotification is Rejected once Accepted, and sent at once while "
    "Pending",
    "[v16][remote_trigger]") {
  SECTION("Accepted") {
    test::Harness h;
    h.start();
    h.connect();
    h.csms_call("T1", "TriggerMessage", trigger("BootNotification", std::nullopt));
    CHECK(reply_status(h, "T1") == "Rejected");
    h.advance(1s);
    CHECK(h.calls_of("BootNotification").size() == 1);
  }
  SECTION("Pending") {
    test::Harness h;
    int boots = 0;
    h.policy["BootNotification"] = [&](const test::SentCall&) -> std::optional<std::string> {
      ++boots;
      const char* st = boots < 2 ? "Pending" : "Accepted";
      return std::string(R"({"status":")") + st +
             R"(","currentTime":"2026-11-21T00:00:00Z","interval":100})";
    };
    h.start();
    h.connect();
    REQUIRE(boots == 1);
    h.advance(5s);
    // Other messages may not be sent while Pending (section 4.2): Rejected.
    h.csms_call("T0", "TriggerMessage", trigger("StatusNotification", std::nullopt));
    CHECK(reply_status(h, "T0") == "Rejected");
    const std::size_t before = h.frames.size();
    h.csms_call("T1", "TriggerMessage",
                trigger("BootNotification", 1));  // connectorId irrelevant: ignored
    CHECK(reply_status(h, "T1") == "Accepted");
    CHECK(boots == 2);  // long before the interval of 100 s
    CHECK(reply_index(h, "T1") < call_frame_index(h, "BootNotification", before));
    CHECK(h.engine().registration() == ocpp::v16::RegistrationStatus::Accepted);
    CHECK(h.calls_of("StatusNotification").size() == 2);
  }
}

TEST_CASE(
    "5.17: a requestedMessage outside the enum is answered by the schema check with a CALLERROR",
    "[v16][remote_trigger]") {
  test::Harness h;
  h.start();
  h.connect();
  h.csms_call("T1", "TriggerMessage", R"({"requestedMessage":"StartTransaction"})");
  CHECK(reply_status(h, "T1") == "<CALLERROR PropertyConstraintViolation>");
  h.csms_call("T2", "TriggerMessage", R"({"connectorId":1})");
  CHECK(reply_status(h, "T2").rfind("<CALLERROR", 0) == 0);
}

TEST_CASE(
    "5.17 / 9.1.20: a triggered StatusNotification reports the present status at once despite "
    "MinimumStatusDuration",
    "[v16][remote_trigger][metering]") {
  test::Harness h(nullptr, 1, {{"MinimumStatusDuration", "30"}});
  h.start();
  h.connect();
  const std::size_t n = h.calls_of("StatusNotification").size();
  REQUIRE(!h.engine().plug_in(1, h.now()));
  h.advance(5s);
  CHECK(h.calls_of("StatusNotification").size() == n);  // held back
  h.csms_call("T1", "TriggerMessage", trigger("StatusNotification", 1));
  auto sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == n + 1);
  CHECK(str(sn.back().json()["status"]) == "Preparing");
  h.advance(60s);
  CHECK(h.calls_of("StatusNotification").size() == n + 1);  // not reported a second time
}

TEST_CASE("5.17: a CSMS that floods TriggerMessage and answers nothing gets Rejected at the bound",
          "[remote_trigger][v16][limits]") {
  // docs/guides/limits.md: at most 1,000 volatile CALLs wait behind the one in flight; a
  // TriggerMessage that would need more room is Rejected ("will not be sent", section 7.45).
  test::Harness h;
  h.start();
  h.connect();
  h.policy["StatusNotification"] = [](const test::SentCall&) -> std::optional<std::string> {
    return std::nullopt;  // held: the CSMS never answers
  };
  int accepted = 0;
  int rejected = 0;
  for (int i = 0; i < 1500; ++i) {
    const std::string id = "flood-" + std::to_string(i);
    h.csms_call(id, "TriggerMessage", trigger("StatusNotification", 1));
    const auto st = reply_status(h, id);
    if (st == "Accepted") ++accepted;
    if (st == "Rejected") ++rejected;
  }
  CHECK(accepted + rejected == 1500);  // every CALL answered
  CHECK(rejected > 0);
  // One in flight and the rest waiting: never more than the bound.
  CHECK(accepted <= 1000 + 1);
  CHECK(accepted >= 990);
  // Once the CSMS answers again, the queue drains and triggers are accepted again.
  h.policy.erase("StatusNotification");
  while (!h.held.empty()) h.answer_held("{}");
  h.pump();
  h.csms_call("after", "TriggerMessage", trigger("StatusNotification", 1));
  CHECK(reply_status(h, "after") == "Accepted");
}
