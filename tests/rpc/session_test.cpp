// The version-neutral RPC session (src/rpc/session.hpp) on a simulated clock, with a memory
// store and a test DurableHandler: OCPP-J 1.6 section 4.1.1 / OCPP 2.0.1 part 4 section 4.2
// (one CALL in flight, replies matched by id), OCPP 1.6 section 3.7 / 2.0.1 E13 (retries of
// transaction messages), and the ordering and bounds of docs/guides/durability.md and limits.md.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "ocpp/error.hpp"
#include "rpc/session.hpp"

using namespace std::chrono_literals;
using ocpp::Now;
using ocpp::OutboxMessage;
using ocpp::rpc::DurableHandler;
using ocpp::rpc::Session;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE(d.IsArray());
  return d;
}

std::string id_of(const std::string& frame) { return parse(frame)[1].GetString(); }
std::string action_of(const std::string& frame) { return parse(frame)[2].GetString(); }
std::string payload_of(const std::string& frame) {
  auto d = parse(frame);
  return d[3].IsString() ? d[3].GetString() : "";
}

// Payloads are JSON strings here; "bad" results fail check_result; actions starting with "X"
// are unknown; payload "skip" is discarded by prepare.
class TestDurable final : public DurableHandler {
 public:
  Prepared prepare(const OutboxMessage& m, std::string& payload) override {
    if (!m.action.empty() && m.action[0] == 'X') return Prepared::unknown_action;
    if (m.payload == "\"skip\"") return Prepared::discard;
    payload = m.payload;
    ++prepared;
    return Prepared::send;
  }
  bool check_result(const OutboxMessage&, const rapidjson::Value& result, ocpp::AckEffects& fx,
                    std::string& error) override {
    if (result.IsObject() && result.HasMember("bad")) {
      error = "bad result";
      return false;
    }
    if (result.IsObject() && result.HasMember("id")) fx.set_transaction_id = std::to_string(result["id"].GetInt());
    return true;
  }
  ocpp::AckEffects discard_effects(const OutboxMessage& m) override {
    ocpp::AckEffects fx;
    fx.delete_transaction = m.action == "Stop";
    return fx;
  }
  void removed(const OutboxMessage& m, const ocpp::AckEffects& fx, const rapidjson::Value* result,
               Now) override {
    removals.push_back(m.action + (result ? ":acked" : ":discarded") +
                       (fx.set_transaction_id ? ":id" + *fx.set_transaction_id : ""));
  }
  int prepared = 0;
  std::vector<std::string> removals;
};

struct Fixture {
  std::unique_ptr<ocpp::Store> store = ocpp::make_memory_store();
  TestDurable durable;
  std::vector<std::string> logs;
  Now now{ocpp::MonoTime{} + 1000s, {}};
  std::unique_ptr<Session> s;

  explicit Fixture(ocpp::rpc::SessionOptions o = {}) {
    o.call_timeout = 30s;
    s = std::make_unique<Session>(o, *store, durable, [this](int, std::string m) { logs.push_back(m); });
    REQUIRE(!s->load());
    s->set_retry_policy({3, 60s});
  }
  void advance(std::chrono::seconds d) {
    now.mono += d;
    s->handle_timeout(now);
  }
  std::optional<std::string> tx() { return s->poll_transmit(now); }
  void in(const std::string& frame, bool answer = true) { (void)s->receive(frame, now, answer); }
  std::int64_t append(const std::string& action, const std::string& payload, bool droppable = false) {
    OutboxMessage m;
    m.action = action;
    m.payload = payload;
    m.droppable = droppable;
    REQUIRE(!s->append(m));
    return m.seq;
  }
  void open() {
    s->connected();
    s->set_open(true);
  }
};

}  // namespace

