// Resampling, coadding and colour composites: identity and flux
// conservation against exact values, a SIP frame landing where its true WCS
// says, the median stack of dithered frames (no cosmic rays, noise gain
// sqrt(N)), SWarp on the same grid, make_lupton_rgb on the same channels,
// and the command lines with bad input.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "colour/rgb.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/stats.h"
#include "measure/aperture.h"
#include "resample/coadd.h"
#include "resample/resample.h"
#include "sim/psf.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;

// A 0.5"/px TAN frame of w x h around (ra, dec), rotated by `rot_deg`.
Wcs frame_wcs(std::size_t w, std::size_t h, double ra, double dec, double rot_deg, double scale = 1.0) {
  const double s = scale / 3600.0, r = rot_deg * std::numbers::pi / 180.0;
  return Wcs::tan({0.5 * (static_cast<double>(w) + 1.0), 0.5 * (static_cast<double>(h) + 1.0)}, {ra, dec},
                  {-s * std::cos(r), s * std::sin(r), s * std::sin(r), s * std::cos(r)});
}

// Moffat stars (beta 3, FWHM 3 px) at known sky positions on a flat sky with noise.
Image star_frame(const Wcs& wcs, std::size_t w, std::size_t h, const std::vector<SkyCoord>& stars, double flux,
                 double noise, unsigned seed) {
  Image img(w, h);
  sim::Psf psf;
  psf.fwhm = 3.0;
  const sim::StarRenderer render(psf);
  for (const SkyCoord& s : stars) {
    const PixelCoord p = wcs.sky_to_pixel(s);
    if (p.x > 5 && p.y > 5 && p.x < static_cast<double>(w) - 6 && p.y < static_cast<double>(h) - 6)
      render.add(img, p.x, p.y, flux, 0.0);
  }
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gauss(0.0f, static_cast<float>(noise));
  for (float& v : img.pixels()) v += 100.0f + (noise > 0 ? gauss(rng) : 0.0f);
  return img;
}

std::vector<SkyCoord> star_grid(double ra, double dec) {
  std::vector<SkyCoord> s;
  for (int j = -4; j <= 4; ++j)
    for (int i = -4; i <= 4; ++i) s.push_back({ra + i * 20.0 / 3600.0 / std::cos(dec * std::numbers::pi / 180), dec + j * 20.0 / 3600.0});
  return s;
}

TEST(Resample, IdentityGridReturnsTheImage) {
  const Wcs wcs = frame_wcs(120, 100, 150.0, 20.0, 10.0);
  Image img(120, 100);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(0.0f, 100.0f);
  for (float& v : img.pixels()) v = u(rng);
  for (const Kernel k : {Kernel::kLanczos3, Kernel::kBilinear, Kernel::kNearest}) {
    ResampleOptions o;
    o.kernel = k;
    const Resampled r = resample(img, wcs, nullptr, {wcs, 120, 100}, o);
    for (std::size_t y = 3; y < 97; ++y)
      for (std::size_t x = 3; x < 117; ++x) ASSERT_NEAR(r.image(x, y), img(x, y), 2e-3) << x << "," << y;
    EXPECT_FLOAT_EQ(r.weight(60, 50), 1.0f);
  }
}

