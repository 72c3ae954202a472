// Master calibration frames: raw bias, dark or flat frames combined pixel by
// pixel into one master with a rejection mask and an uncertainty map.
//
// Default rejection, the original's (ccdproc.combine with sigma_clip=True,
// thresholds 5, sigma_clip_func=np.ma.median, sigma_clip_dev_func=mad_std):
// for each pixel, over its n finite values, centre c = median, spread
// s = mad_std; a value v is rejected when v < c - sigma*s or v > c + sigma*s
// (one pass, strict comparisons: s = 0 keeps only the values equal to c). The
// result is the mean of the survivors; UNCERT is the population standard
// deviation of the survivors over sqrt(survivors). The arithmetic is that of
// numpy in double precision on the float32 inputs, so the decisions are
// ccdproc's. Fixed: NaN and inf values are left out of every statistic (in
// ccdproc a NaN makes its pixel's median NaN and switches off the rejection).
//
// Frames are processed in blocks of rows (all frames' rows y0..y1 at a time),
// so memory stays bounded whatever the number of frames; the result does not
// depend on the block size or the thread count.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/fits.h"
#include "core/header.h"
#include "core/image.h"

namespace ap {

// How each pixel's values are combined (bounds: centre median, spread mad_std).
enum class CombineMethod {
  kSigmaClip,   // mean of the values within the sigma bounds (default)
  kMedian,      // median; UNCERT = mad_std / sqrt(n)
  kMean,        // mean of all values
  kMinMax,      // mean after dropping the min_reject lowest and max_reject highest values
  kWinsorized,  // mean after moving the values beyond the sigma bounds onto the bounds
};

// "sigclip", "median", "mean", "minmax", "winsorized" (any case); throws ap::Error (kUsage).
CombineMethod parse_combine_method(std::string_view name);
std::string_view combine_method_name(CombineMethod method);

struct CombineOptions {
  CombineMethod method = CombineMethod::kSigmaClip;
  double sigma = 5.0;          // kSigmaClip, kWinsorized: bound in mad_std units
  std::size_t min_reject = 1;  // kMinMax
  std::size_t max_reject = 1;
  std::size_t block_rows = 0;  // rows per block; 0: as many as memory_mb allows
  std::size_t memory_mb = 4;   // row blocks of all frames; small blocks stay in the cache
};

struct CombineResult {
  Image image;   // float32; NaN where no value was kept
  Mask mask;     // kMaskNoData: no finite value; kMaskRejected: every finite value rejected
  Image uncert;  // standard error of the combined value
  std::size_t rejected = 0;  // finite values rejected (kWinsorized: moved onto a bound)
  std::size_t nodata = 0;    // pixels without any finite value
};

// Fills `out` (rows * width values) with rows [y0, y0 + rows) of frame `frame`.
// Called from several threads at once, for different frames.
using RowSource =
    std::function<void(std::size_t frame, std::size_t y0, std::size_t rows, std::span<float> out)>;

// Combines `frames` frames of width x height supplied row block by row block.
CombineResult combine_rows(std::size_t frames, std::size_t width, std::size_t height,
                           const RowSource& source, const CombineOptions& options);

// Combines frames held in memory (all of the same shape, at least one).
CombineResult combine(std::span<const Image> frames, const CombineOptions& options = {});

// ---------------------------------------------------------------------------
// Master frames from files: discovery, consistency checks, temperature
// selection, flat preparation, and the master's header.

enum class FrameType { kAuto, kBias, kDark, kFlat, kOther };

// "auto", "bias", "dark", "flat" (any case); throws ap::Error (kUsage).
FrameType parse_frame_type(std::string_view name);
// From IMAGETYP: 'Bias Frame', 'zero' -> kBias, '...dark...' -> kDark, '...flat...' -> kFlat
// (case-insensitive); anything else, or nothing, is kOther.
FrameType frame_type_of(std::string_view imagetyp);

// Files of `dir` (no recursion) ending in .fit, .fits or .fts, optionally
// followed by .gz or .fz (any case), except those whose name matches the
// shell glob `exclude` (case-insensitive; empty: none), sorted by name.
std::vector<std::filesystem::path> find_frames(const std::filesystem::path& dir,
                                               std::string_view exclude = "master*");

// Directories expanded with find_frames and files as given, sorted, without
// duplicates. Throws ap::Error (kBadInput) naming a path that does not exist.
std::vector<std::filesystem::path> collect_frames(const std::vector<std::filesystem::path>& inputs,
                                                  std::string_view exclude = "master*");

// Exposure time in seconds (EXPOSURE, else EXPTIME); throws ap::Error
// (kBadInput) naming `path` and what it is needed for ("to scale the dark")
// when there is no positive one.
double exposure_seconds(const Header& header, const std::filesystem::path& path,
                        std::string_view what);

// What the checks need to know about one input frame.
struct FrameHeader {
  std::filesystem::path path;
  Header header;
  std::size_t width = 0, height = 0;
};

// Throws ap::Error (kBadInput) with a one-line message naming the odd file(s)
// and the keyword when the frames differ in size, XBINNING, YBINNING,
// TELESCOP, IMAGETYP or SET-TEMP, in EXPTIME (darks) or in FILTER (flats).
// A keyword missing from some frames and present in others counts as a
// difference. The value most frames share is the norm (the first frame's on
// a tie); the others are named.
void check_consistent(std::span<const FrameHeader> frames, FrameType type);

struct TemperatureSelection {
  std::optional<double> reference;   // SET-TEMP, else the median CCD-TEMP; none: no CCD-TEMP
  std::vector<std::size_t> kept;     // indices into the frames, in order
  std::vector<std::size_t> dropped;  // CCD-TEMP outside reference +- tolerance
  std::vector<std::size_t> unknown;  // no CCD-TEMP (kept)
};

// Frames whose CCD-TEMP is within `tolerance` (inclusive) of the reference.
TemperatureSelection select_by_temperature(std::span<const FrameHeader> frames, double tolerance);

struct MasterOptions {
  FrameType type = FrameType::kAuto;  // kAuto: from the first frame's IMAGETYP
  CombineOptions combine;
  std::string telescop = "UNKNOWN";  // TELESCOP when the inputs' is blank or missing
  double temp_tolerance = 0.5;       // deg C
  // Masters subtracted from each frame before combining: the bias from darks
  // and flats, the dark (scaled by exposure, EXPOSURE or EXPTIME) from flats.
  // A dark whose CALSTAT lacks 'B' still holds the bias; it is then scaled
  // without its bias, which needs the bias master unless the exposures agree.
  std::filesystem::path bias;
  std::filesystem::path dark;
  std::string hdu;  // image HDU of the inputs (ReadOptions::hdu)
};

struct MasterResult {
  Image image;
  Mask mask;
  Image uncert;
  Header header;  // primary header: the first used frame's, updated (see make_master)
  FrameType type = FrameType::kOther;
  std::vector<std::filesystem::path> used;
  std::vector<std::filesystem::path> dropped;  // by temperature
  std::size_t rejected = 0;
};

// Combines the frames (PEDESTAL applied, as every reader does) into a master:
//   - checks (check_consistent) and temperature selection; fewer than 2
//     frames left is an error (kBadInput);
//   - flats: bias and scaled dark subtracted when given, each frame divided
//     by its median, the master normalised to median 1 (no BUNIT);
//   - header: the first used frame's without UT, TIME-OBS, SWOWNER, SWCREATE,
//     SBSTDVER; IMAGETYP 'MASTER BIAS|DARK|FLAT' (other types: the input's,
//     lower case), TELESCOP, SET-TEMP = CCD-TEMP = reference temperature,
//     BUNIT 'adu', COMBINED, NCOMBINE, COMBMETH, CREATOR, CALSTAT ('M', with
//     'B'/'D' in front when the bias/dark was subtracted), BIASFILE,
//     DARKFILE, IFILEnnn (file names in order). The caller adds stamp().
MasterResult make_master(const std::vector<std::filesystem::path>& files,
                         const MasterOptions& options);

// Adds the master's HDUs to `writer` (image, MASK, UNCERT) and commits.
void write_master(FitsWriter& writer, const MasterResult& master);

}  // namespace ap
