// ocpp::v16::ChargePoint on a started Runner, over the in-memory transport and fake CSMS of
// tests/support/memory_transport.hpp (the "bring your own transport" example).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ocpp/runner.hpp"
#include "ocpp/v16/charge_point.hpp"
#include "support/memory_transport.hpp"
#include "support/seen.hpp"
#include "v16/harness.hpp"  // str

using namespace std::chrono_literals;
using ocpp::Errc;
using ocpp::v16::ChargePoint;
using ocpp::v16::ChargePointConfig;
using ocpp::v16::ChargePointStatus;
using ocpp::v16::Reason;
using ocpp::v16::RegistrationStatus;

namespace {

using test::Seen;
using test::str;

using Clock = std::chrono::steady_clock;

/// A runner on a memory loop. Declare it before the charge points: they must go first.
struct Rig {
  explicit Rig(bool start = true) {
    if (start) REQUIRE(!runner.start());
  }
  ~Rig() { runner.stop(); }
  std::unique_ptr<test::MemoryIoLoop> owned = std::make_unique<test::MemoryIoLoop>();
  test::MemoryIoLoop& loop = *owned;
  ocpp::Runner runner{std::move(owned)};
};

ChargePointConfig make_config(const std::string& id = "CP-1", int connectors = 1) {
  ChargePointConfig c;
  c.charge_point_id = id;
  c.csms_url = "ws://csms.test/ocpp";
  c.connectors = connectors;
  c.vendor = "TestVendor";
  c.model = "TestModel";
  c.backoff_min = 50ms;
  c.backoff_max = 400ms;
  c.call_timeout = 5s;
  return c;
}

std::unique_ptr<ChargePoint> make_cp(Rig& rig, ChargePointConfig cfg, ocpp::v16::Hooks hooks = {}) {
  auto r = ChargePoint::create(rig.runner, std::move(cfg), std::move(hooks));
  REQUIRE(r.ok());
  return std::move(r.value());
}

bool booted(const ChargePoint& cp) { return cp.registration() == RegistrationStatus::Accepted; }

std::optional<std::int32_t> tx_id(const ChargePoint& cp, int c) {
  auto s = cp.connector_state(c);
  if (!s || !s->transaction) return std::nullopt;
  return s->transaction->transactionId;
}

bool no_transaction(const ChargePoint& cp, int c) {
  auto s = cp.connector_state(c);
  return s && !s->transaction;
}

std::int64_t ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

}  // namespace

