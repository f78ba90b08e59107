#include "floor_fleet.hpp"

#include <libwebsockets.h>
#include <openssl/evp.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "bench_util.hpp"

namespace bench {

// Handshakes the floor has in progress at once (see boot()).
constexpr int kInFlight = 1000;

// Per connection: handed to lws as the wsi's user data.
struct Conn {
  int index;
  bool sent;
  bool replied;
  bool ended;
};

struct FloorFleet::State {
  std::vector<Conn> conns;  // sized before the first connect: the pointers stay valid
  int count = 0;
  int replies = 0;
  int failed = 0;
  bool wake = false;     // the idle timer fired
  std::string password;  // not empty: HTTP Basic auth on each upgrade
};

namespace {

// "Basic base64(FLOOR-<index>:<password>)", made per connection as a charge point makes its own.
std::string authorization(int index, const std::string& password) {
  const std::string credentials = "FLOOR-" + std::to_string(index) + ":" + password;
  std::string b64(4 * ((credentials.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                reinterpret_cast<const unsigned char*>(credentials.data()),
                                static_cast<int>(credentials.size()));
  b64.resize(static_cast<std::size_t>(n));
  return "Basic " + b64;
}

std::string boot_frame(int index) {
  return "[2,\"" + std::to_string(index) +
         R"(","BootNotification",{"chargePointVendor":"BenchVendor","chargePointModel":"BenchModel"}])";
}

int floor_cb(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  lws_context* ctx = lws_get_context(wsi);
  auto* st = ctx ? static_cast<FloorFleet::State*>(lws_context_user(ctx)) : nullptr;
  auto* c = static_cast<Conn*>(user);
  if (!st || !c) return 0;
  switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
      if (st->password.empty()) break;
      const std::string value = authorization(c->index, st->password);
      auto** p = static_cast<unsigned char**>(in);
      if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                       reinterpret_cast<const unsigned char*>(value.data()),
                                       static_cast<int>(value.size()), p, *p + len))
        return -1;
      break;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      lws_callback_on_writable(wsi);
      break;
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
      if (c->sent) break;
      const std::string m = boot_frame(c->index);
      std::vector<unsigned char> buf(LWS_PRE + m.size());
      std::memcpy(buf.data() + LWS_PRE, m.data(), m.size());
      if (lws_write(wsi, buf.data() + LWS_PRE, m.size(), LWS_WRITE_TEXT) <
          static_cast<int>(m.size()))
        return -1;
      c->sent = true;
      break;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE: {
      // One small CALLRESULT per connection: parsed as the library would.
      rapidjson::Document d;
      d.Parse(static_cast<const char*>(in), len);
      if (d.HasParseError() || !d.IsArray() || d.Size() != 3) ++st->failed;
      ++st->replies;
      c->replied = true;
      break;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      // The first one says why (a refused certificate, a 401...); the count says how many.
      if (st->failed == 0 && !c->ended)
        std::fprintf(stderr, "floor fleet: connection %d: %.*s\n", c->index, static_cast<int>(len),
                     in ? static_cast<const char*>(in) : "");
      break;
    case LWS_CALLBACK_WSI_DESTROY:
      if (!c->replied && !c->ended) ++st->failed;  // gone before its reply, however it ended
      c->ended = true;
      break;
    default:
      break;
  }
  return 0;
}

const lws_protocols kFloorProtocols[] = {
    {"ocpp1.6", floor_cb, 0, 0, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

struct IdleSul {
  lws_sorted_usec_list_t sul{};
  FloorFleet::State* st = nullptr;
  lws_context* ctx = nullptr;
};

void idle_fired(lws_sorted_usec_list_t* sul) {
  static_assert(std::is_standard_layout_v<IdleSul>);
  // As in the library's loop: lws 4.1 may go back to sleep after running a due sul.
  auto* s = reinterpret_cast<IdleSul*>(sul);
  s->st->wake = true;
  lws_cancel_service(s->ctx);
}

}  // namespace

FloorFleet::FloorFleet(const FloorOptions& options)
    : st_(new State), tls_(!options.ca_file.empty()) {
  st_->password = options.password;
  lws_set_log_level(LLL_ERR | LLL_WARN, nullptr);
  lws_context_creation_info info{};
  info.port = CONTEXT_PORT_NO_LISTEN;
  if (tls_) {
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.client_ssl_ca_filepath = options.ca_file.c_str();  // read while creating the context
  }
  info.protocols = kFloorProtocols;
  info.user = st_;
  info.gid = -1;
  info.uid = -1;
  ctx_ = lws_create_context(&info);
  if (!ctx_) die("lws_create_context (floor fleet) failed");
}

FloorFleet::~FloorFleet() {
  if (ctx_) lws_context_destroy(ctx_);
  delete st_;
}

double FloorFleet::boot(const std::string& host, int port, int count) {
  st_->count = count;
  st_->conns.assign(static_cast<std::size_t>(count), Conn{0, false, false, false});
  for (int i = 0; i < count; ++i) st_->conns[static_cast<std::size_t>(i)].index = i;
  const auto t0 = Clock::now();
  int next = 0;
  auto connect_more = [&] {
    // At most kInFlight handshakes at a time: opening all N at once overflows the CSMS's
    // accept queue (somaxconn), and SYNs retried after 1, 3, 7... s outlast lws's timeouts.
    while (next < count && next - (st_->replies + st_->failed) < kInFlight) {
      const std::string path = "/ocpp/FLOOR-" + std::to_string(next);
      const std::string host_header = host + ":" + std::to_string(port);
      lws_client_connect_info ci{};
      ci.context = ctx_;
      ci.address = host.c_str();
      ci.port = port;
      ci.path = path.c_str();
      ci.host = host_header.c_str();
      ci.origin = host.c_str();
      ci.protocol = "ocpp1.6";
      ci.ietf_version_or_minus_one = -1;
      ci.userdata = &st_->conns[static_cast<std::size_t>(next)];
      if (tls_) {
        ci.ssl_connection = LCCSCF_USE_SSL;
        ci.alpn = "http/1.1";  // as the library offers
      }
      if (!lws_client_connect_via_info(&ci))
        die("floor fleet: connect " + std::to_string(next) + " failed");
      ++next;
    }
  };
  connect_more();
  while (st_->replies + st_->failed < count) {
    lws_service(ctx_, 0);
    connect_more();
    if (seconds_since(t0) > 120)
      die("floor fleet: " + std::to_string(st_->replies) + " replies after 120 s");
  }
  const double t = seconds_since(t0);
  if (st_->failed) die("floor fleet: " + std::to_string(st_->failed) + " connections failed");
  return t;
}

void FloorFleet::idle(double seconds) {
  IdleSul s;
  s.st = st_;
  s.ctx = ctx_;
  st_->wake = false;
  lws_sul_schedule(ctx_, 0, &s.sul, idle_fired, static_cast<lws_usec_t>(seconds * 1e6));
  while (!st_->wake) lws_service(ctx_, 0);
}

double FloorFleet::close_all() {
  const auto t0 = Clock::now();
  lws_context_destroy(ctx_);
  ctx_ = nullptr;
  return seconds_since(t0);
}

}  // namespace bench
