#include "png_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "hycim/golden/check.h"

namespace hycim::cli::plot {

namespace {

// 5x7 glyphs, one 5-bit row each, most significant bit on the left.
struct Glyph {
  char c;
  std::array<uint8_t, 7> rows;
};

// clang-format off
constexpr Glyph kFont[] = {
    {' ', {0, 0, 0, 0, 0, 0, 0}},
    {'0', {0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110}},
    {'1', {0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110}},
    {'2', {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111}},
    {'3', {0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110}},
    {'4', {0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010}},
    {'5', {0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110}},
    {'6', {0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110}},
    {'7', {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000}},
    {'8', {0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110}},
    {'9', {0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100}},
    {'A', {0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001}},
    {'B', {0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110}},
    {'C', {0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110}},
    {'D', {0b11100, 0b10010, 0b10001, 0b10001, 0b10001, 0b10010, 0b11100}},
    {'E', {0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111}},
    {'F', {0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000}},
    {'G', {0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111}},
    {'H', {0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001}},
    {'I', {0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110}},
    {'J', {0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100}},
    {'K', {0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001}},
    {'L', {0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111}},
    {'M', {0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001}},
    {'N', {0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001}},
    {'O', {0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110}},
    {'P', {0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000}},
    {'Q', {0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101}},
    {'R', {0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001}},
    {'S', {0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110}},
    {'T', {0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100}},
    {'U', {0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110}},
    {'V', {0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100}},
    {'W', {0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010}},
    {'X', {0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001}},
    {'Y', {0b10001, 0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100}},
    {'Z', {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111}},
    {'.', {0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100}},
    {',', {0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b00100, 0b01000}},
    {'-', {0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000}},
    {'+', {0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000}},
    {'%', {0b11000, 0b11001, 0b00010, 0b00100, 0b01000, 0b10011, 0b00011}},
    {'/', {0b00000, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b00000}},
    {'(', {0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010}},
    {')', {0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000}},
    {'_', {0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b11111}},
    {'=', {0b00000, 0b00000, 0b11111, 0b00000, 0b11111, 0b00000, 0b00000}},
    {':', {0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000}},
    {'<', {0b00010, 0b00100, 0b01000, 0b10000, 0b01000, 0b00100, 0b00010}},
    {'>', {0b01000, 0b00100, 0b00010, 0b00001, 0b00010, 0b00100, 0b01000}},
    {'*', {0b00000, 0b00100, 0b10101, 0b01110, 0b10101, 0b00100, 0b00000}},
    {'?', {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b00000, 0b00100}},
    {'\'', {0b00100, 0b00100, 0b01000, 0b00000, 0b00000, 0b00000, 0b00000}},
    {'#', {0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010}},
};
// clang-format on

const Glyph& glyph(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  for (const auto& g : kFont) {
    if (g.c == c) return g;
  }
  for (const auto& g : kFont) {
    if (g.c == '?') return g;
  }
  return kFont[0];
}

// Bits into bytes, least significant bit first (RFC 1951 3.1.1).
class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t>& out) : out_(out) {}
  void bits(uint32_t v, int n) {  // n bits of v, LSB first (header fields, extra bits)
    for (int i = 0; i < n; ++i) bit((v >> i) & 1);
  }
  void code(uint32_t v, int n) {  // a Huffman code, MSB first
    for (int i = n - 1; i >= 0; --i) bit((v >> i) & 1);
  }
  void flush() {
    if (nbits_) out_.push_back(acc_);
    acc_ = 0;
    nbits_ = 0;
  }

 private:
  void bit(uint32_t b) {
    acc_ |= static_cast<uint8_t>(b << nbits_);
    if (++nbits_ == 8) flush();
  }
  std::vector<uint8_t>& out_;
  uint8_t acc_ = 0;
  int nbits_ = 0;
};

// The fixed literal/length code of RFC 1951 3.2.6.
void put_litlen(BitWriter& w, uint32_t sym) {
  if (sym < 144) {
    w.code(0x30 + sym, 8);
  } else if (sym < 256) {
    w.code(0x190 + (sym - 144), 9);
  } else if (sym < 280) {
    w.code(sym - 256, 7);
  } else {
    w.code(0xc0 + (sym - 280), 8);
  }
}

constexpr std::array<uint16_t, 29> kLenBase = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                               15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                               67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::array<uint8_t, 29> kLenExtra = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                               2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

void put_be32(std::vector<uint8_t>& v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<uint8_t>(x >> s));
}

