// ocpp-fleet's report: latency histograms, the JSON report read back, shard merging, the report
// page and the frame heads that time each CALL (examples/fleet).
#include <catch2/catch.hpp>
#include <string>

#include "frames.hpp"
#include "html_report.hpp"
#include "report.hpp"

using namespace fleet;

namespace {

Report sample_report(const std::string& shard, double storm, std::uint64_t base) {
  Report r;
  r.shards = {shard};
  r.started_at = "2026-12-01T08:00:0" + std::to_string(base % 10) + "Z";
  r.elapsed_s = 60 + static_cast<double>(base);
  r.planned = 100;
  r.created = 100;
  r.booted = 100;
  r.by_version = {{"1.6", 60}, {"2.0.1", 40}};
  r.boot_storm_s = storm;
  r.connections = 100 + base;
  r.reconnects = base;
  r.sessions_started = 100;
  r.sessions_completed = 99;
  r.api_errors = 1;
  r.lost_messages = 0;
  ActionStats& a = r.actions["BootNotification"];
  a.calls = 100;
  a.errors = 2;
  for (int i = 1; i <= 100; ++i)
    a.latency.add(static_cast<double>(i) * (1 + static_cast<double>(base)));
  for (int t = 1; t <= 3; ++t) {
    TimelinePoint p;
    p.t = t;
    p.created = 50u * static_cast<unsigned>(t);
    p.connected = 40u * static_cast<unsigned>(t);
    p.messages = 10;
    r.timeline.push_back(p);
  }
  r.errors_seen = {"connection: refused " + shard};
  return r;
}

}  // namespace

TEST_CASE("fleet histogram: percentiles within a bucket (6 %) of the exact ones", "[fleet]") {
  Histogram h;
  CHECK(h.percentile(50) == 0);
  for (int i = 1; i <= 1000; ++i) h.add(static_cast<double>(i) / 10.0);  // 0.1 .. 100 ms
  CHECK(h.count() == 1000);
  CHECK(h.max_ms() == Approx(100.0));
  CHECK(h.sum_ms() == Approx(50050.0));
  for (const double p : {50.0, 95.0, 99.0}) {
    const double exact = p;  // the p-th percentile of 0.1..100 ms in 0.1 ms steps
    INFO(p);
    CHECK(h.percentile(p) >= exact);
    CHECK(h.percentile(p) <= exact * 1.06);
  }
  CHECK(h.percentile(100) == Approx(100.0));
  // A bucket's upper bound is capped by the largest sample.
  Histogram one;
  one.add(3.0);
  CHECK(one.percentile(99) == Approx(3.0));
  // Out of range: below the first bucket and beyond the last still count.
  Histogram edges;
  edges.add(0);
  edges.add(-1);
  edges.add(1e9);
  CHECK(edges.count() == 3);
  CHECK(edges.buckets()[0] == 2);
  CHECK(edges.buckets()[Histogram::kBuckets - 1] == 1);
  CHECK(Histogram::upper_bound(Histogram::bucket(7.5)) >= 7.5);
}

TEST_CASE("fleet report: written as JSON and read back unchanged", "[fleet]") {
  const Report r = sample_report("1/2", 1.5, 0);
  Report back;
  REQUIRE(from_json(to_json(r), back) == "");
  CHECK(back.shards == r.shards);
  CHECK(back.started_at == r.started_at);
  CHECK(back.created == 100);
  CHECK(back.by_version == r.by_version);
  CHECK(back.boot_storm_s == Approx(1.5));
  CHECK(back.connections == r.connections);
  CHECK(back.sessions_completed == 99);
  CHECK(back.total_errors() == r.total_errors());
  REQUIRE(back.actions.count("BootNotification"));
  const ActionStats& a = back.actions["BootNotification"];
  CHECK(a.calls == 100);
  CHECK(a.errors == 2);
  CHECK(a.latency.buckets() == r.actions.at("BootNotification").latency.buckets());
  CHECK(a.latency.percentile(99) ==
        Approx(r.actions.at("BootNotification").latency.percentile(99)));
  REQUIRE(back.timeline.size() == 3);
  CHECK(back.timeline[2].created == 150);
  CHECK(back.errors_seen == r.errors_seen);
  const std::string json = to_json(r);
  CHECK(json.find("\"p99_ms\"") != std::string::npos);
  CHECK(json.find("\"lost_messages\": 0") != std::string::npos);

  Report incomplete = r;
  incomplete.boot_storm_s = -1;
  REQUIRE(from_json(to_json(incomplete), back) == "");
  CHECK(back.boot_storm_s == -1);
  CHECK(to_json(incomplete).find("\"boot_storm_s\": null") != std::string::npos);

  CHECK(from_json("{}", back).find("not an ocpp-fleet report") != std::string::npos);
  CHECK(from_json("nope", back) == "not a JSON object");
  CHECK(
      from_json(R"({"tool":"ocpp-fleet","format":1,"actions":{"X":{"histogram":[[400,1]]}}})", back)
          .find("bad histogram") != std::string::npos);
  CHECK(from_json(R"({"tool":"ocpp-fleet","format":1,"timeline":[[1,2]]})", back) ==
        "bad timeline point");
}

