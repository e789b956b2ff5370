// LayerNorm checks shared by the layernorm_unit and sfln_unit tests: random tokens against the
// golden model, directed tokens (one feature, zero variance, maximum length, outliers, the
// extremes of every format), every ERR class of the LayerNorm modes. Each takes the bench's DUT
// type and lane count; the callers are tests/training/test_layernorm_unit.cc and
// test_sfln_unit*.cc.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "layernorm_scenario.h"
#include "mid_reset.h"

namespace hycim::tb::layernorm {

// `starts` starts of 1..3 random tokens of a random length, each on fresh parameters.
template <class Dut, unsigned L>
uint64_t check_random_tokens(Bench<Dut, L>& b, golden::Rng& rng, uint32_t mode, int starts,
                             uint32_t ln_max) {
  uint64_t elements = 0;
  for (int s = 0; s < starts && b.h.log().ok(); ++s) {
    const auto n = static_cast<uint32_t>(rng.uniform_int(1, ln_max));
    const Params p = random_params(rng, n);
    load_params(b, p, rng);
    std::vector<Token> tokens;
    const auto count = static_cast<size_t>(rng.uniform_int(1, 3));
    for (size_t r = 0; r < count; ++r) tokens.push_back(random_token(rng, n, s % 2 ? 0.05 : 0.0));
    elements += run_tokens(b, mode, p, tokens, random_eps8(rng),
                           static_cast<uint32_t>(rng.uniform_int(0, 16)), rng);
    EXPECT_EQ(b.apb.read_ok(softmax::kErr), 0u);
    EXPECT_EQ(b.apb.read_ok(softmax::kRowsDone), count);
  }
  return elements;
}

// Directed tokens in both modes; every beat is compared with the golden model.
template <class Dut, unsigned L>
void check_directed_tokens(Bench<Dut, L>& b, golden::Rng& rng, uint32_t ln_max) {
  auto run_both = [&](const Params& p, const std::vector<Token>& tokens, uint32_t eps8,
                      uint32_t dx_shift) {
    load_params(b, p, rng);
    run_tokens(b, kForward, p, tokens, eps8, dx_shift, rng);
    run_tokens(b, kBackward, p, tokens, eps8, dx_shift, rng);
  };
  auto uniform = [](uint32_t n, int16_t v) { return std::vector<int16_t>(n, v); };

  // One feature: variance 0, xhat 0, y = beta, dx 0.
  run_both({{-32768}, {32767}}, {{{-32768}, {32767}}, {{12345}, {-32768}}}, 1, 16);
  // Zero variance at the maximum length (V = eps8 n^2 only), with the smallest and largest eps.
  const Params unit{uniform(ln_max, 8192), uniform(ln_max, 777)};
  run_both(unit, {{uniform(ln_max, -1234), uniform(ln_max, 100)}}, 1, 0);
  run_both(unit, {{uniform(ln_max, 32767), uniform(ln_max, -100)}}, 0xFFFFFFFFu, 16);
  // One outlier among equals: xhat = sqrt(n - 1) saturates for long rows.
  Token outlier{uniform(ln_max, 0), uniform(ln_max, 2047)};
  outlier.x[3] = 32767;
  outlier.dy[3] = -2048;
  run_both(unit, {outlier}, 1, 8);
  // The extremes of every format: x, dy alternate -2^15 / 2^15 - 1; gamma -4 and ~4; beta
  // saturating; DX_SHIFT at both ends.
  Token ext{std::vector<int16_t>(ln_max), std::vector<int16_t>(ln_max)};
  Params pext{std::vector<int16_t>(ln_max), std::vector<int16_t>(ln_max)};
  for (uint32_t i = 0; i < ln_max; ++i) {
    ext.x[i] = i % 2 ? 32767 : -32768;
    ext.dy[i] = (i / 2) % 2 ? 32767 : -32768;
    pext.gamma[i] = i % 3 ? -32768 : 32767;
    pext.beta[i] = i % 5 ? 32767 : -32768;
  }
  run_both(pext, {ext}, 1, 0);
  run_both(pext, {ext}, 1, 16);
  run_both(pext, {ext}, 0xFFFFFFFFu, 16);
  // Maximum length with many outliers, and lengths around the lane count.
  const Params pmax = random_params(rng, ln_max);
  run_both(pmax, {random_token(rng, ln_max, 0.1), random_token(rng, ln_max, 0.0)}, 300, 5);
  for (uint32_t n : {uint32_t{L - 1}, uint32_t{L + 1}, uint32_t{2 * L - 1}}) {
    if (n == 0 || n > ln_max) continue;
    const Params pn = random_params(rng, n);
    run_both(pn, {random_token(rng, n), random_token(rng, n)}, random_eps8(rng), 3);
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.apb.read_ok(softmax::kErr), 0u);
}

// Every illegal configuration of the LayerNorm modes sets its ERR bit, raises DONE, takes no
// input and leaves the parameters alone. `bad_modes` lists modes this build does not implement.
template <class Dut, unsigned L>
void check_errors(Bench<Dut, L>& b, golden::Rng& rng, uint32_t ln_max,
                  const std::vector<uint32_t>& bad_modes) {
  using namespace softmax;
  EXPECT_EQ(b.apb.read_ok(kLnMax), ln_max);
  EXPECT_EQ(b.apb.read_ok(kPrmLen), 0u) << "no parameters after reset";
  struct Case {
    const char* name;
    uint32_t mode, len, rows, shift, eps8, err;
  };
  std::vector<Case> cases = {
      {"forward before any parameter load", kForward, 4, 1, 0, 1, kErrParamLen},
      {"len 0", kParams, 0, 1, 0, 1, kErrLenZero},
      {"len over LN_MAX", kParams, ln_max + 1, 1, 0, 1, kErrLenTooBig},
      {"parameter load of 2 rows", kParams, 4, 2, 0, 1, kErrParamRows},
      {"rows 0", kParams, 4, 0, 0, 1, uint32_t{kErrRowsZero} | kErrParamRows},
  };
  for (uint32_t m : bad_modes) cases.push_back({"unbuilt mode", m, 4, 1, 0, 1, kErrBadMode});
  auto expect_refused = [&](const Case& c) {
    SCOPED_TRACE(c.name);
    b.configure(c.mode, c.len, c.rows, c.shift, c.eps8);
    b.apb.write_ok(kCtrl, 1);
    b.h.step(5);
    EXPECT_EQ(b.apb.read_ok(kErr), c.err);
    EXPECT_EQ(b.apb.read_ok(kStatus), 2u) << "DONE, not BUSY";
    EXPECT_EQ(b.h.dut().in_ready_o, 0) << "no input taken";
  };
  for (const auto& c : cases) expect_refused(c);

  // With 8 features loaded: a token of another length, eps 0, DX_SHIFT 17 are refused, and the
  // parameters survive them.
  const uint32_t n = std::min<uint32_t>(8, ln_max);
  const Params p = random_params(rng, n);
  load_params(b, p, rng);
  const std::vector<Case> after = {
      {"len differs from the parameters", kForward, n - 1, 1, 0, 1, kErrParamLen},
      {"eps 0", kForward, n, 1, 0, 0, kErrEpsZero},
      {"dx_shift 17", kBackward, n, 1, 17, 1, kErrDsShift},
      {"three at once", kBackward, n + 1 > ln_max ? n - 1 : n + 1, 1, 17, 0,
       kErrParamLen | kErrEpsZero | kErrDsShift},
  };
  for (const auto& c : after) expect_refused(c);
  EXPECT_EQ(b.apb.read_ok(kPrmLen), n);
  run_tokens(b, kBackward, p, {random_token(rng, n)}, 5, 2, rng);
  EXPECT_EQ(b.apb.read_ok(kErr), 0u) << "a legal start clears ERR";

  // A wrong in_last is flagged and the token still completes, bit-exact.
  const Token t = random_token(rng, n);
  const auto f = golden::layernorm_fwd(t.x, p.gamma, p.beta, 1);
  auto beats = row_beats<L>(t.x, {}, rng);
  for (size_t bi = 0; bi < beats.size(); ++bi) {
    beats[bi].last = bi == 0;  // on the first beat instead of the last
    OutBeat<L> o;
    for (unsigned j = 0; j < L && bi * L + j < n; ++j) {
      o.d[j] = static_cast<uint16_t>(f.y[bi * L + j]);
      o.aux[j] = static_cast<uint16_t>(f.xhat[bi * L + j]);
    }
    o.last = bi + 1 == beats.size();
    b.src.push(beats[bi]);
    b.sb.expect(o);
  }
  b.configure(kForward, n, 1, 0, 1);
  b.apb.write_ok(kCtrl, 1);
  EXPECT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 2000, "DONE"));
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.apb.read_ok(kErr), kErrLastMismatch);
  EXPECT_EQ(b.apb.read_ok(kRowsDone), 1u);
}

