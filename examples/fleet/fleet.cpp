#include "fleet.hpp"

#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "frames.hpp"
#include "ocpp/runner.hpp"
#include "ocpp/sqlite_store.hpp"
#include "stations.hpp"

namespace fleet {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr double kPoll = 0.5;                 // how often a waiting charge point looks again
constexpr double kAuthorizeTimeout = 60;      // a session gives up waiting for its transaction
constexpr std::size_t kMaxPendingCalls = 16;  // CALLs remembered per charge point for timing

using Clock = std::chrono::steady_clock;

std::uint64_t splitmix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double unit(std::uint64_t& x) { return static_cast<double>(splitmix(x) >> 11) * 0x1.0p-53; }

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::uint64_t open_descriptors() {
  std::uint64_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (const dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
    if (n) --n;  // the directory's own
  }
  return n;
}

std::uint64_t peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::uint64_t>(u.ru_maxrss);
}

enum class Phase : std::uint8_t {
  Waiting,
  Booting,
  Idle,
  Plugged,
  Authorizing,
  Charging,
  Faulted,
  Off,
  Failed
};

struct Pending {
  std::string id;
  ActionStats* action;
  double sent;
};

struct Sim {
  Member member;
  int slot = 0;
  const Group* group = nullptr;
  std::unique_ptr<Station> station;
  std::uint64_t rng = 0;
  // Set by hooks on the runner thread, read by the worker.
  std::atomic<bool> connected{false};
  std::atomic<bool> booted{false};
  std::atomic<bool> tx{false};
  std::atomic<bool> refused{false};
  std::atomic<bool> powered{false};  // the station exists (its closes are not errors)
  // The runner thread's own.
  bool ever_connected = false;
  double first_boot = -1;
  std::vector<Pending> pending;
  // The worker's own.
  Phase phase = Phase::Waiting;
  double t_session = kNever;
  double t_fault = kNever;
  double t_outage = kNever;
  double deadline = 0;
  double session_end = 0;
  double last_meter = 0;
  double energy_wh = 0;
  int sessions = 0;
  int connector = 1;
  bool cut_session = false;  // the power went off during a session
  std::size_t outage_next = 0;
};

class Fleet final : public StationEvents {
 public:
  Fleet(const RunOptions& o, const std::atomic<bool>& interrupt, std::FILE* out)
      : o_(o), interrupt_(interrupt), out_(out) {}

  Report run(std::string& error);

  void on_connection(int slot, bool up, const std::string& reason) override;
  void on_booted(int slot) override;
  void on_refused(int slot) override;
  void on_transaction(int slot, bool started) override;
  void on_frame(int slot, bool outbound, const std::string& text) override;

 private:
  double now() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  void worker(int w);
  double act(Sim& s, double t);
  double idle(Sim& s, double t);
  bool create(Sim& s);
  void power_off(Sim& s, double t);
  void end_session(Sim& s, double t);
  void finish_session(Sim& s, double t);
  void next_outage(Sim& s);
  void api(std::error_code ec, const char* what);
  void note_error(const std::string& e);
  TimelinePoint sample(double t);
  void show(const TimelinePoint& p, const char* state, bool final_line);
  void finish(int w);

  const RunOptions& o_;
  const std::atomic<bool>& interrupt_;
  std::FILE* out_;
  Clock::time_point start_;
  std::unique_ptr<ocpp::Runner> runner_;
  std::shared_ptr<ocpp::SqliteDatabase> db_;
  std::vector<std::unique_ptr<Sim>> sims_;
  std::vector<std::unique_ptr<std::atomic<std::uint64_t>>> worker_queue_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ending_{false};
  std::mutex wake_m_;
  std::condition_variable wake_cv_;

  std::atomic<std::uint64_t> created_{0}, create_errors_{0}, connected_{0}, booted_{0},
      charging_{0};
  std::atomic<std::uint64_t> connections_{0}, reconnects_{0}, connection_errors_{0};
  std::atomic<std::uint64_t> started_{0}, completed_{0}, refused_{0}, api_errors_{0};
  std::atomic<std::uint64_t> faults_{0}, outages_{0}, lost_{0}, messages_{0}, call_errors_{0};
  std::uint64_t last_messages_ = 0;
  std::uint64_t peak_descriptors_ = 0;
  std::map<std::string, ActionStats> actions_;  // the runner thread's until it stops
  std::mutex errors_m_;
  std::vector<std::string> errors_seen_;
};

