// Internal state of the OCPP 2.0.1 engine, split over files by functional block:
// engine.cpp (session, dispatch of the CSMS's CALLs, timers, public forwarding),
// provisioning.cpp (block B: boot; the heartbeat of G02), remote_control.cpp (block F:
// TriggerMessage, UnlockConnector), availability.cpp (block G: connector status), the device
// model of B05-B08: station_variables.cpp (what the station has), variables.cpp
// (Get/SetVariables) and report.cpp (GetBaseReport, GetReport); transactions.cpp (block E:
// when transactions start and stop, TransactionEventRequest), transaction_delivery.cpp (their
// durable delivery, answers, E14), authorization.cpp (block C: idTokens presented at the
// station; RequestStart/StopTransaction), auth_cache.cpp (C10-C12: the Authorization Cache),
// local_list.cpp (C13, C14, D01, D02: the Local Authorization List), metering.cpp (block J),
// security_events.cpp (A04), data_transfer.cpp (P01), smart_charging.cpp and
// charging_profiles.cpp (block K), certificates.cpp (M03-M05), certificate_renewal.cpp (A02,
// A03), connection_security.cpp (A01, A05), firmware.cpp (L01), logs.cpp (N01),
// customer_information.cpp (N09, N10) and external_limits.cpp (K11-K13).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/preloading_store.hpp"
#include "core/rolling_log.hpp"
#include "core/stored_lru.hpp"
#include "ocpp/v201/engine.hpp"
#include "rpc/frame.hpp"
#include "rpc/session.hpp"
#include "security/certificate_management.hpp"
#include "v201/authorization.hpp"
#include "v201/device_model.hpp"
#include "v201/generated/codec.hpp"
#include "v201/smart_charging.hpp"
#include "v201/transactions.hpp"

namespace ocpp::v201 {

/// The subprotocol name of OCPP 2.0.1, as recorded with every stored row this engine writes.
inline constexpr const char* kProtocol = "ocpp2.0.1";

/// One connector of an EVSE.
struct Connector {
  /// As the firmware last set it (set_connector_status): the "original status" that comes back
  /// when the connector becomes operative again (G03.FR.07).
  ConnectorStatusEnumType status = ConnectorStatusEnumType::Available;
  /// Set Inoperative by ChangeAvailability (G03), persisted (G03.FR.08).
  bool operative = true;
  /// What the CSMS was last told. nullopt: not told yet, told in a CALL that failed (lost with
  /// its connection, CALLERROR, timeout), or changed while offline: B04.FR.02 reports it after
  /// the reconnect.
  std::optional<ConnectorStatusEnumType> reported;
  /// Counts the StatusNotificationRequests of this connector: a failed one makes `reported`
  /// unknown only if no later one was sent.
  std::uint64_t report_serial = 0;
};

/// One EVSE: its operational state (G03) and its connectors 1..N.
struct Evse {
  bool operative = true;
  std::vector<Connector> connectors;
};

/// The 2.0.1 part of the durable outbox (transaction_delivery.cpp).
std::unique_ptr<rpc::DurableHandler> make_durable_handler(Engine::Impl& im);

class Engine::Impl {
 public:
  Impl(EngineOptions options, Store& store, Hooks hooks);
  std::error_code load(Now now);

  // engine.cpp
  void connected(Now now);
  void disconnected(Now now);
  void receive(std::string_view text, Now now);
  std::optional<std::string> poll_transmit(Now now);
  std::optional<MonoTime> next_deadline() const;
  void handle_timeout(Now now);
  std::function<void()> poll_hook_call();
  /// Answers the CSMS's CALL (a CALLRESULT, or a CALLERROR). Returns the reply's ticket
  /// (rpc::Session::reply_gone).
  std::uint64_t reply(const std::string& id, const std::string& payload_json);
  void reply_error(const std::string& id, RpcErrorCode code, std::string_view description);
  /// Queues a CALL of ours that is not durable (lost on disconnect by design); false (done is
  /// not called) when the volatile queue is full.
  bool send_volatile(Action action, std::string payload, rpc::ResultFn done = {});
  /// Decodes a CALL's payload; on a schema violation answers the CALLERROR it names and
  /// returns false.
  template <class Req>
  bool decode_request(const rpc::Frame& frame, Req& out) {
    codec::Error err;
    if (codec::decode(*frame.payload, out, err)) return true;
    invalid_payload_ = frame.action + ": " + err.message;
    reply_error(frame.id, err.code, err.message);
    return false;
  }
  void handle_call(const rpc::Frame& frame, Now now);
  /// Queues a hook invocation (run by the host outside its locks).
  void defer(std::function<void()> call) { hook_calls_.push_back(std::move(call)); }
  void log(int level, std::string message);
  /// Queues a hook whose answer is applied to the engine (in handle_timeout) once it has run.
  template <class T>
  void defer_decision(std::function<T()> ask, std::function<void(Impl&, T, Now)> apply);
  /// Counts connections: an answer decided later is for the connection its CALL came on.
  std::uint64_t epoch() const { return session_.epoch(); }

