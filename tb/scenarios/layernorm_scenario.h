// LayerNorm testbench pieces for sfln_unit and layernorm_unit: a bench (harness, APB, source,
// sink, scoreboard) whose output beats carry both out_data (y or dx) and out_aux (xhat), a
// parameter load, run_tokens(), which sends tokens in one mode and queues the golden model's
// beats (golden/include/hycim/golden/layernorm.h), and run_softmax(), which sends softmax rows
// through the same bench so the shared unit can switch between its halves. Used by
// tests/rtl/test_layernorm_unit.cc, test_sfln_unit*.cc and `hycim run layernorm`.
#pragma once

#include <fmt/format.h>
#include <verilated.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "apb.h"
#include "harness.h"
#include "hycim/golden/layernorm.h"
#include "hycim/golden/rng.h"
#include "hycim/golden/softmax.h"
#include "layernorm_stimulus.h"
#include "regs/sfln_unit_regs.h"
#include "scenario.h"
#include "scoreboard.h"
#include "softmax_scenario.h"
#include "stream.h"

namespace hycim::tb::layernorm {

using softmax::get16;
using softmax::put16;

// Registers and ERR bits: the generated map of sfln_unit (rtl/sfln/sfln_unit.regs.toml).
using namespace hycim::regs::sfln_unit;
enum Mode : uint32_t { kForward = 3, kBackward = 4, kParams = 5 };

template <unsigned L>
struct OutBeat {
  std::array<uint16_t, L> d{};    // out_data: y, dx (or softmax p / ds)
  std::array<uint16_t, L> aux{};  // out_aux: xhat (0 for softmax)
  bool last = false;
  bool operator==(const OutBeat&) const = default;
  std::string str() const {
    std::string s = "{data";
    for (unsigned j = 0; j < L; ++j) s += fmt::format(" {:#06x}", d[j]);
    s += ", xhat";
    for (unsigned j = 0; j < L; ++j) s += fmt::format(" {:#06x}", aux[j]);
    return s + fmt::format(", last {}}}", last ? 1 : 0);
  }
};

template <class Dut, unsigned L>
struct Bench {
  Harness<Dut> h;
  ApbDriver<Dut> apb;
  Scoreboard<OutBeat<L>> sb;
  StreamSource<softmax::InBeat<L>> src;
  StreamSink<OutBeat<L>> sink;
  std::vector<std::string> beat_names;  // "row r beat b" of each expected beat, for messages

  Bench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng, const StallProfile& st)
      : h(ho, log),
        apb(h),
        sb("sfln.out", log,
           [this](uint64_t i) {
             return i < beat_names.size() ? beat_names[i] : fmt::format("beat {}", i);
           }),
        src("sfln.in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const softmax::InBeat<L>& b) {
               auto& d = h.dut();
               for (unsigned j = 0; j < L; ++j) {
                 put16(d.in_a_i, j, b.a[j]);
                 put16(d.in_b_i, j, b.b[j]);
               }
               // layernorm_unit has no keep input; sfln_unit ignores it in LayerNorm modes.
               if constexpr (requires { d.in_keep_i; }) d.in_keep_i = b.keep;
               d.in_last_i = b.last;
             }},
            rng, st.valid_prob),
        sink("sfln.out",
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; },
              [this] {
                OutBeat<L> o;
                for (unsigned j = 0; j < L; ++j) {
                  o.d[j] = get16(h.dut().out_data_o, j);
                  o.aux[j] = get16(h.dut().out_aux_o, j);
                }
                o.last = h.dut().out_last_o != 0;
                return o;
              }},
             rng, st.ready_prob, log, [this](const OutBeat<L>& b, uint64_t) { sb.observe(b); }) {
    h.add(src);
    h.add(sink);
    h.reset();
  }

  void configure(uint32_t mode, uint32_t len, uint32_t rows, uint32_t shift, uint32_t eps8) {
    apb.write_ok(softmax::kMode, mode);
    apb.write_ok(softmax::kLen, len);
    apb.write_ok(softmax::kRows, rows);
    apb.write_ok(softmax::kDsShift, shift);
    apb.write_ok(kEps, eps8);
  }

  void start_and_wait(uint64_t limit, const char* what) {
    apb.write_ok(softmax::kCtrl, 1);
    h.run_until([&] { return h.dut().done_o != 0; }, limit, what);
    h.run_until([&] { return sb.pending() == 0; }, 100, "last output beat");
  }
};

