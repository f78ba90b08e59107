// JSON kept as text: the parts of an OCPP message whose schema lets the sender put anything
// there (OCPP 2.0.1's customData, DataTransfer's data), so that nothing received is dropped.
#pragma once

#include <string>

namespace ocpp {

/// One JSON value as its serialized text, e.g. `{"vendorId":"com.example","meter":12}`.
///
/// Decoding fills it with the value as received, written again compactly (member order,
/// strings and numbers kept; whitespace dropped). Encoding writes the text as it is, so it
/// must hold exactly one JSON value of the kind the field expects: the codec's validate
/// checks that (and, for customData, its required vendorId) before anything is sent.
struct RawJson {
  std::string text;  ///< The JSON text.
};

/// Equal texts (not a JSON-aware comparison: `{"a":1}` and `{ "a": 1 }` differ).
inline bool operator==(const RawJson& a, const RawJson& b) noexcept { return a.text == b.text; }
/// Negation of operator==.
inline bool operator!=(const RawJson& a, const RawJson& b) noexcept { return !(a == b); }

}  // namespace ocpp
