// Behavioral model of the PQ crossbar and its time-domain front end (docs/architecture.md 5.3,
// docs/attention/pq_encoder.md): the analog half that answers pq_encoder's crossbar port.
//
// program (the constructor) turns an XbarMap into cell conductances, drawing the static effects
// from the chip seed; eval(levels) returns, per data column, the net current and the tick at
// which its comparator fires, drawing the dynamic effects from the run seed. Every effect is a
// separate parameter whose default is "off"; with all of them off the model is the integer
// golden model (hycim::golden::ideal_currents / ideal_ticks) bit for bit.
//
// Units: conductance in level steps (level k = k steps; the reference column's cells sit at the
// mid level), input in input levels, current in (input level x half a step), as in the golden.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "golden/attention/pq.h"
#include "golden/core/rng.h"

namespace hycim::sim {

struct AnalogParams {
  // Finite conductance range: the off state (level 0) still conducts g_off steps, e.g. a 1-40 uS
  // cell with 16 levels has dG = 2.6 uS and g_off = 1/2.6 = 0.38 steps.
  double g_off = 0.0;
  double prog_sigma = 0.0;         // programming variation: relative sigma per cell (static)
  double read_sigma = 0.0;         // read noise: relative sigma of each column current (dynamic)
  double comp_offset_sigma = 0.0;  // comparator threshold offset: relative sigma (static)
  double comp_jitter = 0.0;        // comparator jitter: sigma in ticks (dynamic)
  double ir_drop = 0.0;            // first-order IR drop: attenuation of the far corner cell
  double stuck_on_rate = 0.0;      // cells stuck at the top level (static)
  double stuck_off_rate = 0.0;     // cells stuck at level 0 (static)
  double drift_nu = 0.0;           // drift G(t) = G0 (t/t0)^-nu, nu per cell ~ N(nu, nu_sigma)
  double drift_nu_sigma = 0.0;
  double drift_t = 1.0;                             // t / t0 (>= 1)
  uint32_t ticks_full = golden::kDefaultTicksFull;  // WTA clock resolution (golden::default_charge)
  uint64_t chip_seed = 1;
  uint64_t run_seed = 1;

  bool ideal() const;
  // Sets one parameter by name from its text (a number, or an unsigned integer in decimal or 0x
  // hex for ticks_full and the seeds); throws hycim::Error for an unknown name, a malformed value
  // or one outside the parameter's legal range (sim/README.md), leaving *this unchanged.
  void set(const std::string& key, const std::string& value);
  // A TOML file of top-level `key = value` pairs with the names of the members above: numbers
  // for the real-valued parameters, integers (or strings such as "0xffffffffffffffff", for seeds
  // beyond TOML's signed 64 bits) for ticks_full and the seeds; absent keys keep their defaults.
  // Throws hycim::Error naming the file, line, column and key for invalid TOML, an unknown key,
  // a value of the wrong type or out of range, and the file for a missing, unreadable or
  // directory path.
  static AnalogParams from_file(const std::string& path);
  std::string describe() const;  // the non-default parameters, "ideal" when there are none
};

class PqCrossbar {
 public:
  PqCrossbar(const golden::XbarMap& map, const AnalogParams& p);

  struct Eval {
    std::vector<double> current;  // net current per data column
    std::vector<uint32_t> tick;   // fire tick per data column, 1 .. 2^TW-1
  };
  // One token: the row input levels (data rows, then the bias row at full scale).
  Eval eval(std::span<const uint8_t> levels);

  uint64_t charge() const { return q_; }
  const golden::XbarMap& map() const { return map_; }
  const AnalogParams& params() const { return p_; }

  // Per group, the ticks its sense nodes were active in the last race, for given per-group stop
  // ticks: the stop, or, for stop 0 (no early stop), the tick its last column fired; at most
  // t_max. This is the discharge time the energy accounting uses.
  std::vector<uint32_t> discharge_ticks(std::span<const uint32_t> stop_tick, uint32_t t_max) const;
  // Energy proxy of the last race: the charge the columns draw, sum over columns of
  // |I_col| x (ticks it discharged), given each group's active ticks (from discharge_ticks). A
  // data column discharges until its own fire tick or the group's end, whichever is first; the
  // reference column until the group's end. Currents are the gross (not net) ones of the eval.
  double race_charge(std::span<const uint32_t> active_ticks) const;

 private:
  golden::XbarMap map_;
  AnalogParams p_;
  golden::Rng run_rng_;
  uint64_t q_ = 1;
  int ref_col0_ = 0;                // reference columns follow the data columns
  std::vector<double> g_;           // (rows) x (cols + groups) effective conductance, row-major
  std::vector<double> comp_q_;      // per data column: charge x (1 + offset)
  std::vector<double> last_gross_;  // per column incl. reference columns
  std::vector<uint32_t> last_tick_;
};

}  // namespace hycim::sim
