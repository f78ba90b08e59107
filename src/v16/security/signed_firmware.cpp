// Security Whitepaper L01: SignedUpdateFirmware and SignedFirmwareStatusNotification.
//
// The steps of a secure update (certificate check, DownloadScheduled, retries, signature check,
// InstallScheduled, waiting for the transactions, persistence under the store key "sfw.update")
// are the shared core::FirmwareUpdate; this file answers SignedUpdateFirmware.req and binds the
// 1.6 hooks (signed_firmware_download / _install / _cancel), the connectors (Unavailable while
// the installation waits: L01.FR.07/19) and the security events. The firmware reports its
// progress with Engine::report_signed_firmware_status.
#include "v16/security/signed_firmware.hpp"

#include "core/firmware_update.hpp"
#include "v16/engine_impl.hpp"
#include "v16/file_transfer.hpp"
#include "v16/security/security_events.hpp"

namespace ocpp::v16 {
namespace {

using Status = FirmwareStatusEnumType;

constexpr const char* kUpdateKey = "sfw.update";

using Update = core::FirmwareUpdate<transfer::Codec, Engine::Impl, SignedUpdateFirmwareRequest,
                                    Status, SignedFirmwareStatusNotificationRequest>;

class SignedFirmwareModule final : public Module {
 public:
  explicit SignedFirmwareModule(Engine::Impl& engine)
      : engine_(engine), update_(engine, kUpdateKey, port()) {}

  // ------------------------------------------------------------------ state for others

  Status trigger_status() const { return update_.trigger_status(); }
  std::optional<std::int32_t> trigger_request_id() const { return update_.trigger_request_id(); }

  // ------------------------------------------------------------------ Module

  std::error_code load(Now now) override { return update_.load(now); }

  bool handles(Action a) const override { return a == Action::SignedUpdateFirmware; }

  void handle(Action, const rpc::Frame& frame, Now now) override {
    SignedUpdateFirmwareRequest req;
    if (!engine_.decode_request(frame, req)) return;
    SignedUpdateFirmwareResponse resp;
    std::string why;
    switch (update_.decide(req, why)) {
      case Update::Answer::InvalidCertificate:  // L01.FR.24 and L01.FR.02
        resp.status = UpdateFirmwareStatusEnumType::InvalidCertificate;
        engine_.reply(frame.id, codec::to_json(resp));
        update_.refused(why, now);
        return;
      case Update::Answer::Rejected:  // L01.FR.27
        resp.status = UpdateFirmwareStatusEnumType::Rejected;
        engine_.reply(frame.id, codec::to_json(resp));
        return;
      case Update::Answer::AcceptedCanceled:  // L01.FR.26
        resp.status = UpdateFirmwareStatusEnumType::AcceptedCanceled;
        break;
      case Update::Answer::Accepted:
        resp.status = UpdateFirmwareStatusEnumType::Accepted;
        break;
    }
    engine_.reply(frame.id, codec::to_json(resp));
    update_.start(req, now);
  }

  // L01.FR.07/19: the free connectors are Unavailable while the installation waits for the
  // transactions to end and until the firmware is installed.
  bool makes_unavailable(const Connector& c) const override {
    return c.id != 0 && !c.tx_key && update_.holds_connectors();
  }

  void on_transaction_stopped(Connector&, std::int64_t, Reason, Now now) override {
    update_.transaction_ended(now);  // L01.FR.06/18
  }

  void on_timer(Now now) override { update_.on_timer(now); }
  std::optional<MonoTime> next_deadline() const override { return update_.next_deadline(); }

  // ------------------------------------------------------------------ firmware reports

  std::error_code report(Status st, std::int32_t request_id, Now now,
                         const std::optional<std::string>& path) {
    return update_.report(st, request_id, now, path);
  }

  void send_triggered() {
    engine_.send_volatile(Action::SignedFirmwareStatusNotification,
                          codec::to_json(update_.triggered()));
  }

