#include "ocpp/runner.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ocpp/error.hpp"

namespace ocpp {
namespace {

// How long stop() waits for the close handshakes of its connections.
constexpr auto kShutdownGrace = std::chrono::seconds(2);

// Stands in for an event loop that could not be created, so that nothing dereferences a null
// loop: every connection fails at once, and poll() only waits.
class FailedIoLoop final : public IoLoop {
 public:
  class Failed final : public Connection {
   public:
    std::error_code send(std::string_view) override {
      return make_error_code(Errc::transport_error);
    }
    void close() override {}
  };

  std::unique_ptr<Connection> connect(const ConnectOptions&, TransportEvents& events) override {
    failed_.push_back(&events);
    return std::make_unique<Failed>();
  }
  void poll(std::chrono::milliseconds max_wait) override {
    std::vector<TransportEvents*> failed;
    failed.swap(failed_);
    for (auto* e : failed)
      e->on_close(make_error_code(Errc::transport_error), "the event loop could not be created");
    std::unique_lock<std::mutex> lk(m_);
    cv_.wait_for(lk, max_wait, [this] { return woken_; });
    woken_ = false;
  }
  void wake() override {
    std::lock_guard<std::mutex> lk(m_);
    woken_ = true;
    cv_.notify_all();
  }

 private:
  std::vector<TransportEvents*> failed_;  // runner thread only
  std::mutex m_;
  std::condition_variable cv_;
  bool woken_ = false;
};

}  // namespace

class Runner::Impl {
 public:
  explicit Impl(std::unique_ptr<IoLoop> io) : io_(std::move(io)) {
    if (!io_) {
      error_ = make_error_code(Errc::transport_error);
      io_ = std::make_unique<FailedIoLoop>();
    }
  }

  // A wake steps only the clients that have work: those marked ready (an API call, a
  // transport event, a new client) and those whose deadline has come. An idle client costs
  // nothing until its deadline, and a wake is O(due · log N), not O(N).
  void loop() {
    std::vector<std::shared_ptr<Client>> batch;
    while (!stop_.load()) {
      const bool ran_tasks = run_tasks();
      const Now now = now_from_system_clocks();
      batch.clear();
      {
        std::lock_guard<std::mutex> lk(m_);
        for (Client* c : ready_) {
          auto it = clients_.find(c);
          if (it == clients_.end()) continue;
          it->second.ready = false;
          batch.push_back(it->second.client);
        }
        ready_.clear();
        while (!heap_.empty() && heap_.top().due <= now.mono) {
          const HeapItem top = heap_.top();
          heap_.pop();
          auto it = clients_.find(top.client);
          // Stale entries (a newer deadline was set, or the client left) are skipped here.
          if (it == clients_.end() || it->second.generation != top.generation) continue;
          it->second.generation = 0;  // due now: this entry is spent
          batch.push_back(it->second.client);
        }
      }
      for (auto& c : batch) {
        const MonoTime due = c->step(now);
        std::lock_guard<std::mutex> lk(m_);
        auto it = clients_.find(c.get());
        if (it == clients_.end()) continue;
        it->second.generation = ++next_generation_;
        heap_.push({due, c.get(), it->second.generation});
      }
      batch.clear();
      std::chrono::milliseconds wait{kMaxWait};
      {
        std::lock_guard<std::mutex> lk(m_);
        if (!tasks_.empty() || !ready_.empty()) continue;
        while (!heap_.empty()) {
          auto it = clients_.find(heap_.top().client);
          if (it != clients_.end() && it->second.generation == heap_.top().generation) break;
          heap_.pop();
        }
        if (!heap_.empty()) {
          wait = std::chrono::duration_cast<std::chrono::milliseconds>(
              heap_.top().due - std::chrono::steady_clock::now());
        }
      }
      if (ran_tasks) {
        // Tasks come in runs (a fleet's charge points destroyed one after the other, each
        // waiting for its own): the next one is taken here rather than after a poll of the
        // event loop, which costs O(connections) with lws's poll(2) and made destroying N
        // charge points O(N²).
        std::unique_lock<std::mutex> lk(m_);
        if (task_cv_.wait_for(lk, kTaskLinger, [this] { return !tasks_.empty() || stop_.load(); }))
          continue;
      }
      io_->poll(std::clamp(wait, std::chrono::milliseconds(0), kMaxWait));
    }
    {
      // From here on call_sync() waits for the loop to end, then runs its function inline.
      std::lock_guard<std::mutex> lk(m_);
      accepting_ = false;
    }
    run_tasks();
    std::vector<std::shared_ptr<Client>> clients;
    {
      std::lock_guard<std::mutex> lk(m_);
      for (auto& [raw, e] : clients_) clients.push_back(e.client);
    }
    for (auto& c : clients) c->shutdown();
    // Let the close frames go out and wait for the peers' answers, but not for a peer that
    // never answers.
    const auto until = std::chrono::steady_clock::now() + kShutdownGrace;
    io_->poll(std::chrono::milliseconds(0));
    while (io_->active_connections() > 0 && std::chrono::steady_clock::now() < until)
      io_->poll(std::chrono::milliseconds(20));
    {
      std::lock_guard<std::mutex> lk(m_);
      loop_done_ = true;
      // A restart steps every client again at once.
      for (auto& [raw, e] : clients_) mark_ready(e);
    }
    done_cv_.notify_all();
  }

  bool has_tasks() {
    std::lock_guard<std::mutex> lk(m_);
    return !tasks_.empty();
  }

  // True if it ran any.
  bool run_tasks() {
    for (bool ran = false;; ran = true) {
      std::function<void()> t;
      {
        std::lock_guard<std::mutex> lk(m_);
        if (tasks_.empty()) return ran;
        t = std::move(tasks_.front());
        tasks_.pop_front();
      }
      t();
    }
  }

