#include "sim/zip.h"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <vector>

#include "core/error.h"

namespace ap::sim {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& out, unsigned value) {
  out.push_back(static_cast<std::uint8_t>(value & 0xFFU));
  out.push_back(static_cast<std::uint8_t>((value >> 8) & 0xFFU));
}

void put32(Bytes& out, std::uint32_t value) {
  put16(out, value & 0xFFFFU);
  put16(out, value >> 16);
}

// MS-DOS time and date fields of a UTC time.
std::pair<unsigned, unsigned> dos_time(std::int64_t unix_time) {
  using namespace std::chrono;
  const sys_seconds tp{seconds(unix_time)};
  const sys_days day = floor<days>(tp);
  const year_month_day ymd(day);
  const hh_mm_ss<seconds> hms(tp - day);
  const auto time = static_cast<unsigned>(hms.hours().count() << 11 | hms.minutes().count() << 5 |
                                          hms.seconds().count() / 2);
  const auto date = static_cast<unsigned>((static_cast<int>(ymd.year()) - 1980) << 9) |
                    static_cast<unsigned>(ymd.month()) << 5 | static_cast<unsigned>(ymd.day());
  return {time, date};
}

// The fields local and central headers share, from "version needed" to the name length.
void common_fields(Bytes& out, std::uint32_t crc, std::uint32_t size, std::size_t name_length,
                   std::pair<unsigned, unsigned> when) {
  put16(out, 10);  // version needed: 1.0, stored entries
  put16(out, 0);   // flags
  put16(out, 0);   // method: stored
  put16(out, when.first);
  put16(out, when.second);
  put32(out, crc);
  put32(out, size);  // compressed size
  put32(out, size);  // uncompressed size
  put16(out, static_cast<unsigned>(name_length));
  put16(out, 0);  // extra field length
}

}  // namespace

std::uint32_t crc32(std::span<const std::uint8_t> data) {
  static const std::array<std::uint32_t, 256> kTable = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFU;
  for (const std::uint8_t b : data) c = kTable[(c ^ b) & 0xFFU] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

void write_zip(const std::filesystem::path& zip, const std::string& name,
               std::span<const std::uint8_t> data, std::int64_t unix_time) {
  if (data.size() >= 0xFFFFFFFFULL || name.size() > 0xFFFFU) {
    throw output_error(zip.string(), "entry too large for a zip archive without Zip64");
  }
  const auto size = static_cast<std::uint32_t>(data.size());
  const std::uint32_t crc = crc32(data);
  const auto when = dos_time(unix_time);

  Bytes local;
  put32(local, 0x04034B50U);
  common_fields(local, crc, size, name.size(), when);
  local.insert(local.end(), name.begin(), name.end());

  Bytes central;
  put32(central, 0x02014B50U);
  put16(central, 20);  // version made by: MS-DOS attributes, zip 2.0
  common_fields(central, crc, size, name.size(), when);
  put16(central, 0);  // comment length
  put16(central, 0);  // disk number
  put16(central, 0);  // internal attributes
  put32(central, 0);  // external attributes
  put32(central, 0);  // offset of the local header
  central.insert(central.end(), name.begin(), name.end());

  Bytes end;
  put32(end, 0x06054B50U);
  put16(end, 0);  // this disk
  put16(end, 0);  // disk with the central directory
  put16(end, 1);  // entries on this disk
  put16(end, 1);  // entries in total
  put32(end, static_cast<std::uint32_t>(central.size()));
  put32(end, static_cast<std::uint32_t>(local.size() + data.size()));
  put16(end, 0);  // comment length

  const auto temp =
      zip.parent_path() / fmt::format(".{}.tmp-{}", zip.filename().string(), ::getpid());
  {
    std::ofstream out(temp, std::ios::binary);
    const auto write = [&](const std::uint8_t* bytes, std::size_t count) {
      out.write(reinterpret_cast<const char*>(bytes), static_cast<std::streamsize>(count));
    };
    write(local.data(), local.size());
    write(data.data(), data.size());
    write(central.data(), central.size());
    write(end.data(), end.size());
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      throw output_error(zip.string(), "cannot write the zip archive");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, zip, ec);
  if (ec) {
    throw output_error(zip.string(), "cannot move the zip archive into place: " + ec.message());
  }
}

}  // namespace ap::sim
