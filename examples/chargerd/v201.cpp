// ocpp-chargerd --ocpp 2.0.1: the simulated charger as an OCPP 2.0.1 Charging Station on
// ocpp::v201::ChargingStation. --connectors N gives N EVSEs with one connector each. Line
// commands (N is the EVSE id, default 1 where shown in brackets):
//   plug N [C]        the EV's cable into connector C (default 1) of EVSE N
//   unplug N          the cable out of EVSE N
//   tag IDTOKEN [N]   an ISO14443 idToken presented at EVSE N
//   meter N WH        the energy register of EVSE N (Energy.Active.Import.Register, Wh)
//   charging N        the EV draws energy (chargingState Charging)
//   suspend N         the EV pauses (chargingState SuspendedEV)
//   stop N            the transaction of EVSE N ends (stoppedReason Local)
//   fault N [CODE], clear N, status, quit
//   limit N AMPS [SRC] an external limit (K11, K12) on EVSE N (0: the grid connection), A per
//                     phase, from SRC (EMS, the default; SO; Other)
//   limit N off [SRC] the external system released it (K13)
//   masterpass stop N|all  with --master-pass-ui: the user's selection in the Master Pass UI
//                     (C16.FR.01) after a master_pass event: EVSE N's transaction, or every one,
//                     ends with stoppedReason MasterPass
// When a transaction is running with the cable plugged, the simulated EV starts charging on its
// own (Charging), and the meter ramps at --power while it charges. UpdateFirmware (L01) and GetLog
// (N01) transfer files as in 1.6 (transfer.hpp: file:// and http://), each step printed as a
// "firmware" or "log_upload" event; --security-dir gives certificate management (M) its store.
#include "v201.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <vector>

#include "console.hpp"
#include "file_flows.hpp"
#include "ocpp/v201/charging_station.hpp"

using namespace ocpp::v201;
using namespace chargerd;

namespace {

constexpr auto kEnergy = MeasurandEnumType::Energy_Active_Import_Register;

void opt_int(Writer& w, const char* key, std::optional<int> v) {
  w.Key(key);
  if (v)
    w.Int(*v);
  else
    w.Null();
}

void opt_str(Writer& w, const char* key, const std::optional<std::string_view>& v) {
  w.Key(key);
  if (v)
    w.String(v->data(), static_cast<rapidjson::SizeType>(v->size()));
  else
    w.Null();
}

class Station {
 public:
  explicit Station(const DaemonOptions& o)
      : opts_(o),
        meter_(o.db + ".meter", o.connectors),
        plugged_(static_cast<std::size_t>(o.connectors) + 1, 0),
        faulted_(static_cast<std::size_t>(o.connectors) + 1, false),
        charging_(static_cast<std::size_t>(o.connectors) + 1, false) {}

  int run() {
    ocpp::Runner runner;
    ChargingStationConfig cfg;
    cfg.identity = opts_.id;
    cfg.csms_url = opts_.url;
    cfg.evses.assign(static_cast<std::size_t>(opts_.connectors), 1);
    cfg.charging_station.vendorName = opts_.vendor;
    cfg.charging_station.model = opts_.model;
    cfg.charging_station.firmwareVersion = "0.1.0";
    cfg.db_path = opts_.db;  // the durable outbox: kill -9 loses no TransactionEventRequest
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
      // --configuration Component.Variable=VALUE: values the firmware sets (ReadOnly ones
      // included, e.g. SecurityCtrlr.AdditionalRootCertificateCheck), at every start.
      for (const auto& [key, value] : opts_.configuration) {
        const auto dot = key.find('.');
        ocpp::v201::ComponentType c;
        ocpp::v201::VariableType v;
        c.name = key.substr(0, dot);
        v.name = dot == std::string::npos ? "" : key.substr(dot + 1);
        const auto ec = v.name.empty() ? std::make_error_code(std::errc::invalid_argument)
                                       : cs.value()->set_variable_actual(c, v, value);
        if (ec) err = "--configuration " + key + ": " + ec.message();
      }
    }
    if (err.empty()) {
      // The meter reads where it was before the restart.
      for (int e = 1; e <= opts_.connectors; ++e)
        if (auto ec = cs.value()->set_measurand(e, kEnergy, meter_.get(e))) err = ec.message();
    }
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
    auto last = std::chrono::steady_clock::now();
    while (!g_quit) {
      wait_for_quit(100);
      scheduler_.run_due();
      const auto now = std::chrono::steady_clock::now();
      ramp_meters(std::chrono::duration<double>(now - last).count());
      last = now;
    }
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

