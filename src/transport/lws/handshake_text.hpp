// Text of the WebSocket handshake and of the reasons the lws loop reports.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ocpp::lws_transport {

/// The value of an HTTP Basic Authorization header: "Basic " + base64(user ":" password).
std::string basic_authorization(std::string_view user, std::string_view password);
/// The strings joined with `sep` ("ocpp1.6,ocpp2.0.1").
std::string join(const std::vector<std::string>& v, std::string_view sep);
/// True if `hay` contains `needle`, ASCII case ignored.
bool contains_ci(std::string_view hay, std::string_view needle);
/// A size for a message: "1 MiB", "64 KiB", "1000 bytes".
std::string describe_size(std::size_t bytes);

}  // namespace ocpp::lws_transport
