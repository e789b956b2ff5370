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
//
// Mappings (AnalogParams::mapping; docs/attention/pq_encoder.md derives them). The digital side is
// the same for all: it drives unsigned levels u (data rows, then the bias row at full scale) and
// sees one fire line per logical column; the net current of every column is the same integer.
// - offset: the golden's array. Cells at k = c_q + b, inputs u = x_q + a, one reference column
//   per group at level b subtracted before the sense node; a single bias cell per column.
// - differential: a G+/G- column pair per logical column, one sense node per pair (G+ current in,
//   G- current out). The cell of row r holds |c_q,r| on the side of its sign and 0 on the other;
//   the DAC drives level u as the signed voltage u - a (zero-centred), the bias row at full scale
//   as +1 x the bias pair (B0 - |c_q|^2 on the side of its sign). No reference column:
//   I = 2 x_q.c_q + B0 - |c_q|^2, the golden current.
// - offset_cal, differential_cal: the same arrays, calibrated once after programming: each
//   column's net current is measured with every data row at level a (x_q = 0, bias row at full
//   scale) and a trim current added so that it equals the ideal one there (B0 - |c_q|^2), to a
//   relative residual of cal_sigma.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "golden/attention/pq.h"
#include "golden/core/rng.h"

namespace hycim::sim {

// The crossbar mapping: how centroids and tokens become cells and row voltages (above).
enum class Mapping { offset, differential, offset_cal, differential_cal };
const char* mapping_name(Mapping m);
// The mapping of a name ("offset", "differential", "offset_cal", "differential_cal"); throws
// hycim::Error naming the known ones for any other text.
Mapping mapping_of(std::string_view name);
inline bool is_differential(Mapping m) {
  return m == Mapping::differential || m == Mapping::differential_cal;
}
inline bool is_calibrated(Mapping m) {
  return m == Mapping::offset_cal || m == Mapping::differential_cal;
}

struct AnalogParams {
  // Not an effect: with every effect off each mapping is the integer golden model. The default,
  // differential_cal, is HyCIM's choice for the attention path (docs/attention/pq_encoder.md).
  Mapping mapping = Mapping::differential_cal;
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
  double drift_t = 1.0;  // t / t0 (>= 1)
  // Calibrated mappings: relative sigma of the trimmed current at the calibration input (the
  // measurement and trim precision; static). No effect on the other mappings.
  double cal_sigma = 0.0;
  uint32_t ticks_full = golden::kDefaultTicksFull;  // WTA clock resolution (golden::default_charge)
  uint64_t chip_seed = 1;
  uint64_t run_seed = 1;

  bool ideal() const;
  // Sets one parameter by name from its text (a number, or an unsigned integer in decimal or 0x
  // hex for ticks_full and the seeds, or a mapping name for mapping); throws hycim::Error for an
  // unknown name, a malformed value or one outside the parameter's legal range (sim/README.md),
  // leaving *this unchanged.
  void set(const std::string& key, const std::string& value);
  // A TOML file of top-level `key = value` pairs with the names of the members above: numbers
  // for the real-valued parameters, integers (or strings such as "0xffffffffffffffff", for seeds
  // beyond TOML's signed 64 bits) for ticks_full and the seeds, a string for mapping; absent keys
  // keep their defaults.
  // Throws hycim::Error naming the file, line, column and key for invalid TOML, an unknown key,
  // a value of the wrong type or out of range, and the file for a missing, unreadable or
  // directory path.
  static AnalogParams from_file(const std::string& path);
  // The same from the text of such a file; `name` stands for the file in messages.
  static AnalogParams from_toml(std::string_view text, const std::string& name);
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
  // Energy proxy of the last race: the charge the columns draw, sum over physical columns of
  // their gross current x (ticks it discharged), given each group's active ticks (from
  // discharge_ticks). A data column (or both columns of a differential pair) discharges until
  // its own fire tick or the group's end, whichever is first; the reference column until the
  // group's end. Gross current: the sum of the magnitudes of the column's cell currents, what the
  // row drivers deliver (offset mapping: the column current of the eval, read noise included;
  // every cell current is positive there).
  double race_charge(std::span<const uint32_t> active_ticks) const;
  // Per logical column, the trim current the calibrated mappings add (0 otherwise).
  const std::vector<double>& trim() const { return trim_; }

 private:
  golden::XbarMap map_;
  AnalogParams p_;
  golden::Rng run_rng_;
  uint64_t q_ = 1;
  bool diff_ = false;
  int ncols_ = 0;                   // physical columns
  int ref_col0_ = 0;                // offset: reference columns follow the data columns
  std::vector<double> g_;           // rows x ncols_ effective conductance, row-major
  std::vector<double> bias_;        // per physical column: its bias cell's target at full drive
  std::vector<double> comp_q_;      // per data column: charge x (1 + offset)
  std::vector<double> trim_;        // per data column: the calibration trim current
  std::vector<double> last_cur_;    // per physical column: the column current of the last eval
  std::vector<double> last_gross_;  // per physical column: its gross current (race_charge)
  std::vector<uint32_t> last_tick_;

  // The physical column currents (and gross currents) for the given row levels; read noise
  // drawn from the run stream when `noisy`.
  void column_currents(std::span<const uint8_t> levels, bool noisy);
  double net_of(int c) const;  // logical column c's net current from last_cur_
};

}  // namespace hycim::sim
