// softmax_unit testbench pieces: beats of Lanes 16-bit lanes, the bench (a LaneBench,
// tb/harness/lane_bench.h, with the unit's configuration registers), and run_rows(), which sends
// rows in one mode and queues the golden model's output beats (golden/training/
// softmax.h) in the scoreboard. queue_rows() is the golden mapping alone: sfln_unit's bench
// sends softmax rows with it too. Used by tests/training/test_softmax_unit*.cc and `hycim run
// softmax`.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "golden/core/rng.h"
#include "golden/training/softmax.h"
#include "lane_bench.h"
#include "regs/sfln_unit_regs.h"
#include "scenario.h"

namespace hycim::tb::softmax {

// Register byte offsets, fields and ERR bits: generated from
// rtl/training/sfln/sfln_unit.regs.toml (docs/training/softmax.md).
using namespace hycim::regs::sfln_unit;
enum Mode : uint32_t { kInference = 0, kTraining = 1, kBackward = 2 };

template <unsigned L>
struct InBeat {
  static constexpr unsigned kLanes = L;
  std::array<uint16_t, L> a{};
  std::array<uint16_t, L> b{};
  uint32_t keep = 0;
  bool last = false;
};

template <unsigned L>
struct OutBeat {
  std::array<uint16_t, L> d{};
  bool last = false;
  bool operator==(const OutBeat&) const = default;
  std::string str() const {
    std::string s = "{";
    for (unsigned j = 0; j < L; ++j) s += fmt::format("{}{:#06x}", j ? " " : "", d[j]);
    return s + fmt::format(", last {}}}", last ? 1 : 0);
  }
};

// The input ports of the softmax family (softmax_unit, sfln_unit, layernorm_unit): lanes of a
// and b, the keep mask (layernorm_unit has none) and last.
template <class Dut, unsigned L>
void put_in(Dut& d, const InBeat<L>& b) {
  for (unsigned j = 0; j < L; ++j) {
    put16(d.in_a_i, j, b.a[j]);
    put16(d.in_b_i, j, b.b[j]);
  }
  if constexpr (requires { d.in_keep_i; }) d.in_keep_i = b.keep;
  d.in_last_i = b.last;
}

template <class Dut, unsigned L>
OutBeat<L> get_out(Dut& d) {
  OutBeat<L> o;
  for (unsigned j = 0; j < L; ++j) o.d[j] = get16(d.out_data_o, j);
  o.last = d.out_last_o != 0;
  return o;
}

template <class Dut, unsigned L>
struct SoftmaxBench : LaneBench<Dut, InBeat<L>, OutBeat<L>> {
  SoftmaxBench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng, const StallProfile& st)
      : LaneBench<Dut, InBeat<L>, OutBeat<L>>({"softmax", kCtrl, put_in<Dut, L>, get_out<Dut, L>},
                                              ho, log, rng, st) {}

  void configure(uint32_t mode, uint32_t len, uint32_t rows, uint32_t ds_shift) {
    this->apb.write_ok(kMode, mode);
    this->apb.write_ok(kLen, len);
    this->apb.write_ok(kRows, rows);
    this->apb.write_ok(kDsShift, ds_shift);
  }
};

// One row of stimulus: a = x (forward) or p (backward), b = g (backward), keep (forward).
struct Row {
  std::vector<uint16_t> a;
  std::vector<int16_t> b;
  std::vector<uint8_t> keep;  // empty: all kept
};

