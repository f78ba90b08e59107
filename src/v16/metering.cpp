// Metering rules of Core (OCPP 1.6 section 3.16 and errata 3.13 to 3.16, sections 4.7 and 9.1):
// clock-aligned meter values (ClockAlignedDataInterval, MeterValuesAlignedData), the meter
// values of a transaction for its StopTransaction.transactionData (StopTxnSampledData,
// StopTxnAlignedData), and MinimumStatusDuration (section 9.1.20) for StatusNotification.
//
// The samples kept for transactionData are persisted per transaction under
// "meter.tx.<tx_key>.<entry>" so that a restart mid-transaction keeps them; they are bounded
// (metering_data.hpp) because a long transaction must not grow its StopTransaction without
// limit (pitfall MicroOcpp #240).
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <deque>
#include <map>

#include "v16/metering_data.hpp"

namespace ocpp::v16 {
namespace {

constexpr std::string_view kPrefix = "meter.tx.";

std::string tx_prefix(std::int64_t tx_key) {
  return std::string(kPrefix) + std::to_string(tx_key) + ".";
}

std::string sample_key(std::int64_t tx_key, std::int64_t seq) {
  // Zero-padded so that the store's order (by key) is the order the samples were taken in.
  char buf[24];
  std::snprintf(buf, sizeof buf, "s%010lld", static_cast<long long>(seq));
  return tx_prefix(tx_key) + buf;
}

struct StopTxnSample {
  std::int64_t seq = 0;
  MeterValue value;
  std::size_t bytes = 0;
};

/// What one transaction accumulated for its StopTransaction.transactionData.
struct TxData {
  std::optional<MeterValue> begin;  // the firmware's Transaction.Begin values, if it gave any
  std::deque<StopTxnSample> samples;
  std::size_t bytes = 0;
  std::int64_t next_seq = 1;
  bool dropped_logged = false;
  bool truncation_logged = false;
};

struct PendingStatus {
  ChargePointStatus status = ChargePointStatus::Available;
  ChargePointErrorCode error = ChargePointErrorCode::NoError;
  MonoTime deadline{};
  DateTime since{};
};

class MeteringModule final : public Module {
 public:
  explicit MeteringModule(Engine::Impl& engine)
      : engine_(engine), aligned_key_(engine.config_.int_key("ClockAlignedDataInterval")) {}

  std::error_code load(Now now) override {
    std::vector<std::pair<std::string, std::string>> stored;
    if (auto ec = engine_.store_.kv_load(std::string(kPrefix), stored)) return ec;
    std::sort(stored.begin(), stored.end());
    for (auto& [key, value] : stored) {
      // "meter.tx.<tx_key>.b" or "meter.tx.<tx_key>.s<seq>"
      std::string_view rest(key);
      rest.remove_prefix(kPrefix.size());
      const auto dot = rest.find('.');
      std::int64_t tx_key = 0;
      const bool key_ok = dot != std::string_view::npos &&
                          std::from_chars(rest.data(), rest.data() + dot, tx_key).ec == std::errc();
      auto tx = engine_.txs_.find(tx_key);
      const bool running = key_ok && tx != engine_.txs_.end() && !tx->second.stopped;
      MeterValue mv;
      codec::Error err;
      if (!running || !codec::from_json(value, mv, err)) {
        // Left over from a transaction whose StopTransaction was written just before a power
        // cut (or damaged): nothing will read it any more.
        if (auto ec = engine_.store_.kv_erase(key)) return ec;
        continue;
      }
      const std::string_view entry = rest.substr(dot + 1);
      TxData& d = tx_data_[tx_key];
      if (entry == "b") {
        d.begin = std::move(mv);
      } else if (entry.size() > 1 && entry[0] == 's') {
        std::int64_t seq = 0;
        std::from_chars(entry.data() + 1, entry.data() + entry.size(), seq);
        d.samples.push_back({seq, std::move(mv), value.size()});
        d.bytes += value.size();
        d.next_seq = std::max(d.next_seq, seq + 1);
      }
    }
    for (auto& [tx_key, d] : tx_data_) trim(tx_key, d);
    schedule_aligned(now, now.wall);
    return {};
  }

