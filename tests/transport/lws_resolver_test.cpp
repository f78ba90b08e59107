// Host names are resolved off the loop's thread (a slow DNS server must not stall every
// charge point of a Runner), each address is tried in turn, and a closing connection is
// counted until its close handshake ends (Runner::stop waits for it).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ocpp/error.hpp"
#include "ocpp/transport.hpp"
#include "support/lws_test_servers.hpp"
#include "transport/lws/lws_io_loop.hpp"
#include "transport/lws/resolver.hpp"

using namespace std::chrono_literals;
using namespace lws_test;
using ocpp::lws_transport::ResolveFn;

namespace {

ocpp::ConnectOptions named(const std::string& host, int port) {
  auto o = ws_options(port);
  o.url = "ws://" + host + ":" + std::to_string(port) + "/ocpp/CP001";
  return o;
}

// Answers "slow.test" after `delay`, with `addresses`; fails every other name.
ResolveFn slow_resolver(std::chrono::milliseconds delay, std::vector<std::string> addresses,
                        std::shared_ptr<std::atomic<int>> calls) {
  return [=](const std::string& host, std::string& error) -> std::vector<std::string> {
    ++*calls;
    if (host != "slow.test") {
      error = "unknown host";
      return {};
    }
    std::this_thread::sleep_for(delay);
    return addresses;
  };
}

}  // namespace

TEST_CASE("lws: system_resolve and is_ip_literal", "[transport][lws][dns]") {
  using ocpp::lws_transport::is_ip_literal;
  CHECK(is_ip_literal("127.0.0.1"));
  CHECK(is_ip_literal("::1"));
  CHECK(is_ip_literal("fe80::1"));
  CHECK_FALSE(is_ip_literal("localhost"));
  CHECK_FALSE(is_ip_literal("10.0.0"));
  std::string error;
  auto a = ocpp::lws_transport::system_resolve("localhost", error);
  REQUIRE_FALSE(a.empty());
  CHECK(is_ip_literal(a[0]));
  // IPv4 first: a CSMS name with both records is dialled over IPv4 first.
  if (a.size() > 1) CHECK(a[0].find(':') == std::string::npos);
  CHECK(ocpp::lws_transport::system_resolve("no-such-host.invalid", error).empty());
  CHECK_FALSE(error.empty());
}

TEST_CASE("lws: a slow name lookup stalls no other connection", "[transport][lws][dns]") {
  LwsTestServer server;
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto loop = ocpp::lws_transport::make_lws_io_loop(slow_resolver(1500ms, {"127.0.0.1"}, calls));
  REQUIRE(loop);
  Recorder slow;
  Recorder fast;
  auto c1 = loop->connect(named("slow.test", server.port()), slow);
  auto c2 = loop->connect(ws_options(server.port()), fast);  // an IP literal: no lookup
  const auto t0 = Clock::now();
  REQUIRE(pump(*loop, [&] { return fast.opens > 0; }, 1000ms));
  CHECK_FALSE(c2->send("ping-1"));
  // Every poll returns on time while the lookup is still running.
  auto longest = Clock::duration::zero();
  while (fast.messages.empty() && Clock::now() - t0 < 1000ms) {
    const auto p0 = Clock::now();
    loop->poll(20ms);
    longest = std::max(longest, Clock::now() - p0);
  }
  REQUIRE(fast.messages.size() == 1);
  CHECK(slow.opens == 0);
  CHECK(longest < 300ms);
  // Then the slow one opens too, on the address the resolver gave.
  REQUIRE(pump(*loop, [&] { return slow.opens + slow.closes > 0; }, 5s));
  CHECK(slow.opens == 1);
  CHECK(*calls == 1);
}

