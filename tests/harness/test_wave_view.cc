// The view the harness writes beside a waveform (write_wave_view): the saved view's signals, the
// waveform it names, and a start time, zoom and marker that open gtkwave on the recorded window.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "trace_options.h"

namespace hycim::tb {
namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(f, l);) out.push_back(l);
  return out;
}

class WaveView : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("hycim_wave_view_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream v(saved());
    v << "[*] a saved view\n[dumpfile] \"/old/place.fst\"\n[timestart] 12345\n"
         "*-3.000000 77 -1\n[size] 1600 900\n@28\nTOP.clk_i\n@22\nTOP.dut.count_q[31:0]\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string saved() const { return (dir_ / "saved.gtkw").string(); }
  std::string out() const { return (dir_ / "run.gtkw").string(); }
  std::filesystem::path dir_;
};

// The zoom value and marker of the written '*' line.
std::pair<double, long long> zoom_line(const std::vector<std::string>& lines) {
  for (const auto& l : lines) {
    if (!l.empty() && l[0] == '*') {
      std::istringstream is(l.substr(1));
      double z = 0;
      long long m = 0;
      is >> z >> m;
      return {z, m};
    }
  }
  ADD_FAILURE() << "no zoom line";
  return {0, 0};
}

TEST_F(WaveView, KeepsTheSignalsAndReplacesWaveformStartAndZoom) {
  std::string why;
  ASSERT_TRUE(write_wave_view(saved(), "/new/run.fst", {1000, 201000, {}}, out(), &why)) << why;
  const auto lines = lines_of(out());
  int dumpfiles = 0, starts = 0, zooms = 0;
  for (const auto& l : lines) {
    if (l.rfind("[dumpfile]", 0) == 0) {
      ++dumpfiles;
      EXPECT_EQ(l, "[dumpfile] \"/new/run.fst\"");
    }
    if (l.rfind("[timestart]", 0) == 0) {
      ++starts;
      EXPECT_EQ(l, "[timestart] 1000");
    }
    if (!l.empty() && l[0] == '*') ++zooms;
  }
  EXPECT_EQ(dumpfiles, 1);
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(zooms, 1);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "TOP.dut.count_q[31:0]"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "[size] 1600 900"), lines.end());
  // The visible span at zoom z is 3.54 * 2^-z: it must cover the window with a small margin.
  const auto [z, marker] = zoom_line(lines);
  const double span = 3.54 * std::pow(2.0, -z);
  EXPECT_GE(span, 200000.0);
  EXPECT_LE(span, 200000.0 * 1.1);
  EXPECT_EQ(marker, -1);
}

TEST_F(WaveView, SetsTheMarkerOnTheFirstError) {
  std::string why;
  ASSERT_TRUE(write_wave_view(saved(), "/w.fst", {0, 5000, 4210}, out(), &why)) << why;
  EXPECT_EQ(zoom_line(lines_of(out())).second, 4210);
}

TEST_F(WaveView, WithoutASavedViewStillOpensOnTheWindow) {
  std::string why;
  ASSERT_TRUE(write_wave_view("", "/w.fst", {50, 1050, {}}, out(), &why)) << why;
  const auto lines = lines_of(out());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "[timestart] 50"), lines.end());
  const double span = 3.54 * std::pow(2.0, -zoom_line(lines).first);
  EXPECT_NEAR(span, 1000.0 * 1.05, 1.0);
}

TEST_F(WaveView, ReportsWhatItCouldNotDo) {
  std::string why;
  EXPECT_FALSE(
      write_wave_view((dir_ / "missing.gtkw").string(), "/w.fst", {0, 10, {}}, out(), &why));
  EXPECT_NE(why.find("missing.gtkw"), std::string::npos);
  EXPECT_FALSE(write_wave_view(saved(), "/w.fst", {0, 10, {}},
                               (dir_ / "no/such/dir/x.gtkw").string(), &why));
  EXPECT_NE(why.find("x.gtkw"), std::string::npos);
}

}  // namespace
}  // namespace hycim::tb
