// The behavioral PQ crossbar (sim/attention/pq_xbar.h): with every effect off it is the
// integer golden model bit for bit; each effect is a switch that changes the outcome; static
// effects follow the chip seed and dynamic ones the run seed; parameters come from a file.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "golden/attention/pq.h"
#include "hycim_test.h"
#include "pq_stimulus.h"
#include "sim/attention/pq_xbar.h"

namespace hycim::sim {
namespace {

using golden::Tensor;
using tb::HycimTest;

class PqXbar : public HycimTest {
 protected:
  void SetUp() override {
    HycimTest::SetUp();
    train = tb::pq::gaussian_tokens(rng(), 512, 64);
    cb = golden::train_codebook(train, 8, 16, {.seed = seed()});
    map = golden::map_crossbar(cb, golden::choose_shift(train, spec.in_bits), spec);
    tokens = tb::pq::gaussian_tokens(rng(), 200, 64);
  }
  std::vector<uint8_t> levels(size_t t) const {
    return golden::input_levels(std::span<const int8_t>(&tokens.data()[t * 64], 64), map.shift,
                                spec);
  }
  golden::XbarSpec spec;
  Tensor<int8_t> train, tokens;
  golden::Codebook cb;
  golden::XbarMap map;
};

TEST_F(PqXbar, AllEffectsOffIsTheIntegerGolden) {
  for (uint32_t tf : {16u, 128u, 700u}) {
    AnalogParams p;
    p.ticks_full = tf;
    p.chip_seed = seed();
    p.run_seed = seed() + 1;
    ASSERT_TRUE(p.ideal());
    PqCrossbar xb(map, p);
    EXPECT_EQ(xb.charge(), golden::default_charge(map, tf));
    for (size_t t = 0; t < tokens.dim(0); ++t) {
      const auto u = levels(t);
      const auto e = xb.eval(u);
      const auto cur = golden::ideal_currents(map, u);
      const auto tk = golden::ideal_ticks(cur, xb.charge(), spec.tick_width);
      for (size_t c = 0; c < cur.size(); ++c) {
        ASSERT_EQ(e.current[c], static_cast<double>(cur[c])) << "token " << t << " col " << c;
      }
      ASSERT_EQ(e.tick, tk) << "token " << t << " ticks_full " << tf;
    }
  }
}

TEST_F(PqXbar, StaticEffectsFollowTheChipSeedAndDynamicOnesTheRunSeed) {
  AnalogParams st;
  st.prog_sigma = 0.05;
  st.stuck_off_rate = 0.01;
  st.comp_offset_sigma = 0.02;
  st.chip_seed = seed();
  PqCrossbar a(map, st), b(map, st);
  AnalogParams st2 = st;
  st2.chip_seed = seed() + 7;
  PqCrossbar c(map, st2);
  size_t diff_chip = 0;
  for (size_t t = 0; t < 50; ++t) {
    const auto u = levels(t);
    const auto ea = a.eval(u);
    EXPECT_EQ(ea.tick, b.eval(u).tick);  // same chip: same answer
    EXPECT_EQ(ea.tick, a.eval(u).tick);  // no dynamic effect: repeatable
    diff_chip += ea.tick != c.eval(u).tick;
  }
  EXPECT_GT(diff_chip, 25u);
  AnalogParams dy;
  dy.read_sigma = 0.01;
  dy.comp_jitter = 0.5;
  dy.run_seed = seed();
  PqCrossbar d(map, dy), e(map, dy);
  size_t repeat_diff = 0;
  for (size_t t = 0; t < 50; ++t) {
    const auto u = levels(t);
    const auto t1 = d.eval(u).tick;
    EXPECT_EQ(t1, e.eval(u).tick);   // same run seed: the same sequence
    const auto t2 = d.eval(u).tick;  // the next draw differs
    EXPECT_EQ(t2, e.eval(u).tick);
    repeat_diff += t1 != t2;
  }
  EXPECT_GT(repeat_diff, 25u);
}

TEST_F(PqXbar, EveryEffectIsASwitchThatChangesTheTicks) {
  const char* effects[][2] = {
      {"g_off", "0.4"},          {"prog_sigma", "0.05"},
      {"read_sigma", "0.01"},    {"comp_offset_sigma", "0.05"},
      {"comp_jitter", "1.0"},    {"ir_drop", "0.1"},
      {"stuck_on_rate", "0.02"}, {"stuck_off_rate", "0.02"},
      {"drift_nu", "0.05"},
  };
  PqCrossbar ideal(map, AnalogParams{});
  for (const auto& kv : effects) {
    AnalogParams p;
    p.set(kv[0], kv[1]);
    if (std::string(kv[0]) == "drift_nu") {
      p.set("drift_nu_sigma", "0.02");
      p.set("drift_t", "1000");
    }
    EXPECT_FALSE(p.ideal()) << kv[0];
    PqCrossbar xb(map, p);
    size_t changed = 0;
    for (size_t t = 0; t < 50; ++t) {
      const auto u = levels(t);
      changed += xb.eval(u).tick != ideal.eval(u).tick;
    }
    EXPECT_GT(changed, 0u) << kv[0] << " = " << kv[1] << " changed nothing";
    fmt::print("{:<18} = {:<5}: ticks differ from ideal for {} of 50 tokens\n", kv[0], kv[1],
               changed);
  }
}

TEST_F(PqXbar, ParametersComeFromATomlFileAndBadOnesAreErrors) {
  const auto path = std::filesystem::temp_directory_path() / (file_stem() + ".toml");
  auto write = [&](const std::string& text) {
    std::ofstream f(path);
    f << text;
  };
  write(
      "# a chip after a day\nprog_sigma = 0.03\n  read_sigma=0.005  # per read\n\n"
      "drift_nu = 0.01\ndrift_t = 86400\nticks_full = 256\nchip_seed = 0x10\n"
      "run_seed = \"0xffffffffffffffff\"\n");
  const auto p = AnalogParams::from_file(path.string());
  EXPECT_DOUBLE_EQ(p.prog_sigma, 0.03);
  EXPECT_DOUBLE_EQ(p.read_sigma, 0.005);
  EXPECT_DOUBLE_EQ(p.drift_t, 86400);  // a TOML integer where a number is expected
  EXPECT_EQ(p.ticks_full, 256u);
  EXPECT_EQ(p.chip_seed, 16u);
  EXPECT_EQ(p.run_seed, UINT64_MAX);  // beyond a TOML integer: as a string, by parse_u64
  EXPECT_EQ(p.describe(),
            "prog_sigma=0.03 read_sigma=0.005 drift_nu=0.01 drift_t=86400 ticks_full=256");

  // Each bad file: the text, the line the message must name, and a part of the message.
  struct Bad {
    const char* text;
    int line;
    const char* why;
  };
  const Bad bad[] = {
      {"prog_sigmaa = 0.1\n", 1, "unknown analog parameter 'prog_sigmaa'"},
      {"g_off = 0.1\nprog_sigma 0.1\n", 2, "not valid TOML"},
      {"prog_sigma = 0.1x\n", 1, "not valid TOML"},
      {"prog_sigma = 0.1\nprog_sigma = 0.2\n", 2, "not valid TOML"},  // a key twice
      {"prog_sigma = \"0.1\"\n", 1, "prog_sigma must be a number, not a string"},
      {"read_sigma = true\n", 1, "read_sigma must be a number, not a boolean"},
      {"[chip]\nprog_sigma = 0.1\n", 1, "unknown analog parameter 'chip'"},
      {"ticks_full = 128.0\n", 1, "ticks_full must be an unsigned integer, not a floating-point"},
      {"chip_seed = -1\n", 1, "chip_seed = -1 must not be negative"},
      {"chip_seed = \"-1\"\n", 1, "chip_seed = \"-1\" is not an unsigned integer"},
      {"read_sigma = -1\n", 1, "read_sigma = -1 is out of range: legal [0, 1]"},
      {"prog_sigma = 1.5\n", 1, "prog_sigma = 1.5 is out of range"},
      {"comp_offset_sigma = 2\n", 1, "comp_offset_sigma = 2 is out of range"},
      {"drift_nu_sigma = 1.01\n", 1, "drift_nu_sigma = 1.01 is out of range"},
      {"comp_jitter = 70000\n", 1, "comp_jitter = 70000 is out of range"},
      {"g_off = 16\n", 1, "g_off = 16 is out of range"},
      {"stuck_on_rate = 2\n", 1, "stuck_on_rate = 2 is out of range"},
      {"g_off = 0\nstuck_on_rate = 0.6\nstuck_off_rate = 0.5\n", 3,
       "stuck_on_rate + stuck_off_rate = 0.6 + 0.5 exceeds 1"},
      {"drift_t = 0.5\n", 1, "drift_t = 0.5 is out of range: legal [1, "},
      {"drift_t = inf\n", 1, "drift_t = inf is not a finite number"},
      {"ir_drop = nan\n", 1, "ir_drop = nan is not a finite number"},
      {"ticks_full = 0\n", 1, "ticks_full = 0 is out of range: legal [1, 65535]"},
      {"ticks_full = 65536\n", 1, "ticks_full = 65536 is out of range"},
  };
  for (const auto& b : bad) {
    write(b.text);
    try {
      AnalogParams::from_file(path.string());
      ADD_FAILURE() << "accepted: " << b.text;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(b.why), std::string::npos) << what;
      EXPECT_EQ(what.rfind(fmt::format("{}:{}:", path.string(), b.line), 0), 0u) << what;
    }
  }
  // The edges of each range are legal.
  write(
      "prog_sigma = 1\nread_sigma = 0\ncomp_jitter = 65535\ng_off = 15\nstuck_on_rate = 0.5\n"
      "stuck_off_rate = 0.5\ndrift_t = 1\nticks_full = 65535\nchip_seed = 0\n");
  EXPECT_NO_THROW(AnalogParams::from_file(path.string()));
  std::filesystem::remove(path);

