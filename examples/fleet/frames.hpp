// The head of an OCPP-J frame ([type, "id", "Action", ...]) read without parsing the rest:
// what ocpp-fleet needs to pair each CALL with its answer and time the round trip.
#pragma once

#include <string_view>

namespace fleet {

/// The message type (2 CALL, 3 CALLRESULT, 4 CALLERROR), the message id and, for a CALL, the
/// action.
struct FrameHead {
  int type = 0;
  std::string_view id;
  std::string_view action;
};

/// Reads the head of a frame; false when it is not one (then out is unspecified). Ids and
/// actions with escapes are refused: OCPP's are plain.
bool parse_head(std::string_view text, FrameHead& out);

}  // namespace fleet
