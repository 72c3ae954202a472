// Zip archives as iTelescope delivers them, for `ap simulate --zip`, written
// with libzip. Entries are stored without compression (the FITS files of a
// delivery are what matters, not the archive size) with a fixed time stamp,
// so the same simulation gives byte-identical archives.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace ap::sim {

// Writes `zip` holding the single entry `name` with `data`, time-stamped
// `unix_time` (to the even second, in the local time zone as libzip writes DOS
// times). The archive is written to a temporary name and renamed into place;
// throws ap::Error (kOutputError).
void write_zip(const std::filesystem::path& zip, const std::string& name,
               std::span<const std::uint8_t> data, std::int64_t unix_time);

}  // namespace ap::sim