void Fleet::note_error(const std::string& e) {
  std::lock_guard<std::mutex> lk(errors_m_);
  if (errors_seen_.size() < 20 &&
      std::find(errors_seen_.begin(), errors_seen_.end(), e) == errors_seen_.end())
    errors_seen_.push_back(e);
}

void Fleet::api(std::error_code ec, const char* what) {
  if (!ec) return;
  ++api_errors_;
  note_error(std::string(what) + ": " + ec.message());
}

void Fleet::on_connection(int slot, bool up, const std::string& reason) {
  Sim& s = *sims_[static_cast<std::size_t>(slot)];
  if (up) {
    ++connections_;
    if (s.ever_connected) ++reconnects_;
    s.ever_connected = true;
    if (!s.connected.exchange(true)) ++connected_;
    return;
  }
  if (s.connected.exchange(false)) --connected_;
  for (auto& p : s.pending) ++p.action->unanswered;
  s.pending.clear();
  // The closes of the end and of simulated power cuts are the fleet's own doing.
  if (!ending_.load() && s.powered.load()) {
    ++connection_errors_;
    note_error("connection: " + reason);
  }
}

void Fleet::on_booted(int slot) {
  Sim& s = *sims_[static_cast<std::size_t>(slot)];
  if (!s.booted.exchange(true)) {
    s.first_boot = now();
    ++booted_;
  }
}

void Fleet::on_refused(int slot) { sims_[static_cast<std::size_t>(slot)]->refused = true; }

void Fleet::on_transaction(int slot, bool started) {
  Sim& s = *sims_[static_cast<std::size_t>(slot)];
  if (started && !s.tx.exchange(true)) {
    ++started_;
    ++charging_;
  } else if (!started && s.tx.exchange(false)) {
    ++completed_;
    --charging_;
  }
}

void Fleet::on_frame(int slot, bool outbound, const std::string& text) {
  FrameHead h;
  if (!parse_head(text, h)) return;
  Sim& s = *sims_[static_cast<std::size_t>(slot)];
  const double t = now();
  if (outbound) {
    ++messages_;
    if (h.type != 2) return;
    ActionStats& a = actions_[std::string(h.action)];
    ++a.calls;
    if (s.pending.size() >= kMaxPendingCalls) {
      ++s.pending.front().action->unanswered;
      s.pending.erase(s.pending.begin());
    }
    s.pending.push_back({std::string(h.id), &a, t});
    return;
  }
  if (h.type == 2) return;
  for (auto it = s.pending.begin(); it != s.pending.end(); ++it) {
    if (it->id != h.id) continue;
    if (h.type == 3) {
      it->action->latency.add((t - it->sent) * 1000);
    } else {
      ++it->action->errors;
      ++call_errors_;
    }
    s.pending.erase(it);
    return;
  }
}

bool Fleet::create(Sim& s) {
  StationSetup setup;
  setup.group = s.group;
  setup.id = s.member.id;
  setup.slot = s.slot;
  setup.runner = runner_.get();
  setup.db = db_.get();
  setup.events = this;
  std::string error;
  s.station = make_station(setup, error);
  if (!s.station) {
    ++create_errors_;
    note_error("create: " + error);
    return false;
  }
  s.powered = true;
  return true;
}

void Fleet::next_outage(Sim& s) {
  const auto& outs = s.group->behaviour.outages;
  s.t_outage = kNever;
  for (; s.outage_next < outs.size(); ++s.outage_next) {
    // Whether this charge point is among the outage's fraction: the same in every run and
    // every sharding, from the seed, the charge point and the outage.
    std::uint64_t x = o_.scenario.seed * 1000003ULL +
                      static_cast<std::uint64_t>(s.member.index) * 7919ULL + s.outage_next;
    if (unit(x) < outs[s.outage_next].fraction) {
      s.t_outage = outs[s.outage_next].at_s;
      return;
    }
  }
}

void Fleet::power_off(Sim& s, double t) {
  // Whatever the store does not keep is lost with the power: nothing with SQLite, the queue
  // with the memory store.
  if (o_.db_path.empty()) lost_ += s.station->queued();
  s.powered = false;
  s.station.reset();
  if (s.connected.exchange(false)) --connected_;
  // The transaction ends with the power (the library tells the CSMS after the restart).
  if (s.tx.exchange(false)) {
    --charging_;
    ++completed_;
  }
  s.cut_session =
      s.phase == Phase::Plugged || s.phase == Phase::Authorizing || s.phase == Phase::Charging;
  ++outages_;
  s.phase = Phase::Off;
  s.deadline = t + s.group->behaviour.outages[s.outage_next].duration_s;
  ++s.outage_next;
  next_outage(s);
}

