// LayerNorm testbench pieces for sfln_unit and layernorm_unit: the bench (a LaneBench,
// tb/harness/lane_bench.h) whose output beats carry both out_data (y or dx) and out_aux (xhat),
// a parameter load, run_tokens(), which sends tokens in one mode and queues the golden model's
// beats (golden/training/layernorm.h), and run_softmax(), which sends softmax rows
// through the same bench so the shared unit can switch between its halves. Used by
// tests/training/test_layernorm_unit.cc, test_sfln_unit*.cc and `hycim run layernorm`.
#pragma once

#include <fmt/format.h>

#include <array>
#include <string>
#include <vector>

#include "golden/core/rng.h"
#include "golden/training/layernorm.h"
#include "lane_bench.h"
#include "layernorm_stimulus.h"
#include "regs/sfln_unit_regs.h"
#include "scenario.h"
#include "softmax_scenario.h"

namespace hycim::tb::layernorm {

// Registers and ERR bits: the generated map of sfln_unit
// (rtl/training/sfln/sfln_unit.regs.toml).
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
OutBeat<L> get_out(Dut& d) {
  OutBeat<L> o;
  for (unsigned j = 0; j < L; ++j) {
    o.d[j] = get16(d.out_data_o, j);
    o.aux[j] = get16(d.out_aux_o, j);
  }
  o.last = d.out_last_o != 0;
  return o;
}

// The inputs are softmax_unit's (layernorm_unit has no keep input; sfln_unit ignores it in the
// LayerNorm modes).
template <class Dut, unsigned L>
struct Bench : LaneBench<Dut, softmax::InBeat<L>, OutBeat<L>> {
  Bench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng, const StallProfile& st)
      : LaneBench<Dut, softmax::InBeat<L>, OutBeat<L>>(
            {"sfln", softmax::kCtrl, softmax::put_in<Dut, L>, get_out<Dut, L>}, ho, log, rng, st) {}

  void configure(uint32_t mode, uint32_t len, uint32_t rows, uint32_t shift, uint32_t eps8) {
    this->apb.write_ok(softmax::kMode, mode);
    this->apb.write_ok(softmax::kLen, len);
    this->apb.write_ok(softmax::kRows, rows);
    this->apb.write_ok(softmax::kDsShift, shift);
    this->apb.write_ok(kEps, eps8);
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

// Queues the input beats and the golden beats of `tokens` (mode kForward or kBackward, with the
// loaded parameters p) and writes the configuration, without starting. Returns the number of
// output beats.
template <class Dut, unsigned L>
uint64_t queue_tokens(Bench<Dut, L>& bench, uint32_t mode, const Params& p,
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
      bench.expect(o, fmt::format("token {} beat {}", r, bi));
    }
  }
  bench.configure(mode, n, static_cast<uint32_t>(tokens.size()), dx_shift, eps8);
  return uint64_t{beats} * tokens.size();
}

// The cycle limit of a LayerNorm start.
inline uint64_t token_limit(uint32_t n, unsigned lanes, size_t tokens) {
  return 20ull * ((n + lanes - 1) / lanes + 24) * tokens + 1000;
}

// queue_tokens(), then starts and waits for DONE. Returns the number of elements compared.
template <class Dut, unsigned L>
uint64_t run_tokens(Bench<Dut, L>& bench, uint32_t mode, const Params& p,
                    const std::vector<Token>& tokens, uint32_t eps8, uint32_t dx_shift,
                    golden::Rng& rng) {
  queue_tokens(bench, mode, p, tokens, eps8, dx_shift, rng);
  const auto n = static_cast<uint32_t>(p.gamma.size());
  bench.start_and_wait(token_limit(n, L, tokens.size()), "LayerNorm DONE");
  return uint64_t{n} * tokens.size();
}

// Softmax rows through the same bench (sfln_unit only): out_aux must stay 0.
template <class Dut, unsigned L>
uint64_t run_softmax(Bench<Dut, L>& bench, uint32_t mode, uint32_t len, uint32_t ds_shift,
                     const std::vector<softmax::Row>& rows) {
  softmax::queue_rows(bench, mode, len, ds_shift, rows, false, "softmax row");
  bench.configure(mode, len, static_cast<uint32_t>(rows.size()), ds_shift, 1);
  bench.start_and_wait(softmax::row_limit(len, L, rows.size()), "softmax DONE");
  return uint64_t{len} * rows.size();
}

// The scenario of `hycim run layernorm`: o.runs starts alternating forward and backward, each
// on a fresh parameter load of o.len features (random when 0) and 1..3 random tokens, under
// o.stall. Reports the output beats of both modes, then of each.
template <class Dut, unsigned L>
ScenarioReport run(const ScenarioOptions& o, ErrorLog& log) {
  const LaneScenarioSpec spec{
      .scenario = "layernorm",
      .top = "sfln_unit",
      .view = L == 4 ? HYCIM_SOURCE_DIR "/tb/waves/sfln_unit_ci.gtkw" : "",
      .max_reg = kLnMax,
      .max_name = "LN_MAX",
      .err_reg = softmax::kErr,
      .mode_tensors = {"sfln.out layernorm forward", "sfln.out layernorm backward"}};
  return run_lane_scenario<Bench<Dut, L>>(
      o, log, spec, [](Bench<Dut, L>& b, golden::Rng& rng, unsigned k, uint32_t n) {
        const bool bwd = k % 2 == 1;
        const Params p = random_params(rng, n);
        load_params(b, p, rng);
        std::vector<Token> tokens;
        const auto count = static_cast<size_t>(rng.uniform_int(1, 3));
        for (size_t r = 0; r < count; ++r) tokens.push_back(random_token(rng, n));
        const uint32_t eps8 = random_eps8(rng);
        const auto dx_shift = static_cast<uint32_t>(rng.uniform_int(0, 16));
        return LaneStart{
            bwd ? 1u : 0u,
            run_tokens(b, bwd ? kBackward : kForward, p, tokens, eps8, dx_shift, rng),
            fmt::format("{:<8} {} tokens of {:>4}", bwd ? "backward" : "forward", count, n)};
      });
}

// Steady-state throughput of LayerNorm forward or backward: `rows` tokens of the maximum length
// in one start after a parameter load, no stalls; elements per cycle from the CYCLES register.
template <class Dut, unsigned L>
Throughput throughput(uint32_t mode, uint32_t rows, ErrorLog& log) {
  return measure_throughput<Bench<Dut, L>>(
      "layernorm_throughput", kLnMax, softmax::kCycles, mode, rows, log,
      [mode, rows](Bench<Dut, L>& b, golden::Rng& rng, uint32_t n) {
        const Params p = random_params(rng, n);
        load_params(b, p, rng);
        std::vector<Token> tokens;
        for (uint32_t r = 0; r < rows; ++r) tokens.push_back(random_token(rng, n));
        run_tokens(b, mode, p, tokens, 256, 4, rng);
      });
}

}  // namespace hycim::tb::layernorm
