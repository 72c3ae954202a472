// PNG encoding and previews, and the night report page, rendered by Debian's
// headless Chromium (the test command installs it).
#include <gtest/gtest.h>
#include <png.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/png.h"
#include "pipeline/report.h"
#include "unit/support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;

struct Decoded {
  png_uint_32 width = 0, height = 0;
  std::vector<std::uint8_t> grey;  // 8-bit grey, top row first
};

Decoded decode(const std::string& bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()));
  image.format = PNG_FORMAT_GRAY;
  Decoded d{image.width, image.height, std::vector<std::uint8_t>(PNG_IMAGE_SIZE(image))};
  EXPECT_TRUE(png_image_finish_read(&image, nullptr, d.grey.data(), 0, nullptr));
  return d;
}

TEST(Png, GreyRoundTripsAndSizesAreChecked) {
  const std::vector<std::uint8_t> v{0, 50, 100, 150, 200, 255};
  PngPixels p;
  p.width = 3;
  p.height = 2;
  p.samples = v;
  const Decoded d = decode(encode_png(p));
  EXPECT_EQ(d.width, 3u);
  EXPECT_EQ(d.height, 2u);
  EXPECT_EQ(d.grey, v);
  p.height = 3;  // more rows than samples
  EXPECT_THROW(encode_png(p), Error);
}

// 16-bit samples as stored, through libpng's low-level reader (the
// simplified API would convert them to linear light).
std::vector<std::uint16_t> read_png16(const std::string& bytes, png_uint_32& width,
                                      int& channels) {
  struct Reader {
    const std::string* bytes;
    std::size_t pos = 0;
  } reader{&bytes};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_read_fn(png, &reader, [](png_structp s, png_bytep out, png_size_t n) {
    auto* r = static_cast<Reader*>(png_get_io_ptr(s));
    std::copy_n(r->bytes->data() + r->pos, n, out);
    r->pos += n;
  });
  png_read_info(png, info);
  width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  channels = png_get_channels(png, info);
  EXPECT_EQ(png_get_bit_depth(png, info), 16);
  if (std::endian::native == std::endian::little) png_set_swap(png);
  png_read_update_info(png, info);
  const std::size_t count = std::size_t{width} * height * static_cast<std::size_t>(channels);
  std::vector<std::uint16_t> samples(count);
  for (png_uint_32 y = 0; y < height; ++y) {
    png_read_row(png, reinterpret_cast<png_bytep>(samples.data() + y * width * channels),
                 nullptr);
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return samples;
}

TEST(Png, SixteenBitRgbKeepsItsSamples) {
  const std::vector<std::uint16_t> v{0, 1000, 65535, 300, 40000, 7};
  PngPixels p;
  p.width = 2;
  p.height = 1;
  p.channels = 3;
  p.bit_depth = 16;
  p.samples16 = v;
  png_uint_32 width = 0;
  int channels = 0;
  EXPECT_EQ(read_png16(encode_png(p), width, channels), v);
  EXPECT_EQ(width, 2u);
  EXPECT_EQ(channels, 3);
}

TEST(Png, PreviewIsBottomUpAndShrunk) {
  Image img(1000, 500, 10.0f);
  for (std::size_t x = 0; x < 8; ++x) img(x, 0) = 1000.0f;  // FITS row 1: the bottom
  const Decoded d = decode(preview_png(img, 256));
  EXPECT_EQ(d.width, 250u);  // 4x4 blocks
  EXPECT_EQ(d.height, 125u);
  EXPECT_EQ(d.grey[124 * 250 + 0], 255);  // bottom-left block is the bright one
  EXPECT_EQ(d.grey[0], 0);                // top-left is sky
  Image nan(10, 10, std::nanf(""));
  EXPECT_EQ(decode(preview_png(nan)).width, 10u);  // all-NaN: black, no error
}

pipeline::NightReport sample_report() {
  Image img(64, 48, 5.0f);
  img(20, 20) = 500.0f;
  pipeline::NightReport r;
  r.title = "Night of 2020-07-16";
  pipeline::ReportGroup g;
  g.key = "NGC_6888:T20:Ha:20200716";
  g.frames.push_back({"raw-<b>&frame.fit", "OK", {{"bias", "Master_Bias_1.fit"}},
                      {{"FWHM", "2.3 px"}}, {}, preview_png(img)});
  g.frames.push_back({"raw-2.fit", "FAIL", {}, {}, {"poor FWHM"}, ""});
  g.plots.push_back({"FWHM against time", preview_png(img)});
  r.groups.push_back(g);
  r.products.push_back({"Ha stack", preview_png(img)});
  r.stage_seconds = {{"calibrate", 1.25}};
  r.summary = "status stage\nOK calibrate";
  return r;
}

TEST(Report, PageIsSelfContainedAndEscaped) {
  const std::string html = pipeline::render_report(sample_report());
  EXPECT_NE(html.find("raw-&lt;b&gt;&amp;frame.fit"), std::string::npos);
  EXPECT_EQ(html.find("<b>&frame"), std::string::npos);
  EXPECT_NE(html.find("src=\"data:image/png;base64,iVBORw0KGgo"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // nothing to fetch
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("<tr class=FAIL>"), std::string::npos);
  EXPECT_NE(html.find("calibrate</td><td>1.2 s"), std::string::npos);
}

// The page as a browser shows it: Chromium renders it from disk with no
// console message; the screenshot stays in the build's test-output directory.
TEST(Report, RendersInHeadlessChromiumWithoutConsoleErrors) {
  const fs::path out = fs::path(AP_TEST_OUTPUT) / "report";
  fs::create_directories(out);
  pipeline::write_report(out, sample_report());
  const fs::path shot = out / "screenshot.png";
  fs::remove(shot);
  const auto r = test::run(
      "/usr/bin/chromium",
      "--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions "
      "--enable-logging=stderr --v=0 --window-size=1000,800 --screenshot='" + shot.string() +
          "' 'file://" + (out / "index.html").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << "chromium failed (the test command installs it): " << r.err;
  ASSERT_TRUE(fs::exists(shot)) << r.err;
  const Decoded d = decode(test::read_text(shot));
  EXPECT_EQ(d.width, 1000u);
  EXPECT_EQ(r.err.find("CONSOLE"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ap
