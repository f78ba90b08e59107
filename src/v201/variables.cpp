// Functional block B (provisioning) of OCPP 2.0.1 part 2, the device model: GetVariables
// (B06) and SetVariables (B05), and the host's access to the device model.
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

// The component and variable of a result: the request's own (B05.FR.02, B06.FR.02), without
// the CSMS's customData, which is no part of the answer.
void echo(const ComponentType& c, const VariableType& v, ComponentType& out_c,
          VariableType& out_v) {
  out_c = c;
  out_c.customData.reset();
  if (out_c.evse) out_c.evse->customData.reset();
  out_v = v;
  out_v.customData.reset();
}

}  // namespace

bool Engine::Impl::over_message_limits(const rpc::Frame& frame, const char* member,
                                       std::string_view message) {
  // Checked on the frame before it is decoded, so that a hostile list costs no more than
  // parsing it did (B06.FR.16, B06.FR.17, B08.FR.17, B08.FR.18; for SetVariables see
  // docs/protocol-choices.md).
  if (frame_bytes_ > static_cast<std::size_t>(message_limit("BytesPerMessage", message))) {
    reply_error(frame.id, RpcErrorCode::FormatViolation,
                "longer than BytesPerMessage" + std::string(message));
    return true;
  }
  const auto& p = *frame.payload;
  if (p.IsObject() && p.HasMember(member) && p[member].IsArray() &&
      static_cast<std::int64_t>(p[member].Size()) > message_limit("ItemsPerMessage", message)) {
    reply_error(
        frame.id, RpcErrorCode::OccurrenceConstraintViolation,
        std::string(member) + ": more elements than ItemsPerMessage" + std::string(message));
    return true;
  }
  return false;
}

void Engine::Impl::handle_get_variables(const rpc::Frame& frame) {
  if (over_message_limits(frame, "getVariableData", "GetVariables")) return;
  GetVariablesRequest req;
  if (!decode_request(frame, req)) return;
  GetVariablesResponse resp;
  // B06.FR.01: one result per element, in order.
  for (const auto& d : req.getVariableData) {
    GetVariableResultType r;
    echo(d.component, d.variable, r.component, r.variable);
    const auto type = d.attributeType.value_or(AttributeEnumType::Actual);
    r.attributeType = type;  // B06.FR.03, B06.FR.11
    const VariableKey key = make_key(d.component, d.variable);
    const Variable* v = dm_.find(key);
    if (!v) {
      // B06.FR.06, B06.FR.07, B06.FR.15
      r.attributeStatus = dm_.has_component(key) ? GetVariableStatusEnumType::UnknownVariable
                                                 : GetVariableStatusEnumType::UnknownComponent;
    } else if (!v->has(type)) {
      r.attributeStatus = GetVariableStatusEnumType::NotSupportedAttributeType;  // B06.FR.08
    } else if (v->mutability == MutabilityEnumType::WriteOnly) {
      r.attributeStatus = GetVariableStatusEnumType::Rejected;  // B06.FR.09
    } else {
      // B06.FR.10; B06.FR.13: an attribute type without a value is the empty string.
      r.attributeStatus = GetVariableStatusEnumType::Accepted;
      r.attributeValue = dm_.value(*v, type).value_or("");
    }
    resp.getVariableResult.push_back(std::move(r));
  }
  reply(frame.id, codec::to_json(resp));
}

