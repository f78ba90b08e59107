// Meter values and status reporting rules of Core (OCPP 1.6 sections 3.16, 4.7, 4.9, 9.1.15 to
// 9.1.28) shared by the common flow (connectors.cpp), the metering module (metering.cpp) and
// TriggerMessage (remote_trigger.cpp). The state behind these functions lives in the metering
// module; the functions find it among Engine::Impl::modules_.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "v16/engine_impl.hpp"

namespace ocpp::v16::metering {

/// Bounds of what one transaction accumulates for StopTransaction.transactionData (pitfall
/// MicroOcpp #240). The Transaction.Begin and Transaction.End values are always kept
/// (errata 3.16.6); of the periodic and clock-aligned samples the newest kMaxStopTxnSamples are.
inline constexpr std::size_t kMaxStopTxnSamples = 48;
/// Sampled values of one MeterValue element kept for transactionData (e.g. 20 measurands on
/// 3 phases); the rest of the element is dropped.
inline constexpr std::size_t kMaxValuesPerEntry = 60;
/// Serialized size bound of the kept samples of one transaction, and of one sample.
inline constexpr std::size_t kMaxStopTxnBytes = 32 * 1024;
inline constexpr std::size_t kMaxEntryBytes = 8 * 1024;

/// Whether the comma-separated measurand list (a configuration value) names m.
bool list_contains(std::string_view list, Measurand m);

/// The energy import register of a connector (1..N) as one sampled value in Wh: what is reported
/// when the firmware has no sample_meter hook or its hook returned nothing.
std::vector<SampledValue> default_values(const Connector& c);

/// The values that pass the schema; each refused one is logged (a firmware bug must not crash
/// the library nor put an invalid frame on the wire).
std::vector<SampledValue> valid_values(Engine::Impl& im, std::vector<SampledValue> values);

/// The values whose measurand (Energy.Active.Import.Register when absent, section 7.31) is in
/// the configuration key list_key, with context set where the firmware left it out.
std::vector<SampledValue> select(Engine::Impl& im, const std::vector<SampledValue>& values,
                                 std::string_view list_key, ReadingContext context);

/// Sends a MeterValues.req for the connector with the firmware's values (default_values when
/// empty) filtered by list_key, timestamped at. With tx_key != 0 it belongs to that transaction:
/// durable, transactionId filled in when sent, dropped if the transaction stopped meanwhile.
/// Without: volatile, without transactionId, and only when online.
void write(Engine::Impl& im, int connector_id, std::int64_t tx_key,
           std::vector<SampledValue> values, ReadingContext context, std::string_view list_key,
           DateTime at);

/// Keeps the values that list_key (StopTxnSampledData or StopTxnAlignedData) selects for the
/// StopTransaction.transactionData of the transaction, persisted.
void record_for_stop(Engine::Impl& im, std::int64_t tx_key, const std::vector<SampledValue>& values,
                     ReadingContext context, std::string_view list_key, DateTime at);

/// MinimumStatusDuration (section 9.1.20): whether the status change of the connector may be
/// reported now; at is set to the time the status began. A change is held back until it has
/// lasted MinimumStatusDuration seconds (the metering module's timer calls update_status then).
bool status_may_report(Engine::Impl& im, const Connector& c, ChargePointStatus st,
                       ChargePointErrorCode err, Now now, DateTime& at);
/// Whether a change of the connector to st is being held back by MinimumStatusDuration: the
/// metering module's timer reports it when it has lasted long enough.
bool status_held(Engine::Impl& im, int connector_id, ChargePointStatus st);
/// The connector's current status is the reported one again (or was just reported by a
/// trigger): a held back change is forgotten.
void status_settled(Engine::Impl& im, int connector_id);

}  // namespace ocpp::v16::metering
