// Golden model of requant_top (rtl/requant/): y = sat(rnd_shr(x * mult, shift, mode), 8) per
// element, the LFSR stepped once per element in stream order in RndMode::kStoch, and the
// configuration checks of a start (docs/blocks/requant.md).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hycim/golden/int_ops.h"

namespace hycim::golden {

struct RequantConfig {
  uint32_t len = 0;
  uint32_t shift = 0;
  uint32_t mult = 1;
  uint32_t mode = static_cast<uint32_t>(RndMode::kHalfUp);
  uint32_t seed = 1;
};

// ERR register bits of requant_top, one per illegal-configuration class.
enum RequantErr : uint32_t {
  kReqErrLenZero = 1u << 0,
  kReqErrLenTooBig = 1u << 1,
  kReqErrShiftTooBig = 1u << 2,
  kReqErrMultTooBig = 1u << 3,
  kReqErrBadMode = 1u << 4,
  kReqErrBadSeed = 1u << 5,
  kReqErrStartBusy = 1u << 6,
  kReqErrLastMismatch = 1u << 7,
};

inline constexpr uint32_t kRequantMaxShift = 47;
inline constexpr uint32_t kRequantMaxMult = 0xFFFF;

// ERR bits that a start with this configuration raises (0: legal).
uint32_t requant_config_errors(const RequantConfig& c, uint32_t max_len);

struct RequantResult {
  std::vector<int8_t> out;     // one per input element
  std::vector<uint8_t> sat;    // 1 where the element saturated
  std::vector<uint32_t> rand;  // the LFSR state used for each element (kStoch only)
  uint32_t sat_count = 0;
};

// Requantizes in[0 .. c.len). Throws hycim::Error on an illegal configuration or an input
// shorter than c.len.
RequantResult requant(const RequantConfig& c, std::span<const int32_t> in, uint32_t max_len);

}  // namespace hycim::golden
