// Waveform options (waveforms by switch, not by rebuild: docs/conventions.md, "Waveforms").
// Tracing is compiled into every verilated model and switched on at run time:
//   HYCIM_TRACE=1            trace to $HYCIM_WAVE_DIR/<test>.fst (default directory: waves/)
//   HYCIM_TRACE=path.fst     trace to that file; a .vcd name writes FST and converts it with
//                            fst2vcd (from gtkwave) when the simulation ends
//   HYCIM_TRACE_START=N      first cycle dumped (default 0)
//   HYCIM_TRACE_STOP=N       last cycle dumped (default: the end)
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace hycim::tb {

struct TraceOptions {
  bool enabled = false;
  std::string file;  // .fst or .vcd
  uint64_t start_cycle = 0;
  uint64_t stop_cycle = std::numeric_limits<uint64_t>::max();
  std::string view;  // a saved gtkwave view (.gtkw) to print with the gtkwave command

  // Reads the HYCIM_TRACE* variables; default_stem names the file when HYCIM_TRACE=1.
  static TraceOptions from_env(const std::string& default_stem);
  // The view written beside the waveform when tracing ends (write_wave_view): the saved view,
  // opened on the recorded window. <waveform without extension>.gtkw.
  std::string wave_view_file() const;
  // The command that opens the waveform with that view.
  std::string gtkwave_command() const;
};

// A failure's reproduce line records the waveform from this many cycles before its first error to
// this many after (the tests' [ WAVEFORM ] line and hycim run's "waveform" line).
inline constexpr uint64_t kFailureWaveBefore = 1000;
inline constexpr uint64_t kFailureWaveAfter = 100;

// The time window a written view opens on, in waveform time units (the harness's clock period
// is 10), and an optional primary marker (the first error).
struct WaveWindow {
  uint64_t start = 0;
  uint64_t stop = 0;
  std::optional<uint64_t> marker;
};

// Writes `out`: the saved gtkwave view `view` (none: a view with no signals) pointed at
// `wave`, starting at window.start and zoomed so that the window fills a 1600-pixel-wide gtkwave
// window, with the marker set (times in ns). A saved view alone opens at time 0 at gtkwave's
// default zoom, where a long run shows nothing. Returns false (and says why in *why) on failure.
bool write_wave_view(const std::string& view, const std::string& wave, const WaveWindow& window,
                     const std::string& out, std::string* why);

// Converts an FST file to VCD with fst2vcd; returns false (and says why in *why) on failure.
bool fst_to_vcd(const std::string& fst, const std::string& vcd, std::string* why);

}  // namespace hycim::tb
