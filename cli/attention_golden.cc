#include "attention_golden.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "attn_scenario.h"
#include "golden/attention/attn_head.h"
#include "golden/attention/pq.h"
#include "golden/core/check.h"
#include "golden/core/npy.h"
#include "golden/core/rng.h"
#include "sim/attention/pq_xbar.h"

namespace hycim::cli {

namespace {

namespace fs = std::filesystem;
using golden::Tensor;
using tb::attn::Head;
using tb::attn::Shape;

// The minilm configuration's attention shape: D = 32, M = 4 subspaces of 8, 16 centroids.
Shape golden_shape(uint32_t seq_max) {
  Shape s;
  s.dim = 32;
  s.subspaces = 4;
  s.centroids = 16;
  s.seq_max = seq_max;
  s.in_bits = 4;
  s.tick_width = 10;
  return s;
}

std::string need(const fs::path& dir, const std::string& name) {
  const fs::path p = dir / name;
  HYCIM_CHECK(fs::is_regular_file(p), "attention-golden: {} is missing", p.string());
  return p.string();
}

template <class T>
Tensor<T> load(const fs::path& dir, const std::string& name, size_t rank) {
  const std::string p = need(dir, name);
  const auto raw = golden::read_npy_raw(p);
  HYCIM_CHECK(raw.descr == golden::npy_descr<T>() ||
                  (golden::npy_descr<T>() == "|i1" && raw.descr == "<i1"),
              "attention-golden: {}: expected dtype '{}', found '{}'", p, golden::npy_descr<T>(),
              raw.descr);
  HYCIM_CHECK(raw.shape.size() == rank, "attention-golden: {}: expected a rank-{} array, found {}",
              p, rank, raw.shape.size());
  return golden::load_npy<T>(p);
}

// Rows [0, n) of the (a, b) slice of an (A, B, S, d) tensor, widened to D columns.
template <class T>
Tensor<T> head_slice(const Tensor<T>& t, size_t a, size_t b, size_t n, size_t D) {
  const size_t s = t.dim(2), d = t.dim(3);
  Tensor<T> out({n, D});
  const size_t off = (a * t.dim(1) + b) * s * d;
  for (size_t i = 0; i < n; ++i) {
    for (size_t e = 0; e < d; ++e) out(i, e) = t[off + i * d + e];
  }
  return out;
}

std::vector<double> float_slice(const Tensor<float>& t, size_t a, size_t b, size_t n) {
  const size_t s = t.dim(2), d = t.dim(3);
  const size_t off = (a * t.dim(1) + b) * s * d;
  return std::vector<double>(t.data().begin() + static_cast<std::ptrdiff_t>(off),
                             t.data().begin() + static_cast<std::ptrdiff_t>(off + n * d));
}

// Codes of the first n tokens of t (n x D): the ideal integer crossbar, or the analog model.
Tensor<uint8_t> codes(const golden::XbarMap& map, const Tensor<int8_t>& t, size_t n, unsigned shift,
                      uint32_t t_max, int groups, sim::PqCrossbar* xb) {
  Tensor<uint8_t> c({n, static_cast<size_t>(map.spec.groups)});
  const uint64_t q = golden::default_charge(map, golden::kDefaultTicksFull);
  const size_t D = t.dim(1);
  for (size_t i = 0; i < n; ++i) {
    std::span<const int8_t> x(t.data().data() + i * D, D);
    golden::WtaResult w;
    if (xb) {
      const auto ev = xb->eval(golden::input_levels(x, shift, map.spec));
      w = golden::wta(ev.tick, groups, map.spec.cols_per_group, t_max);
    } else {
      w = golden::encode_ideal_xbar(map, x, q, t_max, groups);
    }
    for (int m = 0; m < map.spec.groups; ++m) c(i, static_cast<size_t>(m)) = w.code[m];
  }
  return c;
}

struct Acc {
  double err2 = 0, ref2 = 0, cos_sum = 0, recall_hit = 0, recall_all = 0;
  size_t rows = 0;
  uint64_t kept = 0, valid = 0;
};

// Row-wise error terms of out vs ref (n x d) into acc.
void add_error(Acc& a, const std::vector<double>& out, const std::vector<double>& ref, size_t n,
               size_t d) {
  for (size_t i = 0; i < n; ++i) {
    double dot = 0, no = 0, nr = 0;
    for (size_t e = 0; e < d; ++e) {
      const double o = out[i * d + e], r = ref[i * d + e];
      a.err2 += (o - r) * (o - r);
      a.ref2 += r * r;
      dot += o * r;
      no += o * o;
      nr += r * r;
    }
    a.cos_sum += (no > 0 && nr > 0) ? dot / std::sqrt(no * nr) : (no == nr ? 1.0 : 0.0);
    ++a.rows;
  }
}

// The exact-score top-k of each row (float scores, ties to the lower index), the set the
// relevance stage should find.
std::vector<uint32_t> exact_topk(const std::vector<double>& qf, const std::vector<double>& kf,
                                 size_t i, size_t n, size_t d, size_t k) {
  std::vector<double> sc(n);
  for (size_t j = 0; j < n; ++j) {
    double s = 0;
    for (size_t e = 0; e < d; ++e) s += qf[i * d + e] * kf[j * d + e];
    sc[j] = s;
  }
  std::vector<uint32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0u);
  std::stable_sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) { return sc[a] > sc[b]; });
  idx.resize(k);
  std::sort(idx.begin(), idx.end());
  return idx;
}

}  // namespace

