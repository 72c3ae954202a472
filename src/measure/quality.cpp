#include "measure/quality.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "astro/ephemeris.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/stats.h"
#include "itelescope/names.h"

namespace ap {
namespace {

namespace fs = std::filesystem;

void flatten(const YAML::Node& node, const std::string& prefix,
             std::map<std::string, std::string>& out, std::vector<std::string>& order) {
  const auto put = [&](const std::string& key, std::string value) {
    if (!out.count(key)) order.push_back(key);
    out[key] = std::move(value);
  };
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      flatten(kv.second, prefix.empty() ? key : prefix + "." + key, out, order);
    }
  } else if (node.IsSequence()) {
    std::string joined;
    for (const auto& item : node) joined += (joined.empty() ? "" : "; ") + item.as<std::string>("");
    put(prefix, joined);
  } else if (node.IsScalar()) {
    put(prefix, node.as<std::string>());
  } else {
    put(prefix, "");
  }
}

std::optional<double> number(const std::map<std::string, std::string>& v, const std::string& key) {
  const auto it = v.find(key);
  if (it == v.end() || it->second.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0' || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::string text(const std::map<std::string, std::string>& v, const std::string& key) {
  const auto it = v.find(key);
  return it == v.end() ? std::string() : it->second;
}

std::string group_of(const std::map<std::string, std::string>& v) {
  std::string target = text(v, "image_info.object"), telescope = text(v, "image_info.telescope");
  const std::string filter = text(v, "image_info.filter");
  if (target.empty() || telescope.empty()) {
    const auto name =
        itelescope::parse_raw_light_name(fs::path(text(v, "image_info.file")).filename().string());
    if (name) {
      if (target.empty()) target = name->target;
      if (telescope.empty()) telescope = name->telescope;
    }
  }
  const auto clean = [](std::string s) {
    std::replace(s.begin(), s.end(), ' ', '_');
    return s.empty() ? std::string("unknown") : s;
  };
  return clean(target) + ":" + clean(telescope) + ":" + clean(filter);
}

struct Robust {
  double median = 0.0, spread = 0.0;
  bool usable = false;
};

Robust robust(const std::vector<const QualityFrame*>& group,
              std::optional<double> QualityFrame::*metric, double floor_frac, double floor_abs) {
  std::vector<float> v;
  for (const QualityFrame* f : group)
    if (f->*metric) v.push_back(static_cast<float>(*(f->*metric)));
  Robust r;
  if (v.size() < 3) return r;  // too few frames to call one an outlier
  r.median = median(v);
  r.spread = std::max({mad_std(v), floor_frac * std::abs(r.median), floor_abs});
  r.usable = r.spread > 0;
  return r;
}

void grade_group(std::vector<QualityFrame*>& group, const QualityOptions& o) {
  const std::vector<const QualityFrame*> view(group.begin(), group.end());
  const Robust fwhm = robust(view, &QualityFrame::fwhm, o.min_spread, 0.0);
  const Robust ell = robust(view, &QualityFrame::ellipticity, 0.0, o.min_ellipticity_spread);
  const Robust stars = robust(view, &QualityFrame::stars, o.min_spread, 1.0);
  const Robust bg = robust(view, &QualityFrame::background, o.min_spread, 0.0);
  const Robust noise = robust(view, &QualityFrame::sky_noise, 0.0, 0.0);
  const auto z = [](const std::optional<double>& v, const Robust& r) {
    return v && r.usable ? (*v - r.median) / r.spread : 0.0;
  };
  double best = 0.0;
  for (QualityFrame* f : group) {
    if (z(f->fwhm, fwhm) > o.fwhm_sigma) f->flags.push_back("fwhm");
    if (z(f->ellipticity, ell) > o.ellipticity_sigma) f->flags.push_back("ellipticity");
    if (z(f->stars, stars) < -o.stars_sigma) f->flags.push_back("stars");
    if (z(f->background, bg) > o.background_sigma) f->flags.push_back("background");
    if (!f->fwhm || !f->stars || *f->stars <= 0) f->flags.push_back("unmeasured");
    f->poor = !f->flags.empty();
    if (f->poor) continue;
    const auto ratio = [](const std::optional<double>& v, const Robust& r) {
      return v && r.median > 0 && *v > 0 ? *v / r.median : 1.0;
    };
    const double rf = ratio(f->fwhm, fwhm), rn = ratio(f->sky_noise, noise);
    f->weight = ratio(f->stars, stars) / (rf * rf * rn * rn);
    best = std::max(best, f->weight);
  }
  for (QualityFrame* f : group) f->weight = best > 0 ? f->weight / best : 0.0;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string opt(const std::optional<double>& v) { return v ? fmt::format("{:.6g}", *v) : ""; }

}  // namespace

std::vector<fs::path> find_quality_reports(const fs::path& dir, const QualityOptions& o) {
  if (!fs::is_directory(dir))
    throw Error(ExitCode::kBadInput, fmt::format("{}: not a directory", dir.string()));
  std::vector<fs::path> out;
  const auto take = [&](const fs::directory_entry& e) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() >= o.prefix.size() + o.suffix.size() &&
        name.rfind(o.prefix, 0) == 0 && name.compare(name.size() - o.suffix.size(), o.suffix.size(), o.suffix) == 0)
      out.push_back(e.path());
  };
  if (o.walk_tree) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) take(e);
  } else {
    for (const auto& e : fs::directory_iterator(dir)) take(e);
  }
  std::sort(out.begin(), out.end());
  return out;
}

