// Drives the sans-I/O ocpp::v16::Engine directly: the host owns the socket, the clock and
// the thread. Here the "socket" is a scripted CSMS in the same function, so the program
// runs anywhere and checks what it claims.
#include <ocpp/store.hpp>
#include <ocpp/v16/engine.hpp>

#include <cstdio>
#include <deque>
#include <string>

namespace {

// The message id of a frame, e.g. "abc" in [2,"abc","Heartbeat",{}].
std::string frame_id(const std::string& frame) {
  const auto a = frame.find('"') + 1;
  return frame.substr(a, frame.find('"', a) - a);
}

// One turn of the host's loop: run due work and queued hooks, send what is ready.
void pump(ocpp::v16::Engine& engine, std::deque<std::string>& wire) {
  for (;;) {
    engine.handle_timeout(ocpp::now_from_system_clocks());
    while (auto text = engine.poll_transmit(ocpp::now_from_system_clocks()))
      wire.push_back(*text);  // a real host writes it to its WebSocket here
    auto hook = engine.poll_hook_call();
    if (!hook) return;
    hook();  // outside any lock of the host; its answer is applied by handle_timeout()
  }
}

}  // namespace

int main() {
  auto store = ocpp::make_memory_store();  // or ocpp::open_sqlite_store({...})
  ocpp::v16::EngineOptions options;
  options.boot.chargePointVendor = "Acme";
  options.boot.chargePointModel = "Wallbox22";
  options.id_seed = 42;  // the host supplies randomness
  ocpp::v16::Hooks hooks;
  hooks.remote_start = [](const ocpp::v16::RemoteStartTransactionRequest& req) {
    std::printf("CSMS asks to start a session for %s\n", req.idTag.c_str());
    return ocpp::v16::RemoteStartStopStatus::Accepted;
  };
  auto engine = ocpp::v16::Engine::create(options, *store, hooks, ocpp::now_from_system_clocks());
  if (!engine) return std::fprintf(stderr, "%s\n", engine.error().message().c_str()), 1;
  ocpp::v16::Engine& e = **engine;

  std::deque<std::string> wire;  // frames the engine handed us to send
  e.connected(ocpp::now_from_system_clocks());  // our WebSocket opened
  pump(e, wire);
  const std::string boot = wire.front();  // [2,"<id>","BootNotification",{...}]
  wire.clear();
  e.receive("[3,\"" + frame_id(boot) +
                "\",{\"status\":\"Accepted\",\"currentTime\":\"2026-01-01T00:00:00Z\",\"interval\":300}]",
            ocpp::now_from_system_clocks());
  pump(e, wire);  // StatusNotifications of connectors 0 and 1 follow, one CALL at a time
  wire.clear();
  e.receive("[2,\"cs-1\",\"RemoteStartTransaction\",{\"idTag\":\"04A2B3C4D5\",\"connectorId\":1}]",
            ocpp::now_from_system_clocks());
  pump(e, wire);  // replies to the CSMS go out before our own CALLs
  for (const auto& frame : wire) std::printf("-> %s\n", frame.c_str());
  const bool answered = !wire.empty() && wire.front() == "[3,\"cs-1\",{\"status\":\"Accepted\"}]";
  e.disconnected(ocpp::now_from_system_clocks());  // the CALL in flight is resent on reconnect
  return answered && e.registration() == ocpp::v16::RegistrationStatus::Accepted ? 0 : 1;
}
