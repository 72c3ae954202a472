// The night report: report/index.html, one self-contained page (styles
// inline, images embedded as data: URIs, no script, no network) that opens
// from disk anywhere.
//
// Per group (target, telescope, filter, night): a table of the frames with
// their status, calibration choices, quality metrics and flags, and a
// thumbnail of each; the group's plots. Then previews of the products
// (stacks, continuum images, colour composites), the run's summary table and
// the time spent per stage.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ap::pipeline {

// An image for the page: PNG bytes and a caption.
struct ReportImage {
  std::string caption;
  std::string png;
};

struct ReportFrame {
  std::string name;    // file name of the raw frame
  std::string status;  // OK, FAIL, ... (executor outcome of its last step)
  std::vector<std::pair<std::string, std::string>> calibration;  // ("bias", "Master_Bias_...")
  std::vector<std::pair<std::string, std::string>> metrics;      // ("FWHM", "2.31 px")
  std::vector<std::string> flags;                                // "poor FWHM", ...
  std::string thumbnail_png;                                     // empty: none
};

struct ReportGroup {
  std::string key;  // "NGC_6888:T20:Ha:20200716"
  std::vector<ReportFrame> frames;
  std::vector<ReportImage> plots;
};

struct NightReport {
  std::string title;
  std::vector<ReportGroup> groups;
  std::vector<ReportImage> products;
  std::vector<std::pair<std::string, double>> stage_seconds;
  std::string summary;  // the executor's summary table, shown as text
};

// The page as text.
std::string render_report(const NightReport& report);

// Writes <dir>/index.html atomically; throws ap::Error (kOutputError).
void write_report(const std::filesystem::path& dir, const NightReport& report);

}  // namespace ap::pipeline
