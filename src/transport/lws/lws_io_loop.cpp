// libwebsockets implementation of ocpp::IoLoop. Design notes: lws_io_loop.hpp.

#include "transport/lws/lws_io_loop.hpp"

#include <libwebsockets.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/utf8.hpp"
#include "ocpp/error.hpp"
#include "ocpp/transport.hpp"
#include "transport/lws/attempt_queue.hpp"
#include "transport/lws/close_frame.hpp"
#include "transport/lws/conn_state.hpp"
#include "transport/lws/connect_failure.hpp"
#include "transport/lws/handshake_text.hpp"
#include "transport/lws/timer_heap.hpp"
#include "transport/lws/tls_contexts.hpp"
#include "transport/lws/ws_url.hpp"

namespace ocpp {
namespace {

using Clock = std::chrono::steady_clock;
using lws_transport::contains_ci;
using lws_transport::describe_size;
using lws_transport::join;
using lws_transport::Resolver;
using lws_transport::WsUrl;

// lws's own stage timeouts (DNS, TCP connect, TLS, upgrade reply). Ours, from
// ConnectOptions::connect_timeout, normally fires first and gives the clearer reason; a
// timeout far beyond ours also keeps lws's sorted timer list short (see timer_heap.hpp).
constexpr int kLwsStageTimeoutSecs = 120;

// A clean close waits this long for the server's close acknowledgement before the socket
// is dropped anyway.
constexpr int kCloseGraceSecs = 5;

// Connection attempts in progress at once (attempt_queue.hpp).
constexpr std::size_t kMaxConnecting = 1000;

class LwsIoLoop;
using lws_transport::ConnState;
using lws_transport::Phase;

struct Event {
  enum Kind { open, message, close };
  std::shared_ptr<ConnState> st;
  Kind kind;
  std::string text;
  std::error_code ec;
};

int lws_client_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

// The sul that bounds one poll(). Standard layout with the sul first, so the callback can
// get back to the context from the sul pointer it is given.
struct WaitSul {
  lws_sorted_usec_list_t sul{};
  lws_context* ctx = nullptr;
};

// The sul may already be due when lws_service() looks at it, in which case lws runs it
// before computing its sleep and would then sleep until its own next timer; interrupting
// the wait makes that sleep end at once.
void wait_sul_fired(lws_sorted_usec_list_t* sul) {
  static_assert(std::is_standard_layout_v<WaitSul>);
  lws_cancel_service(reinterpret_cast<WaitSul*>(sul)->ctx);
}

class LwsConnection final : public Connection {
 public:
  explicit LwsConnection(std::shared_ptr<ConnState> st) : st_(std::move(st)) {}
  ~LwsConnection() override;
  std::error_code send(std::string_view text) override;
  void close() override;

 private:
  std::shared_ptr<ConnState> st_;
};

class LwsIoLoop final : public IoLoop {
 public:
  explicit LwsIoLoop(lws_transport::ResolveFn resolve) : resolve_(std::move(resolve)) {
    protocols_[0].name = "ocpp-lws-client";
    protocols_[0].callback = lws_client_callback;
    // Zero keeps lws's validity pings off; ours run from LWS_CALLBACK_TIMER.
    retry_.secs_since_valid_ping = 0;
    retry_.secs_since_valid_hangup = 0;
  }

  bool init() {
    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.gid = -1;
    info.uid = -1;
    info.user = this;
    info.timeout_secs = kLwsStageTimeoutSecs;
    loop_fds_ = static_cast<long>(getdtablesize());  // what lws sizes its descriptor table by
    ctx_ = lws_create_context(&info);
    if (!ctx_) return false;
    wait_sul_.ctx = ctx_;
    tls_ = std::make_unique<lws_transport::TlsContexts>(ctx_, protocols_);

    lws_context_creation_info vi;
    std::memset(&vi, 0, sizeof vi);
    vi.port = CONTEXT_PORT_NO_LISTEN;
    vi.protocols = protocols_;
    vi.vhost_name = "ocpp-ws";
    plain_vhost_ = lws_create_vhost(ctx_, &vi);
    return plain_vhost_ != nullptr;
  }