  bool connected() const { return session_.is_connected(); }
  bool accepted() const { return registration_ == RegistrationStatusEnumType::Accepted; }
  bool online() const { return connected() && accepted(); }

  // provisioning.cpp (B01-B03, G02)
  /// Sends BootNotificationRequest when one is due (connected, not Accepted, interval over).
  void queue_boot(Now now);
  void on_boot_result(const rapidjson::Value* result, Now now);
  /// Answers a CALL of the CSMS while Pending (B02.FR.01, B02.FR.05); false: not handled here.
  bool handle_pending_call(const rpc::Frame& frame, Action action);
  /// Answers ResetRequest (B11) after asking the reset_allowed hook.
  void handle_reset(const rpc::Frame& frame);
  /// Calls the reset hook once the Accepted ResetResponse has gone out (and, OnIdle, the
  /// transactions have ended: B12.FR.03).
  void reset_timer();
  bool reset_due() const;
  /// Whether a transaction is ongoing on the EVSE (nullopt: on any).
  bool transactions_in(std::optional<std::int32_t> evse_id) const;
  /// Sends HeartbeatRequest when due (G02.FR.02).
  void heartbeat_timer(Now now);
  /// Queues a HeartbeatRequest; its answer goes to the time_sync hook (G02.FR.06).
  void send_heartbeat();

  // remote_control.cpp (block F)
  /// Answers TriggerMessageRequest (F06) and queues the message it asks for.
  void handle_trigger_message(const rpc::Frame& frame, Now now);

  // availability.cpp (G01, G03, G04)
  /// Reads the availability ChangeAvailability set in an earlier run (G03.FR.08, G04.FR.09).
  std::error_code load_availability();
  /// Answers ChangeAvailabilityRequest (G03, G04).
  void handle_change_availability(const rpc::Frame& frame, Now now);
  /// The operational flag of the station (evse 0), an EVSE (connector 0) or a connector.
  bool* operative_flag(int evse_id, int connector_id);
  /// Makes it Operative or Inoperative and reports the connectors whose status changed.
  void apply_availability(int evse_id, int connector_id, bool operative, Now now);
  /// Applies the changes Scheduled behind transactions that have ended (G03.FR.05).
  void apply_scheduled_availability(Now now);
  struct ScheduledAvailability {
    int evse_id = 0;
    int connector_id = 0;
    bool operative = true;
  };
  std::vector<ScheduledAvailability> scheduled_availability_;
  /// The status the CSMS is told: Faulted as the firmware says, else Unavailable while the
  /// connector, its EVSE or the station is Inoperative (G03.FR.06, G04.FR.07), else the
  /// firmware's status.
  ConnectorStatusEnumType effective_status(int evse_id, int connector_id) const;
  Connector* connector(int evse_id, int connector_id);
  const Connector* connector(int evse_id, int connector_id) const;
  std::error_code set_connector_status(int evse_id, int connector_id,
                                       ConnectorStatusEnumType status, Now now);
  /// Sends a StatusNotificationRequest for every connector (B01.FR.05, and after a reconnect).
  void report_all_status(Now now);
  /// Sends a StatusNotificationRequest with the connector's current status.
  void report_status(int evse_id, int connector_id, Now now);
  /// After a reconnect (Accepted before): every connector when the station was offline longer
  /// than OCPPCommCtrlr.OfflineThreshold (B04.FR.01), else those whose status changed or whose
  /// last report was lost (B04.FR.02).
  void report_status_after_offline(Now now);
  /// Runs `change` (anything that moves effective_status) and then, for each connector whose
  /// status it changed, calls the status hook; online it reports each connector that changed
  /// (with `report_stale`, each whose last report differs instead), offline it leaves each
  /// that changed to be reported after the reconnect (B04.FR.02).
  void change_statuses(const std::function<void()>& change, bool report_stale, Now now);
  /// When the connection went down (B04: the start of the offline period).
  std::optional<MonoTime> offline_since_;