  // Paths that are not a readable file: each message names the path.
  auto message = [](const std::string& file) {
    try {
      AnalogParams::from_file(file);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const auto missing = message("/nonexistent/analog.toml");
  EXPECT_NE(missing.find("/nonexistent/analog.toml: analog parameter file not found"),
            std::string::npos)
      << missing;
  const auto dir = std::filesystem::temp_directory_path().string();
  const auto is_dir = message(dir);
  EXPECT_NE(is_dir.find(dir + ": is a directory"), std::string::npos) << is_dir;
}

TEST_F(PqXbar, SetChecksTheSameRangesAndLeavesTheParametersOnError) {
  AnalogParams p;
  p.set("stuck_on_rate", "0.6");
  EXPECT_THROW(p.set("stuck_off_rate", "0.5"), Error);
  EXPECT_EQ(p.stuck_off_rate, 0.0);
  EXPECT_THROW(p.set("prog_sigma", "2"), Error);
  EXPECT_THROW(p.set("prog_sigma", "0.1x"), Error);
  EXPECT_THROW(p.set("prog_sigma", ""), Error);
  EXPECT_THROW(p.set("ticks_full", "0"), Error);
  EXPECT_THROW(p.set("chip_seed", "-1"), Error);
  EXPECT_THROW(p.set("no_such_key", "1"), Error);
  EXPECT_EQ(p.prog_sigma, 0.0);
  p.set("chip_seed", "0x10");
  EXPECT_EQ(p.chip_seed, 16u);
}

// Variation against its textbook variance. A column's net current is the sum over cells of
// (2 u_r G_rc), plus the bias cell, minus the group's reference column. With independent
// relative programming errors of sigma s per cell, Var(net) = s^2 (sum_r (2 u_r L_rc)^2 +
// bias_c^2 + sum_{r in block} (2 u_r mid)^2); with relative read noise of sigma s on each gross
// column current, Var(net) = s^2 (I_col^2 + I_ref^2). 400 chips (or reads) give the sample
// variance within about 7 % (one standard error); the test allows 25 %.
TEST_F(PqXbar, ProgrammingAndReadVariationMatchTheirAnalyticVariance) {
  const auto u = levels(0);
  const double mid = 1 << (spec.g_bits - 1);
  constexpr int kN = 400;
  constexpr double kSigma = 0.01;
  const PqCrossbar::Eval ideal = PqCrossbar(map, AnalogParams{}).eval(u);
  PqCrossbar read_xb(map, [] {
    AnalogParams p;
    p.read_sigma = kSigma;
    return p;
  }());
  std::vector<std::vector<double>> prog(kN), read(kN);
  for (int k = 0; k < kN; ++k) {
    AnalogParams p;
    p.prog_sigma = kSigma;
    p.chip_seed = static_cast<uint64_t>(k + 1);
    prog[k] = PqCrossbar(map, p).eval(u).current;
    read[k] = read_xb.eval(u).current;
  }
  for (int c : {0, 21, 66, 127}) {
    SCOPED_TRACE(fmt::format("column {}", c));
    const int g = c / spec.cols_per_group;
    double s_cell = 0, s_ref = 0, gross_col = 0, gross_ref = 0;
    for (int r = 0; r < spec.rows() - 1; ++r) {
      const double a = 2.0 * u[r] * map.level(r, c);
      s_cell += a * a;
      gross_col += a;
      if (r / spec.sub_dim == g) {
        const double b = 2.0 * u[r] * mid;
        s_ref += b * b;
        gross_ref += b;
      }
    }
    const double bias = static_cast<double>(map.bias[c]);
    gross_col += bias;  // the bias row is driven at full scale
    const double var_prog = kSigma * kSigma * (s_cell + bias * bias + s_ref);
    const double var_read = kSigma * kSigma * (gross_col * gross_col + gross_ref * gross_ref);
    ASSERT_NEAR(gross_col - gross_ref, ideal.current[c], 1e-9) << "gross currents re-derived";
    for (const auto* v : {&prog, &read}) {
      double m = 0, q = 0;
      for (int k = 0; k < kN; ++k) m += (*v)[k][c] / kN;
      for (int k = 0; k < kN; ++k) q += ((*v)[k][c] - m) * ((*v)[k][c] - m) / (kN - 1);
      const double want = v == &prog ? var_prog : var_read;
      fmt::print(
          "column {:3} {}: mean {:9.2f} (ideal {:9.2f}), variance {:9.3f}, analytic {:9.3f}\n", c,
          v == &prog ? "prog" : "read", m, ideal.current[c], q, want);
      EXPECT_NEAR(m, ideal.current[c], 5.0 * std::sqrt(want / kN));
      EXPECT_GT(q / want, 0.75);
      EXPECT_LT(q / want, 1.25);
    }
  }
}

TEST_F(PqXbar, EarlyStopNeverDrawsMoreCharge) {
  PqCrossbar xb(map, AnalogParams{});
  double with = 0, without = 0;
  for (size_t t = 0; t < 100; ++t) {
    const auto e = xb.eval(levels(t));
    const auto r = golden::wta(e.tick, 8, 16, spec.tick_limit());
    std::vector<uint32_t> stop(8), none(8, 0), last(8, 0);
    for (int g = 0; g < 8; ++g) {
      stop[g] = r.win_tick[g] + 1u;  // grp_stop one cycle after lock
      for (int c = 0; c < 16; ++c) last[g] = std::max(last[g], e.tick[g * 16 + c]);
    }
    const double a = xb.race_charge(xb.discharge_ticks(stop, spec.tick_limit()));
    const double b = xb.race_charge(xb.discharge_ticks(none, spec.tick_limit()));
    ASSERT_LE(a, b);
    // No early stop ends each group's race at its last column's fire tick.
    ASSERT_DOUBLE_EQ(b, xb.race_charge(xb.discharge_ticks(last, spec.tick_limit())));
    ASSERT_EQ(xb.discharge_ticks(none, spec.tick_limit()), last);
    ASSERT_EQ(xb.discharge_ticks(stop, spec.tick_limit()), stop);
    const auto capped = xb.discharge_ticks(none, 3);
    for (int g = 0; g < 8; ++g) ASSERT_EQ(capped[g], std::min(last[g], 3u));
    with += a;
    without += b;
  }
  fmt::print("race charge with early stop / without: {:.3f}\n", with / without);
  EXPECT_LT(with, without);
}

}  // namespace
}  // namespace hycim::sim
