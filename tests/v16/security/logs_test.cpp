// Security Whitepaper edition 3, N01: GetLog, LogStatusNotification (5.9, 5.10, 5.13, 5.14,
// 6.13-6.15, 6.19).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::Errc;
using ocpp::v16::GetLogRequest;
using ocpp::v16::LogEnumType;
using ocpp::v16::SecurityEventNotificationRequest;
using ocpp::v16::UploadLogStatusEnumType;

namespace {

// The firmware's side of log uploads: what the hooks were asked.
struct LogSide {
  std::vector<GetLogRequest> asked;  // get_log
  std::optional<std::string> file = std::string("diagnostics-7.tar.gz");
  struct Upload {
    GetLogRequest request;
    std::string file;
    std::vector<SecurityEventNotificationRequest> entries;
    std::int64_t at;
  };
  std::vector<Upload> uploads;
  std::vector<std::int32_t> cancelled;

  void attach(test::Harness& h, bool with_get_log = true) {
    if (with_get_log)
      h.hooks.get_log = [this](const GetLogRequest& r) {
        asked.push_back(r);
        return file;
      };
    h.hooks.upload_log = [this, &h](const GetLogRequest& r, const std::string& f,
                                    const std::vector<SecurityEventNotificationRequest>& e) {
      uploads.push_back({r, f, e, h.elapsed()});
    };
    h.hooks.cancel_log_upload = [this](std::int32_t id) { cancelled.push_back(id); };
  }
};

std::string get_log(int request_id, const char* type, const std::string& extra = "") {
  return R"({"logType":")" + std::string(type) + R"(","requestId":)" + std::to_string(request_id) +
         R"(,"log":{"remoteLocation":"ftp://logs.example/up")" + extra + "}}";
}

// The GetLog.conf payload of our reply.
rapidjson::Document conf(const std::optional<std::string>& reply) {
  return test::result_payload(reply);
}

// Status and requestId of every LogStatusNotification sent.
std::vector<std::pair<std::string, int>> notes(const test::Harness& h) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& c : h.calls_of("LogStatusNotification")) {
    auto j = c.json();
    out.emplace_back(j["status"].GetString(),
                     j.HasMember("requestId") ? j["requestId"].GetInt() : -1);
  }
  return out;
}

// A charge point with the log hooks, connected.
struct Fixture {
  test::Harness h;
  LogSide fw;
  explicit Fixture(bool with_get_log = true) {
    fw.attach(h, with_get_log);
    h.start();
    h.connect();
  }
  ocpp::v16::Engine& e() { return h.engine(); }
};

}  // namespace

TEST_CASE(
    "N01.FR.01/02/07/08/09: GetLog is accepted with the file name, uploaded, and every status "
    "carries its requestId",
    "[security][logs]") {
  Fixture f;
  auto& h = f.h;
  auto& fw = f.fw;
  auto& e = f.e();
  auto c = conf(h.csms_call("gl1", "GetLog", get_log(7, "DiagnosticsLog")));
  CHECK(std::string(c["status"].GetString()) == "Accepted");
  CHECK(std::string(c["filename"].GetString()) == "diagnostics-7.tar.gz");
  REQUIRE(fw.asked.size() == 1);
  REQUIRE(fw.uploads.size() == 1);
  CHECK(fw.uploads[0].file == "diagnostics-7.tar.gz");
  CHECK(fw.uploads[0].request.log.remoteLocation == "ftp://logs.example/up");
  CHECK(e.log_status() == UploadLogStatusEnumType::Uploading);
  REQUIRE_FALSE(e.report_log_status(UploadLogStatusEnumType::Uploading, 7, h.now()));
  REQUIRE_FALSE(e.report_log_status(UploadLogStatusEnumType::Uploaded, 7, h.now()));
  h.pump();
  using P = std::pair<std::string, int>;
  CHECK(notes(h) == std::vector<P>{{"Uploading", 7}, {"Uploaded", 7}});
  CHECK(e.log_status() == UploadLogStatusEnumType::Idle);
  // Finished: later reports belong to no upload; Idle is only for a trigger (6.19).
  CHECK(e.report_log_status(UploadLogStatusEnumType::Uploaded, 7, h.now()) == Errc::invalid_state);
  CHECK(e.report_log_status(UploadLogStatusEnumType::Idle, 7, h.now()) == Errc::invalid_argument);
}