TEST_CASE("session: one CALL in flight, replies first, results matched by id", "[rpc][session]") {
  Fixture f;
  f.open();
  std::vector<std::string> results;
  auto done = [&](const char* tag) {
    return [&results, tag](const rapidjson::Value* r, Now) {
      results.push_back(std::string(tag) + (r ? ":ok" : ":failed"));
    };
  };
  REQUIRE(f.s->send("A", "{}", done("A")));
  REQUIRE(f.s->send("B", "{}", done("B")));
  auto a = f.tx();
  REQUIRE(a);
  CHECK(action_of(*a) == "A");
  CHECK_FALSE(f.tx());  // B waits for A's answer
  // A CALL from the peer is handed to the version; its reply goes out before B.
  auto call = f.s->receive(R"([2,"peer-1","Reset",{"type":"Soft"}])", f.now, true);
  REQUIRE(call);
  CHECK(call->action == "Reset");
  f.s->reply(call->id, R"({"status":"Accepted"})");
  auto r = f.tx();
  REQUIRE(r);
  CHECK(*r == R"([3,"peer-1",{"status":"Accepted"}])");
  // Replies with other ids, or a second one, are ignored.
  f.in(R"([3,"not-ours",{}])");
  CHECK(results.empty());
  f.in("[3,\"" + id_of(*a) + "\",{}]");
  f.in("[3,\"" + id_of(*a) + "\",{}]");
  CHECK(results == std::vector<std::string>{"A:ok"});
  auto b = f.tx();
  REQUIRE(b);
  CHECK(action_of(*b) == "B");
  CHECK(id_of(*b) != id_of(*a));
  f.in("[4,\"" + id_of(*b) + "\",\"InternalError\",\"x\",{}]");
  CHECK(results == std::vector<std::string>{"A:ok", "B:failed"});
}

TEST_CASE("session: call timeout fails the CALL and frees the line", "[rpc][session]") {
  Fixture f;
  f.open();
  int failed = 0;
  REQUIRE(f.s->send("A", "{}", [&](const rapidjson::Value* r, Now) { failed += r ? 0 : 1; }));
  REQUIRE(f.s->send("B", "{}"));
  auto a = f.tx();
  REQUIRE(a);
  CHECK(f.s->next_deadline() == f.now.mono + 30s);
  f.advance(29s);
  CHECK(failed == 0);
  CHECK_FALSE(f.tx());
  f.advance(1s);
  CHECK(failed == 1);
  auto b = f.tx();
  REQUIRE(b);
  CHECK(action_of(*b) == "B");
  // The late answer to A matches nothing.
  f.in("[3,\"" + id_of(*a) + "\",{}]");
  CHECK(failed == 1);
}

TEST_CASE("session: a disconnect fails volatile CALLs, keeps durable ones, drops replies",
          "[rpc][session]") {
  Fixture f;
  f.open();
  std::vector<std::string> failed;
  f.append("Start", "\"s\"");
  REQUIRE(f.s->send("Status", "{}", [&](const rapidjson::Value* r, Now) {
    if (!r) failed.push_back("Status");
  }));
  auto first = f.tx();
  REQUIRE(first);
  CHECK(action_of(*first) == "Start");
  (void)f.s->receive(R"([2,"p1","Reset",{}])", f.now, true);
  f.s->reply("p1", "{}");
  const auto epoch = f.s->epoch();
  f.s->disconnected(f.now);
  CHECK(failed == std::vector<std::string>{"Status"});
  CHECK_FALSE(f.tx());
  f.s->connected();
  CHECK(f.s->epoch() == epoch + 1);
  auto again = f.tx();  // no stale reply; the durable message is resent
  REQUIRE(again);
  CHECK(action_of(*again) == "Start");
  CHECK(id_of(*again) != id_of(*first));
  // A reply to the CALL of the old connection matches nothing.
  f.in("[3,\"" + id_of(*first) + "\",{}]");
  CHECK(f.durable.removals.empty());
  f.in("[3,\"" + id_of(*again) + "\",{\"id\":7}]");
  CHECK(f.durable.removals == std::vector<std::string>{"Start:acked:id7"});
  CHECK(f.s->outbox_size() == 0);
}