TEST(Resample, FluxIsConservedOnARotatedCoarserGrid) {
  const double ra = 150.0, dec = 20.0;
  const Wcs in_wcs = frame_wcs(300, 300, ra, dec, 0.0);
  const auto stars = star_grid(ra, dec);
  const Image img = star_frame(in_wcs, 300, 300, stars, 1e5, 0.0, 1);
  Resampled r;
  const Grid grid{frame_wcs(260, 260, ra + 0.0003, dec - 0.0002, 23.0, 1.3), 260, 260};
  r = resample(img, in_wcs, nullptr, grid, {});
  // All the star flux (above the known sky: 100 per input pixel, 100 x 1.3^2 per
  // output pixel) is still there; every star is well inside both frames.
  double in_sum = 0.0, out_sum = 0.0;
  for (const float v : img.pixels()) in_sum += v - 100.0;
  for (std::size_t i = 0; i < r.image.size(); ++i)
    if (r.weight.data()[i] > 0.0f) out_sum += r.image.data()[i] - 169.0;
  ASSERT_GT(in_sum, 1e6);
  EXPECT_NEAR(out_sum / in_sum, 1.0, 1e-3);
  // Between stars the sky keeps its surface brightness (wings included) times the area ratio.
  const SkyCoord mid{ra + 10.0 / 3600.0 / std::cos(dec * std::numbers::pi / 180), dec + 10.0 / 3600.0};
  const PixelCoord pi = in_wcs.sky_to_pixel(mid), po = grid.wcs.sky_to_pixel(mid);
  EXPECT_NEAR(r.image(static_cast<std::size_t>(std::lround(po.x)), static_cast<std::size_t>(std::lround(po.y))),
              1.69 * img(static_cast<std::size_t>(std::lround(pi.x)), static_cast<std::size_t>(std::lround(pi.y))), 1.0);
  EXPECT_EQ(r.weight(0, 0), 0.0f);  // a corner of the rotated grid is off the input
}

// SExtractor's XWIN/YWIN: a Gaussian-weighted centroid, iterated, above a
// known sky; unbiased for symmetric stars.
PixelCoord windowed_centroid(const Image& img, PixelCoord p, double sky) {
  const double s2 = 2.0 * 1.3 * 1.3;
  for (int iter = 0; iter < 20; ++iter) {
    double sw = 0.0, sx = 0.0, sy = 0.0;
    const long cx = std::lround(p.x), cy = std::lround(p.y);
    for (long y = cy - 6; y <= cy + 6; ++y) {
      for (long x = cx - 6; x <= cx + 6; ++x) {
        const double dx = static_cast<double>(x) - p.x, dy = static_cast<double>(y) - p.y;
        const double w = std::exp(-(dx * dx + dy * dy) / s2) *
                         (img(static_cast<std::size_t>(x), static_cast<std::size_t>(y)) - sky);
        sw += w, sx += w * dx, sy += w * dy;
      }
    }
    p.x += 2.0 * sx / sw, p.y += 2.0 * sy / sw;
  }
  return p;
}

TEST(Resample, AgreesWithSwarpOnTheSameGrid) {
  test::TempDir dir;
  const double ra = 150.0, dec = 20.0;
  const Wcs in_wcs = frame_wcs(320, 320, ra, dec, 7.0);
  const auto stars = star_grid(ra, dec);
  const Image img = star_frame(in_wcs, 320, 320, stars, 5e4, 3.0, 2);
  Header h;
  in_wcs.to_header(h);
  write_image(dir / "in.fits", img, h);
  const Grid grid{frame_wcs(300, 300, ra + 0.0002, dec - 0.0001, 0.0, 1.1), 300, 300};
  ResampleOptions o;
  o.oversampling = 4;
  const Resampled ours = resample(img, in_wcs, nullptr, grid, o);
  Header gh;
  grid.wcs.to_header(gh);
  write_image(dir / "ours.fits", ours.image, gh);
  const auto peer = test::run("/usr/bin/python3", fmt::format("{} {} {} 4 {}", test::peer_script("swarp_resample.py").string(),
                                                             (dir / "in.fits").string(), (dir / "ours.fits").string(),
                                                             (dir / "swarp.fits").string()));
  ASSERT_EQ(peer.exit_code, 0) << peer.err;
  const Image swarp = read_image(dir / "swarp.fits").image;
  ASSERT_EQ(swarp.width(), grid.width);
  // Same stars, same apertures: fluxes and windowed centroids side by side.
  ApertureOptions ao;
  ao.radius = 7.0, ao.annulus_inner = 9.0, ao.annulus_outer = 13.0;
  std::vector<float> ratios, shifts, errors;
  for (const SkyCoord& s : stars) {
    const PixelCoord p = grid.wcs.sky_to_pixel(s);
    const double sky = 100.0 * 1.21;
    const PixelCoord a = windowed_centroid(ours.image, p, sky), b = windowed_centroid(swarp, p, sky);
    ratios.push_back(static_cast<float>(aperture_photometry(ours.image, nullptr, p.x, p.y, ao).flux() /
                                        aperture_photometry(swarp, nullptr, p.x, p.y, ao).flux()));
    shifts.push_back(static_cast<float>(std::hypot(a.x - b.x, a.y - b.y)));
    errors.push_back(static_cast<float>(std::hypot(a.x - p.x, a.y - p.y)));
  }
  ASSERT_EQ(ratios.size(), 81u);
  EXPECT_NEAR(median(ratios), 1.0, 0.005);
  EXPECT_LT(median(shifts), 0.05);
  EXPECT_LT(*std::max_element(shifts.begin(), shifts.end()), 0.1);
  EXPECT_LT(median(errors), 0.05);  // and both where the stars truly are
}

