// Stimulus shared by the sram_cim tests (golden and RTL): random K / V arrays, random kept index
// sets as topk_select emits them (ascending), and random probabilities.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "golden/core/rng.h"
#include "golden/core/tensor.h"

namespace hycim::tb::sram {

inline golden::Tensor<int8_t> random_rows(golden::Rng& rng, uint32_t rows, uint32_t dim) {
  golden::Tensor<int8_t> t({rows, dim});
  for (auto& v : t.data()) v = static_cast<int8_t>(rng.uniform_int(-128, 127));
  return t;
}

// `count` distinct indices of [0, s), ascending (a partial Fisher-Yates shuffle).
inline std::vector<uint32_t> random_kept(golden::Rng& rng, uint32_t s, uint32_t count) {
  std::vector<uint32_t> all(s);
  for (uint32_t i = 0; i < s; ++i) all[i] = i;
  for (uint32_t i = 0; i < count; ++i) {
    const auto j = static_cast<uint32_t>(rng.uniform_int(i, s - 1));
    std::swap(all[i], all[j]);
  }
  all.resize(count);
  std::sort(all.begin(), all.end());
  return all;
}

// Probabilities for `count` lanes whose sum stays <= 1 (the softmax output range): random
// weights normalised to at most 65535 in total, so the AV accumulators stay far inside INT32.
inline std::vector<uint16_t> random_p(golden::Rng& rng, size_t count) {
  std::vector<uint64_t> w(count);
  uint64_t total = 0;
  for (auto& x : w) total += (x = static_cast<uint64_t>(rng.uniform_int(0, 1000)));
  std::vector<uint16_t> p(count, 0);
  if (total == 0) return p;
  for (size_t i = 0; i < count; ++i) p[i] = static_cast<uint16_t>(w[i] * 65535 / total);
  return p;
}

}  // namespace hycim::tb::sram
