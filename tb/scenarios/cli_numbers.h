// The one way a number typed on the hycim command line is read: golden::parse_u64, the parser of
// the environment variables and the chip files (decimal, or hexadecimal after 0x; no sign, no
// octal reading of a leading 0, nothing above 64 bits). CLI11 alone reads "--seed -1" as 2^64-1,
// a value over 2^64 as 2^64-1 and "010" as 8.
#pragma once

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "golden/core/parse.h"

namespace hycim::tb {

// A CLI11 transform for an unsigned option of at most `max`: refuses anything parse_u64 refuses
// and values above max, and hands CLI11 the number in plain decimal.
inline CLI::Validator unsigned_number(uint64_t max = std::numeric_limits<uint64_t>::max()) {
  return CLI::Validator(
      [max](std::string& s) -> std::string {
        const auto v = golden::parse_u64(s);
        if (!v) {
          return fmt::format(
              "'{}' is not an unsigned integer of at most 64 bits (decimal, or hexadecimal "
              "after 0x)",
              s);
        }
        if (*v > max) return fmt::format("'{}' is above the largest accepted value, {}", s, max);
        s = std::to_string(*v);
        return std::string();
      },
      "UINT", "unsigned");
}

}  // namespace hycim::tb