// SIP distortion of up to 2.5 px: the resampled stars sit where the true
// (distorted) WCS puts them on the undistorted grid.
TEST(Resample, SipFrameLandsWhereItsTrueWcsSays) {
  const double ra = 150.0, dec = 20.0;
  Header h;
  frame_wcs(400, 400, ra, dec, 0.0).to_header(h);
  h.set("CTYPE1", "RA---TAN-SIP");
  h.set("CTYPE2", "DEC--TAN-SIP");
  h.set("A_ORDER", 2);
  h.set("B_ORDER", 2);
  h.set("A_2_0", 8e-5);
  h.set("A_0_2", -5e-5);
  h.set("B_1_1", 1e-4);
  const Wcs sip = *Wcs::from_header(h);
  const Wcs tan = frame_wcs(400, 400, ra, dec, 0.0);
  std::vector<SkyCoord> stars;
  for (int j = -4; j <= 4; ++j)
    for (int i = -4; i <= 4; ++i) stars.push_back(tan.pixel_to_sky({199.5 + i * 40.0 + 0.3 * j, 199.5 + j * 40.0 + 0.2 * i}));
  const Image img = star_frame(sip, 400, 400, stars, 5e4, 0.0, 3);
  const Grid grid{frame_wcs(400, 400, ra, dec, 0.0), 400, 400};
  const Resampled r = resample(img, sip, nullptr, grid, {});
  std::vector<float> errors;
  double distortion = 0.0;
  for (const SkyCoord& s : stars) {
    const PixelCoord p = grid.wcs.sky_to_pixel(s), q = sip.sky_to_pixel(s);
    distortion = std::max(distortion, std::hypot(p.x - q.x, p.y - q.y));
    if (p.x < 10 || p.y < 10 || p.x > 389 || p.y > 389) continue;
    const PixelCoord c = windowed_centroid(r.image, p, 100.0);
    errors.push_back(static_cast<float>(std::hypot(c.x - p.x, c.y - p.y)));
  }
  ASSERT_GT(distortion, 2.0);
  ASSERT_GT(errors.size(), 60u);
  EXPECT_LT(median(errors), 0.02);
  EXPECT_LT(*std::max_element(errors.begin(), errors.end()), 0.05);
}

TEST(Resample, GridsInOtherProjectionsCoverTheInputs) {
  const std::vector<Footprint> in = {{frame_wcs(600, 400, 80.0, 40.0, 10.0, 6.0), 600, 400},
                                     {frame_wcs(600, 400, 80.5, 40.3, -5.0, 6.0), 600, 400}};
  for (const char* code : {"TAN", "ZEA", "SIN", "STG", "CAR"}) {
    GridOptions o;
    o.projection = code;
    const Grid g = choose_grid(in, o);
    Header h;
    g.wcs.to_header(h);
    EXPECT_EQ(h.get("CTYPE1", ""), fmt::format("RA---{}", code));
    // Every corner of every input falls inside the grid, and the grid is not much larger.
    for (const Footprint& f : in) {
      for (const PixelCoord c : {PixelCoord{0, 0}, PixelCoord{599, 0}, PixelCoord{0, 399}, PixelCoord{599, 399}}) {
        const PixelCoord p = g.wcs.sky_to_pixel(f.wcs.pixel_to_sky(c));
        EXPECT_GE(p.x, -0.5) << code;
        EXPECT_GE(p.y, -0.5) << code;
        EXPECT_LE(p.x, static_cast<double>(g.width) - 0.5) << code;
        EXPECT_LE(p.y, static_cast<double>(g.height) - 0.5) << code;
      }
    }
    EXPECT_LT(g.width * g.height, 2u * 1000u * 700u) << code;
  }
  GridOptions bad;
  bad.projection = "XYZ";
  EXPECT_THROW(choose_grid(in, bad), Error);
}

