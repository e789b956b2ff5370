#include "golden/attention/topk.h"

#include <algorithm>
#include <array>

#include "golden/core/check.h"

namespace hycim::golden {

TopkResult topk_select(std::span<const int16_t> r, std::span<const uint8_t> valid, uint32_t k,
                       uint32_t row, bool force_first, bool force_diag) {
  const size_t s = r.size();
  HYCIM_CHECK(s >= 1, "a row of no keys");
  HYCIM_CHECK(valid.size() == s, "{} scores but {} valid flags", s, valid.size());
  HYCIM_CHECK(k >= 1 && k <= s, "k = {} outside 1..S = {}", k, s);
  HYCIM_CHECK(k >= static_cast<uint32_t>(force_first) + static_cast<uint32_t>(force_diag),
              "k = {} below the number of forced-keep enables", k);
  for (size_t j = 0; j < s; ++j) {
    HYCIM_CHECK(!valid[j] || (r[j] >= -2048 && r[j] <= 2047),
                "score {} of key {} outside the 12-bit range [-2048, 2047]", r[j], j);
  }
  auto forced = [&](size_t j) { return (force_first && j == 0) || (force_diag && j == row); };

  TopkResult res;
  // Histogram of u = r + 2048 over the valid non-forced keys; forced keys are counted apart.
  std::array<uint32_t, 4096> hist{};
  for (size_t j = 0; j < s; ++j) {
    if (!valid[j]) continue;
    if (forced(j)) {
      ++res.forced_kept;
    } else {
      ++res.eligible;
      ++hist[static_cast<uint32_t>(r[j] + 2048)];
    }
  }
  res.need = k - res.forced_kept;
  if (res.need == 0) {
    res.mode = TopkMode::kNone;
  } else if (res.need >= res.eligible) {
    res.mode = TopkMode::kAll;
  } else {
    res.mode = TopkMode::kThreshold;
    // The largest T with (#keys at or above T) >= need.
    uint32_t acc = 0;
    for (int t = 4095; t >= 0; --t) {
      if (acc + hist[static_cast<size_t>(t)] >= res.need) {
        res.threshold = static_cast<uint32_t>(t);
        res.above = acc;
        res.ties_total = hist[static_cast<size_t>(t)];
        res.ties_taken = res.need - acc;
        break;
      }
      acc += hist[static_cast<size_t>(t)];
    }
  }

  uint32_t ties_seen = 0;
  for (size_t j = 0; j < s; ++j) {
    if (!valid[j]) continue;
    bool keep = forced(j);
    if (!keep) {
      const auto u = static_cast<uint32_t>(r[j] + 2048);
      switch (res.mode) {
        case TopkMode::kNone:
          break;
        case TopkMode::kAll:
          keep = true;
          break;
        case TopkMode::kThreshold:
          if (u > res.threshold) {
            keep = true;
          } else if (u == res.threshold) {
            keep = ties_seen < res.ties_taken;
            ++ties_seen;
          }
          break;
      }
    }
    if (keep) res.kept.push_back(static_cast<uint32_t>(j));
  }
  HYCIM_CHECK(res.kept.size() <= k, "kept {} keys for k = {}", res.kept.size(), k);
  return res;
}

uint32_t topk_cycles_per_row(const TopkTiming& t) { return std::max(t.nb + 1, t.no); }

TopkPipeModel::Out TopkPipeModel::peek(bool out_ready) const {
  const bool s4_free = !s4_busy_ || (s4_beat_ == t_.no - 1 && out_ready);
  const bool s3_free = !s3_busy_ || (s3_cyc_ == t_.nb && s4_free);
  const bool s2_free = !s2_busy_ || (s2_cyc_ == t_.nb && s3_free);
  Out o;
  o.in_ready = s1_beat_ != t_.nb - 1 || s2_free;
  o.out_valid = s4_busy_;
  o.out_last = s4_busy_ && s4_beat_ == t_.no - 1;
  return o;
}

TopkPipeModel::Out TopkPipeModel::step(bool in_valid, bool out_ready) {
  const Out o = peek(out_ready);
  const bool s4_fin = s4_busy_ && s4_beat_ == t_.no - 1 && out_ready;
  const bool s4_free = !s4_busy_ || s4_fin;
  const bool s3_fin = s3_busy_ && s3_cyc_ == t_.nb && s4_free;
  const bool s3_free = !s3_busy_ || s3_fin;
  const bool s2_fin = s2_busy_ && s2_cyc_ == t_.nb && s3_free;
  const bool in_hs = in_valid && o.in_ready;
  const bool s1_fin = in_hs && s1_beat_ == t_.nb - 1;

  if (s3_fin) {
    s4_busy_ = true;
    s4_beat_ = 0;
  } else if (s4_fin) {
    s4_busy_ = false;
  } else if (s4_busy_ && out_ready) {
    ++s4_beat_;
  }
  if (s2_fin) {
    s3_busy_ = true;
    s3_cyc_ = 0;
  } else if (s3_fin) {
    s3_busy_ = false;
  } else if (s3_busy_ && s3_cyc_ < t_.nb) {
    ++s3_cyc_;
  }
  if (s1_fin) {
    s2_busy_ = true;
    s2_cyc_ = 0;
  } else if (s2_fin) {
    s2_busy_ = false;
  } else if (s2_busy_ && s2_cyc_ < t_.nb) {
    ++s2_cyc_;
  }
  if (s1_fin) {
    s1_beat_ = 0;
  } else if (in_hs) {
    ++s1_beat_;
  }
  s1_busy_ = s1_beat_ != 0;
  return o;
}

std::vector<uint64_t> topk_last_beat_cycles(const TopkTiming& t, uint32_t rows) {
  HYCIM_CHECK(t.nb >= 1 && t.no >= 1, "nb = {}, no = {}", t.nb, t.no);
  TopkPipeModel m(t);
  std::vector<uint64_t> out;
  uint64_t sent = 0;
  const uint64_t beats = static_cast<uint64_t>(rows) * t.nb;
  for (uint64_t c = 0; out.size() < rows; ++c) {
    const bool in_valid = sent < beats;
    const auto o = m.step(in_valid, true);
    if (in_valid && o.in_ready) ++sent;
    if (o.out_valid && o.out_last) out.push_back(c);
    HYCIM_CHECK(c < 1000000, "the pipeline model did not finish");
  }
  return out;
}

}  // namespace hycim::golden
