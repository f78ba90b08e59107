// Target engine: the OCPP 1.6 engine on the memory store, fed a program read from the input:
// connect and disconnect, frames from the CSMS (canned CALLs of every action, answers to our
// CALL, raw text), firmware events (plug, idTag, meter, faults, ...), configuration changes,
// time steps on a simulated clock and power cuts. EngineDriver checks the engine's promises
// after every step (see engine_driver.hpp).
#include <chrono>
#include <iterator>
#include <string>

#include "engine_driver.hpp"
#include "fuzz_support.hpp"
#include "ocpp/time.hpp"
#include "v16_messages.hpp"

namespace {

using namespace std::chrono_literals;
using ocpp::v16::Action;

constexpr int kConnectors = 2;

// CALLs the CSMS sends: valid payloads of every action a charge point receives, a few of the
// actions only a charge point sends, and an unknown action.
struct CannedCall {
  const char* action;
  const char* payload;
};
constexpr CannedCall kCalls[] = {
    {"ChangeAvailability", R"({"connectorId":1,"type":"Inoperative"})"},
    {"ChangeAvailability", R"({"connectorId":0,"type":"Inoperative"})"},
    {"ChangeAvailability", R"({"connectorId":0,"type":"Operative"})"},
    {"ChangeAvailability", R"({"connectorId":2,"type":"Operative"})"},
    {"ChangeConfiguration", R"({"key":"HeartbeatInterval","value":"7"})"},
    {"ChangeConfiguration", R"({"key":"MeterValueSampleInterval","value":"5"})"},
    {"ChangeConfiguration", R"({"key":"ClockAlignedDataInterval","value":"60"})"},
    {"ChangeConfiguration", R"({"key":"TransactionMessageAttempts","value":"1"})"},
    {"ChangeConfiguration", R"({"key":"TransactionMessageAttempts","value":"3"})"},
    {"ChangeConfiguration", R"({"key":"TransactionMessageRetryInterval","value":"2"})"},
    {"ChangeConfiguration", R"({"key":"StopTransactionOnInvalidId","value":"true"})"},
    {"ChangeConfiguration", R"({"key":"AuthorizeRemoteTxRequests","value":"true"})"},
    {"ChangeConfiguration", R"({"key":"LocalPreAuthorize","value":"true"})"},
    {"ChangeConfiguration", R"({"key":"LocalAuthorizeOffline","value":"true"})"},
    {"ChangeConfiguration", R"({"key":"AllowOfflineTxForUnknownId","value":"true"})"},
    {"ChangeConfiguration", R"({"key":"MinimumStatusDuration","value":"3"})"},
    {"ChangeConfiguration", R"({"key":"MeterValuesSampledData","value":"Energy.Active.Import.Register,Power.Active.Import"})"},
    {"ChangeConfiguration", R"({"key":"StopTxnSampledData","value":"Energy.Active.Import.Register"})"},
    {"ChangeConfiguration", R"({"key":"StopTxnAlignedData","value":"Energy.Active.Import.Register"})"},
    {"ChangeConfiguration", R"({"key":"ConnectionTimeOut","value":"10"})"},
    {"ChangeConfiguration", R"({"key":"StopTransactionOnEVSideDisconnect","value":"false"})"},
    {"ChangeConfiguration", R"({"key":"UnlockConnectorOnEVSideDisconnect","value":"true"})"},
    {"ChangeConfiguration", R"({"key":"AuthorizationCacheEnabled","value":"true"})"},
    {"ChangeConfiguration", R"({"key":"LocalAuthListEnabled","value":"true"})"},
    {"ChangeConfiguration", R"({"key":"NoSuchKey","value":"1"})"},
    {"ClearCache", "{}"},
    {"DataTransfer", R"({"vendorId":"Vendor","messageId":"m","data":"d"})"},
    {"GetConfiguration", "{}"},
    {"GetConfiguration", R"({"key":["HeartbeatInterval","AuthorizationKey","NoSuchKey"]})"},
    {"RemoteStartTransaction", R"({"idTag":"TAG1"})"},
    {"RemoteStartTransaction", R"({"connectorId":2,"idTag":"TAG2"})"},
    {"RemoteStartTransaction", R"({"connectorId":0,"idTag":"TAG2"})"},
    {"RemoteStartTransaction",
     R"({"connectorId":1,"idTag":"TAG1","chargingProfile":{"chargingProfileId":9,"stackLevel":1,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16}]}}})"},
    {"RemoteStopTransaction", R"({"transactionId":1001})"},
    {"RemoteStopTransaction", R"({"transactionId":1002})"},
    {"Reset", R"({"type":"Soft"})"},
    {"Reset", R"({"type":"Hard"})"},
    {"UnlockConnector", R"({"connectorId":1})"},
    {"UnlockConnector", R"({"connectorId":0})"},
    {"GetDiagnostics", R"({"location":"ftp://diag.example/","retries":2,"retryInterval":5})"},
    {"UpdateFirmware", R"({"location":"http://fw.example/fw.bin","retrieveDate":"2020-01-01T00:00:00Z","retries":2,"retryInterval":5})"},
    {"UpdateFirmware", R"({"location":"http://fw.example/fw.bin","retrieveDate":"2030-01-01T00:00:00Z"})"},
    {"ReserveNow", R"({"connectorId":1,"expiryDate":"2030-01-01T00:00:00Z","idTag":"TAG1","reservationId":7})"},
    {"ReserveNow", R"({"connectorId":0,"expiryDate":"2030-01-01T00:00:00Z","idTag":"TAG2","parentIdTag":"PARENT","reservationId":8})"},
    {"CancelReservation", R"({"reservationId":7})"},
    {"SendLocalList",
     R"({"listVersion":2,"updateType":"Full","localAuthorizationList":[{"idTag":"TAG1","idTagInfo":{"status":"Accepted","parentIdTag":"PARENT"}},{"idTag":"TAG3","idTagInfo":{"status":"Blocked"}}]})"},
    {"SendLocalList", R"({"listVersion":3,"updateType":"Differential","localAuthorizationList":[{"idTag":"TAG3"}]})"},
    {"GetLocalListVersion", "{}"},
    {"SetChargingProfile",
     R"({"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Recurring","recurrencyKind":"Daily","chargingSchedule":{"duration":86400,"startSchedule":"2020-01-01T00:00:00Z","chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":11000},{"startPeriod":3600,"limit":3680,"numberPhases":1}]}}})"},
    {"SetChargingProfile",
     R"({"connectorId":0,"csChargingProfiles":{"chargingProfileId":2,"stackLevel":0,"chargingProfilePurpose":"ChargePointMaxProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":20}]}}})"},
    {"SetChargingProfile",
     R"({"connectorId":1,"csChargingProfiles":{"chargingProfileId":3,"transactionId":1001,"stackLevel":2,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":8}]}}})"},
    {"ClearChargingProfile", "{}"},
    {"ClearChargingProfile", R"({"id":1})"},
    {"GetCompositeSchedule", R"({"connectorId":1,"duration":3600,"chargingRateUnit":"W"})"},
    {"GetCompositeSchedule", R"({"connectorId":0,"duration":600})"},
    {"TriggerMessage", R"({"requestedMessage":"BootNotification"})"},
    {"TriggerMessage", R"({"requestedMessage":"Heartbeat"})"},
    {"TriggerMessage", R"({"requestedMessage":"MeterValues","connectorId":1})"},
    {"TriggerMessage", R"({"requestedMessage":"StatusNotification"})"},
    {"TriggerMessage", R"({"requestedMessage":"DiagnosticsStatusNotification"})"},
    {"TriggerMessage", R"({"requestedMessage":"FirmwareStatusNotification"})"},
    {"ExtendedTriggerMessage", R"({"requestedMessage":"Heartbeat"})"},
    {"BootNotification", R"({"chargePointVendor":"V","chargePointModel":"M"})"},
    {"NoSuchAction", "{}"},
};

