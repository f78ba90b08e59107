// Functional block N of OCPP 2.0.1 part 2: N09 Get Customer Information and N10 Clear Customer
// Information (CustomerInformationRequest, NotifyCustomerInformationRequest).
//
// The customer is named by exactly one of customerIdentifier, idToken, customerCertificate
// (N09.FR.09). What the library holds about an idToken is its Local Authorization List entry
// (reported, never cleared: the CSMS updates the list itself, N10.FR.02/03) and its
// Authorization Cache entry (reported and cleared); the firmware adds what it holds through
// the customer_information hook. The report goes out in NotifyCustomerInformationRequests of
// at most 512 characters each (seqNo from 0, tbc on all but the last).
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {
namespace {

// NotifyCustomerInformationRequest data is string[0..512].
constexpr std::size_t kPartChars = 512;
// What the firmware may hand over: 128 messages at most.
constexpr std::size_t kMaxFirmwareData = 64 * 1024;

// The length of the longest prefix of s that has at most `limit` bytes and does not cut a
// UTF-8 sequence (so that it has at most `limit` characters too).
std::size_t utf8_prefix(std::string_view s, std::size_t limit) {
  if (s.size() <= limit) return s.size();
  std::size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

// Sends `data` in parts (N09.FR.05).
void send_parts(Engine::Impl& im, std::int32_t request_id, const std::string& data, Now now) {
  std::string_view rest = data;
  std::int32_t seq_no = 0;
  do {
    const std::size_t n = utf8_prefix(rest, kPartChars);
    NotifyCustomerInformationRequest req;
    req.requestId = request_id;
    req.seqNo = seq_no++;
    req.generatedAt = now.wall;
    req.data = std::string(rest.substr(0, n));
    rest.remove_prefix(n);
    if (!rest.empty()) req.tbc = true;
    im.send_volatile(Action::NotifyCustomerInformation, codec::to_json(req));
  } while (!rest.empty());
}

// The report once the firmware's data is known: N09.FR.05/06, N10.FR.03/04/06.
void finish(Engine::Impl& im, const CustomerInformationRequest& req, std::string library_data,
            std::string firmware_data, Now now) {
  if (firmware_data.size() > kMaxFirmwareData) {
    im.log(1, "customer_information returned over 64 KiB; the rest is not reported");
    firmware_data.resize(utf8_prefix(firmware_data, kMaxFirmwareData));
  }
  std::string data = std::move(library_data);
  if (!firmware_data.empty()) data += (data.empty() ? "" : "\n") + firmware_data;
  if (!req.report)
    data = "Cleared";  // N10.FR.06
  else if (data.empty())
    data = "No data found";  // N09.FR.06, N10.FR.04
  send_parts(im, req.requestId, data, now);
}

}  // namespace

void Engine::Impl::handle_customer_information(const rpc::Frame& frame, Now now) {
  CustomerInformationRequest req;
  if (!decode_request(frame, req)) return;
  CustomerInformationResponse resp;
  const int named =
      (req.customerIdentifier ? 1 : 0) + (req.idToken ? 1 : 0) + (req.customerCertificate ? 1 : 0);
  if (named != 1) {
    resp.status = CustomerInformationStatusEnumType::Invalid;  // N09.FR.09
  } else if (!req.report && !req.clear) {
    resp.status = CustomerInformationStatusEnumType::Rejected;  // N09.FR.07, N10.FR.07
  } else {
    resp.status = CustomerInformationStatusEnumType::Accepted;  // N09.FR.02, N10.FR.01
  }
  reply(frame.id, codec::to_json(resp));
  if (resp.status != CustomerInformationStatusEnumType::Accepted) return;

  std::string library_data;
  if (req.idToken) {
    const std::string key = auth_key(*req.idToken);
    if (auto it = local_list_.find(key); it != local_list_.end() && it->second.idTokenInfo)
      library_data += "LocalAuthorizationList: " + codec::to_json(*it->second.idTokenInfo);
    if (const std::string* cached = auth_cache_.find(key)) {
      // The entry is "<seconds of the update> <IdTokenInfoType>".
      const auto space = cached->find(' ');
      if (space != std::string::npos) {
        if (!library_data.empty()) library_data += '\n';
        library_data += "AuthorizationCache: " + cached->substr(space + 1);
      }
      if (req.clear) {  // N10.FR.03, N10.FR.06: all but the Local Authorization List
        if (auto ec = auth_cache_.erase(key))
          log(0, "clearing the Authorization Cache entry failed: " + ec.message());
      }
    }
  }
  if (!hooks_.customer_information) {
    finish(*this, req, std::move(library_data), {}, now);
    return;
  }
  defer_decision<CustomerData>(
      [h = hooks_.customer_information, req] { return h(req); },
      [req, library_data = std::move(library_data)](Impl& im, CustomerData d, Now n) mutable {
        finish(im, req, std::move(library_data), std::move(d.data), n);
      });
}

}  // namespace ocpp::v201
