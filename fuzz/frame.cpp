// Target frame: OCPP-J frame parsing (rpc::parse_frame) on arbitrary text, and the answers the
// engine builds from what it read: whenever a frame can be answered, the CALLRESULT and the
// CALLERROR addressed to its id are valid frames that carry that id back unchanged.
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "rpc/frame.hpp"

namespace {

using ocpp::rpc::Frame;

// The frame `text` (one of ours) parses as `kind` with message id `id`.
void expect_frame(const std::string& text, Frame::Kind kind, const std::string& id) {
  Frame back = ocpp::rpc::parse_frame(text);
  FUZZ_CHECK_MSG(back.kind == kind, text + ": " + back.reason);
  FUZZ_CHECK_MSG(back.id == id, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Frame f = ocpp::rpc::parse_frame(text);
  switch (f.kind) {
    case Frame::Kind::Call:
      FUZZ_CHECK(f.payload != nullptr);
      FUZZ_CHECK(f.id.size() <= ocpp::rpc::kMaxMessageIdLength);
      FUZZ_CHECK(f.reason.empty());
      break;
    case Frame::Kind::CallResult:
      FUZZ_CHECK(f.payload != nullptr);
      return 0;
    case Frame::Kind::CallError:
      return 0;
    case Frame::Kind::Invalid:
      FUZZ_CHECK(!f.reason.empty());
      // A CALL whose id is too long is answered with that id (docs/protocol-choices.md).
      if (!f.reply_possible) return 0;
      break;
  }
  // Answerable: what the engine would send back names the same id, and the reason (which may
  // quote what was read) travels intact as the CALLERROR description.
  expect_frame(ocpp::rpc::make_call_result(f.id, "{}"), Frame::Kind::CallResult, f.id);
  const std::string error = ocpp::rpc::make_call_error(f.id, f.reply_code, f.reason);
  expect_frame(error, Frame::Kind::CallError, f.id);
  const Frame back = ocpp::rpc::parse_frame(error);
  FUZZ_CHECK(back.error_code == ocpp::to_string(f.reply_code));
  FUZZ_CHECK(back.error_description == f.reason);
  return 0;
}
