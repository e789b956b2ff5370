// The top-k golden model (golden/attention/topk.h) against an independent brute force: the valid
// non-forced keys stably sorted by score (descending; a stable sort keeps the lower index first
// among equal scores), the first k - #forced-kept taken, the valid forced keys added, the set
// sorted ascending. Random rows of many lengths with heavy ties (tiny value ranges), full-range
// scores, causal masks, all-masked-but-forced rows, k = 1, k = S and k above the valid count;
// and the pipeline cycle model against its closed form.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "golden/attention/topk.h"
#include "golden/core/check.h"
#include "hycim_test.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

class TopkGolden : public HycimTest {};

struct Case {
  std::vector<int16_t> r;
  std::vector<uint8_t> valid;
  uint32_t k = 1;
  uint32_t row = 0;
  bool ff = false;
  bool fd = false;
};

std::vector<uint32_t> brute_force(const Case& c) {
  const size_t s = c.r.size();
  auto forced = [&](size_t j) { return (c.ff && j == 0) || (c.fd && j == c.row); };
  std::vector<uint32_t> kept, rest;
  for (size_t j = 0; j < s; ++j) {
    if (!c.valid[j]) continue;
    (forced(j) ? kept : rest).push_back(static_cast<uint32_t>(j));
  }
  std::stable_sort(rest.begin(), rest.end(),
                   [&](uint32_t a, uint32_t b) { return c.r[a] > c.r[b]; });
  const size_t need = c.k - kept.size();
  for (size_t i = 0; i < std::min(need, rest.size()); ++i) kept.push_back(rest[i]);
  std::sort(kept.begin(), kept.end());
  return kept;
}

Case random_case(Rng& rng) {
  Case c;
  const auto s = static_cast<size_t>(rng.uniform_int(1, rng.bernoulli(0.5) ? 16 : 600));
  // Value range: a single value, a handful (heavy ties), a few dozen, or the full 12 bits.
  static const int kSpan[] = {0, 1, 3, 40, 2047};
  const int span = kSpan[rng.uniform_int(0, 4)];
  const auto lo = static_cast<int>(rng.uniform_int(-2048, 2047 - span));
  c.r.resize(s);
  c.valid.assign(s, 1);
  for (auto& x : c.r) x = static_cast<int16_t>(lo + rng.uniform_int(0, span));
  c.row = static_cast<uint32_t>(rng.uniform_int(0, static_cast<int64_t>(s) + 2));
  const auto mask = rng.uniform_int(0, 3);
  switch (mask) {
    case 0:  // all valid
      break;
    case 1:  // causal
      for (size_t j = 0; j < s; ++j) c.valid[j] = j <= c.row;
      break;
    case 2:  // random holes
      for (auto& v : c.valid) v = rng.bernoulli(0.6);
      break;
    default:  // all masked but the forced keys
      std::fill(c.valid.begin(), c.valid.end(), 0);
      c.valid[0] = 1;
      if (c.row < s) c.valid[c.row] = 1;
      break;
  }
  c.ff = mask == 3 || rng.bernoulli(0.5);
  c.fd = mask == 3 || rng.bernoulli(0.5);
  const auto kmin = static_cast<int64_t>(std::max<uint32_t>(1, c.ff + c.fd));
  const auto kmax = static_cast<int64_t>(s);
  if (kmin > kmax) {  // S = 1 with both forces: drop one enable
    c.fd = false;
  }
  const int64_t kl = std::max<int64_t>(1, c.ff + c.fd);
  switch (rng.uniform_int(0, 4)) {
    case 0:
      c.k = static_cast<uint32_t>(kl);
      break;
    case 1:
      c.k = static_cast<uint32_t>(kmax);
      break;
    default:
      c.k = static_cast<uint32_t>(rng.uniform_int(kl, kmax));
      break;
  }
  return c;
}

void check_case(const Case& c, const char* what) {
  const auto res = topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd);
  const auto want = brute_force(c);
  ASSERT_EQ(res.kept, want) << what << ": S = " << c.r.size() << ", k = " << c.k
                            << ", row = " << c.row << ", ff = " << c.ff << ", fd = " << c.fd;
  const auto nvalid = static_cast<uint32_t>(std::count(c.valid.begin(), c.valid.end(), uint8_t{1}));
  EXPECT_EQ(res.kept.size(), std::min(c.k, nvalid));
  EXPECT_EQ(res.need + res.forced_kept, c.k);
  if (res.mode == TopkMode::kThreshold) {
    // Every kept non-forced key has u >= T; exactly ties_taken kept at T, all before the ties
    // that were dropped; every dropped valid key has u <= T.
    uint32_t at_t = 0, above = 0, last_kept_tie = 0, first_dropped_tie = ~0u;
    for (size_t j = 0; j < c.r.size(); ++j) {
      if (!c.valid[j] || (c.ff && j == 0) || (c.fd && j == c.row)) continue;
      const auto u = static_cast<uint32_t>(c.r[j] + 2048);
      const bool kept = std::binary_search(want.begin(), want.end(), j);
      if (kept) {
        EXPECT_GE(u, res.threshold);
        if (u == res.threshold) {
          ++at_t;
          last_kept_tie = static_cast<uint32_t>(j);
        } else {
          ++above;
        }
      } else {
        EXPECT_LE(u, res.threshold);
        if (u == res.threshold) first_dropped_tie = std::min<uint32_t>(first_dropped_tie, j);
      }
    }
    EXPECT_EQ(at_t, res.ties_taken);
    EXPECT_EQ(above, res.above);
    EXPECT_GE(res.ties_total, res.ties_taken);
    EXPECT_LT(last_kept_tie, first_dropped_tie);
  }
}