void Engine::Impl::handle_set_variables(const rpc::Frame& frame, Now now) {
  if (over_message_limits(frame, "setVariableData", "SetVariables")) return;
  SetVariablesRequest req;
  if (!decode_request(frame, req)) return;
  SetVariablesResponse resp;
  std::vector<std::pair<VariableKey, AttributeEnumType>> changed;
  std::vector<std::pair<VariableKey, std::string>> security_changes;  // with the value before
  // B05.FR.01: one result per element, in order; each value checked and stored before the
  // answer (a later element may depend on an earlier one, e.g. MinSet then Actual).
  for (const auto& d : req.setVariableData) {
    SetVariableResultType r;
    echo(d.component, d.variable, r.component, r.variable);
    const auto type = d.attributeType.value_or(AttributeEnumType::Actual);
    r.attributeType = type;  // B05.FR.03, B05.FR.12
    VariableKey key = make_key(d.component, d.variable);
    // A01, A05: the password and the profile of the connection have rules of their own.
    std::string before;
    const bool security = is_connection_security(key, type, before);
    SetOutcome out =
        security ? check_connection_security(key, d.attributeValue, now) : SetOutcome{};
    // B10: every slot of NetworkConfigurationPriority must hold a profile.
    const bool priority = is_network_priority(key, type);
    if (priority) out = check_network_priority(d.attributeValue, now);
    if (out.status == SetVariableStatusEnumType::Accepted)
      out = dm_.set(key, type, d.attributeValue, connection_security_source(key));
    // B10.FR.01, B10.FR.04: the new order is used from the next start.
    if (priority && out.status == SetVariableStatusEnumType::Accepted)
      out.status = SetVariableStatusEnumType::RebootRequired;
    if (security && out.status == SetVariableStatusEnumType::Accepted)
      security_changes.emplace_back(key, std::move(before));
    r.attributeStatus = out.status;
    if (!out.reason.empty()) r.attributeStatusInfo = StatusInfoType{std::nullopt, out.reason, {}};
    if (out.status == SetVariableStatusEnumType::Accepted ||
        out.status == SetVariableStatusEnumType::RebootRequired)
      changed.emplace_back(std::move(key), type);
    resp.setVariableResult.push_back(std::move(r));
  }
  reply(frame.id, codec::to_json(resp));
  for (const auto& [key, before] : security_changes) connection_security_changed(key, before, now);
  // After the answer: the blocks that follow a variable pick the new value up.
  for (const auto& [key, type] : changed) {
    dm_.notify(key, type, now);
    const Variable* v = dm_.find(key);
    if (hooks_.variable_set && v) {
      // A structured binding cannot be captured in C++17: by value under its own name.
      defer([h = hooks_.variable_set, c = component_of(key), var = variable_of(key), t = type,
             value = dm_.value(*v, type).value_or("")] { h(c, var, t, value); });
    }
  }
}

// ---------------------------------------------------------------- public forwarding

std::error_code Engine::add_variable(const VariableDefinition& d) {
  auto& im = *impl_;
  Variable v;
  v.key = make_key(d.component, d.variable);
  // The component's EVSE and connector must exist: the CSMS addresses them by these ids.
  if (d.component.evse) {
    const int evse_id = d.component.evse->id;
    if (evse_id < 1 || static_cast<std::size_t>(evse_id) > im.evses_.size())
      return make_error_code(Errc::invalid_argument);
    if (d.component.evse->connectorId && !im.connector(evse_id, *d.component.evse->connectorId))
      return make_error_code(Errc::invalid_argument);
  }
  v.data_type = d.dataType;
  v.mutability = d.mutability;
  v.attributes = 0;
  for (auto a : d.attributeTypes) v.attributes |= static_cast<std::uint8_t>(1U << index_of(a));
  v.unit = d.unit;
  v.values_list = d.valuesList;
  v.min_limit = d.minLimit;
  v.max_limit = d.maxLimit;
  v.persistent = d.persistent;
  v.reboot_required = d.rebootRequired;
  v.default_actual = d.actual;
  return im.dm_.define(std::move(v));
}

Result<std::string> Engine::get_variable(const ComponentType& component,
                                         const VariableType& variable,
                                         AttributeEnumType attributeType) const {
  const Variable* v = impl_->dm_.find(make_key(component, variable));
  if (!v || !v->has(attributeType)) return Errc::invalid_argument;
  return impl_->dm_.value(*v, attributeType).value_or("");
}

std::error_code Engine::set_variable_actual(const ComponentType& component,
                                            const VariableType& variable, const std::string& value,
                                            Now now) {
  auto& im = *impl_;
  const VariableKey key = make_key(component, variable);
  const SetOutcome out = im.dm_.set(key, AttributeEnumType::Actual, value, SetSource::local);
  if (out.status != SetVariableStatusEnumType::Accepted)
    return make_error_code(Errc::invalid_argument);
  im.dm_.notify(key, AttributeEnumType::Actual, now);
  return {};
}

}  // namespace ocpp::v201
