// The connection attempts of the libwebsockets loop: queued in the order they were asked for
// and started at most `max` at a time. A fleet that connects at once would otherwise overflow
// the server's accept queue (SYNs retried after 1, 3, 7... s) and lengthen lws's sorted list
// of handshake stage timeouts, which every insertion walks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace ocpp::lws_transport {

/// T has a `bool counted_connecting` (set while it counts among the attempts in progress).
template <class T>
class AttemptQueue {
 public:
  explicit AttemptQueue(std::size_t max) : max_(max) {}

  void push(std::shared_ptr<T> st) { queue_.push_back(std::move(st)); }
  void remove(const T& st) {
    queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                                [&](const std::shared_ptr<T>& p) { return p.get() == &st; }),
                 queue_.end());
  }
  bool empty() const { return queue_.empty(); }
  const std::vector<std::shared_ptr<T>>& queued() const { return queue_; }
  void clear() { queue_.clear(); }

  /// Takes the attempts that may start now, oldest first (each then started() or not).
  std::vector<std::shared_ptr<T>> take() {
    const std::size_t n = std::min(queue_.size(), max_ > running_ ? max_ - running_ : 0);
    std::vector<std::shared_ptr<T>> out(
        std::make_move_iterator(queue_.begin()),
        std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    return out;
  }
  /// st's attempt is in progress.
  void started(T& st) {
    st.counted_connecting = true;
    ++running_;
  }
  /// st's attempt is over (open or failed); true if it counted.
  bool finished(T& st) {
    if (!st.counted_connecting) return false;
    st.counted_connecting = false;
    --running_;
    return true;
  }

 private:
  std::size_t max_;
  std::size_t running_ = 0;
  std::vector<std::shared_ptr<T>> queue_;
};

}  // namespace ocpp::lws_transport
