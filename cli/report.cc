#include "report.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "golden/core/check.h"

namespace hycim::cli {

tb::ErrorLog printing_log() {
  tb::ErrorLog log;
  log.set_hook([](const std::string& m) { fmt::print(stderr, "  error: {}\n", m); });
  return log;
}

std::string waveform_reproduce(const tb::ScenarioReport& r, const std::string& reproduce) {
  if (r.passed || !r.first_error_cycle) return "";
  const uint64_t c = *r.first_error_cycle;
  return fmt::format("{} --trace --trace-start {} --trace-stop {}", reproduce,
                     c > tb::kFailureWaveBefore ? c - tb::kFailureWaveBefore : 0,
                     c + tb::kFailureWaveAfter);
}

void print_report(const tb::ScenarioReport& r, const std::string& reproduce) {
  fmt::print("\nHyCIM scenario '{}' on {} (configuration {})\n", r.scenario, r.top, r.config);
  fmt::print("  {:<10} {:#x}\n", "seed", r.seed);
  fmt::print("  {:<10} {}\n", "stall", r.stall);
  fmt::print("  {:<10} {} runs, {} elements\n", "stimulus", r.runs, r.elements);
  fmt::print("  {:<10} {} simulated cycles ({:.2f} per element)\n", "cycles", r.cycles,
             r.elements ? static_cast<double>(r.cycles) / static_cast<double>(r.elements) : 0.0);
  bool first = true;
  for (const auto& t : r.tensors) {
    fmt::print("  {:<10} {:<26} {:>8} of {:>8} compared, {} mismatches\n", first ? "tensors" : "",
               t.name, t.compared, t.expected, t.mismatches);
    first = false;
  }
  fmt::print("  {:<10} {}\n", "waveform", r.waveform.empty() ? "(off; add --trace)" : r.waveform);
  if (!r.gtkwave_command.empty()) fmt::print("  {:<10} {}\n", "open with", r.gtkwave_command);
  fmt::print("  {:<10} {:.2f} s ({:.0f} simulated cycles/s)\n", "wall time", r.wall_seconds,
             r.wall_seconds > 0 ? static_cast<double>(r.cycles) / r.wall_seconds : 0.0);
  if (r.error_count) {
    fmt::print("  {:<10} {} (first ones below)\n", "errors", r.error_count);
    for (const auto& e : r.errors) fmt::print("    - {}\n", e);
  }
  fmt::print("  {:<10} {}\n", "reproduce", reproduce);
  if (const auto w = waveform_reproduce(r, reproduce); !w.empty()) {
    fmt::print("  {:<10} {}\n", "waveform", w);
  }
  fmt::print("  {:<10} {}\n\n", "result", r.passed ? "PASS" : "FAIL");
}

nlohmann::json to_json(const tb::ScenarioReport& r, const std::string& reproduce) {
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& t : r.tensors) {
    tensors.push_back({{"name", t.name},
                       {"expected", t.expected},
                       {"compared", t.compared},
                       {"mismatches", t.mismatches}});
  }
  return {{"scenario", r.scenario},
          {"top", r.top},
          {"config", r.config},
          {"seed", r.seed},
          {"stall", r.stall},
          {"runs", r.runs},
          {"elements", r.elements},
          {"cycles", r.cycles},
          {"tensors", tensors},
          {"error_count", r.error_count},
          {"errors", r.errors},
          {"waveform", r.waveform},
          {"wall_seconds", r.wall_seconds},
          {"cycles_per_second",
           r.wall_seconds > 0 ? static_cast<double>(r.cycles) / r.wall_seconds : 0.0},
          {"reproduce", reproduce},
          {"first_error_cycle",
           r.first_error_cycle ? nlohmann::json(*r.first_error_cycle) : nlohmann::json(nullptr)},
          {"reproduce_waveform", waveform_reproduce(r, reproduce)},
          {"passed", r.passed}};
}

void check_writable(const std::string& path, std::string_view what) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::error_code ec;
  if (p.empty()) throw Error(fmt::format("{}: the file name is empty", what));
  if (fs::is_directory(p, ec)) throw Error(fmt::format("{} {}: is a directory", what, path));
  if (p.has_parent_path() && !fs::is_directory(p.parent_path(), ec)) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) {
      throw Error(fmt::format("{} {}: cannot create its directory {}: {}", what, path,
                              p.parent_path().string(), ec.message()));
    }
  }
  const bool existed = fs::exists(p, ec);
  {
    std::ofstream f(path, std::ios::app);
    if (!f) {
      throw Error(fmt::format("{} {}: cannot be written: {}", what, path, std::strerror(errno)));
    }
  }
  if (!existed) fs::remove(p, ec);
}

void write_text(const std::string& path, const std::string& text) {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::ofstream f(path);
  if (!f) throw Error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  f << text;
  f.flush();
  if (!f) throw Error(fmt::format("writing {} failed: {}", path, std::strerror(errno)));
  f.close();
  if (f.fail()) throw Error(fmt::format("closing {} failed: {}", path, std::strerror(errno)));
}

void write_json(const std::string& path, const nlohmann::json& j) {
  write_text(path, j.dump(2) + "\n");
}

}  // namespace hycim::cli
