#include "ocpp/v16/charge_point.hpp"

#include <mutex>
#include <random>

#include "core/backoff.hpp"
#include "ocpp/sqlite_store.hpp"

namespace ocpp::v16 {

namespace {

// The identity is the last path segment of the URL, percent-encoded (OCPP-J 1.6 §3.1.1:
// "RDAM 123" → "RDAM%20123").
std::string percent_encode(const std::string& id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : id) {
    const bool unreserved = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                            (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~';
    if (unreserved) {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

// ':' cannot be part of an HTTP Basic auth user name (RFC 7617), and the identity is that name.
bool valid_identity(const std::string& id) {
  if (id.empty() || id.size() > 48) return false;
  for (unsigned char ch : id)
    if (ch < 0x20 || ch == 0x7f || ch == ':') return false;
  return true;
}

}  // namespace

class ChargePoint::Impl final : public Runner::Client, public TransportEvents {
 public:
  Impl(Runner& runner, ChargePointConfig config) : runner_(runner), config_(std::move(config)) {
    std::random_device rd;
    rng_.seed((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  }

  // --- Runner::Client (runner thread) ---
  MonoTime step(Now now) override {
    if (shut_down_) {
      // Stepped after shutdown(): the runner was stopped and started again. Reconnect.
      shut_down_ = false;
      attempt_ = 0;
      reconnect_at_ = now.mono;
    }
    if (dead_connection_) {
      dead_connection_ = false;
      connection_.reset();
    }
    if (!connection_ && !shut_down_ && now.mono >= reconnect_at_) open_connection(now);
    // Nothing due: the runner steps it again on an API call or a transport event of its own.
    MonoTime wake = now.mono + std::chrono::hours(1);
    for (int round = 0; round < 64; ++round) {
      std::vector<std::string> out;
      std::vector<std::function<void()>> calls;
      {
        std::lock_guard<std::mutex> lk(m_);
        engine_->handle_timeout(now);
        while (auto t = engine_->poll_transmit(now)) out.push_back(std::move(*t));
        while (auto f = engine_->poll_hook_call()) calls.push_back(std::move(f));
        if (auto d = engine_->next_deadline()) wake = std::min(wake, *d);
      }
      for (auto& t : out) {
        if (connection_ && open_) connection_->send(t);
      }
      if (calls.empty()) break;
      for (auto& f : calls) f();  // no lock held: hooks may call back into the API
      now = now_from_system_clocks();
    }
    if (!connection_) wake = std::min(wake, reconnect_at_);
    return wake;
  }

  void shutdown() override {
    shut_down_ = true;
    if (connection_) {
      connection_->close();
      connection_.reset();
    }
    if (open_) {
      open_ = false;
      std::lock_guard<std::mutex> lk(m_);
      engine_->disconnected(now_from_system_clocks());
    }
  }

  // --- TransportEvents (runner thread, inside IoLoop::poll) ---
  // Each event asks the runner to step this charge point (and no other) right after the poll.
  void on_open(std::string_view subprotocol) override {
    runner_.wake(*this);
    if (subprotocol != "ocpp1.6") {
      // A host transport that ignored the subprotocol negotiation: refuse (OCPP-J 1.6 §3.1.2).
      if (connection_) connection_->close();
      return;
    }
    open_ = true;
    attempt_ = 0;
    std::lock_guard<std::mutex> lk(m_);
    engine_->connected(now_from_system_clocks());
  }

  void on_message(std::string_view text) override {
    runner_.wake(*this);
    std::lock_guard<std::mutex> lk(m_);
    engine_->receive(text, now_from_system_clocks());
  }

  void on_close(std::error_code ec, std::string_view reason) override {
    runner_.wake(*this);
    const Now now = now_from_system_clocks();
    dead_connection_ = true;  // destroyed in step(), not inside its own callback
    const bool was_open = open_;
    open_ = false;
    if (was_open) {
      std::lock_guard<std::mutex> lk(m_);
      engine_->disconnected(now);
    }
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    const auto delay = core::backoff_delay(attempt_++, config_.backoff_min, config_.backoff_max, jitter(rng_));
    reconnect_at_ = now.mono + delay;
    if (hooks_.log) {
      const std::string message = "connection closed (" + ec.message() + (reason.empty() ? "" : ": ") + std::string(reason) +
                     "); reconnecting in " + std::to_string(delay.count()) + " ms";
      hooks_.log(1, message);
    }
  }

  void open_connection(Now now) {
    ConnectOptions o;
    o.url = config_.csms_url;
    if (o.url.empty() || o.url.back() != '/') o.url += '/';
    o.url += percent_encode(config_.charge_point_id);
    o.subprotocols = {"ocpp1.6"};
    std::int64_t ping = 0;
    std::string key;
    {
      std::lock_guard<std::mutex> lk(m_);
      if (auto k = engine_->get_configuration("AuthorizationKey")) key = k.value();
      if (auto p = engine_->get_configuration("WebSocketPingInterval")) ping = std::stoll(p.value());
    }
    if (!key.empty()) {
      o.basic_auth_user = config_.charge_point_id;
      o.basic_auth_password = key;
    }
    o.ca_file = config_.ca_file;
    o.ping_interval = std::chrono::seconds(ping);
    o.max_message_size = config_.max_message_size;
    o.connect_timeout = config_.connect_timeout;
    // Until it opens or fails, a back-off is pending in case the loop reports nothing.
    reconnect_at_ = now.mono + std::chrono::seconds(60);
    connection_ = runner_.io().connect(o, *this);
  }

  // Thread-safe entry for the API: run op on the engine under the lock, then wake the runner.
  template <class F>
  auto with_engine(F&& op) {
    using R = decltype(op(*engine_, now_from_system_clocks()));
    if constexpr (std::is_void_v<R>) {
      {
        std::lock_guard<std::mutex> lk(m_);
        op(*engine_, now_from_system_clocks());
      }
      runner_.wake(*this);
    } else {
      R r = [&] {
        std::lock_guard<std::mutex> lk(m_);
        return op(*engine_, now_from_system_clocks());
      }();
      runner_.wake(*this);
      return r;
    }
  }

  Runner& runner_;
  ChargePointConfig config_;
  Hooks hooks_;
  std::unique_ptr<Store> store_;
  mutable std::mutex m_;  // guards engine_
  std::unique_ptr<Engine> engine_;
  // Runner thread only:
  std::unique_ptr<Connection> connection_;
  bool open_ = false;
  bool dead_connection_ = false;
  bool shut_down_ = false;
  unsigned attempt_ = 0;
  MonoTime reconnect_at_{};
  std::mt19937_64 rng_;
};

namespace {

bool valid_url(const std::string& url) {
  return url.rfind("ws://", 0) == 0 || url.rfind("wss://", 0) == 0;
}

}  // namespace

Result<std::unique_ptr<ChargePoint>> ChargePoint::create(Runner& runner, ChargePointConfig config,
                                                         Hooks hooks) {
  // The identity becomes a URL path segment and the Basic auth user name.
  if (config.charge_point_id.empty() || config.charge_point_id.size() > 48 ||
      !valid_identity(config.charge_point_id) || !valid_url(config.csms_url))
    return Errc::invalid_argument;
  if (auto ec = runner.error()) return ec;
  EngineOptions eo;
  eo.connectors = config.connectors;
  eo.boot.chargePointVendor = config.vendor;
  eo.boot.chargePointModel = config.model;
  eo.boot.chargePointSerialNumber = config.serial_number;
  eo.boot.firmwareVersion = config.firmware_version;
  eo.call_timeout = config.call_timeout;
  eo.configuration_defaults = config.configuration;
  if (config.password) eo.configuration_defaults.emplace_back("AuthorizationKey", *config.password);
  std::random_device rd;
  eo.id_seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();

  std::unique_ptr<Store> store;
  if (config.store) {
    store = std::move(config.store);
  } else if (!config.db_path.empty()) {
    auto s = open_sqlite_store({config.db_path, config.charge_point_id});
    if (!s) return s.error();
    store = std::move(s.value());
  } else {
    store = make_memory_store();
  }

  auto impl = std::make_shared<Impl>(runner, std::move(config));
  impl->hooks_ = hooks;
  impl->store_ = std::move(store);
  auto engine = Engine::create(std::move(eo), *impl->store_, std::move(hooks), now_from_system_clocks());
  if (!engine) return engine.error();
  impl->engine_ = std::move(engine.value());
  runner.attach(impl);
  return std::unique_ptr<ChargePoint>(new ChargePoint(std::move(impl), runner));
}

ChargePoint::ChargePoint(std::shared_ptr<Impl> impl, Runner& runner)
    : impl_(std::move(impl)), runner_(runner) {}

ChargePoint::~ChargePoint() {
  std::shared_ptr<Runner::Client> client = impl_;
  runner_.detach(client);
}

std::error_code ChargePoint::plug_in(int c) {
  return impl_->with_engine([c](Engine& e, Now n) { return e.plug_in(c, n); });
}
std::error_code ChargePoint::unplug(int c) {
  return impl_->with_engine([c](Engine& e, Now n) { return e.unplug(c, n); });
}
std::error_code ChargePoint::present_id_tag(std::string_view tag, std::optional<int> c) {
  return impl_->with_engine([tag, c](Engine& e, Now n) { return e.present_id_tag(tag, c, n); });
}
std::error_code ChargePoint::set_meter_energy(int c, std::int64_t wh) {
  return impl_->with_engine([c, wh](Engine& e, Now n) { return e.set_meter_energy(c, wh, n); });
}
std::error_code ChargePoint::report_fault(int c, ChargePointErrorCode code, std::string_view info) {
  return impl_->with_engine([=](Engine& e, Now n) { return e.report_fault(c, code, info, n); });
}
std::error_code ChargePoint::clear_fault(int c) {
  return impl_->with_engine([c](Engine& e, Now n) { return e.clear_fault(c, n); });
}
std::error_code ChargePoint::suspend(int c, bool by_ev) {
  return impl_->with_engine([c, by_ev](Engine& e, Now n) { return e.suspend(c, by_ev, n); });
}
std::error_code ChargePoint::resume(int c) {
  return impl_->with_engine([c](Engine& e, Now n) { return e.resume(c, n); });
}
std::error_code ChargePoint::stop_transaction(int c, Reason reason) {
  return impl_->with_engine([c, reason](Engine& e, Now n) { return e.stop_transaction(c, reason, n); });
}
Result<std::string> ChargePoint::get_configuration(std::string_view key) const {
  std::lock_guard<std::mutex> lk(impl_->m_);
  return impl_->engine_->get_configuration(key);
}
std::error_code ChargePoint::set_configuration(std::string_view key, std::string_view value) {
  return impl_->with_engine([key, value](Engine& e, Now) { return e.set_configuration(key, value); });
}
bool ChargePoint::is_connected() const {
  std::lock_guard<std::mutex> lk(impl_->m_);
  return impl_->engine_->is_connected();
}
std::optional<RegistrationStatus> ChargePoint::registration() const {
  std::lock_guard<std::mutex> lk(impl_->m_);
  return impl_->engine_->registration();
}
Result<ConnectorState> ChargePoint::connector_state(int c) const {
  std::lock_guard<std::mutex> lk(impl_->m_);
  return impl_->engine_->connector_state(c);
}
std::size_t ChargePoint::queued_transaction_messages() const {
  std::lock_guard<std::mutex> lk(impl_->m_);
  return impl_->engine_->queued_transaction_messages();
}


// --- Firmware Management profile ---
std::error_code ChargePoint::report_firmware_status(FirmwareStatus s) {
  return impl_->with_engine([s](Engine& e, Now n) { return e.report_firmware_status(s, n); });
}
std::error_code ChargePoint::report_diagnostics_status(DiagnosticsStatus s) {
  return impl_->with_engine([s](Engine& e, Now n) { return e.report_diagnostics_status(s, n); });
}
FirmwareStatus ChargePoint::firmware_status() const {
  std::lock_guard<std::mutex> lk(impl_->m_);
  return impl_->engine_->firmware_status();
}
DiagnosticsStatus ChargePoint::diagnostics_status() const {
  std::lock_guard<std::mutex> lk(impl_->m_);
  return impl_->engine_->diagnostics_status();
}

// --- Core profile: data transfer, vendor configuration keys, availability ---
std::error_code ChargePoint::send_data_transfer(std::string_view vendor_id, std::optional<std::string> message_id,
                                                std::optional<std::string> data, DataTransferCallback callback) {
  return impl_->with_engine([&](Engine& e, Now n) {
    return e.send_data_transfer(vendor_id, std::move(message_id), std::move(data), std::move(callback), n);
  });
}
std::error_code ChargePoint::add_configuration_key(std::string_view key, ConfigurationKeyType type,
                                                   ConfigurationKeyAccess access, std::string_view default_value,
                                                   std::function<bool(std::string_view)> validator,
                                                   bool reboot_required) {
  return impl_->with_engine([&](Engine& e, Now) {
    return e.add_configuration_key(key, type, access, default_value, std::move(validator), reboot_required);
  });
}
Result<AvailabilityType> ChargePoint::availability(int c) const {
  std::lock_guard<std::mutex> lk(impl_->m_);
  return impl_->engine_->availability(c);
}

}  // namespace ocpp::v16