  ~LwsIoLoop() override {
    resolver_.reset();  // no more wake-ups of a context about to go
    destroying_ = true;
    resolving_.clear();
    for (auto& [raw, st] : live_) st->loop = nullptr;
    for (auto& st : pending_.queued()) st->loop = nullptr;
    pending_.clear();
    if (ctx_) {
      lws_sul_cancel(&wait_sul_.sul);
      lws_context_destroy(ctx_);
      ctx_ = nullptr;
    }
    for (auto& [raw, st] : live_) st->wsi = nullptr;
    live_.clear();
    events_.clear();
    tls_.reset();  // after the context, which destroyed the vhosts
  }

  std::unique_ptr<Connection> connect(const ConnectOptions& options,
                                      TransportEvents& events) override {
    auto st = std::make_shared<ConnState>();
    st->loop = this;
    st->events = &events;
    st->tls.ca_file = options.ca_file;
    st->tls.ca_pem = options.ca_pem;
    st->tls.cert_file = options.client_cert_file;
    st->tls.key_file = options.client_key_file;
    st->tls.cipher_list = options.tls_cipher_list;
    st->offered_list = options.subprotocols;
    st->offered = join(options.subprotocols, ",");
    st->ping_interval = options.ping_interval;
    st->max_message =
        options.max_message_size > 0 ? options.max_message_size : kDefaultMaxMessageSize;
    st->connect_timeout =
        options.connect_timeout.count() > 0 ? options.connect_timeout : std::chrono::seconds{30};
    if (options.basic_auth_user) {
      st->authorization = lws_transport::basic_authorization(
          *options.basic_auth_user, options.basic_auth_password.value_or(""));
    }
    auto url = lws_transport::parse_ws_url(options.url);
    live_.emplace(st.get(), st);
    if (!url) {
      report_close(*st, Errc::transport_error, "invalid URL: " + options.url);
      forget(*st);
      return std::make_unique<LwsConnection>(st);
    }
    st->url = std::move(*url);
    st->host_header = lws_transport::host_header(st->url);
    pending_.push(st);
    return std::make_unique<LwsConnection>(st);
  }

  void poll(std::chrono::milliseconds max_wait) override {
    const auto deadline = Clock::now() + max_wait;
    for (;;) {
      collect_resolved();
      start_pending();
      timers_.run_due(Clock::now(), timer_slot, [this](ConnState& st) { on_timer(st); });
      const bool ready = !events_.empty() || woken_.exchange(false);
      auto until = deadline;
      if (auto t = timers_.next(timer_slot)) until = std::min(until, *t);
      const auto remaining =
          std::chrono::duration_cast<std::chrono::microseconds>(until - Clock::now());
      if (ready || remaining.count() <= 0) {
        lws_service(ctx_, -1);
      } else {
        lws_sul_schedule(ctx_, 0, &wait_sul_.sul, wait_sul_fired, remaining.count());
        lws_service(ctx_, 0);
        lws_sul_cancel(&wait_sul_.sul);
      }
      const bool delivered = dispatch();
      tls_->collect();  // outside lws callbacks: vhosts may be destroyed here
      if (ready || delivered || woken_.exchange(false) || Clock::now() >= deadline) return;
      // Woken for a timer of ours: the next round runs it.
    }
  }

  void wake() override {
    woken_.store(true);
    lws_cancel_service(ctx_);
  }

  std::size_t active_connections() const override { return live_.size(); }
  std::size_t tls_context_count() const { return tls_ ? tls_->size() : 0; }

  // --- used by LwsConnection ---

  std::error_code send(ConnState& st, std::string_view text) {
    if (st.phase != Phase::open || st.close_requested || st.close_reported || !st.wsi) {
      return make_error_code(Errc::transport_error);
    }
    if (st.tx_bytes + text.size() > 4 * st.max_message) {
      // The peer does not read what we send; queueing more would only grow memory.
      report_close(st, Errc::transport_error, "send queue full: the server does not read");
      st.phase = Phase::closing;
      lws_callback_on_writable(st.wsi);
      arm(st, std::chrono::seconds(kCloseGraceSecs));
      return make_error_code(Errc::transport_error);
    }
    std::vector<unsigned char> buf(LWS_PRE + text.size());
    std::memcpy(buf.data() + LWS_PRE, text.data(), text.size());
    st.tx.push_back(std::move(buf));
    st.tx_bytes += text.size();
    lws_callback_on_writable(st.wsi);
    return {};
  }