  // transactions.cpp (block E)
  EvseTx& evse_tx(int evse_id) { return evse_txs_[static_cast<std::size_t>(evse_id - 1)]; }
  bool valid_evse(int evse_id) const {
    return evse_id >= 1 && static_cast<std::size_t>(evse_id) <= evses_.size();
  }
  std::error_code plug_in(int evse_id, int connector_id, Now now);
  std::error_code plug_out(int evse_id, Now now);
  std::error_code set_charging_state(int evse_id, ChargingStateEnumType state, Now now);
  std::error_code set_measurand(int evse_id, MeasurandEnumType m, double value, Now now);
  std::error_code set_signed_measurand(int evse_id, MeasurandEnumType m, double value,
                                       const SignedMeterValueType& signed_value, Now now);
  std::error_code set_parking_bay_occupied(int evse_id, bool occupied, Now now);
  std::error_code stop_transaction(int evse_id, ReasonEnumType reason, Now now);
  /// Starts a transaction when TxStartPoint is met and none is ongoing (E01).
  std::error_code evaluate_start(int evse_id, TriggerReasonEnumType trigger, Now now);
  /// Writes the EVSE's next TransactionEventRequest durably (E04: queued while offline).
  std::error_code write_event(int evse_id, TransactionEventEnumType type,
                              TriggerReasonEnumType trigger, Now now,
                              std::optional<ReasonEnumType> stopped = std::nullopt,
                              std::optional<ReadingContextEnumType> context = std::nullopt);
  /// Ends the EVSE's transaction (E06) and forgets its authorization.
  std::error_code end_transaction(int evse_id, TriggerReasonEnumType trigger,
                                  std::optional<ReasonEnumType> reason, Now now);
  /// The driver's authorization ended (their idToken again, E07; or deauthorized, E05): the
  /// transaction ends when TxStopPoint says so, else energy stops.
  /// `stopped_by`: the idToken presented to end it, told in that message (E07.FR.02).
  std::error_code authorization_ended(int evse_id, TriggerReasonEnumType trigger,
                                      ReasonEnumType reason, Now now,
                                      std::optional<IdTokenType> stopped_by = std::nullopt);
  std::string next_transaction_id(Now now);
  /// Reads TxSettings (and the TransactionEvent retry policy) from the device model.
  void load_tx_settings();
  /// load_tx_settings() now and whenever one of its variables changes.
  void follow_tx_settings();
  /// Sets the charging state, keeping the time spent Charging (timeSpentCharging).
  void set_charging_time(EvseTx& e, ChargingStateEnumType next, Now now);
  std::optional<MonoTime> tx_next_deadline() const;
  void tx_timer(Now now);
  /// E05, C15: the CSMS does not accept the idToken of the EVSE's ongoing transaction
  /// (StopTxOnInvalidId, MaxEnergyOnInvalidId).
  std::error_code id_token_refused(int evse_id, Now now);
  /// E05.FR.02: energy stops (SuspendedEVSE) while the transaction goes on; with TxStopPoint
  /// EnergyTransfer the transaction ends.
  std::error_code suspend_for_invalid_id(int evse_id, Now now);
  /// Energy.Active.Import.Register delivered since the start of the EVSE's transaction (Wh).
  double transaction_energy(const EvseTx& e) const;

  // transaction_delivery.cpp
  /// Restores the transactions a power cut interrupted and ends them (stoppedReason
  /// PowerLoss); transactions ended but undelivered go out from the outbox.
  std::error_code load_transactions(Now now);
  /// A TransactionEventResponse or the end of its message's attempts.
  void on_transaction_message_removed(const OutboxMessage& m, const rapidjson::Value* result,
                                      Now now);
  void handle_get_transaction_status(const rpc::Frame& frame);
  struct Pending {
    std::string transaction_id;
    int queued = 0;        // TransactionEventRequests written in this run, not yet removed
    bool earlier = false;  // left by an earlier run: its Ended is still queued
  };
  std::map<std::int64_t, Pending> pending_;  // by tx_key, until its Ended leaves the outbox