void put_chunk(std::vector<uint8_t>& png, const char type[4], std::span<const uint8_t> data) {
  put_be32(png, static_cast<uint32_t>(data.size()));
  std::vector<uint8_t> body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  png.insert(png.end(), body.begin(), body.end());
  put_be32(png, crc32(body));
}

// Round tick steps: 1, 2 or 5 x 10^k giving about `want` intervals over [lo, hi].
double nice_step(double lo, double hi, int want) {
  const double raw = (hi - lo) / std::max(want, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) return m * mag;
  }
  return 10 * mag;
}

std::string tick_label(double v) {
  std::string s = fmt::format("{:g}", v);
  return s == "-0" ? "0" : s;
}

}  // namespace

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc) {
  crc = ~crc;
  for (uint8_t b : data) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

uint32_t adler32(std::span<const uint8_t> data) {
  uint32_t a = 1, b = 0;
  for (uint8_t x : data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

std::vector<uint8_t> zlib_compress(std::span<const uint8_t> data) {
  std::vector<uint8_t> out = {0x78, 0x01};  // deflate, 32 KiB window, fastest; (0x7801 % 31 == 0)
  BitWriter w(out);
  w.bits(1, 1);  // BFINAL
  w.bits(1, 2);  // BTYPE 01: fixed Huffman codes
  size_t i = 0;
  while (i < data.size()) {
    size_t run = 0;
    if (i > 0) {
      while (run < 258 && i + run < data.size() && data[i + run] == data[i - 1]) ++run;
    }
    if (run >= 3) {  // a copy of the previous byte: length `run`, distance 1
      size_t k = kLenBase.size() - 1;
      while (kLenBase[k] > run) --k;
      put_litlen(w, static_cast<uint32_t>(257 + k));
      w.bits(static_cast<uint32_t>(run - kLenBase[k]), kLenExtra[k]);
      w.code(0, 5);  // distance code 0 = distance 1
      i += run;
    } else {
      put_litlen(w, data[i]);
      ++i;
    }
  }
  put_litlen(w, 256);  // end of block
  w.flush();
  put_be32(out, adler32(data));
  return out;
}

Image::Image(int width, int height) : w_(width), h_(height) {
  HYCIM_CHECK(width > 0 && height > 0 && width <= 16384 && height <= 16384,
              "image size {}x{} out of range", width, height);
  palette_.push_back({255, 255, 255});
  px_.assign(static_cast<size_t>(w_) * h_, 0);
}

uint8_t Image::color(Rgb c) {
  for (size_t i = 0; i < palette_.size(); ++i) {
    if (palette_[i].r == c.r && palette_[i].g == c.g && palette_[i].b == c.b) {
      return static_cast<uint8_t>(i);
    }
  }
  HYCIM_CHECK(palette_.size() < 256, "more than 256 colours");
  palette_.push_back(c);
  return static_cast<uint8_t>(palette_.size() - 1);
}

void Image::set(int x, int y, uint8_t c) {
  if (x >= 0 && y >= 0 && x < w_ && y < h_) px_[static_cast<size_t>(y) * w_ + x] = c;
}

void Image::fill(int x0, int y0, int x1, int y1, uint8_t c) {
  for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y) {
    for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x) set(x, y, c);
  }
}

void Image::frame(int x0, int y0, int x1, int y1, uint8_t c) {
  fill(x0, y0, x1, y0, c);
  fill(x0, y1, x1, y1, c);
  fill(x0, y0, x0, y1, c);
  fill(x1, y0, x1, y1, c);
}

void Image::line(double x0, double y0, double x1, double y1, uint8_t c, int width, int dash) {
  const double len = std::hypot(x1 - x0, y1 - y0);
  const int steps = std::max(1, static_cast<int>(std::ceil(len * 2)));
  const int lo = -(width - 1) / 2, hi = width / 2;
  for (int s = 0; s <= steps; ++s) {
    const double t = static_cast<double>(s) / steps;
    if (dash > 0 && static_cast<int>(t * len / dash) % 2 == 1) continue;
    const int x = static_cast<int>(std::lround(x0 + t * (x1 - x0)));
    const int y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
    fill(x + lo, y + lo, x + hi, y + hi, c);
  }
}

void Image::text(int x, int y, std::string_view s, uint8_t c, int scale, bool vertical) {
  int pos = 0;
  for (char ch : s) {
    const Glyph& g = glyph(ch);
    for (int r = 0; r < 7; ++r) {
      for (int col = 0; col < 5; ++col) {
        if (!((g.rows[r] >> (4 - col)) & 1)) continue;
        for (int dy = 0; dy < scale; ++dy) {
          for (int dx = 0; dx < scale; ++dx) {
            const int gx = pos + col * scale + dx, gy = r * scale + dy;
            if (vertical) {
              set(x + gy, y - gx, c);  // rotated 90 degrees anticlockwise
            } else {
              set(x + gx, y + gy, c);
            }
          }
        }
      }
    }
    pos += 6 * scale;
  }
}

std::vector<uint8_t> Image::png() const {
  // Each row: filter type 2 ("Up", PNG 1.2 section 6.3), then pixel minus the pixel above.
  std::vector<uint8_t> raw;
  raw.reserve(static_cast<size_t>(h_) * (w_ + 1));
  for (int y = 0; y < h_; ++y) {
    raw.push_back(2);
    for (int x = 0; x < w_; ++x) {
      raw.push_back(static_cast<uint8_t>(at(x, y) - (y ? at(x, y - 1) : 0)));
    }
  }
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  put_be32(ihdr, static_cast<uint32_t>(w_));
  put_be32(ihdr, static_cast<uint32_t>(h_));
  ihdr.insert(ihdr.end(),
              {8, 3, 0, 0, 0});  // 8-bit, indexed colour, deflate, filter 0, no interlace
  put_chunk(png, "IHDR", ihdr);
  std::vector<uint8_t> plte;
  for (const auto& p : palette_) plte.insert(plte.end(), {p.r, p.g, p.b});
  put_chunk(png, "PLTE", plte);
  put_chunk(png, "IDAT", zlib_compress(raw));
  put_chunk(png, "IEND", {});
  return png;
}

void Image::write(const std::string& path) const {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  const auto bytes = png();
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw hycim::Error(fmt::format("cannot write {}", path));
}

Image draw(const std::string& title, const std::vector<Panel>& panels, int cols) {
  HYCIM_CHECK(!panels.empty() && cols > 0, "{} panels on {} columns", panels.size(), cols);
  constexpr int kPw = 420, kPh = 300;                              // one panel, with its margins
  constexpr int kLeft = 62, kRight = 14, kTop = 30, kBottom = 44;  // plot area inside a panel
  constexpr int kHeader = 64;
  const int rows = static_cast<int>((panels.size() + cols - 1) / cols);
  Image img(cols * kPw + 20, kHeader + rows * kPh + 10);
  const uint8_t black = img.color({0, 0, 0}), grey = img.color({200, 200, 200}),
                dark = img.color({110, 110, 110});
  img.text(10, 10, title, black, 2);

  // Legend: every distinct series name, in first-seen order.
  std::vector<std::pair<std::string, Series>> legend;
  for (const auto& p : panels) {
    for (const auto& s : p.series) {
      bool seen = false;
      for (const auto& l : legend) seen = seen || l.first == s.name;
      if (!seen) legend.emplace_back(s.name, s);
    }
  }
  int lx = 10;
  for (const auto& [name, s] : legend) {
    const uint8_t c = img.color(s.color);
    img.line(lx, 44, lx + 30, 44, c, 3, s.dash);
    img.fill(lx + 13, 42, lx + 17, 46, c);
    img.text(lx + 38, 40, name, black, 1);
    lx += 60 + Image::text_width(name);
  }
  img.line(lx, 44, lx + 30, 44, dark, 1, 4);
  img.text(lx + 38, 40, "reference levels", black, 1);

  for (size_t pi = 0; pi < panels.size(); ++pi) {
    const Panel& p = panels[pi];
    const int ox = 10 + static_cast<int>(pi % cols) * kPw;
    const int oy = kHeader + static_cast<int>(pi / cols) * kPh;
    const int x0 = ox + kLeft, x1 = ox + kPw - kRight, y0 = oy + kTop, y1 = oy + kPh - kBottom;
    HYCIM_CHECK(!p.series.empty(), "panel '{}' has no series", p.title);

    // Data ranges.
    double xmin = INFINITY, xmax = -INFINITY, dmin = INFINITY, dmax = -INFINITY;
    std::vector<double> xs;
    for (const auto& s : p.series) {
      HYCIM_CHECK(s.x.size() == s.y.size() && !s.x.empty(), "series '{}' of '{}': {} x, {} y",
                  s.name, p.title, s.x.size(), s.y.size());
      HYCIM_CHECK(s.lo.empty() || (s.lo.size() == s.y.size() && s.hi.size() == s.y.size()),
                  "series '{}': error bars do not match the points", s.name);
      for (size_t i = 0; i < s.x.size(); ++i) {
        HYCIM_CHECK(!p.log_x || s.x[i] > 0, "panel '{}': x = {} on a log axis", p.title, s.x[i]);
        xmin = std::min(xmin, s.x[i]);
        xmax = std::max(xmax, s.x[i]);
        xs.push_back(s.x[i]);
        dmin = std::min({dmin, s.y[i], s.lo.empty() ? s.y[i] : s.lo[i]});
        dmax = std::max({dmax, s.y[i], s.hi.empty() ? s.y[i] : s.hi[i]});
      }
    }
    double ymin = std::isnan(p.ymin) ? dmin : p.ymin, ymax = std::isnan(p.ymax) ? dmax : p.ymax;
    if (ymax <= ymin) {
      ymax = ymin + 1;
      ymin -= 1;
    }
    const double ystep = nice_step(ymin, ymax, 5);
    if (std::isnan(p.ymin)) ymin = std::floor(ymin / ystep) * ystep;
    if (std::isnan(p.ymax)) ymax = std::ceil(ymax / ystep) * ystep;
    auto fx = [&](double x) {
      double a = p.log_x ? std::log(x) : x, lo = p.log_x ? std::log(xmin) : xmin,
             hi = p.log_x ? std::log(xmax) : xmax;
      if (hi <= lo) return (x0 + x1) / 2.0;
      return x0 + 8 + (a - lo) / (hi - lo) * (x1 - x0 - 16);
    };
    auto fy = [&](double y) {  // clamped to the plot area (a fixed range may cut the data)
      return y1 - (std::clamp(y, ymin, ymax) - ymin) / (ymax - ymin) * (y1 - y0);
    };

    // Grid, ticks and labels: y at round steps, x at every tested level.
    for (double y = ymin; y <= ymax + ystep * 1e-9; y += ystep) {
      const int py = static_cast<int>(std::lround(fy(y)));
      img.fill(x0, py, x1, py, grey);
      const std::string l = tick_label(std::abs(y) < ystep * 1e-9 ? 0 : y);
      img.text(x0 - 6 - Image::text_width(l), py - 3, l, black, 1);
    }
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
    int last_right = -1000;
    for (double x : xs) {
      const int px = static_cast<int>(std::lround(fx(x)));
      img.fill(px, y0, px, y1, grey);
      img.fill(px, y1, px, y1 + 4, black);
      const std::string l = tick_label(x);
      const int lxl = px - Image::text_width(l) / 2;
      if (lxl > last_right + 4) {  // skip a label that would overlap its left neighbour
        img.text(lxl, y1 + 8, l, black, 1);
        last_right = lxl + Image::text_width(l);
      }
    }
    for (double h : p.hlines) {
      if (h >= ymin && h <= ymax) img.line(x0, fy(h), x1, fy(h), dark, 1, 4);
    }
    img.frame(x0, y0, x1, y1, black);
    img.text(ox + (kPw - Image::text_width(p.title, 2)) / 2, oy + 8, p.title, black, 2);
    img.text(x0 + (x1 - x0 - Image::text_width(p.xlabel)) / 2, y1 + 24, p.xlabel, black, 1);
    img.text(ox + 8, y0 + (y1 - y0 + Image::text_width(p.ylabel)) / 2, p.ylabel, black, 1, true);

    for (const auto& s : p.series) {
      const uint8_t c = img.color(s.color);
      for (size_t i = 0; i < s.x.size(); ++i) {
        const double px = fx(s.x[i]), py = fy(s.y[i]);
        if (i + 1 < s.x.size()) img.line(px, py, fx(s.x[i + 1]), fy(s.y[i + 1]), c, 2, s.dash);
        const int ix = static_cast<int>(std::lround(px)), iy = static_cast<int>(std::lround(py));
        img.fill(ix - 2, iy - 2, ix + 2, iy + 2, c);
        if (!s.lo.empty()) {
          img.line(px, fy(s.lo[i]), px, fy(s.hi[i]), c, 1);
          img.fill(ix - 3, static_cast<int>(std::lround(fy(s.lo[i]))), ix + 3,
                   static_cast<int>(std::lround(fy(s.lo[i]))), c);
          img.fill(ix - 3, static_cast<int>(std::lround(fy(s.hi[i]))), ix + 3,
                   static_cast<int>(std::lround(fy(s.hi[i]))), c);
        }
      }
    }
  }
  return img;
}

}  // namespace hycim::cli::plot