void Fleet::end_session(Sim& s, double t) {
  api(s.station->stop(s.connector), "stop");
  finish_session(s, t);
}

void Fleet::finish_session(Sim& s, double t) {
  ++s.sessions;
  s.phase = Phase::Idle;
  const Behaviour& b = s.group->behaviour;
  const bool more = b.sessions_per_hour > 0 && (b.max_sessions == 0 || s.sessions < b.max_sessions);
  s.t_session = more ? t - std::log(1 - unit(s.rng)) * 3600 / b.sessions_per_hour : kNever;
}

double Fleet::idle(Sim& s, double t) {
  const Behaviour& b = s.group->behaviour;
  if (t >= s.t_fault) {
    api(s.station->fault(1, true), "fault");
    ++faults_;
    s.phase = Phase::Faulted;
    return t + b.fault_s.min + (b.fault_s.max - b.fault_s.min) * unit(s.rng);
  }
  if (t >= s.t_session) {
    s.connector = s.sessions % s.group->connectors + 1;
    s.refused = false;
    if (auto ec = s.station->plug_in(s.connector)) {
      api(ec, "plug_in");
      s.t_session = t + 60;
    } else {
      s.phase = Phase::Plugged;
      return t + 1;  // the driver walks to the reader
    }
  }
  return std::min(s.t_session, s.t_fault);
}

double Fleet::act(Sim& s, double t) {
  const Behaviour& b = s.group->behaviour;
  if (t >= s.t_outage && s.phase != Phase::Waiting && s.phase != Phase::Off &&
      s.phase != Phase::Failed) {
    power_off(s, t);
    return s.deadline;
  }
  double next = kNever;
  switch (s.phase) {
    case Phase::Waiting:
      if (!create(s)) {
        s.phase = Phase::Failed;
        return kNever;
      }
      ++created_;
      next_outage(s);
      s.phase = Phase::Booting;
      next = t + kPoll;
      break;
    case Phase::Off:
      // Power is back: the same identity and store, as after a real power cut.
      if (!create(s)) {
        s.phase = Phase::Failed;
        return kNever;
      }
      s.phase = Phase::Idle;
      if (s.cut_session) {
        api(s.station->power_back(s.connector), "power back");
        finish_session(s, t);
      }
      next = std::min(s.t_session, s.t_fault);
      break;
    case Phase::Booting:
      if (!s.booted.load()) {
        next = t + kPoll;
        break;
      }
      s.phase = Phase::Idle;
      s.t_session =
          t + b.first_session_s.min + (b.first_session_s.max - b.first_session_s.min) * unit(s.rng);
      s.t_fault =
          b.faults_per_hour > 0 ? t - std::log(1 - unit(s.rng)) * 3600 / b.faults_per_hour : kNever;
      next = std::min(s.t_session, s.t_fault);
      break;
    case Phase::Idle:
      next = idle(s, t);
      break;
    case Phase::Faulted:
      api(s.station->fault(1, false), "clear fault");
      s.phase = Phase::Idle;
      s.t_fault = t - std::log(1 - unit(s.rng)) * 3600 / b.faults_per_hour;
      next = std::min(s.t_session, s.t_fault);
      break;
    case Phase::Plugged: {
      const auto& tags = b.id_tags;
      const std::string& tag = tags[static_cast<std::size_t>(splitmix(s.rng) % tags.size())];
      api(s.station->present(s.connector, tag), "present idTag");
      s.phase = Phase::Authorizing;
      s.deadline = t + kAuthorizeTimeout;
      next = t + kPoll;
      break;
    }
    case Phase::Authorizing:
      if (s.tx.load()) {
        api(s.station->charging(s.connector), "charging");
        s.phase = Phase::Charging;
        s.session_end = t + b.session_s.min + (b.session_s.max - b.session_s.min) * unit(s.rng);
        s.last_meter = t;
        next = std::min(t + b.meter_interval_s, s.session_end);
      } else if (s.refused.load() || t >= s.deadline) {
        if (!s.refused.load()) note_error("session: no transaction within 60 s of the idTag");
        ++refused_;
        end_session(s, t);
        next = std::min(s.t_session, s.t_fault);
      } else {
        next = t + kPoll;
      }
      break;
    case Phase::Charging:
      s.energy_wh += b.power_w * (t - s.last_meter) / 3600;
      s.last_meter = t;
      api(s.station->meter(s.connector, static_cast<std::int64_t>(s.energy_wh)), "meter");
      // The CSMS may have ended the transaction (RemoteStop): the driver unplugs then too.
      if (t >= s.session_end || !s.tx.load()) {
        end_session(s, t);
        next = std::min(s.t_session, s.t_fault);
      } else {
        next = std::min(t + b.meter_interval_s, s.session_end);
      }
      break;
    case Phase::Failed:
      return kNever;
  }
  return std::min(next, s.t_outage);
}

