// HyCIM shared definitions. Referenced as hycim_pkg::Name everywhere (Yosys 0.23 rejects
// `import`, see docs/toolchain.md section 4).

package hycim_pkg;

  // Rounding modes of rnd_shr (docs/conventions.md, "Rounding and saturation"). The golden model
  // names them identically (golden/core/int_ops.h, enum class RndMode).
  typedef enum logic [1:0] {
    RndTrunc    = 2'd0,  // floor(x / 2^s): arithmetic shift, rounds toward minus infinity
    RndHalfUp   = 2'd1,  // floor((x + 2^(s-1)) / 2^s): ties toward +inf (docs/architecture.md 1.4)
    RndHalfEven = 2'd2,  // round to nearest, ties to the even result
    RndStoch    = 2'd3   // floor((x + r) / 2^s), r = low min(s, 32) bits of an LFSR state
  } rnd_mode_e;

endpackage
