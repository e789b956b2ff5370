// softmax_unit testbench pieces: beats of Lanes 16-bit lanes, a bench (harness, APB, source,
// sink, scoreboard), and run_rows(), which sends rows in one mode and queues the golden model's
// output beats (golden/include/hycim/golden/softmax.h) in the scoreboard. Used by
// tests/rtl/test_softmax_unit*.cc.
#pragma once

#include <fmt/format.h>
#include <verilated.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "apb.h"
#include "harness.h"
#include "hycim/golden/rng.h"
#include "hycim/golden/softmax.h"
#include "regs/sfln_unit_regs.h"
#include "scenario.h"
#include "scoreboard.h"
#include "stream.h"

namespace hycim::tb::softmax {

// Register byte offsets, fields and ERR bits: generated from rtl/sfln/sfln_unit.regs.toml
// (docs/blocks/softmax.md).
using namespace hycim::regs::sfln_unit;
enum Mode : uint32_t { kInference = 0, kTraining = 1, kBackward = 2 };

// 16-bit lane access to a Verilator port of Lanes*16 bits (QData up to 64 bits, VlWide above).
inline void put16(uint64_t& port, unsigned lane, uint16_t v) {
  port = (port & ~(uint64_t{0xFFFF} << (16 * lane))) | (uint64_t{v} << (16 * lane));
}
inline uint16_t get16(uint64_t port, unsigned lane) {
  return static_cast<uint16_t>(port >> (16 * lane));
}
template <std::size_t N>
void put16(VlWide<N>& port, unsigned lane, uint16_t v) {
  const unsigned w = lane / 2, s = (lane % 2) * 16;
  port[w] = (port[w] & ~(0xFFFFu << s)) | (uint32_t{v} << s);
}
template <std::size_t N>
uint16_t get16(const VlWide<N>& port, unsigned lane) {
  return static_cast<uint16_t>(port[lane / 2] >> ((lane % 2) * 16));
}

template <unsigned L>
struct InBeat {
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

template <class Dut, unsigned L>
struct SoftmaxBench {
  Harness<Dut> h;
  ApbDriver<Dut> apb;
  Scoreboard<OutBeat<L>> sb;
  StreamSource<InBeat<L>> src;
  StreamSink<OutBeat<L>> sink;
  std::vector<std::string> beat_names;  // "row r beat b" of each expected beat, for messages