TEST(Resample, PixelMapIsWithinAHundredthOfAPixel) {
  const Wcs in = frame_wcs(2000, 1500, 10.0, 60.0, 33.0, 2.0);
  const Grid grid{frame_wcs(1800, 1800, 10.1, 60.05, 0.0, 2.3), 1800, 1800};
  const PixelMap map(grid, in);
  EXPECT_LT(map.max_error(), 0.01);
}

TEST(Coadd, MedianStackRemovesCosmicRaysAndGainsSqrtN) {
  test::TempDir dir;
  const double ra = 83.8, dec = -5.4, noise = 10.0;
  const auto stars = star_grid(ra, dec);
  const std::size_t n = 9;
  std::vector<StackInput> inputs, clean;  // clean: the same frames without noise or cosmic rays
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> dither(-0.004, 0.004);
  for (std::size_t k = 0; k < n; ++k) {
    const Wcs wcs = frame_wcs(260, 240, ra + dither(rng), dec + dither(rng), 0.3 * static_cast<double>(k));
    Image img = star_frame(wcs, 260, 240, stars, 5e4, noise, static_cast<unsigned>(10 + k));
    for (int c = 0; c < 20; ++c) img(static_cast<std::size_t>(20 + 11 * c), static_cast<std::size_t>(30 + 9 * c) + k) += 5000.0f;  // cosmic rays
    Header h;
    wcs.to_header(h);
    h.set("EXPTIME", 60.0);
    write_image(dir / fmt::format("f{}.fits", k), img, h);
    inputs.push_back({dir / fmt::format("f{}.fits", k), 1.0});
    write_image(dir / fmt::format("clean{}.fits", k), star_frame(wcs, 260, 240, stars, 5e4, 0.0, 0), h);
    clean.push_back({dir / fmt::format("clean{}.fits", k), 1.0});
  }
  GridOptions go;
  go.intersection = true;
  const Grid grid = choose_grid(footprints(inputs), go);
  CoaddOptions o;
  o.resample.kernel = Kernel::kBilinear;
  o.memory_bytes = 200'000;  // many bands
  const Coadded median = stack_files(inputs, grid, o);
  o.combine = Combine::kMean;
  const Coadded mean = stack_files(inputs, grid, o);
  const Coadded mean_clean = stack_files(clean, grid, o);
  EXPECT_EQ(median.header.get_int("NCOMBINE"), 9);
  EXPECT_DOUBLE_EQ(median.header.get("EXPTIME", 0.0), 540.0);
  // Sky pixels: away from the stars and covered by every frame.
  std::vector<std::size_t> sky_pixels;
  for (std::size_t y = 10; y < grid.height - 10; ++y) {
    for (std::size_t x = 10; x < grid.width - 10; ++x) {
      bool near_star = false;
      const SkyCoord s = grid.wcs.pixel_to_sky({static_cast<double>(x), static_cast<double>(y)});
      for (const SkyCoord& t : stars)
        near_star |= std::hypot((s.ra - t.ra) * std::cos(dec * std::numbers::pi / 180), s.dec - t.dec) * 3600 < 8.0;
      if (!near_star && mean.weight(x, y) > 8.99f) sky_pixels.push_back(y * grid.width + x);
    }
  }
  // No cosmic ray survives the median: nothing 10 sigma above the sky.
  std::size_t hot = 0;
  std::vector<float> sky;
  for (const std::size_t i : sky_pixels) {
    hot += median.image.data()[i] > 100.0f + 10.0f * static_cast<float>(noise);
    sky.push_back(mean.image.data()[i] - mean_clean.image.data()[i]);
  }
  EXPECT_EQ(hot, 0u);
  // The mean's noise is what each resampled frame's noise predicts: sqrt(sum sigma_i^2) / N.
  double predicted = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const FitsImage f = read_image(inputs[k].image), fc = read_image(clean[k].image);
    const Wcs wcs = *Wcs::from_header(f.header());
    const Resampled one = resample(f.image, wcs, nullptr, grid, {Kernel::kBilinear, 1, {}});
    const Resampled one_clean = resample(fc.image, wcs, nullptr, grid, {Kernel::kBilinear, 1, {}});
    std::vector<float> v;
    for (const std::size_t i : sky_pixels) v.push_back(one.image.data()[i] - one_clean.image.data()[i]);
    const ClippedStats c = sigma_clipped_stats(v, SigmaClipOptions::symmetric(3.0, 5));
    predicted += c.std * c.std;
  }
  predicted = std::sqrt(predicted) / static_cast<double>(n);
  const ClippedStats measured = sigma_clipped_stats(sky, SigmaClipOptions::symmetric(3.0, 5));
  EXPECT_NEAR(measured.std / predicted, 1.0, 0.05);
  EXPECT_GT(median.exposure(grid.width / 2, grid.height / 2), 539.0f);
}

