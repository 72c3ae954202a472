// Quality grading of a night: `ap quality` (the original's
// ap_quality_summary, which only collated the reports into a CSV).
//
// Reports (the YAML written by `ap stars --quality_report`) are read in
// sorted path order, flattened to "section.key" values (missing keys and
// sections are empty, not errors) and grouped by target:telescope:filter
// (from image_info, or from the iTelescope file name when the headers are
// empty). Within each group every frame's FWHM, ellipticity, star count
// and sky background are compared with the group median in units of the
// robust spread (MAD std, floored at a fraction of the median so that a
// night of near-identical frames does not flag noise). A frame is poor when
// its FWHM, ellipticity or background is too high or its star count (the
// transparency) too low. Good frames get a stacking weight
//   w = (N / N_med) / ((FWHM / FWHM_med)^2 (sky_noise / noise_med)^2),
// scaled so the best frame of the group has 1; poor frames get 0.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ap {

struct QualityOptions {
  std::string prefix = "qual";
  std::string suffix = ".yaml";
  bool walk_tree = false;
  double fwhm_sigma = 3.0;        // flag FWHM above median + k spread
  double ellipticity_sigma = 3.0;
  double stars_sigma = 3.0;       // flag star counts below median - k spread
  double background_sigma = 3.0;
  double min_spread = 0.05;       // spread floor, as a fraction of the median
  double min_ellipticity_spread = 0.02;  // absolute floor (ellipticities sit near 0)
};

struct QualityFrame {
  std::filesystem::path report;
  std::string group;                          // "target:telescope:filter"
  std::map<std::string, std::string> values;  // "section.key" -> text
  std::optional<double> mjd;                  // from image_info.date-obs
  std::optional<double> fwhm, ellipticity, stars, background, sky_noise, airmass;
  std::vector<std::string> flags;  // e.g. "fwhm", "stars"
  bool poor = false;
  double weight = 0.0;
};

struct QualitySummary {
  std::vector<QualityFrame> frames;  // grouped, each group in time order
  std::vector<std::string> columns;  // flattened report keys, first-seen order
};

// The report files under `dir` matching <prefix>*<suffix>, sorted.
std::vector<std::filesystem::path> find_quality_reports(const std::filesystem::path& dir,
                                                        const QualityOptions& options);

// Reads and grades the reports. A file that is not a YAML mapping is an
// ap::Error (kBadInput) naming it; missing sections or keys only leave
// values empty (such a frame cannot be graded on them and is not flagged).
QualitySummary grade_quality(const std::vector<std::filesystem::path>& reports,
                             const QualityOptions& options);

// CSV: group, report, the computed columns (mjd, fwhm, ..., poor, flags,
// weight), then every flattened report key.
std::string quality_csv(const QualitySummary& summary);
std::string quality_json(const QualitySummary& summary);

// PNG: FWHM, background, star count and airmass against time, one colour per group.
std::string quality_plot_png(const QualitySummary& summary);

// The raw name inside a derived file name ("nav_raw-T20-...-001.fits" ->
// "raw-T20-...-001"), which pairs frames with their quality grades; the
// stem when there is none.
std::string frame_key(const std::filesystem::path& path);

struct FrameGrade {
  double weight = 1.0;
  bool poor = false;
};

// The grades of quality_json() or quality_csv() output (by extension), by
// frame_key of each report's image. Throws ap::Error (kBadInput) naming the
// file when it lacks the needed fields.
std::map<std::string, FrameGrade> read_frame_grades(const std::filesystem::path& file);

}  // namespace ap
