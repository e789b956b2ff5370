#include "sim/attention/pq_xbar.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

#include "golden/core/check.h"
#include "golden/core/parse.h"

namespace hycim::sim {

namespace {

// The real-valued parameters, in the order describe() lists them: name, member, the closed range
// of legal values, what the value means (for messages), and whether a non-zero value is a
// non-ideal effect (drift_t only scales drift_nu). sim/README.md lists the same ranges.
struct RealField {
  const char* name;
  double AnalogParams::*member;
  double lo, hi;
  const char* what;
  bool effect;
};
constexpr RealField kRealFields[] = {
    {"g_off", &AnalogParams::g_off, 0.0, 15.0, "off conductance in level steps", true},
    {"prog_sigma", &AnalogParams::prog_sigma, 0.0, 1.0, "relative sigma", true},
    {"read_sigma", &AnalogParams::read_sigma, 0.0, 1.0, "relative sigma", true},
    {"comp_offset_sigma", &AnalogParams::comp_offset_sigma, 0.0, 1.0, "relative sigma", true},
    {"comp_jitter", &AnalogParams::comp_jitter, 0.0, 65535.0, "sigma in ticks", true},
    {"ir_drop", &AnalogParams::ir_drop, 0.0, 1.0, "attenuation of the far corner", true},
    {"stuck_on_rate", &AnalogParams::stuck_on_rate, 0.0, 1.0, "a rate", true},
    {"stuck_off_rate", &AnalogParams::stuck_off_rate, 0.0, 1.0, "a rate", true},
    {"drift_nu", &AnalogParams::drift_nu, 0.0, 1.0, "drift exponent", true},
    {"drift_nu_sigma", &AnalogParams::drift_nu_sigma, 0.0, 1.0, "sigma of the exponent", true},
    {"drift_t", &AnalogParams::drift_t, 1.0, 1e12, "time since programming / t0", false},
    {"cal_sigma", &AnalogParams::cal_sigma, 0.0, 1.0, "relative sigma of the trim", true},
};

// The unsigned integer parameters: name and the closed range of legal values.
struct UintField {
  const char* name;
  uint64_t lo, hi;
};
constexpr UintField kUintFields[] = {
    {"ticks_full", 1, 65535},
    {"chip_seed", 0, UINT64_MAX},
    {"run_seed", 0, UINT64_MAX},
};

constexpr std::pair<Mapping, const char*> kMappings[] = {
    {Mapping::offset, "offset"},
    {Mapping::differential, "differential"},
    {Mapping::offset_cal, "offset_cal"},
    {Mapping::differential_cal, "differential_cal"},
};

const RealField* find_real(std::string_view key) {
  for (const auto& f : kRealFields) {
    if (key == f.name) return &f;
  }
  return nullptr;
}

const UintField* find_uint(std::string_view key) {
  for (const auto& f : kUintFields) {
    if (key == f.name) return &f;
  }
  return nullptr;
}

[[noreturn]] void unknown_key(std::string_view key) {
  std::string known;
  for (const auto& f : kRealFields) known += fmt::format(" {}", f.name);
  for (const auto& f : kUintFields) known += fmt::format(" {}", f.name);
  known += " mapping";
  throw Error(fmt::format("unknown analog parameter '{}' (known:{})", key, known));
}

// Sets a real parameter after its range check and, for the stuck-at rates, the check that the
// two kinds together cover at most every cell. p is unchanged when a check fails.
void set_real(AnalogParams& p, const RealField& f, double d) {
  if (!std::isfinite(d)) throw Error(fmt::format("{} = {} is not a finite number", f.name, d));
  if (d < f.lo || d > f.hi) {
    throw Error(
        fmt::format("{} = {} is out of range: legal [{}, {}] ({})", f.name, d, f.lo, f.hi, f.what));
  }
  AnalogParams next = p;
  next.*f.member = d;
  if (next.stuck_on_rate + next.stuck_off_rate > 1.0) {
    throw Error(fmt::format("stuck_on_rate + stuck_off_rate = {} + {} exceeds 1",
                            next.stuck_on_rate, next.stuck_off_rate));
  }
  p = next;
}

void set_uint(AnalogParams& p, const UintField& f, uint64_t v) {
  if (v < f.lo || v > f.hi) {
    throw Error(fmt::format("{} = {} is out of range: legal [{}, {}]", f.name, v, f.lo, f.hi));
  }
  const std::string_view key = f.name;
  if (key == "ticks_full") {
    p.ticks_full = static_cast<uint32_t>(v);
  } else if (key == "chip_seed") {
    p.chip_seed = v;
  } else {
    p.run_seed = v;
  }
}

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// One TOML value: a real parameter takes a float or an integer; an integer parameter takes a
// non-negative integer, or a string that golden::parse_u64 reads (for seeds of 2^63 and more,
// which a TOML integer, signed 64-bit, cannot hold).
void set_node(AnalogParams& p, std::string_view key, const toml::node& v) {
  if (key == "mapping") {
    const auto* s = v.as_string();
    if (!s) throw Error(fmt::format("mapping must be a string, not {}", type_name(v.type())));
    p.mapping = mapping_of(s->get());
    return;
  }
  if (const auto* f = find_real(key)) {
    if (const auto* d = v.as_floating_point()) return set_real(p, *f, d->get());
    if (const auto* i = v.as_integer()) return set_real(p, *f, static_cast<double>(i->get()));
    throw Error(fmt::format("{} must be a number, not {}", key, type_name(v.type())));
  }
  if (const auto* f = find_uint(key)) {
    if (const auto* i = v.as_integer()) {
      if (i->get() < 0) throw Error(fmt::format("{} = {} must not be negative", key, i->get()));
      return set_uint(p, *f, static_cast<uint64_t>(i->get()));
    }
    if (const auto* s = v.as_string()) {
      const auto parsed = golden::parse_u64(s->get());
      if (!parsed) {
        throw Error(fmt::format("{} = \"{}\" is not an unsigned integer", key, s->get()));
      }
      return set_uint(p, *f, *parsed);
    }
    throw Error(fmt::format("{} must be an unsigned integer, not {}", key, type_name(v.type())));
  }
  unknown_key(key);
}

}  // namespace

const char* mapping_name(Mapping m) {
  for (const auto& [k, n] : kMappings) {
    if (k == m) return n;
  }
  return "?";
}

Mapping mapping_of(std::string_view name) {
  std::string known;
  for (const auto& [k, n] : kMappings) {
    if (name == n) return k;
    known += fmt::format(" {}", n);
  }
  throw Error(fmt::format("mapping = '{}' is not a crossbar mapping (known:{})", name, known));
}

bool AnalogParams::ideal() const {
  for (const auto& f : kRealFields) {
    if (f.effect && this->*f.member != 0.0) return false;
  }
  return true;
}

void AnalogParams::set(const std::string& key, const std::string& value) {
  if (key == "mapping") {
    mapping = mapping_of(value);
    return;
  }
  if (const auto* f = find_real(key)) {
    size_t pos = 0;
    double d = 0.0;
    try {
      d = std::stod(value, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != value.size()) {
      throw Error(fmt::format("{} = '{}' is not a number", key, value));
    }
    return set_real(*this, *f, d);
  }
  if (const auto* f = find_uint(key)) {
    const auto parsed = golden::parse_u64(value);
    if (!parsed) throw Error(fmt::format("{} = '{}' is not an unsigned integer", key, value));
    return set_uint(*this, *f, *parsed);
  }
  unknown_key(key);
}

AnalogParams AnalogParams::from_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (!fs::exists(st)) throw Error(fmt::format("{}: analog parameter file not found", path));
  if (fs::is_directory(st)) {
    throw Error(fmt::format("{}: is a directory, not an analog parameter file", path));
  }
  std::ifstream f(path, std::ios::binary);
  if (!f.is_open()) throw Error(fmt::format("{}: cannot open the analog parameter file", path));
  std::ostringstream text;
  text << f.rdbuf();
  if (f.bad()) throw Error(fmt::format("{}: cannot read the analog parameter file", path));
  return from_toml(text.str(), path);
}

AnalogParams AnalogParams::from_toml(std::string_view text, const std::string& path) {
  toml::table table;
  try {
    table = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw Error(fmt::format("{}:{}:{}: not valid TOML: {}", path, e.source().begin.line,
                            e.source().begin.column, e.description()));
  }
  // toml::table iterates in key order; apply the keys in file order so that the first error
  // reported is the first one in the file.
  std::vector<std::pair<std::string_view, const toml::node*>> entries;
  for (const auto& [k, v] : table) entries.emplace_back(k.str(), &v);
  std::sort(entries.begin(), entries.end(), [&](const auto& a, const auto& b) {
    return a.second->source().begin < b.second->source().begin;
  });
  AnalogParams p;
  for (const auto& [key, node] : entries) {
    try {
      set_node(p, key, *node);
    } catch (const Error& e) {
      throw Error(fmt::format("{}:{}:{}: {}", path, node->source().begin.line,
                              node->source().begin.column, e.what()));
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
  if (mapping != d.mapping) add("mapping", mapping_name(mapping));
  return s.empty() ? "ideal" : s;
}

PqCrossbar::PqCrossbar(const golden::XbarMap& map, const AnalogParams& p)
    : map_(map), p_(p), run_rng_(golden::splitmix64(p.run_seed ^ 0x72756e2073656564ull)) {
  const auto& s = map_.spec;
  HYCIM_CHECK(map_.bias.size() == static_cast<size_t>(s.cols()), "the map is not programmed");
  q_ = golden::default_charge(map_, p_.ticks_full);
  diff_ = is_differential(p_.mapping);
  const bool cal = is_calibrated(p_.mapping);
  const int rows = s.rows();
  // Offset: the data columns, then one reference column per group. Differential: column pairs,
  // G+ of logical column c at 2c and its G- at 2c + 1 (side by side, so that they see almost the
  // same IR drop).
  ncols_ = diff_ ? 2 * s.cols() : s.cols() + s.groups;
  ref_col0_ = diff_ ? ncols_ : s.cols();
  const int b = 1 << (s.g_bits - 1);
  const double top = static_cast<double>((1 << s.g_bits) - 1);
  const double mid = static_cast<double>(b);
  const int64_t a = int64_t{1} << (s.in_bits - 1);
  // The bias cell's target current at full-scale drive. Differential: B0 - |c_q|^2 (the golden
  // bias plus 2a sum(c_q), which the zero-centred inputs no longer bring), on the side of its
  // sign.
  bias_.assign(static_cast<size_t>(ncols_), 0.0);
  for (int c = 0; c < s.cols(); ++c) {
    if (!diff_) {
      bias_[c] = static_cast<double>(map_.bias[c]);
      continue;
    }
    const int m = c / s.cols_per_group, k = c % s.cols_per_group;
    int64_t sum = 0;
    for (int j = 0; j < s.sub_dim; ++j) sum += map_.cq(m, k, j);
    const int64_t bd = map_.bias[c] + 2 * a * sum;
    bias_[2 * c] = static_cast<double>(std::max<int64_t>(bd, 0));
    bias_[2 * c + 1] = static_cast<double>(std::max<int64_t>(-bd, 0));
  }
  g_.assign(static_cast<size_t>(rows) * ncols_, 0.0);
  std::vector<double> drift;  // calibrated mappings: per cell, applied after the calibration
  if (cal) drift.assign(g_.size(), 1.0);
  golden::Rng chip(golden::splitmix64(p_.chip_seed ^ 0x6368697020736565ull));
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < ncols_; ++c) {
      // The same draws for every cell whichever effects are on, so that switching one effect
      // does not change the realisation of another.
      const double u_stuck = chip.uniform();
      const double n_prog = chip.normal();
      const double n_nu = chip.normal();
      const bool bias_row = r == rows - 1;
      const bool ref = c >= ref_col0_;
      const int lcol = diff_ ? c / 2 : c;  // the logical column (offset: not for ref columns)
      const int grp = ref ? c - ref_col0_ : lcol / s.cols_per_group;
      const bool in_block = !bias_row && r / s.sub_dim == grp;
      double g = 0.0;
      if (bias_row) {
        // The bias cell: a scale factor on its target (exactly 1 when ideal); reference columns
        // carry no bias. It has no off state and no stuck state in the model.
        g = ref ? 0.0 : 1.0;
      } else {
        double level = 0.0;
        if (in_block) {
          if (ref) {
            level = mid;
          } else if (!diff_) {
            level = static_cast<double>(map_.level(r, c));
          } else {
            const int cq = static_cast<int>(map_.level(r, lcol)) - b;
            level = static_cast<double>(std::max(c % 2 == 0 ? cq : -cq, 0));
          }
        }
        if (u_stuck < p_.stuck_on_rate) {
          level = top;
        } else if (u_stuck < p_.stuck_on_rate + p_.stuck_off_rate) {
          level = 0.0;
        }
        g = level + p_.g_off;
      }
      g *= 1.0 + p_.prog_sigma * n_prog;
      const double nu = p_.drift_nu + p_.drift_nu_sigma * n_nu;
      const double df = p_.drift_t != 1.0 && nu != 0.0 ? std::pow(p_.drift_t, -nu) : 1.0;
      if (!cal && df != 1.0) g *= df;
      // First-order IR drop: the further the cell from the row driver and the sense amplifier,
      // the less of the row voltage it sees.
      const double pos =
          (static_cast<double>(r + 1) / rows + static_cast<double>(c + 1) / ncols_) / 2;
      g *= 1.0 - p_.ir_drop * pos;
      const size_t at = static_cast<size_t>(r) * ncols_ + c;
      g_[at] = std::max(0.0, g);
      if (cal) drift[at] = df;
    }
  }
  comp_q_.assign(static_cast<size_t>(s.cols()), static_cast<double>(q_));
  for (int c = 0; c < s.cols(); ++c) {
    comp_q_[c] *= std::max(0.0, 1.0 + p_.comp_offset_sigma * chip.normal());
  }
  trim_.assign(static_cast<size_t>(s.cols()), 0.0);
  if (cal) {
    // Calibration right after programming (before any drift): every data row at level a (x_q =
    // 0), the bias row at full scale, the net current read without read noise (averaged) and
    // trimmed to the ideal one, to a relative residual of cal_sigma (0: exactly). The trim is a
    // constant current (it does not drift).
    std::vector<uint8_t> u(static_cast<size_t>(rows), static_cast<uint8_t>(a));
    u.back() = s.full_scale();
    const auto want = golden::ideal_currents(map_, u);
    column_currents(u, false);
    for (int c = 0; c < s.cols(); ++c) {
      const double residual = p_.cal_sigma * chip.normal() * static_cast<double>(want[c]);
      trim_[c] = static_cast<double>(want[c]) - net_of(c) + residual;
    }
    for (size_t i = 0; i < g_.size(); ++i) g_[i] *= drift[i];
  }
}

double PqCrossbar::net_of(int c) const {
  if (diff_) return last_cur_[2 * c] - last_cur_[2 * c + 1];
  return last_cur_[c] - last_cur_[ref_col0_ + c / map_.spec.cols_per_group];
}

void PqCrossbar::column_currents(std::span<const uint8_t> levels, bool noisy) {
  const auto& s = map_.spec;
  HYCIM_CHECK(static_cast<int>(levels.size()) == s.rows(), "{} input levels for {} rows",
              levels.size(), s.rows());
  const int rows = s.rows();
  const double fs = s.full_scale();
  last_cur_.assign(static_cast<size_t>(ncols_), 0.0);
  last_gross_.assign(static_cast<size_t>(ncols_), 0.0);
  if (!diff_) {
    // Every cell current is positive: the gross current is the column current.
    for (int c = 0; c < ncols_; ++c) {
      double acc = 0.0;
      for (int r = 0; r < rows - 1; ++r) {
        acc += static_cast<double>(levels[r]) * g_[static_cast<size_t>(r) * ncols_ + c];
      }
      double i = 2.0 * acc;
      if (c < ref_col0_) {
        i += bias_[c] * (levels[rows - 1] / fs) * g_[static_cast<size_t>(rows - 1) * ncols_ + c];
      }
      if (noisy) i *= 1.0 + p_.read_sigma * run_rng_.normal();
      last_cur_[c] = i;
      last_gross_[c] = i;
    }
    return;
  }
  // Zero-centred drive: level u is the voltage u - a; the bias row at full scale is +1.
  const double a = static_cast<double>(1 << (s.in_bits - 1));
  const double bias_drive = (levels[rows - 1] - a) / (fs - a);
  for (int c = 0; c < ncols_; ++c) {
    double acc = 0.0, gross = 0.0;
    for (int r = 0; r < rows - 1; ++r) {
      const double v = static_cast<double>(levels[r]) - a;
      const double g = g_[static_cast<size_t>(r) * ncols_ + c];
      acc += v * g;
      gross += std::abs(v) * g;
    }
    double i = 2.0 * acc;
    gross *= 2.0;
    const double ib = bias_[c] * bias_drive * g_[static_cast<size_t>(rows - 1) * ncols_ + c];
    i += ib;
    gross += std::abs(ib);
    // Read noise relative to the gross current: the cell currents' noise does not cancel when
    // their signed currents do.
    if (noisy) i += p_.read_sigma * run_rng_.normal() * gross;
    last_cur_[c] = i;
    last_gross_[c] = gross;
  }
}

PqCrossbar::Eval PqCrossbar::eval(std::span<const uint8_t> levels) {
  const auto& s = map_.spec;
  column_currents(levels, true);
  Eval e;
  e.current.resize(static_cast<size_t>(s.cols()));
  e.tick.resize(static_cast<size_t>(s.cols()));
  const double lim = s.tick_limit();
  const bool cal = is_calibrated(p_.mapping);
  for (int c = 0; c < s.cols(); ++c) {
    double net = net_of(c);
    if (cal) net += trim_[c];
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
      const double gross =
          diff_ ? last_gross_[2 * c] + last_gross_[2 * c + 1] : std::abs(last_gross_[c]);
      q += gross * std::min(stop, last_tick_[c]);
    }
    if (!diff_) q += std::abs(last_gross_[ref_col0_ + g]) * stop;
  }
  return q;
}

}  // namespace hycim::sim
