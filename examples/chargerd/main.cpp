// ocpp-chargerd: a simulated charger on ocpp-client, for evaluation boards and tests.
// Line commands on stdin (and on a Unix socket with --control); one JSON event per line on
// stdout; logs on stderr. SIGTERM stops it cleanly; after kill -9 a restart on the same
// database resumes every unfinished transaction.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <vector>

#include "console.hpp"
#include "file_flows.hpp"
#include "ocpp/v16/charge_point.hpp"
#include "options.hpp"
#include "v201.hpp"

using namespace ocpp::v16;
using ocpp::Result;
using namespace chargerd;

namespace {

class Daemon {
 public:
  explicit Daemon(DaemonOptions o) : opts_(std::move(o)), meter_(opts_.db + ".meter", opts_.connectors) {}

  int run() {
    ocpp::Runner runner;
    ChargePointConfig cfg;
    cfg.charge_point_id = opts_.id;
    cfg.csms_url = opts_.url;
    cfg.connectors = opts_.connectors;
    cfg.vendor = opts_.vendor;
    cfg.model = opts_.model;
    cfg.firmware_version = "0.1.0";
    cfg.db_path = opts_.db;
    cfg.backoff_min = std::chrono::milliseconds(opts_.backoff_min_ms);
    cfg.backoff_max = std::chrono::milliseconds(opts_.backoff_max_ms);
    cfg.call_timeout = std::chrono::seconds(opts_.call_timeout_s);
    cfg.connect_timeout = std::chrono::seconds(opts_.connect_timeout_s);
    if (auto err = apply_security_options(opts_, cfg); !err.empty()) {
      std::fprintf(stderr, "ocpp-chargerd: cannot start: %s\n", err.c_str());
      emit("error", [&](Writer& w) { str(w, "message", err); });
      return 1;
    }
    auto cp = ChargePoint::create(runner, std::move(cfg), hooks());
    if (!cp) {
      std::fprintf(stderr, "ocpp-chargerd: cannot start: %s\n", cp.error().message().c_str());
      emit("error", [&](Writer& w) { str(w, "message", cp.error().message()); });
      return 1;
    }
    cp_ = cp.value().get();
    for (int c = 1; c <= opts_.connectors; ++c) {
      // Transactions restored from the store resume with the meter where it was.
      auto st = cp_->connector_state(c);
      double wh = std::max(meter_.get(c), st ? static_cast<double>(st->meter_wh) : 0.0);
      meter_.set(c, wh);
      cp_->set_meter_energy(c, static_cast<std::int64_t>(wh));
    }
    if (auto ec = runner.start()) {
      std::fprintf(stderr, "ocpp-chargerd: runner: %s\n", ec.message().c_str());
      return 1;
    }
    emit("ready", [&](Writer& w) {
      str(w, "id", opts_.id);
      w.Key("connectors");
      w.Int(opts_.connectors);
    });
    serve_commands([this](const std::string& line) { return execute(line); }, opts_.control);

    auto last = std::chrono::steady_clock::now();
    while (!g_quit) {
      wait_for_quit(100);
      scheduler_.run_due();
      const auto now = std::chrono::steady_clock::now();
      const double dt = std::chrono::duration<double>(now - last).count();
      last = now;
      std::lock_guard<std::mutex> lk(m_);
      for (int c = 1; c <= opts_.connectors; ++c) {
        auto st = cp_->connector_state(c);
        if (st && st->status == ChargePointStatus::Charging) {
          meter_.set(c, meter_.get(c) + opts_.power_w * dt / 3600.0);
          cp_->set_meter_energy(c, static_cast<std::int64_t>(meter_.get(c)));
        }
      }
    }
    {
      std::lock_guard<std::mutex> lk(m_);
      cp_ = nullptr;
    }
    cp.value().reset();
    runner.stop();
    emit("stopped", [](Writer&) {});
    return 0;
  }