TEST_CASE(
    "N01.FR.03/FR.05: a SecurityLog upload gets the security log entries between oldestTimestamp "
    "and "
    "latestTimestamp",
    "[security][logs]") {
  Fixture f(/*with_get_log=*/false);
  auto& h = f.h;
  auto& fw = f.fw;
  auto& e = f.e();
  const auto t0 = h.now().wall;
  REQUIRE_FALSE(e.report_security_event("InvalidMessages", std::string("first"), h.now()));
  h.advance(60s);
  REQUIRE_FALSE(
      e.report_security_event("TamperDetectionActivated", std::string("second"), h.now()));
  h.advance(60s);
  REQUIRE_FALSE(e.report_security_event("InvalidMessages", std::string("third"), h.now()));
  const std::string range = R"(,"oldestTimestamp":")" + ocpp::format_datetime(t0 + 30s) +
                            R"(","latestTimestamp":")" + ocpp::format_datetime(t0 + 60s) + "\"";
  auto c = conf(h.csms_call("gl1", "GetLog", get_log(3, "SecurityLog", range)));
  CHECK(std::string(c["status"].GetString()) == "Accepted");
  // Without get_log the library names the security log file itself.
  CHECK(std::string(c["filename"].GetString()) == "SecurityLog-3.log");
  REQUIRE(fw.uploads.size() == 1);
  REQUIRE(fw.uploads[0].entries.size() == 1);
  CHECK(fw.uploads[0].entries[0].techInfo == std::optional<std::string>("second"));
  // Without a range: the whole log.
  REQUIRE_FALSE(e.report_log_status(UploadLogStatusEnumType::Uploaded, 3, h.now()));
  conf(h.csms_call("gl2", "GetLog", get_log(4, "SecurityLog")));
  REQUIRE(fw.uploads.size() == 2);
  CHECK(fw.uploads[1].entries.size() == 3);
}

TEST_CASE(
    "N01.FR.04: a DiagnosticsLog upload gets no security entries; without get_log it is Rejected",
    "[security][logs]") {
  Fixture without(/*with_get_log=*/false);
  auto c = conf(without.h.csms_call("gl1", "GetLog", get_log(1, "DiagnosticsLog")));
  CHECK(std::string(c["status"].GetString()) == "Rejected");
  CHECK_FALSE(c.HasMember("filename"));
  CHECK(without.fw.uploads.empty());
  CHECK(without.h.calls_of("LogStatusNotification").empty());

  Fixture with;
  conf(with.h.csms_call("gl1", "GetLog", get_log(1, "DiagnosticsLog")));
  REQUIRE(with.fw.uploads.size() == 1);
  CHECK(with.fw.uploads[0].entries.empty());
  CHECK(with.fw.uploads[0].request.logType == LogEnumType::DiagnosticsLog);
}

TEST_CASE(
    "N01.FR.01: no log available, or no upload hook: Rejected without a file name, never "
    "NotSupported",
    "[security][logs]") {
  SECTION("get_log has nothing") {
    Fixture f;
    f.fw.file.reset();
    auto c = conf(f.h.csms_call("gl1", "GetLog", get_log(1, "DiagnosticsLog")));
    CHECK(std::string(c["status"].GetString()) == "Rejected");
    CHECK_FALSE(c.HasMember("filename"));
    CHECK(f.fw.uploads.empty());
  }
  SECTION("no hooks at all") {
    test::Harness h;
    h.start();
    h.connect();
    for (const char* type : {"DiagnosticsLog", "SecurityLog"}) {
      auto c = conf(h.csms_call(std::string("gl-") + type, "GetLog", get_log(1, type)));
      CHECK(std::string(c["status"].GetString()) == "Rejected");
    }
    CHECK(h.engine().log_status() == UploadLogStatusEnumType::Idle);
  }
  SECTION("a malformed GetLog is a CALLERROR of the schema, not NotSupported") {
    test::Harness h;
    h.start();
    h.connect();
    auto r = h.csms_call("gl1", "GetLog", R"({"logType":"SecurityLog"})");
    REQUIRE(r.has_value());
    CHECK(r->find("[4,") == 0);
    CHECK(r->find("NotSupported") == std::string::npos);
  }
}