// Input beats of one row: lane j of beat b is element b*L + j; lanes past the row carry junk
// (and a random keep pattern) that the unit must ignore.
template <unsigned L>
std::vector<softmax::InBeat<L>> row_beats(const std::vector<int16_t>& a,
                                          const std::vector<int16_t>& b, golden::Rng& rng) {
  const size_t n = a.size(), beats = (n + L - 1) / L;
  std::vector<softmax::InBeat<L>> out(beats);
  for (size_t bi = 0; bi < beats; ++bi) {
    auto& in = out[bi];
    for (unsigned j = 0; j < L; ++j) {
      const size_t i = bi * L + j;
      in.a[j] = i < n ? static_cast<uint16_t>(a[i]) : static_cast<uint16_t>(0x7FFF - j);
      in.b[j] = i < n && !b.empty() ? static_cast<uint16_t>(b[i]) : static_cast<uint16_t>(0x8001);
    }
    in.keep = static_cast<uint32_t>(rng.uniform_int(0, (int64_t{1} << L) - 1));
    in.last = bi + 1 == beats;
  }
  return out;
}

// Loads gamma and beta (mode 5); checks that PRM_LEN follows.
template <class Dut, unsigned L>
void load_params(Bench<Dut, L>& bench, const Params& p, golden::Rng& rng) {
  const auto n = static_cast<uint32_t>(p.gamma.size());
  for (const auto& b : row_beats<L>(p.gamma, p.beta, rng)) bench.src.push(b);
  bench.configure(kParams, n, 1, 0, 1);
  bench.start_and_wait(20ull * (n / L + 16) + 1000, "parameter load DONE");
  const uint32_t got = bench.apb.read_ok(kPrmLen);
  if (got != n) bench.h.log().error(fmt::format("PRM_LEN {} after loading {} features", got, n));
}

// Queues the golden beats of `tokens` (mode kForward or kBackward, with the loaded parameters
// p), sends them, starts and waits for DONE. Returns the number of elements compared.
template <class Dut, unsigned L>
uint64_t run_tokens(Bench<Dut, L>& bench, uint32_t mode, const Params& p,
                    const std::vector<Token>& tokens, uint32_t eps8, uint32_t dx_shift,
                    golden::Rng& rng) {
  const auto n = static_cast<uint32_t>(p.gamma.size());
  const unsigned beats = (n + L - 1) / L;
  for (size_t r = 0; r < tokens.size(); ++r) {
    const Token& t = tokens[r];
    const auto f = golden::layernorm_fwd(t.x, p.gamma, p.beta, eps8);
    std::vector<int16_t> out = f.y;
    if (mode == kBackward) out = golden::layernorm_bwd(t.x, t.dy, p.gamma, f, dx_shift).dx;
    for (const auto& in :
         row_beats<L>(t.x, mode == kBackward ? t.dy : std::vector<int16_t>{}, rng)) {
      bench.src.push(in);
    }
    for (unsigned bi = 0; bi < beats; ++bi) {
      OutBeat<L> o;
      for (unsigned j = 0; j < L; ++j) {
        const uint32_t i = bi * L + j;
        if (i < n) {
          o.d[j] = static_cast<uint16_t>(out[i]);
          o.aux[j] = static_cast<uint16_t>(f.xhat[i]);
        }
      }
      o.last = bi + 1 == beats;
      bench.sb.expect(o);
      bench.beat_names.push_back(fmt::format("token {} beat {}", r, bi));
    }
  }
  bench.configure(mode, n, static_cast<uint32_t>(tokens.size()), dx_shift, eps8);
  bench.start_and_wait(20ull * (beats + 24) * tokens.size() + 1000, "LayerNorm DONE");
  return uint64_t{n} * tokens.size();
}

// Softmax rows through the same bench (sfln_unit only): out_aux must stay 0.
template <class Dut, unsigned L>
uint64_t run_softmax(Bench<Dut, L>& bench, uint32_t mode, uint32_t len, uint32_t ds_shift,
                     const std::vector<softmax::Row>& rows) {
  const unsigned beats = (len + L - 1) / L;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    std::vector<uint16_t> out;
    if (mode == softmax::kBackward) {
      for (auto v : golden::softmax_bwd(row.a, row.b, ds_shift).ds) {
        out.push_back(static_cast<uint16_t>(v));
      }
    } else {
      out = golden::softmax_fwd(softmax::scores(row), row.keep,
                                mode == softmax::kTraining ? golden::SoftmaxFormat::kTraining
                                                           : golden::SoftmaxFormat::kInference)
                .p;
    }
    for (unsigned bi = 0; bi < beats; ++bi) {
      softmax::InBeat<L> in;
      OutBeat<L> o;
      for (unsigned j = 0; j < L; ++j) {
        const uint32_t i = bi * L + j;
        if (i < len) {
          in.a[j] = row.a[i];
          in.b[j] = mode == softmax::kBackward ? static_cast<uint16_t>(row.b[i]) : 0;
          if (row.keep.empty() || row.keep[i]) in.keep |= 1u << j;
          o.d[j] = out[i];
        }
      }
      in.last = o.last = bi + 1 == beats;
      bench.src.push(in);
      bench.sb.expect(o);
      bench.beat_names.push_back(fmt::format("softmax row {} beat {}", r, bi));
    }
  }
  bench.configure(mode, len, static_cast<uint32_t>(rows.size()), ds_shift, 1);
  bench.start_and_wait(20ull * (beats + 8) * rows.size() + 1000, "softmax DONE");
  return uint64_t{len} * rows.size();
}