// A forward row's scores as the signed Q7.8 values the golden model takes (a holds their bits).
inline std::vector<int16_t> scores(const Row& r) {
  std::vector<int16_t> x(r.a.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int16_t>(r.a[i]);
  return x;
}

// The golden output of one row in `mode`: p (forward) or ds (backward) as 16-bit lanes.
inline std::vector<uint16_t> golden_row(const Row& row, uint32_t mode, uint32_t ds_shift) {
  if (mode == kBackward) {
    std::vector<uint16_t> out;
    for (auto v : golden::softmax_bwd(row.a, row.b, ds_shift).ds) {
      out.push_back(static_cast<uint16_t>(v));
    }
    return out;
  }
  return golden::softmax_fwd(scores(row), row.keep,
                             mode == kTraining ? golden::SoftmaxFormat::kTraining
                                               : golden::SoftmaxFormat::kInference)
      .p;
}

// Queues the input beats of `rows` (len elements each) and their golden output beats, named
// "<what> r beat b". Lanes past the row carry junk that the unit must ignore when
// `junk_lanes`, zeros (and no keep bit) otherwise. Any output beat with lanes d[] and last fits
// (sfln_unit's also carry out_aux, which stays 0 for softmax).
template <class Bench>
void queue_rows(Bench& bench, uint32_t mode, uint32_t len, uint32_t ds_shift,
                const std::vector<Row>& rows, bool junk_lanes, const char* what) {
  using In = typename Bench::In;
  using Out = typename Bench::Out;
  constexpr unsigned L = In::kLanes;
  const unsigned beats = (len + L - 1) / L;
  for (size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    const std::vector<uint16_t> out = golden_row(row, mode, ds_shift);
    for (unsigned bi = 0; bi < beats; ++bi) {
      In in;
      Out o;
      for (unsigned j = 0; j < L; ++j) {
        const uint32_t i = bi * L + j;
        if (i < len) {
          in.a[j] = row.a[i];
          in.b[j] = mode == kBackward ? static_cast<uint16_t>(row.b[i]) : 0;
          if (row.keep.empty() || row.keep[i]) in.keep |= 1u << j;
          o.d[j] = out[i];
        } else if (junk_lanes) {
          in.a[j] = static_cast<uint16_t>(0x7FFF - j);
          in.keep |= 1u << j;
        }
      }
      in.last = o.last = (bi + 1 == beats);
      bench.src.push(in);
      bench.expect(o, fmt::format("{} {} beat {}", what, r, bi));
    }
  }
}

// The cycle limit of a softmax start.
inline uint64_t row_limit(uint32_t len, unsigned lanes, size_t rows) {
  return 20ull * ((len + lanes - 1) / lanes + 8) * rows + 1000;
}

// Queues the golden output of `rows` and their input beats, starts the unit and waits for DONE.
// Returns the number of output elements compared.
template <class Dut, unsigned L>
uint64_t run_rows(SoftmaxBench<Dut, L>& bench, uint32_t mode, uint32_t len, uint32_t ds_shift,
                  const std::vector<Row>& rows) {
  queue_rows(bench, mode, len, ds_shift, rows, true, "row");
  bench.configure(mode, len, static_cast<uint32_t>(rows.size()), ds_shift);
  bench.start_and_wait(row_limit(len, L, rows.size()), "softmax DONE");
  return uint64_t{len} * rows.size();
}

// Random rows: scores around a random centre with a random spread, sometimes masked entries.
inline Row random_fwd_row(golden::Rng& rng, uint32_t len, double mask_prob) {
  Row r;
  r.a.resize(len);
  const double centre = rng.uniform(-100.0, 100.0);
  const double spread = std::ldexp(1.0, static_cast<int>(rng.uniform_int(-3, 6)));
  for (auto& v : r.a) {
    const double z = centre + spread * rng.normal();
    v = static_cast<uint16_t>(
        static_cast<int16_t>(std::clamp<int64_t>(std::llround(z * 256.0), -32768, 32767)));
  }
  if (mask_prob > 0) {
    r.keep.resize(len);
    for (auto& k : r.keep) k = rng.bernoulli(mask_prob) ? 0 : 1;
  }
  return r;
}

// Backward rows: p from the golden forward pass of a random row, g of a random magnitude.
inline Row random_bwd_row(golden::Rng& rng, uint32_t len) {
  const Row f = random_fwd_row(rng, len, 0.0);
  Row r;
  r.a = golden::softmax_fwd(scores(f), {}, golden::SoftmaxFormat::kTraining).p;
  r.b.resize(len);
  const int gbits = static_cast<int>(rng.uniform_int(1, 16));
  for (auto& g : r.b) {
    g = static_cast<int16_t>(
        rng.uniform_int(-(int64_t{1} << (gbits - 1)), (int64_t{1} << (gbits - 1)) - 1));
  }
  return r;
}

// One random row in `mode` (forward rows masked with mask_prob).
inline Row random_row(golden::Rng& rng, uint32_t mode, uint32_t len, double mask_prob) {
  return mode == kBackward ? random_bwd_row(rng, len) : random_fwd_row(rng, len, mask_prob);
}

// The softmax scenario of `hycim run softmax`: o.runs starts cycling through the three modes,
// each with 1..3 random rows of o.len elements (random when 0), under o.stall. Reports the output
// beats of all modes, then of each mode.
template <class Dut, unsigned L>
ScenarioReport run(const ScenarioOptions& o, ErrorLog& log) {
  static constexpr const char* kModeNames[] = {"inference", "training", "backward"};
  const LaneScenarioSpec spec{
      .scenario = "softmax",
      .top = "softmax_unit",
      // The saved view names the ports with the ci widths (4 lanes).
      .view = L == 4 ? HYCIM_SOURCE_DIR "/tb/waves/softmax_unit_ci.gtkw" : "",
      .max_reg = kRowMax,
      .max_name = "ROW_MAX",
      .err_reg = kErr,
      .mode_tensors = {"softmax.out inference", "softmax.out training", "softmax.out backward"}};
  return run_lane_scenario<SoftmaxBench<Dut, L>>(
      o, log, spec, [](SoftmaxBench<Dut, L>& b, golden::Rng& rng, unsigned k, uint32_t len) {
        const uint32_t mode = k % 3;
        std::vector<Row> rows;
        const auto n = static_cast<size_t>(rng.uniform_int(1, 3));
        for (size_t r = 0; r < n; ++r)
          rows.push_back(random_row(rng, mode, len, k % 2 ? 0.25 : 0.0));
        const auto ds_shift = static_cast<uint32_t>(rng.uniform_int(0, 16));
        return LaneStart{mode, run_rows(b, mode, len, ds_shift, rows),
                         fmt::format("{:<9} {} rows of {:>4}", kModeNames[mode], n, len)};
      });
}

// Steady-state throughput of one mode (forward UQ0.8, forward UQ0.16, backward).
template <class Dut, unsigned L>
Throughput throughput(uint32_t mode, uint32_t rows, ErrorLog& log) {
  return measure_throughput<SoftmaxBench<Dut, L>>(
      "softmax_throughput", kRowMax, kCycles, mode, rows, log,
      [mode, rows](SoftmaxBench<Dut, L>& b, golden::Rng& rng, uint32_t len) {
        std::vector<Row> rs;
        for (uint32_t r = 0; r < rows; ++r) rs.push_back(random_row(rng, mode, len, 0.0));
        run_rows(b, mode, len, 4, rs);
      });
}

}  // namespace hycim::tb::softmax
