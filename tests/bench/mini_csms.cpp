#include "mini_csms.hpp"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "bench_util.hpp"

namespace bench {
namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    die("cannot find a free port");
  ::close(fd);
  return ntohs(a.sin_port);
}

struct Session {
  std::string* rx;              // message being reassembled
  std::deque<std::string>* tx;  // replies waiting for a writable callback
};

std::string now_text() { return "2025-03-14T09:26:53.000Z"; }

// The CALLRESULT payload for an action.
std::string answer(MiniCsms* csms, const std::string& action, bool v201) {
  if (action == "BootNotification") {
    if (csms) csms->boots.fetch_add(1);
    return R"({"status":"Accepted","currentTime":")" + now_text() + R"(","interval":3600})";
  }
  if (action == "MeterValues") {
    if (csms) csms->meter_values.fetch_add(1);
    return "{}";
  }
  if (action == "StartTransaction")
    return R"({"transactionId":4242,"idTagInfo":{"status":"Accepted"}})";
  if (action == "StopTransaction") return R"({"idTagInfo":{"status":"Accepted"}})";
  if (action == "Authorize")
    return v201 ? R"({"idTokenInfo":{"status":"Accepted"}})"
                : R"({"idTagInfo":{"status":"Accepted"}})";
  if (action == "Heartbeat") return R"({"currentTime":")" + now_text() + R"("})";
  if (action == "DataTransfer") return R"({"status":"Accepted"})";
  return "{}";  // StatusNotification, FirmwareStatusNotification, DiagnosticsStatusNotification
}

}  // namespace

std::string csms_reply(const char* data, std::size_t len, bool v201, MiniCsms* counters) {
  rapidjson::Document d;
  d.Parse(data, len);
  if (d.HasParseError() || !d.IsArray() || d.Size() < 4 || !d[0].IsInt() || d[0].GetInt() != 2 ||
      !d[1].IsString() || !d[2].IsString())
    return {};
  if (counters) counters->calls.fetch_add(1);
  std::string reply = "[3,\"";
  reply.append(d[1].GetString(), d[1].GetStringLength());
  reply += "\",";
  reply += answer(counters, d[2].GetString(), v201);
  reply += "]";
  return reply;
}

namespace {

int server_cb(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  auto* s = static_cast<Session*>(user);
  switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
      s->rx = new std::string();
      s->tx = new std::deque<std::string>();
      break;
    case LWS_CALLBACK_CLOSED:
      delete s->rx;
      delete s->tx;
      s->rx = nullptr;
      s->tx = nullptr;
      break;
    case LWS_CALLBACK_RECEIVE: {
      if (!s->rx) break;
      s->rx->append(static_cast<const char*>(in), len);
      if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0) break;
      auto* csms = static_cast<MiniCsms*>(lws_context_user(lws_get_context(wsi)));
      const lws_protocols* proto = lws_get_protocol(wsi);
      const bool v201 = proto && proto->name && std::strcmp(proto->name, "ocpp2.0.1") == 0;
      std::string reply = csms_reply(s->rx->data(), s->rx->size(), v201, csms);
      s->rx->clear();
      if (reply.empty()) break;  // not a CALL (e.g. a CALLRESULT to us): nothing to answer
      s->tx->push_back(std::move(reply));
      lws_callback_on_writable(wsi);
      break;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
      if (!s->tx || s->tx->empty()) break;
      std::string& m = s->tx->front();
      std::vector<unsigned char> buf(LWS_PRE + m.size());
      std::memcpy(buf.data() + LWS_PRE, m.data(), m.size());
      if (lws_write(wsi, buf.data() + LWS_PRE, m.size(), LWS_WRITE_TEXT) <
          static_cast<int>(m.size()))
        return -1;
      s->tx->pop_front();
      if (!s->tx->empty()) lws_callback_on_writable(wsi);
      break;
    }
    default:
      break;
  }
  return 0;
}