  // authorization.cpp (block C), remote start and stop (F01-F03)
  std::error_code present_id_token(int evse_id, const IdTokenType& token, Now now);
  /// The answer to an idToken presented at the EVSE (AuthorizeResponse, or offline rules).
  void apply_authorization(int evse_id, const IdTokenType& token, const IdTokenInfoType& info,
                           Now now);
  void handle_request_start_transaction(const rpc::Frame& frame, Now now);
  void handle_request_stop_transaction(const rpc::Frame& frame, Now now);
  /// Whether the idTokenInfo's groupIdToken is AuthCtrlr.MasterPassGroupId (C16).
  bool master_pass(const IdTokenInfoType& info) const;
  /// C16.FR.02 (a station without a UI): every ongoing transaction ends, stoppedReason
  /// MasterPass.
  void stop_for_master_pass(Now now);
  /// The last Master Pass idToken accepted in this run: told in the Ended messages of the
  /// transactions the firmware stops with ReasonEnumType::MasterPass (C16.FR.01, E07.FR.02).
  std::optional<IdTokenType> master_pass_token_;

  // metering.cpp (J01; F06 for MeterValues and TransactionEvent)
  /// The next clock-aligned time (AlignedDataCtrlr.Interval), from the wall clock.
  void schedule_aligned(Now now);
  void aligned_timer(Now now);
  /// A MeterValuesRequest for the EVSE; false when it has no reading of the measurands.
  bool send_meter_values(int evse_id, const std::vector<MeasurandEnumType>& list,
                         ReadingContextEnumType context, Now now);
  /// Whether a triggered MeterValues / TransactionEvent has something to send.
  bool trigger_meter_values(std::optional<int> evse_id, Now now);
  bool trigger_transaction_event(std::optional<int> evse_id) const;
  /// Sends the triggered MeterValues or TransactionEvent (after the TriggerMessageResponse).
  void send_triggered(MessageTriggerEnumType what, std::optional<int> evse_id, Now now);
  std::optional<MonoTime> next_aligned_;
  /// The next time of AlignedDataCtrlr.TxEndedInterval (a sample for the Ended messages).
  std::optional<MonoTime> next_aligned_ended_;
  /// The next clock-aligned time of an interval (midnight UTC and every interval after it).
  std::optional<MonoTime> next_clock_aligned(Now now, std::chrono::seconds interval) const;

  // remote_control.cpp (F05), data_transfer.cpp (P01)
  void handle_unlock_connector(const rpc::Frame& frame);
  void handle_data_transfer(const rpc::Frame& frame);

  // security_events.cpp (A04)
  /// Reads the security log and records the boot (StartupOfTheDevice or ResetOrReboot).
  std::error_code load_security_log(Now now);
  std::error_code raise_security_event(std::string_view type, std::optional<std::string> tech_info,
                                       Now now, std::optional<bool> critical);
  /// A frame or payload from the CSMS that is not a valid OCPP message (InvalidMessages).
  void note_invalid_message(const std::string& why, Now now);
  std::optional<std::uint64_t> invalid_message_epoch_;
  std::optional<std::string> invalid_payload_;  // set by decode_request, taken in receive

  // authorization cache, local list (C10-C14, D01-D02): auth_cache.cpp, local_list.cpp
  /// Reads the cache and the list of an earlier run.
  std::error_code load_authorization();
  /// Reads AuthSettings from the device model (AuthCtrlr, AuthCacheCtrlr, LocalAuthListCtrlr).
  void load_auth_settings();
  std::error_code load_local_list();
  /// The list's idTokenInfo of the idToken; nullopt when not listed, the list is disabled,
  /// or (SupportsExpiryDateTime) its cacheExpiryDateTime has passed (C13.FR.05, C14.FR.05).
  std::optional<IdTokenInfoType> listed_info(const IdTokenType& token, Now now) const;
  /// What the list (first: C13.FR.01, C14.FR.01) or the cache says of the idToken now;
  /// nullopt when neither knows it (or both are disabled). An expired cache entry is removed
  /// (C10.FR.10, C10.FR.13); a cache entry used is the most recently used.
  std::optional<LocalAuthorization> local_authorization(const IdTokenType& token, Now now);
  /// An idTokenInfo from the CSMS (AuthorizeResponse: C10.FR.04; TransactionEventResponse:
  /// C10.FR.05) updates the cache.
  void cache_id_token_info(const IdTokenType& token, const IdTokenInfoType& info, Now now);
  /// Decides an idToken without the CSMS: offline, or no answer to the AuthorizeRequest
  /// (C13, C15, LocalAuthorizeOffline).
  void authorize_offline(int evse_id, const IdTokenType& token, Now now);
  void handle_clear_cache(const rpc::Frame& frame);             // C11
  void handle_send_local_list(const rpc::Frame& frame);         // D01
  void handle_get_local_list_version(const rpc::Frame& frame);  // D02
  AuthSettings auth_settings_;
  std::map<std::string, AuthorizationData> local_list_;  // by auth_key; each has idTokenInfo
  std::int32_t local_list_version_ = 0;  // 0: no SendLocalListRequest received (D02.FR.02)

