// Reset without ongoing transactions (OCPP 2.0.1 part 2 B11): the firmware decides through the
// reset_allowed hook and performs the reset in the reset hook, after the answer went out.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::error_code;
using test::v201::Harness;
using test::v201::result_status;

namespace {

struct ResetRecorder {
  ResetStatusEnumType answer = ResetStatusEnumType::Accepted;
  std::vector<std::pair<ResetEnumType, std::optional<std::int32_t>>> asked;
  std::vector<std::pair<ResetEnumType, std::optional<std::int32_t>>> performed;
  std::size_t frames_at_reset = 0;  // frames we had sent when the reset hook ran

  void install(Harness& h) {
    h.hooks.reset_allowed = [this](ResetEnumType t, std::optional<std::int32_t> e) {
      asked.emplace_back(t, e);
      return answer;
    };
    h.hooks.reset = [this, &h](ResetEnumType t, std::optional<std::int32_t> e) {
      performed.emplace_back(t, e);
      frames_at_reset = h.frames.size();
    };
  }
};

}  // namespace

TEST_CASE("v201 B11.FR.01 B11.FR.03: an Accepted reset starts once the ResetResponse is sent",
          "[v201][reset]") {
  Harness h;
  ResetRecorder r;
  r.install(h);
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("r1", "Reset", R"({"type":"Immediate"})")) == "Accepted");
  REQUIRE(r.asked.size() == 1);
  CHECK(r.asked[0].first == ResetEnumType::Immediate);
  CHECK(!r.asked[0].second);
  REQUIRE(r.performed.size() == 1);
  CHECK(r.performed[0].first == ResetEnumType::Immediate);
  // The answer had gone out when the reset began.
  REQUIRE(r.frames_at_reset >= 1);
  CHECK(h.frames[r.frames_at_reset - 1].find("[3,\"r1\"") == 0);
}

TEST_CASE("v201 B11.FR.06 B11.FR.07: Rejected or Scheduled by the firmware, no reset now",
          "[v201][reset]") {
  Harness h;
  ResetRecorder r;
  r.install(h);
  h.start();
  h.connect();
  r.answer = ResetStatusEnumType::Rejected;
  CHECK(result_status(h.csms_call("r1", "Reset", R"({"type":"OnIdle"})")) == "Rejected");
  r.answer = ResetStatusEnumType::Scheduled;
  CHECK(result_status(h.csms_call("r2", "Reset", R"({"type":"OnIdle"})")) == "Scheduled");
  CHECK(r.asked.size() == 2);
  CHECK(r.performed.empty());
}

TEST_CASE(
    "v201 B11.FR.08 B11.FR.09: an EVSE reset is the firmware's to accept; an unknown EVSE is "
    "Rejected",
    "[v201][reset]") {
  Harness h({1, 1});
  ResetRecorder r;
  r.install(h);
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("r1", "Reset", R"({"type":"Immediate","evseId":2})")) ==
        "Accepted");
  REQUIRE(r.performed.size() == 1);
  CHECK(r.performed[0].second == 2);
  r.answer = ResetStatusEnumType::Rejected;  // B11.FR.09: EVSE reset not supported
  CHECK(result_status(h.csms_call("r2", "Reset", R"({"type":"Immediate","evseId":1})")) ==
        "Rejected");
  CHECK(result_status(h.csms_call("r3", "Reset", R"({"type":"Immediate","evseId":3})")) ==
        "Rejected");
  CHECK(r.asked.size() == 2);  // the unknown EVSE was not asked about
  CHECK(r.performed.size() == 1);
}

TEST_CASE(
    "v201 B11.FR.01: without the reset hooks a reset is Rejected; a bad payload is a CALLERROR",
    "[v201][reset]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("r1", "Reset", R"({"type":"Immediate"})")) == "Rejected");
  CHECK(error_code(h.csms_call("r2", "Reset", R"({"type":"Later"})")) ==
        "PropertyConstraintViolation");
}

TEST_CASE("v201 B11: a decision made after the connection closed is not sent and resets nothing",
          "[v201][reset]") {
  Harness h;
  ResetRecorder r;
  r.install(h);
  h.start();
  h.connect();
  h.engine().receive(R"([2,"r1","Reset",{"type":"Immediate"}])",
                     h.now());  // the hook has not run yet
  h.disconnect();
  CHECK(r.asked.size() == 1);
  CHECK(r.performed.empty());
  h.connect();
  CHECK(!h.reply_to("r1"));
  CHECK(r.performed.empty());
}
