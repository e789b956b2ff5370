// Golden model of the relevance unit of the sparse-attention path (docs/attention/relevance.md):
// per query row, a cheap approximate score of every key from the product-quantization codes alone,
// which topk_select then uses to choose the keys that get an exact QK product.
//
// Tables: for every subspace m and every pair of query centroid a and key centroid b,
//   T[m][a][b] = sat8(rnd_shr(Cq_m[a] . Ck_m[b], tshift))     (INT8, half-up rounding)
// where Cq, Ck are the INT8 centroids of the query and key codebooks (Codebook::cent). The table
// score of a query code word cq against a key code word ck is sum_m T[m][cq_m][ck_m], which is
// (up to the rounding of each entry) the dot product of the two reconstructed vectors divided by
// 2^tshift.
//
// Scores of query row i against S keys:
//   mode 0 (table): r_j = sum_m T[m][cq_m][ck_jm]          (signed, |r_j| <= 128 M)
//   mode 1 (match): r_j = #{m : cq_m == ck_jm}             (0..M)
//   causal: key j > i is masked (valid 0, r 0); otherwise every key j < S is valid.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "golden/attention/pq.h"
#include "golden/core/tensor.h"

namespace hycim::golden {

inline constexpr int kRelevanceTable = 0;
inline constexpr int kRelevanceMatch = 1;

// M x C x C INT8 tables of two codebooks with the same M, C and d.
Tensor<int8_t> relevance_tables(const Codebook& q, const Codebook& k, unsigned tshift);

// The exact integer centroid dot products Cq_m[a] . Ck_m[b] (M x C x C), before shift and
// saturation.
Tensor<int32_t> centroid_dots(const Codebook& q, const Codebook& k);

// The smallest tshift for which no table entry saturates: every rnd_shr(dot, tshift) lies in
// [-128, 127].
unsigned relevance_tshift(const Codebook& q, const Codebook& k);

struct RelevanceRow {
  std::vector<int16_t> r;      // S scores, 0 where masked
  std::vector<uint8_t> valid;  // S flags
};

// The scores of one query row. cq: M codes; ck: S x M key codes; tables: M x C x C (from
// relevance_tables or any INT8 values); mode kRelevanceTable or kRelevanceMatch; row: the query's
// index i (for the causal mask; with causal and i >= S no key is masked).
RelevanceRow relevance_row(std::span<const uint8_t> cq, const Tensor<uint8_t>& ck,
                           const Tensor<int8_t>& tables, int mode, bool causal, uint32_t row);

// The double reference of the table score: per key, sum_m fcent_q[m][cq_m] . fcent_k[m][ck_jm],
// the dot product of the k-means centroids before any rounding (for the accuracy study). Masked
// keys (causal, j > row) get 0.
std::vector<double> relevance_row_float(std::span<const uint8_t> cq, const Tensor<uint8_t>& ck,
                                        const Codebook& q, const Codebook& k, bool causal,
                                        uint32_t row);

}  // namespace hycim::golden
