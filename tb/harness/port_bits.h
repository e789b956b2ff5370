// Bit-field access to a Verilator port of any width: an integer up to 64 bits, or a VlWide above.
#pragma once

#include <verilated.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace hycim::tb {

// Bits [lsb, lsb + width) of a Verilator port (an integer up to 64 bits, a VlWide above), width
// <= 64.
template <class W>
inline uint64_t port_bits(const W& w, unsigned lsb, unsigned width) {
  if constexpr (std::is_integral_v<W>) {
    const uint64_t v = static_cast<uint64_t>(w) >> lsb;
    return width >= 64 ? v : v & ((uint64_t{1} << width) - 1);
  } else {
    uint64_t v = 0;
    for (unsigned got = 0; got < width;) {
      const unsigned bit = lsb + got;
      const unsigned n = std::min(width - got, 32 - bit % 32);
      const uint64_t word = (w[bit / 32] >> (bit % 32)) & ((uint64_t{1} << n) - 1);
      v |= word << got;
      got += n;
    }
    return v;
  }
}

template <class W>
inline void set_port_bits(W& w, unsigned lsb, unsigned width, uint64_t v) {
  if constexpr (std::is_integral_v<W>) {
    const uint64_t mask = (width >= 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1)) << lsb;
    w = static_cast<W>((static_cast<uint64_t>(w) & ~mask) | ((v << lsb) & mask));
  } else {
    for (unsigned i = 0; i < width; ++i) {
      const unsigned bit = lsb + i;
      const uint32_t m = 1u << (bit % 32);
      if ((v >> i) & 1) {
        w[bit / 32] |= m;
      } else {
        w[bit / 32] &= ~m;
      }
    }
  }
}

}  // namespace hycim::tb
