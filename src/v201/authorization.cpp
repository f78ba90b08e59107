// Block C of OCPP 2.0.1 part 2 (an idToken presented at the station: C01 Authorize, C15
// offline authorization of unknown ids) and the CSMS's remote start and stop (F01 to F03).
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

std::error_code Engine::Impl::present_id_token(int evse_id, const IdTokenType& token, Now now) {
  if (!valid_evse(evse_id)) return make_error_code(Errc::unknown_connector);
  AuthorizeRequest req;
  req.idToken = token;
  codec::Error err;
  if (!codec::validate(req, err)) return make_error_code(Errc::invalid_argument);
  EvseTx& e = evse_tx(evse_id);
  if (e.authorizing) return make_error_code(Errc::invalid_state);
  // E07.FR.01 and E08.FR.01: the idToken of the transaction ends its authorization, without
  // asking the CSMS (the same driver).
  if (e.tx && e.tx->id_token && same_token(*e.tx->id_token, token))
    return authorization_ended(evse_id, TriggerReasonEnumType::StopAuthorized,
                               ReasonEnumType::Local, now);
  if (!online()) {
    // C15.FR.08: offline, an unknown idToken is accepted only with
    // OfflineTxForUnknownIdEnabled; the CSMS checks it in the TransactionEventResponse
    // (C15.FR.02).
    IdTokenInfoType info;
    info.status = tx_settings_.offline_tx_for_unknown_id ? AuthorizationStatusEnumType::Accepted
                                                         : AuthorizationStatusEnumType::Unknown;
    apply_authorization(evse_id, token, info, now);
    return {};
  }
  e.authorizing = true;
  const bool queued = session_.send(std::string(to_string(Action::Authorize)), codec::to_json(req),
                                    [this, evse_id, token](const rapidjson::Value* result, Now at) {
                                      evse_tx(evse_id).authorizing = false;
                                      IdTokenInfoType info;
                                      AuthorizeResponse resp;
                                      codec::Error derr;
                                      if (result && codec::decode(*result, resp, derr)) {
                                        info = resp.idTokenInfo;
                                      } else {
                                        if (result)
                                          log(1, "invalid AuthorizeResponse: " + derr.message);
                                        // No answer (connection lost, timeout, error): decided as
                                        // offline (C15).
                                        info.status = tx_settings_.offline_tx_for_unknown_id
                                                          ? AuthorizationStatusEnumType::Accepted
                                                          : AuthorizationStatusEnumType::Unknown;
                                      }
                                      apply_authorization(evse_id, token, info, at);
                                    });
  if (!queued) {
    e.authorizing = false;
    return make_error_code(Errc::queue_full);
  }
  return {};
}

void Engine::Impl::apply_authorization(int evse_id, const IdTokenType& token,
                                       const IdTokenInfoType& info, Now now) {
  EvseTx& e = evse_tx(evse_id);
  bool accepted = info.status == AuthorizationStatusEnumType::Accepted;
  // C01: an idTokenInfo limited to other EVSEs does not authorize this one.
  if (accepted && info.evseId && !info.evseId->empty()) {
    bool here = false;
    for (auto id : *info.evseId) here = here || id == evse_id;
    accepted = here;
  }
  if (hooks_.authorization) {
    IdTokenInfoType told = info;
    if (!accepted && told.status == AuthorizationStatusEnumType::Accepted)
      told.status = AuthorizationStatusEnumType::NotAtThisLocation;
    defer([h = hooks_.authorization, evse_id, token, told] { h(evse_id, token, told); });
  }
  if (!accepted) return;  // E02.FR.20: nothing is sent for a refused idToken
  // E08.FR.02: an idToken of the transaction's group ends it like its own.
  if (e.tx && e.tx->id_token && info.groupIdToken && e.group_id_token &&
      same_token(*info.groupIdToken, *e.group_id_token)) {
    if (auto ec = authorization_ended(evse_id, TriggerReasonEnumType::StopAuthorized,
                                      ReasonEnumType::Local, now))
      log(0, "cannot end the transaction: " + ec.message());
    return;
  }
  if (e.tx && e.tx->id_token) return;  // another driver's transaction: nothing to do
  e.authorized = token;
  e.group_id_token = info.groupIdToken;
  std::error_code ec;
  if (e.tx) {
    // E02.FR.20: the transaction started before the driver was known.
    e.tx->id_token = token;
    e.tx->deauthorized = false;
    ec = write_event(evse_id, TransactionEventEnumType::Updated, TriggerReasonEnumType::Authorized,
                     now);
  } else {
    ec = evaluate_start(evse_id, TriggerReasonEnumType::Authorized, now);
    // E03: the driver plugs in within EVConnectionTimeOut.
    if (!ec && e.plugged_connector == 0 && tx_settings_.ev_connection_timeout.count() > 0)
      e.connect_deadline = now.mono + tx_settings_.ev_connection_timeout;
  }
  if (ec)
    log(0,
        "cannot record the authorization on EVSE " + std::to_string(evse_id) + ": " + ec.message());
}

