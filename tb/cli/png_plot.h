// A small, dependency-free line-plot writer for the reports (PNG, indexed colour).
//
// The study subcommands write JSON and a markdown table; this draws the same figures as a PNG
// without matplotlib or gnuplot, neither of which a fresh Debian 12 install has. The PNG is
// compressed with our own fixed-Huffman deflate (literals and distance-1 runs), which suits
// plots: long runs of background after the PNG "Up" filter. Text uses a built-in 5x7 font,
// upper case only (lower case is drawn as upper case).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hycim::cli::plot {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

// An 8-bit indexed image; colour 0 is the background (white).
class Image {
 public:
  Image(int width, int height);
  int width() const { return w_; }
  int height() const { return h_; }
  // Returns the palette index of `c`, adding it if new (at most 256 colours).
  uint8_t color(Rgb c);
  uint8_t at(int x, int y) const { return px_[static_cast<size_t>(y) * w_ + x]; }
  Rgb rgb_at(int x, int y) const { return palette_[at(x, y)]; }
  void set(int x, int y, uint8_t c);  // clipped
  void fill(int x0, int y0, int x1, int y1, uint8_t c);
  void frame(int x0, int y0, int x1, int y1, uint8_t c);
  // A line of `width` pixels; `dash` > 0 draws dash-long pieces with equal gaps.
  void line(double x0, double y0, double x1, double y1, uint8_t c, int width = 1, int dash = 0);
  // Text with its top-left corner at (x, y); `scale` multiplies the 5x7 glyphs. Vertical text
  // reads bottom to top, starting at (x, y) as its bottom-left corner.
  void text(int x, int y, std::string_view s, uint8_t c, int scale = 1, bool vertical = false);
  static int text_width(std::string_view s, int scale = 1) {
    return s.empty() ? 0 : static_cast<int>(s.size()) * 6 * scale - scale;
  }
  static int text_height(int scale = 1) { return 7 * scale; }
  std::vector<uint8_t> png() const;
  // Writes the PNG, creating the directory; throws hycim::Error on failure.
  void write(const std::string& path) const;

 private:
  int w_, h_;
  std::vector<Rgb> palette_;
  std::vector<uint8_t> px_;
};

// zlib stream (RFC 1950) holding one fixed-Huffman deflate block (RFC 1951).
std::vector<uint8_t> zlib_compress(std::span<const uint8_t> data);
uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);
uint32_t adler32(std::span<const uint8_t> data);

constexpr double kAuto = std::numeric_limits<double>::quiet_NaN();

struct Series {
  Series() = default;
  Series(std::string n, Rgb c, int d = 0) : name(std::move(n)), color(c), dash(d) {}
  std::string name;
  Rgb color;
  std::vector<double> x, y;
  std::vector<double> lo, hi;  // optional per-point error bar (same size as y), drawn vertical
  int dash = 0;
};

struct Panel {
  std::string title, xlabel, ylabel;
  bool log_x = false;
  double ymin = kAuto, ymax = kAuto;  // kAuto: from the data, widened to round ticks
  std::vector<double> hlines;         // dashed reference lines (e.g. 90/95/99 %)
  std::vector<Series> series;
};

// Panels on a grid of `cols` columns under a title line and a legend of every distinct series
// name. Throws hycim::Error on an empty panel or a non-positive x on a log axis.
Image draw(const std::string& title, const std::vector<Panel>& panels, int cols);

}  // namespace hycim::cli::plot