  // The simulated EV draws --power while Charging (main loop).
  void ramp_meters(double seconds) {
    std::lock_guard<std::mutex> lk(m_);
    if (!cs_ || opts_.power_w <= 0) return;
    for (int e = 1; e <= opts_.connectors; ++e) {
      if (!charging_[static_cast<std::size_t>(e)]) continue;
      meter_.set(e, meter_.get(e) + opts_.power_w * seconds / 3600.0);
      cs_->set_measurand(e, kEnergy, std::floor(meter_.get(e)));  // a register of whole Wh
    }
  }

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
    h.authorization = [](int evse, const IdTokenType& t, const IdTokenInfoType& info) {
      emit("authorization", [&](Writer& w) {
        w.Key("evseId");
        w.Int(evse);
        str(w, "idToken", t.idToken);
        str(w, "status", to_string(info.status));
      });
    };
    h.transaction_event = [this](const TransactionEventInfo& i) { transaction_event(i); };
    if (opts_.master_pass_ui)
      h.master_pass = [](const IdTokenType& t, const std::vector<int>& evses) {
        emit("master_pass", [&](Writer& w) {
          str(w, "idToken", t.idToken);
          w.Key("evseIds");
          w.StartArray();
          for (int e : evses) w.Int(e);
          w.EndArray();
        });
      };
    h.remote_start_allowed = [this](std::optional<std::int32_t> evse, const IdTokenType& t,
                                    std::int32_t remoteStartId) {
      const auto answer = remote_start_answer(evse);
      emit("remote_start", [&](Writer& w) {
        opt_int(w, "evseId", evse);
        str(w, "idToken", t.idToken);
        w.Key("remoteStartId");
        w.Int(remoteStartId);
        str(w, "status", to_string(answer));
      });
      return answer;
    };
    h.unlock_connector = [](int evse, int connector) {
      emit("unlock", [&](Writer& w) {
        w.Key("evseId");
        w.Int(evse);
        w.Key("connectorId");
        w.Int(connector);
      });
      return UnlockStatusEnumType::Unlocked;
    };
    h.data_transfer = [](const std::string& vendorId, const std::optional<std::string>& messageId,
                         const std::optional<std::string>& data) {
      // The simulated charger knows one vendor, as in 1.6: it echoes the data back.
      DataTransferResult r;
      if (vendorId == "ocpp-client") {
        r.status = DataTransferStatusEnumType::Accepted;
        r.data = data;
      }
      emit("data_transfer", [&](Writer& w) {
        str(w, "vendorId", vendorId);
        str(w, "messageId", messageId.value_or(""));
        str(w, "status", to_string(r.status));
      });
      return r;
    };
    h.variable_set = [](const ComponentType& c, const VariableType& v, AttributeEnumType a,
                        const std::string& value) {
      emit("variable_set", [&](Writer& w) {
        str(w, "component", c.name);
        str(w, "variable", v.name);
        str(w, "attributeType", to_string(a));
        str(w, "value", v.name == "BasicAuthPassword" ? std::string("***") : value);
      });
    };
    // The simulated station reboots as a whole; it has no EVSE of its own to reset (B11.FR.09).
    h.reset_allowed = [](ResetEnumType type, std::optional<std::int32_t> evse) {
      const auto answer = evse ? ResetStatusEnumType::Rejected : ResetStatusEnumType::Accepted;
      emit("reset_requested", [&](Writer& w) {
        str(w, "type", to_string(type));
        opt_int(w, "evseId", evse);
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
    h.charging_limit = [](int evse, double limit, ChargingRateUnitEnumType unit,
                          std::optional<std::int32_t> phases) {
      emit("charging_limit", [&](Writer& w) {
        w.Key("evseId");
        w.Int(evse);
        w.Key("limit");
        w.Double(limit);
        str(w, "unit", to_string(unit));
        opt_int(w, "numberPhases", phases);
      });
    };
    add_file_hooks(h);
    // Every security event the station records (A04), as in 1.6: a connection's security
    // failures (InvalidCsmsCertificate, FailedToAuthenticationAtCsms, ...) included.
    h.security_event = [](const SecurityEventNotificationRequest& ev, bool critical) {
      emit("security_event", [&](Writer& w) {
        str(w, "type", ev.type);
        opt_str(w, "techInfo",
                ev.techInfo ? std::optional<std::string_view>(*ev.techInfo)
                            : std::optional<std::string_view>());
        w.Key("critical");
        w.Bool(critical);
      });
    };
    if (opts_.log_frames) h.frame = emit_frame;
    h.log = log_line;
    return h;
  }

  // GetLog (N01) and UpdateFirmware (L01), simulated as in 1.6 (file_flows.hpp).
  void add_file_hooks(Hooks& h) {
    Later<ChargingStation> run_later = [this](int ms, std::function<void(ChargingStation&)> f) {
      later(ms, std::move(f));
    };
    add_log_hooks<UploadLogStatusEnumType>(h, run_later, opts_.id);
    FirmwareFlow<FirmwareStatusEnumType, ChargingStation> fw{
        "firmware", opts_.db, run_later,
        [](ChargingStation& cs, FirmwareStatusEnumType st, std::int32_t id,
           std::optional<std::string> path) {
          return cs.report_firmware_status(st, id, std::move(path));
        }};
    h.firmware_download = [fw](const UpdateFirmwareRequest& req) { fw.download(req); };
    h.firmware_install = [fw](const UpdateFirmwareRequest& req, const std::string& path) {
      fw.install(req, path);
    };
    h.firmware_cancel = [fw](std::int32_t id) { fw.cancelled(id); };
  }

  // Runs f on the station from the main loop after `ms` (if it still exists).
  void later(int ms, std::function<void(ChargingStation&)> f) {
    scheduler_.at(std::chrono::milliseconds(ms), [this, f = std::move(f)] {
      std::lock_guard<std::mutex> lk(m_);
      if (cs_) f(*cs_);
    });
  }

  // Accepted for a known EVSE that is not faulted (the library checks availability and
  // ongoing transactions itself).
  RequestStartStopStatusEnumType remote_start_answer(std::optional<std::int32_t> evse) {
    std::lock_guard<std::mutex> lk(m_);
    if (evse &&
        (*evse < 1 || *evse > opts_.connectors || faulted_[static_cast<std::size_t>(*evse)]))
      return RequestStartStopStatusEnumType::Rejected;
    return RequestStartStopStatusEnumType::Accepted;
  }

  // The transaction_event hook (runner thread): prints the event and drives the simulated EV.
  void transaction_event(const TransactionEventInfo& i) {
    emit("transaction_event", [&](Writer& w) {
      str(w, "transactionId", i.transactionId);
      w.Key("seqNo");
      w.Int(i.seqNo);
      str(w, "eventType", to_string(i.eventType));
      str(w, "triggerReason", to_string(i.triggerReason));
      w.Key("offline");
      w.Bool(i.offline);
      w.Key("evse");
      w.Int(i.evseId);
      w.Key("connector");
      w.Int(i.connectorId);
      opt_str(w, "chargingState",
              i.chargingState ? std::optional<std::string_view>(to_string(*i.chargingState))
                              : std::nullopt);
      opt_str(w, "stoppedReason",
              i.stoppedReason ? std::optional<std::string_view>(to_string(*i.stoppedReason))
                              : std::nullopt);
      opt_str(w, "idToken", i.idToken);
    });
    std::lock_guard<std::mutex> lk(m_);
    if (!cs_ || i.evseId < 1 || i.evseId > opts_.connectors) return;
    const auto e = static_cast<std::size_t>(i.evseId);
    if (i.eventType == TransactionEventEnumType::Ended) {
      // The energy offer stops; an EV still plugged waits (EVConnected).
      charging_[e] = false;
      if (plugged_[e]) cs_->set_charging_state(i.evseId, ChargingStateEnumType::EVConnected);
    } else if (i.eventType == TransactionEventEnumType::Started && plugged_[e] && !faulted_[e]) {
      // The energy offer starts: the simulated EV takes it.
      set_charging(i.evseId, true);
    }
  }

  // Charging (true) or SuspendedEV (false); with m_ held.
  std::error_code set_charging(int evse, bool on) {
    charging_[static_cast<std::size_t>(evse)] = on;
    return cs_->set_charging_state(
        evse, on ? ChargingStateEnumType::Charging : ChargingStateEnumType::SuspendedEV);
  }

  // Executes one command line (see the top of this file).
  std::string execute(const std::string& line) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd.empty()) return "";
    auto check = [&](std::error_code ec) {
      return ec ? error_json(cmd + ": " + ec.message()) : std::string();
    };
    std::lock_guard<std::mutex> lk(m_);
    if (!cs_) return error_json("shutting down");
    if (cmd == "quit") {
      request_quit();
      return "";
    }
    if (cmd == "status") return state_json();
    int n = 1;
    if (cmd == "tag") {
      IdTokenType token;
      token.type = IdTokenEnumType::ISO14443;
      if (!(in >> token.idToken)) return error_json("usage: tag IDTOKEN [N]");
      if (!(in >> n)) n = 1;
      return check(cs_->present_id_token(n, token));
    }
    if (cmd == "limit") return external_limit(in);
    if (cmd == "masterpass") return master_pass_stop(in);
    static const char* const kCommands[] = {"plug",  "unplug",   "fault",   "clear",
                                            "meter", "charging", "suspend", "stop"};
    if (std::find(std::begin(kCommands), std::end(kCommands), cmd) == std::end(kCommands))
      return error_json("unknown command " + cmd);
    if (!(in >> n)) return error_json("usage: " + cmd + " N ...");
    if (n < 1 || n > opts_.connectors) return error_json(cmd + ": unknown EVSE");
    const auto i = static_cast<std::size_t>(n);
    if (cmd == "plug") {
      int connector = 1;
      if (!(in >> connector)) connector = 1;
      if (auto ec = cs_->plug_in(n, connector)) return check(ec);
      plugged_[i] = connector;
      // A transaction already running (authorized before the cable) gets energy at once.
      if (cs_->transaction_id(n) && !faulted_[i]) return check(set_charging(n, true));
      return "";
    }
    if (cmd == "unplug") {
      if (auto ec = cs_->plug_out(n)) return check(ec);
      plugged_[i] = 0;
      charging_[i] = false;
      return "";
    }
    if (cmd == "meter") {
      double wh = 0;
      if (!(in >> wh) || !(wh >= 0)) return error_json("usage: meter N WH");
      meter_.set(n, wh);
      return check(cs_->set_measurand(n, kEnergy, wh));
    }
    if (cmd == "charging" || cmd == "suspend") return check(set_charging(n, cmd == "charging"));
    if (cmd == "stop") return check(cs_->stop_transaction(n, ReasonEnumType::Local));
    // fault N [CODE] / clear N: the CODE, if any, has no field in 2.0.1's G01.
    faulted_[i] = cmd == "fault";
    const auto status = faulted_[i]   ? ConnectorStatusEnumType::Faulted
                        : plugged_[i] ? ConnectorStatusEnumType::Occupied
                                      : ConnectorStatusEnumType::Available;
    return check(cs_->set_connector_status(n, plugged_[i] ? plugged_[i] : 1, status));
  }

