// The rest of the Core profile beyond the basic session: ChangeAvailability (OCPP 1.6 section
// 5.2), DataTransfer in both directions (sections 4.3 and 5.6), Reset (section 5.14),
// UnlockConnector (section 5.18) and UnlockConnectorOnEVSideDisconnect (section 9.1.33); plus
// the public API for outgoing DataTransfer and vendor configuration keys.
#include <algorithm>

#include "v16/engine_impl.hpp"
// --- Security Whitepaper: logs and signed firmware ---
#include "v16/security/security_events.hpp"

namespace ocpp::v16 {
namespace {

// One store key for the availability of every connector, so that a ChangeAvailability for
// connector 0 (which changes them all) is one atomic write: a power cut never leaves half of
// the connectors changed.
constexpr const char* kAvailabilityKey = "avail.inoperative";

std::string encode_ids(const std::vector<bool>& inoperative) {
  std::string out;
  for (std::size_t i = 0; i < inoperative.size(); ++i) {
    if (!inoperative[i]) continue;
    if (!out.empty()) out += ',';
    out += std::to_string(i);
  }
  return out;
}

void decode_ids(const std::string& text, std::vector<bool>& inoperative) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    int id = -1;
    const std::string item = text.substr(pos, comma - pos);
    if (!item.empty() && item.size() < 6 && std::all_of(item.begin(), item.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) id = std::stoi(item);
    // Connectors beyond today's count (the firmware was reconfigured) are forgotten.
    if (id >= 0 && static_cast<std::size_t>(id) < inoperative.size()) inoperative[static_cast<std::size_t>(id)] = true;
    pos = comma + 1;
  }
}


class CoreActionsModule final : public Module {
 public:
  explicit CoreActionsModule(Engine::Impl& engine) : engine_(engine) {}

  std::error_code load(Now) override {
    const std::size_t n = engine_.connectors_.size();
    inoperative_.assign(n, false);
    effective_.assign(n, false);
    std::vector<std::pair<std::string, std::string>> stored;
    if (auto ec = engine_.store_.kv_load(kAvailabilityKey, stored)) return ec;
    for (const auto& [k, v] : stored)
      if (k == kAvailabilityKey) decode_ids(v, inoperative_);
    // Section 4.9: "the 'Unavailable' status MUST be persistent across reboots". The firmware
    // learns the restored state through the same hook as a change.
    for (std::size_t i = 0; i < n; ++i) {
      effective_[i] = unavailable(static_cast<int>(i));
      if (effective_[i]) notify_availability(static_cast<int>(i), AvailabilityType::Inoperative);
    }
    return {};
  }

  bool handles(Action a) const override {
    return a == Action::ChangeAvailability || a == Action::DataTransfer || a == Action::Reset ||
           a == Action::UnlockConnector;
  }

  void handle(Action a, const rpc::Frame& frame, Now now) override {
    switch (a) {
      case Action::ChangeAvailability: change_availability(frame, now); return;
      case Action::DataTransfer: data_transfer(frame); return;
      case Action::Reset: reset(frame); return;
      case Action::UnlockConnector: unlock_connector(frame, now); return;
      default: return;
    }
  }

  bool makes_unavailable(const Connector& c) const override { return unavailable(c.id); }

  bool accepts_id_tag(const Connector& c, const std::string&, const std::optional<std::string>&) const override {
    // An Inoperative connector "does not allow any charging" (section 5.2), even while its
    // change is Scheduled behind a running transaction; and no session starts between an
    // accepted Reset and its execution.
    if (reset_) return false;
    return !(static_cast<std::size_t>(c.id) < inoperative_.size() && inoperative_[static_cast<std::size_t>(c.id)]);
  }

  void on_transaction_started(Connector&, std::int64_t, Now now) override {
    // Connector 0 set Inoperative waits for every transaction: one on a connector set Operative
    // again since then makes the charge point available again.
    sync_availability(now);
  }

  void on_transaction_stopped(Connector& c, std::int64_t, Reason reason, Now now) override {
    // A Scheduled change to Inoperative happens now (section 5.2).
    sync_availability(now);
    // Section 9.1.33: the cable is released on the charge point side when the EV side was
    // unplugged. Only after the transaction stopped: unlocking during a transaction that goes on
    // (StopTransactionOnEVSideDisconnect false) would free the cable of a running session.
    if (reason == Reason::EVDisconnected && engine_.config_.get_bool("UnlockConnectorOnEVSideDisconnect") &&
        engine_.hooks_.unlock_connector) {
      const int cid = c.id;
      engine_.defer_decision<UnlockStatus>(
          [h = engine_.hooks_.unlock_connector, cid] { return h(cid); },
          [cid](Engine::Impl& im, UnlockStatus st, Now) {
            if (st != UnlockStatus::Unlocked)
              im.log(1, "unlocking connector " + std::to_string(cid) + " after the EV side disconnected: " +
                            std::string(to_string(st)));
          });
    }
  }