 private:
  Update::Port port() {
    Update::Port p;
    p.provider = engine_.options_.security.get();
    p.download = [this](const SignedUpdateFirmwareRequest& req) {
      if (!engine_.hooks_.signed_firmware_download) return false;
      engine_.defer([h = engine_.hooks_.signed_firmware_download, req] { h(req); });
      return true;
    };
    p.install = [this](const SignedUpdateFirmwareRequest& req, const std::string& path) {
      if (!engine_.hooks_.signed_firmware_install) return false;
      engine_.defer([h = engine_.hooks_.signed_firmware_install, req, path] { h(req, path); });
      return true;
    };
    p.cancel = [this](std::int32_t id) {
      if (engine_.hooks_.signed_firmware_cancel)
        engine_.defer([h = engine_.hooks_.signed_firmware_cancel, id] { h(id); });
    };
    p.transactions_running = [this] {
      for (const auto& c : engine_.connectors_)
        if (c.tx_key) return true;
      return false;
    };
    p.refresh_connectors = [this](Now now) {
      for (auto& c : engine_.connectors_)
        if (c.id >= 1) engine_.update_status(c, now);
    };
    // L01.FR.02/03 ask for a SecurityEventNotification of the two events section 8 lists as
    // not critical: raised as critical here, so that they are sent. FirmwareUpdated keeps the
    // criticality section 8 gives it.
    p.raise_event = [this](std::string_view type, std::string tech_info, Now now) {
      if (tech_info.size() > 255) tech_info.resize(255);
      const std::optional<bool> critical =
          type == "FirmwareUpdated" ? std::nullopt : std::optional<bool>(true);
      if (auto ec = raise_security_event(engine_, type, std::move(tech_info), now, critical))
        engine_.log(0,
                    "raising the security event " + std::string(type) + " failed: " + ec.message());
    };
    return p;
  }

  Engine::Impl& engine_;
  Update update_;
};

const SignedFirmwareModule* find_signed_firmware_module(const Engine::Impl& engine) {
  return static_cast<const SignedFirmwareModule*>(engine.signed_firmware_module_);
}
SignedFirmwareModule* find_signed_firmware_module(Engine::Impl& engine) {
  return static_cast<SignedFirmwareModule*>(engine.signed_firmware_module_);
}

}  // namespace

std::unique_ptr<Module> make_signed_firmware_module(Engine::Impl& engine) {
  auto m = std::make_unique<SignedFirmwareModule>(engine);
  engine.signed_firmware_module_ = m.get();
  return m;
}

FirmwareStatusEnumType current_signed_firmware_status(const Engine::Impl& engine) {
  const SignedFirmwareModule* m = find_signed_firmware_module(engine);
  return m ? m->trigger_status() : FirmwareStatusEnumType::Idle;
}

std::optional<std::int32_t> current_signed_firmware_request_id(const Engine::Impl& engine) {
  const SignedFirmwareModule* m = find_signed_firmware_module(engine);
  return m ? m->trigger_request_id() : std::nullopt;
}

void send_signed_firmware_status_notification(Engine::Impl& engine, Now) {
  if (SignedFirmwareModule* m = find_signed_firmware_module(engine)) m->send_triggered();
}

bool secure_firmware_update_only(const Engine::Impl& engine) {
  const auto& provider = engine.options_.security;
  if (!provider) return false;
  auto roots = provider->installed_ca_certificates({CaCertificateUse::manufacturer_root});
  return roots.ok() && !roots.value().empty();
}

std::error_code Engine::report_signed_firmware_status(FirmwareStatusEnumType status,
                                                      std::int32_t request_id, Now now,
                                                      std::optional<std::string> path) {
  SignedFirmwareModule* m = find_signed_firmware_module(*impl_);
  if (!m) return make_error_code(Errc::invalid_state);
  return m->report(status, request_id, now, path);
}

FirmwareStatusEnumType Engine::signed_firmware_status() const {
  return current_signed_firmware_status(*impl_);
}

}  // namespace ocpp::v16