  // masterpass stop N|all: the selection of the Master Pass UI (C16.FR.01).
  std::string master_pass_stop(std::istringstream& in) {
    const char* const usage = "usage: masterpass stop N|all";
    if (!opts_.master_pass_ui) return error_json("masterpass: needs --master-pass-ui");
    std::string verb, which;
    if (!(in >> verb >> which) || verb != "stop") return error_json(usage);
    if (which == "all") {
      for (int e = 1; e <= opts_.connectors; ++e)
        if (cs_->transaction_id(e))
          if (auto ec = cs_->stop_transaction(e, ReasonEnumType::MasterPass))
            return error_json("masterpass: " + ec.message());
      return "";
    }
    char* end = nullptr;
    const long n = std::strtol(which.c_str(), &end, 10);
    if (which.empty() || *end != '\0' || n < 1 || n > opts_.connectors)
      return error_json("masterpass: unknown EVSE");
    if (auto ec = cs_->stop_transaction(static_cast<int>(n), ReasonEnumType::MasterPass))
      return error_json("masterpass: " + ec.message());
    return "";
  }

  // limit N AMPS [SOURCE] / limit N off [SOURCE]: an external system's limit (K11-K13).
  std::string external_limit(std::istringstream& in) {
    const char* const usage = "usage: limit N AMPS|off [EMS|SO|Other]";
    int n = -1;
    std::string value, source_text = "EMS";
    if (!(in >> n >> value)) return error_json(usage);
    in >> source_text;
    ChargingLimitSourceEnumType source{};
    if (!from_string(source_text, source) || source == ChargingLimitSourceEnumType::CSO)
      return error_json(usage);
    std::error_code ec;
    if (value == "off") {
      ec = cs_->release_external_limit(n, source);
    } else {
      char* end = nullptr;
      const double amps = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || !(amps >= 0)) return error_json(usage);
      ChargingScheduleType schedule;
      schedule.id = 1;
      schedule.chargingRateUnit = ChargingRateUnitEnumType::A;
      ChargingSchedulePeriodType period;
      period.startPeriod = 0;
      period.limit = amps;
      schedule.chargingSchedulePeriod.push_back(period);
      ec = cs_->set_external_limit(n, source, schedule);
    }
    return ec ? error_json("limit: " + ec.message()) : std::string();
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
      w.Key("queue");
      w.Uint64(cs_->queued_transaction_messages());
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
        opt_str(w, "transactionId", cs_->transaction_id(e));
        w.Key("meterWh");
        w.Double(meter_.get(e));
        w.EndObject();
      }
      w.EndArray();
    });
  }

  const DaemonOptions& opts_;
  Scheduler scheduler_;
  std::mutex m_;  // guards what follows; hooks take it, execute() holds it across API calls
  ChargingStation* cs_ = nullptr;
  Meter meter_;
  std::vector<int> plugged_;  // [evseId]: the connector the cable is in, 0 = none
  std::vector<bool> faulted_;
  std::vector<bool> charging_;  // the simulated EV draws energy
};

}  // namespace

int run_v201(const DaemonOptions& opts) { return Station(opts).run(); }
