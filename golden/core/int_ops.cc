#include "golden/core/int_ops.h"

#include <algorithm>

namespace hycim::golden {

std::string_view to_string(RndMode m) {
  switch (m) {
    case RndMode::kTrunc:
      return "trunc";
    case RndMode::kHalfUp:
      return "half_up";
    case RndMode::kHalfEven:
      return "half_even";
    case RndMode::kStoch:
      return "stoch";
  }
  return "invalid";
}

RndMode parse_rnd_mode(std::string_view name) {
  for (RndMode m : {RndMode::kTrunc, RndMode::kHalfUp, RndMode::kHalfEven, RndMode::kStoch}) {
    if (name == to_string(m)) return m;
  }
  throw Error(fmt::format("unknown rounding mode '{}' (trunc, half_up, half_even, stoch)", name));
}

int64_t rnd_shr(int64_t x, unsigned s, RndMode m, uint32_t rand) {
  HYCIM_CHECK(x > -(int64_t{1} << 62) && x < (int64_t{1} << 62), "|x| = {} must be below 2^62", x);
  if (s == 0) return x;
  // Written from the definitions with exact 128-bit floor division, independently of the RTL's
  // shift-and-mask form. Above 100 every mode's result no longer depends on s (|x| < 2^62 and
  // the random addend is below 2^32), so s is capped there to keep 2^s representable.
  const unsigned sc = std::min(s, 100u);
  const __int128 p = static_cast<__int128>(1) << sc;
  const __int128 xx = x;
  const __int128 q = xx >= 0 ? xx / p : -((-xx + p - 1) / p);  // floor(x / 2^s)
  const __int128 rem = xx - q * p;                             // in [0, 2^s)
  bool up = false;
  switch (m) {
    case RndMode::kTrunc:
      up = false;
      break;
    case RndMode::kHalfUp:
      up = 2 * rem >= p;
      break;
    case RndMode::kHalfEven:
      up = 2 * rem > p || (2 * rem == p && (q & 1) != 0);
      break;
    case RndMode::kStoch: {
      const __int128 r = sc >= 32 ? static_cast<__int128>(rand) : (rand & ((1u << sc) - 1u));
      up = rem + r >= p;
      break;
    }
  }
  return static_cast<int64_t>(q + (up ? 1 : 0));
}

}  // namespace hycim::golden