// Three channels of one noisy sky with a blob of a different colour in each.
std::array<Image, 3> blob_channels() {
  std::mt19937_64 rng(4);
  std::array<Image, 3> ch = {Image(64, 48), Image(64, 48), Image(64, 48)};
  std::normal_distribution<float> sky(5.0f, 2.0f);
  for (std::size_t c = 0; c < 3; ++c) {
    for (float& v : ch[c].pixels()) v = sky(rng);
    for (std::size_t y = 0; y < 48; ++y)
      for (std::size_t x = 0; x < 64; ++x)
        ch[c](x, y) += static_cast<float>((400.0 + 300.0 * static_cast<double>(c)) *
                                          std::exp(-(std::pow(static_cast<double>(x) - 30.0 - 3.0 * static_cast<double>(c), 2) + std::pow(static_cast<double>(y) - 20.0, 2)) / 30.0));
  }
  return ch;
}

// Two frames on one grid, the first noisy (sigma 3) with a block of garbage
// its MASK flags, the second quiet (sigma 1).
TEST(Stack, LeavesOutMaskedPixelsAndWeightsByInverseVariance) {
  test::TempDir dir;
  const double ra = 30.0, dec = -10.0;
  const Wcs wcs = frame_wcs(200, 150, ra, dec, 0.0);
  std::vector<StackInput> in;
  for (int k = 0; k < 2; ++k) {
    Image img = star_frame(wcs, 200, 150, {}, 0.0, k == 0 ? 3.0 : 1.0, 10 + static_cast<unsigned>(k));
    Mask mask(200, 150);
    if (k == 0) {
      for (std::size_t y = 60; y < 80; ++y)
        for (std::size_t x = 90; x < 120; ++x) img(x, y) = 1e6f, mask(x, y) = 4;
    }
    Header h;
    wcs.to_header(h);
    h.set("EXPTIME", 60.0);
    FitsWriter w(dir / fmt::format("f{}.fits", k));
    w.add_image(img, h);
    w.add_mask(mask, {});
    w.commit();
    in.push_back({dir / fmt::format("f{}.fits", k), 1.0});
  }
  const Grid grid{wcs, 200, 150};
  CoaddOptions o;
  o.combine = Combine::kWeightedMean;
  Coadded plain = stack_files(in, grid, o);
  EXPECT_NEAR(plain.image(105, 70), 100.0, 5.0);  // the garbage is left out
  EXPECT_NEAR(plain.weight(105, 70), 1.0, 1e-3);  // only the second frame there
  EXPECT_NEAR(plain.weight(30, 30), 2.0, 1e-3);
  // Noise of the weighted mean away from the block: (3^2 + 1^2)^0.5 / 2 with equal weights,
  // 1 / (1/9 + 1)^0.5 with inverse-variance weights.
  const auto noise = [](const Image& img) {
    std::vector<float> v;
    for (std::size_t y = 10; y < 50; ++y)
      for (std::size_t x = 10; x < 190; ++x) v.push_back(img(x, y));
    return sigma_clipped_stats(v, SigmaClipOptions::symmetric(3.0, 5)).std;
  };
  EXPECT_NEAR(noise(plain.image) / (std::sqrt(10.0) / 2.0), 1.0, 0.05);
  o.inverse_variance = true;
  const Coadded ivar = stack_files(in, grid, o);
  EXPECT_NEAR(noise(ivar.image) / (1.0 / std::sqrt(1.0 + 1.0 / 9.0)), 1.0, 0.05);
}

