// Transactions of OCPP 2.0.1 (part 2 block E): the conditions of each EVSE that start and stop
// a transaction (TxStartPoint, TxStopPoint), the transaction itself and its settings.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocpp/time.hpp"
#include "ocpp/v201/generated/messages.hpp"

namespace ocpp::v201 {

/// The values of TxCtrlr.TxStartPoint and TxStopPoint (part 2 section 2.6.4.1), as bits.
enum TxPoint : unsigned {
  kParkingBayOccupancy = 1u << 0,
  kEVConnected = 1u << 1,
  kAuthorized = 1u << 2,
  kDataSigned = 1u << 3,
  kPowerPathClosed = 1u << 4,
  kEnergyTransfer = 1u << 5,
};

/// Whether two idTokens are the same (value and type).
inline bool same_token(const IdTokenType& a, const IdTokenType& b) {
  return a.idToken == b.idToken && a.type == b.type;
}

/// Parses a MemberList of TxPoint names ("EVConnected,Authorized"); false on an unknown one.
bool parse_tx_points(std::string_view list, unsigned& out);

/// The device model variables the transactions read (TxCtrlr, AuthCtrlr, SampledDataCtrlr,
/// OCPPCommCtrlr), with the values a Charging Station has before the CSMS sets any.
struct TxSettings {
  unsigned start_points = kPowerPathClosed;           // TxCtrlr.TxStartPoint
  unsigned stop_points = kEVConnected | kAuthorized;  // TxCtrlr.TxStopPoint
  bool stop_tx_on_invalid_id = true;                  // TxCtrlr.StopTxOnInvalidId
  bool stop_tx_on_ev_side_disconnect = true;          // TxCtrlr.StopTxOnEVSideDisconnect
  bool unlock_on_ev_side_disconnect = true;           // OCPPCommCtrlr.UnlockOnEVSideDisconnect
  std::int64_t max_energy_on_invalid_id = 0;       // TxCtrlr.MaxEnergyOnInvalidId, Wh; 0: not set
  std::chrono::seconds ev_connection_timeout{60};  // TxCtrlr.EVConnectionTimeOut
  bool offline_tx_for_unknown_id = false;          // AuthCtrlr.OfflineTxForUnknownIdEnabled
  bool authorize_remote_start = false;             // AuthCtrlr.AuthorizeRemoteStart
  std::chrono::seconds sampled_interval{0};        // SampledDataTxUpdatedInterval
  std::vector<MeasurandEnumType> started_measurands{
      MeasurandEnumType::Energy_Active_Import_Register};
  std::vector<MeasurandEnumType> updated_measurands{
      MeasurandEnumType::Energy_Active_Import_Register};
  std::vector<MeasurandEnumType> ended_measurands{MeasurandEnumType::Energy_Active_Import_Register};
  std::chrono::seconds sampled_ended_interval{0};  // SampledDataCtrlr.TxEndedInterval
  std::chrono::seconds aligned_interval{0};        // AlignedDataCtrlr.Interval
  std::vector<MeasurandEnumType> aligned_measurands{
      MeasurandEnumType::Energy_Active_Import_Register};
  bool aligned_send_during_idle = false;           // AlignedDataCtrlr.SendDuringIdle
  std::chrono::seconds aligned_ended_interval{0};  // AlignedDataCtrlr.TxEndedInterval
  bool sign_sampled = false;                       // SampledDataCtrlr.SignReadings (if any)
  bool sign_aligned = false;                       // AlignedDataCtrlr.SignReadings (if any)
  std::vector<MeasurandEnumType> aligned_ended_measurands{
      MeasurandEnumType::Energy_Active_Import_Register};  // AlignedDataCtrlr.TxEndedMeasurands
};

/// The meterValue elements a TransactionEventRequest Ended carries at most (the samples of
/// TxEndedInterval and the Transaction.End values); beyond it intermediate samples are dropped
/// (E06.FR.13, J02.FR.20).
inline constexpr std::size_t kEndedMeterValuesMax = 24;

/// The store key of the counter behind the transaction ids this station makes up (saved by
/// transactions.cpp, loaded at start by transaction_delivery.cpp).
inline constexpr const char* kTxCounterKey = "v201.tx.counter";

/// A transaction of one EVSE, from its TransactionEventRequest Started to its Ended.
struct Transaction {
  std::int64_t tx_key = 0;  // the store's key
  std::string transaction_id;
  std::int32_t next_seq_no = 0;         // seqNo of the next TransactionEventRequest
  int connector_id = 0;                 // 0 while no connector is known (E01.FR.16)
  bool connector_sent = false;          // evse.connectorId told to the CSMS
  std::optional<IdTokenType> id_token;  // the idToken it is authorized with
  bool id_token_sent = false;           // told to the CSMS (E01.FR.10, E02.FR.01)
  /// The idToken that ended the authorization, for the message that says so (E07.FR.02).
  std::optional<IdTokenType> stop_id_token;
  std::optional<std::int32_t> remote_start_id;
  std::optional<ChargingStateEnumType> charging_state;  // last reported
  std::optional<MonoTime> next_sample;                  // SampledDataTxUpdatedInterval
  MonoTime started{};
  std::optional<MonoTime> charging_since;  // in Charging since then
  MonoTime::duration charging_time{};      // Charging before charging_since (timeSpentCharging)
  bool deauthorized = false;               // energy not allowed (E05.FR.09)
  /// The CSMS refused the idToken: energy only up to MaxEnergyOnInvalidId (E05.FR.03).
  bool invalid_id = false;
  /// Energy.Active.Import.Register at the start (or its first reading in the transaction).
  std::optional<double> energy_start;
  /// For the Ended message: Transaction.Begin values and the samples of SampledDataCtrlr /
  /// AlignedDataCtrlr TxEndedInterval (bounded: add_ended_sample).
  std::vector<MeterValueType> ended_samples;
  std::optional<MonoTime> next_ended_sample;  // SampledDataCtrlr.TxEndedInterval
};

/// Adds a sample to the transaction's list for the Ended message; when the list is full, every
/// other intermediate sample goes (E06.FR.13, J02.FR.20): the first and the last stay.
void add_ended_sample(Transaction& t, std::vector<MeterValueType> sample);

/// What an EVSE knows of the EV and the driver, and its transaction.
struct EvseTx {
  int plugged_connector = 0;              // the connector the EV is connected to; 0 = none
  std::optional<IdTokenType> authorized;  // the driver's idToken, authorized for this EVSE
  std::optional<IdTokenType> group_id_token;
  std::optional<std::int32_t> remote_start_id;
  bool remote_start_unsent =
      false;  // the next TransactionEventRequest says RemoteStart (F01.FR.19)
  ChargingStateEnumType charging_state = ChargingStateEnumType::Idle;
  std::map<MeasurandEnumType, double> readings;  // latest value per measurand, from the firmware
  // The meter's signature of the latest reading, where it came signed (set_signed_measurand).
  std::map<MeasurandEnumType, SignedMeterValueType> signatures;
  bool signed_since_tx = false;  // a signed reading since the last transaction (E01.FR.04)
  bool bay_occupied = false;     // the parking bay detector sees an EV (E01.FR.01, E06.FR.01)
  bool bay_arrival = false;      // an EV arrived in the bay and no transaction started since
  std::optional<MonoTime> connect_deadline;      // authorized, cable not yet plugged (E03)
  bool authorizing = false;                      // an AuthorizeRequest is out
  /// Told with the next transaction_event hook call (unlockCable), then cleared.
  std::optional<bool> unlock_cable;
  std::optional<Transaction> tx;
};

/// One MeterValue with the EVSE's latest reading of each listed measurand (the firmware's
/// set_measurand), or nullopt when it has none of them (sampledValue needs one item). With
/// `sign`, a reading that came signed carries its signedMeterValue.
std::optional<std::vector<MeterValueType>> meter_values(const EvseTx& e,
                                                        const std::vector<MeasurandEnumType>& list,
                                                        ReadingContextEnumType context, DateTime at,
                                                        bool sign);

}  // namespace ocpp::v201
