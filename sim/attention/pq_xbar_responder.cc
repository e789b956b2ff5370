#include "sim/attention/pq_xbar_responder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hycim::sim {

namespace {
// The RTL's probes: one sense node per group for the first 8 groups, every column of the probe
// group for its first 16 columns.
constexpr int kGroupProbes = 8;
constexpr int kColumnProbes = 16;
}  // namespace

PqXbarResponder::PqXbarResponder(PqXbarPort& port, const golden::XbarSpec& spec, ErrorFn error)
    : port_(port), spec_(spec), error_(std::move(error)) {}

void PqXbarResponder::begin_run(const PqRunConfig& c, std::vector<std::vector<int8_t>> tokens) {
  cfg_ = c;
  tokens_ = std::move(tokens);
  next_ = 0;
}

double PqXbarResponder::group_ticks_early() const {
  return group_races_ ? static_cast<double>(group_ticks_early_) / group_races_ : 0.0;
}
double PqXbarResponder::group_ticks_none() const {
  return group_races_ ? static_cast<double>(group_ticks_none_) / group_races_ : 0.0;
}

// Column c's sense node k cycles into the race: 1 precharged, 0 at the threshold, frozen at its
// group's stop.
double PqXbarResponder::ramp(int c, uint64_t k) const {
  const int g = c / spec_.cols_per_group;
  const double kk =
      stop_[g] ? std::min<double>(static_cast<double>(k), stop_[g]) : static_cast<double>(k);
  const double te = race_.t_exact[c];
  return std::isfinite(te) && te > 0 ? std::max(0.0, 1.0 - kk / te) : 1.0;
}

void PqXbarResponder::drive(uint64_t cycle) {
  const int ncols = spec_.cols();
  const int words = (ncols + 31) / 32;
  if (!racing_) {
    for (int w = 0; w < words; ++w) port_.set_fire(w, 0);
    return;
  }
  const uint64_t k = cycle - eval_cycle_;
  for (int w = 0; w < words; ++w) {
    uint32_t v = 0;
    for (int b = 0; b < 32 && w * 32 + b < ncols; ++b) {
      if (race_.ticks[w * 32 + b] <= k) v |= 1u << b;
    }
    port_.set_fire(w, v);
  }
  if (!port_.tracing()) return;
  for (int g = 0; g < spec_.groups && g < kGroupProbes; ++g) {  // the leading node is the lowest
    double v = 1.0;
    for (int c = g * spec_.cols_per_group; c < (g + 1) * spec_.cols_per_group; ++c) {
      v = std::min(v, ramp(c, k));
    }
    port_.set_group_vsense(g, v);
  }
  for (int c = 0; c < spec_.cols_per_group && c < kColumnProbes; ++c) {
    port_.set_column_vsense(c, ramp(probe_group * spec_.cols_per_group + c, k));
  }
}

void PqXbarResponder::sample(uint64_t cycle) {
  if (racing_) {
    const uint64_t k = cycle - eval_cycle_;
    for (int g = 0; g < spec_.groups; ++g) {
      if (!stop_[g] && k >= 1 && port_.group_stop(g)) stop_[g] = static_cast<uint32_t>(k);
    }
  }
  if (!port_.eval()) return;
  if (racing_) close_race();
  start_race(cycle);
}

void PqXbarResponder::finish() {
  if (racing_) close_race();
}

void PqXbarResponder::reset() {
  racing_ = false;
  race_ = Race{};
  stop_.clear();
  cur_model_ = nullptr;
  tokens_.clear();
  next_ = 0;
  forced_.clear();
}

void PqXbarResponder::start_race(uint64_t cycle) {
  if (next_ >= tokens_.size()) {
    error_(fmt::format("cycle {}: xb_eval_o for token {}, but only {} were sent", cycle, next_,
                       tokens_.size()));
    return;
  }
  const auto& tok = tokens_[next_];
  const auto want = golden::input_levels(tok, cfg_.shift, spec_);
  for (int r = 0; r < spec_.rows(); ++r) {
    const uint32_t got = port_.level(r);
    if (got != want[r]) {
      error_(fmt::format("cycle {}: token {} row {}: xb_level_o {} != golden level {}", cycle,
                         next_, r, got, want[r]));
      break;
    }
  }
  if (port_.sel() != cfg_.sel) {
    error_(fmt::format("cycle {}: xb_sel_o {} with SEL {}", cycle, port_.sel(), cfg_.sel));
  }
  race_ = Race{};
  PqCrossbar* m = model_[cfg_.sel & 1];
  const bool use_model = forced_.empty() && m != nullptr;
  if (!use_model) {
    if (forced_.empty()) {
      error_(fmt::format("cycle {}: a race with neither a model nor forced ticks", cycle));
      return;
    }
    race_.ticks = std::move(forced_.front());
    forced_.pop_front();
    race_.t_exact.assign(race_.ticks.begin(), race_.ticks.end());
  } else {
    const auto e = m->eval(want);
    race_.ticks = e.tick;
    race_.t_exact.resize(e.current.size());
    for (size_t c = 0; c < e.current.size(); ++c) {
      race_.t_exact[c] = e.current[c] > 0 ? static_cast<double>(m->charge()) / e.current[c]
                                          : std::numeric_limits<double>::infinity();
    }
  }
  race_.expect =
      golden::wta(race_.ticks, static_cast<int>(cfg_.groups), spec_.cols_per_group, cfg_.t_max);
  racing_ = true;
  eval_cycle_ = cycle;
  stop_.assign(static_cast<size_t>(spec_.groups), 0);
  cur_model_ = use_model ? m : nullptr;
  if (on_race) on_race(race_, static_cast<uint32_t>(next_));
  race_ticks_ += race_.expect.done_tick;
  ++next_;
  ++races_;
}

void PqXbarResponder::close_race() {
  racing_ = false;
  for (int g = 0; g < spec_.groups; ++g) {
    const bool active = g < static_cast<int>(cfg_.groups);
    const uint32_t want = active ? race_.expect.win_tick[g] + 1u : 1u;
    if (stop_[g] != want) {
      error_(fmt::format("race {} group {}: grp_stop rose at tick {}, expected {}", races_ - 1, g,
                         stop_[g], want));
    }
  }
  if (cur_model_ != nullptr) {
    std::vector<uint32_t> none(stop_.size(), 0);
    for (int g = static_cast<int>(cfg_.groups); g < spec_.groups; ++g) none[g] = 1;
    const auto te = cur_model_->discharge_ticks(stop_, cfg_.t_max);
    const auto tn = cur_model_->discharge_ticks(none, cfg_.t_max);
    charge_early_ += cur_model_->race_charge(te);
    charge_none_ += cur_model_->race_charge(tn);
    for (size_t g = 0; g < te.size(); ++g) {
      group_ticks_early_ += te[g];
      group_ticks_none_ += tn[g];
    }
    group_races_ += te.size();
  }
}

}  // namespace hycim::sim
