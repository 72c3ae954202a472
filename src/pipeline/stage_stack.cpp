// The stack and colour steps of ap run.
//
// stack: per target and filter, the solved frames resampled and combined in
// one pass (`ap stack`) onto one grid per target (north up, covering every
// frame of every filter, so the filters' stacks line up pixel for pixel),
// weighted by the quality grades with poor frames left out:
// Stacks/stack_<target>_<filter>.fits.
// continuum: per target, narrow minus scaled broad band from the stacks.
// colour: per target, the composites whose filters were stacked (rgb from
// Red/Green/Blue, hgb from Ha/Green/Blue, sho from SII/Ha/OIII, hoo from
// Ha/OIII, lrgb from Red/Green/Blue under the Luminance stack), as `ap rgb`
// makes them: Colour/<preset>_<target>.png.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "arith/continuum.h"
#include "colour/rgb.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/fits.h"
#include "pipeline/plan.h"
#include "pipeline/stages.h"
#include "measure/quality.h"
#include "resample/coadd.h"

namespace ap::pipeline {
namespace {

namespace fs = std::filesystem;

// "NGC_6888:T20:Ha:20200716" -> target "NGC_6888", filter "Ha".
std::pair<std::string, std::string> target_and_filter(const std::string& group) {
  const auto a = group.find(':'), b = group.find(':', a + 1), c = group.find(':', b + 1);
  return {group.substr(0, a), group.substr(b + 1, c - b - 1)};
}

// The stack step's products: target -> filter -> stack.
std::map<std::string, std::map<std::string, Product>> stacks_by_target(Plan& plan) {
  std::map<std::string, std::map<std::string, Product>> stacks;
  for (const auto& [key, products] : plan.group_products()) {
    const auto colon = key.find(':');
    if (colon == std::string::npos || key.find(':', colon + 1) != std::string::npos) continue;
    if (const auto s = products.find("stack"); s != products.end())
      stacks[key.substr(0, colon)][key.substr(colon + 1)] = s->second;
  }
  return stacks;
}

class StackStage : public Stage {
 public:
  const char* name() const override { return "stack"; }

  void bind(ConfigSection& s) override {
    s.value("combine", settings_.combine, "median, mean, wmean, sigclip or sum");
    s.value("kernel", settings_.kernel, "lanczos3, lanczos2, bilinear or nearest");
    s.value("pixel_scale", settings_.pixel_scale, "arcsec per pixel of the stacks (0: the frames' median)");
    s.value("use_quality", use_quality_, "weight frames by their grade and leave out poor ones");
  }

  void plan(Plan& plan, const std::string& parameters) override {
    // Per target: every frame (all filters) decides the grid.
    std::map<std::string, std::vector<Product>> by_target;
    std::map<std::string, std::set<std::string>> groups_of_target;
    for (const PlannedFrame& f : plan.frames()) {
      const auto [target, filter] = target_and_filter(f.group);
      by_target[target].push_back({f.current, f.writer});
      groups_of_target[target].insert(f.group);
    }
    for (const auto& [target, frames] : by_target) {
      for (const std::string& group : groups_of_target[target]) {
        const std::string filter = target_and_filter(group).second;
        std::vector<Product> inputs = frames;
        fs::path quality;
        if (const auto g = plan.group_products().find(group); g != plan.group_products().end()) {
          if (const auto q = g->second.find("quality_json"); q != g->second.end() && use_quality_) {
            inputs.push_back(q->second);
            quality = q->second.path;
          }
        }
        const fs::path out = plan.out_dir() / "Stacks" / fmt::format("stack_{}_{}.fits", target, filter);
        const std::size_t task = plan.add_group_task(
            name(), group, parameters, inputs, {out},
            [s = settings_, out, filter, quality](const std::vector<fs::path>& present) {
              stack(present, filter, quality, out, s);
            });
        plan.group_products()[target + ":" + filter]["stack"] = {out, task};
        plan.group_products()[group]["stack"] = {out, task};
      }
    }
  }

 private:
  struct Settings {
    std::string combine = "median", kernel = "lanczos3";
    double pixel_scale = 0.0;
  };

  static void stack(const std::vector<fs::path>& present, const std::string& filter, const fs::path& quality,
                    const fs::path& out, const Settings& settings) {
    std::vector<StackInput> all, mine;
    const auto grades = quality.empty() || !fs::exists(quality) ? std::map<std::string, FrameGrade>{}
                                                                : read_frame_grades(quality);
    for (const fs::path& p : present) {
      if (p.extension() == ".json") continue;
      all.push_back({p, 1.0});
      if (read_hdu_list(p).front().header.get("FILTER", "") != filter) continue;
      const auto g = grades.find(frame_key(p));
      mine.push_back({p, g == grades.end() ? 1.0 : g->second.poor ? 0.0 : std::max(1e-3, g->second.weight)});
    }
    GridOptions go;
    if (settings.pixel_scale > 0) go.pixel_scale = settings.pixel_scale;
    const Grid grid = choose_grid(footprints(all), go);
    CoaddOptions o;
    o.combine = parse_combine(settings.combine);
    o.resample.kernel = parse_kernel(settings.kernel);
    write_coadded(out, stack_files(mine, grid, o), mine, "run stack",
                  fmt::format("{} frames, {}", mine.size(), settings.combine));
  }

