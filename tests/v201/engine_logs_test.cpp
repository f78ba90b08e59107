// OCPP 2.0.1 N01 Retrieve Log Information: GetLogRequest, the upload through the upload_log
// hook, LogStatusNotificationRequests with the requestId, retries on the simulated clock, the
// cancel of an upload by a new request, triggers, power cuts and hostile requests.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::error_code;
using test::v201::Harness;
using test::v201::parse;
using test::v201::result_status;
using namespace std::chrono_literals;
using Strings = std::vector<std::string>;
using U = UploadLogStatusEnumType;

namespace {

struct Upload {
  GetLogRequest request;
  std::string file;
  std::vector<SecurityEventNotificationRequest> entries;
  std::int64_t at = 0;
};

struct LogsFixture {
  Harness h;
  std::vector<Upload> uploads;
  std::vector<std::int32_t> cancelled;
  explicit LogsFixture(bool upload_hook = true) {
    if (upload_hook)
      h.hooks.upload_log = [this](const GetLogRequest& r, const std::string& file,
                                  const std::vector<SecurityEventNotificationRequest>& entries) {
        uploads.push_back({r, file, entries, h.seconds(h.now().mono)});
      };
    h.hooks.cancel_log_upload = [this](std::int32_t id) { cancelled.push_back(id); };
    h.start();
    h.connect();
  }
  std::optional<std::string> get_log(const std::string& id, const std::string& type, int request,
                                     const std::string& extra = "") {
    return h.csms_call(id, "GetLog",
                       R"({"logType":")" + type + R"(","requestId":)" + std::to_string(request) +
                           R"(,"log":{"remoteLocation":"https://logs.example/up")" + extra + "}}");
  }
  std::error_code report(U s, int id) {
    auto ec = h.engine().report_log_status(s, id, h.now());
    h.pump();
    return ec;
  }
};

// (status, requestId or -1) of every LogStatusNotificationRequest.
std::vector<std::pair<std::string, int>> notes(const Harness& h) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& c : h.calls_of("LogStatusNotification")) {
    rapidjson::Document p;
    p.Parse(c.payload.c_str());
    out.emplace_back(p["status"].GetString(),
                     p.HasMember("requestId") ? p["requestId"].GetInt() : -1);
  }
  return out;
}
using Notes = std::vector<std::pair<std::string, int>>;

}  // namespace

TEST_CASE(
    "v201 N01.FR.01 N01.FR.02 N01.FR.03 N01.FR.07 N01.FR.08 N01.FR.09: the security log is "
    "uploaded, its statuses carry the requestId",
    "[v201][logs]") {
  LogsFixture f;
  auto d = parse(f.get_log("g1", "SecurityLog", 7));
  REQUIRE(d[0].GetInt() == 3);
  CHECK(std::string(d[2]["status"].GetString()) == "Accepted");
  CHECK(std::string(d[2]["filename"].GetString()) == "SecurityLog-7.log");
  REQUIRE(f.uploads.size() == 1);
  CHECK(f.uploads[0].file == "SecurityLog-7.log");
  CHECK(f.uploads[0].request.log.remoteLocation == "https://logs.example/up");
  REQUIRE(!f.uploads[0].entries.empty());
  CHECK(f.uploads[0].entries[0].type == "StartupOfTheDevice");
  CHECK(f.report(U::Uploading, 7) == std::error_code{});
  CHECK(f.h.engine().log_status() == U::Uploading);
  CHECK(f.report(U::Uploaded, 7) == std::error_code{});
  CHECK(notes(f.h) == Notes{{"Uploading", 7}, {"Uploaded", 7}});
  CHECK(f.h.engine().log_status() == U::Idle);
}

TEST_CASE("v201 N01.FR.03: the security log entries between oldestTimestamp and latestTimestamp",
          "[v201][logs]") {
  LogsFixture f;
  const auto t1 = f.h.now().wall;
  f.h.advance(10s);
  REQUIRE(f.h.engine().report_security_event("TamperDetectionActivated", std::nullopt, f.h.now(),
                                             false) == std::error_code{});
  f.h.advance(10s);
  f.get_log("g1", "SecurityLog", 1,
            R"(,"oldestTimestamp":")" + ocpp::format_datetime(t1 + 5s) +
                R"(","latestTimestamp":")" + ocpp::format_datetime(t1 + 15s) + "\"");
  REQUIRE(f.uploads.size() == 1);
  REQUIRE(f.uploads[0].entries.size() == 1);
  CHECK(f.uploads[0].entries[0].type == "TamperDetectionActivated");
}

