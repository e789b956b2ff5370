// Golden model of requant_top (rtl/core/requant/): y = sat(rnd_shr(x * mult, shift, mode), 8) per
// element, the LFSR stepped once per element in stream order in RndMode::kStoch, and the
// configuration checks of a start (docs/core/requant.md).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "golden/core/int_ops.h"
#include "regs/requant_top_regs.h"

namespace hycim::golden {

struct RequantConfig {
  uint32_t len = 0;
  uint32_t shift = 0;
  uint32_t mult = 1;
  uint32_t mode = static_cast<uint32_t>(RndMode::kHalfUp);
  uint32_t seed = 1;
};

// ERR register bits of requant_top, one per illegal-configuration class: the bits of the
// generated register map (rtl/core/requant/requant_top.regs.toml), so model and RTL cannot
// disagree.
enum RequantErr : uint32_t {
  kReqErrLenZero = regs::requant_top::kErrLenZero,
  kReqErrLenTooBig = regs::requant_top::kErrLenTooBig,
  kReqErrShiftTooBig = regs::requant_top::kErrShiftTooBig,
  kReqErrMultTooBig = regs::requant_top::kErrMultTooBig,
  kReqErrBadMode = regs::requant_top::kErrBadMode,
  kReqErrBadSeed = regs::requant_top::kErrBadSeed,
  kReqErrStartBusy = regs::requant_top::kErrStartBusy,
  kReqErrLastMismatch = regs::requant_top::kErrLastMismatch,
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
