// ap metadata FITS... [--mode itelescope|yamlkeyval] [--target NAME] [--ra DEG --dec DEG]
//   [--yamlfile F] [--online] [-o OUT | --in-place]
// (also ap_add_metadata)
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "itelescope/metadata.h"

namespace ap::cli {
namespace {

namespace fs = std::filesystem;

struct MetadataArgs {
  std::vector<std::string> inputs;
  std::string mode = "itelescope", target, yamlfile, output;
  std::optional<double> ra, dec;
  bool online = false, in_place = false;
};

void run_metadata(const MetadataArgs& a) {
  using namespace itelescope;
  MetadataOptions o;
  o.mode = parse_metadata_mode(a.mode);
  o.target = a.target;
  o.ra = a.ra;
  o.dec = a.dec;
  o.yaml_file = a.yamlfile;
  o.online = a.online;
  if (a.ra.has_value() != a.dec.has_value()) throw Error(ExitCode::kUsage, "--ra and --dec go together");
  if (a.in_place == !a.output.empty())
    throw Error(ExitCode::kUsage, "give either -o OUT or --in-place (raw files are never modified)");
  const bool to_dir = !a.output.empty() && (a.inputs.size() > 1 || fs::is_directory(a.output));
  if (a.inputs.size() > 1 && !a.output.empty() && !fs::is_directory(a.output))
    throw Error(ExitCode::kUsage, fmt::format("{}: several inputs need -o to be a directory", a.output));
  auto log = logger("metadata");
  for (const std::string& input : a.inputs) {
    const fs::path in(input);
    if (a.in_place && in.filename().string().rfind("raw-", 0) == 0)
      throw Error(ExitCode::kUsage, fmt::format("{}: raw files are never modified; use -o", input));
    const fs::path out = a.in_place ? in : to_dir ? fs::path(a.output) / in.filename() : fs::path(a.output);
    const Header header = read_hdu_list(in).front().header;
    Header added;
    try {
      added = metadata_keywords(header, in.filename().string(), o);
    } catch (const Error& e) {
      throw Error(e.code(), fmt::format("{}: {}", input, e.what()));
    }
    update_header(in, out, added);
    log->info("{}: AIRMASS {:.4f}, target {} ({:.5f}, {:+.5f}) -> {}", input, added.get("AIRMASS", 0.0),
              added.get("OBJECT", ""), added.get("RA-OBJ", 0.0), added.get("DEC-OBJ", 0.0), out.string());
  }
}

}  // namespace

void add_metadata(CLI::App& app) {
  auto args = std::make_shared<MetadataArgs>();
  CLI::App* cmd = app.add_subcommand(
      "metadata", "Add site, target, airmass, Moon and Sun keywords to frames (ERFA, OpenNGC)");
  cmd->add_option("FITS", args->inputs, "Input FITS frames")->required();
  cmd->add_option(flag("mode"), args->mode, "itelescope (from the file name) or yamlkeyval")
      ->capture_default_str();
  cmd->add_option(flag("target"), args->target, "Target name instead of the file name's");
  cmd->add_option(flag("ra"), args->ra, "Target right ascension, degrees (ICRS)");
  cmd->add_option(flag("dec"), args->dec, "Target declination, degrees (ICRS)");
  cmd->add_option(flag("yamlfile"), args->yamlfile, "YAML of keywords (yamlkeyval mode)");
  cmd->add_flag(flag("online"), args->online, "Resolve unknown targets with CDS Sesame (network)");
  cmd->add_option("-o,--output", args->output, "Output file, or directory for several inputs");
  cmd->add_flag(flag("in-place"), args->in_place, "Update the input (not for raw- files)");
  cmd->callback([args] { run_metadata(*args); });
}

}  // namespace ap::cli
