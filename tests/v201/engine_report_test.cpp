// GetBaseReport (OCPP 2.0.1 part 2 B07) and GetReport (B08): the answer, then NotifyReport
// messages split by ItemsPerMessage / BytesPerMessage, filters and criteria.
#include <catch2/catch.hpp>
#include <set>

#include "v201/generated/device_model_table.hpp"
#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::error_code;
using test::v201::Harness;
using test::v201::result_status;
using namespace std::chrono_literals;

namespace {

struct Reported {
  std::string component;
  int evse = -1;
  int connector = -1;
  std::string variable;
  std::string instance;
  std::string mutability;
  std::optional<std::string> value;
  std::string data_type;
};

// The NotifyReportRequests sent from index `from`, decoded (the harness has checked each
// against the schema).
std::vector<NotifyReportRequest> reports(const Harness& h, std::size_t from = 0) {
  std::vector<NotifyReportRequest> out;
  for (std::size_t i = from; i < h.calls.size(); ++i) {
    if (h.calls[i].action != "NotifyReport") continue;
    NotifyReportRequest r;
    codec::Error err;
    REQUIRE(codec::from_json(h.calls[i].payload, r, err));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Reported> items(const std::vector<NotifyReportRequest>& rs) {
  std::vector<Reported> out;
  for (const auto& r : rs) {
    if (!r.reportData) continue;
    for (const auto& d : *r.reportData) {
      Reported x;
      x.component = d.component.name;
      if (d.component.evse) {
        x.evse = d.component.evse->id;
        x.connector = d.component.evse->connectorId.value_or(-1);
      }
      x.variable = d.variable.name;
      x.instance = d.variable.instance.value_or("");
      REQUIRE(!d.variableAttribute.empty());
      x.mutability = std::string(to_string(d.variableAttribute[0].mutability.value()));
      x.value = d.variableAttribute[0].value;
      REQUIRE(d.variableCharacteristics);  // B08.FR.12
      x.data_type = std::string(to_string(d.variableCharacteristics->dataType));
      out.push_back(x);
    }
  }
  return out;
}

const Reported* find(const std::vector<Reported>& v, const std::string& component,
                     const std::string& variable, int evse = -1, int connector = -1) {
  for (const auto& x : v)
    if (x.component == component && x.variable == variable && x.evse == evse &&
        x.connector == connector)
      return &x;
  return nullptr;
}

// seqNo 0..n-1 without gaps, the same requestId, tbc on all but the last (B07.FR.04,
// B07.FR.10, B08.FR.14).
void check_sequence(const std::vector<NotifyReportRequest>& rs, int request_id) {
  REQUIRE(!rs.empty());
  for (std::size_t i = 0; i < rs.size(); ++i) {
    CHECK(rs[i].requestId == request_id);
    CHECK(rs[i].seqNo == static_cast<int>(i));
    CHECK(rs[i].tbc.value_or(false) == (i + 1 < rs.size()));
  }
}

void set_limit(Harness& h, const std::string& variable, const std::string& value) {
  ComponentType c;
  c.name = "DeviceDataCtrlr";
  VariableType v;
  v.name = variable;
  v.instance = "GetReport";
  REQUIRE(h.engine().set_variable_actual(c, v, value, h.now()) == std::error_code{});
}

}  // namespace

TEST_CASE("v201 B07.FR.01 B07.FR.03 B07.FR.04 B07.FR.08 B07.FR.10 B07.FR.11: FullInventory",
          "[v201][report]") {
  Harness h({2, 1});
  h.start();
  h.connect();
  const auto from = h.calls.size();
  CHECK(result_status(h.csms_call("r1", "GetBaseReport",
                                  R"({"requestId":7,"reportBase":"FullInventory"})")) ==
        "Accepted");
  // The answer went out before the first NotifyReport.
  const auto rs = reports(h, from);
  check_sequence(rs, 7);
  CHECK(rs.size() >= 2);  // over 50 variables: ItemsPerMessage 50
  for (const auto& r : rs) CHECK((r.reportData && r.reportData->size() <= 50));
  const auto all = items(rs);
  // Required variables of the controllers, every EVSE and connector.
  for (auto [c, v] : {std::pair{"OCPPCommCtrlr", "HeartbeatInterval"},
                      {"OCPPCommCtrlr", "MessageTimeout"},
                      {"DeviceDataCtrlr", "ItemsPerMessage"},
                      {"TxCtrlr", "TxStartPoint"},
                      {"TxCtrlr", "TxStopPoint"},
                      {"AuthCtrlr", "LocalPreAuthorize"},
                      {"SampledDataCtrlr", "TxUpdatedInterval"},
                      {"AlignedDataCtrlr", "Interval"},
                      {"SecurityCtrlr", "SecurityProfile"},
                      {"ChargingStation", "AvailabilityState"}}) {
    INFO(c << "." << v);
    CHECK(find(all, c, v));
  }
  CHECK(find(all, "EVSE", "AvailabilityState", 2));
  CHECK(find(all, "Connector", "AvailabilityState", 1, 2));
  CHECK(find(all, "Connector", "ConnectorType", 2, 1));
  CHECK(!find(all, "Connector", "ConnectorType", 2, 2));
  auto tx = find(all, "TxCtrlr", "TxStartPoint");
  REQUIRE(tx);
  CHECK(tx->value == "PowerPathClosed");
  CHECK(tx->data_type == "MemberList");
  // B07.FR.03 (errata): WriteOnly without value.
  auto pw = find(all, "SecurityCtrlr", "BasicAuthPassword");
  REQUIRE(pw);
  CHECK(pw->mutability == "WriteOnly");
  CHECK(!pw->value);
  // Each reported variable is one of the specification's, with its data type, and where the
  // specification fixes the mutability, that one.
  std::set<std::tuple<std::string, int, int, std::string, std::string>> unique;
  for (const auto& x : all) {
    INFO(x.component << "." << x.variable << "[" << x.instance << "]");
    CHECK(unique.emplace(x.component, x.evse, x.connector, x.variable, x.instance).second);
    if (x.component == "SecurityCtrlr" && x.variable == "AllowSecurityProfileDowngrade") {
      // Added by the errata (2025-01), not in the appendix the table is generated from.
      CHECK(x.data_type == "boolean");
      continue;
    }
    const auto* e = device_model::find(x.component, x.variable, x.instance);
    REQUIRE(e);
    const auto dt = device_model::to_string(e->data_type);
    CHECK((x.data_type == dt ||
           (x.data_type == "string" && (dt == "identifierString" || dt == "passwordString"))));
    const auto m = device_model::to_string(e->mutability);
    if (m == "ReadOnly" || m == "ReadWrite" || m == "WriteOnly") CHECK(x.mutability == m);
  }
}

TEST_CASE("v201 B07.FR.10 B08.FR.14: reports split by ItemsPerMessage and BytesPerMessage",
          "[v201][report]") {
  Harness h({1});
  h.start();
  h.connect();
  set_limit(h, "ItemsPerMessage", "3");
  auto from = h.calls.size();
  CHECK(result_status(h.csms_call("r1", "GetBaseReport",
                                  R"({"requestId":1,"reportBase":"FullInventory"})")) ==
        "Accepted");
  auto rs = reports(h, from);
  check_sequence(rs, 1);
  const auto total = items(rs).size();
  CHECK(rs.size() == (total + 2) / 3);
  for (const auto& r : rs) CHECK(r.reportData->size() <= 3);

  set_limit(h, "ItemsPerMessage", "1000");
  set_limit(h, "BytesPerMessage", "1200");
  const auto frames_from = h.frames.size();
  from = h.calls.size();
  CHECK(result_status(h.csms_call("r2", "GetBaseReport",
                                  R"({"requestId":2,"reportBase":"FullInventory"})")) ==
        "Accepted");
  rs = reports(h, from);
  check_sequence(rs, 2);
  CHECK(items(rs).size() == total);
  CHECK(rs.size() > 3);
  for (std::size_t i = frames_from; i < h.frames.size(); ++i) {
    INFO(h.frames[i]);
    if (h.frames[i].find("\"NotifyReport\"") != std::string::npos)
      CHECK(h.frames[i].size() <= 1200);
  }
}

TEST_CASE("v201 B07.FR.07: ConfigurationInventory reports what the operator can set",
          "[v201][report]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("r1", "GetBaseReport",
                                  R"({"requestId":3,"reportBase":"ConfigurationInventory"})")) ==
        "Accepted");
  const auto all = items(reports(h));
  CHECK(find(all, "OCPPCommCtrlr", "HeartbeatInterval"));
  CHECK(find(all, "SecurityCtrlr", "BasicAuthPassword"));
  CHECK(!find(all, "OCPPCommCtrlr", "MessageTimeout"));
  for (const auto& x : all) CHECK(x.mutability != "ReadOnly");
}