TEST_CASE("session: until open only the opening CALL goes out", "[rpc][session]") {
  Fixture f;
  f.s->connected();
  f.append("Start", "\"s\"");
  REQUIRE(f.s->send("Status", "{}"));
  CHECK_FALSE(f.tx());
  bool booted = false;
  f.s->send_opening("Boot", "{}", [&](const rapidjson::Value* r, Now) { booted = r != nullptr; });
  CHECK(f.s->opening_pending());
  auto b = f.tx();
  REQUIRE(b);
  CHECK(action_of(*b) == "Boot");
  f.in("[3,\"" + id_of(*b) + "\",{}]");
  CHECK(booted);
  CHECK_FALSE(f.tx());  // still closed
  f.s->set_open(true);
  auto s = f.tx();
  REQUIRE(s);
  CHECK(action_of(*s) == "Start");
}

TEST_CASE("session: durable retries follow the policy, then the message is discarded",
          "[rpc][session]") {
  Fixture f;
  f.open();
  f.s->set_retry_policy({3, 10s});
  f.append("Stop", "\"x\"");
  auto t1 = f.tx();
  REQUIRE(t1);
  f.in("[4,\"" + id_of(*t1) + "\",\"InternalError\",\"busy\",{}]");
  CHECK_FALSE(f.tx());
  CHECK(f.s->next_deadline() == f.now.mono + 10s);  // interval x 1
  f.advance(9s);
  CHECK_FALSE(f.tx());
  f.advance(1s);
  auto t2 = f.tx();
  REQUIRE(t2);
  f.in("[3,\"" + id_of(*t2) + "\",{\"bad\":1}]");  // an invalid CALLRESULT is a failure too
  f.advance(19s);
  CHECK_FALSE(f.tx());
  f.advance(1s);  // interval x 2
  auto t3 = f.tx();
  REQUIRE(t3);
  CHECK(f.durable.removals.empty());
  f.advance(30s);  // no answer: the third failed attempt
  CHECK(f.durable.removals == std::vector<std::string>{"Stop:discarded"});
  CHECK(f.s->outbox_size() == 0);
  CHECK_FALSE(f.tx());
}

TEST_CASE("session: the attempt count survives a restart (it is in the store)", "[rpc][session]") {
  Fixture f;
  f.open();
  f.s->set_retry_policy({2, 10s});
  f.append("Stop", "\"x\"");
  auto t1 = f.tx();
  REQUIRE(t1);
  f.in("[4,\"" + id_of(*t1) + "\",\"InternalError\",\"\",{}]");
  // A new session over the same store, as after a power cut.
  Session s2({}, *f.store, f.durable, [](int, std::string) {});
  REQUIRE(!s2.load());
  CHECK(s2.outbox_size() == 1);
  s2.set_retry_policy({2, 10s});
  s2.connected();
  s2.set_open(true);
  auto t2 = s2.poll_transmit(f.now);
  REQUIRE(t2);
  (void)s2.receive("[4,\"" + id_of(*t2) + "\",\"InternalError\",\"\",{}]", f.now, true);
  CHECK(f.durable.removals == std::vector<std::string>{"Stop:discarded"});
}