int attention_golden(const AttentionGoldenOptions& o) {
  const fs::path in(o.in_dir);
  HYCIM_CHECK(fs::is_directory(in), "attention-golden: --in {}: not a directory", o.in_dir);
  HYCIM_CHECK(o.density > 0 && o.density <= 1, "--density {} must be in (0, 1]", o.density);
  const auto q8 = load<int8_t>(in, "q_i8.npy", 4);
  const auto k8 = load<int8_t>(in, "k_i8.npy", 4);
  const auto v8 = load<int8_t>(in, "v_i8.npy", 4);
  const auto qf = load<float>(in, "q_f32.npy", 4);
  const auto kf = load<float>(in, "k_f32.npy", 4);
  const auto vf = load<float>(in, "v_f32.npy", 4);
  const auto sc = load<double>(in, "scales_f64.npy", 2);
  const auto cq = load<int8_t>(in, "calib_q_i8.npy", 3);
  const auto ck = load<int8_t>(in, "calib_k_i8.npy", 3);
  for (const auto* t : {&k8, &v8}) {
    HYCIM_CHECK(t->shape() == q8.shape(), "attention-golden: q/k/v_i8 shapes differ");
  }
  for (const auto* t : {&qf, &kf, &vf}) {
    HYCIM_CHECK(t->shape() == q8.shape(),
                "attention-golden: the f32 arrays must have the shape of q_i8 (N, H, S, d)");
  }
  const size_t N = q8.dim(0), H = q8.dim(1), S = q8.dim(2), d = q8.dim(3);
  const Shape shape = golden_shape(static_cast<uint32_t>(std::max<size_t>(S, 1)));
  HYCIM_CHECK(N >= 1 && H >= 1 && S >= 1, "attention-golden: empty arrays (N={}, H={}, S={})", N, H,
              S);
  HYCIM_CHECK(d == shape.dim, "attention-golden: head dimension {} != {} (M = {} subspaces of {})",
              d, shape.dim, shape.subspaces, shape.dim / shape.subspaces);
  HYCIM_CHECK(sc.dim(0) == 3 && sc.dim(1) == H,
              "attention-golden: scales_f64.npy: expected (3, {})", H);
  HYCIM_CHECK(cq.dim(0) == H && ck.dim(0) == H && cq.dim(2) == d && ck.dim(2) == d,
              "attention-golden: calib_q/k_i8.npy: expected (H={}, T, d={})", H, d);
  HYCIM_CHECK(cq.dim(1) >= shape.centroids && ck.dim(1) >= shape.centroids,
              "attention-golden: need at least {} calibration tokens per head", shape.centroids);
  std::vector<size_t> len(N, S);
  if (fs::exists(in / "len_i64.npy")) {
    const auto l = load<int64_t>(in, "len_i64.npy", 1);
    HYCIM_CHECK(l.dim(0) == N, "attention-golden: len_i64.npy: expected ({},)", N);
    for (size_t n = 0; n < N; ++n) {
      HYCIM_CHECK(l[n] >= 1 && static_cast<size_t>(l[n]) <= S,
                  "attention-golden: len_i64.npy[{}] = {} outside 1..{}", n, l[n], S);
      len[n] = static_cast<size_t>(l[n]);
    }
  }
  for (size_t h = 0; h < H; ++h) {
    for (int i = 0; i < 3; ++i) {
      HYCIM_CHECK(sc(static_cast<size_t>(i), h) > 0 && std::isfinite(sc(static_cast<size_t>(i), h)),
                  "attention-golden: scales_f64.npy[{}, {}] is not a positive number", i, h);
    }
  }
  sim::AnalogParams ap;
  if (!o.chip.empty()) ap = sim::AnalogParams::from_file(o.chip);
  const bool analog = !o.chip.empty();

  const fs::path out(o.out_dir);
  fs::create_directories(out);
  Tensor<double> result({N, H, S, d});
  nlohmann::json heads = nlohmann::json::array();
  Acc all;
  const auto build = shape.build();
  const int groups = static_cast<int>(d / (shape.dim / shape.subspaces));
  for (size_t h = 0; h < H; ++h) {
    // Codebooks and crossbar maps: once per head, on the calibration tokens.
    Head base;
    Tensor<int8_t> cqh({cq.dim(1), d}), ckh({ck.dim(1), d});
    std::copy_n(cq.data().begin() + static_cast<std::ptrdiff_t>(h * cq.dim(1) * d), cqh.size(),
                cqh.data().begin());
    std::copy_n(ck.data().begin() + static_cast<std::ptrdiff_t>(h * ck.dim(1) * d), ckh.size(),
                ckh.data().begin());
    tb::attn::map_head(base, shape, cqh, ckh, o.seed);
    std::unique_ptr<sim::PqCrossbar> xq, xk;
    if (analog) {
      sim::AnalogParams p = ap;
      const uint64_t hs = golden::splitmix64(ap.chip_seed + 1000003ull * o.layer + 2 * h);
      p.chip_seed = hs;
      p.run_seed = golden::splitmix64(ap.run_seed + hs);
      xq = std::make_unique<sim::PqCrossbar>(base.map_q, p);
      p.chip_seed = golden::splitmix64(hs + 1);
      p.run_seed = golden::splitmix64(p.run_seed + 1);
      xk = std::make_unique<sim::PqCrossbar>(base.map_k, p);
    }
    const double sq = sc(0, h), sk = sc(1, h), sv = sc(2, h);
    const auto sm = golden::softmax_scale(sq, sk, static_cast<uint32_t>(d));
    Acc acc;
    for (size_t n = 0; n < N; ++n) {
      const size_t L = len[n];
      const auto qd = float_slice(qf, n, h, L), kd = float_slice(kf, n, h, L),
                 vd = float_slice(vf, n, h, L);
      const auto ref = golden::attn_dense_ref(qd, kd, vd, L, d, false);
      double omax = 0;
      for (double x : ref) omax = std::max(omax, std::fabs(x));
      const double so = omax > 0 ? omax / 127.0 : 1.0;
      const auto av = golden::output_scale(sv, so);
      golden::AttnConfig c = base.cfg;
      c.seq_len = static_cast<uint32_t>(L);
      c.head_dim = static_cast<uint32_t>(d);
      c.dense = o.dense;
      c.match = o.match;
      c.topk = std::clamp<uint32_t>(
          static_cast<uint32_t>(std::ceil(o.density * static_cast<double>(L) - 1e-9)), 1u,
          static_cast<uint32_t>(L));
      c.enc_tmax = (1u << shape.tick_width) - 1;
      c.sm_mult = sm.mult;
      c.sm_shift = sm.shift;
      c.av_mult = av.mult;
      c.av_shift = av.shift;
      golden::AttnInputs ai;
      ai.q = head_slice(q8, n, h, L, d);
      ai.k = head_slice(k8, n, h, L, d);
      ai.v = head_slice(v8, n, h, L, d);
      if (!o.dense) {
        ai.qcodes = codes(base.map_q, ai.q, L, c.enc_shift, c.enc_tmax, groups, xq.get());
        ai.kcodes = codes(base.map_k, ai.k, L, c.enc_shift, c.enc_tmax, groups, xk.get());
        ai.tables = base.tables;
      }
      const auto r = golden::attn_head(c, build, ai);
      std::vector<double> o_d(L * d);
      for (size_t i = 0; i < L; ++i) {
        for (size_t e = 0; e < d; ++e) {
          o_d[i * d + e] = r.out(i, e) * so;
          result(n, h, i, e) = o_d[i * d + e];
        }
        const auto ex = exact_topk(qd, kd, i, L, d, r.rows[i].kept.size());
        size_t hit = 0;
        for (uint32_t j : r.rows[i].kept) hit += std::binary_search(ex.begin(), ex.end(), j);
        acc.recall_hit += static_cast<double>(hit);
        acc.recall_all += static_cast<double>(ex.size());
      }
      add_error(acc, o_d, ref, L, d);
      acc.kept += r.kept_total;
      acc.valid += r.valid_total;
    }
    const double rel = acc.ref2 > 0 ? std::sqrt(acc.err2 / acc.ref2) : 0.0;
    heads.push_back(
        {{"head", h},
         {"rel_fro", rel},
         {"mean_cos", acc.cos_sum / static_cast<double>(acc.rows)},
         {"recall", acc.recall_all > 0 ? acc.recall_hit / acc.recall_all : 1.0},
         {"density",
          acc.valid ? static_cast<double>(acc.kept) / static_cast<double>(acc.valid) : 0.0},
         {"enc_shift", base.cfg.enc_shift}});
    all.err2 += acc.err2;
    all.ref2 += acc.ref2;
    all.cos_sum += acc.cos_sum;
    all.rows += acc.rows;
    all.recall_hit += acc.recall_hit;
    all.recall_all += acc.recall_all;
    all.kept += acc.kept;
    all.valid += acc.valid;
    if (!o.quiet) {
      fmt::print("head {}: rel_fro {:.4f} mean_cos {:.4f} recall {:.4f}\n", h, rel,
                 acc.cos_sum / static_cast<double>(acc.rows), heads.back()["recall"].get<double>());
    }
  }
  golden::save_npy((out / "out_f64.npy").string(), result);
  nlohmann::json j = {
      {"tool", "hycim attention-golden"},
      {"in", o.in_dir},
      {"density", o.density},
      {"match", o.match},
      {"dense", o.dense},
      {"chip", o.chip.empty() ? "ideal" : ap.describe()},
      {"layer", o.layer},
      {"seed", o.seed},
      {"sequences", N},
      {"heads_n", H},
      {"seq_max", S},
      {"rel_fro", all.ref2 > 0 ? std::sqrt(all.err2 / all.ref2) : 0.0},
      {"mean_cos", all.rows ? all.cos_sum / static_cast<double>(all.rows) : 0.0},
      {"recall", all.recall_all > 0 ? all.recall_hit / all.recall_all : 1.0},
      {"kept_density",
       all.valid ? static_cast<double>(all.kept) / static_cast<double>(all.valid) : 0.0},
      {"heads", heads}};
  std::ofstream f(out / "stats.json");
  HYCIM_CHECK(static_cast<bool>(f), "attention-golden: cannot write {}",
              (out / "stats.json").string());
  f << j.dump(2) << "\n";
  return 0;
}

}  // namespace hycim::cli