// The scenario of `hycim run layernorm`: o.runs starts alternating forward and backward, each
// on a fresh parameter load of o.len features (random when 0) and 1..3 random tokens, under
// o.stall. Reports the output beats of both modes, then of each.
template <class Dut, unsigned L>
ScenarioReport run(const ScenarioOptions& o, ErrorLog& log) {
  ScenarioRun sr("layernorm", "sfln_unit", o,
                 L == 4 ? HYCIM_SOURCE_DIR "/tb/waves/sfln_unit_ci.gtkw" : "");
  ScenarioReport& rep = sr.rep;
  golden::Rng rng(o.seed);
  {
    Bench<Dut, L> b(sr.harness, log, sr.stall_rng, o.stall);
    const uint32_t ln_max = b.apb.read_ok(kLnMax);
    if (o.len > ln_max) log.error(fmt::format("--len {} exceeds LN_MAX {}", o.len, ln_max));
    std::array<TensorTally, 2> per_mode{TensorTally{"sfln.out layernorm forward"},
                                        TensorTally{"sfln.out layernorm backward"}};
    for (unsigned k = 0; k < o.runs && log.ok(); ++k) {
      const bool bwd = k % 2 == 1;
      const uint32_t n = o.len ? o.len : static_cast<uint32_t>(rng.uniform_int(1, ln_max));
      const Params p = random_params(rng, n);
      load_params(b, p, rng);
      std::vector<Token> tokens;
      const auto count = static_cast<size_t>(rng.uniform_int(1, 3));
      for (size_t r = 0; r < count; ++r) tokens.push_back(random_token(rng, n));
      const uint32_t eps8 = random_eps8(rng);
      const auto dx_shift = static_cast<uint32_t>(rng.uniform_int(0, 16));
      const uint64_t e0 = b.sb.expected_total(), c0 = b.sb.compared(), m0 = b.sb.mismatches();
      rep.elements += run_tokens(b, bwd ? kBackward : kForward, p, tokens, eps8, dx_shift, rng);
      auto& t = per_mode[bwd ? 1 : 0];
      t.expected += b.sb.expected_total() - e0;
      t.compared += b.sb.compared() - c0;
      t.mismatches += b.sb.mismatches() - m0;
      ++rep.runs;
      if (b.apb.read_ok(softmax::kErr) != 0) log.error(fmt::format("run {}: ERR set", k));
      if (o.progress) {
        fmt::print("  run {:>3}/{}: {:<8} {} tokens of {:>4}  cycle {:>9}  {}\n", k + 1, o.runs,
                   bwd ? "backward" : "forward", count, n, b.h.cycle(), log.ok() ? "ok" : "FAILED");
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

// Steady-state throughput of LayerNorm forward or backward: `rows` tokens of the maximum length
// in one start after a parameter load, no stalls; elements per cycle from the CYCLES register.
template <class Dut, unsigned L>
softmax::Throughput throughput(uint32_t mode, uint32_t rows, ErrorLog& log) {
  golden::Rng rng(7);
  HarnessOptions ho;
  ho.name = "layernorm_throughput";
  Bench<Dut, L> b(ho, log, rng, StallProfile::none());
  softmax::Throughput t;
  t.mode = mode;
  t.rows = rows;
  t.len = b.apb.read_ok(kLnMax);
  const Params p = random_params(rng, t.len);
  load_params(b, p, rng);
  std::vector<Token> tokens;
  for (uint32_t r = 0; r < rows; ++r) tokens.push_back(random_token(rng, t.len));
  run_tokens(b, mode, p, tokens, 256, 4, rng);
  t.cycles = b.apb.read_ok(softmax::kCycles);
  t.elements_per_cycle = static_cast<double>(t.len) * rows / std::max(t.cycles, 1u);
  t.passed = b.sb.finish() && log.ok();
  return t;
}

}  // namespace hycim::tb::layernorm
