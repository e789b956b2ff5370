#include "golden/attention/relevance.h"

#include "golden/core/check.h"
#include "golden/core/int_ops.h"

namespace hycim::golden {

namespace {

void check_pair(const Codebook& q, const Codebook& k) {
  HYCIM_CHECK(q.subspaces == k.subspaces && q.centroids == k.centroids && q.sub_dim == k.sub_dim,
              "query codebook {} x {} x {} and key codebook {} x {} x {} differ", q.subspaces,
              q.centroids, q.sub_dim, k.subspaces, k.centroids, k.sub_dim);
  HYCIM_CHECK(q.subspaces >= 1 && q.centroids >= 1 && q.sub_dim >= 1, "empty codebook");
  HYCIM_CHECK(q.centroids <= 16, "C = {} does not fit 4-bit codes", q.centroids);
  const std::vector<size_t> shape = {static_cast<size_t>(q.subspaces),
                                     static_cast<size_t>(q.centroids),
                                     static_cast<size_t>(q.sub_dim)};
  HYCIM_CHECK(q.cent.shape() == shape && k.cent.shape() == shape,
              "INT8 centroids do not have the shape M x C x d");
}

// Checks the shapes of a row's inputs; returns S.
size_t check_row(std::span<const uint8_t> cq, const Tensor<uint8_t>& ck, size_t m, size_t c) {
  HYCIM_CHECK(cq.size() == m, "query code has {} subspaces, expected {}", cq.size(), m);
  HYCIM_CHECK(ck.rank() == 2 && ck.dim(1) == m, "key codes must be S x {}", m);
  for (size_t i = 0; i < m; ++i) {
    HYCIM_CHECK(cq[i] < c, "query code {} of subspace {} is not below C = {}", cq[i], i, c);
  }
  for (uint8_t v : ck.data()) HYCIM_CHECK(v < c, "key code {} is not below C = {}", v, c);
  return ck.dim(0);
}

}  // namespace

Tensor<int32_t> centroid_dots(const Codebook& q, const Codebook& k) {
  check_pair(q, k);
  const auto m_n = static_cast<size_t>(q.subspaces);
  const auto c_n = static_cast<size_t>(q.centroids);
  const auto d_n = static_cast<size_t>(q.sub_dim);
  Tensor<int32_t> dots({m_n, c_n, c_n});
  for (size_t m = 0; m < m_n; ++m) {
    for (size_t a = 0; a < c_n; ++a) {
      for (size_t b = 0; b < c_n; ++b) {
        int32_t s = 0;
        for (size_t e = 0; e < d_n; ++e) s += int32_t{q.cent(m, a, e)} * int32_t{k.cent(m, b, e)};
        dots(m, a, b) = s;
      }
    }
  }
  return dots;
}

Tensor<int8_t> relevance_tables(const Codebook& q, const Codebook& k, unsigned tshift) {
  const auto dots = centroid_dots(q, k);
  Tensor<int8_t> t(dots.shape());
  for (size_t i = 0; i < dots.size(); ++i) {
    t[i] = static_cast<int8_t>(sat<8>(rnd_shr(dots[i], tshift)));
  }
  return t;
}

unsigned relevance_tshift(const Codebook& q, const Codebook& k) {
  const auto dots = centroid_dots(q, k);
  // |dot| <= d * 2^14 < 2^31, so a shift of 31 always fits.
  for (unsigned s = 0;; ++s) {
    bool fits = true;
    for (int32_t v : dots.data()) fits = fits && !saturates(rnd_shr(v, s), 8);
    if (fits) return s;
    HYCIM_CHECK(s < 40, "no shift up to {} keeps the table in INT8", s);
  }
}

RelevanceRow relevance_row(std::span<const uint8_t> cq, const Tensor<uint8_t>& ck,
                           const Tensor<int8_t>& tables, int mode, bool causal, uint32_t row) {
  HYCIM_CHECK(tables.rank() == 3 && tables.dim(1) == tables.dim(2),
              "tables must be M x C x C, got rank {}", tables.rank());
  HYCIM_CHECK(mode == kRelevanceTable || mode == kRelevanceMatch, "mode {} is not 0 or 1", mode);
  const size_t m_n = tables.dim(0);
  HYCIM_CHECK(m_n * 128 <= 32768, "M = {} scores do not fit 16 bits", m_n);
  const size_t s_n = check_row(cq, ck, m_n, tables.dim(1));
  RelevanceRow out{std::vector<int16_t>(s_n, 0), std::vector<uint8_t>(s_n, 0)};
  for (size_t j = 0; j < s_n; ++j) {
    if (causal && j > row) continue;
    out.valid[j] = 1;
    int32_t r = 0;
    for (size_t m = 0; m < m_n; ++m) {
      if (mode == kRelevanceTable) {
        r += tables(m, cq[m], ck(j, m));
      } else {
        r += cq[m] == ck(j, m) ? 1 : 0;
      }
    }
    out.r[j] = static_cast<int16_t>(r);
  }
  return out;
}

std::vector<double> relevance_row_float(std::span<const uint8_t> cq, const Tensor<uint8_t>& ck,
                                        const Codebook& q, const Codebook& k, bool causal,
                                        uint32_t row) {
  check_pair(q, k);
  const auto m_n = static_cast<size_t>(q.subspaces);
  const auto c_n = static_cast<size_t>(q.centroids);
  const auto d_n = static_cast<size_t>(q.sub_dim);
  HYCIM_CHECK(q.fcent.size() == m_n * c_n * d_n && k.fcent.size() == m_n * c_n * d_n,
              "double centroids do not have M x C x d elements");
  const size_t s_n = check_row(cq, ck, m_n, c_n);
  std::vector<double> r(s_n, 0.0);
  for (size_t j = 0; j < s_n; ++j) {
    if (causal && j > row) continue;
    double s = 0.0;
    for (size_t m = 0; m < m_n; ++m) {
      const double* a = &q.fcent[(m * c_n + cq[m]) * d_n];
      const double* b = &k.fcent[(m * c_n + ck(j, m)) * d_n];
      for (size_t e = 0; e < d_n; ++e) s += a[e] * b[e];
    }
    r[j] = s;
  }
  return r;
}

}  // namespace hycim::golden