TEST_CASE("v201 B07.FR.09: SummaryInventory reports the availability", "[v201][report]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("a1", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative","evse":{"id":2}})")) ==
        "Accepted");
  CHECK(result_status(h.csms_call("r1", "GetBaseReport",
                                  R"({"requestId":4,"reportBase":"SummaryInventory"})")) ==
        "Accepted");
  const auto all = items(reports(h));
  CHECK(all.size() == 5);  // station, 2 EVSEs, 2 connectors
  for (const auto& x : all) CHECK(x.variable == "AvailabilityState");
  CHECK(find(all, "ChargingStation", "AvailabilityState")->value == "Available");
  CHECK(find(all, "EVSE", "AvailabilityState", 1)->value == "Available");
  CHECK(find(all, "EVSE", "AvailabilityState", 2)->value == "Unavailable");
  CHECK(find(all, "Connector", "AvailabilityState", 2, 1)->value == "Unavailable");
}

TEST_CASE("v201 B07.FR.13 B08.FR.16: a report while another is under way is Rejected",
          "[v201][report]") {
  Harness h;
  h.start();
  h.connect();
  set_limit(h, "ItemsPerMessage", "5");
  h.policy["NotifyReport"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return std::nullopt;  // held: the report stays under way
  };
  CHECK(result_status(h.csms_call("r1", "GetBaseReport",
                                  R"({"requestId":1,"reportBase":"FullInventory"})")) ==
        "Accepted");
  CHECK(h.calls_of("NotifyReport").size() == 1);  // one after another
  CHECK(result_status(h.csms_call("r2", "GetBaseReport",
                                  R"({"requestId":2,"reportBase":"FullInventory"})")) ==
        "Rejected");
  CHECK(result_status(h.csms_call("r3", "GetReport", R"({"requestId":3})")) == "Rejected");
  // The CSMS does not answer: the report ends, the next one is accepted.
  h.policy.erase("NotifyReport");
  h.advance(40s);
  const auto from = h.calls.size();
  CHECK(result_status(h.csms_call(
            "r4", "GetReport",
            R"({"requestId":4,"componentVariable":[{"component":{"name":"TxCtrlr"}}]})")) ==
        "Accepted");
  check_sequence(reports(h, from), 4);
}

