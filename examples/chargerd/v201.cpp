// ocpp-chargerd --ocpp 2.0.1: the simulated charger as an OCPP 2.0.1 Charging Station on
// ocpp::v201::ChargingStation. --connectors N gives N EVSEs with one connector each. Line
// commands (N is the EVSE id): plug N, unplug N, fault N [CODE], clear N, status, quit; the
// transaction commands of 1.6 (tag, meter, stop) answer "not supported yet".
#include "v201.hpp"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

#include "console.hpp"
#include "ocpp/v201/charging_station.hpp"

using namespace ocpp::v201;
using namespace chargerd;

namespace {

class Station {
 public:
  explicit Station(const DaemonOptions& o)
      : opts_(o),
        plugged_(static_cast<std::size_t>(o.connectors) + 1, false),
        faulted_(static_cast<std::size_t>(o.connectors) + 1, false) {}

  int run() {
    ocpp::Runner runner;
    ChargingStationConfig cfg;
    cfg.identity = opts_.id;
    cfg.csms_url = opts_.url;
    cfg.evses.assign(static_cast<std::size_t>(opts_.connectors), 1);
    cfg.charging_station.vendorName = opts_.vendor;
    cfg.charging_station.model = opts_.model;
    cfg.charging_station.firmwareVersion = "0.1.0";
    cfg.db_path = opts_.db;
    cfg.backoff_min = std::chrono::milliseconds(opts_.backoff_min_ms);
    cfg.backoff_max = std::chrono::milliseconds(opts_.backoff_max_ms);
    cfg.call_timeout = std::chrono::seconds(opts_.call_timeout_s);
    cfg.connect_timeout = std::chrono::seconds(opts_.connect_timeout_s);
    cfg.password = opts_.password;
    if (opts_.security_profile)
      cfg.security_profile = static_cast<ocpp::SecurityProfile>(*opts_.security_profile);
    // A reset the CSMS asked for ended the previous run (B11.FR.04: boot reason RemoteReset).
    std::error_code ignored;
    if (std::filesystem::remove(reset_marker(), ignored))
      cfg.boot_reason = BootReasonEnumType::RemoteReset;
    std::string err = apply_tls_options(opts_, cfg);
    auto cs = err.empty()
                  ? ChargingStation::create(runner, std::move(cfg), hooks())
                  : ocpp::Result<std::unique_ptr<ChargingStation>>(ocpp::Errc::invalid_argument);
    if (err.empty() && !cs) err = cs.error().message();
    if (err.empty()) {
      if (auto ec = runner.start()) err = "runner: " + ec.message();
    }
    if (!err.empty()) {
      log_line(0, "cannot start: " + err);
      emit("error", [&](Writer& w) { str(w, "message", err); });
      return 1;
    }
    {
      std::lock_guard<std::mutex> lk(m_);
      cs_ = cs.value().get();
    }
    emit("ready", [&](Writer& w) {
      str(w, "id", opts_.id);
      str(w, "ocpp", "2.0.1");
      w.Key("evses");
      w.Int(opts_.connectors);
    });
    serve_commands([this](const std::string& line) { return execute(line); }, opts_.control);
    while (!g_quit) wait_for_quit(100);
    {
      std::lock_guard<std::mutex> lk(m_);
      cs_ = nullptr;
    }
    cs.value().reset();
    runner.stop();
    emit("stopped", [](Writer&) {});
    return 0;
  }

 private:
  std::string reset_marker() const { return opts_.db + ".reset"; }

  Hooks hooks() {
    Hooks h;
    h.connection = emit_connection;
    h.boot = [](RegistrationStatusEnumType s, std::int32_t interval) {
      emit_boot(to_string(s), interval);
    };
    h.status = [](int evse, int connector, ConnectorStatusEnumType s) {
      emit("status", [&](Writer& w) {
        w.Key("evseId");
        w.Int(evse);
        w.Key("connectorId");
        w.Int(connector);
        str(w, "status", to_string(s));
      });
    };
    // The simulated station reboots as a whole; it has no EVSE of its own to reset (B11.FR.09).
    h.reset_allowed = [](ResetEnumType type, std::optional<std::int32_t> evse) {
      const auto answer = evse ? ResetStatusEnumType::Rejected : ResetStatusEnumType::Accepted;
      emit("reset_requested", [&](Writer& w) {
        str(w, "type", to_string(type));
        w.Key("evseId");
        if (evse)
          w.Int(*evse);
        else
          w.Null();
        str(w, "status", to_string(answer));
      });
      return answer;
    };
    h.reset = [this](ResetEnumType type, std::optional<std::int32_t>) {
      // It "reboots" by exiting cleanly; its service manager starts it again.
      std::ofstream(reset_marker()) << to_string(type) << '\n';
      emit("reset", [&](Writer& w) { str(w, "type", to_string(type)); });
      request_quit();
    };
    if (opts_.log_frames) h.frame = emit_frame;
    h.log = log_line;
    return h;
  }

  // Executes one command line (see the top of this file).
  std::string execute(const std::string& line) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd.empty()) return "";
    std::lock_guard<std::mutex> lk(m_);
    if (!cs_) return error_json("shutting down");
    if (cmd == "quit") {
      request_quit();
      return "";
    }
    if (cmd == "status") return state_json();
    if (cmd == "tag" || cmd == "meter" || cmd == "stop") return error_json("not supported yet");
    if (cmd != "plug" && cmd != "unplug" && cmd != "fault" && cmd != "clear")
      return error_json("unknown command " + cmd);
    int n = 0;
    if (!(in >> n)) return error_json("usage: " + cmd + " N ...");
    if (n < 1 || n > opts_.connectors) return error_json(cmd + ": unknown EVSE");
    const auto i = static_cast<std::size_t>(n);
    if (cmd == "plug") plugged_[i] = true;
    if (cmd == "unplug") plugged_[i] = false;
    if (cmd == "fault") faulted_[i] = true;  // the CODE, if any, has no field in 2.0.1's G01
    if (cmd == "clear") faulted_[i] = false;
    const auto status = faulted_[i]   ? ConnectorStatusEnumType::Faulted
                        : plugged_[i] ? ConnectorStatusEnumType::Occupied
                                      : ConnectorStatusEnumType::Available;
    if (auto ec = cs_->set_connector_status(n, 1, status))
      return error_json(cmd + ": " + ec.message());
    return "";
  }

  std::string state_json() {
    return event_json("state", [&](Writer& w) {
      w.Key("connected");
      w.Bool(cs_->is_connected());
      w.Key("registration");
      if (auto r = cs_->registration())
        w.String(to_string(*r).data());
      else
        w.Null();
      w.Key("evses");
      w.StartArray();
      for (int e = 1; e <= opts_.connectors; ++e) {
        auto st = cs_->connector_status(e, 1);
        if (!st) continue;
        w.StartObject();
        w.Key("evseId");
        w.Int(e);
        w.Key("connectorId");
        w.Int(1);
        str(w, "status", to_string(*st));
        w.EndObject();
      }
      w.EndArray();
    });
  }

  const DaemonOptions& opts_;
  std::mutex m_;
  ChargingStation* cs_ = nullptr;
  std::vector<bool> plugged_;  // [evseId], as the simulated hardware sees it
  std::vector<bool> faulted_;
};

}  // namespace

int run_v201(const DaemonOptions& opts) { return Station(opts).run(); }