  TxSettings tx_settings_;
  std::int64_t tx_counter_ = 0;   // transactions started, durable (transactionId)
  std::vector<EvseTx> evse_txs_;  // [evseId - 1]

  // device model (B05-B08): station_variables.cpp, variables.cpp, report.cpp
  /// Defines the station's components and variables (docs/guides/v201-device-model.md) and
  /// wires the ones other blocks follow (HeartbeatInterval).
  std::error_code define_device_model();
  /// The AvailabilityState of an EVSE (from its connectors and the operative states).
  std::string evse_state(int evse_id) const;
  /// Answers GetVariablesRequest (B06) and SetVariablesRequest (B05).
  void handle_get_variables(const rpc::Frame& frame);
  void handle_set_variables(const rpc::Frame& frame, Now now);
  /// Answers GetBaseReportRequest (B07) and GetReportRequest (B08), then sends the report.
  void handle_get_base_report(const rpc::Frame& frame, Now now);
  void handle_get_report(const rpc::Frame& frame, Now now);
  /// Sends the next NotifyReportRequest of the report under way (one after another).
  void send_report_part(Now now);
  /// The limit of a DeviceDataCtrlr variable (ItemsPerMessage, BytesPerMessage) for a message.
  std::int64_t message_limit(std::string_view variable, std::string_view instance) const;

  EngineOptions options_;
  // The engine's store, answering load()'s key/value reads from one read (declared before
  // everything that keeps a reference to the store).
  core::PreloadingStore preload_;
  Store& store_;  // preload_
  Hooks hooks_;
  // After options_ and store_, which it is made from.
  core::RollingLog security_log_{store_, "seclog.", options_.security_log_limit};
  // The session keeps a reference to the handler: declared before it.
  std::unique_ptr<rpc::DurableHandler> durable_;
  rpc::Session session_;

  std::optional<RegistrationStatusEnumType> registration_;
  bool boot_in_flight_ = false;
  MonoTime next_boot_{};  // when to send BootNotificationRequest (after Pending or Rejected)
  std::chrono::seconds heartbeat_interval_{0};
  std::optional<MonoTime> next_heartbeat_;

  std::vector<Evse> evses_;        // [evseId - 1], connectors [connectorId - 1]
  bool station_operative_ = true;  // ChangeAvailability without evse (G04)
  std::deque<std::function<void()>> hook_calls_;
  struct Completion {
    std::function<bool()> ready;
    std::function<void(Impl&, Now)> apply;
  };
  std::deque<Completion> completions_;
  struct PendingReset {
    std::uint64_t reply_ticket = 0;  // of the Accepted ResetResponse
    ResetEnumType type = ResetEnumType::Immediate;
    std::optional<std::int32_t> evse_id;
  };
  std::optional<PendingReset> pending_reset_;

  // device model (B05-B08)
  DeviceModel dm_;
  std::size_t frame_bytes_ = 0;  // length of the CSMS frame being handled (BytesPerMessage)
  struct Report {
    std::uint64_t serial = 0;  // tells the answers of an earlier report from this one's
    std::int32_t request_id = 0;
    std::int32_t seq_no = 0;
    std::vector<const Variable*> items;  // what is reported, in order
    std::size_t next = 0;                // the first item not yet sent
  };
  std::optional<Report> report_;  // the report being sent (one at a time: B07.FR.13)
  std::uint64_t report_serial_ = 0;
  /// Starts sending a report of these variables (the Response Accepted is out).
  void start_report(std::int32_t request_id, std::vector<const Variable*> items, Now now);
  /// Answers CALLERROR when the CSMS's request is longer than BytesPerMessage or its array
  /// `member` has more elements than ItemsPerMessage (of `message`); true when it did.
  bool over_message_limits(const rpc::Frame& frame, const char* member, std::string_view message);

  core::StoredLru auth_cache_;  // by auth_key: "<seconds of the update> <IdTokenInfoType>"

