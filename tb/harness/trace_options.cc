#include "trace_options.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "golden/core/check.h"
#include "golden/core/parse.h"

namespace hycim::tb {
namespace {

uint64_t env_u64(const char* name, uint64_t dflt) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return dflt;
  if (const auto x = golden::parse_u64(v)) return *x;
  throw Error(fmt::format("{}='{}' is not an unsigned integer", name, v));
}

}  // namespace

TraceOptions TraceOptions::from_env(const std::string& default_stem) {
  TraceOptions t;
  const char* v = std::getenv("HYCIM_TRACE");
  if (v == nullptr || *v == '\0' || std::string(v) == "0") return t;
  t.enabled = true;
  const std::string val(v);
  if (val == "1") {
    const char* dir = std::getenv("HYCIM_WAVE_DIR");
    t.file = fmt::format("{}/{}.fst", (dir && *dir) ? dir : "waves", default_stem);
  } else {
    t.file = val;
  }
  t.start_cycle = env_u64("HYCIM_TRACE_START", 0);
  t.stop_cycle = env_u64("HYCIM_TRACE_STOP", std::numeric_limits<uint64_t>::max());
  if (t.stop_cycle < t.start_cycle) {
    throw Error(fmt::format("HYCIM_TRACE_STOP={} is before HYCIM_TRACE_START={}", t.stop_cycle,
                            t.start_cycle));
  }
  return t;
}

std::string TraceOptions::wave_view_file() const {
  return std::filesystem::absolute(std::filesystem::path(file).replace_extension(".gtkw")).string();
}

namespace {
// One word for a POSIX shell: as it is when it holds only characters no shell treats specially,
// otherwise in single quotes (a ' inside becomes '\''), so the printed line can be pasted as is.
std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of(
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789_-./+=:,@%") == std::string::npos;
  if (plain) return s;
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

std::string TraceOptions::gtkwave_command() const {
  const std::string abs = std::filesystem::absolute(file).string();
  return fmt::format("gtkwave {} {}", shell_word(abs), shell_word(wave_view_file()));
}

bool write_wave_view(const std::string& view, const std::string& wave, const WaveWindow& window,
                     const std::string& out, std::string* why) {
  auto fail = [&](std::string msg) {
    if (why) *why = std::move(msg);
    return false;
  };
  std::string body;
  if (!view.empty()) {
    std::ifstream in(view);
    if (!in) return fail(fmt::format("cannot read the saved view {}", view));
    std::string line;
    while (std::getline(in, line)) {
      // Drop what the written view sets itself: the waveform, the start time and the zoom line.
      if (line.rfind("[dumpfile", 0) == 0 || line.rfind("[savefile]", 0) == 0 ||
          line.rfind("[timestart]", 0) == 0 || line.rfind("*", 0) == 0) {
        continue;
      }
      body += line;
      body += '\n';
    }
  }
  // gtkwave's zoom z scales the visible span by 2^-z. At z = 0 the wave pane of the saved views'
  // 1600 x 900 window shows 3.54 time units (ns here: the models are verilated with a 1 ns
  // timescale); measured with gtkwave 3.3.118. A 5 % margin keeps the last edge in view.
  constexpr double kSpanAtZoom0 = 3.54;
  const double span = static_cast<double>(std::max<uint64_t>(window.stop - window.start, 10));
  const double zoom = -std::log2(span * 1.05 / kSpanAtZoom0);
  std::ostringstream o;
  o << fmt::format("[*] Written by the HyCIM harness: {} on {} .. {}\n",
                   view.empty() ? std::string("no saved view") : view, window.start, window.stop);
  o << fmt::format("[dumpfile] \"{}\"\n", std::filesystem::absolute(wave).string());
  o << fmt::format("[timestart] {}\n", window.start);
  o << fmt::format("*{:.6f} {}", zoom,
                   window.marker ? static_cast<int64_t>(*window.marker) : int64_t{-1});
  for (int i = 0; i < 26; ++i) o << " -1";  // the 26 named markers: none
  o << '\n' << body;
  std::ofstream f(out);
  if (!f) return fail(fmt::format("cannot write the waveform view {}", out));
  f << o.str();
  f.flush();
  if (!f) return fail(fmt::format("writing the waveform view {} failed", out));
  return true;
}

bool fst_to_vcd(const std::string& fst, const std::string& vcd, std::string* why) {
  // fst2vcd (from gtkwave) started with an argument vector: no shell ever sees the file names,
  // so a quote or a ';' in a --trace name is only a character of the name.
  const std::vector<std::string> args = {"fst2vcd", "-f", fst, "-o", vcd};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "fst2vcd", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  const bool ok = rc == 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 0 && std::filesystem::exists(vcd);
  if (!ok) {
    if (why) {
      *why = rc != 0 ? fmt::format(
                           "cannot start fst2vcd (it comes with gtkwave): {}; the FST is "
                           "at {}",
                           std::strerror(rc), fst)
                     : fmt::format("fst2vcd -f {} -o {} failed; the FST is at {}", fst, vcd, fst);
    }
    return false;
  }
  std::filesystem::remove(fst);
  return true;
}

}  // namespace hycim::tb