TEST_CASE("session: unknown stored actions are an error and never sent; prepare may discard",
          "[rpc][session]") {
  Fixture f;
  f.open();
  f.append("Xyz", "\"a\"");
  f.append("Meter", "\"skip\"");
  f.append("Meter", "\"m\"");
  auto t = f.tx();
  REQUIRE(t);
  CHECK(action_of(*t) == "Meter");
  CHECK(payload_of(*t) == "m");
  CHECK(f.durable.removals == std::vector<std::string>{"Xyz:discarded", "Meter:discarded"});
  bool logged = false;
  for (const auto& l : f.logs) logged = logged || l.find("unknown action 'Xyz'") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("session: messages leave in the order they were produced", "[rpc][session]") {
  Fixture f;
  f.open();
  f.s->set_retry_policy({5, 10s});
  REQUIRE(f.s->send("Status1", "{}"));
  f.append("Start", "\"s\"");
  REQUIRE(f.s->send("Status2", "{}"));  // produced after Start: waits for it
  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i) {
    auto t = f.tx();
    REQUIRE(t);
    order.push_back(action_of(*t));
    f.in("[3,\"" + id_of(*t) + "\",{}]");
  }
  CHECK(order == std::vector<std::string>{"Status1", "Start", "Status2"});
  // While the durable head waits for its retry, volatile CALLs go ahead.
  f.append("Meter", "\"m\"");
  auto m = f.tx();
  REQUIRE(m);
  f.in("[4,\"" + id_of(*m) + "\",\"InternalError\",\"\",{}]");
  REQUIRE(f.s->send("Heartbeat", "{}"));
  auto h = f.tx();
  REQUIRE(h);
  CHECK(action_of(*h) == "Heartbeat");
}

TEST_CASE("session: the volatile queue and the outbox are bounded", "[rpc][session][limits]") {
  ocpp::rpc::SessionOptions o;
  o.max_volatile = 3;
  o.outbox_limit = 2;
  Fixture f(o);
  f.open();
  CHECK(f.s->volatile_room() == 3);
  for (int i = 0; i < 3; ++i) REQUIRE(f.s->send("N", "{}"));
  CHECK(f.s->volatile_room() == 0);
  CHECK_FALSE(f.s->send("N", "{}"));  // nobody waits for it: dropped
  bool told = false;
  CHECK(f.s->send("Authorize", "{}", [&](const rapidjson::Value*, Now) { told = true; }));
  // Durable: the oldest droppable message makes room; others are never dropped.
  f.append("Meter", "\"m1\"", true);
  f.append("Meter", "\"m2\"", true);
  f.append("Meter", "\"m3\"", true);
  CHECK(f.s->outbox_size() == 2);
  f.append("Stop", "\"s\"");
  CHECK(f.s->outbox_size() == 3);
  OutboxMessage m;
  m.action = "Meter";
  m.payload = "\"m4\"";
  m.droppable = true;
  CHECK(!f.s->append(m));  // m2 gives way
  std::vector<std::string> sent;
  while (auto t = f.tx()) {
    sent.push_back(action_of(*t) + (payload_of(*t).empty() ? "" : ":" + payload_of(*t)));
    f.in("[3,\"" + id_of(*t) + "\",{}]");
  }
  CHECK(told);
  CHECK(sent == std::vector<std::string>{"N", "N", "N", "Authorize", "Meter:m3", "Stop:s", "Meter:m4"});
}

TEST_CASE("session: not answering calls (1.6 BootNotification Rejected)", "[rpc][session]") {
  Fixture f;
  f.s->connected();
  bool booted = false;
  f.s->send_opening("Boot", "{}", [&](const rapidjson::Value* r, Now) { booted = r != nullptr; });
  auto b = f.tx();
  REQUIRE(b);
  CHECK_FALSE(f.s->receive(R"([2,"c1","Reset",{}])", f.now, false));
  (void)f.s->receive(R"([2,"c2"])", f.now, false);  // malformed: not answered either
  (void)f.s->receive("[3,\"" + id_of(*b) + "\",{}]", f.now, false);  // our reply still counts
  CHECK(booted);
  CHECK_FALSE(f.tx());
  (void)f.s->receive(R"([2,"c3"])", f.now, true);
  auto e = f.tx();
  REQUIRE(e);
  CHECK(e->rfind(R"([4,"c3","FormationViolation")", 0) == 0);
}

