// apb_reg_port alone: random APB4 transfers (aligned and misaligned addresses, full and partial
// strobes, reads and writes, idle gaps, back-to-back transfers) against the port's specified
// behaviour (rtl/core/apb_reg_port.sv header, docs/conventions.md "Registers and errors"),
// with a register block model on the register side that answers errors for some addresses.
#include "Vapb_reg_port_ci.h"
#include "harness.h"
#include "hycim_configs.h"
#include "hycim_test.h"

namespace hycim::tb {
namespace {

using Dut = Vapb_reg_port_ci;
constexpr uint32_t kAddrMask = (1u << cfg::Ci::kApbAddrWidth) - 1;

// The register block behind the port: a word array; every eighth word is "unmapped" (answers
// reg_error_i). Driven combinationally from reg_addr_o before each evaluation.
struct RegBlock {
  static bool unmapped(uint32_t addr) { return ((addr >> 2) & 7u) == 7u; }
  static uint32_t value(uint32_t addr) { return 0x5A000000u ^ (addr * 0x9E3779B1u); }
};

TEST_F(HycimTest, ApbRegPortRandomTransfersMatchTheSpecifiedBehaviour) {
  Harness<Dut> h(harness_options(), log());
  auto& d = h.dut();
  auto drive_reg_side = [&] {
    d.reg_rdata_i = RegBlock::value(d.reg_addr_o);
    d.reg_error_i = RegBlock::unmapped(d.reg_addr_o);
  };
  d.psel_i = 0;
  d.penable_i = 0;
  d.pwrite_i = 0;
  d.paddr_i = 0;
  d.pwdata_i = 0;
  d.pstrb_i = 0xF;
  drive_reg_side();
  h.reset();

  uint64_t transfers = 0, writes = 0, errors = 0, strobes_seen = 0;
  for (int t = 0; t < 5000 && log().ok(); ++t) {
    // Idle cycles between transfers (none half of the time: back-to-back transfers).
    if (rng().bernoulli(0.5)) {
      d.psel_i = 0;
      d.penable_i = 0;
      h.step(static_cast<uint64_t>(rng().uniform_int(1, 3)));
    }
    const bool write = rng().bernoulli(0.5);
    uint32_t addr = static_cast<uint32_t>(rng().uniform_int(0, kAddrMask)) & ~3u;
    if (rng().bernoulli(0.1)) addr |= static_cast<uint32_t>(rng().uniform_int(1, 3));
    const uint32_t wdata = rng().next_u32();
    const auto strb = static_cast<uint8_t>(rng().bernoulli(0.85) ? 0xF : rng().uniform_int(0, 14));
    const bool bad_form = (addr & 3u) != 0 || (write && strb != 0xF);
    const bool want_err = bad_form || RegBlock::unmapped(addr);

    // Setup phase: no strobes to the register block yet.
    d.psel_i = 1;
    d.penable_i = 0;
    d.pwrite_i = write;
    d.paddr_i = addr;
    d.pwdata_i = wdata;
    d.pstrb_i = strb;
    h.eval();
    drive_reg_side();
    h.eval();
    if (d.reg_we_o || d.reg_re_o) log().error(fmt::format("transfer {}: strobe in setup", t));
    if (d.pslverr_o) log().error(fmt::format("transfer {}: pslverr in setup", t));
    h.step();
    // Access phase.
    d.penable_i = 1;
    h.eval();
    drive_reg_side();
    h.eval();
    ++transfers;
    const std::string what =
        fmt::format("transfer {} ({} {:#05x} strb {:#x})", t, write ? "write" : "read", addr, strb);
    if (!d.pready_o) log().error(what + ": pready low (the port has no wait states)");
    if (d.pslverr_o != want_err) {
      log().error(fmt::format("{}: pslverr {}, expected {}", what, d.pslverr_o, want_err));
    }
    if (d.reg_addr_o != addr) log().error(what + ": reg_addr_o differs from paddr");
    const bool want_we = write && !bad_form;
    const bool want_re = !write && !bad_form;
    if (d.reg_we_o != want_we) log().error(fmt::format("{}: reg_we_o {}", what, d.reg_we_o));
    if (d.reg_re_o != want_re) log().error(fmt::format("{}: reg_re_o {}", what, d.reg_re_o));
    if (want_we && d.reg_wdata_o != wdata) log().error(what + ": reg_wdata_o differs from pwdata");
    if (!write && d.prdata_o != RegBlock::value(addr)) {
      log().error(fmt::format("{}: prdata {:#010x}, expected {:#010x}", what, d.prdata_o,
                              RegBlock::value(addr)));
    }
    writes += write;
    errors += want_err;
    strobes_seen += (write && strb != 0xF);
    h.step();
  }
  d.psel_i = 0;
  d.penable_i = 0;
  h.step(2);
  EXPECT_EQ(transfers, 5000u);
  // The random mix reached every class.
  EXPECT_GT(writes, 2000u);
  EXPECT_GT(errors, 500u);
  EXPECT_GT(strobes_seen, 100u);
}

// The requester-side protocol assertions of the port catch a broken requester: an access phase
// without a setup phase.
TEST_F(HycimTest, ApbRegPortAssertsOnAccessWithoutSetup) {
  ErrorLog sim_log;
  HarnessOptions ho = harness_options();
  ho.name += "_sim";
  Harness<Dut> h(ho, sim_log);
  auto& d = h.dut();
  d.psel_i = 0;
  d.penable_i = 0;
  d.pstrb_i = 0xF;
  h.reset();
  h.step(2);
  ASSERT_TRUE(sim_log.ok());
  d.penable_i = 1;  // penable without psel
  h.step();
  EXPECT_FALSE(sim_log.ok()) << "ApbEnableNeedsSel should have fired";
}

}  // namespace
}  // namespace hycim::tb
