// Block C of OCPP 2.0.1 part 2 (an idToken presented at the station: C01 Authorize, with
// the Local Authorization List and the Authorization Cache C12 to C14, C15 offline
// authorization of unknown ids) and the CSMS's remote start and stop (F01 to F03).
#include <cctype>

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
                               ReasonEnumType::Local, now, token);
  if (!online()) {
    authorize_offline(evse_id, token, now);
    return {};
  }
  // authorization cache, local list (C10-C14): what they say may decide without the CSMS.
  const auto local = local_authorization(token, now);
  if (local) {
    const bool accepted = local->info.status == AuthorizationStatusEnumType::Accepted;
    // C01.FR.03 (b): valid with the group of the transaction's idToken: its authorization
    // ends without an AuthorizeRequest (apply_authorization, E08.FR.02).
    const bool same_group = e.tx && e.tx->id_token && e.group_id_token &&
                            local->info.groupIdToken &&
                            same_token(*local->info.groupIdToken, *e.group_id_token);
    // C12.FR.02, C14.FR.02: LocalPreAuthorize; the CSMS hears of it in the
    // TransactionEventRequest (C12.FR.03).
    const bool pre_authorized = accepted && auth_settings_.local_pre_authorize;
    // C10.FR.03, C12.FR.05, C14.FR.03: not Accepted, the CSMS is asked again unless
    // DisablePostAuthorize says otherwise.
    const bool no_post_authorize =
        !accepted && (local->listed ? auth_settings_.list_disable_post_authorize
                                    : auth_settings_.cache_disable_post_authorize);
    if ((accepted && same_group) || pre_authorized || no_post_authorize) {
      apply_authorization(evse_id, token, local->info, now);
      return {};
    }
  }
  if (auth_settings_.disable_remote_authorization) {
    // AuthCtrlr.DisableRemoteAuthorization: only the list and the cache decide.
    IdTokenInfoType unknown;
    unknown.status = AuthorizationStatusEnumType::Unknown;
    apply_authorization(evse_id, token, local ? local->info : unknown, now);
    return {};
  }
  e.authorizing = true;
  const bool queued =
      session_.send(std::string(to_string(Action::Authorize)), codec::to_json(req),
                    [this, evse_id, token](const rapidjson::Value* result, Now at) {
                      evse_tx(evse_id).authorizing = false;
                      AuthorizeResponse resp;
                      codec::Error derr;
                      if (result && codec::decode(*result, resp, derr)) {
                        cache_id_token_info(token, resp.idTokenInfo, at);  // C10.FR.04
                        apply_authorization(evse_id, token, resp.idTokenInfo, at);
                        return;
                      }
                      if (result) log(1, "invalid AuthorizeResponse: " + derr.message);
                      // No answer (connection lost, timeout, error): decided as offline
                      // (C13, C15).
                      authorize_offline(evse_id, token, at);
                    });
  if (!queued) {
    e.authorizing = false;
    return make_error_code(Errc::queue_full);
  }
  return {};
}

void Engine::Impl::authorize_offline(int evse_id, const IdTokenType& token, Now now) {
  IdTokenInfoType info;
  const auto local = local_authorization(token, now);
  if (local && (local->info.status != AuthorizationStatusEnumType::Accepted ||
                auth_settings_.local_authorize_offline)) {
    // C13.FR.02, C13.FR.04: Accepted in the list (or the cache) authorizes with
    // LocalAuthorizeOffline; any other status there refuses.
    info = local->info;
  } else if (local) {
    // Known, so not "unknown" (C13.FR.04), yet not to be authorized locally: refused.
    info.status = AuthorizationStatusEnumType::Unknown;
  } else {
    // C15.FR.08: an unknown idToken only with OfflineTxForUnknownIdEnabled; never cached
    // (C15.FR.01): the CSMS checks it in the TransactionEventResponse (C15.FR.02).
    info.status = tx_settings_.offline_tx_for_unknown_id ? AuthorizationStatusEnumType::Accepted
                                                         : AuthorizationStatusEnumType::Unknown;
  }
  apply_authorization(evse_id, token, info, now);
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
  if (master_pass(info)) {
    // C16.FR.03: a Master Pass starts no transaction, whatever the station has.
    master_pass_token_ = token;
    if (hooks_.master_pass) {
      // C16.FR.01: the station has a UI (the host set the hook): the firmware shows it and
      // stops the transactions the user selects with stop_transaction(evseId, MasterPass).
      std::vector<int> with_tx;
      for (int id = 1; id <= static_cast<int>(evse_txs_.size()); ++id)
        if (evse_tx(id).tx) with_tx.push_back(id);
      defer([h = hooks_.master_pass, token, with_tx] { h(token, with_tx); });
      return;
    }
    // C16.FR.02: without a UI every transaction stops.
    stop_for_master_pass(now);
    return;
  }
  // E08.FR.02: an idToken of the transaction's group ends it like its own.
  if (e.tx && e.tx->id_token && info.groupIdToken && e.group_id_token &&
      same_token(*info.groupIdToken, *e.group_id_token)) {
    if (auto ec = authorization_ended(evse_id, TriggerReasonEnumType::StopAuthorized,
                                      ReasonEnumType::Local, now, token))
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
    // E03.FR.05, E03.FR.15: a transaction started without a cable (e.g. by the parking bay
    // detector) waits EVConnectionTimeOut for it too.
    if (!ec && e.plugged_connector == 0 && e.tx->connector_id == 0 &&
        tx_settings_.ev_connection_timeout.count() > 0)
      e.connect_deadline = now.mono + tx_settings_.ev_connection_timeout;
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

bool Engine::Impl::master_pass(const IdTokenInfoType& info) const {
  const std::string& group = auth_settings_.master_pass_group_id;
  if (group.empty() || !info.groupIdToken) return false;
  // The groupIdToken's value, case-insensitive like every idToken (IdTokenType).
  const std::string& id = info.groupIdToken->idToken;
  if (id.size() != group.size()) return false;
  for (std::size_t i = 0; i < id.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(id[i])) !=
        std::toupper(static_cast<unsigned char>(group[i])))
      return false;
  return true;
}

void Engine::Impl::stop_for_master_pass(Now now) {
  for (int id = 1; id <= static_cast<int>(evse_txs_.size()); ++id) {
    if (!evse_tx(id).tx) continue;
    // C16 scenario 4b: TransactionEventRequest Ended, stoppedReason MasterPass, for each,
    // the same as a stop the user selects in the UI (stop_transaction).
    if (auto ec = stop_transaction(id, ReasonEnumType::MasterPass, now))
      log(0, "cannot end the transaction of EVSE " + std::to_string(id) + ": " + ec.message());
  }
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
  // smart charging (block K): a chargingProfile is ignored without smart charging (F01.FR.12,
  // K05.FR.04), else Rejected when it is not a valid TxProfile (F01.FR.26, K05.FR.05).
  std::optional<ChargingProfileType> profile;
  if (req.chargingProfile && smart_charging_enabled()) {
    if (auto why = check_remote_start_profile(*evse_id, *req.chargingProfile)) {
      resp.statusInfo = std::move(why);
      reply(frame.id, codec::to_json(resp));
      return;
    }
    profile = req.chargingProfile;
  }
  auto apply = [id = frame.id, epoch = epoch(), evse = *evse_id, token = req.idToken,
                remote_start_id = req.remoteStartId,
                profile](Impl& im, RequestStartStopStatusEnumType status, Now at) {
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
    if (profile) im.remote_start_profile(evse, *profile, at);  // K05.FR.03
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