QualitySummary grade_quality(const std::vector<fs::path>& reports, const QualityOptions& o) {
  QualitySummary s;
  for (const fs::path& path : reports) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(path.string());
    } catch (const YAML::Exception& e) {
      throw Error(ExitCode::kBadInput, fmt::format("{}: not valid YAML: {}", path.string(), e.msg));
    }
    if (!root.IsMap())
      throw Error(ExitCode::kBadInput, fmt::format("{}: not a quality report (no mapping)", path.string()));
    QualityFrame f;
    f.report = path;
    flatten(root, "", f.values, s.columns);
    f.group = group_of(f.values);
    f.mjd = number(f.values, "image_info.mjd-mid");
    if (!f.mjd)
      if (const auto t = astro::UtcTime::parse(text(f.values, "image_info.date-obs"))) f.mjd = t->mjd();
    f.fwhm = number(f.values, "psf_info.fwhm_val_pix");
    f.ellipticity = number(f.values, "psf_info.ellipticity");
    f.stars = number(f.values, "quality_info.star_count");
    if (!f.stars) f.stars = number(f.values, "source_info.num_detected");
    f.background = number(f.values, "background_info.median");
    f.sky_noise = number(f.values, "background_info.stddev");
    f.airmass = number(f.values, "image_info.airmass");
    s.frames.push_back(std::move(f));
  }
  std::stable_sort(s.frames.begin(), s.frames.end(), [](const QualityFrame& a, const QualityFrame& b) {
    if (a.group != b.group) return a.group < b.group;
    return a.mjd.value_or(0.0) < b.mjd.value_or(0.0);
  });
  for (std::size_t i = 0; i < s.frames.size();) {
    std::vector<QualityFrame*> group;
    std::size_t j = i;
    for (; j < s.frames.size() && s.frames[j].group == s.frames[i].group; ++j) group.push_back(&s.frames[j]);
    grade_group(group, o);
    i = j;
  }
  return s;
}

std::string quality_csv(const QualitySummary& s) {
  std::string out = "targ:tel:filter,report,mjd,fwhm_pix,ellipticity,star_count,background,"
                    "sky_noise,airmass,poor,flags,weight";
  for (const std::string& c : s.columns) { out += ','; out += csv_cell(c); }
  out += "\n";
  for (const QualityFrame& f : s.frames) {
    std::string flags;
    for (const std::string& g : f.flags) flags += (flags.empty() ? "" : ";") + g;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{:.4f}", csv_cell(f.group),
                       csv_cell(f.report.string()), f.mjd ? fmt::format("{:.6f}", *f.mjd) : "",
                       opt(f.fwhm), opt(f.ellipticity), opt(f.stars), opt(f.background),
                       opt(f.sky_noise), opt(f.airmass), f.poor ? 1 : 0, flags, f.weight);
    for (const std::string& c : s.columns) {
      out += ',';
      out += csv_cell(text(f.values, c));
    }
    out += "\n";
  }
  return out;
}

std::string quality_json(const QualitySummary& s) {
  nlohmann::json frames = nlohmann::json::array();
  const auto num = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  for (const QualityFrame& f : s.frames) {
    frames.push_back({{"group", f.group},       {"report", f.report.string()},
                      {"mjd", num(f.mjd)},      {"fwhm_pix", num(f.fwhm)},
                      {"ellipticity", num(f.ellipticity)}, {"star_count", num(f.stars)},
                      {"background", num(f.background)},   {"sky_noise", num(f.sky_noise)},
                      {"airmass", num(f.airmass)}, {"poor", f.poor},
                      {"flags", f.flags},       {"weight", f.weight},
                      {"file", text(f.values, "image_info.file")}});
  }
  return nlohmann::json{{"frames", frames}}.dump(1) + "\n";
}

std::string frame_key(const fs::path& path) {
  const std::string stem = path.stem().string();
  const auto raw = stem.find("raw-");
  return raw == std::string::npos ? stem : stem.substr(raw);
}

std::map<std::string, FrameGrade> read_frame_grades(const fs::path& file) {
  std::map<std::string, FrameGrade> out;
  const std::string content = read_file(file);
  if (file.extension() == ".json") {
    try {
      const nlohmann::json summary = nlohmann::json::parse(content);  // alive through the loop
      for (const auto& f : summary.at("frames"))
        out[frame_key(f.value("file", ""))] = {f.value("weight", 1.0), f.value("poor", false)};
    } catch (const nlohmann::json::exception& e) {
      throw Error(ExitCode::kBadInput, fmt::format("{}: not an ap quality summary: {}", file.string(), e.what()));
    }
    return out;
  }
  const auto split = [](const std::string& l) {  // the CSV as quality_csv() quotes it
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : l) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) cells.push_back(cell), cell.clear();
      else cell += c;
    }
    cells.push_back(cell);
    return cells;
  };
  std::istringstream in(content);
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  const auto col = [&](const char* name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw Error(ExitCode::kBadInput, fmt::format("{}: no '{}' column", file.string(), name));
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t cfile = col("image_info.file"), cweight = col("weight"), cpoor = col("poor");
  while (std::getline(in, line)) {
    const auto cells = split(line);
    if (cells.size() <= std::max({cfile, cweight, cpoor})) continue;
    out[frame_key(cells[cfile])] = {std::stod(cells[cweight]), cells[cpoor] == "1"};
  }
  return out;
}

}  // namespace ap