 private:
  Hooks hooks() {
    Hooks h;
    h.connection = emit_connection;
    h.boot = [](RegistrationStatus s, std::int32_t interval) { emit_boot(to_string(s), interval); };
    h.status = [](int c, ChargePointStatus s, ChargePointErrorCode e) {
      emit("status", [&](Writer& w) {
        w.Key("connectorId");
        w.Int(c);
        str(w, "status", to_string(s));
        str(w, "errorCode", to_string(e));
      });
    };
    h.authorize = [](const std::string& tag, const IdTagInfo& info) {
      emit("authorize", [&](Writer& w) {
        str(w, "idTag", tag);
        str(w, "status", to_string(info.status));
      });
    };
    h.transaction_started = [](const TransactionInfo& t) {
      emit("transaction_started", [&](Writer& w) {
        w.Key("connectorId");
        w.Int(t.connectorId);
        str(w, "idTag", t.idTag);
        w.Key("txKey");
        w.Int64(t.tx_key);
        w.Key("meterStart");
        w.Int(t.meterStart);
      });
    };
    h.transaction_confirmed = [](const TransactionInfo& t, const IdTagInfo& info) {
      emit("transaction_id", [&](Writer& w) {
        w.Key("connectorId");
        w.Int(t.connectorId);
        w.Key("txKey");
        w.Int64(t.tx_key);
        w.Key("transactionId");
        w.Int(t.transactionId.value_or(0));
        str(w, "status", to_string(info.status));
      });
    };
    h.transaction_stopped = [](const TransactionInfo& t, Reason r, std::int32_t meter) {
      emit("transaction_stopped", [&](Writer& w) {
        w.Key("connectorId");
        w.Int(t.connectorId);
        w.Key("txKey");
        w.Int64(t.tx_key);
        w.Key("transactionId");
        if (t.transactionId) w.Int(*t.transactionId);
        else w.Null();
        str(w, "reason", to_string(r));
        w.Key("meterStop");
        w.Int(meter);
      });
    };
    h.remote_start_answered = [](const RemoteStartTransactionRequest& req, RemoteStartStopStatus s) {
      emit("remote_start", [&](Writer& w) {
        w.Key("connectorId");
        if (req.connectorId) w.Int(*req.connectorId);
        else w.Null();
        str(w, "idTag", req.idTag);
        str(w, "status", to_string(s));
      });
    };
    h.remote_stop_answered = [](std::int32_t id, RemoteStartStopStatus s) {
      emit("remote_stop", [&](Writer& w) {
        w.Key("transactionId");
        w.Int(id);
        str(w, "status", to_string(s));
      });
    };
    h.configuration_changed = [](const std::string& key, const std::string& value) {
      emit("configuration_changed", [&](Writer& w) {
        str(w, "key", key);
        str(w, "value", key == "AuthorizationKey" ? std::string("***") : value);
      });
    };
    if (opts_.log_frames) h.frame = emit_frame;
    h.availability_changed = [](int c, AvailabilityType t) {
      emit("availability", [&](Writer& w) {
        w.Key("connectorId");
        w.Int(c);
        str(w, "type", to_string(t));
      });
    };
    h.data_transfer = [](const DataTransferRequest& req) {
      // The simulated charger knows one vendor: it echoes the data back.
      DataTransferResponse resp;
      resp.status = req.vendorId == "ocpp-client" ? DataTransferStatus::Accepted : DataTransferStatus::UnknownVendorId;
      if (resp.status == DataTransferStatus::Accepted) resp.data = req.data;
      emit("data_transfer", [&](Writer& w) {
        str(w, "vendorId", req.vendorId);
        str(w, "messageId", req.messageId.value_or(""));
        str(w, "status", to_string(resp.status));
      });
      return resp;
    };
    h.reset = [](ResetType t) {
      emit("reset_requested", [&](Writer& w) { str(w, "type", to_string(t)); });
      return ResetStatus::Accepted;
    };
    h.execute_reset = [](ResetType t) {
      // The simulated charger "reboots" by exiting cleanly; its service manager starts it again
      // and it resumes from its database.
      emit("reset", [&](Writer& w) { str(w, "type", to_string(t)); });
      request_quit();
    };
    h.unlock_connector = [](int c) {
      emit("unlock", [&](Writer& w) {
        w.Key("connectorId");
        w.Int(c);
      });
      return UnlockStatus::Unlocked;
    };
    h.firmware_download = [this](const std::string& location) {
      emit("firmware_download", [&](Writer& w) { str(w, "location", location); });
      later(300, [](ChargePoint& cp) { cp.report_firmware_status(FirmwareStatus::Downloading); });
      later(1200, [](ChargePoint& cp) { cp.report_firmware_status(FirmwareStatus::Downloaded); });
    };
    h.firmware_install = [this] {
      emit("firmware_install", [](Writer&) {});
      later(300, [](ChargePoint& cp) { cp.report_firmware_status(FirmwareStatus::Installing); });
      later(1200, [](ChargePoint& cp) { cp.report_firmware_status(FirmwareStatus::Installed); });
    };
    h.get_diagnostics = [this](const GetDiagnosticsRequest&) -> std::optional<std::string> {
      return "diagnostics-" + opts_.id + ".log";
    };
    h.upload_diagnostics = [this](const std::string& location, const std::string& file,
                                  std::optional<ocpp::DateTime>, std::optional<ocpp::DateTime>) {
      emit("diagnostics_upload", [&](Writer& w) {
        str(w, "location", location);
        str(w, "fileName", file);
      });
      later(200, [](ChargePoint& cp) { cp.report_diagnostics_status(DiagnosticsStatus::Uploading); });
      // "file:///dir" uploads into a local folder; anything else is not reachable from here.
      bool ok = false;
      if (location.rfind("file://", 0) == 0) {
        std::ofstream out(location.substr(7) + "/" + file);
        out << "ocpp-chargerd " << opts_.id << " diagnostics\n";
        ok = static_cast<bool>(out);
      }
      later(800, [ok](ChargePoint& cp) {
        cp.report_diagnostics_status(ok ? DiagnosticsStatus::Uploaded : DiagnosticsStatus::UploadFailed);
      });
    };
    h.reservation = [](int c, std::int32_t id, bool reserved) {
      emit("reservation", [&](Writer& w) {
        w.Key("connectorId");
        w.Int(c);
        w.Key("reservationId");
        w.Int(id);
        w.Key("reserved");
        w.Bool(reserved);
      });
    };
    h.charging_limit = [](int c, double limit, ChargingRateUnitType unit, std::optional<std::int32_t> phases) {
      emit("charging_limit", [&](Writer& w) {
        w.Key("connectorId");
        w.Int(c);
        w.Key("limit");
        w.Double(limit);
        str(w, "unit", to_string(unit));
        w.Key("numberPhases");
        if (phases) w.Int(*phases);
        else w.Null();
      });
    };
    h.security_event = [](const SecurityEventNotificationRequest& ev, bool critical) {
      emit("security_event", [&](Writer& w) {
        str(w, "type", ev.type);
        w.Key("techInfo");
        if (ev.techInfo)
          w.String(ev.techInfo->data(), static_cast<rapidjson::SizeType>(ev.techInfo->size()));
        else
          w.Null();
        w.Key("critical");
        w.Bool(critical);
      });
    };
    add_security_file_hooks(h);
    h.client_certificate_changed = [] { emit("client_certificate_changed", [](Writer&) {}); };
    h.log = log_line;
    return h;
  }