TEST_CASE("session: after a restart, new CALLs wait for the messages queued before it",
          "[rpc][session]") {
  // Found by the power-cut campaign (docs/robustness.md): statuses of a new run went out
  // before the StopTransaction the earlier run had queued.
  Fixture f;
  f.append("Stop", "\"old\"");
  Session s2({}, *f.store, f.durable, [](int, std::string) {});
  REQUIRE(!s2.load());
  s2.connected();
  s2.set_open(true);
  REQUIRE(s2.send("Status", "{}"));
  OutboxMessage m;
  m.action = "Meter";
  m.payload = "\"new\"";
  REQUIRE(!s2.append(m));
  std::vector<std::string> order;
  while (auto t = s2.poll_transmit(f.now)) {
    order.push_back(action_of(*t));
    (void)s2.receive("[3,\"" + id_of(*t) + "\",{}]", f.now, true);
  }
  CHECK(order == std::vector<std::string>{"Stop", "Status", "Meter"});
}

TEST_CASE("session: no deadline in the past while a CALL is in flight (no busy loop)",
          "[rpc][session]") {
  // Found by fuzzing the engine: a retry time left set kept next_deadline() in the past.
  Fixture f;
  f.open();
  f.s->set_retry_policy({5, 10s});
  f.append("Start", "\"s\"");
  auto t1 = f.tx();
  REQUIRE(t1);
  f.in("[4,\"" + id_of(*t1) + "\",\"InternalError\",\"\",{}]");
  REQUIRE(f.s->send("Heartbeat", "{}"));
  auto hb = f.tx();  // goes ahead while the retry waits
  REQUIRE(hb);
  CHECK(action_of(*hb) == "Heartbeat");
  f.now.mono += 20s;  // the retry is due, but the heartbeat is in flight
  auto d = f.s->next_deadline();
  REQUIRE(d);
  CHECK(*d > f.now.mono);  // the heartbeat's timeout, not the past retry time
  f.in("[3,\"" + id_of(*hb) + "\",{}]");
  auto t2 = f.tx();  // now the retry
  REQUIRE(t2);
  CHECK(action_of(*t2) == "Start");
  d = f.s->next_deadline();
  REQUIRE(d);
  CHECK(*d > f.now.mono);  // the retry time was spent when it went out
}

TEST_CASE("session: OCPP 2.0.1 answers an unreadable frame with message id -1 and spells its codes",
          "[rpc][session]") {
  // OCPP 2.0.1 part 4 section 4.2.3; 1.6 drops such a frame (docs/protocol-choices.md).
  ocpp::rpc::SessionOptions o;
  o.dialect = ocpp::RpcDialect::ocpp201;
  Fixture f(o);
  f.open();
  f.in("not json at all");
  auto e = f.tx();
  REQUIRE(e);
  CHECK(e->rfind(R"([4,"-1","RpcFrameworkError",)", 0) == 0);
  f.in(R"([3])");  // a broken reply is never answered
  CHECK_FALSE(f.tx());
  f.in(R"([5,"m1",{}])");
  auto t = f.tx();
  REQUIRE(t);
  CHECK(t->rfind(R"([4,"m1","MessageTypeNotSupported",)", 0) == 0);
  f.s->reply_error("c1", ocpp::RpcErrorCode::OccurrenceConstraintViolation, "x");
  auto r = f.tx();
  REQUIRE(r);
  CHECK(r->rfind(R"([4,"c1","OccurrenceConstraintViolation",)", 0) == 0);
  // The 1.6 dialect drops the unreadable frame and keeps 1.6's spellings.
  Fixture g;
  g.open();
  g.in("not json at all");
  CHECK_FALSE(g.tx());
  g.s->reply_error("c2", ocpp::RpcErrorCode::OccurrenceConstraintViolation, "x");
  auto r16 = g.tx();
  REQUIRE(r16);
  CHECK(r16->rfind(R"([4,"c2","OccurenceConstraintViolation",)", 0) == 0);
}
