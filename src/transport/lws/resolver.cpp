#include "transport/lws/resolver.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <utility>

namespace ocpp::lws_transport {

std::vector<std::string> system_resolve(const std::string& host, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    error = gai_strerror(rc);
    return {};
  }
  std::vector<std::string> v4;
  std::vector<std::string> v6;
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET) {
      const auto* sa = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      if (inet_ntop(AF_INET, &sa->sin_addr, buf, sizeof buf)) v4.emplace_back(buf);
    } else if (a->ai_family == AF_INET6) {
      const auto* sa = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      if (inet_ntop(AF_INET6, &sa->sin6_addr, buf, sizeof buf)) v6.emplace_back(buf);
    }
  }
  ::freeaddrinfo(res);
  std::vector<std::string> out;
  for (auto* list : {&v4, &v6})
    for (auto& a : *list)
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(std::move(a));
  if (out.empty()) error = "no IPv4 or IPv6 address";
  return out;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

struct Resolver::State {
  std::function<void()> notify;
  ResolveFn fn;
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::pair<std::uint64_t, std::string>> queue;
  std::vector<Result> results;
  bool stop = false;
  bool started = false;
};

Resolver::Resolver(std::function<void()> notify, ResolveFn fn) : state_(std::make_shared<State>()) {
  state_->notify = std::move(notify);
  state_->fn = fn ? std::move(fn) : ResolveFn(system_resolve);
}

Resolver::~Resolver() {
  std::lock_guard<std::mutex> lk(state_->m);
  state_->stop = true;
  state_->notify = nullptr;  // the loop it would wake is going away
  state_->cv.notify_all();
}

void Resolver::request(std::uint64_t ticket, std::string host) {
  std::lock_guard<std::mutex> lk(state_->m);
  state_->queue.emplace_back(ticket, std::move(host));
  if (!state_->started) {
    state_->started = true;
    // Detached: it owns its state, so a lookup that hangs past our destruction ends harmlessly.
    std::thread([s = state_] { run(s); }).detach();
  }
  state_->cv.notify_one();
}

std::vector<Resolver::Result> Resolver::take() {
  std::lock_guard<std::mutex> lk(state_->m);
  std::vector<Result> out;
  out.swap(state_->results);
  return out;
}

void Resolver::run(const std::shared_ptr<State>& s) {
  std::unique_lock<std::mutex> lk(s->m);
  for (;;) {
    s->cv.wait(lk, [&] { return s->stop || !s->queue.empty(); });
    if (s->stop) return;
    auto [ticket, host] = std::move(s->queue.front());
    s->queue.pop_front();
    lk.unlock();
    Result r;
    r.ticket = ticket;
    r.addresses = s->fn(host, r.error);
    lk.lock();
    if (s->stop) return;
    s->results.push_back(std::move(r));
    if (s->notify) s->notify();
  }
}

}  // namespace ocpp::lws_transport