  void on_timer(Now now) override {
    if (!reset_ || !reset_ready(now.mono)) return;
    const ResetType type = reset_->type;
    reset_.reset();
    if (engine_.hooks_.execute_reset) {
      engine_.defer([h = engine_.hooks_.execute_reset, type] { h(type); });
    } else {
      engine_.log(1, std::string("Reset ") + std::string(to_string(type)) +
                         " accepted but there is no execute_reset hook: nothing restarts");
    }
  }

  std::optional<MonoTime> next_deadline() const override {
    if (!reset_ || !reset_reply_gone()) return std::nullopt;
    if (reset_->type == ResetType::Hard || !engine_.online() || engine_.outbox_size() == 0) return MonoTime{};  // now
    return reset_->graceful_until;
  }

  AvailabilityType availability(int id) const {
    return static_cast<std::size_t>(id) < effective_.size() && effective_[static_cast<std::size_t>(id)]
               ? AvailabilityType::Inoperative
               : AvailabilityType::Operative;
  }

 private:
  bool any_transaction() const {
    return std::any_of(engine_.connectors_.begin(), engine_.connectors_.end(),
                       [](const Connector& c) { return c.tx_key.has_value(); });
  }

  // Inoperative as requested, and no transaction in the way: a connector's own transaction
  // keeps it operative until it ends; the charge point (0) waits for all of them.
  bool unavailable(int id) const {
    const auto i = static_cast<std::size_t>(id);
    if (id < 0 || i >= inoperative_.size() || !inoperative_[i] || i >= engine_.connectors_.size()) return false;
    if (id == 0) return !any_transaction();
    return !engine_.connectors_[i].tx_key;
  }

  void notify_availability(int id, AvailabilityType type) {
    if (engine_.hooks_.availability_changed)
      engine_.defer([h = engine_.hooks_.availability_changed, id, type] { h(id, type); });
  }

  // Reports every change of the effective availability (hook and StatusNotification).
  void sync_availability(Now now) {
    for (std::size_t i = 0; i < effective_.size() && i < engine_.connectors_.size(); ++i) {
      const bool u = unavailable(static_cast<int>(i));
      if (u == effective_[i]) continue;
      effective_[i] = u;
      notify_availability(static_cast<int>(i), u ? AvailabilityType::Inoperative : AvailabilityType::Operative);
      engine_.update_status(engine_.connectors_[i], now);
    }
  }

  void change_availability(const rpc::Frame& frame, Now now) {
    ChangeAvailabilityRequest req;
    if (!engine_.decode_request(frame, req)) return;
    ChangeAvailabilityResponse resp;
    const int n = static_cast<int>(engine_.connectors_.size()) - 1;
    if (req.connectorId < 0 || req.connectorId > n) {
      resp.status = AvailabilityStatus::Rejected;
      engine_.reply(frame.id, codec::to_json(resp));
      return;
    }
    const bool to_inoperative = req.type == AvailabilityType::Inoperative;
    // Connector 0: "the status change applies to the Charge Point and all Connectors".
    const int first = req.connectorId;
    const int last = req.connectorId == 0 ? n : req.connectorId;
    std::vector<bool> next = inoperative_;
    bool busy = false;
    for (int id = first; id <= last; ++id) {
      next[static_cast<std::size_t>(id)] = to_inoperative;
      if (id >= 1 && engine_.connectors_[static_cast<std::size_t>(id)].tx_key) busy = true;
    }
    if (next != inoperative_) {
      // Persisted before it is answered: an Accepted change must survive a power cut.
      if (auto ec = engine_.store_.kv_set(kAvailabilityKey, encode_ids(next))) {
        engine_.log(0, "storing the availability failed: " + ec.message());
        resp.status = AvailabilityStatus::Rejected;
        engine_.reply(frame.id, codec::to_json(resp));
        return;
      }
      inoperative_ = std::move(next);
    }
    // Section 5.2: Scheduled while a transaction is in progress (only a change to Inoperative
    // waits for one; a connector already in the requested state answers Accepted).
    resp.status = to_inoperative && busy ? AvailabilityStatus::Scheduled : AvailabilityStatus::Accepted;
    engine_.reply(frame.id, codec::to_json(resp));
    if (to_inoperative) {
      // An idTag authorized for an idle connector waits for the cable; it must not start a
      // transaction there once the connector is Inoperative.
      for (int id = std::max(first, 1); id <= last; ++id) {
        Connector& c = engine_.connectors_[static_cast<std::size_t>(id)];
        if (!c.tx_key && c.authorized_id_tag) {
          c.authorized_id_tag.reset();
          c.authorized_parent_id.reset();
        }
      }
    }
    sync_availability(now);
  }