  void close(ConnState& st) {
    if (st.close_requested || st.close_reported) return;
    st.close_requested = true;
    switch (st.phase) {
      case Phase::pending:
      case Phase::resolving:
        drop_pending(st);
        st.phase = Phase::done;
        report_close(st, {}, "closed by client");
        forget(st);  // the handle still owns st
        break;
      case Phase::connecting:
        kill(st);
        break;
      case Phase::open:
        if (st.wsi) {
          lws_callback_on_writable(st.wsi);
          arm(st, std::chrono::seconds(kCloseGraceSecs));
        }
        break;
      case Phase::closing:
      case Phase::done:
        break;
    }
  }

  void detach(ConnState& st) {
    st.events = nullptr;
    st.detached = true;
    switch (st.phase) {
      case Phase::pending:
      case Phase::resolving:
        drop_pending(st);
        forget(st);
        break;
      case Phase::connecting:
        kill(st);
        break;
      case Phase::open:
      case Phase::closing:
        if (st.wsi && !st.close_sent) {
          lws_callback_on_writable(st.wsi);
          arm(st, std::chrono::seconds(kCloseGraceSecs));
        }
        break;
      case Phase::done:
        break;
    }
  }

  // --- lws callback ---

  int on_callback(lws* wsi, lws_callback_reasons reason, ConnState* st, void* in, size_t len) {
    if (!st) return 0;
    const std::shared_ptr<ConnState> keep = st->shared_from_this();  // forget() may drop it
    const int r = on_event(wsi, reason, st, in, len);
    settle(*st);
    return r;
  }

  int on_event(lws* wsi, lws_callback_reasons reason, ConnState* st, void* in, size_t len) {
    switch (reason) {
      case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        if (st->detached) return -1;
        if (st->authorization.empty()) return 0;
        auto** p = static_cast<unsigned char**>(in);
        if (lws_add_http_header_by_token(
                wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                reinterpret_cast<const unsigned char*>(st->authorization.data()),
                static_cast<int>(st->authorization.size()), p, *p + len)) {
          return -1;
        }
        return 0;
      }

      case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH: {
        if (st->detached || st->close_requested) return -1;
        const int n = lws_hdr_total_length(wsi, WSI_TOKEN_PROTOCOL);
        std::string selected;
        if (n > 0) {
          selected.resize(static_cast<std::size_t>(n) + 1);
          const int c = lws_hdr_copy(wsi, selected.data(), n + 1, WSI_TOKEN_PROTOCOL);
          selected.resize(c > 0 ? static_cast<std::size_t>(c) : 0);
        }
        if (selected.empty() || std::find(st->offered_list.begin(), st->offered_list.end(),
                                          selected) == st->offered_list.end()) {
          report_subprotocol_rejected(*st);
          return -1;
        }
        st->selected = std::move(selected);
        return 0;
      }

      case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (st->detached || st->close_requested) return -1;
        st->phase = Phase::open;
        if (st->ping_interval.count() > 0) {
          arm(*st, st->ping_interval);  // replaces the connect timeout
        } else {
          timers_.disarm(st->timer);
        }
        queue(*st, Event::open, st->selected);
        return 0;

      case LWS_CALLBACK_CLIENT_RECEIVE: {
        // After a close (asked for, or reported by the transport) what still arrives is
        // discarded until the server's close frame or the end of the grace time.
        if (st->detached || st->close_sent || st->close_reported) return 0;
        st->ping_outstanding = false;
        if (st->rx.size() + len > st->max_message) {
          fail_connection(wsi, *st, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                          "incoming message exceeds " + describe_size(st->max_message));
          return 0;
        }
        st->rx.append(static_cast<const char*>(in), len);
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
          // RFC 6455 §8.1: a text message that is not UTF-8 MUST fail the connection (1007).
          // Checked on the whole message: a sequence may be split across fragments (§5.6).
          if (!lws_frame_is_binary(wsi) && !core::valid_utf8(st->rx)) {
            fail_connection(wsi, *st, LWS_CLOSE_STATUS_INVALID_PAYLOAD,
                            "incoming text message is not valid UTF-8");
            return 0;
          }
          std::string msg;
          msg.swap(st->rx);
          queue(*st, Event::message, std::move(msg));
        }
        return 0;
      }

