// Real attention data for attn_top: one head of the all-MiniLM-L6-v2 fixture
// (tests/attention/data/minilm, docs/attention/real_data.md) or of any three .npy files, as INT8
// Q/K/V with their scales, the float tensors they came from, and the calibration tokens the
// codebooks are trained on. Used by `hycim attention` and the minilm RTL test.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "attn_scenario.h"
#include "golden/attention/attn_head.h"
#include "golden/core/check.h"
#include "golden/core/npy.h"
#include "golden/core/tensor.h"

namespace hycim::tb::attn {

using golden::Tensor;

// The head's data: INT8 Q/K/V with their scales, the float tensors they came from (when known),
// the calibration tokens the codebooks are trained on, and where they came from.
struct HeadData {
  Tensor<int8_t> q, k, v;
  std::vector<double> qf, kf, vf;  // S x d floats (empty: dequantized INT8 stands in)
  std::vector<double> ref;         // S x d dense attention output of the source, if it has one
  double sq = 1, sk = 1, sv = 1;
  Tensor<int8_t> calib_q, calib_k;
  std::string source;
  bool in_sample_codebooks = false;
};

// Slice [a, b] of a (A, B, S, d) tensor.
template <class T>
inline Tensor<T> slice4(const Tensor<T>& t, size_t a, size_t b, const std::string& what) {
  HYCIM_CHECK(t.rank() == 4, "{}: expected a rank-4 array (layer, head, token, dim)", what);
  HYCIM_CHECK(a < t.dim(0) && b < t.dim(1), "{}: layer slot {} / head slot {} out of range {} x {}",
              what, a, b, t.dim(0), t.dim(1));
  const size_t s = t.dim(2), d = t.dim(3);
  Tensor<T> out({s, d});
  const size_t off = (a * t.dim(1) + b) * s * d;
  std::copy(t.data().begin() + static_cast<std::ptrdiff_t>(off),
            t.data().begin() + static_cast<std::ptrdiff_t>(off + s * d), out.data().begin());
  return out;
}

inline std::vector<double> to_double(const Tensor<float>& t) {
  return std::vector<double>(t.data().begin(), t.data().end());
}

inline HeadData load_fixture(const std::string& fixture, const std::string& s, size_t layer,
                             size_t head) {
  namespace fs = std::filesystem;
  const fs::path dir(fixture);
  HYCIM_CHECK(fs::is_directory(dir), "fixture {}: not a directory", fixture);
  auto file = [&](const std::string& n) {
    const fs::path p = dir / n;
    HYCIM_CHECK(fs::is_regular_file(p), "fixture: {} is missing", p.string());
    return p.string();
  };
  HeadData h;
  h.q = slice4(golden::load_npy<int8_t>(file(s + "_q_i8.npy")), layer, head, "q");
  h.k = slice4(golden::load_npy<int8_t>(file(s + "_k_i8.npy")), layer, head, "k");
  h.v = slice4(golden::load_npy<int8_t>(file(s + "_v_i8.npy")), layer, head, "v");
  h.qf = to_double(slice4(golden::load_npy<float>(file(s + "_q_f32.npy")), layer, head, "q"));
  h.kf = to_double(slice4(golden::load_npy<float>(file(s + "_k_f32.npy")), layer, head, "k"));
  h.vf = to_double(slice4(golden::load_npy<float>(file(s + "_v_f32.npy")), layer, head, "v"));
  h.ref = to_double(slice4(golden::load_npy<float>(file(s + "_ctx_f32.npy")), layer, head, "ctx"));
  const auto sc = golden::load_npy<double>(file("scales_f64.npy"));
  HYCIM_CHECK(sc.rank() == 3 && sc.dim(0) == 3, "scales_f64.npy: expected (3, layers, heads)");
  h.sq = sc(0, layer, head);
  h.sk = sc(1, layer, head);
  h.sv = sc(2, layer, head);
  h.calib_q = slice4(golden::load_npy<int8_t>(file("calib_q_i8.npy")), layer, head, "calib q");
  h.calib_k = slice4(golden::load_npy<int8_t>(file("calib_k_i8.npy")), layer, head, "calib k");
  h.source = fmt::format("{} {} layer slot {} head slot {}", fixture, s, layer, head);
  return h;
}

// An S x d array from a file: float32 (quantized here, scale max|x| / 127) or int8 (scale given).
inline Tensor<int8_t> load_side(const std::string& path, double* scale, std::vector<double>* f,
                                bool has_scale) {
  const auto raw = golden::read_npy_raw(path);
  HYCIM_CHECK(raw.shape.size() == 2, "{}: expected a 2-D array (tokens x dim)", path);
  if (raw.descr == "|i1" || raw.descr == "<i1") {
    HYCIM_CHECK(has_scale, "{} is int8: give its scale with --scales sq,sk,sv", path);
    return golden::load_npy<int8_t>(path);
  }
  HYCIM_CHECK(raw.descr == "<f4", "{}: expected float32 or int8, found '{}'", path, raw.descr);
  const auto t = golden::load_npy<float>(path);
  double mx = 0;
  for (float x : t.data()) {
    HYCIM_CHECK(std::isfinite(x), "{}: holds a value that is not finite", path);
    mx = std::max(mx, std::fabs(static_cast<double>(x)));
  }
  *scale = mx > 0 ? mx / 127.0 : 1.0;
  Tensor<int8_t> q(t.shape());
  f->assign(t.data().begin(), t.data().end());
  for (size_t i = 0; i < t.size(); ++i) {
    q[i] = static_cast<int8_t>(std::clamp(std::rint(t[i] / *scale), -127.0, 127.0));
  }
  return q;
}

inline HeadData load_files(const std::string& qf, const std::string& kf, const std::string& vf,
                           const std::string& scales) {
  HeadData h;
  double sc[3] = {1, 1, 1};
  const bool has = !scales.empty();
  if (has) {
    std::stringstream ss(scales);
    std::string part;
    for (int i = 0; i < 3; ++i) {
      HYCIM_CHECK(static_cast<bool>(std::getline(ss, part, ',')), "--scales wants sq,sk,sv");
      size_t used = 0;
      try {
        sc[i] = std::stod(part, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      HYCIM_CHECK(used == part.size() && sc[i] > 0 && std::isfinite(sc[i]),
                  "--scales: '{}' is not a positive number", part);
    }
  }
  h.sq = sc[0], h.sk = sc[1], h.sv = sc[2];
  h.q = load_side(qf, &h.sq, &h.qf, has);
  h.k = load_side(kf, &h.sk, &h.kf, has);
  h.v = load_side(vf, &h.sv, &h.vf, has);
  HYCIM_CHECK(h.q.shape() == h.k.shape() && h.q.shape() == h.v.shape(),
              "--q, --k and --v must have the same shape");
  h.calib_q = h.q;
  h.calib_k = h.k;
  h.in_sample_codebooks = true;
  h.source = fmt::format("{}, {}, {}", qf, kf, vf);
  return h;
}

// A random head of s tokens of d elements, from `seed`, drawn like random_head's: Gaussian keys
// and values of sigma 32 LSB, queries_near the keys; real value = INT8 x kTokenScale. The
// codebooks train on a separate calibration sample of 256 tokens of the same distributions. The
// float reference is the dequantized INT8 head.
inline HeadData random_data(size_t s, size_t d, uint64_t seed) {
  HYCIM_CHECK(s >= 1 && d >= 1, "a random head needs at least one token and one element");
  HeadData h;
  golden::Rng rng(seed);
  h.k = pq::gaussian_tokens(rng, s, d);
  h.v = pq::gaussian_tokens(rng, s, d);
  h.q = queries_near(rng, h.k);
  golden::Rng crng(golden::splitmix64(seed ^ 0x63616c69ull));
  h.calib_k = pq::gaussian_tokens(crng, 256, d);
  h.calib_q = queries_near(crng, h.calib_k);
  h.sq = h.sk = h.sv = kTokenScale;
  h.source = fmt::format("random head (seed {}, {} tokens x {})", seed, s, d);
  return h;
}

// Rows [0, s) of an S x d tensor widened to the build's D (zeros past d).
inline Tensor<int8_t> fit(const Tensor<int8_t>& t, size_t s, size_t D) {
  Tensor<int8_t> out({s, D});
  for (size_t i = 0; i < s; ++i) {
    for (size_t e = 0; e < t.dim(1); ++e) out(i, e) = t(i, e);
  }
  return out;
}

inline std::vector<double> dequant(const Tensor<int8_t>& t, size_t s, double scale) {
  std::vector<double> out(s * t.dim(1));
  for (size_t i = 0; i < out.size(); ++i) out[i] = t[i] * scale;
  return out;
}

// A head of real data on a build: the data fitted to the build's D (elements past d are 0, and
// HEAD_DIM = d), codebooks on the calibration tokens, the score scale from the Q/K scales, the
// output scale from the dense float reference (max |o| / 127), which is returned with the float
// tensors it came from.
struct RealHeadSpec {
  uint32_t seq_len = 0;  // the first tokens of the data (0: all)
  double density = 0.25;
  bool causal = false, match = false, force_first = false, force_diag = false;
  uint64_t seed = 1;  // codebook training
};
struct RealHead {
  Head head;
  std::vector<double> qf, kf, vf;  // S x d, the float inputs
  std::vector<double> ref;         // S x d, dense float attention of them
  double out_scale = 1;            // real = INT8 output * out_scale
};
inline RealHead real_head(const HeadData& data, const Shape& shape, const RealHeadSpec& rs) {
  const size_t d = data.q.dim(1);
  const size_t s = rs.seq_len ? rs.seq_len : data.q.dim(0);
  HYCIM_CHECK(s >= 1 && s <= data.q.dim(0) && s <= shape.seq_max,
              "{} tokens: the data has {}, the build takes up to {}", s, data.q.dim(0),
              shape.seq_max);
  HYCIM_CHECK(d <= shape.dim && d % (shape.dim / shape.subspaces) == 0,
              "head dimension {} does not fit the build (D = {}, subspaces of {})", d, shape.dim,
              shape.dim / shape.subspaces);
  RealHead r;
  Head& hd = r.head;
  auto& c = hd.cfg;
  c.seq_len = static_cast<uint32_t>(s);
  c.head_dim = static_cast<uint32_t>(d);
  c.causal = rs.causal;
  c.match = rs.match;
  c.force_first = rs.force_first;
  // TOPK must cover every forced-keep enable (the KForced error class): one token keeps only the
  // first-key enable, so that the clamp below has lo <= hi.
  c.force_diag = rs.force_diag && !(rs.force_first && s < 2);
  const uint32_t forced = (c.force_first ? 1u : 0u) + (c.force_diag ? 1u : 0u);
  c.topk =
      std::clamp<uint32_t>(static_cast<uint32_t>(std::ceil(rs.density * static_cast<double>(s))),
                           std::max(1u, forced), static_cast<uint32_t>(s));
  c.enc_tmax = (1u << shape.tick_width) - 1;
  hd.q = fit(data.q, s, shape.dim);
  hd.k = fit(data.k, s, shape.dim);
  hd.v = fit(data.v, s, shape.dim);
  map_head(hd, shape, fit(data.calib_q, data.calib_q.dim(0), shape.dim),
           fit(data.calib_k, data.calib_k.dim(0), shape.dim), rs.seed);
  auto first = [&](const std::vector<double>& f, const Tensor<int8_t>& t, double scale) {
    return f.empty() ? dequant(t, s, scale) : std::vector<double>(f.begin(), f.begin() + s * d);
  };
  r.qf = first(data.qf, data.q, data.sq);
  r.kf = first(data.kf, data.k, data.sk);
  r.vf = first(data.vf, data.v, data.sv);
  r.ref = golden::attn_dense_ref(r.qf, r.kf, r.vf, s, d, rs.causal);
  double omax = 0;
  for (double x : r.ref) omax = std::max(omax, std::fabs(x));
  r.out_scale = omax > 0 ? omax / 127.0 : 1.0;
  const auto sm = golden::softmax_scale(data.sq, data.sk, static_cast<uint32_t>(d));
  const auto av = golden::output_scale(data.sv, r.out_scale);
  c.sm_mult = sm.mult;
  c.sm_shift = sm.shift;
  c.av_mult = av.mult;
  c.av_shift = av.shift;
  return r;
}

}  // namespace hycim::tb::attn
