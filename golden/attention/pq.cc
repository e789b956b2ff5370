#include "golden/attention/pq.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "golden/core/int_ops.h"
#include "golden/core/rng.h"

namespace hycim::golden {

namespace {

void check_tokens(const Tensor<int8_t>& x, const Codebook& cb) {
  HYCIM_CHECK(x.rank() == 2, "tokens must be S x D, got rank {}", x.rank());
  HYCIM_CHECK(static_cast<int>(x.dim(1)) == cb.subspaces * cb.sub_dim,
              "tokens have {} dimensions, the codebook {} x {}", x.dim(1), cb.subspaces,
              cb.sub_dim);
}

double sq_dist(const double* a, const double* b, int d) {
  double s = 0.0;
  for (int i = 0; i < d; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

// Lloyd's k-means with k-means++ initialisation on n points of dimension d.
void kmeans(const std::vector<double>& pts, int n, int d, int k, Rng& rng, int max_iters,
            double* cent, int* iters_out, double* distortion_out) {
  // k-means++: first centre uniform, then each next one with probability proportional to D^2.
  std::vector<double> dmin(static_cast<size_t>(n), std::numeric_limits<double>::infinity());
  int first = static_cast<int>(rng.uniform_int(0, n - 1));
  std::copy_n(&pts[static_cast<size_t>(first) * d], d, cent);
  for (int c = 1; c < k; ++c) {
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
      dmin[i] = std::min(dmin[i], sq_dist(&pts[static_cast<size_t>(i) * d],
                                          &cent[static_cast<size_t>(c - 1) * d], d));
      total += dmin[i];
    }
    int pick = n - 1;
    if (total > 0.0) {
      double r = rng.uniform() * total;
      for (int i = 0; i < n; ++i) {
        r -= dmin[i];
        if (r < 0.0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = static_cast<int>(rng.uniform_int(0, n - 1));  // every point is already a centre
    }
    std::copy_n(&pts[static_cast<size_t>(pick) * d], d, &cent[static_cast<size_t>(c) * d]);
  }
  // Lloyd iterations.
  std::vector<int> assign(static_cast<size_t>(n), -1);
  std::vector<double> sum(static_cast<size_t>(k) * d);
  std::vector<int> cnt(static_cast<size_t>(k));
  int it = 0;
  for (; it < max_iters; ++it) {
    bool changed = false;
    for (int i = 0; i < n; ++i) {
      int best = 0;
      double bd = std::numeric_limits<double>::infinity();
      for (int c = 0; c < k; ++c) {
        const double dd =
            sq_dist(&pts[static_cast<size_t>(i) * d], &cent[static_cast<size_t>(c) * d], d);
        if (dd < bd) {
          bd = dd;
          best = c;
        }
      }
      if (assign[i] != best) changed = true;
      assign[i] = best;
    }
    if (!changed) break;
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(cnt.begin(), cnt.end(), 0);
    for (int i = 0; i < n; ++i) {
      ++cnt[assign[i]];
      for (int j = 0; j < d; ++j) sum[static_cast<size_t>(assign[i]) * d + j] += pts[i * d + j];
    }
    for (int c = 0; c < k; ++c) {
      if (cnt[c] == 0) {
        // Re-seed an empty cluster with the point farthest from its centre.
        int far = 0;
        double fd = -1.0;
        for (int i = 0; i < n; ++i) {
          const double dd = sq_dist(&pts[static_cast<size_t>(i) * d],
                                    &cent[static_cast<size_t>(assign[i]) * d], d);
          if (dd > fd) {
            fd = dd;
            far = i;
          }
        }
        std::copy_n(&pts[static_cast<size_t>(far) * d], d, &cent[static_cast<size_t>(c) * d]);
        assign[far] = c;
        continue;
      }
      for (int j = 0; j < d; ++j) cent[c * d + j] = sum[static_cast<size_t>(c) * d + j] / cnt[c];
    }
  }
  double dist = 0.0;
  for (int i = 0; i < n; ++i) {
    double bd = std::numeric_limits<double>::infinity();
    for (int c = 0; c < k; ++c) {
      bd = std::min(
          bd, sq_dist(&pts[static_cast<size_t>(i) * d], &cent[static_cast<size_t>(c) * d], d));
    }
    dist += bd;
  }
  *iters_out = it;
  *distortion_out = dist / n;
}

}  // namespace

Codebook train_codebook(const Tensor<int8_t>& x, int subspaces, int centroids,
                        const KmeansOptions& opt) {
  HYCIM_CHECK(x.rank() == 2, "tokens must be S x D, got rank {}", x.rank());
  HYCIM_CHECK(subspaces >= 1 && centroids >= 1, "M = {}, C = {}", subspaces, centroids);
  HYCIM_CHECK(x.dim(1) % static_cast<size_t>(subspaces) == 0, "D = {} is not a multiple of M = {}",
              x.dim(1), subspaces);
  HYCIM_CHECK(x.dim(0) >= static_cast<size_t>(centroids), "{} tokens cannot train {} centroids",
              x.dim(0), centroids);
  HYCIM_CHECK(opt.max_iters >= 1, "max_iters = {}", opt.max_iters);
  Codebook cb;
  cb.subspaces = subspaces;
  cb.centroids = centroids;
  cb.sub_dim = static_cast<int>(x.dim(1)) / subspaces;
  const int n = static_cast<int>(x.dim(0));
  const int d = cb.sub_dim;
  cb.fcent.assign(static_cast<size_t>(subspaces) * centroids * d, 0.0);
  cb.cent = Tensor<int8_t>(
      {static_cast<size_t>(subspaces), static_cast<size_t>(centroids), static_cast<size_t>(d)});
  cb.iterations.assign(static_cast<size_t>(subspaces), 0);
  cb.distortion.assign(static_cast<size_t>(subspaces), 0.0);
  std::vector<double> pts(static_cast<size_t>(n) * d);
  for (int m = 0; m < subspaces; ++m) {
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < d; ++j) pts[static_cast<size_t>(i) * d + j] = x(i, m * d + j);
    }
    Rng rng(splitmix64(opt.seed + 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(m + 1)));
    double* cent = &cb.fcent[static_cast<size_t>(m) * centroids * d];
    kmeans(pts, n, d, centroids, rng, opt.max_iters, cent, &cb.iterations[m], &cb.distortion[m]);
    for (int c = 0; c < centroids; ++c) {
      for (int j = 0; j < d; ++j) {
        cb.cent(m, c, j) =
            static_cast<int8_t>(sat(static_cast<int64_t>(std::lround(cent[c * d + j])), 8));
      }
    }
  }
  return cb;
}

Tensor<uint8_t> encode_nearest(const Tensor<int8_t>& x, const Codebook& cb) {
  check_tokens(x, cb);
  const size_t s = x.dim(0);
  Tensor<uint8_t> codes({s, static_cast<size_t>(cb.subspaces)});
  for (size_t t = 0; t < s; ++t) {
    for (int m = 0; m < cb.subspaces; ++m) {
      int64_t best = std::numeric_limits<int64_t>::min();
      int bi = 0;
      for (int c = 0; c < cb.centroids; ++c) {
        int64_t dot = 0, nn = 0;
        for (int j = 0; j < cb.sub_dim; ++j) {
          const int64_t cv = cb.cent(m, c, j);
          dot += static_cast<int64_t>(x(t, m * cb.sub_dim + j)) * cv;
          nn += cv * cv;
        }
        const int64_t score = 2 * dot - nn;
        if (score > best) {  // strict: ties keep the lowest index
          best = score;
          bi = c;
        }
      }
      codes(t, m) = static_cast<uint8_t>(bi);
    }
  }
  return codes;
}

Tensor<uint8_t> encode_nearest_float(const Tensor<int8_t>& x, const Codebook& cb) {
  check_tokens(x, cb);
  const size_t s = x.dim(0);
  const int d = cb.sub_dim;
  Tensor<uint8_t> codes({s, static_cast<size_t>(cb.subspaces)});
  std::vector<double> v(static_cast<size_t>(d));
  for (size_t t = 0; t < s; ++t) {
    for (int m = 0; m < cb.subspaces; ++m) {
      for (int j = 0; j < d; ++j) v[j] = x(t, m * d + j);
      double bd = std::numeric_limits<double>::infinity();
      int bi = 0;
      for (int c = 0; c < cb.centroids; ++c) {
        const double dd =
            sq_dist(v.data(), &cb.fcent[(static_cast<size_t>(m) * cb.centroids + c) * d], d);
        if (dd < bd) {
          bd = dd;
          bi = c;
        }
      }
      codes(t, m) = static_cast<uint8_t>(bi);
    }
  }
  return codes;
}

void check_spec(const XbarSpec& s) {
  HYCIM_CHECK(s.groups >= 1 && s.groups <= 8, "groups = {} (1..8: codes pack into 32 bits)",
              s.groups);
  HYCIM_CHECK(s.cols_per_group >= 2 && s.cols_per_group <= 16,
              "cols_per_group = {} (2..16: 4-bit codes)", s.cols_per_group);
  HYCIM_CHECK(s.sub_dim >= 1 && s.sub_dim <= 64, "sub_dim = {}", s.sub_dim);
  HYCIM_CHECK(s.in_bits >= 2 && s.in_bits <= 8, "in_bits = {} (2..8)", s.in_bits);
  HYCIM_CHECK(s.g_bits >= 2 && s.g_bits <= 8, "g_bits = {} (2..8)", s.g_bits);
  HYCIM_CHECK(s.tick_width >= 2 && s.tick_width <= 16, "tick_width = {} (2..16)", s.tick_width);
}

int64_t XbarMap::max_b0() const { return b0.empty() ? 0 : *std::max_element(b0.begin(), b0.end()); }

XbarMap map_crossbar(const Codebook& cb, unsigned shift, const XbarSpec& spec) {
  check_spec(spec);
  HYCIM_CHECK(cb.subspaces == spec.groups && cb.centroids == spec.cols_per_group &&
                  cb.sub_dim == spec.sub_dim,
              "codebook {} x {} x {} does not fit a crossbar of {} groups x {} columns x {} rows",
              cb.subspaces, cb.centroids, cb.sub_dim, spec.groups, spec.cols_per_group,
              spec.sub_dim);
  HYCIM_CHECK(shift <= 7, "shift = {} (0..7 for INT8 data)", shift);
  XbarMap map;
  map.spec = spec;
  map.shift = shift;
  const int d = spec.sub_dim;
  const int64_t a = int64_t{1} << (spec.in_bits - 1);
  const int64_t b = int64_t{1} << (spec.g_bits - 1);
  map.cq = Tensor<int8_t>(cb.cent.shape());
  map.level = Tensor<uint8_t>(
      {static_cast<size_t>(spec.rows() - 1), static_cast<size_t>(spec.cols())}, uint8_t{0});
  map.bias.assign(static_cast<size_t>(spec.cols()), 0);
  map.b0.assign(static_cast<size_t>(spec.groups), 0);
  std::vector<int64_t> need(static_cast<size_t>(spec.cols()));
  for (int m = 0; m < spec.groups; ++m) {
    int64_t b0 = std::numeric_limits<int64_t>::min();
    for (int c = 0; c < spec.cols_per_group; ++c) {
      const int col = m * spec.cols_per_group + c;
      int64_t nn = 0, sum = 0;
      for (int j = 0; j < d; ++j) {
        const int64_t q = sat(rnd_shr(cb.cent(m, c, j), shift), spec.g_bits);
        map.cq(m, c, j) = static_cast<int8_t>(q);
        map.level(m * d + j, col) = static_cast<uint8_t>(q + b);
        nn += q * q;
        sum += q;
      }
      need[col] = nn + 2 * a * sum;
      b0 = std::max(b0, need[col]);
    }
    map.b0[m] = b0;
    for (int c = 0; c < spec.cols_per_group; ++c) {
      const int col = m * spec.cols_per_group + c;
      map.bias[col] = b0 - need[col];
    }
  }
  return map;
}

unsigned choose_shift(const Tensor<int8_t>& x, int in_bits, double clip) {
  HYCIM_CHECK(in_bits >= 2 && in_bits <= 8, "in_bits = {}", in_bits);
  HYCIM_CHECK(clip >= 0.0 && clip < 1.0, "clip = {}", clip);
  HYCIM_CHECK(x.size() > 0, "no tokens");
  for (unsigned s = 0; s < 7; ++s) {
    size_t n = 0;
    for (int8_t v : x.data()) n += saturates(rnd_shr(v, s), in_bits);
    if (static_cast<double>(n) <= clip * static_cast<double>(x.size())) return s;
  }
  return 7;
}

std::vector<uint8_t> input_levels(std::span<const int8_t> x, unsigned shift, const XbarSpec& s) {
  check_spec(s);
  HYCIM_CHECK(static_cast<int>(x.size()) == s.groups * s.sub_dim,
              "token has {} elements, the crossbar {} data rows", x.size(), s.groups * s.sub_dim);
  HYCIM_CHECK(shift <= 7, "shift = {}", shift);
  std::vector<uint8_t> u(static_cast<size_t>(s.rows()));
  const int64_t a = int64_t{1} << (s.in_bits - 1);
  for (size_t r = 0; r < x.size(); ++r) {
    u[r] = static_cast<uint8_t>(sat(rnd_shr(x[r], shift), s.in_bits) + a);
  }
  u.back() = s.full_scale();
  return u;
}

std::vector<int64_t> ideal_currents(const XbarMap& map, std::span<const uint8_t> u) {
  const XbarSpec& s = map.spec;
  HYCIM_CHECK(static_cast<int>(u.size()) == s.rows(), "{} input levels for {} rows", u.size(),
              s.rows());
  HYCIM_CHECK(u.back() == s.full_scale(), "the bias row must be driven at full scale ({}), got {}",
              s.full_scale(), u.back());
  const int64_t b = int64_t{1} << (s.g_bits - 1);
  std::vector<int64_t> cur(static_cast<size_t>(s.cols()));
  for (int col = 0; col < s.cols(); ++col) {
    const int g = col / s.cols_per_group;
    int64_t acc = 0;
    for (int j = 0; j < s.sub_dim; ++j) {
      const int r = g * s.sub_dim + j;
      acc += static_cast<int64_t>(u[r]) * (static_cast<int64_t>(map.level(r, col)) - b);
    }
    cur[col] = 2 * acc + map.bias[col];
  }
  return cur;
}

std::vector<uint8_t> encode_quantized(const XbarMap& map, std::span<const int8_t> x) {
  const XbarSpec& s = map.spec;
  HYCIM_CHECK(static_cast<int>(x.size()) == s.groups * s.sub_dim, "token has {} elements",
              x.size());
  std::vector<uint8_t> codes(static_cast<size_t>(s.groups));
  for (int m = 0; m < s.groups; ++m) {
    int64_t best = std::numeric_limits<int64_t>::min();
    for (int c = 0; c < s.cols_per_group; ++c) {
      int64_t dot = 0, nn = 0;
      for (int j = 0; j < s.sub_dim; ++j) {
        const int64_t xq = sat(rnd_shr(x[m * s.sub_dim + j], map.shift), s.in_bits);
        const int64_t cq = map.cq(m, c, j);
        dot += xq * cq;
        nn += cq * cq;
      }
      if (2 * dot - nn > best) {
        best = 2 * dot - nn;
        codes[m] = static_cast<uint8_t>(c);
      }
    }
  }
  return codes;
}

std::vector<uint32_t> ideal_ticks(std::span<const int64_t> currents, uint64_t q, int tick_width) {
  HYCIM_CHECK(q > 0, "the charge q must be positive");
  HYCIM_CHECK(tick_width >= 2 && tick_width <= 16, "tick_width = {}", tick_width);
  const uint64_t lim = (uint64_t{1} << tick_width) - 1;
  std::vector<uint32_t> t(currents.size());
  for (size_t i = 0; i < currents.size(); ++i) {
    if (currents[i] <= 0) {
      t[i] = static_cast<uint32_t>(lim);
    } else {
      const uint64_t c = static_cast<uint64_t>(currents[i]);
      t[i] = static_cast<uint32_t>(std::min(lim, (q + c - 1) / c));
    }
  }
  return t;
}

uint64_t default_charge(const XbarMap& map, uint32_t ticks_full) {
  HYCIM_CHECK(ticks_full >= 1, "ticks_full = {}", ticks_full);
  return static_cast<uint64_t>(std::max<int64_t>(1, map.max_b0())) * ticks_full;
}

uint32_t WtaResult::code_word() const {
  uint32_t w = 0;
  for (size_t g = 0; g < code.size(); ++g) w |= static_cast<uint32_t>(code[g] & 0xf) << (4 * g);
  return w;
}
uint32_t WtaResult::tie_mask() const {
  uint32_t w = 0;
  for (size_t g = 0; g < tie.size(); ++g) w |= static_cast<uint32_t>(tie[g] != 0) << g;
  return w;
}
uint32_t WtaResult::timeout_mask() const {
  uint32_t w = 0;
  for (size_t g = 0; g < timeout.size(); ++g) w |= static_cast<uint32_t>(timeout[g] != 0) << g;
  return w;
}

WtaResult wta(std::span<const uint32_t> ticks, int groups_active, int cols_per_group,
              uint32_t t_max) {
  HYCIM_CHECK(groups_active >= 1 && cols_per_group >= 1, "groups {}, columns {}", groups_active,
              cols_per_group);
  HYCIM_CHECK(t_max >= 1, "t_max must be at least 1");
  HYCIM_CHECK(ticks.size() >= static_cast<size_t>(groups_active) * cols_per_group,
              "{} ticks for {} groups of {}", ticks.size(), groups_active, cols_per_group);
  const size_t ng = ticks.size() / static_cast<size_t>(cols_per_group);
  WtaResult r;
  r.code.assign(ng, 0);
  r.tie.assign(ng, 0);
  r.timeout.assign(ng, 0);
  r.win_tick.assign(ng, 0);
  for (int g = 0; g < groups_active; ++g) {
    uint32_t tmin = std::numeric_limits<uint32_t>::max();
    int first = 0, n = 0;
    for (int c = 0; c < cols_per_group; ++c) {
      const uint32_t t = std::max<uint32_t>(1, ticks[g * cols_per_group + c]);
      if (t < tmin) {
        tmin = t;
        first = c;
        n = 1;
      } else if (t == tmin) {
        ++n;
      }
    }
    if (tmin <= t_max) {
      r.code[g] = static_cast<uint8_t>(first);
      r.tie[g] = n > 1;
      r.win_tick[g] = static_cast<uint16_t>(tmin);
    } else {
      r.timeout[g] = 1;
      r.win_tick[g] = static_cast<uint16_t>(t_max);
    }
    r.done_tick = std::max<uint32_t>(r.done_tick, r.win_tick[g]);
  }
  return r;
}

WtaResult encode_ideal_xbar(const XbarMap& map, std::span<const int8_t> x, uint64_t q,
                            uint32_t t_max, int groups_active) {
  const auto u = input_levels(x, map.shift, map.spec);
  const auto cur = ideal_currents(map, u);
  const auto t = ideal_ticks(cur, q, map.spec.tick_width);
  return wta(t, groups_active, map.spec.cols_per_group, t_max);
}

}  // namespace hycim::golden
