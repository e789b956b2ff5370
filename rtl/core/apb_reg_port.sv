// APB4 (subset) slave front end for a HyCIM register block. Zero wait states: pready_o is always
// high, so every transfer is one setup and one access cycle. The register block answers with
// reg_rdata_i and reg_error_i in the access cycle; reg_we_o / reg_re_o are one-cycle strobes.
// pslverr is raised for an unmapped or read-only address (reg_error_i), a misaligned address
// and a write whose strobes are not all set (HyCIM registers are whole 32-bit words). pprot is
// not part of the subset.

`include "hycim_assert.svh"

module apb_reg_port #(
  parameter int unsigned AddrWidth = 12
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // APB
  input  logic                 psel_i,
  input  logic                 penable_i,
  input  logic                 pwrite_i,
  input  logic [AddrWidth-1:0] paddr_i,
  input  logic [31:0]          pwdata_i,
  input  logic [3:0]           pstrb_i,
  output logic [31:0]          prdata_o,
  output logic                 pready_o,
  output logic                 pslverr_o,
  // Register block
  output logic                 reg_we_o,
  output logic                 reg_re_o,
  output logic [AddrWidth-1:0] reg_addr_o,
  output logic [31:0]          reg_wdata_o,
  input  logic [31:0]          reg_rdata_i,
  input  logic                 reg_error_i
);

  logic access, bad_form;

  assign access      = psel_i && penable_i;
  assign bad_form    = (paddr_i[1:0] != 2'b00) || (pwrite_i && (pstrb_i != 4'hF));
  assign reg_we_o    = access && pwrite_i && !bad_form;
  assign reg_re_o    = access && !pwrite_i && !bad_form;
  assign reg_addr_o  = paddr_i;
  assign reg_wdata_o = pwdata_i;
  assign prdata_o    = (access && !pwrite_i) ? reg_rdata_i : 32'h0;
  assign pready_o    = 1'b1;
  assign pslverr_o   = access && (bad_form || reg_error_i);

  // Protocol rules for the requester (the transfer rules of the AMBA APB4 specification): an
  // access phase follows a setup phase, and the transfer's address, direction and write data hold
  // from setup to access.
  `HYCIM_ASSERT(ApbEnableNeedsSel, penable_i |-> psel_i)
  `HYCIM_ASSERT(ApbSetupThenAccess, (psel_i && !penable_i) |=> (psel_i && penable_i))
  `HYCIM_ASSERT(ApbAddrStable, (psel_i && !penable_i) |=> $stable(paddr_i))
  `HYCIM_ASSERT(ApbWriteStable, (psel_i && !penable_i) |=> $stable(pwrite_i))
  `HYCIM_ASSERT(ApbWdataStable, (psel_i && !penable_i && pwrite_i) |=> $stable(pwdata_i))
  `HYCIM_ASSERT_INIT(AddrWide, AddrWidth >= 4 && AddrWidth <= 32, "AddrWidth must be in 4..32")

endmodule
