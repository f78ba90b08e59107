// OCPP 2.0.1 N09 Get Customer Information and N10 Clear Customer Information: the answer to
// CustomerInformationRequest, the NotifyCustomerInformationRequests (parts of 512 characters,
// seqNo, tbc), what the library holds about an idToken (Local Authorization List, Authorization
// Cache) and what the firmware adds through its hook.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "v201/auth_helpers.hpp"
#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using test::v201::iso_token;
using test::v201::local_list;
using test::v201::result_status;
using namespace std::chrono_literals;

namespace {

struct Part {
  std::string data;
  int seq_no = 0;
  bool tbc = false;
  int request_id = 0;
};

std::vector<Part> parts(const Harness& h) {
  std::vector<Part> out;
  for (const auto& c : h.calls_of("NotifyCustomerInformation")) {
    rapidjson::Document p;
    p.Parse(c.payload.c_str());
    out.push_back({p["data"].GetString(), p["seqNo"].GetInt(),
                   p.HasMember("tbc") && p["tbc"].GetBool(), p["requestId"].GetInt()});
  }
  return out;
}

std::string request(int id, bool report, bool clear, const std::string& who) {
  return R"({"requestId":)" + std::to_string(id) + R"(,"report":)" + (report ? "true" : "false") +
         R"(,"clear":)" + (clear ? "true" : "false") + (who.empty() ? "" : "," + who) + "}";
}

const std::string kTag1 = R"("idToken":{"idToken":"TAG1","type":"ISO14443"})";

// TAG1 Accepted by the CSMS, so in the Authorization Cache.
void cache_tag1(Harness& h) {
  REQUIRE(h.engine().present_id_token(1, iso_token("TAG1"), h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.calls_of("Authorize").size() == 1);
}

}  // namespace

TEST_CASE("v201 N09.FR.09: none or more than one customer reference is Invalid",
          "[v201][customer_information]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("c1", "CustomerInformation", request(1, true, false, ""))) ==
        "Invalid");
  CHECK(result_status(h.csms_call(
            "c2", "CustomerInformation",
            request(2, true, false, kTag1 + R"(,"customerIdentifier":"cust-1")"))) == "Invalid");
  CHECK(h.calls_of("NotifyCustomerInformation").empty());
}

TEST_CASE("v201 N09.FR.07 N10.FR.07: neither report nor clear is Rejected",
          "[v201][customer_information]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("c1", "CustomerInformation", request(1, false, false, kTag1))) ==
        "Rejected");
  CHECK(h.calls_of("NotifyCustomerInformation").empty());
}

TEST_CASE("v201 N09.FR.02 N09.FR.05: the idToken's cache and list entries are reported",
          "[v201][customer_information]") {
  Harness h;
  h.start();
  h.connect();
  cache_tag1(h);
  REQUIRE(result_status(h.csms_call("l1", "SendLocalList",
                                    local_list(1, "Full", {{"TAG1", "Blocked"}}))) == "Accepted");
  CHECK(result_status(h.csms_call("c1", "CustomerInformation", request(3, true, false, kTag1))) ==
        "Accepted");
  auto p = parts(h);
  REQUIRE(p.size() == 1);
  CHECK(p[0].request_id == 3);
  CHECK(p[0].seq_no == 0);
  CHECK(!p[0].tbc);
  CHECK(p[0].data.find("LocalAuthorizationList") != std::string::npos);
  CHECK(p[0].data.find("Blocked") != std::string::npos);
  CHECK(p[0].data.find("AuthorizationCache") != std::string::npos);
}

TEST_CASE("v201 N09.FR.06: no data about the customer is one notification saying so",
          "[v201][customer_information]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("c1", "CustomerInformation",
                                  request(4, true, false, R"("customerIdentifier":"nobody")"))) ==
        "Accepted");
  auto p = parts(h);
  REQUIRE(p.size() == 1);
  CHECK(p[0].data == "No data found");
}

TEST_CASE("v201 N10.FR.03 N10.FR.04: clear and report removes the cache entry, keeps the list's",
          "[v201][customer_information]") {
  Harness h;
  std::vector<CustomerInformationRequest> asked;
  h.hooks.customer_information = [&](const CustomerInformationRequest& r) {
    asked.push_back(r);
    return CustomerData{asked.size() == 1 ? "transactions: 2" : ""};
  };
  h.start();
  h.connect();
  cache_tag1(h);
  h.csms_call("c1", "CustomerInformation", request(5, true, true, kTag1));
  auto p = parts(h);
  REQUIRE(p.size() == 1);
  CHECK(p[0].data.find("AuthorizationCache") != std::string::npos);
  CHECK(p[0].data.find("transactions: 2") != std::string::npos);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].clear);
  // Cleared: a second report finds nothing (N10.FR.04).
  h.csms_call("c2", "CustomerInformation", request(6, true, true, kTag1));
  p = parts(h);
  REQUIRE(p.size() == 2);
  CHECK(p[1].data == "No data found");
  // And the idToken is asked of the CSMS again (not in the cache).
  REQUIRE(h.engine().present_id_token(1, iso_token("TAG1"), h.now()) == std::error_code{});
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 2);
}

TEST_CASE("v201 N10.FR.03: the Local Authorization List is not cleared",
          "[v201][customer_information]") {
  Harness h;
  h.start();
  h.connect();
  h.csms_call("l1", "SendLocalList", local_list(1, "Full", {{"TAG1", "Accepted"}}));
  h.csms_call("c1", "CustomerInformation", request(7, true, true, kTag1));
  h.csms_call("c2", "CustomerInformation", request(8, true, false, kTag1));
  auto p = parts(h);
  REQUIRE(p.size() == 2);
  CHECK(p[1].data.find("LocalAuthorizationList") != std::string::npos);
}

TEST_CASE("v201 N10.FR.06: clear without report is one notification that it was cleared",
          "[v201][customer_information]") {
  Harness h;
  h.start();
  h.connect();
  cache_tag1(h);
  CHECK(result_status(h.csms_call("c1", "CustomerInformation", request(9, false, true, kTag1))) ==
        "Accepted");
  auto p = parts(h);
  REQUIRE(p.size() == 1);
  CHECK(p[0].data == "Cleared");
}

TEST_CASE(
    "v201 N09.FR.05: a long report goes in parts of 512 characters with seqNo and tbc, "
    "bounded",
    "[v201][customer_information]") {
  Harness h;
  std::string data;
  h.hooks.customer_information = [&](const CustomerInformationRequest&) {
    return CustomerData{data};
  };
  h.start();
  h.connect();
  data = std::string(1100, 'x');
  h.csms_call("c1", "CustomerInformation", request(10, true, false, R"("customerIdentifier":"c")"));
  auto p = parts(h);
  REQUIRE(p.size() == 3);
  CHECK(p[0].data.size() == 512);
  CHECK(p[2].data.size() == 76);
  CHECK((p[0].seq_no == 0 && p[1].seq_no == 1 && p[2].seq_no == 2));
  CHECK((p[0].tbc && p[1].tbc && !p[2].tbc));
  // Hostile: a firmware answer of 1 MB is cut to 64 KiB (128 parts).
  data = std::string(1 << 20, 'y');
  h.csms_call("c2", "CustomerInformation", request(11, true, false, R"("customerIdentifier":"c")"));
  CHECK(parts(h).size() == 3 + 128);
}
