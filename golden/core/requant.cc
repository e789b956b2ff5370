#include "golden/core/requant.h"

#include "golden/core/lfsr.h"

namespace hycim::golden {

uint32_t requant_config_errors(const RequantConfig& c, uint32_t max_len) {
  uint32_t e = 0;
  if (c.len == 0) e |= kReqErrLenZero;
  if (c.len > max_len) e |= kReqErrLenTooBig;
  if (c.shift > kRequantMaxShift) e |= kReqErrShiftTooBig;
  if (c.mult > kRequantMaxMult) e |= kReqErrMultTooBig;
  if (c.mode > 3) e |= kReqErrBadMode;
  if (c.mode == static_cast<uint32_t>(RndMode::kStoch) && c.seed == 0) e |= kReqErrBadSeed;
  return e;
}

RequantResult requant(const RequantConfig& c, std::span<const int32_t> in, uint32_t max_len) {
  const uint32_t err = requant_config_errors(c, max_len);
  HYCIM_CHECK(err == 0, "illegal configuration, ERR = {:#x}", err);
  HYCIM_CHECK(in.size() >= c.len, "{} input elements for len = {}", in.size(), c.len);
  const auto mode = static_cast<RndMode>(c.mode);
  RequantResult r;
  r.out.reserve(c.len);
  r.sat.reserve(c.len);
  // The LFSR exists (and steps) only in stochastic mode; elsewhere rand is unused.
  Lfsr32 lfsr(mode == RndMode::kStoch ? c.seed : 1u);
  for (uint32_t i = 0; i < c.len; ++i) {
    const int64_t prod = int64_t{in[i]} * int64_t{c.mult};
    const uint32_t rnd = lfsr.state();
    const int64_t y = rnd_shr(prod, c.shift, mode, rnd);
    const bool s = saturates(y, 8);
    r.out.push_back(static_cast<int8_t>(sat(y, 8)));
    r.sat.push_back(s ? 1 : 0);
    r.sat_count += s ? 1 : 0;
    if (mode == RndMode::kStoch) {
      r.rand.push_back(rnd);
      lfsr.step();
    }
  }
  return r;
}

}  // namespace hycim::golden
