// Functional block G (availability) of OCPP 2.0.1 part 2: connector status reporting (G01).
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

Connector* Engine::Impl::connector(int evse_id, int connector_id) {
  if (evse_id < 1 || static_cast<std::size_t>(evse_id) > evses_.size()) return nullptr;
  auto& evse = evses_[static_cast<std::size_t>(evse_id) - 1];
  if (connector_id < 1 || static_cast<std::size_t>(connector_id) > evse.size()) return nullptr;
  return &evse[static_cast<std::size_t>(connector_id) - 1];
}

const Connector* Engine::Impl::connector(int evse_id, int connector_id) const {
  return const_cast<Engine::Impl*>(this)->connector(evse_id, connector_id);
}

namespace {

std::string status_notification(int evse_id, int connector_id, ConnectorStatusEnumType status,
                                Now now) {
  StatusNotificationRequest req;
  req.timestamp = now.wall;
  req.connectorStatus = status;
  req.evseId = evse_id;
  req.connectorId = connector_id;
  return codec::to_json(req);
}

}  // namespace

std::error_code Engine::Impl::set_connector_status(int evse_id, int connector_id,
                                                   ConnectorStatusEnumType status, Now now) {
  Connector* c = connector(evse_id, connector_id);
  if (!c) return make_error_code(Errc::unknown_connector);
  if (c->status == status) return {};
  c->status = status;
  if (hooks_.status)
    defer([h = hooks_.status, evse_id, connector_id, status] { h(evse_id, connector_id, status); });
  // Before Accepted nothing but BootNotificationRequest goes out (B01.FR.08): the status is
  // reported with every other connector after Accepted (B01.FR.05).
  if (online() && c->reported != status) {
    c->reported = status;
    send_volatile(Action::StatusNotification,
                  status_notification(evse_id, connector_id, status, now));
  }
  return {};
}

void Engine::Impl::report_all_status(Now now) {
  for (std::size_t e = 0; e < evses_.size(); ++e)
    for (std::size_t k = 0; k < evses_[e].size(); ++k)
      report_status(static_cast<int>(e + 1), static_cast<int>(k + 1), now);
}

void Engine::Impl::report_status(int evse_id, int connector_id, Now now) {
  Connector* c = connector(evse_id, connector_id);
  if (!c) return;
  c->reported = c->status;
  send_volatile(Action::StatusNotification,
                status_notification(evse_id, connector_id, c->status, now));
}

void Engine::Impl::forget_reported_status() {
  for (auto& evse : evses_)
    for (auto& c : evse) c.reported.reset();
}

}  // namespace ocpp::v201