void Fleet::worker(int w) {
  using Due = std::pair<double, int>;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due;
  std::vector<Sim*> mine;
  const double ramp = o_.scenario.ramp_up_per_s;
  for (std::size_t i = static_cast<std::size_t>(w); i < sims_.size();
       i += static_cast<std::size_t>(o_.workers)) {
    mine.push_back(sims_[i].get());
    due.push({ramp > 0 ? static_cast<double>(i) / ramp : 0.0, static_cast<int>(i)});
  }
  double next_queue_sample = 0;
  while (!stopping_.load()) {
    const double t = now();
    while (!due.empty() && due.top().first <= t && !stopping_.load()) {
      const int slot = due.top().second;
      due.pop();
      const double next = act(*sims_[static_cast<std::size_t>(slot)], t);
      if (next < kNever) due.push({next, slot});
    }
    if (t >= next_queue_sample) {
      std::uint64_t q = 0;
      for (Sim* s : mine)
        if (s->station) q += s->station->queued();
      worker_queue_[static_cast<std::size_t>(w)]->store(q);
      next_queue_sample = t + 1;
    }
    const double wake = std::min(due.empty() ? t + 1 : due.top().first, next_queue_sample);
    std::unique_lock<std::mutex> lk(wake_m_);
    wake_cv_.wait_for(lk, std::chrono::duration<double>(std::max(wake - now(), 0.0)),
                      [this] { return stopping_.load(); });
  }
}

// The end of the run, on each worker's own charge points: stop every open session (the
// transaction's last message becomes durable before stop returns). Several threads at once,
// so that their writes share fsyncs.
void Fleet::finish(int w) {
  for (std::size_t i = static_cast<std::size_t>(w); i < sims_.size();
       i += static_cast<std::size_t>(o_.workers)) {
    Sim& s = *sims_[i];
    if (!s.station) continue;
    if (s.phase == Phase::Plugged || s.phase == Phase::Authorizing || s.phase == Phase::Charging) {
      api(s.station->stop(s.connector), "stop");
      s.phase = Phase::Idle;
    }
  }
}

TimelinePoint Fleet::sample(double t) {
  TimelinePoint p;
  p.t = t;
  p.created = created_.load();
  p.connected = connected_.load();
  p.booted = booted_.load();
  p.charging = charging_.load();
  const std::uint64_t m = messages_.load();
  p.messages = m - last_messages_;
  last_messages_ = m;
  p.errors =
      create_errors_.load() + connection_errors_.load() + api_errors_.load() + call_errors_.load();
  for (const auto& q : worker_queue_) p.queue += q->load();
  peak_descriptors_ = std::max(peak_descriptors_, open_descriptors());
  return p;
}

void Fleet::show(const TimelinePoint& p, const char* state, bool final_line) {
  if (o_.progress == ProgressMode::none) return;
  char line[256];
  std::snprintf(
      line, sizeof line,
      "ocpp-fleet %s %6.0fs  created %llu/%zu  connected %llu  booted %llu  charging %llu  "
      "msg/s %llu  errors %llu  queue %llu",
      state, p.t, static_cast<unsigned long long>(p.created), sims_.size(),
      static_cast<unsigned long long>(p.connected), static_cast<unsigned long long>(p.booted),
      static_cast<unsigned long long>(p.charging), static_cast<unsigned long long>(p.messages),
      static_cast<unsigned long long>(p.errors), static_cast<unsigned long long>(p.queue));
  if (o_.progress == ProgressMode::tty)
    std::fprintf(out_, "\r%s\x1b[K%s", line, final_line ? "\n" : "");
  else
    std::fprintf(out_, "%s\n", line);
  std::fflush(out_);
}

