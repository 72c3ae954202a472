// The calibration library: raw bias, dark and flat frames and the masters
// combined from them, in iTelescope's layout and names. Masters for every
// date are combined from simulated raws; only the latest date's raws are written.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "core/parallel.h"
#include "itelescope/names.h"
#include "sim/dataset.h"
#include "sim/raw_fits.h"

namespace ap::sim {
namespace {

using itelescope::CalibrationName;
using itelescope::CalibrationType;

constexpr UnixTime kReadoutS = 15;  // between calibration frames

struct Group {
  CalibrationType type = CalibrationType::kBias;
  int filter = -1;  // index into options.filters for flats
  double exposure_s = 0.0;
  int frames = 0;
  UnixTime start = 0;
};

const char* imagetyp(CalibrationType type) {
  switch (type) {
    case CalibrationType::kDark:
      return "Dark Frame";
    case CalibrationType::kFlat:
      return "Flat Field";
    default:
      return "Bias Frame";
  }
}

const char* folder(CalibrationType type) {
  switch (type) {
    case CalibrationType::kDark:
      return "Darks";
    case CalibrationType::kFlat:
      return "Flats";
    default:
      return "Bias";
  }
}

std::string filter_of(const Dataset& ds, const Group& g) {
  return g.filter >= 0 ? ds.options.filters[static_cast<std::size_t>(g.filter)] : std::string();
}

CalibrationName name_of(const Dataset& ds, const Group& g, int sequence) {
  CalibrationName n;
  n.type = g.type;
  n.filter = filter_of(ds, g);
  n.binning = ds.options.binning;
  n.width = ds.width;
  n.height = ds.height;
  n.temperature_c = ds.set_temp();
  n.exposure_s = g.exposure_s;
  n.sequence = sequence;
  return n;
}

std::filesystem::path make_dir(const Dataset& ds, const char* kind, const Group& g,
                               const CalibrationDate& date) {
  const auto relative = ds.calibration_dir() / kind / folder(g.type) / date.name;
  std::error_code ec;
  std::filesystem::create_directories(ds.path(relative), ec);
  if (ec) {
    throw output_error(ds.path(relative).string(), "cannot create the directory: " + ec.message());
  }
  return relative;
}

// Pixel values in ADU: stored values with the pedestal removed.
Image to_adu(const std::vector<std::uint16_t>& stored, const Dataset& ds) {
  Image image(static_cast<std::size_t>(ds.width), static_cast<std::size_t>(ds.height));
  const auto out = image.pixels();
  const auto pedestal = static_cast<float>(ds.options.pedestal_adu);
  for (std::size_t i = 0; i < stored.size(); ++i) out[i] = static_cast<float>(stored[i]) - pedestal;
  return image;
}

// One raw frame of a group: its header and stored values.
struct RawFrame {
  Header header;
  std::vector<std::uint16_t> stored;
};

RawFrame raw_frame(const Dataset& ds, const CalibrationDate& date, const Group& g, int sequence,
                   const Image* illumination) {
  const SimulateOptions& o = ds.options;
  const Detector& d = ds.detector;
  const std::uint64_t key =
      calibration_key(date.index, static_cast<int>(g.type), g.filter + 1, sequence);
  Rng setup = Rng::stream(o.seed, Stream::kFrameSetup, {key});
  const double ccd_temp = std::round(100.0 * setup.normal(d.set_temp_c, 0.05)) / 100.0;
  const ReadoutFrame readout{date.bias_drift_adu + setup.normal(0.0, 0.3),
                             setup.uniform(d.bad_row_min_adu, d.bad_row_max_adu)};
  const double level_e = o.flat_level_adu * d.gain * setup.uniform(0.9, 1.1);

  Image charge(static_cast<std::size_t>(ds.width), static_cast<std::size_t>(ds.height), 0.0F);
  if (illumination != nullptr) {
    const auto in = illumination->pixels();
    const auto out = charge.pixels();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(level_e * in[i]);
  }
  Mask cosmic(charge.width(), charge.height(), 0);  // the truth lists cosmics of lights only
  RawFrame frame;
  frame.stored = expose(ds, charge, {g.exposure_s, ccd_temp, readout, key}, cosmic).stored;
  const UnixTime start =
      g.start + (sequence - 1) * (static_cast<UnixTime>(g.exposure_s) + kReadoutS);
  frame.header =
      maxim_header(ds, imagetyp(g.type), filter_of(ds, g), g.exposure_s, start, ccd_temp);
  return frame;
}

// Mean of each pixel's values without the lowest and the highest (with three or more frames).
Image combine(const std::vector<Image>& frames) {
  Image out(frames.front().width(), frames.front().height());
  const std::size_t n = frames.size();
  parallel_for(
      0, out.height(),
      [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
          auto row = out.row(y);
          for (std::size_t x = 0; x < row.size(); ++x) {
            double sum = 0.0;
            float lo = frames[0](x, y);
            float hi = lo;
            for (const Image& f : frames) {
              const float v = f(x, y);
              sum += v;
              lo = std::min(lo, v);
              hi = std::max(hi, v);
            }
            row[x] = static_cast<float>(n >= 3 ? (sum - lo - hi) / double(n - 2) : sum / double(n));
          }
        }
      },
      16);
  return out;
}

// Simulates (and for the latest date writes) a group's raws; returns them in ADU.
std::vector<Image> raw_group(const Dataset& ds, const CalibrationDate& date, const Group& g,
                             const Image* illumination, CalibrationSummary& summary) {
  const bool write = date.index == 0;
  const std::filesystem::path dir = write ? make_dir(ds, "Raws", g, date) : std::filesystem::path();
  std::vector<Image> frames(static_cast<std::size_t>(g.frames));
  parallel_for(0, frames.size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const int sequence = static_cast<int>(i) + 1;
      const RawFrame raw = raw_frame(ds, date, g, sequence, illumination);
      if (write) {
        const auto file =
            ds.path(dir / itelescope::format_calibration_name(name_of(ds, g, sequence)));
        write_uint16_image(file, raw.stored, static_cast<std::size_t>(ds.width),
                           static_cast<std::size_t>(ds.height), raw.header);
      }
      frames[i] = to_adu(raw.stored, ds);
    }
  });
  if (write) summary.raw_files += frames.size();
  return frames;
}