TEST_F(TopkGolden, MatchesBruteForceOnRandomRows) {
  uint32_t modes[3] = {0, 0, 0};
  for (int n = 0; n < 6000; ++n) {
    const auto c = random_case(rng());
    check_case(c, "random");
    ++modes[static_cast<int>(topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd).mode)];
    if (HasFatalFailure()) return;
  }
  // The stimulus reaches every mode many times.
  EXPECT_GT(modes[0], 100u);
  EXPECT_GT(modes[1], 100u);
  EXPECT_GT(modes[2], 1000u);
}

TEST_F(TopkGolden, DirectedCases) {
  // All equal: the lowest indices win.
  Case c{std::vector<int16_t>(10, 5), std::vector<uint8_t>(10, 1), 3, 0, false, false};
  EXPECT_EQ(topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd).kept,
            (std::vector<uint32_t>{0, 1, 2}));
  // Forced diagonal at row 7 takes one slot; the ties go to 0 and 1.
  c.fd = true;
  c.row = 7;
  EXPECT_EQ(topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd).kept,
            (std::vector<uint32_t>{0, 1, 7}));
  // Row 0 with both forces: key 0 once, so two slots remain.
  c.ff = true;
  c.row = 0;
  EXPECT_EQ(topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd).kept,
            (std::vector<uint32_t>{0, 1, 2}));
  // Causal row 2, k above the valid count: keys 0..2.
  c = {{-2048, 2047, 0, 9, 9}, {1, 1, 1, 0, 0}, 5, 2, false, false};
  auto r = topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd);
  EXPECT_EQ(r.kept, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(r.mode, TopkMode::kAll);
  // k = 1 at the extremes of the range.
  c = {{-2048, 2047, 2047, -2048}, {1, 1, 1, 1}, 1, 0, false, false};
  r = topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd);
  EXPECT_EQ(r.kept, (std::vector<uint32_t>{1}));
  EXPECT_EQ(r.threshold, 4095u);
  EXPECT_EQ(r.ties_taken, 1u);
  EXPECT_EQ(r.ties_total, 2u);
  // need = 0: only the forced keys, even an invalid forced key is not kept.
  c = {{1, 2, 3, 4}, {1, 1, 0, 1}, 2, 2, true, true};
  r = topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd);
  EXPECT_EQ(r.kept, (std::vector<uint32_t>{0, 3}));
  EXPECT_EQ(r.forced_kept, 1u);
  // All masked: nothing kept.
  c = {{1, 2}, {0, 0}, 2, 0, false, false};
  EXPECT_TRUE(topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd).kept.empty());
  // Preconditions name themselves.
  EXPECT_THROW(topk_select(c.r, c.valid, 0, 0, false, false), Error);
  EXPECT_THROW(topk_select(c.r, c.valid, 3, 0, false, false), Error);
  EXPECT_THROW(topk_select(c.r, c.valid, 1, 0, true, true), Error);
  c = {{2048, 0}, {1, 1}, 1, 0, false, false};
  EXPECT_THROW(topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd), Error);
  c.valid[0] = 0;  // the score of an invalid key is ignored
  EXPECT_EQ(topk_select(c.r, c.valid, c.k, c.row, c.ff, c.fd).kept, (std::vector<uint32_t>{1}));
}

TEST_F(TopkGolden, CycleModelSteadyStateIsTheClosedForm) {
  for (uint32_t nb = 1; nb <= 40; nb += 3) {
    for (uint32_t no = 1; no <= 70; no += 4) {
      const TopkTiming t{nb, no};
      const auto c = topk_last_beat_cycles(t, 8);
      ASSERT_EQ(c.size(), 8u);
      EXPECT_EQ(c[0], 3ull * nb + 1 + no) << "nb " << nb << " no " << no;
      for (size_t i = 2; i < c.size(); ++i) {
        EXPECT_EQ(c[i] - c[i - 1], topk_cycles_per_row(t)) << "nb " << nb << " no " << no;
      }
    }
  }
}

}  // namespace
}  // namespace hycim::golden