TEST_CASE(
    "N01.FR.10: a failed upload reports its reason and is retried retries times after "
    "retryInterval",
    "[security][logs]") {
  Fixture f;
  auto& h = f.h;
  auto& fw = f.fw;
  auto& e = f.e();
  conf(h.csms_call("gl1", "GetLog",
                   R"({"logType":"DiagnosticsLog","requestId":9,"retries":2,"retryInterval":120,)"
                   R"("log":{"remoteLocation":"ftp://x/"}})"));
  REQUIRE(fw.uploads.size() == 1);
  REQUIRE_FALSE(e.report_log_status(UploadLogStatusEnumType::PermissionDenied, 9, h.now()));
  h.pump();
  CHECK(e.log_status() == UploadLogStatusEnumType::PermissionDenied);
  CHECK(e.report_log_status(UploadLogStatusEnumType::Uploaded, 9, h.now()) ==
        Errc::invalid_state);  // waiting
  h.advance(119s);
  CHECK(fw.uploads.size() == 1);
  h.advance(1s);
  REQUIRE(fw.uploads.size() == 2);
  CHECK(fw.uploads[1].at - fw.uploads[0].at == 120);
  REQUIRE_FALSE(e.report_log_status(UploadLogStatusEnumType::UploadFailure, 9, h.now()));
  h.advance(120s);
  REQUIRE(fw.uploads.size() == 3);
  REQUIRE_FALSE(e.report_log_status(UploadLogStatusEnumType::BadMessage, 9, h.now()));
  h.advance(600s);
  CHECK(fw.uploads.size() == 3);  // retries spent
  using P = std::pair<std::string, int>;
  CHECK(notes(h) ==
        std::vector<P>{{"PermissionDenied", 9}, {"UploadFailure", 9}, {"BadMessage", 9}});
  CHECK(e.log_status() == UploadLogStatusEnumType::Idle);
}

TEST_CASE("N01.FR.11: a new GetLog during an upload cancels it and is answered AcceptedCanceled",
          "[security][logs]") {
  Fixture f;
  auto& h = f.h;
  auto& fw = f.fw;
  auto& e = f.e();
  conf(h.csms_call("gl1", "GetLog", get_log(1, "DiagnosticsLog")));
  REQUIRE_FALSE(e.report_log_status(UploadLogStatusEnumType::Uploading, 1, h.now()));
  auto c = conf(h.csms_call("gl2", "GetLog", get_log(2, "SecurityLog")));
  CHECK(std::string(c["status"].GetString()) == "AcceptedCanceled");
  CHECK(fw.cancelled == std::vector<std::int32_t>{1});
  REQUIRE(fw.uploads.size() == 2);
  CHECK(fw.uploads[1].request.requestId == 2);
  // The cancelled upload's late report is not the new one's.
  CHECK(e.report_log_status(UploadLogStatusEnumType::Uploaded, 1, h.now()) == Errc::invalid_state);
  REQUIRE_FALSE(e.report_log_status(UploadLogStatusEnumType::Uploaded, 2, h.now()));
  h.pump();
  using P = std::pair<std::string, int>;
  CHECK(notes(h) == std::vector<P>{{"Uploading", 1}, {"Uploaded", 2}});
  // Once finished, a new request is plainly Accepted.
  c = conf(h.csms_call("gl3", "GetLog", get_log(3, "SecurityLog")));
  CHECK(std::string(c["status"].GetString()) == "Accepted");
}

TEST_CASE("N01.FR.12: the status for a trigger is Idle without requestId when no upload runs",
          "[security][logs]") {
  Fixture f;
  auto& h = f.h;
  auto& e = f.e();
  CHECK(e.log_status() == UploadLogStatusEnumType::Idle);
  conf(h.csms_call("gl1", "GetLog", get_log(5, "DiagnosticsLog")));
  CHECK(e.log_status() == UploadLogStatusEnumType::Uploading);
  REQUIRE_FALSE(e.report_log_status(UploadLogStatusEnumType::Uploaded, 5, h.now()));
  CHECK(e.log_status() == UploadLogStatusEnumType::Idle);
}

TEST_CASE(
    "N01: the latest status reported offline is sent after the reconnect; a restart starts the "
    "upload again",
    "[security][logs]") {
  Fixture f;
  auto& h = f.h;
  auto& fw = f.fw;
  auto& e = f.e();
  conf(h.csms_call("gl1", "GetLog", get_log(8, "DiagnosticsLog")));
  h.disconnect();
  REQUIRE_FALSE(e.report_log_status(UploadLogStatusEnumType::Uploading, 8, h.now()));
  h.restart();  // the upload dies with the process
  h.pump();
  REQUIRE(fw.uploads.size() == 2);
  CHECK(fw.uploads[1].request.requestId == 8);
  CHECK(fw.uploads[1].file == "diagnostics-7.tar.gz");
  h.connect();
  h.pump();
  using P = std::pair<std::string, int>;
  CHECK(notes(h) == std::vector<P>{{"Uploading", 8}});
  REQUIRE_FALSE(h.engine().report_log_status(UploadLogStatusEnumType::Uploaded, 8, h.now()));
  h.pump();
  CHECK(notes(h).back() == P{"Uploaded", 8});
}
