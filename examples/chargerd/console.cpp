#include "console.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

namespace chargerd {

namespace {

std::mutex out_mutex;
int g_signal_pipe[2] = {-1, -1};

void on_signal(int) {
  g_quit = true;
  const char c = 'q';
  [[maybe_unused]] auto r = write(g_signal_pipe[1], &c, 1);
}

void read_stdin(const Executor& execute) {
  std::string line;
  while (std::getline(std::cin, line)) {
    auto reply = execute(line);
    if (!reply.empty()) emit_line(reply);
  }
  // End of input is not a request to stop: under a service manager stdin is empty.
}

void serve_control(const Executor& execute, const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || path.size() >= sizeof addr.sun_path) {
    std::fprintf(stderr, "ocpp-chargerd: cannot create control socket\n");
    return;
  }
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
    std::fprintf(stderr, "ocpp-chargerd: cannot listen on %s\n", path.c_str());
    ::close(fd);
    return;
  }
  while (!g_quit) {
    int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    std::thread([execute, c] {
      std::string buf;
      char tmp[512];
      for (;;) {
        ssize_t n = ::read(c, tmp, sizeof tmp);
        if (n <= 0) break;
        buf.append(tmp, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = buf.find('\n')) != std::string::npos) {
          std::string reply = execute(buf.substr(0, nl));
          buf.erase(0, nl + 1);
          if (reply.empty()) reply = R"({"event":"ok"})";
          reply += '\n';
          [[maybe_unused]] auto w = ::write(c, reply.data(), reply.size());
        }
      }
      ::close(c);
    }).detach();
  }
}

}  // namespace

std::atomic<bool> g_quit{false};

void emit_line(const std::string& line) {
  std::lock_guard<std::mutex> lk(out_mutex);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void str(Writer& w, const char* key, std::string_view v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

std::string error_json(const std::string& m) {
  return event_json("error", [&](Writer& w) { str(w, "message", m); });
}

void log_line(int level, const std::string& m) {
  static const char* const names[] = {"error", "warning", "info", "debug"};
  std::lock_guard<std::mutex> lk(out_mutex);
  std::fprintf(stderr, "ocpp-chargerd: %s: %s\n", names[level & 3], m.c_str());
}

void emit_connection(bool up, const std::string& reason) {
  if (up)
    emit("connected", [](Writer&) {});
  else
    emit("disconnected", [&](Writer& w) { str(w, "reason", reason); });
}

void emit_boot(std::string_view status, std::int32_t interval) {
  emit("boot", [&](Writer& w) {
    str(w, "status", status);
    w.Key("interval");
    w.Int(interval);
  });
}

void emit_frame(bool sent, const std::string& text) {
  emit("frame", [&](Writer& w) {
    str(w, "dir", sent ? "tx" : "rx");
    str(w, "text", text);
  });
}

void request_quit() { on_signal(0); }

bool install_signal_handlers() {
  if (::pipe(g_signal_pipe) != 0) return false;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return true;
}

void wait_for_quit(int ms) {
  pollfd p{g_signal_pipe[0], POLLIN, 0};
  ::poll(&p, 1, ms);
}

void Scheduler::at(std::chrono::milliseconds delay, std::function<void()> f) {
  std::lock_guard<std::mutex> lk(m_);
  jobs_.push_back({std::chrono::steady_clock::now() + delay, std::move(f)});
}

void Scheduler::run_due() {
  std::vector<std::function<void()>> due;
  {
    std::lock_guard<std::mutex> lk(m_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (it->first <= now) {
        due.push_back(std::move(it->second));
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& f : due) f();
}

Meter::Meter(std::string path, int connectors)
    : path_(std::move(path)), wh_(static_cast<std::size_t>(connectors) + 1, 0.0) {
  std::ifstream in(path_);
  for (std::size_t i = 1; i < wh_.size() && in; ++i) in >> wh_[i];
}

void Meter::set(int c, double v) {
  wh_[static_cast<std::size_t>(c)] = v;
  save();
}

void Meter::save() const {
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (std::size_t i = 1; i < wh_.size(); ++i) out << static_cast<long long>(wh_[i]) << '\n';
  }
  std::rename(tmp.c_str(), path_.c_str());
}

void serve_commands(Executor execute, const std::string& control) {
  auto shared = std::make_shared<Executor>(std::move(execute));
  std::thread([shared] { read_stdin(*shared); }).detach();
  if (!control.empty())
    std::thread([shared, control] { serve_control(*shared, control); }).detach();
}

}  // namespace chargerd