      case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        st->ping_outstanding = false;
        return 0;

      case LWS_CALLBACK_CLIENT_WRITEABLE: {
        // A close the host asked for (close() or a dropped handle) goes out after the frames
        // it queued before it, within the close's grace time: the answer to the CALL whose
        // handling made the host reconnect (CertificateSigned.conf, ChangeConfiguration.conf
        // of SecurityProfile) must reach the CSMS. A close the transport reported itself
        // (a dead or non-reading peer) sends nothing more.
        const bool closing = st->detached || st->close_requested;
        if (st->close_sent) return 0;
        if (st->close_reported || (closing && st->tx.empty())) return send_close(wsi, *st);
        if (st->ping_due && !closing) {
          st->ping_due = false;
          unsigned char buf[LWS_PRE + 1];
          if (lws_write(wsi, buf + LWS_PRE, 0, LWS_WRITE_PING) < 0) {
            report_close(*st, Errc::transport_error, "write failed");
            return -1;
          }
        } else if (!st->tx.empty()) {
          std::vector<unsigned char> buf = std::move(st->tx.front());
          st->tx.pop_front();
          st->tx_bytes -= buf.size() - LWS_PRE;
          // lws keeps whatever the socket does not take and flushes it before the next
          // WRITEABLE, so one lws_write per message preserves order for any size.
          if (lws_write(wsi, buf.data() + LWS_PRE, buf.size() - LWS_PRE, LWS_WRITE_TEXT) < 0) {
            report_close(*st, Errc::transport_error, "write failed");
            return -1;
          }
        }
        if (st->ping_due || !st->tx.empty() || closing) lws_callback_on_writable(wsi);
        return 0;
      }

      case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        const auto* p = static_cast<const unsigned char*>(in);
        std::string r = "server closed the connection";
        if (p && len >= 2) {
          r += " (code " + std::to_string((p[0] << 8) | p[1]);
          if (len > 2) r += ": " + std::string(reinterpret_cast<const char*>(p + 2), len - 2);
          r += ")";
        }
        st->peer_close = std::move(r);
        // The answer to our close frame (or a close of the server's crossing it): the
        // handshake is complete and the socket goes (RFC 6455 §5.5.1). Without a close frame
        // of ours lws answers the server's and then drops the socket.
        return st->close_sent ? -1 : 0;
      }

      case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        if (st->phase == Phase::connecting && !st->close_requested && !st->detached &&
            st->address_index + 1 < st->addresses.size()) {
          st->retry_next_address = true;  // WSI_DESTROY (or start()) queues the next attempt
          return 0;
        }
        st->phase = Phase::done;
        if (st->close_requested) {
          report_close(*st, {}, "closed by client");
          return 0;
        }
        std::string cce = in ? std::string(static_cast<const char*>(in),
                                           strnlen(static_cast<const char*>(in), len ? len : 256))
                             : std::string();
        while (!cce.empty() && (cce.back() == '\n' || cce.back() == '\0')) cce.pop_back();
        if (contains_ci(cce, "PROTOCOL malformed")) {
          report_subprotocol_rejected(*st);
        } else if (!report_shortage(*st)) {
          const auto [code, reason] = lws_transport::describe(
              {st->url.tls, cce, st->server_cert_error, lws_transport::last_tls_alert(),
               static_cast<const void*>(lws_get_ssl(wsi)), lws_http_client_http_response(wsi)});
          report_close(*st, code, reason);
        }
        return 0;
      }

      case LWS_CALLBACK_CLIENT_CLOSED:
        st->phase = Phase::done;
        if (st->close_requested) {
          report_close(*st, {}, "closed by client");
        } else if (!st->peer_close.empty()) {
          report_close(*st, Errc::transport_error, st->peer_close);
        } else {
          report_close(*st, Errc::transport_error, "connection lost");
        }
        return 0;