const lws_protocols kServerProtocols[] = {
    {"ocpp1.6", server_cb, sizeof(Session), 65536, 0, nullptr, 0},
    // 2.0.1 stations: BootNotification, Heartbeat and the "{}" answers have the same shape.
    {"ocpp2.0.1", server_cb, sizeof(Session), 65536, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}  // namespace

MiniCsms::MiniCsms() {
  lws_set_log_level(LLL_ERR, nullptr);
  port_ = free_port();
  lws_context_creation_info info{};
  info.port = port_;
  info.iface = "127.0.0.1";
  info.protocols = kServerProtocols;
  info.user = this;
  info.options = 0;
  ctx_ = lws_create_context(&info);
  if (!ctx_) die("lws_create_context (server) failed");
  thread_ = std::thread([this] { run(); });
}

void MiniCsms::run() {
  while (!stop_.load()) lws_service(ctx_, 0);
}

MiniCsms::~MiniCsms() {
  stop_.store(true);
  lws_cancel_service(ctx_);
  thread_.join();
  lws_context_destroy(ctx_);
}

// ---------------------------------------------------------------- floor client

namespace {

struct FloorState {
  long count = 0;
  long sent = 0;
  long replies = 0;
  bool failed = false;
  bool done = false;
  std::string prefix, suffix, rx;
  void (*on_reply)(void*) = nullptr;
  void* arg = nullptr;
};

int client_cb(lws* wsi, lws_callback_reasons reason, void*, void* in, size_t len) {
  auto* st = static_cast<FloorState*>(lws_context_user(lws_get_context(wsi)));
  if (!st) return 0;
  switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      lws_callback_on_writable(wsi);
      break;
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
      if (st->sent > st->replies || st->sent >= st->count) break;
      std::string m = st->prefix + std::to_string(++st->sent) + st->suffix;
      std::vector<unsigned char> buf(LWS_PRE + m.size());
      std::memcpy(buf.data() + LWS_PRE, m.data(), m.size());
      if (lws_write(wsi, buf.data() + LWS_PRE, m.size(), LWS_WRITE_TEXT) <
          static_cast<int>(m.size()))
        return -1;
      break;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE: {
      st->rx.append(static_cast<const char*>(in), len);
      if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0) break;
      // A CALLRESULT: [3,"id",{...}]; parse it as the library would.
      rapidjson::Document d;
      d.Parse(st->rx.data(), st->rx.size());
      st->rx.clear();
      if (d.HasParseError() || !d.IsArray() || d.Size() != 3 || d[0].GetInt() != 3) {
        st->failed = true;
        st->done = true;
        return -1;
      }
      ++st->replies;
      if (st->on_reply) st->on_reply(st->arg);
      if (st->replies >= st->count) {
        st->done = true;
        return -1;  // close
      }
      lws_callback_on_writable(wsi);
      break;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      st->failed = true;
      st->done = true;
      break;
    case LWS_CALLBACK_CLIENT_CLOSED:
      st->done = true;
      break;
    default:
      break;
  }
  return 0;
}

const lws_protocols kClientProtocols[] = {
    {"ocpp1.6", client_cb, 0, 65536, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}  // namespace

double floor_client_exchange(const std::string& host, int port, long count,
                             const std::string& call_prefix, const std::string& call_suffix,
                             void (*on_reply)(void*), void* arg) {
  FloorState st;
  st.count = count;
  st.prefix = call_prefix;
  st.suffix = call_suffix;
  st.on_reply = on_reply;
  st.arg = arg;
  lws_context_creation_info info{};
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = kClientProtocols;
  info.user = &st;
  lws_context* ctx = lws_create_context(&info);
  if (!ctx) die("lws_create_context (client) failed");
  const auto t0 = Clock::now();
  lws_client_connect_info ci{};
  ci.context = ctx;
  ci.address = host.c_str();
  ci.port = port;
  ci.path = "/ocpp/FLOOR";
  ci.host = host.c_str();
  ci.origin = host.c_str();
  ci.protocol = "ocpp1.6";
  if (!lws_client_connect_via_info(&ci)) die("lws_client_connect_via_info failed");
  while (!st.done) lws_service(ctx, 0);
  const double t = seconds_since(t0);
  lws_context_destroy(ctx);
  if (st.failed || st.replies != count)
    die("floor client failed after " + std::to_string(st.replies) + " replies");
  return t;
}

}  // namespace bench