  // The Security Whitepaper's file flows (N01 GetLog, L01 SignedUpdateFirmware), simulated as
  // in 2.0.1 (file_flows.hpp).
  void add_security_file_hooks(Hooks& h) {
    Later<ChargePoint> run_later = [this](int ms, std::function<void(ChargePoint&)> f) {
      later(ms, std::move(f));
    };
    add_log_hooks<UploadLogStatusEnumType>(h, run_later, opts_.id);
    FirmwareFlow<FirmwareStatusEnumType, ChargePoint> fw{
        "signed_firmware", opts_.db, run_later,
        [](ChargePoint& cp, FirmwareStatusEnumType st, std::int32_t id,
           std::optional<std::string> path) {
          return cp.report_signed_firmware_status(st, id, std::move(path));
        }};
    h.signed_firmware_download = [fw](const SignedUpdateFirmwareRequest& req) { fw.download(req); };
    h.signed_firmware_install = [fw](const SignedUpdateFirmwareRequest& req,
                                     const std::string& path) { fw.install(req, path); };
    h.signed_firmware_cancel = [fw](std::int32_t id) { fw.cancelled(id); };
  }

  // Executes one command line; returns the reply line (an event) or "" when the command's
  // effects are reported by events.
  std::string execute(const std::string& line) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd.empty()) return "";
    auto error = error_json;
    auto check = [&](std::error_code ec) { return ec ? error(cmd + ": " + ec.message()) : std::string(); };
    std::lock_guard<std::mutex> lk(m_);
    if (!cp_) return error("shutting down");
    int n = 0;
    if (cmd == "quit") {
      request_quit();
      return "";
    }
    if (cmd == "status") return state_json();
    if (cmd == "tag") {
      std::string tag;
      if (!(in >> tag)) return error("usage: tag IDTAG [N]");
      std::optional<int> c;
      if (in >> n) c = n;
      return check(cp_->present_id_tag(tag, c));
    }
    if (cmd == "fw_status") {
      std::string v;
      FirmwareStatus st{};
      if (!(in >> v) || !from_string(v, st)) return error("usage: fw_status FIRMWARESTATUS");
      return check(cp_->report_firmware_status(st));
    }
    if (cmd == "diag_status") {
      std::string v;
      DiagnosticsStatus st{};
      if (!(in >> v) || !from_string(v, st)) return error("usage: diag_status DIAGNOSTICSSTATUS");
      return check(cp_->report_diagnostics_status(st));
    }
    if (cmd == "security_event") {
      // A security event of the simulated hardware (Security Whitepaper section 3, A04), e.g.
      // "security_event TamperDetectionActivated lid opened".
      std::string type, info;
      if (!(in >> type)) return error("usage: security_event TYPE [TECHINFO]");
      std::getline(in >> std::ws, info);
      return check(cp_->report_security_event(
          type, info.empty() ? std::nullopt : std::optional<std::string>(info)));
    }
    if (cmd == "datatransfer") {
      std::string vendor, message, data;
      if (!(in >> vendor)) return error("usage: datatransfer VENDORID [MESSAGEID [DATA]]");
      in >> message;
      std::getline(in >> std::ws, data);
      auto opt = [](const std::string& v) { return v.empty() ? std::optional<std::string>() : v; };
      return check(cp_->send_data_transfer(vendor, opt(message), opt(data), [vendor](Result<DataTransferResponse> r) {
        emit("data_transfer_result", [&](Writer& w) {
          str(w, "vendorId", vendor);
          if (r) {
            str(w, "status", to_string(r->status));
            if (r->data) str(w, "data", *r->data);
          } else {
            str(w, "error", r.error().message());
          }
        });
      }));
    }
    if (!(in >> n)) return error("usage: " + cmd + " N ...");
    if (cmd == "plug") return check(cp_->plug_in(n));
    if (cmd == "unplug") return check(cp_->unplug(n));
    if (cmd == "stop") return check(cp_->stop_transaction(n, Reason::Local));
    if (cmd == "clear") return check(cp_->clear_fault(n));
    if (cmd == "meter") {
      double wh = 0;
      if (!(in >> wh) || wh < 0) return error("usage: meter N WH");
      if (n < 1 || n > opts_.connectors) return error("meter: unknown connector");
      meter_.set(n, wh);
      return check(cp_->set_meter_energy(n, static_cast<std::int64_t>(wh)));
    }
    if (cmd == "fault") {
      std::string code;
      ChargePointErrorCode e{};
      if (!(in >> code) || !from_string(code, e)) return error("usage: fault N ERRORCODE (an OCPP ChargePointErrorCode)");
      return check(cp_->report_fault(n, e));
    }
    return error("unknown command " + cmd);
  }

  std::string state_json() {
    return event_json("state", [&](Writer& w) {
      w.Key("connected");
      w.Bool(cp_->is_connected());
      w.Key("registration");
      if (auto r = cp_->registration()) w.String(to_string(*r).data());
      else w.Null();
      w.Key("queue");
      w.Uint64(cp_->queued_transaction_messages());
      w.Key("connectors");
      w.StartArray();
      for (int c = 1; c <= opts_.connectors; ++c) {
        auto st = cp_->connector_state(c);
        if (!st) continue;
        w.StartObject();
        w.Key("connectorId");
        w.Int(c);
        str(w, "status", to_string(st->status));
        w.Key("transactionId");
        if (st->transaction && st->transaction->transactionId) w.Int(*st->transaction->transactionId);
        else w.Null();
        w.Key("txKey");
        if (st->transaction) w.Int64(st->transaction->tx_key);
        else w.Null();
        w.Key("meterWh");
        w.Int64(st->meter_wh);
        w.EndObject();
      }
      w.EndArray();
    });
  }

  // Runs f on the charge point from the main loop after delay (if it still exists).
  void later(int ms, std::function<void(ChargePoint&)> f) {
    scheduler_.at(std::chrono::milliseconds(ms), [this, f = std::move(f)] {
      std::lock_guard<std::mutex> lk(m_);
      if (cp_) f(*cp_);
    });
  }

  DaemonOptions opts_;
  Meter meter_;
  Scheduler scheduler_;
  std::mutex m_;
  ChargePoint* cp_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  DaemonOptions opts;
  std::string err = parse_options(argc, argv, opts);
  if (err == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!err.empty()) {
    std::fprintf(stderr, "ocpp-chargerd: %s\n%s", err.c_str(), kUsage);
    return 2;
  }
  if (!install_signal_handlers()) return 1;
  if (opts.ocpp == "2.0.1") return run_v201(opts);
  return Daemon(std::move(opts)).run();
}