const char* const kIdTags[] = {"TAG1", "TAG2", "tag1", "TAG3", "PARENT", ""};

// Keys and values the firmware sets (set_configuration), valid and not.
const char* const kKeys[] = {"HeartbeatInterval", "MeterValueSampleInterval", "TransactionMessageAttempts",
                             "TransactionMessageRetryInterval", "ClockAlignedDataInterval",
                             "LocalAuthorizeOffline", "StopTransactionOnInvalidId", "MinimumStatusDuration"};
const char* const kValues[] = {"0", "1", "3", "true", "false", "-1", "x"};

enum Op : std::uint8_t {
  kConnect, kDisconnect, kAdvance, kAdvanceLong, kAnswer, kAnswerError, kAnswerRaw, kStaleAnswer,
  kCsmsCall, kRawFrame, kPlug, kUnplug, kIdTag, kMeter, kFault, kClearFault, kSuspend, kResume,
  kStop, kSetConfig, kFirmwareStatus, kDiagnosticsStatus, kDataTransfer, kPowerCut, kWallJump,
  kVendorKey, kMood, kOpCount
};

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Reader in(data, size);
  auto store = ocpp::make_memory_store();
  // A small bound, so that the durable queue reaches it.
  fuzz::EngineDriver d(*store, kConnectors, 6);
  FUZZ_CHECK(d.start());
  int next_tx_id = 1001;
  auto connector = [&in] { return static_cast<int>(in.pick(kConnectors + 2)); };  // 0..N+1
  for (int steps = 0; !in.empty() && steps < 400; ++steps) {
    ocpp::v16::Engine& e = d.engine();
    const ocpp::Now now = d.now();
    const auto op = static_cast<Op>(in.byte() % kOpCount);
    switch (op) {
      case kConnect: d.connect(); break;
      case kDisconnect: d.disconnect(); break;
      case kAdvance: d.advance(std::chrono::seconds(in.byte())); break;
      case kAdvanceLong: d.advance(std::chrono::seconds(in.byte() * 30)); break;
      case kAnswer:
      case kAnswerError:
      case kAnswerRaw: {
        const std::uint8_t variant = in.byte();
        const std::string_view raw = op == kAnswerRaw ? in.text() : std::string_view();
        if (!d.in_flight()) break;
        const std::string id = json_string(d.in_flight()->id);
        if (op == kAnswer) {
          d.deliver("[3," + id + "," + fuzz::valid_result(d.in_flight()->action, variant, now, next_tx_id) + "]");
        } else if (op == kAnswerError) {
          static const char* const kCodes[] = {"InternalError", "NotImplemented", "FormationViolation",
                                               "GenericError", "VendorSpecificCode"};
          d.deliver("[4," + id + ",\"" + kCodes[variant % 5] + "\",\"test\",{}]");
        } else {
          d.deliver("[3," + id + "," + std::string(raw) + "]");
        }
        break;
      }
      case kStaleAnswer:
        d.deliver(in.flag() ? R"([3,"stale",{}])" : R"([4,"stale","GenericError","",{}])");
        break;
      case kCsmsCall: {
        const CannedCall& c = kCalls[in.pick(std::size(kCalls))];
        // Few ids, so that the CSMS reuses one now and then.
        const std::string id = "c" + std::to_string(in.pick(4));
        d.deliver("[2,\"" + id + "\",\"" + c.action + "\"," + c.payload + "]");
        break;
      }
      case kRawFrame: d.deliver(std::string(in.text())); break;
      case kPlug: (void)e.plug_in(connector(), now); d.settle(); break;
      case kUnplug: (void)e.unplug(connector(), now); d.settle(); break;
      case kIdTag: {
        const char* tag = kIdTags[in.pick(std::size(kIdTags))];
        const int c = connector();
        (void)e.present_id_tag(tag, c == 0 ? std::nullopt : std::optional<int>(c), now);
        d.settle();
        break;
      }
      case kMeter: {
        const int c = connector();
        const std::int64_t wh = static_cast<std::int64_t>(in.u16()) * (in.flag() ? 1 : 100000) - 10;
        (void)e.set_meter_energy(c, wh, now);
        d.settle();
        break;
      }
      case kFault: {
        const int c = connector();
        const auto code = fuzz::v16::pick_enum<ocpp::v16::ChargePointErrorCode>(in);
        (void)e.report_fault(c, code, in.flag() ? "info" : "", now);
        d.settle();
        break;
      }
      case kClearFault: (void)e.clear_fault(connector(), now); d.settle(); break;
      case kSuspend: {
        const int c = connector();
        (void)e.suspend(c, in.flag(), now);
        d.settle();
        break;
      }
      case kResume: (void)e.resume(connector(), now); d.settle(); break;
      case kStop: {
        const int c = connector();
        (void)e.stop_transaction(c, fuzz::v16::pick_enum<ocpp::v16::Reason>(in), now);
        d.settle();
        break;
      }
      case kSetConfig: {
        const char* key = kKeys[in.pick(std::size(kKeys))];
        (void)e.set_configuration(key, kValues[in.pick(std::size(kValues))]);
        d.settle();
        break;
      }
      case kFirmwareStatus:
        (void)e.report_firmware_status(fuzz::v16::pick_enum<ocpp::v16::FirmwareStatus>(in), now);
        d.settle();
        break;
      case kDiagnosticsStatus:
        (void)e.report_diagnostics_status(fuzz::v16::pick_enum<ocpp::v16::DiagnosticsStatus>(in), now);
        d.settle();
        break;
      case kDataTransfer: {
        const bool with_data = in.flag();
        (void)e.send_data_transfer("Vendor", std::nullopt,
                                   with_data ? std::optional<std::string>("payload") : std::nullopt,
                                   [](ocpp::Result<ocpp::v16::DataTransferResponse>) {}, now);
        d.settle();
        break;
      }
      case kPowerCut: d.restart(); break;
      case kWallJump: d.jump_wall(std::chrono::seconds((static_cast<int>(in.byte()) - 128) * 3600)); break;
      case kVendorKey: {
        const auto type = static_cast<ocpp::v16::ConfigurationKeyType>(in.pick(3));
        (void)e.add_configuration_key("VendorKey" + std::to_string(in.pick(3)), type,
                                      static_cast<ocpp::v16::ConfigurationKeyAccess>(in.pick(3)),
                                      kValues[in.pick(std::size(kValues))], {}, in.flag());
        d.settle();
        break;
      }
      case kMood: d.set_mood(in.byte()); break;
      case kOpCount: break;
    }
  }
  return 0;
}