Report Fleet::run(std::string& error) {
  const auto members = fleet::members(o_.scenario, o_.shard_k, o_.shard_n);
  if (members.empty()) {
    error = "this shard has no charge points";
    return {};
  }
  if (!o_.db_path.empty()) {
    ocpp::SqliteDatabaseOptions dbo;
    dbo.path = o_.db_path;
    auto db = ocpp::SqliteDatabase::open(dbo);
    if (!db) {
      error = "database " + o_.db_path + ": " + db.error().message();
      return {};
    }
    db_ = std::move(db.value());
  }
  runner_ = std::make_unique<ocpp::Runner>();
  if (auto ec = runner_->start()) {
    error = "runner: " + ec.message();
    return {};
  }
  sims_.reserve(members.size());
  for (const auto& m : members) {
    auto s = std::make_unique<Sim>();
    s->member = m;
    s->slot = static_cast<int>(sims_.size());
    s->group = &o_.scenario.groups[static_cast<std::size_t>(m.group)];
    std::uint64_t seed =
        o_.scenario.seed ^ (static_cast<std::uint64_t>(m.index) * 0x2545F4914F6CDD1DULL);
    s->rng = splitmix(seed);
    sims_.push_back(std::move(s));
  }
  for (int w = 0; w < o_.workers; ++w)
    worker_queue_.push_back(std::make_unique<std::atomic<std::uint64_t>>(0));

  Report r;
  r.shards.push_back(std::to_string(o_.shard_k) + "/" + std::to_string(o_.shard_n));
  r.started_at = utc_now();
  r.planned = sims_.size();
  start_ = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < o_.workers; ++w) threads.emplace_back([this, w] { worker(w); });

  double last_show = -1e9;
  for (double next = 1;; next += 1) {
    while (now() < next && !interrupt_.load())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (interrupt_.load()) {
      r.interrupted = true;
      break;
    }
    const TimelinePoint p = sample(now());
    r.timeline.push_back(p);
    if (o_.progress == ProgressMode::tty || p.t - last_show >= o_.progress_interval_s) {
      show(p, "run ", false);
      last_show = p.t;
    }
    if (p.t >= o_.scenario.duration_s) break;
  }

  // Stop: no new sessions; open ones end and their messages are delivered.
  stopping_ = true;
  wake_cv_.notify_all();
  for (auto& t : threads) t.join();
  threads.clear();
  for (int w = 0; w < o_.workers; ++w) threads.emplace_back([this, w] { finish(w); });
  for (auto& t : threads) t.join();
  const double grace_end = now() + o_.scenario.stop_grace_s;
  std::uint64_t queued = 0;
  for (;;) {
    queued = 0;
    for (auto& s : sims_)
      if (s->station) queued += s->station->queued();
    TimelinePoint p = sample(now());
    p.queue = queued;
    r.timeline.push_back(p);
    if (o_.progress == ProgressMode::tty || p.t - last_show >= o_.progress_interval_s ||
        queued == 0) {
      show(p, "stop", queued == 0);
      last_show = p.t;
    }
    if (queued == 0 || now() >= grace_end) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ending_ = true;
  if (queued)
    note_error("end: transaction messages still queued after " +
               std::to_string(o_.scenario.stop_grace_s) + " s");
  for (auto& s : sims_) s->station.reset();
  runner_->stop();
  r.elapsed_s = now();

  r.created = created_.load();
  r.create_errors = create_errors_.load();
  r.booted = booted_.load();
  for (auto& s : sims_)
    if (s->phase != Phase::Waiting && s->phase != Phase::Failed) ++r.by_version[s->group->ocpp];
  double storm = 0;
  for (auto& s : sims_) {
    if (s->phase == Phase::Waiting || s->phase == Phase::Failed) continue;
    if (s->first_boot < 0) {
      storm = -1;
      break;
    }
    storm = std::max(storm, s->first_boot);
  }
  r.boot_storm_s = r.created ? storm : -1;
  r.connections = connections_.load();
  r.reconnects = reconnects_.load();
  r.connection_errors = connection_errors_.load();
  r.sessions_started = started_.load();
  r.sessions_completed = completed_.load();
  r.sessions_refused = refused_.load();
  r.api_errors = api_errors_.load();
  r.faults = faults_.load();
  r.outages = outages_.load();
  r.lost_messages = lost_.load() + queued;
  r.peak_rss_kb = peak_rss_kb();
  r.peak_descriptors = peak_descriptors_;
  r.actions = actions_;
  std::lock_guard<std::mutex> lk(errors_m_);
  r.errors_seen = errors_seen_;
  return r;
}

}  // namespace

Report run_fleet(const RunOptions& options, const std::atomic<bool>& interrupt, std::FILE* out,
                 std::string& error) {
  error.clear();
  Fleet f(options, interrupt, out);
  return f.run(error);
}

}  // namespace fleet
