// hycim pq-study: agreement of the pq_encoder RTL's codes, driven by the crossbar model, with
// the ideal chip and with the float nearest centroid, one analog non-ideality at a time, on
// Gaussian tokens or on the real Q/K of a directory (--data).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hycim::cli {

struct PqStudyOptions {
  uint32_t tokens = 1024;  // token encodings per point
  uint32_t chips = 3;      // chip (and run) seeds per point of a random effect
  std::string json = "reports/pq_study.json";
  std::string table = "reports/pq_study.md";
  std::vector<std::string> chip_files;  // whole chips (TOML parameter files), every effect at once
  // Real tokens: a directory of INT8 Q/K in the layout of tests/attention/data/minilm or of the
  // full export of scripts/minilm_export.py; empty: Gaussian tokens. `layers` and `heads` pick
  // the layer and head slots of its arrays (every pair of them; empty: all).
  std::string data_dir;
  std::vector<uint32_t> layers, heads;
  // The crossbar mapping (sim::mapping_of) of every chip, overriding a --chip file's; empty: the
  // model's default for the sweeps, and each --chip file its own. The effects to sweep (names of
  // the study's effects; empty: all of the mapping's).
  std::string mapping;
  std::vector<std::string> effects;
};

// Runs the study, prints progress and the tables, writes the JSON report and a markdown table.
// scripts/plot_pq_study.py draws the plot from the JSON.
// Returns the process exit code; throws hycim::Error if the RTL disagrees with the golden model.
int pq_study(const PqStudyOptions& o);

}  // namespace hycim::cli