  void on_transaction_started(Connector& c, std::int64_t tx_key, Now now) override {
    // The Transaction.Begin values (errata 3.16.6). Without a hook they are derived from the
    // transaction record (meterStart) when the StopTransaction is built; nothing is stored.
    if (!engine_.hooks_.sample_meter) return;
    // Asked only when transactionData is configured: the hook is not called for nothing.
    if (engine_.config_.get("StopTxnSampledData").value_or("").empty() &&
        engine_.config_.get("StopTxnAlignedData").value_or("").empty())
      return;
    const int cid = c.id;
    const DateTime at = now.wall;
    engine_.defer_decision<std::vector<SampledValue>>(
        [h = engine_.hooks_.sample_meter, cid] {
          return h(cid, ReadingContext::Transaction_Begin);
        },
        [this, tx_key, at](Engine::Impl& im, std::vector<SampledValue> values, Now) {
          auto tx = im.txs_.find(tx_key);
          if (tx == im.txs_.end() || tx->second.stopped) return;
          values = metering::valid_values(im, std::move(values));
          if (values.empty()) return;
          if (values.size() > metering::kMaxValuesPerEntry)
            values.resize(metering::kMaxValuesPerEntry);
          for (auto& sv : values)
            if (!sv.context) sv.context = ReadingContext::Transaction_Begin;
          MeterValue mv;
          mv.timestamp = at;
          mv.sampledValue = std::move(values);
          const std::string json = codec::to_json(mv);
          if (json.size() > metering::kMaxEntryBytes) {
            im.log(
                1,
                "Transaction.Begin meter values too large for transactionData; meterStart is used");
            return;
          }
          tx_data_[tx_key].begin = std::move(mv);
          if (auto ec = im.store_.kv_set(tx_prefix(tx_key) + "b", json))
            im.log(0, "storing the Transaction.Begin meter values failed: " + ec.message());
        });
  }

  void fill_stop_transaction(StopTransactionRequest& req, std::int64_t tx_key, Now) override {
    const std::string sampled = engine_.config_.get("StopTxnSampledData").value_or("");
    const std::string aligned = engine_.config_.get("StopTxnAlignedData").value_or("");
    // Errata 3.16.5: both empty, no meter values in StopTransaction.
    if (sampled.empty() && aligned.empty()) return;
    auto configured = [&](const SampledValue& sv) {
      const Measurand m = sv.measurand.value_or(Measurand::Energy_Active_Import_Register);
      return metering::list_contains(sampled, m) || metering::list_contains(aligned, m);
    };
    auto energy = [](std::int64_t wh, ReadingContext ctx) {
      SampledValue sv;
      sv.value = std::to_string(wh);
      sv.context = ctx;
      sv.measurand = Measurand::Energy_Active_Import_Register;
      sv.unit = UnitOfMeasure::Wh;
      return sv;
    };
    std::vector<MeterValue> data;
    auto d = tx_data_.find(tx_key);
    // Transaction.Begin: the firmware's values, else the meterStart register reading.
    MeterValue begin;
    if (d != tx_data_.end() && d->second.begin) {
      for (const auto& sv : d->second.begin->sampledValue)
        if (configured(sv)) begin.sampledValue.push_back(sv);
      begin.timestamp = d->second.begin->timestamp;
    }
    const bool has_register = std::any_of(
        begin.sampledValue.begin(), begin.sampledValue.end(), [](const SampledValue& sv) {
          return sv.measurand.value_or(Measurand::Energy_Active_Import_Register) ==
                 Measurand::Energy_Active_Import_Register;
        });
    if (auto tx = engine_.txs_.find(tx_key); !has_register && tx != engine_.txs_.end()) {
      // The register reading the transaction started with (meterStart) when the firmware gave none.
      SampledValue sv = energy(tx->second.meter_start, ReadingContext::Transaction_Begin);
      DateTime started{};
      if (configured(sv) && parse_datetime(tx->second.start_time, started)) {
        if (begin.sampledValue.empty()) begin.timestamp = started;
        begin.sampledValue.insert(begin.sampledValue.begin(), std::move(sv));
      }
    }
    if (!begin.sampledValue.empty()) data.push_back(std::move(begin));
    if (d != tx_data_.end())
      for (const auto& s : d->second.samples) data.push_back(s.value);
    // Transaction.End: the hook cannot be asked inside the engine call that stops the
    // transaction, so only the register reading of meterStop is reported.
    SampledValue end = energy(req.meterStop, ReadingContext::Transaction_End);
    if (configured(end)) {
      MeterValue mv;
      mv.timestamp = req.timestamp;
      mv.sampledValue.push_back(std::move(end));
      data.push_back(std::move(mv));
    }
    if (!data.empty()) req.transactionData = std::move(data);
  }

  void on_transaction_stopped(Connector&, std::int64_t tx_key, Reason, Now) override {
    // The StopTransaction carrying the data is durable now: the samples are not needed any more.
    auto d = tx_data_.find(tx_key);
    if (d == tx_data_.end()) return;
    if (d->second.begin) erase_key(tx_prefix(tx_key) + "b");
    for (const auto& s : d->second.samples) erase_key(sample_key(tx_key, s.seq));
    tx_data_.erase(d);
  }