TEST_CASE("v201 B08.FR.05 B08.FR.11 B08.FR.20 B08.FR.21 B08.FR.22 B08.FR.23: componentVariable",
          "[v201][report]") {
  Harness h({2, 1});
  h.start();
  h.connect();
  auto ask = [&h](const std::string& id, const std::string& cvs) {
    const auto from = h.calls.size();
    const auto status = result_status(
        h.csms_call(id, "GetReport", R"({"requestId":5,"componentVariable":[)" + cvs + "]}"));
    return std::make_pair(status, items(reports(h, from)));
  };
  auto [s1, one] = ask(
      "r1", R"({"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}})");
  CHECK(s1 == "Accepted");
  REQUIRE(one.size() == 1);
  CHECK(one[0].value == "300");
  // B08.FR.21: every instance of ItemsPerMessage.
  auto [s2, inst] = ask(
      "r2", R"({"component":{"name":"DeviceDataCtrlr"},"variable":{"name":"ItemsPerMessage"}})");
  CHECK(inst.size() == 3);
  // B08.FR.20, B08.FR.22: every variable of every connector of EVSE 1.
  auto [s3, conns] = ask("r3", R"({"component":{"name":"Connector","evse":{"id":1}}})");
  CHECK(conns.size() == 8);
  for (const auto& x : conns) CHECK(x.evse == 1);
  // B08.FR.23: without evse, every EVSE.
  auto [s4, evses] = ask("r4", R"({"component":{"name":"EVSE"},"variable":{"name":"Power"}})");
  CHECK(evses.size() == 2);
  // Two elements: the union.
  auto [s5, two] = ask(
      "r5",
      R"({"component":{"name":"EVSE"},"variable":{"name":"Power"}},{"component":{"name":"TxCtrlr"},"variable":{"name":"TxStopPoint"}})");
  CHECK(two.size() == 3);
  // B08.FR.15: nothing matches.
  auto [s6, none] = ask("r6", R"({"component":{"name":"NoSuchCtrlr"}})");
  CHECK(s6 == "EmptyResultSet");
  CHECK(none.empty());
}

