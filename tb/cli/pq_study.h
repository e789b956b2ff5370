// hycim pq-study: agreement of the pq_encoder RTL's codes, driven by the crossbar model, with
// the ideal chip and with the float nearest centroid, one analog non-ideality at a time.
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
  std::string png = "reports/pq_study.png";
  std::vector<std::string> chip_files;  // whole chips (key = value files), every effect at once
};

// Runs the study, prints progress and the tables, writes JSON, markdown and a PNG plot.
// Returns the process exit code; throws hycim::Error if the RTL disagrees with the golden model.
int pq_study(const PqStudyOptions& o);

}  // namespace hycim::cli
