// make_master: frames on disk -> master bias, dark or flat (calib/combine.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "calib/combine.h"
#include "calib/text.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/version.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
using calib_text::lower;
using calib_text::upper;

std::string_view type_name(FrameType type) {
  switch (type) {
    case FrameType::kBias:
      return "bias";
    case FrameType::kDark:
      return "dark";
    case FrameType::kFlat:
      return "flat";
    default:
      return "frame";
  }
}

std::string trimmed(const Header& h, std::string_view key) {
  return std::string(calib_text::trim(h.get_string(key).value_or("")));
}

// What is subtracted from each frame before combining:
//   v - bias_weight[f] * bias - dark_weight[f] * dark.
struct Correction {
  std::optional<FitsImage> bias, dark;
  std::vector<double> bias_weight, dark_weight;
  std::vector<double> scale;  // then multiplied by this (flats: 1 / median)

  bool subtracts() const { return bias.has_value() || dark.has_value(); }

  void apply(std::size_t f, std::size_t offset, std::span<float> v) const {
    const float* b = bias ? bias->image.data() + offset : nullptr;
    const float* d = dark ? dark->image.data() + offset : nullptr;
    const double bw = bias_weight[f], dw = dark_weight[f], s = scale[f];
    for (std::size_t i = 0; i < v.size(); ++i) {
      double x = v[i];
      if (b != nullptr) x -= bw * b[i];
      if (d != nullptr) x -= dw * d[i];
      v[i] = static_cast<float>(x * s);
    }
  }
};

FitsImage read_master(const fs::path& path, std::size_t width, std::size_t height) {
  FitsImage m = read_image(path);
  if (!m.image.same_shape(width, height)) {
    throw input_error(path.string(), fmt::format("size {}x{} differs from the frames' {}x{}",
                                                 m.image.width(), m.image.height(), width, height));
  }
  return m;
}

// Loads the masters and works out each frame's weights (see MasterOptions).
Correction prepare_correction(const MasterOptions& o, FrameType type,
                              std::span<const FrameHeader> frames) {
  Correction c;
  const std::size_t n = frames.size();
  c.bias_weight.assign(n, 0.0);
  c.dark_weight.assign(n, 0.0);
  c.scale.assign(n, 1.0);
  const std::size_t w = frames[0].width, h = frames[0].height;
  if (!o.bias.empty()) {
    if (type != FrameType::kDark && type != FrameType::kFlat) {
      throw Error(ExitCode::kUsage, "--bias applies to darks and flats only");
    }
    c.bias = read_master(o.bias, w, h);
    c.bias_weight.assign(n, 1.0);
  }
  if (o.dark.empty()) return c;
  if (type != FrameType::kFlat) throw Error(ExitCode::kUsage, "--dark applies to flats only");
  c.dark = read_master(o.dark, w, h);
  constexpr std::string_view kWhy = "to scale the dark to this flat";
  const double dark_time = exposure_seconds(c.dark->header(), o.dark, kWhy);
  const auto calstat = c.dark->header().get_string("CALSTAT");
  const bool biased = calstat && calstat->find('B') == std::string::npos;
  for (std::size_t f = 0; f < n; ++f) {
    const double s = exposure_seconds(frames[f].header, frames[f].path, kWhy) / dark_time;
    c.dark_weight[f] = s;
    if (!biased) continue;
    // The dark holds the bias: scale only its thermal part, dark - bias.
    if (c.bias) {
      c.bias_weight[f] = 1.0 - s;
    } else if (std::abs(s - 1.0) > 1e-6) {
      throw input_error(o.dark.string(),
                        fmt::format("CALSTAT '{}': the dark still holds the bias; give --bias "
                                    "to scale it to the flats' exposure",
                                    *calstat));
    }
  }
  return c;
}

