// Connector state machine (OCPP 1.6 section 4.9 and its status table), authorization of
// idTags, transactions (sections 4.8 and 4.10) and meter values (section 4.7).
#include <algorithm>

#include "v16/engine_impl.hpp"
#include "v16/metering_data.hpp"

namespace ocpp::v16 {

bool Engine::Impl::usable_for(const Connector& c, std::string_view id_tag) const {
  if (c.faulted || c.id == 0) return false;
  if (any_module([&](const Module& m) { return m.makes_unavailable(c); })) return false;
  const std::string tag(id_tag);
  for (const auto& m : modules_)
    if (!m->accepts_id_tag(c, tag, std::nullopt)) return false;
  return true;
}

Connector* Engine::Impl::connector(int id) {
  if (id < 0 || id > options_.connectors) return nullptr;
  return &connectors_[static_cast<std::size_t>(id)];
}

ChargePointStatus Engine::Impl::compute_status(const Connector& c) const {
  if (c.faulted) return ChargePointStatus::Faulted;
  if (any_module([&](const Module& m) { return m.makes_unavailable(c); }))
    return ChargePointStatus::Unavailable;
  if (c.id == 0) return ChargePointStatus::Available;
  if (c.tx_key) {
    if (c.suspended_evse) return ChargePointStatus::SuspendedEVSE;
    if (c.suspended_ev) return ChargePointStatus::SuspendedEV;
    return ChargePointStatus::Charging;
  }
  if (c.finishing) return ChargePointStatus::Finishing;
  if (!c.plugged && !c.authorized_id_tag &&
      any_module([&](const Module& m) { return m.makes_reserved(c); }))
    return ChargePointStatus::Reserved;
  if (c.plugged || c.authorized_id_tag) return ChargePointStatus::Preparing;
  return ChargePointStatus::Available;
}

void Engine::Impl::update_status(Connector& c, Now now) {
  const ChargePointStatus st = compute_status(c);
  const ChargePointErrorCode err = c.faulted ? c.error_code : ChargePointErrorCode::NoError;
  if (c.reported_status && *c.reported_status == st && c.reported_error == err) {
    // A change that reverted within MinimumStatusDuration is never reported (section 4.9).
    metering::status_settled(*this, c.id);
    return;
  }
  if (!online()) return;  // reported in full after the next (re)connect and Accepted
  DateTime since = now.wall;
  if (!metering::status_may_report(*this, c, st, err, now, since)) return;  // MinimumStatusDuration
  c.reported_status = st;
  c.reported_error = err;
  StatusNotificationRequest req;
  req.connectorId = c.id;
  req.status = st;
  req.errorCode = err;
  if (c.faulted && !c.error_info.empty()) req.info = c.error_info;
  req.timestamp = since;
  send_volatile(Action::StatusNotification, codec::to_json(req));
  if (hooks_.status) defer([h = hooks_.status, id = c.id, st, err] { h(id, st, err); });
}

void Engine::Impl::report_all_status(Now now) {
  for (auto& c : connectors_) {
    c.reported_status.reset();
    update_status(c, now);
  }
}

std::error_code Engine::Impl::plug_in(int id, Now now) {
  Connector* c = id >= 1 ? connector(id) : nullptr;
  if (!c) return make_error_code(Errc::unknown_connector);
  if (c->plugged) return {};
  c->plugged = true;
  c->finishing = false;
  // The EV came back to a transaction kept running after its unplug (StopTransactionOnEVSide-
  // Disconnect false, section 4.10): energy transfer may resume, so the SuspendedEV that the
  // unplug set ends here; the firmware calls suspend() again if the EV still draws nothing.
  if (c->tx_key) c->suspended_ev = false;
  try_start(*c, now);
  update_status(*c, now);
  return {};
}

std::error_code Engine::Impl::unplug(int id, Now now) {
  Connector* c = id >= 1 ? connector(id) : nullptr;
  if (!c) return make_error_code(Errc::unknown_connector);
  if (!c->plugged) return {};
  c->plugged = false;
  c->finishing = false;
  if (c->tx_key) {
    if (config_.get_bool("StopTransactionOnEVSideDisconnect")) {
      if (auto ec = stop_transaction(*c, Reason::EVDisconnected, std::nullopt, now)) return ec;
      c->finishing = false;
    } else {
      c->suspended_ev = true;  // section 9.1.23: the transaction goes on, suspended
    }
  }
  update_status(*c, now);
  return {};
}

std::error_code Engine::Impl::present_id_tag(std::string_view id_tag, std::optional<int> connector_id,
                                             Now now) {
  if (id_tag.empty() || id_tag.size() > 20) return make_error_code(Errc::invalid_argument);
  if (connector_id && (*connector_id < 1 || *connector_id > options_.connectors))
    return make_error_code(Errc::unknown_connector);
  // The same idTag again stops its transaction (section 3.5: local stop; section 4.1: no
  // Authorize.req for it). IdToken is case-insensitive.
  for (auto& c : connectors_) {
    if (!c.tx_key || (connector_id && c.id != *connector_id)) continue;
    if (same_id_tag(txs_.at(*c.tx_key).id_tag, id_tag))
      return stop_transaction(c, Reason::Local, std::string(id_tag), now);
  }
  // Another idTag may stop a transaction whose group (parentIdTag) is known (section 3.10):
  // it is authorized like any idTag, and authorization_result stops the transaction when the
  // parentIdTags match. Used when the idTag is presented at that connector, or when no
  // connector is free for a new transaction.
  Connector* group_stop = nullptr;
  for (auto& c : connectors_) {
    if (!c.tx_key || !c.tx_parent_id_tag || (connector_id && c.id != *connector_id)) continue;
    group_stop = &c;
    break;
  }
  Connector* target = nullptr;
  if (connector_id) {
    target = connector(*connector_id);
    if (target->tx_key ? !group_stop : !usable_for(*target, id_tag))
      return make_error_code(Errc::invalid_state);
  } else {
    for (int pass = 0; pass < 2 && !target; ++pass) {
      for (std::size_t i = 1; i < connectors_.size(); ++i) {
        Connector& c = connectors_[i];
        if (c.tx_key || c.authorized_id_tag || !usable_for(c, id_tag)) continue;
        if (pass == 0 && !c.plugged) continue;  // prefer a connector with a cable in it
        target = &c;
        break;
      }
    }
    if (!target) target = group_stop;
    if (!target) return make_error_code(Errc::invalid_state);
  }
  const int cid = target->id;
  std::string tag(id_tag);
  auto decide_offline = [this, cid, tag](Now n) {
    // Without a cache or local list (the LocalAuthListManagement profile), an unknown idTag
    // is allowed offline only when AllowOfflineTxForUnknownId is true (section 9.1.1).
    IdTagInfo info;
    info.status = config_.get_bool("AllowOfflineTxForUnknownId") ? AuthorizationStatus::Accepted
                                                                 : AuthorizationStatus::Invalid;
    authorization_result(cid, tag, info, n);
  };
  for (auto& m : modules_)
    if (m->authorize(cid, tag, now)) return {};
  if (!online()) {
    decide_offline(now);
    return {};
  }
  AuthorizeRequest req;
  req.idTag = tag;
  send_volatile(Action::Authorize, codec::to_json(req),
                [this, cid, tag, decide_offline](const rapidjson::Value* result, Now n) {
                  AuthorizeResponse resp;
                  codec::Error err;
                  if (result && codec::decode(*result, resp, err)) {
                    for_modules([&](Module& m) { m.on_id_tag_info(tag, resp.idTagInfo, n); });
                    authorization_result(cid, tag, resp.idTagInfo, n);
                  } else {
                    if (result) log(0, "invalid Authorize.conf: " + err.message);
                    decide_offline(n);
                  }
                });
  return {};
}

void Engine::Impl::authorization_result(int connector_id, const std::string& id_tag,
                                        const IdTagInfo& info, Now now) {
  if (hooks_.authorize) defer([h = hooks_.authorize, id_tag, info] { h(id_tag, info); });
  if (info.status != AuthorizationStatus::Accepted) return;
  Connector& c = *connector(connector_id);
  if (c.tx_key) {
    // Section 3.10: an idTag of the same group (equal parentIdTag, learned from the local
    // list, the cache or the Authorize.conf) stops the transaction; the StopTransaction
    // carries the idTag that stopped it.
    if (info.parentIdTag && c.tx_parent_id_tag && !same_id_tag(txs_.at(*c.tx_key).id_tag, id_tag) &&
        same_id_tag(*info.parentIdTag, *c.tx_parent_id_tag)) {
      if (auto ec = stop_transaction(c, Reason::Local, id_tag, now))
        log(0, "stopping the transaction of idTag group " + *c.tx_parent_id_tag + " failed: " + ec.message());
    }
    return;
  }
  if (c.faulted) return;
  for (const auto& m : modules_) {
    if (!m->accepts_id_tag(c, id_tag, info.parentIdTag)) {
      log(2, "idTag " + id_tag + " may not use connector " + std::to_string(connector_id));
      return;
    }
  }
  c.authorized_id_tag = id_tag;
  c.authorized_parent_id = info.parentIdTag;
  c.authorized_until = now.mono + std::chrono::seconds(config_.get_int("ConnectionTimeOut"));
  try_start(c, now);
  update_status(c, now);
}

void Engine::Impl::try_start(Connector& c, Now now) {
  if (!c.authorized_id_tag || !c.plugged || c.tx_key || c.faulted) return;
  std::string tag = std::move(*c.authorized_id_tag);
  c.authorized_id_tag.reset();
  c.authorized_parent_id.reset();
  if (auto ec = start_transaction(c, tag, now)) log(0, "starting a transaction failed: " + ec.message());
}

std::error_code Engine::Impl::start_transaction(Connector& c, const std::string& id_tag, Now now) {
  StartTransactionRequest req;
  req.connectorId = c.id;
  req.idTag = id_tag;
  req.meterStart = static_cast<std::int32_t>(std::min<std::int64_t>(c.meter_wh, INT32_MAX));
  req.timestamp = now.wall;
  for_modules([&](Module& m) { m.fill_start_transaction(req, c, now); });
  TxState tx;
  tx.connector_id = c.id;
  tx.id_tag = id_tag;
  tx.meter_start = req.meterStart;
  tx.start_time = format_datetime(now.wall);
  TransactionRecord rec = tx.to_record();
  OutboxMessage msg;
  msg.action = "StartTransaction";
  msg.payload = codec::to_json(req);
  msg.protocol = kProtocol;
  if (auto ec = store_.transaction_begin(rec, msg)) return ec;
  appended_durable(msg.seq);
  const std::int64_t key = rec.tx_key;
  tx.tx_key = key;
  txs_[key] = std::move(tx);
  c.tx_key = key;
  c.finishing = false;
  c.suspended_ev = c.suspended_evse = false;
  schedule_sample(c, now);
  if (hooks_.transaction_started) defer([h = hooks_.transaction_started, i = tx_info(key)] { h(i); });
  for_modules([&](Module& m) { m.on_transaction_started(c, key, now); });
  update_status(c, now);
  return {};
}

std::error_code Engine::Impl::stop_transaction(Connector& c, Reason reason,
                                               std::optional<std::string> id_tag, Now now) {
  if (!c.tx_key) return make_error_code(Errc::no_transaction);
  const std::int64_t key = *c.tx_key;
  TxState& tx = txs_.at(key);
  StopTransactionRequest req;
  req.meterStop = static_cast<std::int32_t>(std::min<std::int64_t>(c.meter_wh, INT32_MAX));
  req.timestamp = now.wall;
  // The CSMS's id is filled in when the message is sent (durable_payload), because it may
  // not be known yet: the StartTransaction may still be queued.
  req.transactionId = tx.transaction_id.value_or(0);
  req.reason = reason;
  if (id_tag) req.idTag = *id_tag;
  for_modules([&](Module& m) { m.fill_stop_transaction(req, key, now); });
  OutboxMessage msg;
  msg.action = "StopTransaction";
  msg.payload = codec::to_json(req);
  msg.protocol = kProtocol;
  msg.tx_key = key;
  if (auto ec = store_.transaction_end(key, msg)) return ec;
  appended_durable(msg.seq);
  tx.stopped = true;
  c.tx_key.reset();
  c.finishing = c.plugged;
  c.suspended_ev = c.suspended_evse = false;
  if (hooks_.transaction_stopped)
    defer([h = hooks_.transaction_stopped, i = tx_info(key), reason, m = req.meterStop] { h(i, reason, m); });
  for_modules([&](Module& m) { m.on_transaction_stopped(c, key, reason, now); });
  update_status(c, now);
  return {};
}

void Engine::Impl::on_start_confirmed(std::int64_t tx_key, const StartTransactionResponse& resp, Now now) {
  auto it = txs_.find(tx_key);
  if (it == txs_.end()) return;
  if (hooks_.transaction_confirmed)
    defer([h = hooks_.transaction_confirmed, i = tx_info(tx_key), info = resp.idTagInfo] { h(i, info); });
  for_modules([&](Module& m) { m.on_id_tag_info(it->second.id_tag, resp.idTagInfo, now); });
  if (resp.idTagInfo.status == AuthorizationStatus::Accepted || it->second.stopped) return;
  // Section 9.1.24: a transaction whose idTag the CSMS did not accept is stopped.
  if (!config_.get_bool("StopTransactionOnInvalidId")) return;
  Connector* c = connector(it->second.connector_id);
  if (c && c->tx_key == tx_key) {
    if (auto ec = stop_transaction(*c, Reason::DeAuthorized, std::nullopt, now))
      log(0, "stopping a deauthorized transaction failed: " + ec.message());
  }
}

TransactionInfo Engine::Impl::tx_info(std::int64_t tx_key) const {
  TransactionInfo i;
  auto it = txs_.find(tx_key);
  if (it == txs_.end()) return i;
  i.connectorId = it->second.connector_id;
  i.tx_key = tx_key;
  i.idTag = it->second.id_tag;
  i.transactionId = it->second.transaction_id;
  i.meterStart = it->second.meter_start;
  return i;
}

void Engine::Impl::schedule_sample(Connector& c, Now now) {
  const auto interval = config_.get_int("MeterValueSampleInterval");
  if (interval > 0) c.next_sample = now.mono + std::chrono::seconds(interval);
}

void Engine::Impl::sample_meter_values(Connector& c, ReadingContext context, Now now) {
  const std::int64_t key = *c.tx_key;
  const int cid = c.id;
  if (hooks_.sample_meter) {
    defer_decision<std::vector<SampledValue>>(
        [h = hooks_.sample_meter, cid, context] { return h(cid, context); },
        [key, cid, context](Impl& im, std::vector<SampledValue> values, Now n) {
          im.write_meter_values(cid, key, std::move(values), context, n);
        });
    return;
  }
  write_meter_values(cid, key, {}, context, now);
}

void Engine::Impl::write_meter_values(int connector_id, std::int64_t tx_key,
                                      std::vector<SampledValue> values, ReadingContext context, Now now) {
  auto it = txs_.find(tx_key);
  // A sample that arrives after its transaction stopped would follow the StopTransaction.
  if (it == txs_.end() || it->second.stopped) return;
  Connector* c = connector(connector_id);
  if (!c) return;
  if (values.empty()) values = metering::default_values(*c);
  values = metering::valid_values(*this, std::move(values));
  // StopTxnSampledData (section 9.1.27): the periodic samples also go into transactionData.
  if (context == ReadingContext::Sample_Periodic)
    metering::record_for_stop(*this, tx_key, values, context, "StopTxnSampledData", now.wall);
  // Only the measurands the CSMS asked for (MeterValuesSampledData, section 9.1.17).
  metering::write(*this, connector_id, tx_key, std::move(values), context, "MeterValuesSampledData",
                  now.wall);
}

void Engine::Impl::connector_timers(Now now) {
  const auto interval = sample_interval_.get();
  for (auto& c : connectors_) {
    if (c.tx_key && interval > 0 && now.mono >= c.next_sample) {
      c.next_sample = now.mono + std::chrono::seconds(interval);
      sample_meter_values(c, ReadingContext::Sample_Periodic, now);
    }
    if (c.authorized_id_tag && now.mono >= c.authorized_until) {
      // ConnectionTimeOut (section 9.1.6): no cable in time, the authorization lapses.
      c.authorized_id_tag.reset();
      c.authorized_parent_id.reset();
      update_status(c, now);
    }
  }
}

// ---------------------------------------------------------------- public firmware events

std::error_code Engine::set_meter_energy(int id, std::int64_t wh, Now) {
  Connector* c = id >= 1 ? impl_->connector(id) : nullptr;
  if (!c) return make_error_code(Errc::unknown_connector);
  if (wh < 0) return make_error_code(Errc::invalid_argument);
  c->meter_wh = wh;
  return {};
}

std::error_code Engine::report_fault(int id, ChargePointErrorCode code, std::string_view info, Now now) {
  Connector* c = impl_->connector(id);
  if (!c) return make_error_code(Errc::unknown_connector);
  if (code == ChargePointErrorCode::NoError || info.size() > 50)
    return make_error_code(Errc::invalid_argument);
  c->faulted = true;
  c->error_code = code;
  c->error_info = std::string(info);
  impl_->update_status(*c, now);
  return {};
}

std::error_code Engine::clear_fault(int id, Now now) {
  Connector* c = impl_->connector(id);
  if (!c) return make_error_code(Errc::unknown_connector);
  c->faulted = false;
  c->error_code = ChargePointErrorCode::NoError;
  c->error_info.clear();
  impl_->update_status(*c, now);
  return {};
}

std::error_code Engine::suspend(int id, bool by_ev, Now now) {
  Connector* c = id >= 1 ? impl_->connector(id) : nullptr;
  if (!c) return make_error_code(Errc::unknown_connector);
  if (!c->tx_key) return make_error_code(Errc::no_transaction);
  (by_ev ? c->suspended_ev : c->suspended_evse) = true;
  impl_->update_status(*c, now);
  return {};
}

std::error_code Engine::resume(int id, Now now) {
  Connector* c = id >= 1 ? impl_->connector(id) : nullptr;
  if (!c) return make_error_code(Errc::unknown_connector);
  if (!c->tx_key) return make_error_code(Errc::no_transaction);
  c->suspended_ev = c->suspended_evse = false;
  impl_->update_status(*c, now);
  return {};
}

std::error_code Engine::stop_transaction(int id, Reason reason, Now now) {
  Connector* c = id >= 1 ? impl_->connector(id) : nullptr;
  if (!c) return make_error_code(Errc::unknown_connector);
  return impl_->stop_transaction(*c, reason, std::nullopt, now);
}

Result<ConnectorState> Engine::connector_state(int id) const {
  Connector* c = impl_->connector(id);
  if (!c) return Errc::unknown_connector;
  ConnectorState s;
  s.connectorId = id;
  s.status = impl_->compute_status(*c);
  s.errorCode = c->faulted ? c->error_code : ChargePointErrorCode::NoError;
  s.plugged = c->plugged;
  if (c->tx_key) s.transaction = impl_->tx_info(*c->tx_key);
  s.meter_wh = c->meter_wh;
  return s;
}

}  // namespace ocpp::v16
