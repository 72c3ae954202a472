#include "calib/badpix.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>

#include "core/error.h"
#include "core/stats.h"

namespace ap {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void malformed(const fs::path& file, const YAML::Node& node, const std::string& what) {
  throw input_error(file.string(), fmt::format("line {}: {}", node.Mark().line + 1, what));
}

long integer(const fs::path& file, const YAML::Node& node, const std::string& section) {
  try {
    if (node.IsScalar()) return node.as<long>();
  } catch (const YAML::Exception&) {
  }
  malformed(file, node, fmt::format("{} entry '{}' is not an integer", section,
                                    node.IsScalar() ? node.Scalar() : YAML::Dump(node)));
}

// A section: absent, null, {} or [] is empty; otherwise a list.
YAML::Node section(const fs::path& file, const YAML::Node& root, const char* key) {
  const YAML::Node& r = root;
  const YAML::Node node = r[key];
  if (!node || node.IsNull() || (node.IsMap() && node.size() == 0)) return {};
  if (!node.IsSequence()) malformed(file, node, fmt::format("{} must be a list", key));
  return node;
}

}  // namespace

UserBadpix read_user_badpix(const fs::path& yaml) {
  UserBadpix u;
  u.file = yaml.filename().string();
  YAML::Node root;
  try {
    root = YAML::LoadFile(yaml.string());
  } catch (const YAML::BadFile&) {
    throw input_error(yaml.string(), "cannot read the bad-pixel file");
  } catch (const YAML::ParserException& e) {
    throw input_error(yaml.string(), fmt::format("line {}: {}", e.mark.line + 1, e.msg));
  }
  if (root.IsNull()) return u;  // an empty file: no user defects
  if (!root.IsMap()) {
    throw input_error(yaml.string(), "expected bad_columns, bad_rows, bad_rectangles");
  }
  for (const auto& item : root) {
    if (!item.first.IsScalar()) malformed(yaml, item.first, "a key must be a plain name");
    const std::string key = item.first.Scalar();
    if (key != "bad_columns" && key != "bad_rows" && key != "bad_rectangles") {
      malformed(yaml, item.first, fmt::format("unknown key '{}'", key));
    }
  }
  for (const auto& n : section(yaml, root, "bad_columns")) {
    u.columns.push_back(integer(yaml, n, "bad_columns"));
  }
  for (const auto& n : section(yaml, root, "bad_rows")) {
    u.rows.push_back(integer(yaml, n, "bad_rows"));
  }
  for (const auto& n : section(yaml, root, "bad_rectangles")) {
    if (!n.IsSequence() || n.size() != 4) {
      malformed(yaml, n, fmt::format("bad_rectangles entry {} is not [row_start, row_end, "
                                     "col_start, col_end]",
                                     YAML::Dump(n)));
    }
    std::array<long, 4> r{};
    for (std::size_t i = 0; i < 4; ++i) r[i] = integer(yaml, n[i], "bad_rectangles");
    if (r[0] > r[1] || r[2] > r[3]) {
      malformed(yaml, n,
                fmt::format("bad_rectangles entry {} has a reversed range", YAML::Dump(n)));
    }
    u.rectangles.push_back(r);
  }
  return u;
}

BadpixResult find_bad_pixels(const Image& dark, const BadpixOptions& o, const UserBadpix* user) {
  BadpixResult r;
  const std::size_t w = dark.width(), h = dark.height();
  r.mask = Mask(w, h, 0);
  const ClippedStats s =
      sigma_clipped_stats(dark.pixels(), SigmaClipOptions::symmetric(o.sigma, 5));
  r.median = s.median;
  r.std = s.std;
  const double lo = s.median - o.sigma * s.std, hi = s.median + o.sigma * s.std;
  for (std::size_t i = 0; i < dark.size(); ++i) {
    const float v = dark.data()[i];
    if (v > hi) {
      r.mask.data()[i] |= kMaskHot;
      ++r.hot;
    } else if (v < lo) {
      r.mask.data()[i] |= kMaskCold;
      ++r.cold;
    }
  }
  if (user == nullptr) return r;
  // One box per entry, in FITS coordinates (1-based inclusive).
  const auto flag = [&](long x0, long x1, long y0, long y1, const std::string& what) {
    if (x0 < 1 || y0 < 1 || x1 > static_cast<long>(w) || y1 > static_cast<long>(h)) {
      r.warnings.push_back(fmt::format("{}: {} is outside the {}x{} image, skipped", user->file,
                                       what, w, h));
      return;
    }
    for (long y = y0; y <= y1; ++y) {
      for (long x = x0; x <= x1; ++x) {
        std::uint8_t& m = r.mask(static_cast<std::size_t>(x - 1), static_cast<std::size_t>(y - 1));
        if ((m & kMaskUser) == 0) ++r.user;
        m |= kMaskUser;
      }
    }
  };
  const long W = static_cast<long>(w), H = static_cast<long>(h);
  for (const long c : user->columns) flag(c, c, 1, H, fmt::format("column {}", c));
  for (const long row : user->rows) flag(1, W, row, row, fmt::format("row {}", row));
  for (const auto& b : user->rectangles) {
    flag(b[2], b[3], b[0], b[1],
         fmt::format("rectangle [{}, {}, {}, {}]", b[0], b[1], b[2], b[3]));
  }
  return r;
}

}  // namespace ap