  void on_timer(Now now) override {
    if (aligned_key_.get() != aligned_interval_) {
      schedule_aligned(now, now.wall);  // changed by ChangeConfiguration or the firmware
    } else if (next_aligned_mono_ &&
               (now.mono >= *next_aligned_mono_ || now.wall >= next_aligned_wall_)) {
      if (now.wall + std::chrono::seconds(2) < next_aligned_wall_) {
        // The wall clock was set back (time sync): the boundary is still ahead of it.
        schedule_aligned(now, now.wall);
      } else {
        // Timestamped at the boundary it stands for when the host woke up on time (a real
        // timer fires a little late); after a jump of the wall clock, at the present.
        const bool on_time = now.wall - next_aligned_wall_ < std::chrono::seconds(1);
        aligned_tick(on_time ? next_aligned_wall_ : now.wall);
        schedule_aligned(now, std::max(now.wall, next_aligned_wall_));
      }
    }
    // MinimumStatusDuration: report the changes that lasted long enough.
    std::vector<int> due;
    for (const auto& [id, p] : pending_status_)
      if (now.mono >= p.deadline) due.push_back(id);
    for (int id : due) {
      if (Connector* c = engine_.connector(id)) engine_.update_status(*c, now);
      auto it = pending_status_.find(id);
      // Still due means it could not be reported (offline): the status is reported in full
      // after the next connect anyway.
      if (it != pending_status_.end() && now.mono >= it->second.deadline) pending_status_.erase(it);
    }
  }

  std::optional<MonoTime> next_deadline() const override {
    std::optional<MonoTime> d;
    if (aligned_key_.get() != aligned_interval_)
      return MonoTime{};  // now
    if (next_aligned_mono_) d = next_aligned_mono_;
    for (const auto& [id, p] : pending_status_)
      if (!d || p.deadline < *d) d = p.deadline;
    return d;
  }

  // --- used through metering_data.hpp ---

  void add_sample(std::int64_t tx_key, std::vector<SampledValue> values, DateTime at) {
    TxData& d = tx_data_[tx_key];
    if (values.size() > metering::kMaxValuesPerEntry) {
      if (!d.truncation_logged)
        engine_.log(1, "more than " + std::to_string(metering::kMaxValuesPerEntry) +
                           " values in one sample: the rest is left out of transactionData");
      d.truncation_logged = true;
      values.resize(metering::kMaxValuesPerEntry);
    }
    StopTxnSample s;
    s.value.timestamp = at;
    s.value.sampledValue = std::move(values);
    const std::string json = codec::to_json(s.value);
    if (json.size() > metering::kMaxEntryBytes) {
      engine_.log(1, "a sample of " + std::to_string(json.size()) +
                         " bytes is too large for transactionData");
      return;
    }
    s.seq = d.next_seq++;
    s.bytes = json.size();
    if (auto ec = engine_.store_.kv_set(sample_key(tx_key, s.seq), json))
      engine_.log(0, "storing meter values for StopTransaction failed: " + ec.message());
    d.bytes += s.bytes;
    d.samples.push_back(std::move(s));
    trim(tx_key, d);
  }

  bool status_may_report(const Connector& c, ChargePointStatus st, ChargePointErrorCode err,
                         Now now, DateTime& at) {
    at = now.wall;
    const auto min_duration = engine_.config_.get_int("MinimumStatusDuration");
    // The first report after a (re)connect tells the CSMS the current state: never held back.
    if (min_duration <= 0 || !c.reported_status) {
      pending_status_.erase(c.id);
      return true;
    }
    auto it = pending_status_.find(c.id);
    if (it == pending_status_.end() || it->second.status != st || it->second.error != err) {
      PendingStatus p;
      p.status = st;
      p.error = err;
      p.deadline = now.mono + std::chrono::seconds(min_duration);
      p.since = now.wall;
      pending_status_[c.id] = p;
      return false;
    }
    if (now.mono < it->second.deadline) return false;
    at = it->second.since;  // the status is reported for the time it began
    pending_status_.erase(it);
    return true;
  }

  void status_settled(int connector_id) { pending_status_.erase(connector_id); }
  bool status_held(int connector_id, ChargePointStatus st) const {
    auto it = pending_status_.find(connector_id);
    return it != pending_status_.end() && it->second.status == st;
  }

 private:
  void erase_key(const std::string& key) {
    if (auto ec = engine_.store_.kv_erase(key))
      engine_.log(1, "erasing " + key + " failed: " + ec.message());
  }

  void trim(std::int64_t tx_key, TxData& d) {
    bool dropped = false;
    while (!d.samples.empty() && (d.samples.size() > metering::kMaxStopTxnSamples ||
                                  d.bytes > metering::kMaxStopTxnBytes)) {
      erase_key(sample_key(tx_key, d.samples.front().seq));
      d.bytes -= d.samples.front().bytes;
      d.samples.pop_front();
      dropped = true;
    }
    if (dropped && !d.dropped_logged) {
      d.dropped_logged = true;
      engine_.log(2, "transactionData of transaction " + std::to_string(tx_key) +
                         " at its bound: the oldest samples are dropped");
    }
  }

