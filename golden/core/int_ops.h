// Bit-exact integer primitives shared by every HyCIM golden block (docs/architecture.md section
// 1.4, docs/conventions.md "Rounding and saturation"): sign extension, saturation and the
// round-shift rnd_shr in its named modes. Integer arithmetic only: no floating point anywhere in
// these definitions.
//
// The RTL mirror is rtl/core/round_shift_sat.sv. Widths are template parameters where they are
// fixed by the hardware and function arguments where a register selects them.
#pragma once

#include <cstdint>
#include <string_view>

#include "golden/core/check.h"

namespace hycim::golden {

// Rounding modes. The numeric values are the RTL encoding (hycim_pkg::rnd_mode_e).
enum class RndMode : uint8_t {
  kTrunc = 0,     // floor(x / 2^s)
  kHalfUp = 1,    // floor((x + 2^(s-1)) / 2^s): ties toward +infinity (the spec's rnd_shr)
  kHalfEven = 2,  // nearest, ties to the even result
  kStoch = 3,     // floor((x + r) / 2^s), r = rand mod 2^min(s, 32)
};

std::string_view to_string(RndMode m);
// Parses "trunc", "half_up", "half_even", "stoch"; throws hycim::Error otherwise.
RndMode parse_rnd_mode(std::string_view name);

// Largest and smallest value of a signed W-bit integer.
constexpr int64_t smax(int w) { return (int64_t{1} << (w - 1)) - 1; }
constexpr int64_t smin(int w) { return -(int64_t{1} << (w - 1)); }
constexpr uint64_t umax(int w) { return w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1; }

// Interprets the low w bits of x as a two's complement number.
constexpr int64_t sext(uint64_t x, int w) {
  const uint64_t m = uint64_t{1} << (w - 1);
  const uint64_t low = x & umax(w);
  return static_cast<int64_t>((low ^ m) - m);
}
template <int W>
constexpr int64_t sext(uint64_t x) {
  static_assert(W >= 1 && W <= 64);
  return sext(x, W);
}

// Clamps x to the signed w-bit range.
constexpr int64_t sat(int64_t x, int w) {
  return x > smax(w) ? smax(w) : (x < smin(w) ? smin(w) : x);
}
template <int W>
constexpr int64_t sat(int64_t x) {
  static_assert(W >= 2 && W <= 63);
  return sat(x, W);
}
// True when sat(x, w) != x.
constexpr bool saturates(int64_t x, int w) { return x > smax(w) || x < smin(w); }

// Clamps x to the unsigned w-bit range [0, 2^w - 1].
constexpr uint64_t usat(int64_t x, int w) {
  return x < 0 ? 0 : (static_cast<uint64_t>(x) > umax(w) ? umax(w) : static_cast<uint64_t>(x));
}
template <int W>
constexpr uint64_t usat(int64_t x) {
  static_assert(W >= 1 && W <= 63);
  return usat(x, W);
}

// rnd_shr(x, s) in mode m, for |x| < 2^62 and any shift s >= 0; s = 0 is the identity.
// rand is used by RndMode::kStoch only.
int64_t rnd_shr(int64_t x, unsigned s, RndMode m, uint32_t rand = 0);

// The spec's default: round half up.
inline int64_t rnd_shr(int64_t x, unsigned s) { return rnd_shr(x, s, RndMode::kHalfUp); }

// rnd_shr for an input that the hardware holds in W bits: checks that x fits.
template <int W>
int64_t rnd_shr_w(int64_t x, unsigned s, RndMode m, uint32_t rand = 0) {
  static_assert(W >= 2 && W <= 62);
  HYCIM_CHECK(x >= smin(W) && x <= smax(W), "x = {} does not fit {} bits", x, W);
  return rnd_shr(x, s, m, rand);
}

}  // namespace hycim::golden