TEST_CASE("fleet merge: counters and histograms add up, the slowest shard's boot storm counts",
          "[fleet]") {
  Report a = sample_report("1/2", 1.5, 0);
  const Report b = sample_report("2/2", 2.5, 1);
  Histogram both = a.actions["BootNotification"].latency;
  both.merge(b.actions.at("BootNotification").latency);
  merge(a, b);
  CHECK(a.shards == std::vector<std::string>{"1/2", "2/2"});
  CHECK(a.started_at == "2026-12-01T08:00:00Z");
  CHECK(a.elapsed_s == Approx(61));
  CHECK(a.created == 200);
  CHECK(a.by_version.at("1.6") == 120);
  CHECK(a.boot_storm_s == Approx(2.5));
  CHECK(a.connections == 201);
  CHECK(a.reconnects == 1);
  CHECK(a.api_errors == 2);
  const ActionStats& m = a.actions.at("BootNotification");
  CHECK(m.calls == 200);
  CHECK(m.errors == 4);
  CHECK(m.latency.count() == 200);
  CHECK(m.latency.percentile(99) == Approx(both.percentile(99)));
  CHECK(m.latency.max_ms() == Approx(200));
  REQUIRE(a.timeline.size() == 3);
  CHECK(a.timeline[0].created == 100);
  CHECK(a.timeline[2].connected == 240);
  CHECK(a.timeline[1].messages == 20);
  CHECK(a.errors_seen.size() == 2);

  // A shard where not every charge point booted: the fleet's boot storm is incomplete.
  Report c = sample_report("1/2", 1.0, 0);
  Report d = sample_report("2/2", -1, 0);
  d.timeline.resize(1);
  merge(c, d);
  CHECK(c.boot_storm_s == -1);
  REQUIRE(c.timeline.size() == 3);
  // The shorter timeline keeps its last counts but adds no messages past its end.
  CHECK(c.timeline[2].created == 150 + 50);
  CHECK(c.timeline[2].messages == 10);
}

TEST_CASE(
    "fleet report page: self-contained, with the report's data and nothing that ends it early",
    "[fleet]") {
  Report r = sample_report("1/1", 1.0, 0);
  r.errors_seen.push_back("</script><script>alert(1)</script><!--");
  const std::string page = html_report(r);
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(page.find("id=\"report-data\"") != std::string::npos);
  CHECK(page.find("data-rendered") != std::string::npos);
  // No external resource: the page works offline.
  CHECK(page.find("src=\"http") == std::string::npos);
  CHECK(page.find("href=\"http") == std::string::npos);
  // The only "</script>" in the data element is its own end.
  const auto data = page.find("id=\"report-data\"");
  const auto end = page.find("</script>", data);
  REQUIRE(end != std::string::npos);
  CHECK(page.substr(data, end - data).find("alert(1)") != std::string::npos);
  CHECK(page.substr(data, end - data).find("<!--") == std::string::npos);
  CHECK(page.find("<\\/script>") != std::string::npos);
}

TEST_CASE("fleet frame heads: CALL, CALLRESULT and CALLERROR read, anything else refused",
          "[fleet]") {
  FrameHead h;
  REQUIRE(parse_head(R"([2,"19223201","BootNotification",{"chargePointVendor":"V"}])", h));
  CHECK(h.type == 2);
  CHECK(h.id == "19223201");
  CHECK(h.action == "BootNotification");
  REQUIRE(parse_head(R"( [ 3 , "abc" , {"status":"Accepted"}])", h));
  CHECK(h.type == 3);
  CHECK(h.id == "abc");
  CHECK(h.action.empty());
  REQUIRE(parse_head(R"([4,"x-1","NotImplemented","",{}])", h));
  CHECK(h.type == 4);
  CHECK(h.id == "x-1");
  for (const char* bad : {"", "[", "[5,\"a\"]", "[2,\"a\"]", "[2,a,\"B\"]", "{\"a\":1}",
                          "[3,\"a\\\"b\",{}]", "[2,\"id\",\"Act", "[3,\"unterminated"}) {
    INFO(bad);
    CHECK_FALSE(parse_head(bad, h));
  }
}
