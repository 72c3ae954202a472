// The ap command line: one file per subcommand, argument parsing only.
//
// Each subcommand file defines a registration function that adds a CLI11
// subcommand and sets its callback; the callback converts the options into
// the stage's options struct, reads files, calls libap and writes files.
// Errors are thrown as ap::Error and turned into exit codes by main.
#pragma once

#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace ap::cli {

// Option names accepting both spellings: flag("master-flat") gives
// "--master-flat,--master_flat" (just "--name" when they are the same).
// A short alias may be given: flag("loglevel", "l") -> "-l,--loglevel".
std::string flag(std::string_view name, std::string_view short_name = {});

// The subcommand's arguments as typed, for HISTORY cards ("a.fits SUB 5 b.fits").
const std::string& arguments();

// Registration functions, one per subcommand file (cmd_<name>.cpp).
void add_imarith(CLI::App& app);
void add_info(CLI::App& app);
void add_simulate(CLI::App& app);
void add_combine(CLI::App& app);
void add_read_noise(CLI::App& app);
void add_gain(CLI::App& app);
void add_background(CLI::App& app);
void add_ingest(CLI::App& app);
void add_run(CLI::App& app);
void add_calibrate(CLI::App& app);
void add_caldb(CLI::App& app);
void add_demo(CLI::App& app);
void add_badpix(CLI::App& app);
void add_badcols(CLI::App& app);
void add_fix_badpix(CLI::App& app);
void add_cosmics(CLI::App& app);
void add_stars(CLI::App& app);
void add_quality(CLI::App& app);
void add_metadata(CLI::App& app);
void add_solve(CLI::App& app);
void add_resample(CLI::App& app);
void add_rgb(CLI::App& app);
void add_continuum(CLI::App& app);

}  // namespace ap::cli
