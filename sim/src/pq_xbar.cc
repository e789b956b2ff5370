#include "hycim/sim/pq_xbar.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "hycim/golden/check.h"
#include "hycim/golden/parse.h"

namespace hycim::sim {

namespace {

double parse_double(const std::string& key, const std::string& v) {
  size_t pos = 0;
  double d = 0.0;
  try {
    d = std::stod(v, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  HYCIM_CHECK(pos == v.size() && std::isfinite(d), "{} = '{}' is not a number", key, v);
  return d;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// The real-valued parameters, in the order describe() lists them: name, member, the values it
// accepts, and whether a non-zero value is a non-ideal effect (drift_t only scales drift_nu).
enum class Range { kNonNegative, kRate, kAtLeastOne };
struct RealField {
  const char* name;
  double AnalogParams::*member;
  Range range;
  bool effect;
};
constexpr RealField kRealFields[] = {
    {"g_off", &AnalogParams::g_off, Range::kNonNegative, true},
    {"prog_sigma", &AnalogParams::prog_sigma, Range::kNonNegative, true},
    {"read_sigma", &AnalogParams::read_sigma, Range::kNonNegative, true},
    {"comp_offset_sigma", &AnalogParams::comp_offset_sigma, Range::kNonNegative, true},
    {"comp_jitter", &AnalogParams::comp_jitter, Range::kNonNegative, true},
    {"ir_drop", &AnalogParams::ir_drop, Range::kRate, true},
    {"stuck_on_rate", &AnalogParams::stuck_on_rate, Range::kRate, true},
    {"stuck_off_rate", &AnalogParams::stuck_off_rate, Range::kRate, true},
    {"drift_nu", &AnalogParams::drift_nu, Range::kNonNegative, true},
    {"drift_nu_sigma", &AnalogParams::drift_nu_sigma, Range::kNonNegative, true},
    {"drift_t", &AnalogParams::drift_t, Range::kAtLeastOne, false},
};

}  // namespace

bool AnalogParams::ideal() const {
  for (const auto& f : kRealFields) {
    if (f.effect && this->*f.member != 0.0) return false;
  }
  return true;
}

void AnalogParams::set(const std::string& key, const std::string& value) {
  for (const auto& f : kRealFields) {
    if (key != f.name) continue;
    const double d = parse_double(key, value);
    switch (f.range) {
      case Range::kNonNegative:
        HYCIM_CHECK(d >= 0.0, "{} = {} must not be negative", key, d);
        break;
      case Range::kRate:
        HYCIM_CHECK(d >= 0.0 && d <= 1.0, "{} = {} is not a rate in [0, 1]", key, d);
        break;
      case Range::kAtLeastOne:
        HYCIM_CHECK(d >= 1.0, "{} = {} must be >= 1 (time since programming / t0)", key, d);
        break;
    }
    this->*f.member = d;
    return;
  }
  if (key == "ticks_full" || key == "chip_seed" || key == "run_seed") {
    const auto parsed = golden::parse_u64(value);
    HYCIM_CHECK(parsed.has_value(), "{} = '{}' is not an unsigned integer", key, value);
    const uint64_t v = *parsed;
    if (key == "ticks_full") {
      HYCIM_CHECK(v >= 1 && v <= 65535, "ticks_full = {} (1..65535)", v);
      ticks_full = static_cast<uint32_t>(v);
    } else if (key == "chip_seed") {
      chip_seed = v;
    } else {
      run_seed = v;
    }
    return;
  }
  HYCIM_CHECK(false, "unknown analog parameter '{}'", key);
}

AnalogParams AnalogParams::from_file(const std::string& path) {
  std::ifstream f(path);
  HYCIM_CHECK(f.good(), "cannot open analog parameter file '{}'", path);
  AnalogParams p;
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    ++n;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (line.empty()) continue;
    const auto eq = line.find('=');
    HYCIM_CHECK(eq != std::string::npos, "{}:{}: expected 'key = value', got '{}'", path, n, line);
    try {
      p.set(trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
    } catch (const Error& e) {
      throw Error(fmt::format("{}:{}: {}", path, n, e.what()));
    }
  }
  return p;
}

std::string AnalogParams::describe() const {
  const AnalogParams d;
  std::string s;
  auto add = [&s](const char* k, auto v) {
    s += fmt::format("{}{}={}", s.empty() ? "" : " ", k, v);
  };
  for (const auto& f : kRealFields) {
    if (this->*f.member != d.*f.member) add(f.name, this->*f.member);
  }
  if (ticks_full != d.ticks_full) add("ticks_full", ticks_full);
  return s.empty() ? "ideal" : s;
}

PqCrossbar::PqCrossbar(const golden::XbarMap& map, const AnalogParams& p)
    : map_(map), p_(p), run_rng_(golden::splitmix64(p.run_seed ^ 0x72756e2073656564ull)) {
  const auto& s = map_.spec;
  HYCIM_CHECK(map_.bias.size() == static_cast<size_t>(s.cols()), "the map is not programmed");
  q_ = golden::default_charge(map_, p_.ticks_full);
  const int rows = s.rows();
  const int ncols = s.cols() + s.groups;
  ref_col0_ = s.cols();
  const double top = static_cast<double>((1 << s.g_bits) - 1);
  const double mid = static_cast<double>(1 << (s.g_bits - 1));
  g_.assign(static_cast<size_t>(rows) * ncols, 0.0);
  golden::Rng chip(golden::splitmix64(p_.chip_seed ^ 0x6368697020736565ull));
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < ncols; ++c) {
      // The same draws for every cell whichever effects are on, so that switching one effect
      // does not change the realisation of another.
      const double u_stuck = chip.uniform();
      const double n_prog = chip.normal();
      const double n_nu = chip.normal();
      const bool bias_row = r == rows - 1;
      const bool ref = c >= ref_col0_;
      const int grp = ref ? c - ref_col0_ : c / s.cols_per_group;
      const bool in_block = !bias_row && r / s.sub_dim == grp;
      double g = 0.0;
      if (bias_row) {
        // The bias cell: a scale factor on bias_c (exactly 1 when ideal); reference columns
        // carry no bias.
        g = ref ? 0.0 : 1.0;
      } else {
        double level = 0.0;
        if (in_block) level = ref ? mid : static_cast<double>(map_.level(r, c));
        if (u_stuck < p_.stuck_on_rate) {
          level = top;
        } else if (u_stuck < p_.stuck_on_rate + p_.stuck_off_rate) {
          level = 0.0;
        }
        g = level + p_.g_off;
      }
      g *= 1.0 + p_.prog_sigma * n_prog;
      const double nu = p_.drift_nu + p_.drift_nu_sigma * n_nu;
      if (p_.drift_t != 1.0 && nu != 0.0) g *= std::pow(p_.drift_t, -nu);
      // First-order IR drop: the further the cell from the row driver and the sense amplifier,
      // the less of the row voltage it sees.
      const double pos =
          (static_cast<double>(r + 1) / rows + static_cast<double>(c + 1) / ncols) / 2;
      g *= 1.0 - p_.ir_drop * pos;
      g_[static_cast<size_t>(r) * ncols + c] = std::max(0.0, g);
    }
  }
  comp_q_.assign(static_cast<size_t>(s.cols()), static_cast<double>(q_));
  for (int c = 0; c < s.cols(); ++c) {
    comp_q_[c] *= std::max(0.0, 1.0 + p_.comp_offset_sigma * chip.normal());
  }
}

PqCrossbar::Eval PqCrossbar::eval(std::span<const uint8_t> levels) {
  const auto& s = map_.spec;
  HYCIM_CHECK(static_cast<int>(levels.size()) == s.rows(), "{} input levels for {} rows",
              levels.size(), s.rows());
  const int rows = s.rows();
  const int ncols = s.cols() + s.groups;
  const double fs = s.full_scale();
  last_gross_.assign(static_cast<size_t>(ncols), 0.0);
  for (int c = 0; c < ncols; ++c) {
    double acc = 0.0;
    for (int r = 0; r < rows - 1; ++r) {
      acc += static_cast<double>(levels[r]) * g_[static_cast<size_t>(r) * ncols + c];
    }
    double i = 2.0 * acc;
    if (c < ref_col0_) {
      i += static_cast<double>(map_.bias[c]) * (levels[rows - 1] / fs) *
           g_[static_cast<size_t>(rows - 1) * ncols + c];
    }
    i *= 1.0 + p_.read_sigma * run_rng_.normal();
    last_gross_[c] = i;
  }
  Eval e;
  e.current.resize(static_cast<size_t>(s.cols()));
  e.tick.resize(static_cast<size_t>(s.cols()));
  const double lim = s.tick_limit();
  for (int c = 0; c < s.cols(); ++c) {
    const double net = last_gross_[c] - last_gross_[ref_col0_ + c / s.cols_per_group];
    e.current[c] = net;
    const double jitter = p_.comp_jitter * run_rng_.normal();
    double t = net > 0.0 ? std::ceil(comp_q_[c] / net + jitter) : lim;
    t = std::clamp(t, 1.0, lim);
    e.tick[c] = static_cast<uint32_t>(t);
  }
  last_tick_ = e.tick;
  return e;
}

std::vector<uint32_t> PqCrossbar::discharge_ticks(std::span<const uint32_t> stop_tick,
                                                  uint32_t t_max) const {
  const auto& s = map_.spec;
  HYCIM_CHECK(stop_tick.size() >= static_cast<size_t>(s.groups), "{} stop ticks for {} groups",
              stop_tick.size(), s.groups);
  std::vector<uint32_t> t(static_cast<size_t>(s.groups), 0);
  if (last_tick_.empty()) return t;
  for (int g = 0; g < s.groups; ++g) {
    uint32_t last = 0;  // without early stop the race ends when the group's last column fires
    for (int c = g * s.cols_per_group; c < (g + 1) * s.cols_per_group; ++c) {
      last = std::max(last, last_tick_[c]);
    }
    t[g] = std::min(stop_tick[g] ? stop_tick[g] : last, t_max);
  }
  return t;
}

double PqCrossbar::race_charge(std::span<const uint32_t> active_ticks) const {
  const auto& s = map_.spec;
  HYCIM_CHECK(active_ticks.size() >= static_cast<size_t>(s.groups), "{} active times for {} groups",
              active_ticks.size(), s.groups);
  if (last_gross_.empty()) return 0.0;
  double q = 0.0;
  for (int g = 0; g < s.groups; ++g) {
    const uint32_t stop = active_ticks[g];
    for (int c = g * s.cols_per_group; c < (g + 1) * s.cols_per_group; ++c) {
      q += std::abs(last_gross_[c]) * std::min(stop, last_tick_[c]);
    }
    q += std::abs(last_gross_[ref_col0_ + g]) * stop;
  }
  return q;
}

}  // namespace hycim::sim