TEST_CASE("lws: a name that does not resolve is reported, and a lookup past the connect timeout "
          "is a connect timeout",
          "[transport][lws][dns]") {
  LwsTestServer server;
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto loop = ocpp::lws_transport::make_lws_io_loop(slow_resolver(2500ms, {"127.0.0.1"}, calls));
  REQUIRE(loop);
  Recorder unknown;
  auto c1 = loop->connect(named("nowhere.test", server.port()), unknown);
  REQUIRE(pump(*loop, [&] { return unknown.closes > 0; }));
  CHECK(unknown.close_ec == ocpp::Errc::transport_error);
  CHECK(unknown.close_reason.find("cannot resolve nowhere.test") != std::string::npos);

  Recorder late;
  auto o = named("slow.test", server.port());
  o.connect_timeout = 1s;
  auto c2 = loop->connect(o, late);
  const auto t0 = Clock::now();
  REQUIRE(pump(*loop, [&] { return late.closes + late.opens > 0; }, 2000ms));
  CHECK(late.opens == 0);
  CHECK(late.close_reason.find("connect timeout (resolving slow.test)") != std::string::npos);
  CHECK(Clock::now() - t0 < 1800ms);
  // The loop goes away while the lookup still runs: it finishes on its own, harmlessly.
  loop.reset();
}

TEST_CASE("lws: each address of a name is tried in turn", "[transport][lws][dns]") {
  LwsTestServer server;  // listens on 127.0.0.1 only: 127.0.0.2 refuses
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto loop =
      ocpp::lws_transport::make_lws_io_loop(slow_resolver(0ms, {"127.0.0.2", "127.0.0.1"}, calls));
  Recorder rec;
  auto conn = loop->connect(named("slow.test", server.port()), rec);
  REQUIRE(pump(*loop, [&] { return rec.opens + rec.closes > 0; }));
  CHECK(rec.opens == 1);
  CHECK(rec.closes == 0);

  // All refuse: one close, with the reason of the last attempt.
  auto loop2 =
      ocpp::lws_transport::make_lws_io_loop(slow_resolver(0ms, {"127.0.0.2", "127.0.0.3"}, calls));
  Recorder none;
  auto conn2 = loop2->connect(named("slow.test", server.port()), none);
  REQUIRE(pump(*loop2, [&] { return none.opens + none.closes > 0; }));
  CHECK(none.opens == 0);
  CHECK(none.close_ec == ocpp::Errc::transport_error);
  pump_for(*loop2, 200ms);
  CHECK(none.closes == 1);
}

TEST_CASE("lws: wss to a host name verifies the certificate against the name", "[transport][lws][dns]") {
  TempDir dir;
  const std::string cert = dir.path + "/server.pem";
  const std::string key = dir.path + "/server.key";
  make_self_signed(cert, key, 7, "DNS:localhost");
  LwsTestServer::Tls tls{cert, key};
  LwsTestServer server(&tls);
  auto loop = ocpp::make_lws_io_loop();
  auto opts = ws_options(server.port());
  opts.url = "wss://localhost:" + std::to_string(server.port()) + "/ocpp/CP001";
  opts.ca_file = cert;
  Recorder rec;
  auto conn = loop->connect(opts, rec);
  REQUIRE(pump(*loop, [&] { return rec.closes > 0 || rec.opens > 0; }));
  CHECK(rec.opens == 1);
  // The same certificate for the IP address: the name does not match.
  auto opts2 = opts;
  opts2.url = "wss://127.0.0.1:" + std::to_string(server.port()) + "/ocpp/CP001";
  Recorder rec2;
  auto conn2 = loop->connect(opts2, rec2);
  REQUIRE(pump(*loop, [&] { return rec2.closes > 0 || rec2.opens > 0; }));
  CHECK(rec2.opens == 0);
  CHECK(rec2.close_ec == ocpp::Errc::tls_error);
}

TEST_CASE("lws: a closing connection counts until its close handshake ends", "[transport][lws]") {
  LwsTestServer server;
  auto loop = ocpp::make_lws_io_loop();
  CHECK(loop->active_connections() == 0);
  Recorder rec;
  auto conn = loop->connect(ws_options(server.port()), rec);
  CHECK(loop->active_connections() == 1);
  REQUIRE(pump(*loop, [&] { return rec.opens > 0; }));
  conn.reset();  // the handle goes; the close handshake goes on in the loop
  CHECK(loop->active_connections() == 1);
  REQUIRE(pump(*loop, [&] { return loop->active_connections() == 0; }, 3s));
  CHECK(server.peer_close_code() == 1000);
}
