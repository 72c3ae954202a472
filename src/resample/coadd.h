// Combining frames on one sky grid: `ap coadd` (inputs already resampled to
// the grid, with their WEIGHT maps) and `ap stack` (resampling and combining
// in one pass, with no intermediate files). Both work in bands of output
// rows so that memory stays within memory_bytes whatever the number of
// frames: each band reads only the input rows it needs.
//
// Per pixel, over the frames that cover it (weight > 0): median, mean,
// weighted mean (pixel weight x frame weight), sigma-clipped weighted mean
// (median centre, std spread, 5 passes) or sum. Outputs: the image, the
// summed weight and the exposure map (seconds of exposure per pixel).
// `ap stack` leaves out the pixels an input's MASK HDU flags (any bit), as
// resample() does with its `bad` mask.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>
#include <vector>

#include "core/header.h"
#include "resample/resample.h"

namespace ap {

enum class Combine { kMedian, kMean, kWeightedMean, kSigmaClip, kSum };
// "median", "mean", "wmean", "sigclip", "sum"; throws ap::Error (kUsage) otherwise.
Combine parse_combine(std::string_view name);
const char* combine_name(Combine c);

struct CoaddOptions {
  Combine combine = Combine::kMedian;
  double sigma = 3.0;
  bool fscale_exposure = false;  // divide each frame by its exposure (ADU/s), as FSCALE
  // Multiply each frame's weight by its inverse sky variance (clipped, from
  // a sample of rows), normalised to a mean of 1 over the frames.
  bool inverse_variance = false;
  ResampleOptions resample;      // stack only
  std::size_t memory_bytes = std::size_t{1} << 30;
};

struct StackInput {
  std::filesystem::path image;
  double weight = 1.0;  // frame weight (quality grade); 0 leaves the frame out
};

struct Coadded {
  Image image, weight, exposure;
  Header header;  // WCS of the grid, NCOMBINE, EXPTIME (total), the inputs
};

// The inputs' footprints (their WCS and sizes), for choose_grid(). Throws
// ap::Error (kBadInput) naming a file without a WCS.
std::vector<Footprint> footprints(const std::vector<StackInput>& inputs);

// Inputs on one grid (same size and WCS, e.g. from `ap resample`).
Coadded coadd_files(const std::vector<StackInput>& inputs, const CoaddOptions& options);

// Inputs anywhere on the sky, resampled onto `grid` while combining.
Coadded stack_files(const std::vector<StackInput>& inputs, const Grid& grid, const CoaddOptions& options);

// Writes the image (header: the first input's without its WCS, plus the
// coadd's keywords and a HISTORY card "<command>: <parameters>"), WEIGHT and
// EXPOSURE HDUs; refuses to overwrite an input.
void write_coadded(const std::filesystem::path& out, const Coadded& coadded,
                   const std::vector<StackInput>& inputs, std::string_view command,
                   std::string_view parameters);

}  // namespace ap