// Flats: each frame is divided by its median after the subtraction.
void flat_scales(std::vector<FitsRowReader>& readers, std::span<const FrameHeader> frames,
                 Correction& c) {
  auto log = logger("combine");
  Image frame(frames[0].width, frames[0].height);
  for (std::size_t f = 0; f < readers.size(); ++f) {
    readers[f].read_rows(0, frame.height(), frame.pixels());
    c.apply(f, 0, frame.pixels());
    const double level = nanmedian(frame.pixels());
    if (!(level > 0.0)) {
      throw input_error(frames[f].path.string(),
                        fmt::format("median {} after bias and dark subtraction: cannot normalise "
                                    "the flat",
                                    level));
    }
    c.scale[f] = 1.0 / level;
    log->debug("{}: median {:.2f}", frames[f].path.string(), level);
  }
}

FrameType resolve_type(FrameType requested, const Header& first) {
  auto log = logger("combine");
  const std::string imagetyp = trimmed(first, "IMAGETYP");
  const FrameType found = frame_type_of(imagetyp);
  if (requested == FrameType::kAuto) {
    if (found == FrameType::kOther) {
      log->warn("IMAGETYP '{}' is not a bias, dark or flat: combining without type checks",
                imagetyp);
    }
    return found;
  }
  if (found != FrameType::kOther && found != requested) {
    log->warn("combining as {} frames although IMAGETYP is '{}'", type_name(requested), imagetyp);
  }
  return requested;
}

Header master_header(const MasterOptions& o, FrameType type, const FrameHeader& first,
                     const TemperatureSelection& temps, const Correction& c,
                     const std::vector<fs::path>& used) {
  Header h = first.header;
  for (const char* key : {"UT", "TIME-OBS", "SWOWNER", "SWCREATE", "SBSTDVER"}) h.erase(key);
  if (type == FrameType::kOther) {
    h.set("IMAGETYP", lower(trimmed(h, "IMAGETYP")), "Type of image");
  } else {
    h.set("IMAGETYP", "MASTER " + upper(type_name(type)), "Type of image");
  }
  std::string telescope = trimmed(h, "TELESCOP");
  if (telescope.empty()) {
    logger("combine")->warn("TELESCOP is blank or missing: writing '{}'", o.telescop);
    telescope = o.telescop;
  }
  h.set("TELESCOP", telescope, "Telescope");
  if (temps.reference) {
    h.set("SET-TEMP", *temps.reference, "Reference CCD temperature (C)");
    h.set("CCD-TEMP", *temps.reference, "Reference CCD temperature (C)");
  }
  if (type == FrameType::kFlat) {
    h.erase("BUNIT");  // normalised to a median of 1
  } else {
    h.set("BUNIT", "adu", "Pixel value units");
  }
  h.set("COMBINED", true, "Combined from several frames");
  h.set("NCOMBINE", static_cast<std::int64_t>(used.size()), "Number of frames combined");
  h.set("COMBMETH", std::string(combine_method_name(o.combine.method)), "Combination method");
  h.set("CREATOR", fmt::format("ap {} combine", kVersion), "Software that made this file");
  const std::string calstat = std::string(c.bias ? "B" : "") + (c.dark ? "D" : "") + "M";
  h.set("CALSTAT", calstat, "Calibration status (B bias, D dark removed; M master)");
  if (c.bias) h.set("BIASFILE", o.bias.filename().string(), "Master bias subtracted");
  if (c.dark) h.set("DARKFILE", o.dark.filename().string(), "Master dark subtracted, scaled");
  for (std::size_t i = 0; i < used.size(); ++i) {
    h.set(fmt::format("IFILE{:03d}", i), used[i].filename().string(), "Input file");
  }
  return h;
}

}  // namespace

