// APB4 requester for a HyCIM top's register port (ports apb_psel_i, apb_penable_i,
// apb_pwrite_i, apb_paddr_i, apb_pwdata_i, apb_pstrb_i, apb_prdata_o, apb_pready_o,
// apb_pslverr_o). Each transfer is a setup and an access phase; the access phase waits for
// pready, up to kMaxWait cycles. Other plug-ins keep running while it steps the clock.
#pragma once

#include <fmt/format.h>

#include <cstdint>

#include "harness.h"

namespace hycim::tb {

template <class Dut>
class ApbDriver {
 public:
  static constexpr unsigned kMaxWait = 64;

  explicit ApbDriver(Harness<Dut>& h) : h_(h) {
    auto& d = h_.dut();
    d.apb_psel_i = 0;
    d.apb_penable_i = 0;
    d.apb_pwrite_i = 0;
    d.apb_paddr_i = 0;
    d.apb_pwdata_i = 0;
    d.apb_pstrb_i = 0xF;
  }

  // Raw transfers: return pslverr.
  bool write(uint32_t addr, uint32_t data, uint8_t strb = 0xF) {
    uint32_t unused = 0;
    return transfer(true, addr, data, strb, &unused);
  }
  bool read(uint32_t addr, uint32_t* data) { return transfer(false, addr, 0, 0xF, data); }

  // Checked transfers: an error response is logged as a test failure.
  void write_ok(uint32_t addr, uint32_t data) {
    if (write(addr, data)) {
      h_.log().error(fmt::format("APB write of {:#x} to {:#x} answered pslverr", data, addr));
    }
  }
  uint32_t read_ok(uint32_t addr) {
    uint32_t v = 0;
    if (read(addr, &v)) h_.log().error(fmt::format("APB read of {:#x} answered pslverr", addr));
    return v;
  }

 private:
  bool transfer(bool write, uint32_t addr, uint32_t wdata, uint8_t strb, uint32_t* rdata) {
    auto& d = h_.dut();
    d.apb_psel_i = 1;
    d.apb_penable_i = 0;
    d.apb_pwrite_i = write;
    d.apb_paddr_i = addr;
    d.apb_pwdata_i = wdata;
    d.apb_pstrb_i = strb;
    h_.step();  // setup phase
    d.apb_penable_i = 1;
    bool err = false;
    for (unsigned wait = 0;; ++wait) {
      h_.eval();
      if (d.apb_pready_o) {
        *rdata = d.apb_prdata_o;
        err = d.apb_pslverr_o;
        h_.step();
        break;
      }
      if (wait == kMaxWait) {
        h_.log().error(fmt::format("APB {} at {:#x}: no pready within {} cycles",
                                   write ? "write" : "read", addr, kMaxWait));
        err = true;
        break;
      }
      h_.step();
    }
    d.apb_psel_i = 0;
    d.apb_penable_i = 0;
    h_.eval();
    return err;
  }

  Harness<Dut>& h_;
};

}  // namespace hycim::tb