TEST_CASE("charge point: a full session over a host transport, with hooks", "[v16][charge_point]") {
  Rig rig;
  Seen seen;
  std::atomic<bool> off_thread{false};
  ocpp::v16::Hooks h;
  auto on_runner = [&] {
    if (!rig.runner.on_runner_thread()) off_thread = true;
  };
  h.connection = [&](bool up, const std::string&) {
    on_runner();
    seen.add(up ? "connected" : "disconnected");
  };
  h.boot = [&](RegistrationStatus s, std::int32_t interval) {
    on_runner();
    seen.add("boot " + std::string(to_string(s)) + " " + std::to_string(interval));
  };
  h.status = [&](int c, ChargePointStatus s, ocpp::v16::ChargePointErrorCode) {
    on_runner();
    seen.add("status " + std::to_string(c) + " " + std::string(to_string(s)));
  };
  h.authorize = [&](const std::string& tag, const ocpp::v16::IdTagInfo& info) {
    on_runner();
    seen.add("authorize " + tag + " " + std::string(to_string(info.status)));
  };
  h.transaction_started = [&](const ocpp::v16::TransactionInfo& t) {
    on_runner();
    seen.add("started " + std::to_string(t.connectorId) + " " + t.idTag + " " + std::to_string(t.meterStart));
  };
  h.transaction_confirmed = [&](const ocpp::v16::TransactionInfo& t, const ocpp::v16::IdTagInfo&) {
    on_runner();
    seen.add("confirmed " + std::to_string(t.transactionId.value_or(-1)));
  };
  h.transaction_stopped = [&](const ocpp::v16::TransactionInfo& t, Reason r, std::int32_t meter) {
    on_runner();
    seen.add("stopped " + std::to_string(t.transactionId.value_or(-1)) + " " + std::string(to_string(r)) +
             " " + std::to_string(meter));
  };
  rig.loop.set_boot_interval(120);
  auto cfg = make_config("CP-1");
  cfg.password = "0123456789abcdef0123";
  auto cp = make_cp(rig, std::move(cfg), std::move(h));

  REQUIRE(test::eventually([&] { return booted(*cp); }));
  CHECK(cp->is_connected());
  REQUIRE(test::eventually([&] { return seen.has("boot Accepted 120"); }));
  CHECK(seen.count("connected") == 1);

  // What the charge point asked the transport for.
  auto attempts = rig.loop.attempts("CP-1");
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].options.url == "ws://csms.test/ocpp/CP-1");
  CHECK(attempts[0].options.subprotocols == std::vector<std::string>{"ocpp1.6"});
  CHECK(attempts[0].options.basic_auth_user == std::optional<std::string>("CP-1"));
  CHECK(attempts[0].options.basic_auth_password == std::optional<std::string>("0123456789abcdef0123"));

  REQUIRE(!cp->set_meter_energy(1, 1000));
  REQUIRE(!cp->plug_in(1));
  REQUIRE(!cp->present_id_tag("TAG-1"));
  REQUIRE(test::eventually([&] { return tx_id(*cp, 1) == 1001; }));
  CHECK(cp->connector_state(1)->status == ChargePointStatus::Charging);
  REQUIRE(!cp->set_meter_energy(1, 4500));
  REQUIRE(!cp->unplug(1));
  REQUIRE(test::eventually([&] { return rig.loop.count("StopTransaction") == 1 && cp->queued_transaction_messages() == 0; }));
  REQUIRE(test::eventually([&] { return cp->connector_state(1)->status == ChargePointStatus::Available; }));
  CHECK(no_transaction(*cp, 1));

  // The CSMS saw the session in order.
  std::vector<std::string> actions;
  for (const auto& c : rig.loop.calls("", "CP-1")) actions.push_back(c.action);
  REQUIRE(!actions.empty());
  CHECK(actions.front() == "BootNotification");
  auto pos = [&](const std::string& a) { return std::find(actions.begin(), actions.end(), a) - actions.begin(); };
  CHECK(pos("Authorize") < pos("StartTransaction"));
  CHECK(pos("StartTransaction") < pos("StopTransaction"));
  auto start = rig.loop.calls("StartTransaction")[0].json();
  CHECK(start["connectorId"].GetInt() == 1);
  CHECK(str(start["idTag"]) == "TAG-1");
  CHECK(start["meterStart"].GetInt() == 1000);
  auto stop = rig.loop.calls("StopTransaction")[0].json();
  CHECK(stop["transactionId"].GetInt() == 1001);
  CHECK(stop["meterStop"].GetInt() == 4500);
  CHECK(str(stop["reason"]) == "EVDisconnected");
  CHECK(rig.loop.errors().empty());

  // And the firmware heard about it, on the runner thread.
  REQUIRE(test::eventually([&] { return seen.has("stopped 1001 EVDisconnected 4500"); }));
  CHECK(seen.has("authorize TAG-1 Accepted"));
  CHECK(seen.has("started 1 TAG-1 1000"));
  CHECK(seen.has("confirmed 1001"));
  CHECK(seen.has("status 1 Charging"));
  CHECK(!off_thread);
}

TEST_CASE("charge point: URL and auth options", "[v16][charge_point]") {
  Rig rig;
  SECTION("no password: no Basic auth") {
    auto cp = make_cp(rig, make_config("CP-NOAUTH"));
    REQUIRE(test::eventually([&] { return booted(*cp); }));
    auto a = rig.loop.attempts("CP-NOAUTH");
    REQUIRE(a.size() == 1);
    CHECK(a[0].options.url == "ws://csms.test/ocpp/CP-NOAUTH");
    CHECK(!a[0].options.basic_auth_user);
    CHECK(!a[0].options.basic_auth_password);
    CHECK(a[0].options.connect_timeout == 30s);  // the default
  }
  SECTION("the connect timeout reaches the transport") {
    auto cfg = make_config("CP-CTO");
    cfg.connect_timeout = 3s;
    auto cp = make_cp(rig, std::move(cfg));
    REQUIRE(test::eventually([&] { return rig.loop.attempts("CP-CTO").size() == 1; }));
    CHECK(rig.loop.attempts("CP-CTO")[0].options.connect_timeout == 3s);
  }
  SECTION("the identity is percent-encoded as the last path segment") {
    auto cp = make_cp(rig, make_config("CP/1 A"));
    REQUIRE(test::eventually([&] { return rig.loop.attempts().size() == 1; }));
    auto a = rig.loop.attempts()[0];
    CHECK(a.options.url == "ws://csms.test/ocpp/CP%2F1%20A");
    CHECK(!a.options.basic_auth_user);
  }
  SECTION("base URL with a trailing slash") {
    auto cfg = make_config("CP-SLASH");
    cfg.csms_url = "wss://csms.test:9000/ocpp/";
    auto cp = make_cp(rig, std::move(cfg));
    REQUIRE(test::eventually([&] { return rig.loop.attempts("CP-SLASH").size() == 1; }));
    CHECK(rig.loop.attempts("CP-SLASH")[0].options.url == "wss://csms.test:9000/ocpp/CP-SLASH");
  }
}

