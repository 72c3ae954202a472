// World coordinate systems through wcslib.
//
// Pixel coordinates here are 0-based (pixel centre of the first pixel is
// 0,0); the FITS 1-based convention applies only to CRPIX and to what users
// see. Sky coordinates are degrees (RA, Dec for celestial systems).
// Anything wcspih understands can be read: TAN, TAN-SIP, TPV, ZEA, SIN, ...
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "core/header.h"

struct wcsprm;

namespace ap {

struct SkyCoord {
  double ra = 0.0;
  double dec = 0.0;
};

struct PixelCoord {
  double x = 0.0;
  double y = 0.0;
};

// Threads: wcslib keeps scratch buffers inside its structs, so one Wcs must
// not be used by several threads at once, not even through const methods.
// Copies are deep and independent: give each thread its own copy.
class Wcs {
 public:
  // nullopt when the header has no celestial WCS; throws ap::Error
  // (kBadInput) when the WCS keywords are present but invalid. The primary
  // description is preferred, then the alternates A..Z. As in astropy, SIP
  // A_/B_ keywords are applied even when CTYPE lacks the "-SIP" suffix.
  static std::optional<Wcs> from_header(const Header& header);

  // Gnomonic projection: reference pixel (1-based FITS CRPIX), reference sky
  // point and CD matrix in degrees per pixel.
  static Wcs tan(const PixelCoord& crpix, const SkyCoord& crval,
                 const std::array<double, 4>& cd);
  // Another projection, by its three-letter FITS code (SIN, ZEA, STG, ARC,
  // CAR, ...); throws ap::Error (kUsage) for a code wcslib does not know.
  static Wcs projected(std::string_view code, const PixelCoord& crpix, const SkyCoord& crval,
                       const std::array<double, 4>& cd);

  Wcs(const Wcs& other);
  Wcs& operator=(const Wcs& other);
  Wcs(Wcs&&) noexcept;
  Wcs& operator=(Wcs&&) noexcept;
  ~Wcs();

  SkyCoord pixel_to_sky(const PixelCoord& p) const;
  PixelCoord sky_to_pixel(const SkyCoord& s) const;
  // Whole arrays; spans have equal lengths. Failed points give NaN.
  void pixel_to_sky(std::span<const double> x, std::span<const double> y,
                    std::span<double> ra, std::span<double> dec) const;
  void sky_to_pixel(std::span<const double> ra, std::span<const double> dec,
                    std::span<double> x, std::span<double> y) const;

  // Mean pixel scale at the reference point, arcsec per pixel.
  double pixel_scale_arcsec() const;

  // Writes the WCS cards (replacing any old WCS cards) into `header`: PC and
  // CDELT (not CD), SIP as native A_/B_/AP_/BP_ cards, TPV as PVi_m.
  void to_header(Header& header) const;
  // Removes every card of the primary WCS (CTYPE, CRVAL, CD, PC, SIP A_/B_,
  // PV, DPj/DQi distortions, ...); alternate descriptions (CTYPE1A...) stay.
  static void erase_from(Header& header);

 private:
  Wcs();
  std::unique_ptr<wcsprm, void (*)(wcsprm*)> wcs_;
};

}  // namespace ap
