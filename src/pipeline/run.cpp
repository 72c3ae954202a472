#include "pipeline/run.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "core/png.h"
#include "pipeline/discover.h"
#include "pipeline/lock.h"
#include "pipeline/manifest.h"
#include "pipeline/plan.h"
#include "pipeline/report.h"

namespace ap::pipeline {
namespace fs = std::filesystem;
namespace {

struct RunSection {
  std::string data = "data";
  std::string out = "out";
  std::vector<std::string> stages;
  int jobs = 1;
};

void bind(ConfigSection& s, RunSection& r) {
  s.value("data", r.data, "directory searched recursively for raw light frames");
  s.value("out", r.out, "output directory (Calibrated/, SourceLists/, ..., report/)");
  s.value("stages", r.stages, "stages to run, in pipeline order (all enabled ones when empty)");
  s.value("jobs", r.jobs, "frames processed at once");
}

std::vector<std::string> section_names(const std::vector<std::unique_ptr<Stage>>& stages) {
  std::vector<std::string> names{"run"};
  for (const auto& s : stages) names.emplace_back(s->name());
  return names;
}

// The report: per group its frames with status and a preview of the last
// image each one reached.
// Metrics of a frame's quality report, and its grade from the group's summary.
void add_quality(ReportFrame& rf, const PlannedFrame& f, const nlohmann::json* grades) {
  const auto it = f.products.find("quality");
  if (it == f.products.end() || !fs::exists(it->second.path)) return;
  const YAML::Node q = YAML::LoadFile(it->second.path.string());
  const auto metric = [&](const char* label, const char* section, const char* key, const char* unit) {
    const YAML::Node v = q[section][key];
    if (v && v.IsScalar()) rf.metrics.emplace_back(label, fmt::format("{:.4g}{}", v.as<double>(), unit));
  };
  metric("FWHM", "psf_info", "fwhm_val_pix", " px");
  metric("FWHM\"", "psf_info", "fwhm_val_arcs", "\"");
  metric("ellipticity", "psf_info", "ellipticity", "");
  metric("stars", "quality_info", "star_count", "");
  metric("sky", "background_info", "median", " ADU");
  metric("sky noise", "background_info", "stddev", " ADU");
  metric("airmass", "image_info", "airmass", "");
  if (!grades) return;
  for (const auto& g : (*grades)["frames"]) {
    if (g.value("report", "") != it->second.path.string()) continue;
    rf.metrics.emplace_back("weight", fmt::format("{:.3f}", g.value("weight", 0.0)));
    for (const auto& flag : g["flags"]) rf.flags.push_back("poor " + flag.get<std::string>());
  }
}

void write_night_report(const fs::path& dir, Plan& plan, const std::vector<Task>& tasks,
                        const std::vector<TaskResult>& results) {
  NightReport report;
  report.title = "ap run: night report";
  std::map<std::string, ReportGroup> groups;
  std::map<std::string, nlohmann::json> grades;
  for (auto& [key, products] : plan.group_products()) {
    ReportGroup& g = groups[key];
    g.key = key;
    if (const auto it = products.find("quality_json"); it != products.end() && fs::exists(it->second.path))
      grades[key] = nlohmann::json::parse(read_file(it->second.path));
    if (const auto it = products.find("quality_png"); it != products.end() && fs::exists(it->second.path))
      g.plots.push_back({"FWHM, background, star count and airmass against time",
                         read_file(it->second.path)});
  }
  for (const PlannedFrame& f : plan.frames()) {
    ReportGroup& g = groups[f.group];
    g.key = f.group;
    ReportFrame rf;
    rf.name = f.raw.path.filename().string();
    rf.status = "OK";
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i].subject != rf.name) continue;
      if (tasks[i].stage == "calibrate") {  // inputs: the raw, then bias, dark, flat, mask
        static constexpr const char* kRoles[] = {"bias", "dark", "flat", "mask"};
        const auto& in = tasks[i].step.inputs;
        for (std::size_t k = 1; k < in.size() && k <= 4; ++k) {
          rf.calibration.emplace_back(kRoles[k - 1], in[k].filename().string());
        }
      }
      const Outcome o = results[i].outcome;
      if (o == Outcome::kFail || o == Outcome::kBlocked) {
        rf.status = outcome_name(o);
        rf.flags.push_back(fmt::format("{}: {}", tasks[i].stage, results[i].reason));
      }
    }
    try {
      rf.thumbnail_png = preview_png(read_image(f.current).image, 192);
      rf.metrics.emplace_back("product", f.current.filename().string());
      const auto grade = grades.find(f.group);
      add_quality(rf, f, grade == grades.end() ? nullptr : &grade->second);
    } catch (const std::exception& e) {
      rf.flags.emplace_back(e.what());
    }
    g.frames.push_back(std::move(rf));
  }
  for (auto& [key, g] : groups)
    if (!g.frames.empty()) report.groups.push_back(std::move(g));
  // Products: stacks and continuum images (asinh previews), colour composites (their previews).
  for (const auto& [key, products] : plan.group_products()) {
    for (const auto& [kind, product] : products) {
      if (!fs::exists(product.path) || (kind != "stack" && kind != "colour" && kind != "continuum" && key != "calibration"))
        continue;
      if (kind == "stack" && key.find(':') != key.rfind(':')) continue;  // listed once, per target:filter
      try {
        const bool png = product.path.extension() == ".png";
        report.products.push_back({fmt::format("{}: {}", key == "calibration" ? key : kind, product.path.filename().string()),
                                   png ? read_file(product.path) : preview_png(read_image(product.path).image, 480)});
      } catch (const std::exception& e) {
        logger("run")->warn("{}: no preview: {}", product.path.string(), e.what());
      }
    }
  }
  std::map<std::string, double> seconds;
  std::vector<std::string> order;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!seconds.contains(tasks[i].stage)) order.push_back(tasks[i].stage);
    seconds[tasks[i].stage] += results[i].seconds;
  }
  for (const auto& stage : order) report.stage_seconds.emplace_back(stage, seconds[stage]);
  report.summary = summary_table(tasks, results);
  write_report(dir, report);
}

}  // namespace