TEST_CASE("charge point: a connection opened with another subprotocol is not used for OCPP",
          "[v16][charge_point]") {
  Rig rig;
  int n = 0;  // touched under the loop's lock only
  rig.loop.set_connect_policy([&](const ocpp::ConnectOptions&) {
    test::ConnectOutcome o;
    o.subprotocol = ++n <= 2 ? "ocpp2.0.1" : "ocpp1.6";
    return o;
  });
  Seen seen;
  ocpp::v16::Hooks h;
  h.connection = [&](bool up, const std::string&) { seen.add(up ? "connected" : "disconnected"); };
  auto cp = make_cp(rig, make_config("CP-SUB"), std::move(h));
  REQUIRE(test::eventually([&] { return booted(*cp); }));
  auto attempts = rig.loop.attempts("CP-SUB");
  REQUIRE(attempts.size() == 3);
  for (const auto& f : rig.loop.frames("CP-SUB")) {
    INFO(f.text);
    CHECK(f.conn == attempts[2].conn);  // nothing at all went over the first two connections
  }
  CHECK(rig.loop.calls("BootNotification", "CP-SUB").size() == 1);
  CHECK(seen.count("connected") == 1);
  CHECK(rig.loop.alive_connections() == 1);  // the refused ones were closed and destroyed
  // They were retried after a back-off, not in a tight loop.
  CHECK(attempts[1].at - attempts[0].at >= 20ms);
}

TEST_CASE("charge point: reconnect back-off grows and stays under backoff_max", "[v16][charge_point]") {
  Rig rig;
  std::atomic<bool> fail{true};
  rig.loop.set_connect_policy([&](const ocpp::ConnectOptions&) {
    test::ConnectOutcome o;
    o.open = !fail.load();
    return o;
  });
  auto cp = make_cp(rig, make_config("CP-BO"));  // backoff 50 ms .. 400 ms
  REQUIRE(test::eventually([&] { return rig.loop.attempts("CP-BO").size() >= 7; }, 5000ms));
  auto a = rig.loop.attempts("CP-BO");
  std::vector<std::int64_t> gaps;
  for (std::size_t i = 1; i < 7; ++i) gaps.push_back(ms_between(a[i - 1].at, a[i].at));
  std::string g;
  for (auto x : gaps) g += std::to_string(x) + " ";
  INFO("gaps (ms): " << g);
  for (auto x : gaps) {
    CHECK(x >= 20);    // at least backoff_min / 2 (25 ms), less a little clock slack
    CHECK(x <= 440);   // never above backoff_max (400 ms) plus scheduling slack
  }
  CHECK(gaps[0] <= 90);   // first retry: within backoff_min
  CHECK(gaps[2] >= 95);   // third: at least 4 * min / 2
  for (std::size_t i = 3; i < gaps.size(); ++i) CHECK(gaps[i] >= 195);  // capped range [200, 400]
  CHECK(gaps[3] > gaps[0]);
  CHECK(!cp->is_connected());
  CHECK(!cp->registration());

  // Once a connection opens, the back-off starts over.
  fail = false;
  REQUIRE(test::eventually([&] { return booted(*cp); }));
  const auto n = rig.loop.attempts("CP-BO").size();
  const auto dropped = Clock::now();
  REQUIRE(rig.loop.drop("CP-BO"));
  REQUIRE(test::eventually([&] { return rig.loop.attempts("CP-BO").size() == n + 1; }));
  CHECK(ms_between(dropped, rig.loop.attempts("CP-BO").back().at) <= 90);
  REQUIRE(test::eventually([&] { return cp->is_connected(); }));
}

