// The OCPP 2.0.1 device model as the host sees it: the definition of a component variable the
// firmware adds to the ones the engine has (a vendor variable such as a temperature sensor,
// or a standardized variable of a component the library does not manage).
//
// The engine's own components and variables, their defaults and what is persisted are
// described in docs/guides/v201-device-model.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ocpp/v201/generated/messages.hpp"

namespace ocpp::v201 {

/// One variable of one component, as Engine::add_variable() takes it. Names keep the
/// specification's words (part 2 chapter 1, "Device model").
struct VariableDefinition {
  /// The component: name (at most 50 characters), optional instance, optional evse {id,
  /// connectorId} (the EVSE and connector must exist).
  ComponentType component;
  /// The variable: name (at most 50 characters), optional instance.
  VariableType variable;
  /// How the value is written; SetVariablesRequest values are checked against it (B05.FR.07).
  DataEnumType dataType = DataEnumType::string;
  /// ReadOnly: the CSMS cannot set it (B05.FR.09); WriteOnly: never read or reported
  /// (B06.FR.09, B07.FR.03).
  MutabilityEnumType mutability = MutabilityEnumType::ReadOnly;
  /// The attribute types the variable has (Actual at least; Target, MinSet, MaxSet as the
  /// firmware supports them).
  std::vector<AttributeEnumType> attributeTypes{AttributeEnumType::Actual};
  /// The Actual value until the CSMS or the firmware sets another (must pass the checks of
  /// dataType, valuesList and the limits; may be empty for "no value yet").
  std::string actual;
  /// The unit of the value (at most 16 characters), e.g. "Celsius"; empty: none.
  std::string unit;
  /// OptionList, MemberList, SequenceList: the allowed values, comma-separated (at most 1000
  /// characters); empty: any.
  std::string valuesList;
  /// Numbers: the lowest value.
  std::optional<double> minLimit;
  /// Numbers: the highest value; strings: the longest length.
  std::optional<double> maxLimit;
  /// Values the CSMS sets (SetVariablesRequest) are stored and survive a restart.
  bool persistent = true;
  /// A value the CSMS sets takes effect after a reboot only: SetVariablesResponse says
  /// RebootRequired (the value is stored all the same).
  bool rebootRequired = false;
};

}  // namespace ocpp::v201