      case LWS_CALLBACK_WSI_DESTROY: {
        st->wsi = nullptr;
        if (st->retry_next_address) {
          next_address(*st);
          return 0;
        }
        const bool never_connected = st->phase == Phase::connecting;
        st->phase = Phase::done;
        if (st->close_requested) {
          report_close(*st, {}, "closed by client");
        } else {
          // lws gives up on an attempt without a connection error when it gets no socket.
          if (never_connected) report_shortage(*st);
          report_close(*st, Errc::transport_error, "connection closed");
        }
        forget(*st);  // st may be gone after this line
        return 0;
      }

      default:
        return 0;
    }
  }

 private:
  void queue(ConnState& st, Event::Kind kind, std::string text, std::error_code ec = {}) {
    if (destroying_ || st.close_reported || !st.events) return;
    events_.push_back(Event{st.shared_from_this(), kind, std::move(text), ec});
  }

  void report_close(ConnState& st, std::error_code ec, std::string reason) {
    if (st.close_reported) return;
    queue(st, Event::close, std::move(reason), ec);
    st.close_reported = true;
    st.tx.clear();
    st.tx_bytes = 0;
  }

  // Our own close frame (close_frame.hpp); the grace time was armed when the close was asked
  // for (close(), detach(), fail_connection(), a full send queue).
  int send_close(lws* wsi, ConnState& st) {
    st.close_sent = true;
    st.phase = Phase::closing;
    return lws_transport::write_close_frame(wsi, st.close_status) ? 0 : -1;
  }

  // Fails the connection from inside the receive callback. Returning -1 there makes lws 4.1
  // close the wsi inside its rx parser, which then goes on with the freed connection (double
  // free); the close frame with `status` goes out from the next WRITEABLE instead, and whatever
  // else arrives is discarded (close_reported).
  void fail_connection(lws* wsi, ConnState& st, lws_close_status status, std::string reason) {
    st.rx.clear();
    st.rx.shrink_to_fit();
    report_close(st, Errc::transport_error, std::move(reason));
    st.phase = Phase::closing;
    st.close_status = status;
    lws_callback_on_writable(wsi);
    arm(st, std::chrono::seconds(kCloseGraceSecs));
  }

  void arm(ConnState& st, Clock::duration after) {
    timers_.arm(st.shared_from_this(), st.timer, Clock::now() + after);
  }
  static std::uint64_t& timer_slot(ConnState& st) { return st.timer; }

  // A connection's deadline, on the runner thread outside lws callbacks: the connect timeout,
  // the next ping or pong check, or the end of a close's grace time.
  void on_timer(ConnState& st) {
    if (!st.wsi) return;
    if (st.detached || st.close_requested || st.close_reported || st.phase == Phase::closing) {
      kill(st);  // the close's grace time is over
      return;
    }
    if (st.phase == Phase::connecting) {
      report_close(st, Errc::transport_error, "connect timeout");
      kill(st);
      return;
    }
    if (st.phase != Phase::open || st.ping_interval.count() <= 0) return;
    const auto now = Clock::now();
    if (st.ping_outstanding) {
      if (now - st.ping_sent >= 2 * st.ping_interval) {
        report_close(st, Errc::transport_error, "pong timeout");
        st.phase = Phase::closing;
        kill(st);
        return;
      }
    } else {
      st.ping_outstanding = true;
      st.ping_due = true;
      st.ping_sent = now;
      lws_callback_on_writable(st.wsi);
    }
    arm(st, st.ping_interval);
  }

  // Drops the socket at lws's next service. A timeout of 0 s goes in at the head of lws's
  // sorted list: O(1), unlike a timeout in the future.
  static void kill(ConnState& st) {
    if (st.wsi) lws_set_timeout(st.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  }

  // A failed attempt for want of descriptors or memory is reported as such; false if the
  // process is short of neither.
  bool report_shortage(ConnState& st) {
    const std::string r = lws_transport::resource_shortage(loop_fds_);
    if (r.empty()) return false;
    report_close(st, Errc::resource_exhausted, "cannot connect: " + r);
    return true;
  }

  void report_subprotocol_rejected(ConnState& st) {
    report_close(
        st, Errc::subprotocol_rejected,
        "server did not select " + (st.offered_list.empty() ? std::string("a subprotocol")
                                                            : join(st.offered_list, " or ")));
  }

  void drop_pending(ConnState& st) {
    if (st.phase == Phase::resolving) resolving_.erase(st.ticket);
    pending_.remove(st);
  }

  // At most kMaxConnecting attempts at a time (attempt_queue.hpp).
  void start_pending() {
    if (pending_.empty()) return;
    for (auto& st : pending_.take()) start(st);
  }

  // Counts the attempt out once it is no longer connecting.
  void settle(ConnState& st) {
    if (st.phase == Phase::connecting || !pending_.finished(st)) return;
    if (!pending_.empty()) woken_.store(true);  // room for the next: poll() returns to start it
  }

  void start(const std::shared_ptr<ConnState>& st) {
    if (st->addresses.empty()) {
      if (!lws_transport::is_ip_literal(st->url.host)) {
        begin_resolve(st);
        return;
      }
      st->addresses.push_back(st->url.host);
    }
    lws_vhost* vh = plain_vhost_;
    if (st->url.tls) {
      std::string error;
      if (st->tls_id) tls_->release(st->tls_id);  // the next address: the files are read again
      st->tls_id = 0;
      vh = tls_->acquire(st->tls, st->tls_id, error);
      if (!vh) {
        st->phase = Phase::done;
        report_close(*st, Errc::tls_error, error);
        forget(*st);
        return;
      }
    }
    lws_client_connect_info ci;
    std::memset(&ci, 0, sizeof ci);
    ci.context = ctx_;
    ci.vhost = vh;
    ci.address = st->addresses[st->address_index].c_str();
    ci.port = st->url.port;
    ci.ssl_connection = st->url.tls ? LCCSCF_USE_SSL : 0;
    ci.path = st->url.path.c_str();
    ci.host = st->host_header.c_str();
    ci.protocol = st->offered.empty() ? nullptr : st->offered.c_str();
    ci.local_protocol_name = protocols_[0].name;
    ci.ietf_version_or_minus_one = -1;
    ci.userdata = st.get();
    ci.alpn = "http/1.1";  // lws 4.1 cannot run a client WebSocket over h2
    ci.retry_and_idle_policy = &retry_;

    st->phase = Phase::connecting;
    lws* wsi = lws_client_connect_via_info(&ci);
    if (!wsi) {
      if (st->phase == Phase::pending) return;  // failed at once; the next address is queued
      if (st->retry_next_address) {
        next_address(*st);
        return;
      }
      st->phase = Phase::done;
      report_shortage(*st);
      report_close(*st, Errc::transport_error, "connection failed: " + st->url.host);
      forget(*st);
      return;
    }
    st->wsi = wsi;
    if (st->phase == Phase::connecting) {
      arm(*st, st->connect_timeout);
      pending_.started(*st);
    }
  }

  void begin_resolve(const std::shared_ptr<ConnState>& st) {
    if (!resolver_) resolver_ = std::make_unique<Resolver>([this] { wake(); }, resolve_);
    st->phase = Phase::resolving;
    st->ticket = ++next_ticket_;
    st->resolve_deadline = Clock::now() + st->connect_timeout;
    resolving_.emplace(st->ticket, st);
    resolver_->request(st->ticket, st->url.host);
  }

  void collect_resolved() {
    if (resolving_.empty()) return;
    for (auto& r : resolver_->take()) {
      auto it = resolving_.find(r.ticket);
      if (it == resolving_.end()) continue;  // closed or destroyed meanwhile
      auto st = it->second;
      resolving_.erase(it);
      if (r.addresses.empty()) {
        fail(*st, "cannot resolve " + st->url.host + ": " + r.error);
        continue;
      }
      st->addresses = std::move(r.addresses);
      st->address_index = 0;
      start(st);
    }
    const auto now = Clock::now();
    for (auto it = resolving_.begin(); it != resolving_.end();) {
      auto st = it->second;
      if (now < st->resolve_deadline) {
        ++it;
        continue;
      }
      it = resolving_.erase(it);
      fail(*st, "connect timeout (resolving " + st->url.host + ")");
    }
  }

  void fail(ConnState& st, std::string reason) {
    st.phase = Phase::done;
    report_close(st, Errc::transport_error, std::move(reason));
    forget(st);  // st may be gone after this line
  }

  // The loop is done with st: a handle that outlives the loop must not reach back into it.
  void forget(ConnState& st) {
    timers_.disarm(st.timer);
    pending_.finished(st);
    if (st.tls_id) tls_->release(st.tls_id);
    st.tls_id = 0;
    st.loop = nullptr;
    live_.erase(&st);  // st may be gone after this line
  }

  void next_address(ConnState& st) {
    st.retry_next_address = false;
    ++st.address_index;
    st.phase = Phase::pending;
    pending_.push(st.shared_from_this());
  }

  bool dispatch() {
    if (events_.empty()) return false;
    std::vector<Event> batch;
    batch.swap(events_);
    for (auto& e : batch) {
      TransportEvents* ev = e.st->events;
      if (!ev) continue;
      switch (e.kind) {
        case Event::open:
          ev->on_open(e.text);
          break;
        case Event::message:
          ev->on_message(e.text);
          break;
        case Event::close:
          e.st->events = nullptr;
          ev->on_close(e.ec, e.text);
          break;
      }
    }
    return true;
  }

  lws_transport::ResolveFn resolve_;
  std::unique_ptr<Resolver> resolver_;
  std::unordered_map<std::uint64_t, std::shared_ptr<ConnState>> resolving_;
  std::uint64_t next_ticket_ = 0;
  lws_context* ctx_ = nullptr;
  long loop_fds_ = 0;  // the size of lws's descriptor table
  lws_protocols protocols_[2]{};
  lws_retry_bo_t retry_{};
  lws_vhost* plain_vhost_ = nullptr;
  std::unique_ptr<lws_transport::TlsContexts> tls_;
  std::unordered_map<ConnState*, std::shared_ptr<ConnState>> live_;
  lws_transport::AttemptQueue<ConnState> pending_{kMaxConnecting};
  std::vector<Event> events_;
  lws_transport::TimerHeap<ConnState> timers_;
  WaitSul wait_sul_;
  std::atomic<bool> woken_{false};
  bool destroying_ = false;
};

