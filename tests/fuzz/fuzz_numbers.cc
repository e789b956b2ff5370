// libFuzzer target: golden::parse_u64, the one parser of every number a user types (command-line
// options, environment variables, chip files). A differential test against a digit-by-digit
// reference written from the rule in golden/core/parse.h: decimal, or hexadecimal after 0x/0X;
// the whole string is the number, no sign, no spaces, and it fits 64 bits.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "golden/core/parse.h"

namespace {

std::optional<uint64_t> reference(std::string_view s) {
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  unsigned __int128 v = 0;
  for (const char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    v = v * base + d;
    if (v > UINT64_MAX) return std::nullopt;
  }
  return static_cast<uint64_t>(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  const auto got = hycim::golden::parse_u64(s);
  const auto want = reference(s);
  if (got != want) {
    std::fprintf(stderr, "fuzz_numbers: parse_u64(\"%s\") = %s, the reference says %s\n",
                 std::string(s).c_str(), got ? std::to_string(*got).c_str() : "refused",
                 want ? std::to_string(*want).c_str() : "refused");
    std::abort();
  }
  return 0;
}