TEST_CASE("v201 N01.FR.05 N01.FR.04: Rejected when the log is not available", "[v201][logs]") {
  SECTION("no upload hook") {
    LogsFixture f(false);
    CHECK(result_status(f.get_log("g1", "SecurityLog", 1)) == "Rejected");
  }
  SECTION("a DiagnosticsLog without get_log") {
    LogsFixture f;
    CHECK(result_status(f.get_log("g1", "DiagnosticsLog", 1)) == "Rejected");
    CHECK(f.uploads.empty());
  }
  SECTION("a DiagnosticsLog the firmware names") {
    Harness h;
    int uploads = 0;
    h.hooks.get_log = [](const GetLogRequest& r) -> std::optional<std::string> {
      if (r.logType == LogEnumType::DiagnosticsLog) return std::string("diag.tar.gz");
      return std::nullopt;
    };
    h.hooks.upload_log = [&](const GetLogRequest&, const std::string& file,
                             const std::vector<SecurityEventNotificationRequest>& entries) {
      CHECK(file == "diag.tar.gz");
      CHECK(entries.empty());  // N01.FR.04: the firmware's diagnostics
      ++uploads;
    };
    h.start();
    h.connect();
    auto d = parse(h.csms_call(
        "g1", "GetLog",
        R"({"logType":"DiagnosticsLog","requestId":2,"log":{"remoteLocation":"ftp://x/"}})"));
    CHECK(std::string(d[2]["filename"].GetString()) == "diag.tar.gz");
    CHECK(uploads == 1);
    CHECK(result_status(h.csms_call(
              "g2", "GetLog",
              R"({"logType":"SecurityLog","requestId":3,"log":{"remoteLocation":"ftp://x/"}})")) ==
          "Rejected");
  }
}

TEST_CASE("v201 N01.FR.10: a failed upload is retried after retryInterval while retries are left",
          "[v201][logs]") {
  LogsFixture f;
  const auto t0 = f.h.seconds(f.h.now().mono);
  f.get_log("g1", "SecurityLog", 4, "");
  // retries 1, retryInterval 30
  f.h.csms_call("g2", "GetLog", "{}");  // a schema error: answered, nothing changes
  CHECK(error_code(f.h.reply_to("g2")) != "");
  f.uploads.clear();
  f.h.csms_call("g3", "GetLog",
                R"({"logType":"SecurityLog","requestId":5,"retries":1,"retryInterval":30,)"
                R"("log":{"remoteLocation":"https://logs.example/up"}})");
  REQUIRE(f.uploads.size() == 1);
  CHECK(f.report(U::UploadFailure, 5) == std::error_code{});
  CHECK(f.h.engine().log_status() == U::UploadFailure);  // waiting for the retry
  f.h.advance(29s);
  CHECK(f.uploads.size() == 1);
  f.h.advance(1s);
  REQUIRE(f.uploads.size() == 2);
  CHECK(f.uploads[1].at == t0 + 30);
  f.report(U::PermissionDenied, 5);
  f.h.advance(3600s);
  CHECK(f.uploads.size() == 2);
  CHECK(f.h.engine().log_status() == U::Idle);
  Notes n = notes(f.h);
  CHECK(n.back() == std::make_pair(std::string("PermissionDenied"), 5));
}

TEST_CASE("v201 N01.FR.10: negative retries and retryInterval mean no retry", "[v201][logs]") {
  LogsFixture f;
  f.h.csms_call("g1", "GetLog",
                R"({"logType":"SecurityLog","requestId":6,"retries":-3,"retryInterval":-1,)"
                R"("log":{"remoteLocation":"https://logs.example/up"}})");
  REQUIRE(f.uploads.size() == 1);
  f.report(U::UploadFailure, 6);
  f.h.advance(3600s);
  CHECK(f.uploads.size() == 1);
}

TEST_CASE("v201 N01.FR.12 N01.FR.20: a new request cancels the upload under way", "[v201][logs]") {
  LogsFixture f;
  f.get_log("g1", "SecurityLog", 8);
  f.report(U::Uploading, 8);
  CHECK(result_status(f.get_log("g2", "SecurityLog", 9)) == "AcceptedCanceled");
  CHECK(f.cancelled == std::vector<std::int32_t>{8});
  CHECK(f.uploads.size() == 2);
  CHECK(notes(f.h) == Notes{{"Uploading", 8}, {"AcceptedCanceled", 8}});
  CHECK(f.report(U::Uploaded, 8) == make_error_code(ocpp::Errc::invalid_state));
  CHECK(f.report(U::Uploaded, 9) == std::error_code{});
  CHECK(f.h.engine().report_log_status(U::AcceptedCanceled, 9, f.h.now()) ==
        make_error_code(ocpp::Errc::invalid_argument));
}

TEST_CASE("v201 F06.FR.14 F06.FR.15 N01.FR.13: a triggered LogStatusNotification", "[v201][logs]") {
  LogsFixture f;
  f.h.csms_call("t1", "TriggerMessage", R"({"requestedMessage":"LogStatusNotification"})");
  CHECK(f.h.calls_of("LogStatusNotification").back().payload == R"({"status":"Idle"})");
  f.get_log("g1", "SecurityLog", 3);
  f.h.csms_call("t2", "TriggerMessage", R"({"requestedMessage":"LogStatusNotification"})");
  CHECK(f.h.calls_of("LogStatusNotification").back().payload ==
        R"({"status":"Uploading","requestId":3})");
}

TEST_CASE("v201 N01.FR.02: an upload cut by a power cut starts again", "[v201][logs]") {
  LogsFixture f;
  f.get_log("g1", "SecurityLog", 12);
  REQUIRE(f.uploads.size() == 1);
  f.h.restart();
  f.h.connect();
  REQUIRE(f.uploads.size() == 2);
  CHECK(f.uploads[1].request.requestId == 12);
  CHECK(f.report(U::Uploaded, 12) == std::error_code{});
}

TEST_CASE("v201 N01: an over-long remoteLocation is refused by the schema", "[v201][logs]") {
  LogsFixture f;
  f.h.csms_call("g1", "GetLog",
                R"({"logType":"SecurityLog","requestId":1,"log":{"remoteLocation":")" +
                    std::string(600, 'u') + "\"}}");
  CHECK(error_code(f.h.reply_to("g1")) != "");
  CHECK(f.uploads.empty());
}