  /// Schedules the next clock-aligned sample: the first boundary after `after` of the intervals
  /// that start each day at 00:00:00 UTC (section 3.16.2). An interval that does not divide
  /// the day is cut short at midnight, where the next day's intervals begin.
  void schedule_aligned(Now now, DateTime after) {
    aligned_interval_ = aligned_key_.get();
    if (aligned_interval_ <= 0) {
      next_aligned_mono_.reset();
      return;
    }
    constexpr std::int64_t kDay = 86400;
    const std::int64_t secs =
        std::chrono::floor<std::chrono::seconds>(after.time_since_epoch()).count();
    const std::int64_t midnight = secs - ((secs % kDay) + kDay) % kDay;
    const std::int64_t into = secs - midnight;
    const std::int64_t next = std::min((into / aligned_interval_ + 1) * aligned_interval_, kDay);
    next_aligned_wall_ = DateTime(std::chrono::seconds(midnight + next));
    next_aligned_mono_ =
        now.mono + std::chrono::duration_cast<MonoTime::duration>(next_aligned_wall_ - now.wall);
  }

  /// A clock-aligned sample of every connector (section 3.16.2, context Sample.Clock).
  /// Connector 0 (the main meter, section 4.7) only when the firmware's hook reports values for it.
  void aligned_tick(DateTime at) {
    for (const auto& c : engine_.connectors_) {
      const int cid = c.id;
      const std::int64_t tx_key = c.tx_key.value_or(0);
      if (engine_.hooks_.sample_meter) {
        engine_.defer_decision<std::vector<SampledValue>>(
            [h = engine_.hooks_.sample_meter, cid] { return h(cid, ReadingContext::Sample_Clock); },
            [cid, tx_key, at](Engine::Impl& im, std::vector<SampledValue> values, Now) {
              aligned_sample(im, cid, tx_key, std::move(values), at);
            });
      } else if (cid >= 1) {
        aligned_sample(engine_, cid, tx_key, {}, at);
      }
    }
  }

  static void aligned_sample(Engine::Impl& im, int cid, std::int64_t tx_key,
                             std::vector<SampledValue> values, DateTime at) {
    Connector* c = im.connector(cid);
    if (!c) return;
    if (values.empty()) {
      if (cid == 0) return;
      values = metering::default_values(*c);
    }
    values = metering::valid_values(im, std::move(values));
    if (tx_key != 0)
      metering::record_for_stop(im, tx_key, values, ReadingContext::Sample_Clock,
                                "StopTxnAlignedData", at);
    metering::write(im, cid, tx_key, std::move(values), ReadingContext::Sample_Clock,
                    "MeterValuesAlignedData", at);
  }

  Engine::Impl& engine_;
  Configuration::IntKey aligned_key_;  // ClockAlignedDataInterval, read at every deadline
  std::map<std::int64_t, TxData> tx_data_;
  std::map<int, PendingStatus> pending_status_;
  std::int64_t aligned_interval_ = 0;
  std::optional<MonoTime> next_aligned_mono_;
  DateTime next_aligned_wall_{};
};

}  // namespace

std::unique_ptr<Module> make_metering_module(Engine::Impl& engine) {
  auto m = std::make_unique<MeteringModule>(engine);
  engine.metering_module_ = m.get();
  return m;
}

namespace metering {
namespace {

MeteringModule* metering_module(Engine::Impl& im) {
  return static_cast<MeteringModule*>(im.metering_module_);
}

}  // namespace

void record_for_stop(Engine::Impl& im, std::int64_t tx_key, const std::vector<SampledValue>& values,
                     ReadingContext context, std::string_view list_key, DateTime at) {
  MeteringModule* m = metering_module(im);
  auto tx = im.txs_.find(tx_key);
  if (!m || tx == im.txs_.end() || tx->second.stopped) return;
  std::vector<SampledValue> kept = select(im, values, list_key, context);
  if (kept.empty()) return;
  m->add_sample(tx_key, std::move(kept), at);
}

bool status_may_report(Engine::Impl& im, const Connector& c, ChargePointStatus st,
                       ChargePointErrorCode err, Now now, DateTime& at) {
  MeteringModule* m = metering_module(im);
  if (!m) {
    at = now.wall;
    return true;
  }
  return m->status_may_report(c, st, err, now, at);
}

bool status_held(Engine::Impl& im, int connector_id, ChargePointStatus st) {
  MeteringModule* m = metering_module(im);
  return m && m->status_held(connector_id, st);
}

void status_settled(Engine::Impl& im, int connector_id) {
  if (MeteringModule* m = metering_module(im)) m->status_settled(connector_id);
}

}  // namespace metering
}  // namespace ocpp::v16
