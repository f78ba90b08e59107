// A thread-safe list of what hooks saw, for the facade tests (hooks run on the runner's
// thread, the test reads from its own).
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace test {

class Seen {
 public:
  void add(std::string s) {
    std::lock_guard<std::mutex> lk(m_);
    v_.push_back(std::move(s));
  }
  std::vector<std::string> all() const {
    std::lock_guard<std::mutex> lk(m_);
    return v_;
  }
  bool has(const std::string& s) const { return count(s) > 0; }
  std::size_t count(const std::string& s) const {
    auto a = all();
    return static_cast<std::size_t>(std::count(a.begin(), a.end(), s));
  }

 private:
  mutable std::mutex m_;
  std::vector<std::string> v_;
};

}  // namespace test
