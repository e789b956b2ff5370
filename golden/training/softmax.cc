#include "golden/training/softmax.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "golden/core/check.h"
#include "golden/core/int_ops.h"

namespace hycim::golden {

int softmax_frac_bits(SoftmaxFormat f) { return f == SoftmaxFormat::kTraining ? 16 : 8; }

Recip recip(uint32_t s, const Luts& luts) {
  HYCIM_CHECK(s >= 1 && s < (1u << kSoftmaxSumBits), "S = {} outside 1 .. 2^27 - 1", s);
  HYCIM_CHECK(luts.recip_seed.size() == 128, "recip_seed has {} entries", luts.recip_seed.size());
  Recip r;
  r.k = std::bit_width(s) - 1;
  r.mn = s << (26 - r.k);
  r.y0 = luts.recip_seed[(r.mn >> 19) & 127u];
  const int64_t prod = int64_t{r.mn} * r.y0;  // UQ1.42
  r.t = static_cast<uint32_t>(rnd_shr(prod, 26));
  const int64_t two_minus = (int64_t{1} << 17) - r.t;  // UQ1.16, positive: t < 2^17
  HYCIM_CHECK(two_minus > 0, "Newton step: t = {} not below 2", r.t);
  r.y1 = static_cast<uint32_t>(rnd_shr(int64_t{r.y0} * two_minus, 16));
  return r;
}

SoftmaxFwd softmax_fwd(std::span<const int16_t> x, std::span<const uint8_t> keep, SoftmaxFormat fmt,
                       const Luts& luts) {
  const size_t n = x.size();
  HYCIM_CHECK(n >= 1 && n <= kSoftmaxMaxLen, "row length {} outside 1..{}", n, kSoftmaxMaxLen);
  HYCIM_CHECK(keep.empty() || keep.size() == n, "mask has {} entries for {} scores", keep.size(),
              n);
  HYCIM_CHECK(luts.exp2_frac.size() == 256, "exp2_frac has {} entries", luts.exp2_frac.size());
  auto kept = [&](size_t i) { return keep.empty() || keep[i] != 0; };
  SoftmaxFwd out;
  out.e.assign(n, 0);
  out.p.assign(n, 0);
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    if (!kept(i)) continue;
    out.max = any ? std::max(out.max, x[i]) : x[i];
    any = true;
  }
  if (!any) {
    out.empty = true;
    return out;
  }
  for (size_t i = 0; i < n; ++i) {
    if (!kept(i)) continue;
    const auto d = static_cast<uint32_t>(int32_t{out.max} - x[i]);  // 0..65535
    const uint32_t di = d >> 8;
    out.e[i] = di > 16 ? 0 : static_cast<uint16_t>(rnd_shr(luts.exp2_frac[d & 255u], di));
    out.sum += out.e[i];
  }
  out.r = recip(out.sum, luts);
  const int f = softmax_frac_bits(fmt);
  const auto shift = static_cast<unsigned>(out.r.k + 16 - f);
  for (size_t i = 0; i < n; ++i) {
    if (!kept(i)) continue;
    out.p[i] = static_cast<uint16_t>(usat(rnd_shr(int64_t{out.e[i]} * out.r.y1, shift), f));
  }
  return out;
}

SoftmaxBwd softmax_bwd(std::span<const uint16_t> p, std::span<const int16_t> g, unsigned ds_shift) {
  const size_t n = p.size();
  HYCIM_CHECK(n >= 1 && n <= kSoftmaxMaxLen, "row length {} outside 1..{}", n, kSoftmaxMaxLen);
  HYCIM_CHECK(g.size() == n, "{} gradients for {} probabilities", g.size(), n);
  HYCIM_CHECK(ds_shift <= 16, "ds_shift {} above 16", ds_shift);
  SoftmaxBwd out;
  for (size_t i = 0; i < n; ++i) out.dot += int64_t{p[i]} * g[i];
  out.ds.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t t = (int64_t{g[i]} << 16) - out.dot;
    out.ds[i] = static_cast<int16_t>(sat(rnd_shr(int64_t{p[i]} * t, 32 - ds_shift), 16));
  }
  return out;
}

std::vector<double> softmax_fwd_ref(std::span<const int16_t> x, std::span<const uint8_t> keep) {
  const size_t n = x.size();
  HYCIM_CHECK(keep.empty() || keep.size() == n, "mask size");
  auto kept = [&](size_t i) { return keep.empty() || keep[i] != 0; };
  double m = -INFINITY;
  for (size_t i = 0; i < n; ++i) {
    if (kept(i)) m = std::max(m, x[i] / 256.0);
  }
  std::vector<double> p(n, 0.0);
  if (m == -INFINITY) return p;
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (kept(i)) s += (p[i] = std::exp2(x[i] / 256.0 - m));
  }
  for (auto& v : p) v /= s;
  return p;
}

std::vector<double> softmax_bwd_ref(std::span<const double> p, std::span<const double> g) {
  HYCIM_CHECK(p.size() == g.size(), "sizes differ");
  double dot = 0.0;
  for (size_t i = 0; i < p.size(); ++i) dot += p[i] * g[i];
  std::vector<double> ds(p.size());
  for (size_t i = 0; i < p.size(); ++i) ds[i] = p[i] * (g[i] - dot);
  return ds;
}

}  // namespace hycim::golden