  SoftmaxBench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng, const StallProfile& st)
      : h(ho, log),
        apb(h),
        sb("softmax.out", log,
           [this](uint64_t i) {
             return i < beat_names.size() ? beat_names[i] : fmt::format("beat {}", i);
           }),
        src("softmax.in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const InBeat<L>& b) {
               auto& d = h.dut();
               for (unsigned j = 0; j < L; ++j) {
                 put16(d.in_a_i, j, b.a[j]);
                 put16(d.in_b_i, j, b.b[j]);
               }
               d.in_keep_i = b.keep;
               d.in_last_i = b.last;
             }},
            rng, st.valid_prob),
        sink("softmax.out",
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; },
              [this] {
                OutBeat<L> o;
                for (unsigned j = 0; j < L; ++j) o.d[j] = get16(h.dut().out_data_o, j);
                o.last = h.dut().out_last_o != 0;
                return o;
              }},
             rng, st.ready_prob, log, [this](const OutBeat<L>& b, uint64_t) { sb.observe(b); }) {
    h.add(src);
    h.add(sink);
    h.reset();
  }

  void configure(uint32_t mode, uint32_t len, uint32_t rows, uint32_t ds_shift) {
    apb.write_ok(kMode, mode);
    apb.write_ok(kLen, len);
    apb.write_ok(kRows, rows);
    apb.write_ok(kDsShift, ds_shift);
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

// Queues the golden output of `rows` and their input beats, starts the unit and waits for DONE.
// Returns the number of output elements compared.
template <class Dut, unsigned L>
uint64_t run_rows(SoftmaxBench<Dut, L>& bench, uint32_t mode, uint32_t len, uint32_t ds_shift,
                  const std::vector<Row>& rows) {
  const unsigned beats = (len + L - 1) / L;
  for (size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    std::vector<uint16_t> out(len, 0);
    if (mode == kBackward) {
      const auto b = golden::softmax_bwd(row.a, row.b, ds_shift);
      for (uint32_t i = 0; i < len; ++i) out[i] = static_cast<uint16_t>(b.ds[i]);
    } else {
      const auto f = golden::softmax_fwd(
          scores(row), row.keep,
          mode == kTraining ? golden::SoftmaxFormat::kTraining : golden::SoftmaxFormat::kInference);
      out = f.p;
    }
    for (unsigned bi = 0; bi < beats; ++bi) {
      InBeat<L> in;
      OutBeat<L> o;
      for (unsigned j = 0; j < L; ++j) {
        const uint32_t i = bi * L + j;
        if (i < len) {
          in.a[j] = row.a[i];
          in.b[j] = mode == kBackward ? static_cast<uint16_t>(row.b[i]) : 0;
          if (row.keep.empty() || row.keep[i]) in.keep |= 1u << j;
          o.d[j] = out[i];
        } else {
          // Lanes past the row carry junk that the unit must ignore.
          in.a[j] = static_cast<uint16_t>(0x7FFF - j);
          in.keep |= 1u << j;
        }
      }
      in.last = o.last = (bi + 1 == beats);
      bench.src.push(in);
      bench.sb.expect(o);
      bench.beat_names.push_back(fmt::format("row {} beat {}", r, bi));
    }
  }
  bench.configure(mode, len, static_cast<uint32_t>(rows.size()), ds_shift);
  bench.apb.write_ok(kCtrl, 1);
  const uint64_t limit = 20ull * (beats + 8) * rows.size() + 1000;
  bench.h.run_until([&] { return bench.h.dut().done_o != 0; }, limit, "softmax DONE");
  bench.h.run_until([&] { return bench.sb.pending() == 0; }, 100, "last output beat");
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

// The softmax scenario of `hycim run softmax`: o.runs starts cycling through the three modes,
// each with 1..3 random rows of o.len elements (random when 0), under o.stall. Reports the output
// beats of all modes, then of each mode.
template <class Dut, unsigned L>
ScenarioReport run(const ScenarioOptions& o, ErrorLog& log) {
  // The saved view names the ports with the ci widths (4 lanes).
  ScenarioRun sr("softmax", "softmax_unit", o,
                 L == 4 ? HYCIM_SOURCE_DIR "/tb/waves/softmax_unit_ci.gtkw" : "");
  ScenarioReport& rep = sr.rep;
  golden::Rng rng(o.seed);
  {
    SoftmaxBench<Dut, L> b(sr.harness, log, sr.stall_rng, o.stall);
    const uint32_t row_max = b.apb.read_ok(kRowMax);
    if (o.len > row_max) log.error(fmt::format("--len {} exceeds ROW_MAX {}", o.len, row_max));
    static constexpr const char* kModeNames[] = {"inference", "training", "backward"};
    // Per mode: output beats expected, compared and mismatched (deltas of the scoreboard).
    std::array<TensorTally, 3> per_mode;
    for (uint32_t m = 0; m < 3; ++m) {
      per_mode[m].name = fmt::format("softmax.out {}", kModeNames[m]);
    }
    for (unsigned k = 0; k < o.runs && log.ok(); ++k) {
      const uint32_t mode = k % 3;
      const uint32_t len = o.len ? o.len : static_cast<uint32_t>(rng.uniform_int(1, row_max));
      std::vector<Row> rows;
      const auto n = static_cast<size_t>(rng.uniform_int(1, 3));
      for (size_t r = 0; r < n; ++r) {
        rows.push_back(mode == kBackward ? random_bwd_row(rng, len)
                                         : random_fwd_row(rng, len, k % 2 ? 0.25 : 0.0));
      }
      const auto ds_shift = static_cast<uint32_t>(rng.uniform_int(0, 16));
      const uint64_t e0 = b.sb.expected_total(), c0 = b.sb.compared(), m0 = b.sb.mismatches();
      rep.elements += run_rows(b, mode, len, ds_shift, rows);
      per_mode[mode].expected += b.sb.expected_total() - e0;
      per_mode[mode].compared += b.sb.compared() - c0;
      per_mode[mode].mismatches += b.sb.mismatches() - m0;
      ++rep.runs;
      if (b.apb.read_ok(kErr) != 0) log.error(fmt::format("run {}: ERR set", k));
      if (o.progress) {
        fmt::print("  run {:>3}/{}: {:<9} {} rows of {:>4}  cycle {:>9}  {}\n", k + 1, o.runs,
                   kModeNames[mode], n, len, b.h.cycle(), log.ok() ? "ok" : "FAILED");
      }
    }
    b.sb.finish();
    rep.tensors = {tally(b.sb)};
    for (const auto& t : per_mode) {
      if (t.expected) rep.tensors.push_back(t);
    }
    sr.record_sim(b.h);
  }
  return sr.finish(log);
}

// Steady-state throughput of one mode: `rows` rows of the maximum length in one start, no
// stalls; elements per cycle from the CYCLES register. Every output is still compared.
struct Throughput {
  uint32_t mode = 0;
  uint32_t len = 0;
  uint32_t rows = 0;
  uint32_t cycles = 0;
  double elements_per_cycle = 0;
  bool passed = false;
};
template <class Dut, unsigned L>
Throughput throughput(uint32_t mode, uint32_t rows, ErrorLog& log) {
  golden::Rng rng(7);
  HarnessOptions ho;
  ho.name = "softmax_throughput";
  SoftmaxBench<Dut, L> b(ho, log, rng, StallProfile::none());
  Throughput t;
  t.mode = mode;
  t.rows = rows;
  t.len = b.apb.read_ok(kRowMax);
  std::vector<Row> rs;
  for (uint32_t r = 0; r < rows; ++r) {
    rs.push_back(mode == kBackward ? random_bwd_row(rng, t.len) : random_fwd_row(rng, t.len, 0.0));
  }
  run_rows(b, mode, t.len, 4, rs);
  t.cycles = b.apb.read_ok(kCycles);
  t.elements_per_cycle = static_cast<double>(t.len) * rows / std::max(t.cycles, 1u);
  t.passed = b.sb.finish() && log.ok();
  return t;
}

}  // namespace hycim::tb::softmax