TEST_CASE("charge point: event methods from 4 threads while the CSMS answers", "[v16][charge_point]") {
  Rig rig;
  std::atomic<int> started{0}, stopped{0};
  ocpp::v16::Hooks h;
  h.transaction_started = [&](const ocpp::v16::TransactionInfo&) { ++started; };
  h.transaction_stopped = [&](const ocpp::v16::TransactionInfo&, Reason, std::int32_t) { ++stopped; };
  auto cp = make_cp(rig, make_config("CP-MT", 4), std::move(h));
  REQUIRE(test::eventually([&] { return booted(*cp); }));

  constexpr int kRounds = 12;
  std::atomic<int> api_errors{0};
  std::atomic<int> tx_seen{0};
  std::vector<std::thread> threads;
  for (int c = 1; c <= 4; ++c) {
    threads.emplace_back([&, c] {
      std::int64_t wh = 0;
      const std::string tag = "TAG-" + std::to_string(c);
      for (int i = 0; i < kRounds; ++i) {
        if (cp->set_meter_energy(c, wh += 10)) ++api_errors;
        if (cp->plug_in(c)) ++api_errors;
        if (cp->present_id_tag(tag, c)) ++api_errors;
        // Let the transaction start most rounds (bounded), metering meanwhile.
        const auto until = Clock::now() + 500ms;
        while (Clock::now() < until) {
          if (cp->set_meter_energy(c, wh += 10)) ++api_errors;
          if (tx_id(*cp, c)) {
            ++tx_seen;
            break;
          }
          std::this_thread::yield();
        }
        if (!cp->connector_state(c)) ++api_errors;
        if (cp->unplug(c)) ++api_errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(api_errors == 0);
  CHECK(tx_seen >= 4 * kRounds - 4);  // nearly every round got its transaction

  REQUIRE(test::eventually([&] {
    for (int c = 1; c <= 4; ++c)
      if (!no_transaction(*cp, c)) return false;
    return cp->queued_transaction_messages() == 0;
  }, 5000ms));
  auto starts = rig.loop.calls("StartTransaction");
  auto stops = rig.loop.calls("StopTransaction");
  CHECK(starts.size() == stops.size());
  CHECK(static_cast<int>(starts.size()) == rig.loop.last_transaction_id() - 1000);
  std::set<int> stop_ids;
  for (const auto& s : stops) stop_ids.insert(s.json()["transactionId"].GetInt());
  CHECK(stop_ids.size() == stops.size());  // each transaction stopped exactly once
  for (int id = 1001; id <= rig.loop.last_transaction_id(); ++id) CHECK(stop_ids.count(id) == 1);
  CHECK(started == static_cast<int>(starts.size()));
  REQUIRE(test::eventually([&] { return stopped == static_cast<int>(stops.size()); }));
  for (int c = 1; c <= 4; ++c) CHECK(cp->connector_state(c)->status == ChargePointStatus::Available);
  CHECK(rig.loop.errors().empty());
}

TEST_CASE("charge point: hooks may call back into the API", "[v16][charge_point]") {
  Rig rig;
  std::atomic<ChargePoint*> self{nullptr};
  std::atomic<bool> hook_done{false};
  std::atomic<int> hook_failures{0};
  std::atomic<int> status_reentries{0};
  ocpp::v16::Hooks h;
  h.status = [&](int c, ChargePointStatus, ocpp::v16::ChargePointErrorCode) {
    if (auto* p = self.load()) {
      if (p->connector_state(c)) ++status_reentries;
      rig.runner.call_sync([] {});  // inline on the runner thread
    }
  };
  h.transaction_started = [&](const ocpp::v16::TransactionInfo& t) {
    ChargePoint* p = self.load();
    if (!p) {
      ++hook_failures;
      return;
    }
    auto st = p->connector_state(t.connectorId);
    if (!st || !st->transaction) ++hook_failures;
    if (p->set_meter_energy(t.connectorId, 777)) ++hook_failures;
    if (!p->is_connected()) ++hook_failures;
    if (!p->get_configuration("HeartbeatInterval")) ++hook_failures;
    if (p->stop_transaction(t.connectorId, Reason::Local)) ++hook_failures;
    hook_done = true;
  };
  auto cp = make_cp(rig, make_config("CP-RE"), std::move(h));
  self = cp.get();
  REQUIRE(test::eventually([&] { return booted(*cp); }));
  REQUIRE(!cp->plug_in(1));
  REQUIRE(!cp->present_id_tag("TAG-RE", 1));
  REQUIRE(test::eventually([&] { return hook_done.load(); }));
  CHECK(hook_failures == 0);
  REQUIRE(test::eventually([&] { return rig.loop.count("StopTransaction") == 1 && cp->queued_transaction_messages() == 0; }));
  auto stop = rig.loop.calls("StopTransaction")[0].json();
  CHECK(str(stop["reason"]) == "Local");
  CHECK(stop["meterStop"].GetInt() == 777);
  CHECK(stop["transactionId"].GetInt() == 1001);
  CHECK(status_reentries > 0);
}

TEST_CASE("charge point: a slow hook does not block event methods on other threads", "[v16][charge_point]") {
  Rig rig;
  std::mutex m;
  std::condition_variable cv;
  bool entered = false;
  std::atomic<bool> left{false};
  ocpp::v16::Hooks h;
  h.transaction_started = [&](const ocpp::v16::TransactionInfo&) {
    {
      std::lock_guard<std::mutex> lk(m);
      entered = true;
    }
    cv.notify_all();
    std::this_thread::sleep_for(200ms);  // the point of the test: a hook that takes its time
    left = true;
  };
  auto cp = make_cp(rig, make_config("CP-SLOW", 2), std::move(h));
  REQUIRE(test::eventually([&] { return booted(*cp); }));
  REQUIRE(!cp->plug_in(1));
  REQUIRE(!cp->present_id_tag("TAG-S", 1));
  {
    std::unique_lock<std::mutex> lk(m);
    REQUIRE(cv.wait_for(lk, 3s, [&] { return entered; }));
  }
  const auto t0 = Clock::now();
  CHECK(!cp->set_meter_energy(1, 50));
  CHECK(!cp->plug_in(2));
  CHECK(cp->connector_state(1).ok());
  CHECK(cp->is_connected());
  CHECK(!cp->present_id_tag("TAG-T", 2));
  const auto took = ms_between(t0, Clock::now());
  const bool hook_still_running = !left;
  CHECK(took < 50);
  CHECK(hook_still_running);  // the calls overlapped the hook
  REQUIRE(test::eventually([&] { return left.load(); }));
  REQUIRE(test::eventually([&] { return tx_id(*cp, 2).has_value(); }));
}

TEST_CASE("charge point: API calls never wait for the network", "[v16][charge_point]") {
  Rig rig;
  rig.loop.hold(true);  // the CSMS answers nothing until released
  auto cp = make_cp(rig, make_config("CP-HOLD"));
  REQUIRE(test::eventually([&] { return rig.loop.count("BootNotification", "CP-HOLD") == 1; }));
  auto timed = [](auto&& f) {
    const auto t0 = Clock::now();
    f();
    return ms_between(t0, Clock::now());
  };
  CHECK(timed([&] { CHECK(!cp->plug_in(1)); }) < 50);
  // Not registered yet: decided locally (unknown idTag offline: Invalid), no waiting either.
  CHECK(timed([&] { CHECK(!cp->present_id_tag("TAG-H", 1)); }) < 50);
  CHECK(timed([&] { CHECK(!cp->set_meter_energy(1, 10)); }) < 50);
  CHECK(!cp->registration());
  CHECK(rig.loop.count("Authorize") == 0);  // nothing but the boot before it is accepted
  rig.loop.hold(false);
  REQUIRE(test::eventually([&] { return booted(*cp); }));
  REQUIRE(test::eventually([&] { return rig.loop.count("StatusNotification") == 2; }));

  // Registered: Authorize goes out, its answer is held; the call still returns at once.
  rig.loop.hold(true);
  CHECK(timed([&] { CHECK(!cp->present_id_tag("TAG-H", 1)); }) < 50);
  REQUIRE(test::eventually([&] { return rig.loop.held_count() == 1; }));
  CHECK(rig.loop.calls().back().action == "Authorize");
  CHECK(no_transaction(*cp, 1));
  rig.loop.hold(false);
  REQUIRE(test::eventually([&] { return tx_id(*cp, 1) == 1001; }));

  rig.loop.hold(true);
  CHECK(timed([&] { CHECK(!cp->unplug(1)); }) < 50);
  CHECK(no_transaction(*cp, 1));
  CHECK(cp->queued_transaction_messages() == 1);  // durable at once, delivered later
  REQUIRE(test::eventually([&] { return rig.loop.held_count() >= 1; }));
  rig.loop.hold(false);
  REQUIRE(test::eventually([&] { return cp->queued_transaction_messages() == 0; }));
  CHECK(rig.loop.count("StopTransaction") == 1);
}

TEST_CASE("charge point: create() rejects bad configurations", "[v16][charge_point]") {
  Rig rig(false);
  auto err = [&](ChargePointConfig c) { return ChargePoint::create(rig.runner, std::move(c), {}).error(); };
  auto c = make_config();
  c.charge_point_id = "";
  CHECK(err(std::move(c)) == Errc::invalid_argument);
  c = make_config();
  c.charge_point_id = "CP:1";  // ':' cannot be in a Basic auth user name ('/' is percent-encoded)
  CHECK(err(std::move(c)) == Errc::invalid_argument);
  c = make_config();
  c.charge_point_id = std::string(49, 'x');
  CHECK(err(std::move(c)) == Errc::invalid_argument);
  c = make_config();
  c.csms_url = "http://csms.test/ocpp";
  CHECK(err(std::move(c)) == Errc::invalid_argument);
  c = make_config();
  c.vendor = "";
  CHECK(err(std::move(c)) == Errc::invalid_argument);
  c = make_config();
  c.model = "";
  CHECK(err(std::move(c)) == Errc::invalid_argument);
  c = make_config();
  c.connectors = 0;
  CHECK(err(std::move(c)) == Errc::invalid_argument);
  test::ScratchDir dir;
  c = make_config();
  c.db_path = dir.file("missing/cp.db");
  CHECK(err(std::move(c)) == Errc::storage_readonly);
  // A good one works, also with the runner not started, and goes away cleanly.
  c = make_config();
  c.db_path = dir.file("cp.db");
  auto ok = ChargePoint::create(rig.runner, std::move(c), {});
  REQUIRE(ok.ok());
  CHECK(!ok.value()->is_connected());
}

TEST_CASE("charge point: destroyed while connected; a new one on the same file resumes the transaction",
          "[v16][charge_point]") {
  Rig rig;
  test::ScratchDir dir;
  auto cfg = [&] {
    auto c = make_config("CP-DB");
    c.db_path = dir.file("cp.db");
    return c;
  };
  auto cp = make_cp(rig, cfg());
  REQUIRE(test::eventually([&] { return booted(*cp); }));
  REQUIRE(!cp->set_meter_energy(1, 2000));
  REQUIRE(!cp->plug_in(1));
  REQUIRE(!cp->present_id_tag("TAG-DB", 1));
  REQUIRE(test::eventually([&] { return tx_id(*cp, 1) == 1001 && cp->queued_transaction_messages() == 0; }));
  const auto tx_key = cp->connector_state(1)->transaction->tx_key;
  REQUIRE(!cp->set_meter_energy(1, 2600));

  const auto t0 = Clock::now();
  cp.reset();
  CHECK(ms_between(t0, Clock::now()) < 1000);
  CHECK(rig.runner.running());
  CHECK(rig.loop.alive_connections() == 0);
  const auto frames_after = rig.loop.frames("CP-DB").size();

  auto cp2 = make_cp(rig, cfg());
  auto st = cp2->connector_state(1);
  REQUIRE(st.ok());
  REQUIRE(st->transaction);
  CHECK(st->transaction->tx_key == tx_key);
  CHECK(st->transaction->transactionId == 1001);
  CHECK(st->transaction->idTag == "TAG-DB");
  REQUIRE(test::eventually([&] { return booted(*cp2); }));
  REQUIRE(rig.loop.attempts("CP-DB").size() == 2);
  REQUIRE(!cp2->set_meter_energy(1, 3000));
  REQUIRE(!cp2->stop_transaction(1, Reason::Local));
  REQUIRE(test::eventually([&] { return rig.loop.count("StopTransaction") == 1 && cp2->queued_transaction_messages() == 0; }));
  auto stop = rig.loop.calls("StopTransaction");
  CHECK(stop[0].conn == rig.loop.attempts("CP-DB")[1].conn);
  CHECK(stop[0].json()["transactionId"].GetInt() == 1001);
  CHECK(stop[0].json()["meterStop"].GetInt() == 3000);
  CHECK(rig.loop.count("StartTransaction") == 1);
  CHECK(rig.loop.frames("CP-DB").size() > frames_after);
}