void write_master(const Dataset& ds, const CalibrationDate& date, const Group& g,
                  const Image& image, const std::string& calstat, CalibrationSummary& summary) {
  const auto relative =
      make_dir(ds, "Masters", g, date) / itelescope::format_calibration_name(name_of(ds, g, 0));
  const double temp = static_cast<double>(ds.set_temp());
  Header h = maxim_header(ds, imagetyp(g.type), filter_of(ds, g), g.exposure_s, g.start, temp);
  h.set("CALSTAT", calstat, "calibration state: B bias, D dark, F flat, M master");
  h.set("NCOMBINE", g.frames, "number of frames combined");
  h.set("BUNIT", "adu");
  h.set("DATE", iso_time(date.time + 6 * 3600), "file creation date (UTC)");
  h.add_history(fmt::format(
      "ap simulate: mean of {} raw frames without the lowest and highest value", g.frames));
  FitsWriter writer(ds.path(relative));
  writer.add_image(image, h);
  writer.commit();
  summary.masters.push_back(
      {relative, folder(g.type), date.name, filter_of(ds, g), calstat, g.frames});
}

void subtract(Image& a, const Image& b, float scale = 1.0F) {
  const auto pa = a.pixels();
  const auto pb = b.pixels();
  for (std::size_t i = 0; i < pa.size(); ++i) pa[i] -= scale * pb[i];
}

double mean_of(const Image& image) {
  const auto p = image.pixels();
  return std::accumulate(p.begin(), p.end(), 0.0) / static_cast<double>(p.size());
}

void make_date(const Dataset& ds, const CalibrationDate& date, CalibrationSummary& summary) {
  const SimulateOptions& o = ds.options;
  Group bias{CalibrationType::kBias, -1, 0.0, o.bias_frames, date.time};
  Group dark{CalibrationType::kDark, -1, o.exposure_s, o.dark_frames,
             date.time + o.bias_frames * kReadoutS};
  const Image master_bias = combine(raw_group(ds, date, bias, nullptr, summary));
  write_master(ds, date, bias, master_bias, "M", summary);

  const Image combined_dark = combine(raw_group(ds, date, dark, nullptr, summary));
  Image dark_current = combined_dark;
  subtract(dark_current, master_bias);  // dark current alone, in ADU over the dark exposure
  // CALSTAT 'M': the master dark still holds the bias; 'BM': it has been subtracted.
  write_master(ds, date, dark, date.dark_calstat == "M" ? combined_dark : dark_current,
               date.dark_calstat, summary);

  FlatOptions flat_options;
  flat_options.vignetting = o.physics.vignetting;
  flat_options.dust = o.physics.dust;
  flat_options.x_origin = ds.x_origin;
  flat_options.y_origin = ds.y_origin;
  const UnixTime dusk = date.time + 5 * 3600 + 1800;
  for (std::size_t f = 0; f < o.filters.size(); ++f) {
    const int index = static_cast<int>(f);
    Group flat{
        CalibrationType::kFlat, index, o.flat_exposure_s, o.flat_frames,
        dusk + index * o.flat_frames * (static_cast<UnixTime>(o.flat_exposure_s) + kReadoutS)};
    const FlatField other = date.index == 0
                                ? FlatField{}
                                : make_flat_field(ds.detector, *ds.telescope, o.filters[f],
                                                  date.index, flat_options, o.seed);
    const Image& illumination = date.index == 0 ? ds.flats[f].response : other.response;
    std::vector<Image> frames = raw_group(ds, date, flat, &illumination, summary);
    // Bias and scaled dark removed, each frame scaled to the mean level before combining.
    double level = 0.0;
    for (Image& frame : frames) {
      subtract(frame, master_bias);
      subtract(frame, dark_current, static_cast<float>(o.flat_exposure_s / o.exposure_s));
      const double m = mean_of(frame);
      level += m / static_cast<double>(frames.size());
      for (float& v : frame.pixels()) v = static_cast<float>(v / m);
    }
    Image master = combine(frames);
    for (float& v : master.pixels()) v = static_cast<float>(v * level);
    write_master(ds, date, flat, master, "BDM", summary);
  }
}

}  // namespace

CalibrationSummary make_calibration(const Dataset& ds) {
  auto log = logger("simulate");
  CalibrationSummary summary;
  for (const CalibrationDate& date : ds.dates) {
    make_date(ds, date, summary);
    log->info("calibration masters for {} done", date.name);
  }
  return summary;
}

}  // namespace ap::sim