  struct Entry {
    std::shared_ptr<Client> client;
    std::uint64_t generation = 0;  // of its live heap entry; 0 = none
    bool ready = false;            // in ready_
  };
  struct HeapItem {
    MonoTime due;
    Client* client;
    std::uint64_t generation;
    bool operator<(const HeapItem& o) const { return due > o.due; }  // earliest on top
  };

  // Guarded by m_.
  void mark_ready(Entry& e) {
    if (e.ready) return;
    e.ready = true;
    ready_.push_back(e.client.get());
  }

  // The runner wakes at least this often, whatever the deadlines say: a bound on the delay
  // of an event loop that forgot to report an event, not a tick. Deadlines are monotonic
  // (wall-clock times such as a reservation's expiryDate are turned into monotonic ones when
  // they arrive), so a wall-clock step needs no wake. Each wake polls every socket of the
  // loop (about 1 ms per 1,000 connections with lws's poll(2)), so an idle fleet of 10,000
  // charge points woken once a second spent 4x the CPU of the bare lws client, which sleeps
  // until its own next timer.
  static constexpr std::chrono::milliseconds kMaxWait{30000};

  std::unique_ptr<IoLoop> io_;
  std::error_code error_;  // the event loop could not be created
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::atomic<std::thread::id> thread_id_{};  // read by on_runner_thread() on any thread
  std::mutex m_;
  std::unordered_map<Client*, Entry> clients_;
  std::vector<Client*> ready_;
  std::priority_queue<HeapItem> heap_;
  std::uint64_t next_generation_ = 0;  // unique across clients: a stale entry never matches
  std::deque<std::function<void()>> tasks_;
  bool accepting_ = false;  // tasks are run by the thread (guarded by m_)
  bool loop_done_ = true;   // the thread no longer touches clients or the loop (guarded by m_)
  std::condition_variable done_cv_;
  std::condition_variable task_cv_;  // a task was queued (for the linger after tasks)
  static constexpr std::chrono::microseconds kTaskLinger{500};
  std::mutex start_stop_m_;
};

Runner::Runner(std::unique_ptr<IoLoop> io)
    : impl_(std::make_unique<Impl>(io ? std::move(io) : make_lws_io_loop())) {}

Runner::~Runner() { stop(); }

std::error_code Runner::start() {
  if (impl_->error_) return impl_->error_;
  std::lock_guard<std::mutex> lk(impl_->start_stop_m_);
  if (impl_->running_) return make_error_code(Errc::invalid_state);
  impl_->stop_ = false;
  impl_->running_ = true;
  {
    std::lock_guard<std::mutex> lk2(impl_->m_);
    impl_->accepting_ = true;
    impl_->loop_done_ = false;
  }
  // The thread records its own id first: on_runner_thread() must hold inside it at once.
  impl_->thread_ = std::thread([this] {
    impl_->thread_id_ = std::this_thread::get_id();
    impl_->loop();
  });
  return {};
}

std::error_code Runner::stop() {
  if (on_runner_thread()) return make_error_code(Errc::invalid_state);
  std::lock_guard<std::mutex> lk(impl_->start_stop_m_);
  if (!impl_->running_) return {};
  impl_->stop_ = true;
  impl_->io_->wake();
  impl_->thread_.join();
  impl_->running_ = false;
  impl_->thread_id_.store(std::thread::id{});
  return {};
}

bool Runner::running() const { return impl_->running_; }
std::error_code Runner::error() const { return impl_->error_; }
IoLoop& Runner::io() { return *impl_->io_; }

void Runner::wake() {
  {
    std::lock_guard<std::mutex> lk(impl_->m_);
    for (auto& [raw, e] : impl_->clients_) impl_->mark_ready(e);
  }
  impl_->io_->wake();
}

void Runner::wake(Client& client) {
  {
    std::lock_guard<std::mutex> lk(impl_->m_);
    auto it = impl_->clients_.find(&client);
    if (it == impl_->clients_.end()) return;
    if (it->second.ready) return;  // already due: the loop will see it
    impl_->mark_ready(it->second);
  }
  // On the runner thread the loop looks at the ready set before it polls again.
  if (!on_runner_thread()) impl_->io_->wake();
}

bool Runner::on_runner_thread() const {
  return impl_->running_ && std::this_thread::get_id() == impl_->thread_id_.load();
}

void Runner::call_sync(const std::function<void()>& f) {
  if (!impl_->running_ || on_runner_thread()) {
    f();
    return;
  }
  std::promise<void> done;
  auto fut = done.get_future();
  {
    std::unique_lock<std::mutex> lk(impl_->m_);
    if (!impl_->accepting_) {
      // Stopping: the thread is shutting its clients down; running f beside it would race.
      impl_->done_cv_.wait(lk, [this] { return impl_->loop_done_; });
      lk.unlock();
      f();
      return;
    }
    impl_->tasks_.push_back([&f, &done] {
      f();
      done.set_value();
    });
  }
  impl_->task_cv_.notify_one();
  impl_->io_->wake();
  fut.wait();
}

void Runner::attach(std::shared_ptr<Client> client) {
  {
    std::lock_guard<std::mutex> lk(impl_->m_);
    Client* raw = client.get();
    auto& e = impl_->clients_[raw];
    e.client = std::move(client);
    impl_->mark_ready(e);
  }
  impl_->io_->wake();
}

void Runner::detach(const std::shared_ptr<Client>& client) {
  call_sync([this, &client] {
    client->shutdown();
    std::lock_guard<std::mutex> lk(impl_->m_);
    // Its heap entries and ready_ slot go stale and are skipped.
    impl_->clients_.erase(client.get());
  });
}

}  // namespace ocpp
