// The APB4 completer port every HyCIM top has (signals apb_*, docs/registers.md), declared and
// connected by name through one macro each, so that the tops and the wrappers do not spell the
// nine signals out again:
//   module my_top #(...) (input logic clk_i, input logic rst_ni,
//                         `HYCIM_APB_PORTS(ApbAddrWidth), ...);
//   my_top_reg_top u_regs (.clk_i, .rst_ni, `HYCIM_APB_CONNECT, ...);
`ifndef HYCIM_PORTS_SVH
`define HYCIM_PORTS_SVH

`define HYCIM_APB_PORTS(AddrWidth) \
  input  logic                 apb_psel_i, \
  input  logic                 apb_penable_i, \
  input  logic                 apb_pwrite_i, \
  input  logic [AddrWidth-1:0] apb_paddr_i, \
  input  logic [31:0]          apb_pwdata_i, \
  input  logic [3:0]           apb_pstrb_i, \
  output logic [31:0]          apb_prdata_o, \
  output logic                 apb_pready_o, \
  output logic                 apb_pslverr_o

`define HYCIM_APB_CONNECT \
  .apb_psel_i, .apb_penable_i, .apb_pwrite_i, .apb_paddr_i, .apb_pwdata_i, .apb_pstrb_i, \
  .apb_prdata_o, .apb_pready_o, .apb_pslverr_o

`endif  // HYCIM_PORTS_SVH