MasterResult make_master(const std::vector<fs::path>& files, const MasterOptions& o) {
  auto log = logger("combine");
  if (files.size() < 2) {
    throw Error(ExitCode::kBadInput,
                fmt::format("need at least 2 frames to combine, found {}{}", files.size(),
                            files.empty() ? "" : " (" + files[0].string() + ")"));
  }
  std::vector<FitsRowReader> readers;
  std::vector<FrameHeader> frames;
  const ReadOptions read{o.hdu, true};
  for (const fs::path& file : files) {
    const FitsRowReader& r = readers.emplace_back(file, read);
    frames.push_back({file, r.info().header, r.width(), r.height()});
  }
  MasterResult result;
  result.type = resolve_type(o.type, frames[0].header);
  check_consistent(frames, result.type);

  const TemperatureSelection temps = select_by_temperature(frames, o.temp_tolerance);
  if (!temps.reference) log->warn("no SET-TEMP or CCD-TEMP: temperatures not checked");
  for (std::size_t i : temps.unknown) {
    log->warn("{}: no CCD-TEMP, kept", frames[i].path.string());
  }
  for (std::size_t i : temps.dropped) {
    log->warn("{}: CCD-TEMP {} is more than {} C from {} C: dropped", frames[i].path.string(),
              frames[i].header.get("CCD-TEMP", 0.0), o.temp_tolerance, *temps.reference);
    result.dropped.push_back(frames[i].path);
  }
  if (temps.kept.size() < 2) {
    throw Error(
        ExitCode::kBadInput,
        fmt::format("only {} of {} frames within {} C of {} C: need at least 2", temps.kept.size(),
                    frames.size(), o.temp_tolerance, temps.reference.value_or(0.0)));
  }
  std::vector<FitsRowReader> kept_readers;
  std::vector<FrameHeader> kept;
  for (std::size_t i : temps.kept) {
    kept_readers.push_back(std::move(readers[i]));
    kept.push_back(std::move(frames[i]));
    result.used.push_back(kept.back().path);
  }
  readers.clear();

  Correction correction = prepare_correction(o, result.type, kept);
  if (result.type == FrameType::kFlat) flat_scales(kept_readers, kept, correction);
  const std::size_t width = kept[0].width;
  const RowSource source = [&](std::size_t f, std::size_t y0, std::size_t rows,
                               std::span<float> out) {
    kept_readers[f].read_rows(y0, rows, out);
    if (correction.subtracts() || correction.scale[f] != 1.0) correction.apply(f, y0 * width, out);
  };
  CombineResult combined = combine_rows(kept.size(), width, kept[0].height, source, o.combine);

  if (result.type == FrameType::kFlat) {
    const double level = nanmedian(combined.image.pixels());
    if (!(level > 0.0)) {
      throw Error(ExitCode::kFailed, fmt::format("master flat median {}: cannot normalise", level));
    }
    const auto norm = static_cast<float>(1.0 / level);
    for (float& v : combined.image.pixels()) v *= norm;
    for (float& v : combined.uncert.pixels()) v *= norm;
  }
  const std::size_t values = kept.size() * width * kept[0].height;
  log->info("{} {} frames combined ({}), {} values rejected ({:.3f}%), {} pixels without data",
            kept.size(), type_name(result.type), combine_method_name(o.combine.method),
            combined.rejected, 100.0 * static_cast<double>(combined.rejected) / double(values),
            combined.nodata);
  result.header = master_header(o, result.type, kept[0], temps, correction, result.used);
  result.image = std::move(combined.image);
  result.mask = std::move(combined.mask);
  result.uncert = std::move(combined.uncert);
  result.rejected = combined.rejected;
  return result;
}

void write_master(FitsWriter& writer, const MasterResult& m) {
  writer.add_image(m.image, m.header);
  Header mask_header;
  mask_header.add_comment(fmt::format("{}: every value of the pixel rejected; {}: no finite value",
                                      int{kMaskRejected}, int{kMaskNoData}));
  writer.add_mask(m.mask, mask_header, "MASK");
  Header uncert_header;
  uncert_header.set("UTYPE", "StdDevUncertainty", "Standard error of the combined value");
  if (const auto unit = m.header.get_string("BUNIT")) uncert_header.set("BUNIT", *unit);
  writer.add_image(m.uncert, uncert_header, "UNCERT");
  writer.commit();
}

}  // namespace ap
