// ChangeAvailability for an EVSE or connector (OCPP 2.0.1 part 2 G03) and for the whole
// station (G04), with the connector status the CSMS is told (G01).
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using test::v201::result_status;
using namespace std::chrono_literals;

namespace {

// (evseId, connectorId, connectorStatus) of the StatusNotificationRequests sent from index `from`.
std::vector<std::tuple<int, int, std::string>> statuses(const Harness& h, std::size_t from = 0) {
  std::vector<std::tuple<int, int, std::string>> out;
  for (std::size_t i = from; i < h.calls.size(); ++i) {
    if (h.calls[i].action != "StatusNotification") continue;
    rapidjson::Document p;
    p.Parse(h.calls[i].payload.c_str());
    out.emplace_back(p["evseId"].GetInt(), p["connectorId"].GetInt(),
                     p["connectorStatus"].GetString());
  }
  return out;
}

using Notified = std::vector<std::tuple<int, int, std::string>>;

}  // namespace

TEST_CASE("v201 G03.FR.02 G03.FR.04 G03.FR.06 G03.FR.07: an EVSE Inoperative and Operative again",
          "[v201][availability]") {
  Harness h({1, 3});
  std::vector<std::tuple<int, int, ConnectorStatusEnumType>> hooked;
  h.hooks.status = [&](int e, int c, ConnectorStatusEnumType s) { hooked.emplace_back(e, c, s); };
  h.start();
  h.connect();
  REQUIRE(h.engine().set_connector_status(2, 1, ConnectorStatusEnumType::Occupied, h.now()) ==
          std::error_code{});
  REQUIRE(h.engine().set_connector_status(2, 3, ConnectorStatusEnumType::Faulted, h.now()) ==
          std::error_code{});
  h.pump();
  auto from = h.calls.size();
  CHECK(result_status(h.csms_call("a1", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative","evse":{"id":2}})")) ==
        "Accepted");
  // The Faulted connector stays Faulted; EVSE 1 is untouched.
  CHECK(statuses(h, from) == Notified{{2, 1, "Unavailable"}, {2, 2, "Unavailable"}});
  CHECK(*h.engine().connector_status(2, 1) == ConnectorStatusEnumType::Unavailable);
  CHECK(*h.engine().connector_status(1, 1) == ConnectorStatusEnumType::Available);
  // The firmware's changes while Inoperative are kept, not reported.
  from = h.calls.size();
  REQUIRE(h.engine().set_connector_status(2, 1, ConnectorStatusEnumType::Available, h.now()) ==
          std::error_code{});
  h.pump();
  CHECK(statuses(h, from).empty());
  // Operative again: the original statuses.
  CHECK(result_status(h.csms_call("a2", "ChangeAvailability",
                                  R"({"operationalStatus":"Operative","evse":{"id":2}})")) ==
        "Accepted");
  CHECK(statuses(h, from) == Notified{{2, 1, "Available"}, {2, 2, "Available"}});
  REQUIRE(hooked.size() == 6);
  CHECK(hooked[2] == std::make_tuple(2, 1, ConnectorStatusEnumType::Unavailable));
}

TEST_CASE("v201 G03.FR.03 G04.FR.04: the state it is already in is Accepted, nothing is sent",
          "[v201][availability]") {
  Harness h({2});
  h.start();
  h.connect();
  const auto from = h.calls.size();
  CHECK(result_status(h.csms_call("a1", "ChangeAvailability",
                                  R"({"operationalStatus":"Operative"})")) == "Accepted");
  CHECK(result_status(h.csms_call(
            "a2", "ChangeAvailability",
            R"({"operationalStatus":"Operative","evse":{"id":1,"connectorId":2}})")) == "Accepted");
  CHECK(h.calls.size() == from);
}

TEST_CASE("v201 G03: one connector Inoperative", "[v201][availability]") {
  Harness h({2});
  h.start();
  h.connect();
  const auto from = h.calls.size();
  CHECK(result_status(h.csms_call(
            "a1", "ChangeAvailability",
            R"({"operationalStatus":"Inoperative","evse":{"id":1,"connectorId":2}})")) ==
        "Accepted");
  CHECK(statuses(h, from) == Notified{{1, 2, "Unavailable"}});
}

TEST_CASE("v201 G04.FR.01 G04.FR.05 G04.FR.07 G04.FR.08: the whole station",
          "[v201][availability]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  auto from = h.calls.size();
  CHECK(result_status(h.csms_call("a1", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative"})")) == "Accepted");
  CHECK(statuses(h, from) == Notified{{1, 1, "Unavailable"}, {2, 1, "Unavailable"}});
  from = h.calls.size();
  // An EVSE set Inoperative on its own stays so when the station is Operative again.
  CHECK(result_status(h.csms_call("a2", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative","evse":{"id":2}})")) ==
        "Accepted");
  CHECK(h.calls.size() == from);
  CHECK(result_status(h.csms_call("a3", "ChangeAvailability",
                                  R"({"operationalStatus":"Operative"})")) == "Accepted");
  CHECK(statuses(h, from) == Notified{{1, 1, "Available"}});
}

TEST_CASE("v201 G03.FR.08 G04.FR.09 B01.FR.07: the availability set survives a reboot",
          "[v201][availability]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("a1", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative","evse":{"id":2}})")) ==
        "Accepted");
  h.disconnect();
  h.start();  // a new engine on the same store
  CHECK(*h.engine().connector_status(2, 1) == ConnectorStatusEnumType::Unavailable);
  auto from = h.calls.size();
  h.connect();
  CHECK(statuses(h, from) == Notified{{1, 1, "Available"}, {2, 1, "Unavailable"}});
  CHECK(result_status(h.csms_call("a2", "ChangeAvailability",
                                  R"({"operationalStatus":"Operative","evse":{"id":2}})")) ==
        "Accepted");
  h.disconnect();
  h.start();
  CHECK(*h.engine().connector_status(2, 1) == ConnectorStatusEnumType::Available);
}

TEST_CASE("v201 G03.FR.02: an EVSE or connector that does not exist is Rejected",
          "[v201][availability]") {
  Harness h({1});
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("a1", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative","evse":{"id":2}})")) ==
        "Rejected");
  CHECK(result_status(h.csms_call(
            "a2", "ChangeAvailability",
            R"({"operationalStatus":"Inoperative","evse":{"id":1,"connectorId":2}})")) ==
        "Rejected");
  CHECK(*h.engine().connector_status(1, 1) == ConnectorStatusEnumType::Available);
}

TEST_CASE(
    "v201 B02.FR.01 G03: ChangeAvailability while Pending is answered, reported after Accepted",
    "[v201][availability][pending]") {
  Harness h({1});
  h.boot_answer("Pending", 60);
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("a1", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative"})")) == "Accepted");
  CHECK(h.calls.size() == 1);
  h.boot_answer("Accepted", 300);
  h.advance(60s);
  CHECK(statuses(h) == Notified{{1, 1, "Unavailable"}});
}