  void data_transfer(const rpc::Frame& frame) {
    DataTransferRequest req;
    if (!engine_.decode_request(frame, req)) return;
    if (!engine_.hooks_.data_transfer) {
      // Section 4.3: no implementation for the vendorId: UnknownVendorId, without data.
      DataTransferResponse resp;
      resp.status = DataTransferStatus::UnknownVendorId;
      engine_.reply(frame.id, codec::to_json(resp));
      return;
    }
    engine_.defer_decision<DataTransferResponse>(
        [h = engine_.hooks_.data_transfer, req] { return h(req); },
        [reply = engine_.replier(frame)](Engine::Impl& im, DataTransferResponse resp, Now) {
          // "the data element SHALL not be present" with UnknownVendorId (section 4.3).
          if (resp.status == DataTransferStatus::UnknownVendorId) resp.data.reset();
          reply(im, codec::to_json(resp));
        });
  }

  void reset(const rpc::Frame& frame) {
    ResetRequest req;
    if (!engine_.decode_request(frame, req)) return;
    const ResetType type = req.type;
    engine_.defer_decision<ResetStatus>(
        [h = engine_.hooks_.reset, type] { return h ? h(type) : ResetStatus::Accepted; },
        [this, type, reply = engine_.replier(frame)](Engine::Impl& im, ResetStatus st, Now now) {
          ResetResponse resp;
          resp.status = st;
          const std::uint64_t sent = reply(im, codec::to_json(resp));
          if (st != ResetStatus::Accepted) return;
          // Section 5.14 (errata 3.36): a StopTransaction.req for every ongoing transaction before
          // the reset, queued until the CSMS confirms it. It is durable once stop_transaction
          // returns, so it survives the restart that follows.
          const Reason reason = type == ResetType::Soft ? Reason::SoftReset : Reason::HardReset;
          for (auto& c : im.connectors_) {
            if (!c.tx_key) continue;
            if (auto ec = im.stop_transaction(c, reason, std::nullopt, now))
              im.log(0, "stopping the transaction on connector " + std::to_string(c.id) +
                            " for the reset failed: " + ec.message());
          }
          // --- Security Whitepaper: logs and signed firmware ---
          // Section 8: ResetOrReboot (critical), raised once the reset is decided and after the
          // StopTransactions, so that the durable queue keeps them first.
          if (auto ec = raise_security_event(im, "ResetOrReboot", "Reset " + std::string(to_string(type)) +
                                                                      " requested by the Central System",
                                             now))
            im.log(0, "raising the ResetOrReboot security event failed: " + ec.message());
          // A second Reset while one waits: a Hard one wins.
          if (reset_ && reset_->type == ResetType::Hard) return;
          reset_ = PendingReset{type, sent, now.mono + im.options_.call_timeout};
        });
  }

  void unlock_connector(const rpc::Frame& frame, Now now) {
    UnlockConnectorRequest req;
    if (!engine_.decode_request(frame, req)) return;
    const int n = static_cast<int>(engine_.connectors_.size()) - 1;
    UnlockConnectorResponse resp;
    // Errata 3.85: an unknown connectorId (and 0, which has no cable) is answered NotSupported;
    // UnlockFailed is only for a lock that did not open.
    if (req.connectorId < 1 || req.connectorId > n) {
      resp.status = UnlockStatus::NotSupported;
      engine_.reply(frame.id, codec::to_json(resp));
      return;
    }
    const int cid = req.connectorId;
    Connector& c = engine_.connectors_[static_cast<std::size_t>(cid)];
    // Section 5.18: "If there was a transaction in progress on the specific connector, then
    // Charge Point SHALL finish the transaction first".
    if (c.tx_key) {
      if (auto ec = engine_.stop_transaction(c, Reason::UnlockCommand, std::nullopt, now))
        engine_.log(0, "stopping the transaction for UnlockConnector failed: " + ec.message());
    }
    if (!engine_.hooks_.unlock_connector) {
      resp.status = UnlockStatus::NotSupported;
      engine_.reply(frame.id, codec::to_json(resp));
      return;
    }
    engine_.defer_decision<UnlockStatus>(
        [h = engine_.hooks_.unlock_connector, cid] { return h(cid); },
        [reply = engine_.replier(frame)](Engine::Impl& im, UnlockStatus st, Now) {
          UnlockConnectorResponse r;
          r.status = st;
          reply(im, codec::to_json(r));
        });
  }

