// The 1.6 engine's view of the version-neutral file-transfer machinery (core/file_transfer.hpp):
// the same names in ocpp::v16::transfer, bound to the 1.6 codec and Engine::Impl.
#pragma once

#include <functional>
#include <string>

#include "core/file_transfer.hpp"
#include "v16/engine_impl.hpp"

namespace ocpp::v16::transfer {

/// The 1.6 generated codec, as core::transfer's templates take it.
struct Codec {
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

using core::transfer::check_saved;
using core::transfer::clamp_seconds;
using core::transfer::get_int;
using core::transfer::get_note;
using core::transfer::get_retry;
using core::transfer::get_str;
using core::transfer::get_time;
using core::transfer::kDefaultRetryInterval;
using core::transfer::kMaxRetries;
using core::transfer::kMaxRetryInterval;
using core::transfer::mono_for;
using core::transfer::note_done;
using core::transfer::Notifier;
using core::transfer::parse_object;
using core::transfer::phase_from;
using core::transfer::put_note;
using core::transfer::put_retry;
using core::transfer::put_string;
using core::transfer::RequestState;
using core::transfer::Retry;
using core::transfer::store_state;
using core::transfer::Writer;

template <class Req, class Status>
void send_note(Engine::Impl& engine, Notifier<Status>& n, const Req& req,
               std::function<void()> settled) {
  core::transfer::send_note<Codec>(engine, n, req, std::move(settled));
}

template <class Req, class Status>
std::string write_request_state(const RequestState<Req>& s, const Notifier<Status>& n) {
  return core::transfer::write_request_state<Codec>(s, n);
}

template <class Req, class Status>
bool read_request_state(const std::string& text, RequestState<Req>& s, Notifier<Status>& n) {
  return core::transfer::read_request_state<Codec>(text, s, n);
}

}  // namespace ocpp::v16::transfer
