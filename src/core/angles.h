// Angles as FITS headers write them: "20 12 07.1" or "20:12:07.1" hours of
// right ascension, "+38 21 18" or "+38:21:18" degrees of declination, or plain
// numbers in degrees (the FITS convention for RA/DEC).
#pragma once

#include <optional>
#include <string_view>

#include "core/header.h"

namespace ap {

// "d m s" or "d:m:s" (one to three fields, sign on the first) -> d + m/60 + s/3600,
// negative when the text starts with '-'. nullopt for anything else.
std::optional<double> parse_sexagesimal(std::string_view text);

// Right ascension in degrees: sexagesimal text is hours, a plain number is degrees.
std::optional<double> parse_ra_deg(std::string_view text);
// Declination in degrees: sexagesimal or a plain number, within [-90, 90].
std::optional<double> parse_dec_deg(std::string_view text);

// A header's pointing in degrees, from the first pair present of RA-OBJ/DEC-OBJ,
// OBJCTRA/OBJCTDEC and RA/DEC (numbers or text as above).
struct Pointing {
  double ra = 0.0, dec = 0.0;
};
std::optional<Pointing> header_pointing(const Header& header);

}  // namespace ap
