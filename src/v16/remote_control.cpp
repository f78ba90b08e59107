// RemoteStartTransaction and RemoteStopTransaction (OCPP 1.6 sections 5.11, 5.12; Core):
// checked against the connectors and transactions, decided by the firmware's hooks.
#include "v16/engine_impl.hpp"

namespace ocpp::v16 {
namespace {

class RemoteControlModule final : public Module {
 public:
  explicit RemoteControlModule(Engine::Impl& engine) : engine_(engine) {}

  bool handles(Action a) const override {
    return a == Action::RemoteStartTransaction || a == Action::RemoteStopTransaction;
  }

  void handle(Action a, const rpc::Frame& frame, Now now) override {
    if (a == Action::RemoteStartTransaction) {
      remote_start(frame, now);
    } else {
      remote_stop(frame);
    }
  }

 private:
  void remote_start(const rpc::Frame& frame, Now now) {
    Engine::Impl& im = engine_;
    const std::string id = frame.id;
    auto reply_if_current = im.replier(frame);
    RemoteStartTransactionRequest req;
    if (!im.decode_request(frame, req)) return;
    auto answer_now = [&](RemoteStartStopStatus st) {
      RemoteStartTransactionResponse resp;
      resp.status = st;
      im.reply(id, codec::to_json(resp));
      if (im.hooks_.remote_start_answered)
        im.defer([h = im.hooks_.remote_start_answered, req, st] { h(req, st); });
    };
    // Not allowed before the CSMS accepted the charge point (section 4.2: "While in pending
    // state ... RemoteStartTransaction.req and RemoteStopTransaction.req").
    if (!im.accepted()) {
      answer_now(RemoteStartStopStatus::Rejected);
      return;
    }
    // Connector 0 is the whole charge point, never a place to charge (section 5.11).
    Connector* c = nullptr;
    if (req.connectorId) {
      if (*req.connectorId >= 1) c = im.connector(*req.connectorId);
    } else {
      for (std::size_t i = 1; i < im.connectors_.size() && !c; ++i) {
        Connector& k = im.connectors_[i];
        if (!k.tx_key && !k.faulted && !k.authorized_id_tag && im.usable_for(k, req.idTag)) c = &k;
      }
    }
    // usable_for: not reserved for another idTag (section 5.13), not Unavailable.
    if (!c || c->tx_key || c->faulted || c->authorized_id_tag || !im.usable_for(*c, req.idTag)) {
      answer_now(RemoteStartStopStatus::Rejected);
      return;
    }
    const int cid = c->id;
    if (req.chargingProfile) {
      bool ok = true;
      for (auto& m : im.modules_)
        ok = ok && m->accept_remote_start_profile(cid, *req.chargingProfile, now);
      if (!ok) {
        answer_now(RemoteStartStopStatus::Rejected);
        return;
      }
    }
    im.defer_decision<RemoteStartStopStatus>(
        [h = im.hooks_.remote_start, req] { return h ? h(req) : RemoteStartStopStatus::Accepted; },
        [req, cid, reply_if_current](Engine::Impl& im, RemoteStartStopStatus st, Now n) {
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

  void remote_stop(const rpc::Frame& frame) {
    Engine::Impl& im = engine_;
    const std::string id = frame.id;
    auto reply_if_current = im.replier(frame);
    RemoteStopTransactionRequest req;
    if (!im.decode_request(frame, req)) return;
    Connector* c = nullptr;
    // Not allowed while Pending (section 4.2): answered as for an unknown transaction.
    for (auto& k : im.connectors_) {
      if (im.accepted() && k.tx_key && im.txs_.at(*k.tx_key).transaction_id == req.transactionId)
        c = &k;
    }
    if (!c) {
      RemoteStopTransactionResponse resp;
      resp.status = RemoteStartStopStatus::Rejected;
      im.reply(id, codec::to_json(resp));
      if (im.hooks_.remote_stop_answered)
        im.defer([h = im.hooks_.remote_stop_answered, t = req.transactionId] {
          h(t, RemoteStartStopStatus::Rejected);
        });
      return;
    }
    const std::int64_t key = *c->tx_key;
    const int cid = c->id;
    im.defer_decision<RemoteStartStopStatus>(
        [h = im.hooks_.remote_stop, info = im.tx_info(key)] {
          return h ? h(info) : RemoteStartStopStatus::Accepted;
        },
        [key, cid, reply_if_current, t = req.transactionId](Engine::Impl& im,
                                                            RemoteStartStopStatus st, Now n) {
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

  Engine::Impl& engine_;
};

}  // namespace

std::unique_ptr<Module> make_remote_control_module(Engine::Impl& engine) {
  return std::make_unique<RemoteControlModule>(engine);
}

}  // namespace ocpp::v16