bool RunSummary::failed() const {
  return std::any_of(results.begin(), results.end(), [](const TaskResult& r) {
    return r.outcome == Outcome::kFail || r.outcome == Outcome::kBlocked;
  });
}

std::string default_config() {
  auto stages = all_stages();
  const Config none({}, section_names(stages));
  RunSection run;
  ConfigSection rs = none.section("run");
  bind(rs, run);
  std::string out = "# ap run configuration: every key with its default.\n" + rs.dump();
  for (const auto& stage : stages) {
    ConfigSection s = none.section(stage->name());
    stage->bind(s);
    out += s.dump();
  }
  return out;
}

RunSummary run_night(const RunOptions& options) {
  auto stages = all_stages();
  const Config config(options.config, section_names(stages));
  RunSection run;
  ConfigSection rs = config.section("run");
  bind(rs, run);
  rs.reject_unknown();
  // Every section is bound and checked before anything runs, so a typo in
  // a late stage's section does not surface after an hour of work.
  std::vector<std::string> parameters;
  for (const auto& stage : stages) {
    ConfigSection s = config.section(stage->name());
    stage->bind(s);
    s.reject_unknown();
    parameters.push_back(s.dump());
  }
  const fs::path data = options.data_dir.empty() ? fs::path(run.data) : options.data_dir;
  const fs::path out = options.out_dir.empty() ? fs::path(run.out) : options.out_dir;
  std::vector<std::string> wanted = options.stages.empty() ? run.stages : options.stages;
  for (const std::string& name : wanted) {
    if (std::none_of(stages.begin(), stages.end(),
                     [&](const auto& s) { return name == s->name(); })) {
      throw Error(ExitCode::kUsage, fmt::format("unknown stage '{}' (stages: {})", name,
                                                fmt::join(section_names(stages), ", ")));
    }
  }

  const Discovery discovery = discover_lights(data);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw output_error(out.string(), "cannot create the output directory: " + ec.message());
  const RunLock lock(out);
  if (const std::size_t n = remove_temporaries(out); n > 0)
    logger("run")->info("{}: removed {} temporary files of an interrupted run", out.string(), n);
  Plan plan(out, discovery);
  Manifest manifest(out / ".ap" / "manifest.json");
  RunSummary summary;
  ExecuteOptions exec;
  exec.jobs = options.jobs > 0 ? options.jobs : run.jobs;
  exec.dry_run = options.dry_run;
  exec.force = options.force;
  exec.progress_bar = options.progress_bar;
  // Two phases: calibration generation, then everything else planned on
  // the masters it made. Tasks of the second phase never wait for the first's.
  for (const bool calibration : {true, false}) {
    const std::size_t first = plan.tasks().size();
    for (std::size_t i = 0; i < stages.size(); ++i) {
      const bool selected = wanted.empty() || std::find(wanted.begin(), wanted.end(),
                                                        stages[i]->name()) != wanted.end();
      if (selected && stages[i]->generates_calibration() == calibration) stages[i]->plan(plan, parameters[i]);
    }
    std::vector<Task> batch(plan.tasks().begin() + static_cast<std::ptrdiff_t>(first), plan.tasks().end());
    for (Task& t : batch)
      for (std::size_t& a : t.after) a -= first;
    for (TaskResult& r : execute(batch, manifest, exec)) summary.results.push_back(std::move(r));
  }
  summary.tasks = std::move(plan.tasks());
  summary.table = summary_table(summary.tasks, summary.results);
  const bool worked = std::any_of(summary.results.begin(), summary.results.end(),
                                  [](const TaskResult& r) { return r.outcome != Outcome::kSkip; });
  summary.report = out / "report" / "index.html";
  if (options.dry_run) {
    summary.report.clear();
  } else if (worked || !fs::exists(summary.report)) {
    write_night_report(out / "report", plan, summary.tasks, summary.results);
  }
  return summary;
}

}  // namespace ap::pipeline
