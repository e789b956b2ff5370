// The analog side of pq_encoder's crossbar port, cycle by cycle, over the crossbar model
// (pq_xbar.h). It knows the port only through PqXbarPort, so it is free of any simulator: a
// testbench binds the port to its model's signals and calls drive() and sample() in the
// harness's phases of every cycle.
//
// When the RTL raises xb_eval it checks the row levels against golden::input_levels of the
// token and xb_sel against SEL, evaluates the selected crossbar model (or takes forced ticks, for
// directed cases), and from then on drives fire[c] = (tick_c <= k) in the k-th cycle after the
// eval. It records, per group, the first tick at which grp_stop is high (checked against
// win_tick + 1 when the race closes) and the race charge with and without early stop, and, when
// the port traces, writes the sense-node voltages into the RTL's probes for the waveform.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "golden/attention/pq.h"
#include "sim/attention/pq_xbar.h"

namespace hycim::sim {

// pq_encoder's crossbar port as the responder sees it.
class PqXbarPort {
 public:
  virtual ~PqXbarPort() = default;
  virtual bool eval() const = 0;                    // xb_eval_o
  virtual uint32_t sel() const = 0;                 // xb_sel_o
  virtual uint32_t level(int row) const = 0;        // xb_level_o of one row
  virtual bool group_stop(int group) const = 0;     // grp_stop_o[group]
  virtual void set_fire(int word, uint32_t v) = 0;  // fire_i[32 word +: 32]
  virtual bool tracing() const { return false; }    // the probes below are only written then
  virtual void set_group_vsense(int /*group*/, double /*v*/) {}    // ana_vsense_g<group>
  virtual void set_column_vsense(int /*column*/, double /*v*/) {}  // ana_col_vsense_<column>
};

// The registers of one start that the responder needs (pq_encoder's NUM_TOK, SEL, SHIFT, T_MAX,
// GROUPS).
struct PqRunConfig {
  uint32_t num_tok = 1, sel = 0, shift = 4, t_max = 1023, groups = 8;
};

class PqXbarResponder {
 public:
  struct Race {
    std::vector<uint32_t> ticks;
    std::vector<double> t_exact;  // continuous fire time per column (ticks), for the probe
    golden::WtaResult expect;
    double charge_early = 0, charge_none = 0;
  };
  using ErrorFn = std::function<void(const std::string&)>;

  // Mismatches and protocol errors go to `error`.
  PqXbarResponder(PqXbarPort& port, const golden::XbarSpec& spec, ErrorFn error);

  // The group whose every column's ramp goes to the waveform (ana_col_vsense_*).
  int probe_group = 0;

  void set_models(PqCrossbar* q, PqCrossbar* k) { model_[0] = q, model_[1] = k; }
  void begin_run(const PqRunConfig& c, std::vector<std::vector<int8_t>> tokens);
  // Directed cases: the next races take these ticks instead of a model's.
  void force(std::vector<uint32_t> ticks) { forced_.push_back(std::move(ticks)); }
  // Called with each race's expected result, in order.
  std::function<void(const Race&, uint32_t idx)> on_race;

  // The two phases of a cycle: drive() sets fire (and the probes) before the DUT settles,
  // sample() looks at the settled outputs before the rising edge.
  void drive(uint64_t cycle);
  void sample(uint64_t cycle);
  // Closes the last race (its grp_stop checks and charge); call after the run.
  void finish();
  // The encoder was reset in the middle of a run: the race in flight is dropped unchecked (its
  // grp_stop history is cut short), and so are the run's tokens and forced ticks. The totals
  // (races(), charges) keep what was counted before.
  void reset();

  uint64_t races() const { return races_; }
  double charge_early() const { return charge_early_; }
  double charge_none() const { return charge_none_; }
  // Mean active discharge ticks per group and race, with and without early stop.
  double group_ticks_early() const;
  double group_ticks_none() const;
  uint64_t race_ticks() const { return race_ticks_; }

 private:
  void start_race(uint64_t cycle);
  void close_race();
  double ramp(int column, uint64_t k) const;

  PqXbarPort& port_;
  golden::XbarSpec spec_;
  ErrorFn error_;
  PqCrossbar* model_[2] = {nullptr, nullptr};
  PqCrossbar* cur_model_ = nullptr;
  PqRunConfig cfg_;
  std::vector<std::vector<int8_t>> tokens_;
  size_t next_ = 0;
  std::deque<std::vector<uint32_t>> forced_;
  bool racing_ = false;
  uint64_t eval_cycle_ = 0;
  Race race_;
  std::vector<uint32_t> stop_;
  uint64_t races_ = 0, race_ticks_ = 0;
  double charge_early_ = 0, charge_none_ = 0;
  uint64_t group_ticks_early_ = 0, group_ticks_none_ = 0, group_races_ = 0;
};

}  // namespace hycim::sim
