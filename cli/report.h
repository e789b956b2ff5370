// Printing and JSON of a scenario report (hycim run, hycim bench).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "scenario.h"

namespace hycim::cli {

// A failed run's reproduce line recording the waveform around its first error
// (tb::kFailureWaveBefore/After); the written view opens there, marker on the error. Empty for a
// passed run.
std::string waveform_reproduce(const tb::ScenarioReport& r, const std::string& reproduce);
// The human-readable report; `reproduce` is the command line that repeats the run.
void print_report(const tb::ScenarioReport& r, const std::string& reproduce);
nlohmann::json to_json(const tb::ScenarioReport& r, const std::string& reproduce);
// An error log that prints every error to stderr as it happens.
tb::ErrorLog printing_log();
// Before a run: makes the directory of an output file and proves the file can be written (an
// existing file is left as it is, a new one is removed again), so that a run never ends in an
// output it cannot write. `what` names the option in the message. Throws hycim::Error.
void check_writable(const std::string& path, std::string_view what);
// Writes text to path and checks the write, the flush and the close (a full disk is an error,
// not "written"); throws hycim::Error on failure.
void write_text(const std::string& path, const std::string& text);
// Writes JSON to path (creating its directory); throws hycim::Error on failure.
void write_json(const std::string& path, const nlohmann::json& j);

}  // namespace hycim::cli
