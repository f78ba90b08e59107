// The per-connection deadlines of the libwebsockets loop (connect timeout, ping and pong
// checks, a close's grace time) in one binary heap of our own.
//
// Why not lws's per-wsi timers (lws_set_timer_usecs, lws_set_timeout): lws 4.1 keeps every
// one of them in a single sorted list, and an insertion walks that list from its head. A
// timer that stays armed for the life of a connection therefore makes every later insertion
// (lws's own handshake stage timeouts included) walk past all N connections: O(N) each, O(N²)
// for a fleet that connects at once. Here arming is O(log N).
//
// Lazy deletion: an owner keeps the generation of its live entry; re-arming or disarming
// changes it, and the stale entry is dropped when it reaches the top.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

namespace ocpp::lws_transport {

template <class T>
class TimerHeap {
 public:
  using Clock = std::chrono::steady_clock;

  /// Arms owner's single timer (replacing the one it had); `slot` is the owner's generation
  /// field.
  void arm(const std::shared_ptr<T>& owner, std::uint64_t& slot, Clock::time_point due) {
    slot = ++next_generation_;
    heap_.push(Entry{due, slot, owner});
  }
  /// Disarms the timer whose generation field is `slot`.
  static void disarm(std::uint64_t& slot) { slot = 0; }

  /// Calls fire(owner) for every live entry due at `now` (the owner's slot is cleared first,
  /// so fire may arm again). `slot_of(owner)` gives the owner's generation field.
  template <class SlotOf, class Fire>
  void run_due(Clock::time_point now, SlotOf slot_of, Fire fire) {
    while (!heap_.empty() && heap_.top().due <= now) {
      Entry e = heap_.top();
      heap_.pop();
      auto owner = e.owner.lock();
      if (!owner || slot_of(*owner) != e.generation) continue;
      slot_of(*owner) = 0;
      fire(*owner);
    }
  }

  /// The earliest live deadline, if any (stale entries on top are dropped).
  template <class SlotOf>
  std::optional<Clock::time_point> next(SlotOf slot_of) {
    while (!heap_.empty()) {
      auto owner = heap_.top().owner.lock();
      if (owner && slot_of(*owner) == heap_.top().generation) return heap_.top().due;
      heap_.pop();
    }
    return std::nullopt;
  }

  std::size_t size() const { return heap_.size(); }

 private:
  struct Entry {
    Clock::time_point due;
    std::uint64_t generation;
    std::weak_ptr<T> owner;
    bool operator<(const Entry& o) const { return due > o.due; }  // earliest on top
  };
  std::priority_queue<Entry> heap_;
  std::uint64_t next_generation_ = 0;
};

}  // namespace ocpp::lws_transport