  // Soft reset (section 5.14, errata 3.36): "stop ongoing transactions gracefully and send
  // StopTransaction.req for every ongoing transaction. It should then restart": while online,
  // the restart waits until the queue is delivered, for at most one call timeout (the messages
  // are durable and go out after the restart anyway). Hard reset: "not required to gracefully
  // stop", so it restarts as soon as the answer left.
  bool reset_ready(MonoTime now) const {
    if (!reset_reply_gone()) return false;
    if (reset_->type == ResetType::Hard || !engine_.online()) return true;
    return engine_.outbox_size() == 0 || now >= reset_->graceful_until;
  }

  bool reset_reply_gone() const {
    // The firmware restarts in execute_reset: the Reset.conf must have left first, or the CSMS
    // never learns the answer. It is gone once poll_transmit took it (or the connection closed).
    return reset_->reply_ticket == 0 || engine_.session_.reply_gone(reset_->reply_ticket);
  }

  struct PendingReset {
    ResetType type;
    std::uint64_t reply_ticket = 0;  // of the Reset.conf
    MonoTime graceful_until;  // Soft: the longest wait for the StopTransaction.conf
  };

  Engine::Impl& engine_;
  std::vector<bool> inoperative_;  // as requested by ChangeAvailability, index = connector id
  std::vector<bool> effective_;    // what was last reported (availability_changed, status)
  std::optional<PendingReset> reset_;
};

CoreActionsModule* core_module(Engine::Impl& im) {
  return static_cast<CoreActionsModule*>(im.core_actions_module_);
}

}  // namespace

std::unique_ptr<Module> make_core_actions_module(Engine::Impl& engine) {
  auto m = std::make_unique<CoreActionsModule>(engine);
  engine.core_actions_module_ = m.get();
  return m;
}

// ---------------------------------------------------------------- public API

std::error_code Engine::send_data_transfer(std::string_view vendor_id, std::optional<std::string> message_id,
                                           std::optional<std::string> data, DataTransferCallback callback,
                                           Now) {
  DataTransferRequest req;
  req.vendorId = std::string(vendor_id);
  req.messageId = std::move(message_id);
  req.data = std::move(data);
  codec::Error err;
  if (req.vendorId.empty() || !codec::validate(req, err)) return make_error_code(Errc::invalid_argument);
  // Section 4.2: nothing but BootNotification before Accepted. Offline the CALL would be lost
  // anyway (it is not durable): say so now rather than later.
  if (!impl_->online()) return make_error_code(Errc::invalid_state);
  Impl* im = impl_.get();
  impl_->send_volatile(Action::DataTransfer, codec::to_json(req),
                       [im, cb = std::move(callback)](const rapidjson::Value* result, Now) {
                         if (!cb) return;
                         DataTransferResponse resp;
                         codec::Error e;
                         if (!result) {
                           im->defer([cb] { cb(Result<DataTransferResponse>(Errc::transport_error)); });
                         } else if (!codec::decode(*result, resp, e)) {
                           im->log(0, "invalid DataTransfer.conf: " + e.message);
                           im->defer([cb] { cb(Result<DataTransferResponse>(Errc::decode_error)); });
                         } else {
                           im->defer([cb, resp] { cb(Result<DataTransferResponse>(resp)); });
                         }
                       });
  return {};
}

std::error_code Engine::add_configuration_key(std::string_view key, ConfigurationKeyType type,
                                              ConfigurationKeyAccess access, std::string_view default_value,
                                              std::function<bool(std::string_view)> validator,
                                              bool reboot_required) {
  KeyType t = KeyType::String;
  switch (type) {
    case ConfigurationKeyType::Integer: t = KeyType::Integer; break;
    case ConfigurationKeyType::Boolean: t = KeyType::Boolean; break;
    case ConfigurationKeyType::String: t = KeyType::String; break;
  }
  KeyAccess a = KeyAccess::ReadWrite;
  switch (access) {
    case ConfigurationKeyAccess::ReadOnly: a = KeyAccess::ReadOnly; break;
    case ConfigurationKeyAccess::ReadWrite: a = KeyAccess::ReadWrite; break;
    case ConfigurationKeyAccess::WriteOnly: a = KeyAccess::WriteOnly; break;
  }
  return impl_->config_.add_vendor_key(key, t, a, default_value, std::move(validator), reboot_required);
}

Result<AvailabilityType> Engine::availability(int connector_id) const {
  if (!impl_->connector(connector_id)) return Errc::unknown_connector;
  CoreActionsModule* m = core_module(*impl_);
  return m ? m->availability(connector_id) : AvailabilityType::Operative;
}

}  // namespace ocpp::v16
