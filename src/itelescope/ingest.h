// Preparing an iTelescope delivery for processing: what the original did with
// ap_fix_itelescope_dirs.sh, ap_rename_files_with_spaces.sh, a loop of
// `unzip` and `rm *.zip` (shared reference, calibration document 11.4-11.5).
//
// ingest() walks `dir` top-down and
//   1. renames every directory and file whose name holds a space, each space
//      becoming '_' (a name that already exists is an error, never clobbered);
//   2. gives every directory rwxr-xr-x (the original's script took x away
//      from group and other, so the directories could not be entered);
//   3. extracts every *.zip (any case) next to itself, entry names following
//      the same space rule: each entry goes to a temporary file, is checked
//      against the archive's CRC-32 and size by libzip, and is renamed into
//      place; an entry already extracted with the same bytes is left alone, one
//      with other bytes is an error. The zip is removed only once all of its
//      entries are in place and verified.
// A second run finds nothing to do. With dry_run nothing is changed and the
// report lists what would be done.
#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

namespace ap::itelescope {

struct IngestOptions {
  bool dry_run = false;
};

struct IngestAction {
  enum class Kind { kRename, kChmod, kExtract, kRemoveZip };
  Kind kind;
  std::filesystem::path from;  // the renamed path, the zip, or the directory
  std::filesystem::path to;    // the new name or extracted file; empty otherwise
};

struct IngestReport {
  std::vector<IngestAction> actions;  // in the order done (or planned)
  std::size_t count(IngestAction::Kind kind) const;
};

// Throws ap::Error: kBadInput for a missing directory or a corrupt, unsafe
// (absolute or '..' entry names) or conflicting archive, kOutputError when a
// rename, chmod or write fails. Work done before the error stays done and a
// rerun continues from there.
IngestReport ingest(const std::filesystem::path& dir, const IngestOptions& options = {});

const char* ingest_action_name(IngestAction::Kind kind);

}  // namespace ap::itelescope
