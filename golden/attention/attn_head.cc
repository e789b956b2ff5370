#include "golden/attention/attn_head.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "golden/core/int_ops.h"
#include "regs/attn_top_regs.h"

namespace hycim::golden {

namespace R = regs::attn_top;

uint32_t attn_config_errors(const AttnConfig& c, const AttnBuild& b, bool tables_loaded) {
  uint32_t e = 0;
  const uint32_t sub_dim = b.dim / b.subspaces;
  const uint32_t dim = c.head_dim ? c.head_dim : b.dim;
  if (c.seq_len == 0) e |= R::kErrLenZero;
  if (c.seq_len > b.seq_max) e |= R::kErrLenTooBig;
  if (dim > b.dim || dim % sub_dim != 0) e |= R::kErrDimBad;
  if (c.sm_shift > 47 || c.av_shift > 47) e |= R::kErrShiftTooBig;
  if (!c.dense) {
    const uint32_t forced = (c.force_first ? 1u : 0u) + (c.force_diag ? 1u : 0u);
    if (c.topk == 0) e |= R::kErrKZero;
    if (c.topk > c.seq_len) e |= R::kErrKTooBig;
    if (c.topk < forced) e |= R::kErrKForced;
    if (!c.match && !tables_loaded) e |= R::kErrTablesNotLoaded;
    if (c.enc_shift > 7) e |= R::kErrEncShiftTooBig;
    if (c.enc_tmax == 0 || c.enc_tmax > (1u << b.tick_width) - 1) e |= R::kErrEncTmaxBad;
  }
  return e;
}

namespace {

void check_rows(const Tensor<int8_t>& t, const char* name, size_t s, size_t d) {
  HYCIM_CHECK(t.rank() == 2 && t.dim(0) >= s && t.dim(1) == d,
              "{}: expected at least {} x {}, got {}", name, s, d,
              t.rank() == 2 ? fmt::format("{} x {}", t.dim(0), t.dim(1)) : "another rank");
}

}  // namespace

namespace {

void check_inputs(const AttnConfig& c, const AttnBuild& b, const AttnInputs& in) {
  const bool loaded = in.tables.size() > 0;
  const uint32_t err = attn_config_errors(c, b, loaded || c.match || c.dense);
  HYCIM_CHECK(err == 0, "illegal attention configuration (ERR 0x{:08X})", err);
  const size_t s = c.seq_len, d = b.dim;
  check_rows(in.q, "q", s, d);
  check_rows(in.k, "k", s, d);
  check_rows(in.v, "v", s, d);
  if (!c.dense) {
    HYCIM_CHECK(in.qcodes.rank() == 2 && in.qcodes.dim(0) >= s && in.qcodes.dim(1) == b.subspaces,
                "qcodes: expected {} x {}", s, b.subspaces);
    HYCIM_CHECK(in.kcodes.rank() == 2 && in.kcodes.dim(0) >= s && in.kcodes.dim(1) == b.subspaces,
                "kcodes: expected {} x {}", s, b.subspaces);
  }
}

}  // namespace

AttnRow attn_row(const AttnConfig& c, const AttnBuild& b, const AttnInputs& in, size_t i) {
  check_inputs(c, b, in);
  const size_t s = c.seq_len, d = b.dim;
  const size_t dim = c.head_dim ? c.head_dim : b.dim;
  HYCIM_CHECK(i < s, "row {} of a head of {} rows", i, s);
  auto elem = [&](const Tensor<int8_t>& t, size_t r, size_t e) -> int64_t {
    return e < dim ? t(r, e) : 0;
  };
  const size_t len = c.dense ? s : c.topk;
  const size_t valid = c.causal ? i + 1 : s;
  AttnRow row;
  if (c.dense) {
    for (uint32_t j = 0; j < valid; ++j) row.kept.push_back(j);
  } else {
    Tensor<uint8_t> kc({s, static_cast<size_t>(b.subspaces)});
    for (size_t j = 0; j < s; ++j) {
      for (size_t m = 0; m < b.subspaces; ++m) kc(j, m) = in.kcodes(j, m);
    }
    std::vector<uint8_t> cq(b.subspaces);
    for (size_t m = 0; m < b.subspaces; ++m) cq[m] = in.qcodes(i, m);
    row.rel = relevance_row(cq, kc, in.tables, c.match ? 1 : 0, c.causal, static_cast<uint32_t>(i));
    row.kept = topk_select(row.rel.r, row.rel.valid, c.topk, static_cast<uint32_t>(i),
                           c.force_first, c.force_diag)
                   .kept;
  }
  HYCIM_CHECK(row.kept.size() <= len, "row {}: {} kept keys for {} slots", i, row.kept.size(), len);
  row.x.assign(len, 0);
  row.keep.assign(len, 0);
  for (size_t t = 0; t < row.kept.size(); ++t) {
    const size_t j = row.kept[t];
    int64_t sc = 0;
    for (size_t e = 0; e < d; ++e) sc += elem(in.q, i, e) * elem(in.k, j, e);
    row.score.push_back(static_cast<int32_t>(sc));
    row.x[t] =
        static_cast<int16_t>(sat(rnd_shr(sc * static_cast<int64_t>(c.sm_mult), c.sm_shift), 16));
    row.keep[t] = 1;
  }
  row.sm = softmax_fwd(row.x, row.keep, SoftmaxFormat::kTraining);
  row.acc.assign(d, 0);
  row.out.assign(d, 0);
  for (size_t e = 0; e < d; ++e) {
    int64_t acc = 0;
    for (size_t t = 0; t < row.kept.size(); ++t) {
      acc += static_cast<int64_t>(row.sm.p[t]) * elem(in.v, row.kept[t], e);
    }
    row.acc[e] = acc;
    row.out[e] =
        static_cast<int8_t>(sat(rnd_shr(acc * static_cast<int64_t>(c.av_mult), c.av_shift), 8));
  }
  return row;
}

AttnResult attn_head(const AttnConfig& c, const AttnBuild& b, const AttnInputs& in) {
  check_inputs(c, b, in);
  const size_t s = c.seq_len, d = b.dim;
  AttnResult res;
  res.rows.reserve(s);
  res.out = Tensor<int8_t>({s, d});
  for (size_t i = 0; i < s; ++i) {
    res.rows.push_back(attn_row(c, b, in, i));
    res.kept_total += res.rows.back().kept.size();
    res.valid_total += c.causal ? i + 1 : s;
    for (size_t e = 0; e < d; ++e) res.out(i, e) = res.rows.back().out[e];
  }
  return res;
}

double MultShift::value() const {
  return std::ldexp(static_cast<double>(mult), -static_cast<int>(shift));
}

MultShift choose_mult_shift(double factor) {
  HYCIM_CHECK(factor > 0 && std::isfinite(factor), "scale factor {} must be positive and finite",
              factor);
  MultShift best;
  double best_err = std::numeric_limits<double>::infinity();
  for (uint32_t sh = 0; sh <= 47; ++sh) {
    const double m = std::round(std::ldexp(factor, static_cast<int>(sh)));
    if (m < 1) continue;
    if (m > 0xFFFF) break;
    const double err = std::fabs(std::ldexp(m, -static_cast<int>(sh)) - factor) / factor;
    if (err <= best_err) {
      best_err = err;
      best = {static_cast<uint32_t>(m), sh};
    }
  }
  HYCIM_CHECK(std::isfinite(best_err), "scale factor {} cannot be written as mult / 2^shift",
              factor);
  return best;
}

MultShift softmax_scale(double sq, double sk, uint32_t head_dim) {
  return choose_mult_shift(sq * sk * std::log2(std::exp(1.0)) * 256.0 /
                           std::sqrt(static_cast<double>(head_dim)));
}

MultShift output_scale(double sv, double so) { return choose_mult_shift(sv / (so * 65536.0)); }

namespace {

void softmax_row_av(std::span<const double> q, std::span<const double> k, std::span<const double> v,
                    size_t i, size_t d, const std::vector<uint32_t>& keys, double* out) {
  const double inv = 1.0 / std::sqrt(static_cast<double>(d));
  std::vector<double> z(keys.size());
  double mx = -std::numeric_limits<double>::infinity();
  for (size_t t = 0; t < keys.size(); ++t) {
    double acc = 0;
    for (size_t e = 0; e < d; ++e) acc += q[i * d + e] * k[keys[t] * d + e];
    z[t] = acc * inv;
    mx = std::max(mx, z[t]);
  }
  double sum = 0;
  for (double& x : z) {
    x = std::exp(x - mx);
    sum += x;
  }
  for (size_t e = 0; e < d; ++e) out[e] = 0;
  for (size_t t = 0; t < keys.size(); ++t) {
    for (size_t e = 0; e < d; ++e) out[e] += z[t] / sum * v[keys[t] * d + e];
  }
}

}  // namespace

std::vector<double> attn_dense_ref(std::span<const double> q, std::span<const double> k,
                                   std::span<const double> v, size_t s, size_t d, bool causal) {
  std::vector<std::vector<uint32_t>> kept(s);
  for (size_t i = 0; i < s; ++i) {
    const size_t n = causal ? i + 1 : s;
    for (uint32_t j = 0; j < n; ++j) kept[i].push_back(j);
  }
  return attn_sparse_ref(q, k, v, s, d, kept);
}

std::vector<double> attn_sparse_ref(std::span<const double> q, std::span<const double> k,
                                    std::span<const double> v, size_t s, size_t d,
                                    const std::vector<std::vector<uint32_t>>& kept) {
  HYCIM_CHECK(q.size() == s * d && k.size() == s * d && v.size() == s * d && kept.size() == s,
              "attention reference: q, k, v must be {} x {} and kept {} rows", s, d, s);
  std::vector<double> out(s * d);
  for (size_t i = 0; i < s; ++i) softmax_row_av(q, k, v, i, d, kept[i], &out[i * d]);
  return out;
}

}  // namespace hycim::golden
