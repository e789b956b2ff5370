// The PNG plot writer of the reports: checksums against their published check values, the
// pixel primitives, and the error paths. The PNG as a whole is decoded by an independent reader
// (Python's zlib) in the ctest plot.pq_study_png (scripts/check_png.py).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "hycim/golden/check.h"
#include "png_plot.h"

namespace hycim::cli::plot {
namespace {

std::vector<uint8_t> bytes(const char* s) { return {s, s + std::strlen(s)}; }

TEST(PngPlot, ChecksumsMatchTheirCheckValues) {
  // CRC-32/ISO-HDLC check value (the CRC catalogue) and the Adler-32 example of RFC 1950's
  // usual illustration ("Wikipedia" -> 0x11E60398).
  EXPECT_EQ(crc32(bytes("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32(bytes("")), 0u);
  EXPECT_EQ(adler32(bytes("Wikipedia")), 0x11E60398u);
  EXPECT_EQ(adler32(bytes("")), 1u);
  // CRC of a chunk type alone: IEND's CRC is fixed by the PNG specification.
  EXPECT_EQ(crc32(bytes("IEND")), 0xAE426082u);
}

TEST(PngPlot, ZlibStreamFramesTheData) {
  const std::vector<uint8_t> data(1000, 7);  // one literal then runs of distance 1
  const auto z = zlib_compress(data);
  ASSERT_GE(z.size(), 6u);
  EXPECT_EQ(z[0], 0x78);
  EXPECT_EQ((z[0] * 256 + z[1]) % 31, 0);  // RFC 1950 FCHECK
  EXPECT_EQ(z[2] & 0x7, 0x3);              // BFINAL 1, BTYPE 01 (fixed Huffman)
  const uint32_t a = adler32(data);
  const size_t n = z.size();
  EXPECT_EQ((uint32_t{z[n - 4]} << 24) | (uint32_t{z[n - 3]} << 16) | (uint32_t{z[n - 2]} << 8) |
                z[n - 1],
            a);
  EXPECT_LT(z.size(), 30u) << "runs were not coded as copies";
}

TEST(PngPlot, PngHasSignatureHeaderAndEnd) {
  Image img(3, 2);
  img.set(1, 1, img.color({255, 0, 0}));
  const auto p = img.png();
  const std::vector<uint8_t> sig = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  ASSERT_GT(p.size(), 8u + 25u + 12u);
  EXPECT_TRUE(std::equal(sig.begin(), sig.end(), p.begin()));
  EXPECT_EQ(std::string(p.begin() + 12, p.begin() + 16), "IHDR");
  EXPECT_EQ(p[16 + 3], 3);  // width 3
  EXPECT_EQ(p[20 + 3], 2);  // height 2
  EXPECT_EQ(p[25], 3);      // colour type 3: indexed
  EXPECT_EQ(std::string(p.end() - 8, p.end() - 4), "IEND");
}

TEST(PngPlot, TextLinesAndClipping) {
  Image img(40, 20);
  const uint8_t k = img.color({0, 0, 0});
  EXPECT_EQ(img.color({0, 0, 0}), k) << "a colour is added once";
  img.text(0, 0, "1", k);  // the '1' glyph: its stem is column 2 of rows 0..6
  for (int y = 0; y < 7; ++y) EXPECT_EQ(img.at(2, y), k) << "row " << y;
  EXPECT_EQ(img.at(0, 0), 0);
  EXPECT_EQ(img.at(4, 0), 0);
  img.text(10, 0, "a", k, 2);  // lower case draws as upper case, scaled: 'A' row 0 is 01110
  EXPECT_EQ(img.at(10, 0), 0);
  EXPECT_EQ(img.at(12, 0), k);
  EXPECT_EQ(img.at(13, 1), k);
  EXPECT_EQ(Image::text_width("ab", 2), 22);
  img.line(0, 19, 39, 19, k);
  for (int x = 0; x < 40; ++x) EXPECT_EQ(img.at(x, 19), k);
  img.set(-1, 5, k);  // clipped, no effect, no crash
  img.set(40, 5, k);
  img.fill(30, 8, 100, 100, k);
  EXPECT_EQ(img.at(39, 18), k);
}

TEST(PngPlot, DrawPlacesTheSeries) {
  Panel p;
  p.title = "t";
  p.ymin = 0;
  p.ymax = 100;
  Series s("s", {255, 0, 0});
  s.x = {1, 2, 3};
  s.y = {0, 50, 100};
  p.series = {s};
  const Image img = draw("title", {p}, 1);
  int red = 0;
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      const Rgb c = img.rgb_at(x, y);
      red += c.r == 255 && c.g == 0 && c.b == 0;
    }
  }
  EXPECT_GT(red, 100) << "the series is drawn";
}

TEST(PngPlot, BadInputIsAnError) {
  EXPECT_THROW(Image(0, 5), Error);
  EXPECT_THROW(draw("t", {}, 1), Error);
  Panel empty;
  EXPECT_THROW(draw("t", {empty}, 1), Error);
  Panel logp;
  logp.log_x = true;
  Series s("s", {1, 2, 3});
  s.x = {0, 1};
  s.y = {1, 2};
  logp.series = {s};
  EXPECT_THROW(draw("t", {logp}, 1), Error);
  Panel mism;
  Series m("m", {1, 2, 3});
  m.x = {1, 2};
  m.y = {1};
  mism.series = {m};
  EXPECT_THROW(draw("t", {mism}, 1), Error);
  Image img(2, 2);
  for (int i = 1; i < 256; ++i) img.color({static_cast<uint8_t>(i), 0, 0});
  EXPECT_THROW(img.color({0, 1, 0}), Error);
}

}  // namespace
}  // namespace hycim::cli::plot