  // --- firmware update (L01): firmware.cpp; logs (N01): logs.cpp; customer information (N09,
  // N10): customer_information.cpp ---
  struct FirmwareBlock;
  struct LogsBlock;
  // shared_ptr: its deleter is bound where the block is made, so the blocks stay incomplete here.
  std::shared_ptr<FirmwareBlock> firmware_;
  std::shared_ptr<LogsBlock> logs_;
  /// Makes the two blocks and resumes the update and the upload of an earlier run.
  std::error_code load_file_transfers(Now now);
  std::error_code load_logs(Now now);                                  // by load_file_transfers
  void handle_update_firmware(const rpc::Frame& frame, Now now);       // L01
  void handle_get_log(const rpc::Frame& frame, Now now);               // N01
  void handle_customer_information(const rpc::Frame& frame, Now now);  // N09, N10
  std::optional<MonoTime> firmware_deadline() const;
  void firmware_timer(Now now);
  std::optional<MonoTime> logs_deadline() const;
  void logs_timer(Now now);
  /// A transaction ended: the installation waiting for it may start (L01.FR.06).
  void firmware_transaction_ended(Now now);
  /// Whether the connector is Unavailable for the firmware update: free while the installation
  /// waits or runs (L01.FR.07).
  bool firmware_holds(int evse_id) const;
  /// Queues the triggered FirmwareStatusNotificationRequest / LogStatusNotificationRequest.
  void send_firmware_status_triggered();
  void send_log_status_triggered();
  // --- end firmware update, logs, customer information ---

  // smart charging (block K): smart_charging.cpp, charging_profiles.cpp
  /// Reads the profiles of an earlier run (K01.FR.27); TxProfiles of ended transactions go.
  std::error_code load_smart_charging(Now now);
  void handle_set_charging_profile(const rpc::Frame& frame, Now now);    // K01
  void handle_clear_charging_profile(const rpc::Frame& frame, Now now);  // K10
  void handle_get_charging_profiles(const rpc::Frame& frame, Now now);   // K09
  void handle_get_composite_schedule(const rpc::Frame& frame, Now now);  // K08
  /// Whether the station supports smart charging now (SmartChargingCtrlr.Enabled).
  bool smart_charging_enabled() const;
  /// The chargingProfile of a RequestStartTransactionRequest (K05): nullopt when it is a
  /// valid TxProfile, else the reasonCode of the Rejected answer (K05.FR.05, F01.FR.26).
  std::optional<StatusInfoType> check_remote_start_profile(int evse_id,
                                                           const ChargingProfileType& p) const;
  /// Keeps an accepted remote start's TxProfile for the EVSE's transaction (K05.FR.03).
  void remote_start_profile(int evse_id, const ChargingProfileType& p, Now now);
  /// A transaction started on the EVSE (a waiting remote start TxProfile joins it) or ended
  /// (its TxProfiles go); the effective limits are recomputed.
  void smart_charging_tx_started(int evse_id, Now now);
  void smart_charging_tx_ended(std::int64_t tx_key, Now now);
  /// Drops expired profiles, tells the charging_limit hook every limit that changed, sets the
  /// timer for the next boundary.
  void refresh_limits(Now now);
  void smart_charging_timer(Now now);
  std::vector<core::charging::Profile> core_profiles() const;
  core::charging::Situation charging_situation(Now now) const;
  core::charging::Settings charging_settings() const;
  /// SmartChargingCtrlr.ProfileStackLevel, PeriodsPerSchedule and RateUnit.
  ProfileLimits profile_limits() const;
  SmartChargingState smart_;