TEST(Rgb, AsinhEqualsMakeLuptonRgb) {
  test::TempDir dir;
  const std::array<Image, 3> ch = blob_channels();
  for (std::size_t c = 0; c < 3; ++c) write_image(dir / fmt::format("c{}.fits", c), ch[c], Header{});
  RgbOptions o;
  o.minimum = std::array<double, 3>{1.0, 2.0, 0.5};
  o.asinh_stretch = 50.0;
  o.q = 8.0;
  const RgbImage ours = compose_rgb(ch[0], ch[1], ch[2], o);
  const std::string script =
      "import sys,numpy as np\nfrom astropy.io import fits\nfrom astropy.visualization import make_lupton_rgb\n"
      "c=[fits.getdata(f).astype(np.float32) for f in sys.argv[1:4]]\n"
      "rgb=make_lupton_rgb(c[0],c[1],c[2],minimum=[1.0,2.0,0.5],stretch=50.0,Q=8)\n"
      "np.save(sys.argv[4], rgb[::-1].astype(np.uint8))\n";
  write_file_atomically(dir / "lupton.py", script);
  const auto peer = test::run("/usr/bin/python3", fmt::format("{0}/lupton.py {0}/c0.fits {0}/c1.fits {0}/c2.fits {0}/out.npy", dir.path().string()));
  ASSERT_EQ(peer.exit_code, 0) << peer.err;
  const std::string npy = test::read_text(dir / "out.npy");
  const std::size_t header = npy.size() - 64 * 48 * 3;
  int worst = 0;
  for (std::size_t i = 0; i < 64 * 48 * 3; ++i)
    worst = std::max(worst, std::abs(static_cast<int>(static_cast<unsigned char>(npy[header + i])) - static_cast<int>(ours.samples[i])));
  EXPECT_LE(worst, 1);
}

TEST(Rgb, LuminanceSetsTheBrightnessAndTheChannelsTheColour) {
  const std::array<Image, 3> ch = blob_channels();
  RgbOptions o;
  o.minimum = std::array<double, 3>{1.0, 2.0, 0.5};
  o.asinh_stretch = 50.0;
  Image mean(64, 48), bright(64, 48);
  for (std::size_t i = 0; i < mean.size(); ++i) {
    mean.data()[i] = (ch[0].data()[i] + ch[1].data()[i] + ch[2].data()[i]) / 3.0f;
    bright.data()[i] = 1.1667f + 3.0f * (mean.data()[i] - 1.1667f);
  }
  const RgbImage plain = compose_rgb(ch[0], ch[1], ch[2], o);
  const RgbImage same = compose_rgb(ch[0], ch[1], ch[2], o, &mean);
  const RgbImage lrgb = compose_rgb(ch[0], ch[1], ch[2], o, &bright);
  int worst = 0, compared = 0;
  double brighter = 0.0;
  for (std::size_t i = 0; i < plain.samples.size(); i += 3) {
    for (std::size_t c = 0; c < 3; ++c)
      worst = std::max(worst, std::abs(static_cast<int>(plain.samples[i + c]) - static_cast<int>(same.samples[i + c])));
    // A brighter luminance: more light, the same colour where nothing saturates.
    const auto* p = &plain.samples[i];
    const auto* l = &lrgb.samples[i];
    brighter += l[0] + l[1] + l[2] - (p[0] + p[1] + p[2]);
    if (*std::min_element(p, p + 3) < 40 || *std::max_element(l, l + 3) >= 255) continue;
    ++compared;
    // Ratios of integers near 40: within their rounding (2.5 % each).
    EXPECT_NEAR(static_cast<double>(l[0]) * p[2] / (static_cast<double>(p[0]) * l[2]), 1.0, 0.05);
    EXPECT_NEAR(static_cast<double>(l[1]) * p[2] / (static_cast<double>(p[1]) * l[2]), 1.0, 0.05);
  }
  EXPECT_LE(worst, 1);
  EXPECT_GT(compared, 20);
  EXPECT_GT(brighter, 0.0);
  const Image small(10, 10);
  EXPECT_THROW(compose_rgb(ch[0], ch[1], ch[2], o, &small), Error);
}

