#include "frames.hpp"

namespace fleet {
namespace {

void skip_ws(std::string_view t, std::size_t& i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
}

bool expect(std::string_view t, std::size_t& i, char c) {
  skip_ws(t, i);
  if (i >= t.size() || t[i] != c) return false;
  ++i;
  return true;
}

bool string(std::string_view t, std::size_t& i, std::string_view& out) {
  if (!expect(t, i, '"')) return false;
  const std::size_t start = i;
  while (i < t.size() && t[i] != '"') {
    if (t[i] == '\\') return false;
    ++i;
  }
  if (i >= t.size()) return false;
  out = t.substr(start, i - start);
  ++i;
  return true;
}

}  // namespace

bool parse_head(std::string_view t, FrameHead& out) {
  std::size_t i = 0;
  if (!expect(t, i, '[')) return false;
  skip_ws(t, i);
  if (i >= t.size() || t[i] < '2' || t[i] > '4') return false;
  out.type = t[i++] - '0';
  if (!expect(t, i, ',') || !string(t, i, out.id)) return false;
  out.action = {};
  if (out.type == 2 && (!expect(t, i, ',') || !string(t, i, out.action))) return false;
  return true;
}

}  // namespace fleet
