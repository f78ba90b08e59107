// Brings its own transport: an ocpp::IoLoop and ocpp::Connection. A real one wraps the host's
// WebSocket stack; this one loops back to a tiny CSMS that accepts the BootNotification and
// answers every other CALL with {}, so the program runs anywhere and checks what it claims.
#include <ocpp/runner.hpp>
#include <ocpp/transport.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

class LoopbackLoop final : public ocpp::IoLoop {
 public:
  std::unique_ptr<ocpp::Connection> connect(const ocpp::ConnectOptions& options,
                                            ocpp::TransportEvents& events) override {
    // A real loop starts the TCP (TLS for wss://) connection and the WebSocket handshake here:
    // options.url, options.subprotocols, options.basic_auth_*, options.ca_file, ping, timeout.
    std::printf("connecting to %s\n", options.url.c_str());
    auto alive = std::make_shared<bool>(true);
    post(alive, [&events] { events.on_open("ocpp1.6"); });  // outcome from poll(), never here
    return std::make_unique<LoopbackConnection>(*this, events, alive);
  }

  void poll(std::chrono::milliseconds max_wait) override {
    std::deque<std::function<void()>> ready;
    {
      std::unique_lock<std::mutex> lk(m_);
      cv_.wait_for(lk, max_wait, [this] { return woken_ || !queue_.empty(); });
      woken_ = false;
      ready.swap(queue_);
    }
    for (auto& deliver : ready) deliver();  // TransportEvents callbacks, on the runner thread
  }

  void wake() override {  // any thread
    {
      std::lock_guard<std::mutex> lk(m_);
      woken_ = true;
    }
    cv_.notify_all();
  }

 private:
  class LoopbackConnection final : public ocpp::Connection {
   public:
    LoopbackConnection(LoopbackLoop& loop, ocpp::TransportEvents& events, std::shared_ptr<bool> alive)
        : loop_(loop), events_(events), alive_(std::move(alive)) {}
    ~LoopbackConnection() override { *alive_ = false; }  // destroyed: no more events

    std::error_code send(std::string_view text) override {
      // The "CSMS": answer our CALL [2,"<id>","<Action>",{...}] with a CALLRESULT.
      const std::string frame(text);
      const auto a = frame.find('"') + 1;
      const std::string id = frame.substr(a, frame.find('"', a) - a);
      const bool boot = frame.find("\"BootNotification\"") != std::string::npos;
      const std::string payload =
          boot ? R"({"status":"Accepted","currentTime":"2026-01-01T00:00:00Z","interval":300})" : "{}";
      loop_.post(alive_, [this, reply = "[3,\"" + id + "\"," + payload + "]"] { events_.on_message(reply); });
      return {};
    }
    void close() override {
      loop_.post(alive_, [this] { events_.on_close({}, "closed by the charge point"); });
    }

   private:
    LoopbackLoop& loop_;
    ocpp::TransportEvents& events_;
    std::shared_ptr<bool> alive_;
  };

  // Queues an event for the next poll(); dropped if its connection is gone by then.
  void post(std::shared_ptr<bool> alive, std::function<void()> deliver) {
    {
      std::lock_guard<std::mutex> lk(m_);
      queue_.push_back([alive, deliver = std::move(deliver)] {
        if (*alive) deliver();
      });
    }
    cv_.notify_all();
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool woken_ = false;
};

int main() {
  ocpp::Runner runner(std::make_unique<LoopbackLoop>());
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CP001";
  cfg.csms_url = "ws://csms.invalid/ocpp";  // handed to connect() as ws://csms.invalid/ocpp/CP001
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), {});
  if (!cp) return std::fprintf(stderr, "%s\n", cp.error().message().c_str()), 1;
  runner.start();
  bool accepted = false;
  for (int i = 0; i < 100 && !accepted; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    accepted = (*cp)->registration() == ocpp::v16::RegistrationStatus::Accepted;
  }
  std::printf("registration %s\n", accepted ? "Accepted" : "not accepted");
  cp.value().reset();  // charge points first, then the runner
  runner.stop();
  return accepted ? 0 : 1;
}