TEST(Rgb, OutputsPresetsAndBadInput) {
  test::TempDir dir;
  const std::string d = dir.path().string();
  for (const char* filter : {"Ha", "Green", "Blue"}) {
    Image img(40, 30, 10.0f);
    img(20, 15) = 1000.0f;
    Header h;
    h.set("FILTER", filter);
    write_image(dir / fmt::format("{}.fits", filter), img, h);
  }
  // Given in any order: the hgb preset puts them in place by FILTER.
  auto r = test::run_ap(fmt::format("rgb {0}/Blue.fits {0}/Ha.fits {0}/Green.fits {0}/c.tiff --preset hgb --bits 16", d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_text(dir / "c.tiff").substr(0, 2), "II");
  r = test::run_ap(fmt::format("rgb {0}/Ha.fits {0}/Green.fits {0}/Blue.fits {0}/c.png --stretch power", d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_text(dir / "c.png").substr(1, 3), "PNG");
  r = test::run_ap(fmt::format("rgb {0}/Ha.fits {0}/Green.fits {0}/Blue.fits {0}/c.fits", d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_hdu_list(dir / "c.fits").front().shape.size(), 3u);
  r = test::run_ap(fmt::format("rgb {0}/Ha.fits {0}/Green.fits {0}/Blue.fits {0}/s.png --preset sho", d));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("SII"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "s.png"));
  write_image(dir / "small.fits", Image(20, 20, 1.0f), Header{});
  r = test::run_ap(fmt::format("rgb {0}/Ha.fits {0}/small.fits {0}/Blue.fits {0}/x.png", d));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_FALSE(fs::exists(dir / "x.png"));
  // LRGB: the luminance is required, and may come on another grid only with a WCS.
  r = test::run_ap(fmt::format("rgb {0}/Ha.fits {0}/Green.fits {0}/Blue.fits {0}/l.png --preset lrgb", d));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--lum"), std::string::npos) << r.err;
  r = test::run_ap(fmt::format("rgb {0}/Ha.fits {0}/Green.fits {0}/Blue.fits {0}/l.png --lum {0}/small.fits", d));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_FALSE(fs::exists(dir / "l.png"));
  r = test::run_ap(fmt::format("rgb {0}/Ha.fits {0}/Green.fits {0}/Blue.fits {0}/l.png --lum {0}/Green.fits", d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "l.png"));
}

TEST(StackCli, RefusesFramesWithoutWcsAndGridsThatDoNotOverlap) {
  test::TempDir dir;
  const std::string d = dir.path().string();
  write_image(dir / "nowcs.fits", Image(30, 30, 1.0f), Header{});
  Header a, b;
  frame_wcs(50, 50, 10.0, 10.0, 0.0).to_header(a);
  frame_wcs(50, 50, 200.0, -40.0, 0.0).to_header(b);
  write_image(dir / "a.fits", Image(50, 50, 1.0f), a);
  write_image(dir / "b.fits", Image(50, 50, 1.0f), b);
  auto r = test::run_ap(fmt::format("stack {0}/a.fits {0}/nowcs.fits {0}/out.fits", d));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("ap solve"), std::string::npos) << r.err;
  r = test::run_ap(fmt::format("stack {0}/a.fits {0}/b.fits {0}/out.fits --intersection", d));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("do not overlap"), std::string::npos) << r.err;
  r = test::run_ap(fmt::format("stack {0}/a.fits {0}/b.fits {0}/out.fits", d));
  EXPECT_EQ(r.exit_code, 2);  // the union would be enormous
  EXPECT_NE(r.err.find("--pixel-scale"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out.fits"));
  r = test::run_ap(fmt::format("resample {0}/a.fits -o {0}", d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = test::run_ap(fmt::format("coadd {0}/res_a.fits {0}/res_a.fits {0}/co.fits", d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_hdu_list(dir / "co.fits").size(), 3u);
}

}  // namespace
}  // namespace ap
