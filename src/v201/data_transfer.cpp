// Block P of OCPP 2.0.1 part 2: a DataTransferRequest of the CSMS (P01), answered by the
// firmware's data_transfer hook.
#include <rapidjson/document.h>

#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

void Engine::Impl::handle_data_transfer(const rpc::Frame& frame) {
  DataTransferRequest req;
  if (!decode_request(frame, req)) return;
  auto answer = [id = frame.id, epoch = epoch()](Impl& im, DataTransferResult r, Now) {
    if (im.epoch() != epoch || !im.connected()) return;
    DataTransferResponse resp;
    resp.status = r.status;
    if (r.data) {
      // The hook's data must be JSON: anything else is not sent (the status still is).
      rapidjson::Document d;
      if (d.Parse(r.data->c_str(), r.data->size()).HasParseError())
        im.log(1, "data_transfer hook returned data that is not JSON: not sent");
      else
        resp.data = RawJson{*r.data};
    }
    im.reply(id, codec::to_json(resp));
  };
  if (!hooks_.data_transfer) {
    answer(*this, DataTransferResult{}, Now{});  // P01.FR.05: UnknownVendorId
    return;
  }
  std::optional<std::string> data;
  if (req.data) data = req.data->text;
  defer_decision<DataTransferResult>(
      [h = hooks_.data_transfer, vendor = req.vendorId, message = req.messageId,
       data = std::move(data)] { return h(vendor, message, data); },
      std::move(answer));
}

}  // namespace ocpp::v201