void Engine::Impl::handle_request_start_transaction(const rpc::Frame& frame, Now now) {
  RequestStartTransactionRequest req;
  if (!decode_request(frame, req)) return;
  RequestStartTransactionResponse resp;
  resp.status = RequestStartStopStatusEnumType::Rejected;
  // F01.FR.20: without an evseId the station picks an EVSE: the first that is operative and
  // free (no authorized transaction, nothing plugged into another EVSE's transaction).
  std::optional<int> evse_id;
  auto usable = [this](int id) {
    const EvseTx& e = evse_tx(id);
    if (e.tx && e.tx->id_token) return false;  // F01.FR.24
    if (e.authorizing || e.authorized) return false;
    // F01.FR.23: Unavailable or Faulted.
    for (std::size_t c = 1; c <= evses_[static_cast<std::size_t>(id - 1)].connectors.size(); ++c) {
      const auto st = effective_status(id, static_cast<int>(c));
      if (st == ConnectorStatusEnumType::Unavailable || st == ConnectorStatusEnumType::Faulted)
        return false;
    }
    return true;
  };
  if (req.evseId) {
    if (valid_evse(*req.evseId) && usable(*req.evseId)) evse_id = *req.evseId;
  } else {
    for (int id = 1; id <= static_cast<int>(evses_.size()) && !evse_id; ++id)
      if (usable(id)) evse_id = id;
  }
  if (!evse_id) {
    reply(frame.id, codec::to_json(resp));
    return;
  }
  // F01.FR.12: a chargingProfile is ignored (no smart charging in this station yet).
  auto apply = [id = frame.id, epoch = epoch(), evse = *evse_id, token = req.idToken,
                remote_start_id = req.remoteStartId](
                   Impl& im, RequestStartStopStatusEnumType status, Now at) {
    if (im.epoch() != epoch || !im.connected()) return;
    RequestStartTransactionResponse r;
    r.status = status;
    EvseTx& e = im.evse_tx(evse);
    if (status == RequestStartStopStatusEnumType::Accepted && e.tx && !e.tx->id_token)
      r.transactionId = e.tx->transaction_id;  // F01.FR.13
    im.reply(id, codec::to_json(r));
    if (status != RequestStartStopStatusEnumType::Accepted) return;
    e.remote_start_id = remote_start_id;
    e.remote_start_unsent = true;
    if (e.tx) e.tx->remote_start_id = remote_start_id;
    if (im.tx_settings_.authorize_remote_start) {
      // F01.FR.01: as if presented at the station.
      if (auto ec = im.present_id_token(evse, token, at))
        im.log(0, "cannot authorize the remote start: " + ec.message());
      return;
    }
    // F01.FR.02: allowed without checking; the CSMS checks it with the TransactionEvent.
    IdTokenInfoType info;
    info.status = AuthorizationStatusEnumType::Accepted;
    im.apply_authorization(evse, token, info, at);
  };
  if (!hooks_.remote_start_allowed) {
    apply(*this, RequestStartStopStatusEnumType::Accepted, now);
    return;
  }
  defer_decision<RequestStartStopStatusEnumType>(
      [h = hooks_.remote_start_allowed, evse = *evse_id, token = req.idToken,
       rid = req.remoteStartId] { return h(evse, token, rid); },
      std::move(apply));
}

void Engine::Impl::handle_request_stop_transaction(const rpc::Frame& frame, Now now) {
  RequestStopTransactionRequest req;
  if (!decode_request(frame, req)) return;
  RequestStopTransactionResponse resp;
  resp.status = RequestStartStopStatusEnumType::Rejected;
  for (std::size_t i = 0; i < evse_txs_.size(); ++i) {
    const EvseTx& e = evse_txs_[i];
    if (!e.tx || e.tx->transaction_id != req.transactionId) continue;
    // F03.FR.02 to F03.FR.04: the answer first, then the Ended (triggerReason RemoteStop,
    // stoppedReason Remote).
    resp.status = RequestStartStopStatusEnumType::Accepted;
    reply(frame.id, codec::to_json(resp));
    if (auto ec = end_transaction(static_cast<int>(i) + 1, TriggerReasonEnumType::RemoteStop,
                                  ReasonEnumType::Remote, now))
      log(0, "cannot end the transaction: " + ec.message());
    return;
  }
  reply(frame.id, codec::to_json(resp));  // F03.FR.08: no such transaction
}

}  // namespace ocpp::v201