// Reset in the middle of a run (docs/conventions.md, "Reset in the middle of a run"): three
// rounds, each interrupting a job with random data under the bench's back-pressure at `point`
// (round 0 a parameter load, then forward tokens, then backward tokens or, with softmax rows up
// to `sm_max` (sfln_unit; 0: none), a softmax start), then a fresh job: the gamma / beta of
// before the reset are gone (PRM_LEN reads 0 and a forward start is refused with PARAM_LEN), a
// fresh parameter load and 1..3 fresh tokens match the golden model exactly, and ROWS_DONE and
// PRM_LEN count only them.
template <class Dut, unsigned L>
void check_mid_reset(Bench<Dut, L>& b, golden::Rng& rng, ResetPoint point, uint32_t ln_max,
                     uint32_t sm_max) {
  using namespace softmax;
  const auto power_on = read_registers(b.apb, kRegisters);
  EXPECT_EQ(power_on.size(), kRegisters.size());
  unsigned job = 0;
  size_t tokens_of_job = 0;
  uint32_t n_of_job = 0;
  auto queue = [&](golden::Rng& r) -> uint64_t {
    const unsigned k = job++;
    const bool fresh = k % 2 == 1;
    const auto n = static_cast<uint32_t>(r.uniform_int(fresh ? 1 : 2 * L, ln_max));
    const Params p = random_params(r, n);
    if (fresh) {
      // Nothing of the interrupted job survived: no parameters, so a forward start is refused.
      EXPECT_EQ(b.apb.read_ok(kPrmLen), 0u) << "gamma / beta survived the reset";
      b.configure(kForward, n, 1, 0, 1);
      b.apb.write_ok(kCtrl, 1);
      b.h.step(5);
      EXPECT_EQ(b.apb.read_ok(kErr), kErrParamLen) << "forward start without parameters";
      EXPECT_EQ(b.h.dut().in_ready_o, 0) << "no input taken";
      load_params(b, p, r);
    } else if (k / 2 == 0) {
      // Interrupt the parameter load itself (no output beats).
      for (const auto& beat : row_beats<L>(p.gamma, p.beta, r)) b.src.push(beat);
      b.configure(kParams, n, 1, 0, 1);
      return 0;
    } else if (sm_max > 0 && k / 2 == 2) {
      // sfln_unit: a softmax start is interrupted, a LayerNorm one follows on the shared buffers.
      const auto mode = static_cast<uint32_t>(r.uniform_int(kInference, softmax::kBackward));
      const auto len = static_cast<uint32_t>(r.uniform_int(2 * L, sm_max));
      std::vector<Row> rows;
      const auto count = static_cast<size_t>(r.uniform_int(1, 3));
      for (size_t i = 0; i < count; ++i) rows.push_back(random_row(r, mode, len, 0.2));
      const auto ds = static_cast<uint32_t>(r.uniform_int(0, 16));
      queue_rows(b, mode, len, ds, rows, false, "softmax row");
      b.configure(mode, len, static_cast<uint32_t>(count), ds, 1);
      return count * ((len + L - 1) / L);
    } else {
      load_params(b, p, r);
    }
    std::vector<Token> tokens;
    const auto count = static_cast<size_t>(r.uniform_int(1, 3));
    for (size_t i = 0; i < count; ++i) tokens.push_back(random_token(r, n, 0.05));
    tokens_of_job = count;
    n_of_job = n;
    const uint32_t mode = (k / 2) % 2 ? kForward : layernorm::kBackward;
    return queue_tokens(b, mode, p, tokens, random_eps8(r),
                        static_cast<uint32_t>(r.uniform_int(0, 16)), r);
  };
  for (int round = 0; round < 3 && b.h.log().ok(); ++round) {
    SCOPED_TRACE(fmt::format("round {}", round));
    const uint64_t fresh = lane_mid_reset_round(b, kRegisters, power_on, rng, point, kCtrl, queue,
                                                token_limit(ln_max, L, 3) + 20ull * ln_max);
    EXPECT_GT(fresh, 0u);
    EXPECT_EQ(b.apb.read_ok(kRowsDone), tokens_of_job) << "counts only the start after the reset";
    EXPECT_EQ(b.apb.read_ok(kPrmLen), n_of_job);
  }
  EXPECT_EQ(b.sb.mismatches(), 0u);
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.h.mid_resets(), 3u);
  EXPECT_GT(b.quiet.checked(), 0u);
}

}  // namespace hycim::tb::layernorm
