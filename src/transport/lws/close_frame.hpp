// The loop's own WebSocket close frame (RFC 6455 §5.5.1).
//
// lws sends a close frame from lws_close_reason() and a -1 return, and then waits for the
// server's answer under a timeout in its sorted timer list, which lws 4.1 walks from the head on
// every insertion: a fleet's charge points closing together all wait at its tail, so destroying
// N of them cost O(N^2). The loop writes the frame itself instead, ends the connection when the
// server's close frame arrives, and keeps the close's grace time in its own timer heap.
#pragma once

#include <libwebsockets.h>

namespace ocpp::lws_transport {

// lws_write()'s opcode for a close frame. lws keeps it private (lib/roles/ws/
// private-lib-roles-ws.h, 4 from 2.x to 4.3). The tests of a clean close (the server hears
// 1000, 1007, 1009) fail if the value ever changes.
constexpr auto kLwsWriteClose = static_cast<lws_write_protocol>(4);

// Writes a close frame carrying `status` and no reason; false if the write failed.
inline bool write_close_frame(lws* wsi, lws_close_status status) {
  unsigned char buf[LWS_PRE + 2];
  buf[LWS_PRE] = static_cast<unsigned char>((status >> 8) & 0xff);
  buf[LWS_PRE + 1] = static_cast<unsigned char>(status & 0xff);
  return lws_write(wsi, buf + LWS_PRE, 2, kLwsWriteClose) >= 0;
}

}  // namespace ocpp::lws_transport