  Settings settings_;
  bool use_quality_ = true;
};

class ColourStage : public Stage {
 public:
  const char* name() const override { return "colour"; }

  void bind(ConfigSection& s) override {
    s.value("presets", presets_, "composites to make when their filters were stacked");
    s.value("luminance", luminance_, "filter of the lrgb preset's luminance image");
    s.value("stretch", stretch_, "asinh (Lupton) or power (STIFF-like)");
    s.value("Q", q_, "asinh softening");
  }

  void plan(Plan& plan, const std::string& parameters) override {
    const auto stacks = stacks_by_target(plan);
    for (const auto& [target, filters] : stacks) {
      for (const std::string& preset : presets_) {
        const auto channels = preset_filters(preset);
        std::vector<std::string> wanted(channels.begin(), channels.end());
        if (preset == "lrgb") wanted.push_back(luminance_);
        std::vector<Product> inputs;
        for (const std::string& f : wanted)
          if (const auto it = filters.find(f); it != filters.end()) inputs.push_back(it->second);
        if (inputs.size() != wanted.size()) continue;
        const fs::path out = plan.out_dir() / "Colour" / fmt::format("{}_{}.png", preset, target);
        const fs::path preview = plan.out_dir() / "Colour" / fmt::format("{}_{}_preview.png", preset, target);
        const std::size_t task = plan.add_group_task(
            name(), target + ":" + preset, parameters, inputs, {out, preview},
            [out, preview, inputs, stretch = stretch_, q = q_](const std::vector<fs::path>& present) {
              if (present.size() != inputs.size()) throw Error(ExitCode::kFailed, "a stack of the composite is missing");
              RgbOptions o;
              o.stretch = parse_stretch(stretch);
              o.q = q;
              std::vector<FitsImage> ch;
              for (const Product& p : inputs) ch.push_back(read_image(p.path));
              const RgbImage rgb = compose_rgb(ch[0].image, ch[1].image, ch[2].image, o, ch.size() > 3 ? &ch[3].image : nullptr);
              write_rgb(preview, shrink(rgb, 720));
              write_rgb(out, rgb);
            });
        plan.group_products()[target + ":" + preset]["colour"] = {preview, task};
      }
    }
  }

 private:
  std::vector<std::string> presets_ = {"rgb", "lrgb", "hgb", "sho", "hoo"};
  std::string luminance_ = "Luminance";
  std::string stretch_ = "asinh";
  double q_ = 8.0;
};

// continuum: per target, each narrow band minus its broad band (Ha - Red by
// default) from the stacks: Stacks/cont_<target>_<narrow>-<broad>.fits.
class ContinuumStage : public Stage {
 public:
  const char* name() const override { return "continuum"; }

  void bind(ConfigSection& s) override {
    s.value("pairs", pairs_, "narrow:broad filter pairs, e.g. Ha:Red, OIII:Green");
    s.value("method", method_, "stars or background");
  }

  void plan(Plan& plan, const std::string& parameters) override {
    const auto stacks = stacks_by_target(plan);
    for (const auto& [target, filters] : stacks) {
      for (const std::string& pair : pairs_) {
        const auto colon = pair.find(':');
        if (colon == std::string::npos) throw Error(ExitCode::kBadInput, fmt::format("continuum pair '{}' is not narrow:broad", pair));
        const auto narrow = filters.find(pair.substr(0, colon)), broad = filters.find(pair.substr(colon + 1));
        if (narrow == filters.end() || broad == filters.end()) continue;
        const fs::path out = plan.out_dir() / "Stacks" /
                             fmt::format("cont_{}_{}-{}.fits", target, narrow->first, broad->first);
        const std::size_t task = plan.add_group_task(
            name(), target + ":" + pair, parameters, {narrow->second, broad->second}, {out},
            [out, n = narrow->second.path, b = broad->second.path, method = method_](const std::vector<fs::path>& present) {
              if (present.size() != 2) throw Error(ExitCode::kFailed, "a stack is missing");
              const FitsImage ni = read_image(n), bi = read_image(b);
              ContinuumOptions o;
              o.method = parse_continuum_method(method);
              const ContinuumResult r = continuum_subtract(ni.image, bi.image, o);
              Header h = ni.header();
              h.set("CONTSCAL", r.scale, "broad-band scale subtracted");
              h.set("CONTSERR", r.scale_err, "uncertainty of CONTSCAL");
              h.set("CONTMETH", method, "how the scale was found");
              h.set("CONTBRD", b.filename().string(), "broad-band image");
              stamp(h, "run continuum", fmt::format("{} - {:.5f} x {}", n.filename().string(), r.scale, b.filename().string()));
              write_image(out, r.image, h, {n, b});
            });
        plan.group_products()[target + ":" + pair]["continuum"] = {out, task};
      }
    }
  }

 private:
  std::vector<std::string> pairs_ = {"Ha:Red", "OIII:Green", "SII:Red"};
  std::string method_ = "stars";
};

}  // namespace

std::unique_ptr<Stage> make_continuum_stage() { return std::make_unique<ContinuumStage>(); }
std::unique_ptr<Stage> make_stack_stage() { return std::make_unique<StackStage>(); }
std::unique_ptr<Stage> make_colour_stage() { return std::make_unique<ColourStage>(); }

}  // namespace ap::pipeline
