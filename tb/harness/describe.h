// How a testbench value is written in a message: numbers as decimal and hex, structs through
// their str() member.
#pragma once

#include <fmt/format.h>

#include <string>
#include <type_traits>

namespace hycim::tb {

template <class T>
std::string describe(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "1" : "0";
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return fmt::format("{} (0x{:x})", static_cast<long long>(v), static_cast<U>(v));
  } else if constexpr (std::is_arithmetic_v<T>) {
    return fmt::format("{}", v);
  } else {
    return v.str();
  }
}

}  // namespace hycim::tb