  // --- external charging limits (K11-K13): external_limits.cpp ---
  /// Reads which external limits the CSMS has acknowledged (kv "v201.extlimit.told.").
  std::error_code load_external_limits();
  std::error_code set_external_limit(int evse_id, ChargingLimitSourceEnumType source,
                                     const ChargingScheduleType& schedule, Now now,
                                     std::optional<bool> is_grid_critical);
  std::error_code release_external_limit(int evse_id, ChargingLimitSourceEnumType source, Now now);
  /// Online again (Accepted, or a reconnect after Accepted): tells the CSMS the external limits
  /// it has not acknowledged and the releases it has not heard of.
  void external_limits_online(Now now);
  /// Sends NotifyChargingLimitRequest for the installed external limit unless the CSMS was
  /// already sent one that differs by no more than LimitChangeSignificance.
  void notify_external_limit(const InstalledProfile& ip, Now now);
  /// Sends ClearedChargingLimitRequest for (evseId, chargingLimitSource) (K13.FR.02).
  void send_cleared_limit(const std::pair<int, ChargingLimitSourceEnumType>& key);
  /// TransactionEvent ChargingRateChanged for the transactions whose limit changed
  /// significantly since `before` (smart_.reported before the change).
  void external_rate_changed(const std::vector<std::optional<SmartChargingState::Reported>>& before,
                             Now now);
  /// One external limit as the CSMS knows it: (evseId, chargingLimitSource).
  using ExternalKey = std::pair<int, ChargingLimitSourceEnumType>;
  /// The external limits the CSMS acknowledged (NotifyChargingLimitResponse) and that were not
  /// cleared since (ClearedChargingLimitResponse): the reference of LimitChangeSignificance.
  std::map<ExternalKey, ChargingScheduleType> external_told_;
  /// The NotifyChargingLimitRequest on its way (not answered yet), by key.
  struct ExternalSending {
    ChargingScheduleType schedule;
    std::uint64_t serial = 0;
  };
  std::map<ExternalKey, ExternalSending> external_sending_;
  std::uint64_t external_serial_ = 0;
  /// isGridCritical as the firmware gave it with the installed limit (in memory only).
  std::map<ExternalKey, bool> external_critical_;
  // --- end external charging limits ---

  // the connection's security (A01, A05): connection_security.cpp
  /// Reads the profile the CSMS raised in an earlier run and an interrupted trial; queues the
  /// ConnectionRequest that brings the host back to them.
  std::error_code load_connection_security();
  /// Whether the CSMS's SetVariables of `key` is a SecurityCtrlr.BasicAuthPassword or
  /// SecurityProfile Actual value: then `before` is the value in place.
  bool is_connection_security(const VariableKey& key, AttributeEnumType type,
                              std::string& before) const;
  /// A01 (16 to 40 characters, errata 2025-01), A05 (upwards with its prerequisites; down
  /// only as downgrade_allowed says): the Rejected outcome, or Accepted when the value may be
  /// stored.
  SetOutcome check_connection_security(const VariableKey& key, const std::string& value, Now now);
  /// A00.FR.005, A05.FR.08-10, B09.FR.04, B09.FR.31 (errata 2025-01, 2025-09): whether the
  /// CSMS may lower the security profile to `next`: only from 3 to 2, and only while the
  /// firmware set SecurityCtrlr.AllowSecurityProfileDowngrade true.
  bool downgrade_allowed(int next) const;
  /// How such a value is stored: SecurityProfile, ReadOnly in part 2, as the station's own
  /// (stored under kSecurityProfileKey), the password as the CSMS's.
  static SetSource connection_security_source(const VariableKey& key);
  /// After the SetVariablesResponse: the security event, the fallback, the ConnectionRequest.
  void connection_security_changed(const VariableKey& key, const std::string& before, Now now);
  std::error_code end_connection_trial(ConnectionTrial trial, bool succeeded, std::string_view why,
                                       Now now);
  /// Stores the profile state ("<profile>" or "<profile> <fallback>") and the password fallback.
  std::error_code store_connection_security();
  std::optional<ConnectionRequest> connection_request_;
  std::optional<int> raised_profile_;    // set by the CSMS (A05), wins over the configuration
  std::optional<int> profile_fallback_;  // during a profile trial
  std::optional<std::string> password_fallback_;  // during a password trial (A01)

  // network connection profiles (B09, B10): network_profile.cpp
  /// Reads the slots the CSMS set and the slot that last connected; starts the walk of
  /// NetworkConfigurationPriority (B10.FR.04) with a ConnectionRequest for its first entry.
  std::error_code load_network_profiles();
  void handle_set_network_profile(const rpc::Frame& frame, Now now);  // B09
  /// Whether the CSMS's SetVariables is of OCPPCommCtrlr.NetworkConfigurationPriority Actual.
  static bool is_network_priority(const VariableKey& key, AttributeEnumType type);
  /// B10.FR.01, B10.FR.02: Rejected unless every slot of the list holds a valid profile;
  /// A05.FR.09, A05.FR.10: or when one is lower than the active one (downgrade_allowed).
  SetOutcome check_network_priority(const std::string& value, Now now);
  /// A05.FR.06: removes the network profiles below a raised SecurityProfile.
  std::error_code drop_lower_network_profiles(int profile);
  /// B10.FR.03, B10.FR.07: the host's outcome of the trial of a slot.
  std::error_code end_network_trial(bool succeeded, std::string_view why, Now now);
  /// Queues the ConnectionRequest of the walk's slot `index` (a trial when it has a profile).
  void request_network_slot(std::size_t index);
  /// The slot in use: ActiveNetworkProfile and its profile's messageTimeout.
  void set_active_network_profile(int slot);
  std::map<int, NetworkConnectionProfileType> network_profiles_;  // by configurationSlot
  std::vector<int> network_walk_;           // NetworkConfigurationPriority read at start
  std::size_t network_walk_next_ = 0;       // the entry of the walk being tried
  std::optional<int> network_trial_;        // the slot on trial
  int active_network_profile_ = 1;          // ActiveNetworkProfile
  std::optional<int> last_connected_slot_;  // B10.FR.07, stored

