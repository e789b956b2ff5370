// Parsing of the unsigned integers users type: seeds and cycles in environment variables,
// analog parameter files. Decimal, or hexadecimal after 0x; the whole string must be the number
// (no sign, no spaces, no octal reading of a leading 0) and it must fit 64 bits.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hycim::golden {

inline std::optional<uint64_t> parse_u64(std::string_view s) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  uint64_t v = 0;
  const char* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v, base);
  if (s.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

}  // namespace hycim::golden
