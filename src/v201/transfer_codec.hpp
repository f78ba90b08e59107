// The 2.0.1 generated codec as the version-neutral file-transfer templates take it
// (core/file_transfer.hpp, core/log_upload.hpp, core/firmware_update.hpp).
#pragma once

#include <string>

#include "v201/generated/codec.hpp"

namespace ocpp::v201 {

struct TransferCodec {
  template <class T>
  static std::string to_json(const T& v) {
    return codec::to_json(v);
  }
  template <class T>
  static bool decode(const rapidjson::Value& v, T& out) {
    codec::Error err;
    return codec::decode(v, out, err);
  }
};

}  // namespace ocpp::v201