TEST_CASE("v201 B08.FR.05 B08.FR.09 B08.FR.10 B08.FR.13 B08.FR.15: componentCriteria",
          "[v201][report]") {
  Harness h;
  h.start();
  h.connect();
  auto ask = [&h](const std::string& id, const std::string& body) {
    const auto from = h.calls.size();
    const auto status = result_status(h.csms_call(id, "GetReport", body));
    return std::make_pair(status, items(reports(h, from)));
  };
  // B08.FR.10: no component has Problem set.
  auto [s1, p] = ask("r1", R"({"requestId":1,"componentCriteria":["Problem"]})");
  CHECK(s1 == "EmptyResultSet");
  CHECK(p.empty());
  auto reply = h.csms_call(
      "s1", "SetVariables",
      R"({"setVariableData":[{"component":{"name":"AlignedDataCtrlr"},"variable":{"name":"Enabled"},"attributeValue":"false"}]})");
  REQUIRE(reply->find("Accepted") != std::string::npos);
  // B08.FR.09: Enabled true, or no Enabled variable.
  auto [s2, en] = ask("r2", R"({"requestId":2,"componentCriteria":["Enabled"]})");
  CHECK(s2 == "Accepted");
  CHECK(find(en, "SampledDataCtrlr", "TxUpdatedInterval"));
  CHECK(find(en, "OCPPCommCtrlr", "HeartbeatInterval"));  // no Enabled variable
  CHECK(!find(en, "AlignedDataCtrlr", "Interval"));
  // B08.FR.05: criteria and componentVariable both limit the report.
  auto [s3, both] = ask(
      "r3",
      R"({"requestId":3,"componentCriteria":["Enabled"],"componentVariable":[{"component":{"name":"AlignedDataCtrlr"}}]})");
  CHECK(s3 == "EmptyResultSet");
  // B08.FR.13: at least one of the criteria.
  auto [s4, any] = ask(
      "r4",
      R"({"requestId":4,"componentCriteria":["Problem","Available"],"componentVariable":[{"component":{"name":"AlignedDataCtrlr"}}]})");
  CHECK(s4 == "Accepted");
  CHECK(find(any, "AlignedDataCtrlr", "Interval"));
}

TEST_CASE("v201 B08.FR.17 B08.FR.18: hostile GetReport requests", "[v201][report]") {
  Harness h;
  h.start();
  h.connect();
  std::string cvs;
  for (int i = 0; i < 51; ++i)
    cvs += std::string(i ? "," : "") + R"({"component":{"name":"TxCtrlr"}})";
  CHECK(error_code(h.csms_call("r1", "GetReport",
                               R"({"requestId":1,"componentVariable":[)" + cvs + "]}")) ==
        "OccurrenceConstraintViolation");
  set_limit(h, "BytesPerMessage", "100");
  CHECK(error_code(h.csms_call(
            "r2", "GetReport",
            R"({"requestId":2,"componentVariable":[)" + cvs.substr(0, 200) + "]}")) != "");
  CHECK(
      error_code(h.csms_call(
          "r3", "GetReport",
          R"({"requestId":3,"componentVariable":[{"component":{"name":"TxCtrlr"}},{"component":{"name":"TxCtrlr"}},{"component":{"name":"TxCtrlr"}}]})")) ==
      "FormatViolation");
  CHECK(error_code(h.csms_call("r4", "GetReport",
                               R"({"requestId":4,"componentCriteria":["Broken"]})")) != "");
  CHECK(error_code(h.csms_call("r5", "GetBaseReport",
                               R"({"requestId":5,"reportBase":"Everything"})")) != "");
  CHECK(h.calls_of("NotifyReport").empty());
}

TEST_CASE("v201 B02.FR.02 B07.FR.13: no report before Accepted", "[v201][report]") {
  Harness h;
  h.boot_answer("Pending", 60);
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("r1", "GetBaseReport",
                                  R"({"requestId":1,"reportBase":"FullInventory"})")) ==
        "Rejected");
  CHECK(h.calls_of("NotifyReport").empty());
}
