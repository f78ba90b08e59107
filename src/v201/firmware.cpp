// Functional block L of OCPP 2.0.1 part 2: L01 secure firmware update (UpdateFirmwareRequest,
// FirmwareStatusNotificationRequest).
//
// The steps (certificate check, DownloadScheduled, retries, signature check through
// EngineOptions::security_provider, InstallScheduled, waiting for the transactions, persistence
// under the store key "fw201.update") are the version-neutral core::FirmwareUpdate the 1.6
// SignedUpdateFirmware uses too; this file answers the request and binds the 2.0.1 hooks,
// transactions, connectors (L01.FR.07) and security events.
#include "core/firmware_update.hpp"
#include "v201/engine_impl.hpp"
#include "v201/transfer_codec.hpp"

namespace ocpp::v201 {

using FirmwareUpdate201 =
    core::FirmwareUpdate<TransferCodec, Engine::Impl, UpdateFirmwareRequest, FirmwareStatusEnumType,
                         FirmwareStatusNotificationRequest>;

struct Engine::Impl::FirmwareBlock {
  FirmwareBlock(Impl& im, FirmwareUpdate201::Port port)
      : update(im, "fw201.update", std::move(port)) {}
  FirmwareUpdate201 update;
  bool held = false;  // holds_free_evses() when the connectors were last refreshed
};

namespace {

// Bounds beyond the schema's (string[0..512] location, string[0..5500] certificate,
// string[0..800] signature): what the CSMS sends is bounded by the generated codec; negative
// retries and intervals are read as 0 by core::transfer::Retry.

// Whether the free EVSEs are Unavailable for the update. L01.FR.07: while the installation
// waits for the transactions (L01.FR.06) only when ChargingStation.
// AllowNewSessionsPendingFirmwareUpdate is false or absent; true lets new sessions start
// meanwhile (part 2 2.1.2). While the firmware installs, always: no transaction runs then
// and none should start.
bool holds_free_evses(const Engine::Impl& im) {
  const auto& update = im.firmware_->update;
  if (!update.holds_connectors()) return false;
  return !update.waiting_for_transactions() ||
         !im.dm_.get_bool("ChargingStation", "AllowNewSessionsPendingFirmwareUpdate")
              .value_or(false);
}

// Tells the status hook of the connectors whose status changed (free ones become Unavailable
// while the installation waits, and Available again after it: L01.FR.07). Online, a connector
// whose status differs from what the CSMS was told is reported; offline a change is reported
// after the reconnect (B04.FR.02).
void refresh_connectors(Engine::Impl& im, Now now) {
  if (!im.firmware_) return;
  im.change_statuses([&im] { im.firmware_->held = holds_free_evses(im); }, true, now);
}

}  // namespace

std::error_code Engine::Impl::load_file_transfers(Now now) {
  FirmwareUpdate201::Port p;
  p.provider = options_.security_provider;
  p.download = [this](const UpdateFirmwareRequest& req) {
    if (!hooks_.firmware_download) return false;
    defer([h = hooks_.firmware_download, req] { h(req); });
    return true;
  };
  p.install = [this](const UpdateFirmwareRequest& req, const std::string& path) {
    if (!hooks_.firmware_install) return false;
    defer([h = hooks_.firmware_install, req, path] { h(req, path); });
    return true;
  };
  p.cancel = [this](std::int32_t id) {
    if (hooks_.firmware_cancel) defer([h = hooks_.firmware_cancel, id] { h(id); });
  };
  p.transactions_running = [this] { return transactions_in(std::nullopt); };
  p.refresh_connectors = [this](Now n) { refresh_connectors(*this, n); };
  // L01.FR.02, L01.FR.03 and L01.FR.31 say each event SHALL be sent: critical, whatever the
  // appendix's default.
  p.raise_event = [this](std::string_view type, std::string tech_info, Now n) {
    if (tech_info.size() > 255) tech_info.resize(255);
    if (auto ec = raise_security_event(type, std::move(tech_info), n, true))
      log(0, "raising the security event " + std::string(type) + " failed: " + ec.message());
  };
  firmware_ = std::make_shared<FirmwareBlock>(*this, std::move(p));
  if (auto ec = firmware_->update.load(now)) return ec;
  firmware_->held = holds_free_evses(*this);
  // L01.FR.07: AllowNewSessionsPendingFirmwareUpdate set while the installation waits frees or
  // holds the free EVSEs at once.
  dm_.on_changed([this](const Variable& v, AttributeEnumType type, Now n) {
    if (type == AttributeEnumType::Actual && v.key.component == "ChargingStation" &&
        v.key.variable == "AllowNewSessionsPendingFirmwareUpdate")
      refresh_connectors(*this, n);
  });
  return load_logs(now);
}

void Engine::Impl::handle_update_firmware(const rpc::Frame& frame, Now now) {
  UpdateFirmwareRequest req;
  if (!decode_request(frame, req)) return;
  auto& update = firmware_->update;
  UpdateFirmwareResponse resp;
  std::string why;
  switch (update.decide(req, why)) {
    case FirmwareUpdate201::Answer::InvalidCertificate:  // L01.FR.21, L01.FR.22, L01.FR.02
      resp.status = UpdateFirmwareStatusEnumType::InvalidCertificate;
      reply(frame.id, codec::to_json(resp));
      update.refused(why, now);
      return;
    case FirmwareUpdate201::Answer::Rejected:  // L01.FR.27: the installation runs
      resp.status = UpdateFirmwareStatusEnumType::Rejected;
      reply(frame.id, codec::to_json(resp));
      return;
    case FirmwareUpdate201::Answer::AcceptedCanceled:  // L01.FR.24
      resp.status = UpdateFirmwareStatusEnumType::AcceptedCanceled;
      break;
    case FirmwareUpdate201::Answer::Accepted:
      resp.status = UpdateFirmwareStatusEnumType::Accepted;
      break;
  }
  reply(frame.id, codec::to_json(resp));
  update.start(req, now);
}

void Engine::Impl::firmware_transaction_ended(Now now) {
  if (!firmware_) return;
  firmware_->update.transaction_ended(now);
  // The EVSE of the transaction is free now (Unavailable while held), or the installation
  // starts and holds every EVSE (AllowNewSessionsPendingFirmwareUpdate true held none).
  if (firmware_->held || holds_free_evses(*this)) refresh_connectors(*this, now);
}

bool Engine::Impl::firmware_holds(int evse_id) const {
  // The block's own flag, not the update's phase: the status changes only when the block
  // reports it (refresh_connectors).
  return firmware_ && firmware_->held && !evse_txs_[static_cast<std::size_t>(evse_id - 1)].tx;
}

std::optional<MonoTime> Engine::Impl::firmware_deadline() const {
  return firmware_ ? firmware_->update.next_deadline() : std::nullopt;
}

void Engine::Impl::firmware_timer(Now now) {
  if (firmware_) firmware_->update.on_timer(now);
}

void Engine::Impl::send_firmware_status_triggered() {
  send_volatile(Action::FirmwareStatusNotification, codec::to_json(firmware_->update.triggered()));
}

std::error_code Engine::report_firmware_status(FirmwareStatusEnumType status,
                                               std::int32_t requestId, Now now,
                                               std::optional<std::string> path) {
  return impl_->firmware_->update.report(status, requestId, now, path);
}

FirmwareStatusEnumType Engine::firmware_status() const {
  return impl_->firmware_->update.trigger_status();
}

}  // namespace ocpp::v201
