// CALLs from the CSMS. Each handler validates the payload against the schema (through the
// generated codec), then answers; answers that need the firmware's decision go through a
// deferred hook and are sent when it has run.
#include "v16/engine_impl.hpp"

namespace ocpp::v16 {
namespace {

// Actions the charge point sends but never receives: "recognized but not supported"
// (OCPP-J 1.6 section 4.2.3, NotSupported).
bool sent_by_charge_point_only(Action a) {
  switch (a) {
    case Action::Authorize:
    case Action::BootNotification:
    case Action::DiagnosticsStatusNotification:
    case Action::FirmwareStatusNotification:
    case Action::Heartbeat:
    case Action::MeterValues:
    case Action::StartTransaction:
    case Action::StatusNotification:
    case Action::StopTransaction:
    case Action::LogStatusNotification:
    case Action::SecurityEventNotification:
    case Action::SignCertificate:
    case Action::SignedFirmwareStatusNotification:
      return true;
    default:
      return false;
  }
}


}  // namespace

void Engine::Impl::handle_call(rpc::Frame& frame, Now now) {
  Action action{};
  if (!from_string(frame.action, action)) {
    reply_error(frame.id, RpcErrorCode::NotImplemented, "unknown action " + frame.action);
    return;
  }
  if (sent_by_charge_point_only(action)) {
    reply_error(frame.id, RpcErrorCode::NotSupported,
                frame.action + " is sent by the charge point, not to it");
    return;
  }
  const std::string id = frame.id;
  const std::uint64_t epoch = this->epoch();
  // A decision answered after the connection changed would reach a CSMS that forgot the call.
  auto reply_if_current = [id, epoch](Impl& im, std::string payload) {
    if (im.epoch() == epoch && im.connected()) im.reply(id, std::move(payload));
  };

  switch (action) {
    case Action::RemoteStartTransaction: {
      RemoteStartTransactionRequest req;
      if (!decode_request(frame, req)) return;
      auto answer_now = [&](RemoteStartStopStatus st) {
        RemoteStartTransactionResponse resp;
        resp.status = st;
        reply(id, codec::to_json(resp));
        if (hooks_.remote_start_answered)
          defer([h = hooks_.remote_start_answered, req, st] { h(req, st); });
      };
      // Not allowed before the CSMS accepted the charge point (section 4.2: "While in pending
      // state ... RemoteStartTransaction.req and RemoteStopTransaction.req").
      if (!accepted()) {
        answer_now(RemoteStartStopStatus::Rejected);
        return;
      }
      // Connector 0 is the whole charge point, never a place to charge (section 5.11).
      Connector* c = nullptr;
      if (req.connectorId) {
        if (*req.connectorId >= 1) c = connector(*req.connectorId);
      } else {
        for (std::size_t i = 1; i < connectors_.size() && !c; ++i) {
          Connector& k = connectors_[i];
          if (!k.tx_key && !k.faulted && !k.authorized_id_tag && usable_for(k, req.idTag)) c = &k;
        }
      }
      // usable_for: not reserved for another idTag (section 5.13), not Unavailable.
      if (!c || c->tx_key || c->faulted || c->authorized_id_tag || !usable_for(*c, req.idTag)) {
        answer_now(RemoteStartStopStatus::Rejected);
        return;
      }
      const int cid = c->id;
      if (req.chargingProfile) {
        bool ok = true;
        for (auto& m : modules_) ok = ok && m->accept_remote_start_profile(cid, *req.chargingProfile, now);
        if (!ok) {
          answer_now(RemoteStartStopStatus::Rejected);
          return;
        }
      }
      defer_decision<RemoteStartStopStatus>(
          [h = hooks_.remote_start, req] { return h ? h(req) : RemoteStartStopStatus::Accepted; },
          [req, cid, reply_if_current](Impl& im, RemoteStartStopStatus st, Now n) {
            Connector& k = *im.connector(cid);
            if (k.tx_key || k.faulted) st = RemoteStartStopStatus::Rejected;  // changed meanwhile
            RemoteStartTransactionResponse resp;
            resp.status = st;
            reply_if_current(im, codec::to_json(resp));
            if (im.hooks_.remote_start_answered)
              im.defer([h = im.hooks_.remote_start_answered, req, st] { h(req, st); });
            if (st != RemoteStartStopStatus::Accepted) return;
            if (im.config_.get_bool("AuthorizeRemoteTxRequests")) {
              if (auto ec = im.present_id_tag(req.idTag, cid, n))
                im.log(0, "authorizing the remote start failed: " + ec.message());
            } else {
              IdTagInfo info;
              info.status = AuthorizationStatus::Accepted;
              im.authorization_result(cid, req.idTag, info, n);
            }
          });
      return;
    }

    case Action::RemoteStopTransaction: {
      RemoteStopTransactionRequest req;
      if (!decode_request(frame, req)) return;
      Connector* c = nullptr;
      // Not allowed while Pending (section 4.2): answered as for an unknown transaction.
      for (auto& k : connectors_) {
        if (accepted() && k.tx_key && txs_.at(*k.tx_key).transaction_id == req.transactionId) c = &k;
      }
      if (!c) {
        RemoteStopTransactionResponse resp;
        resp.status = RemoteStartStopStatus::Rejected;
        reply(id, codec::to_json(resp));
        if (hooks_.remote_stop_answered)
          defer([h = hooks_.remote_stop_answered, t = req.transactionId] {
            h(t, RemoteStartStopStatus::Rejected);
          });
        return;
      }
      const std::int64_t key = *c->tx_key;
      const int cid = c->id;
      defer_decision<RemoteStartStopStatus>(
          [h = hooks_.remote_stop, info = tx_info(key)] {
            return h ? h(info) : RemoteStartStopStatus::Accepted;
          },
          [key, cid, reply_if_current, t = req.transactionId](Impl& im, RemoteStartStopStatus st, Now n) {
            Connector& k = *im.connector(cid);
            if (k.tx_key != key) st = RemoteStartStopStatus::Rejected;  // already stopped
            RemoteStopTransactionResponse resp;
            resp.status = st;
            reply_if_current(im, codec::to_json(resp));
            if (im.hooks_.remote_stop_answered)
              im.defer([h = im.hooks_.remote_stop_answered, t, st] { h(t, st); });
            if (st == RemoteStartStopStatus::Accepted) {
              if (auto ec = im.stop_transaction(k, Reason::Remote, std::nullopt, n))
                im.log(0, "remote stop failed: " + ec.message());
            }
          });
      return;
    }

    case Action::GetConfiguration: {
      GetConfigurationRequest req;
      if (!decode_request(frame, req)) return;
      GetConfigurationResponse resp;
      if (!req.key || req.key->empty()) {
        resp.configurationKey = config_.readable();
      } else {
        const auto max = config_.get_int("GetConfigurationMaxKeys");
        if (static_cast<std::int64_t>(req.key->size()) > max) {
          reply_error(id, RpcErrorCode::OccurenceConstraintViolation,
                      "more keys than GetConfigurationMaxKeys (" + std::to_string(max) + ")");
          return;
        }
        std::vector<KeyValue> found;
        std::vector<std::string> unknown;
        for (const auto& k : *req.key) {
          const KeyDef* def = config_.find(k);
          // Write-only keys (AuthorizationKey) are never revealed.
          if (!def || def->access == KeyAccess::WriteOnly) {
            unknown.push_back(k);
            continue;
          }
          KeyValue kv;
          kv.key = k;
          kv.readonly = def->access == KeyAccess::ReadOnly;
          kv.value = config_.get(k);
          found.push_back(std::move(kv));
        }
        if (!found.empty()) resp.configurationKey = std::move(found);
        if (!unknown.empty()) resp.unknownKey = std::move(unknown);
      }
      reply(id, codec::to_json(resp));
      return;
    }

    case Action::ChangeConfiguration: {
      ChangeConfigurationRequest req;
      if (!decode_request(frame, req)) return;
      const ChangeResult r = config_.set(req.key, req.value, true);
      ChangeConfigurationResponse resp;
      switch (r) {
        case ChangeResult::Accepted: resp.status = ConfigurationStatus::Accepted; break;
        case ChangeResult::RebootRequired: resp.status = ConfigurationStatus::RebootRequired; break;
        case ChangeResult::Rejected: resp.status = ConfigurationStatus::Rejected; break;
        case ChangeResult::NotSupported: resp.status = ConfigurationStatus::NotSupported; break;
      }
      reply(id, codec::to_json(resp));
      if (r != ChangeResult::Accepted && r != ChangeResult::RebootRequired) return;
      if (req.key == "HeartbeatInterval") {
        const auto hb = config_.get_int("HeartbeatInterval");
        next_heartbeat_ = hb > 0 && online() ? std::optional<MonoTime>(now.mono + std::chrono::seconds(hb))
                                             : std::nullopt;
      } else if (req.key == "MeterValueSampleInterval") {
        for (auto& c : connectors_)
          if (c.tx_key) schedule_sample(c, now);
      }
      if (hooks_.configuration_changed)
        defer([h = hooks_.configuration_changed, k = req.key, v = *config_.get(req.key)] { h(k, v); });
      return;
    }

    default:
      for (auto& m : modules_) {
        if (m->handles(action)) {
          m->handle(action, frame, now);
          return;
        }
      }
      // Every action of the six feature profiles is handled by a module. What remains are the
      // messages of the Security Whitepaper's extension: recognized (their types are generated)
      // but not supported by this charge point, which is NotSupported in OCPP-J 1.6 §4.2.3
      // (NotImplemented means "not known by receiver").
      reply_error(id, RpcErrorCode::NotSupported,
                  frame.action + " (Security Whitepaper extension) is not supported by this charge point");
      return;
  }
}

}  // namespace ocpp::v16