int lws_client_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  if (reason == LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION) {
    // Here `user` is OpenSSL's X509_STORE_CTX and `len` preverify_ok; the connection's state
    // is the wsi's user data. Returning 0 keeps OpenSSL's verdict.
    auto* st = static_cast<ConnState*>(lws_wsi_user(wsi));
    if (st && len == 0 && user && st->server_cert_error.empty()) {
      auto* x509_ctx = static_cast<X509_STORE_CTX*>(user);
      st->server_cert_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(x509_ctx));
    }
    return 0;
  }
  lws_context* ctx = lws_get_context(wsi);
  auto* loop = ctx ? static_cast<LwsIoLoop*>(lws_context_user(ctx)) : nullptr;
  if (!loop) return 0;
  return loop->on_callback(wsi, reason, static_cast<ConnState*>(user), in, len);
}

LwsConnection::~LwsConnection() {
  if (st_->loop) {
    static_cast<LwsIoLoop*>(st_->loop)->detach(*st_);
  } else {
    st_->events = nullptr;
    st_->detached = true;
  }
}

std::error_code LwsConnection::send(std::string_view text) {
  if (!st_->loop) return make_error_code(Errc::transport_error);
  return static_cast<LwsIoLoop*>(st_->loop)->send(*st_, text);
}

void LwsConnection::close() {
  if (st_->loop) static_cast<LwsIoLoop*>(st_->loop)->close(*st_);
}

}  // namespace

std::unique_ptr<IoLoop> make_lws_io_loop() { return lws_transport::make_lws_io_loop(nullptr); }

std::size_t lws_transport::tls_context_count(IoLoop& loop) {
  if (typeid(loop) != typeid(LwsIoLoop)) return 0;
  return static_cast<LwsIoLoop&>(loop).tls_context_count();
}

std::unique_ptr<IoLoop> lws_transport::make_lws_io_loop(ResolveFn resolve) {
  auto loop = std::make_unique<LwsIoLoop>(resolve ? std::move(resolve) : ResolveFn(system_resolve));
  if (!loop->init()) return nullptr;
  return loop;
}

}  // namespace ocpp
