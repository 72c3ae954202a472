// Zip archives as iTelescope delivers them, for `ap simulate --zip`. Entries
// are stored without compression (method 0), which every unzip tool reads;
// no zip library is needed. Sizes must stay below 4 GiB (no Zip64).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace ap::sim {

// CRC-32 (IEEE 802.3, reflected, as zip and gzip use it) of `data`.
std::uint32_t crc32(std::span<const std::uint8_t> data);

// Writes `zip` holding the single entry `name` with `data`, time-stamped
// `unix_time` (UTC, to the even second as DOS times go). The archive is written
// to a temporary name and renamed into place; throws ap::Error (kOutputError).
void write_zip(const std::filesystem::path& zip, const std::string& name,
               std::span<const std::uint8_t> data, std::int64_t unix_time);

}  // namespace ap::sim