  // certificate management (M03-M05, A02, A03): certificates.cpp, certificate_renewal.cpp
  /// Reads the fallback CSMS root an earlier run kept (M05.FR.12) and defines nothing else.
  std::error_code load_certificates();
  /// Answers InstallCertificate, DeleteCertificate, GetInstalledCertificateIds and
  /// CertificateSigned; false for any other action.
  bool handle_certificate_call(const rpc::Frame& frame, Action action, Now now);
  /// SecurityCtrlr.SecurityProfile: the profile of the connection (set by the firmware).
  int security_profile() const;
  /// Certificate changes only from an authenticated CSMS (profile 2 or 3).
  bool certificate_changes_allowed() const { return security_profile() >= 2; }
  /// The installed CA certificates (SecurityCtrlr.CertificateEntries); 0 without a provider.
  std::size_t certificate_entries() const;
  /// TriggerMessage SignChargingStationCertificate (A02): whether a CSR can be sent now.
  bool can_sign_certificate() const;
  /// A02.FR.02, A02.FR.03: a new key pair and its CSR in a SignCertificateRequest, with the
  /// back-off of A02.FR.17 started afresh when `fresh` (triggered, or A03). False (logged)
  /// when the provider cannot make the CSR.
  bool send_sign_certificate(bool fresh, Now now);
  void handle_certificate_signed(const rpc::Frame& frame, Now now);
  std::optional<MonoTime> certificates_next_deadline() const;
  void certificates_timer(Now now);
  std::optional<CertificateHashData> csms_root_fallback_;  // M05.FR.12, until M05.FR.13
  std::uint64_t fallback_epoch_ = 0;         // the connection the fallback was kept on
  security::CsrBackoff csr_backoff_;         // A02.FR.17-A02.FR.19
  std::optional<CsrRequest> csr_requested_;  // the subject of the last CSR sent
  std::string csr_pem_;                      // the last CSR sent (resent by A02.FR.17)
  /// No SignCertificateRequest of our own until the CSMS triggers one (A02.FR.19, A02.FR.20).
  bool csr_blocked_ = false;
  MonoTime next_expiry_check_{};  // A03.FR.02
};

/// SecurityCtrlr.CertificateEntries maxLimit: the CA certificates the station keeps at most.
inline constexpr std::int64_t kCertificateEntriesMax = 20;
/// The store key of the fallback CSMS root (M05.FR.12), its SHA256 hash data as text.
inline constexpr const char* kCsmsRootFallbackKey = "v201.cert.csms_root_fallback";
/// The store keys of the profile the CSMS raised (with its fallback during the trial) and of
/// the previous Basic auth password during its trial.
inline constexpr const char* kSecurityProfileKey = "v201.secprofile";
inline constexpr const char* kPasswordFallbackKey = "v201.secpassword.fallback";
/// B09: "v201.netprofile.<slot>" holds the NetworkConnectionProfileType (JSON) the CSMS set,
/// "v201.netprofile.connected" the slot the last connection was made with (B10.FR.07).
inline constexpr const char* kNetworkProfilePrefix = "v201.netprofile.";

template <class T>
void Engine::Impl::defer_decision(std::function<T()> ask,
                                  std::function<void(Impl&, T, Now)> apply) {
  auto slot = std::make_shared<std::optional<T>>();
  hook_calls_.push_back([slot, ask = std::move(ask)] { *slot = ask(); });
  completions_.push_back(
      {[slot] { return slot->has_value(); },
       [slot, apply = std::move(apply)](Impl& im, Now now) { apply(im, std::move(**slot), now); }});
}

}  // namespace ocpp::v201
