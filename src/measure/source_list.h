// The outputs of `ap stars`, whose layout the astrometry, quality and
// pipeline stages rely on.
//
// Source list FITS file:
//   HDU 0, no data: IMG_FILE, IMG_COLS, IMG_ROWS, AP_NDET, AP_NPHOT, AP_NFIT,
//     AP_NSIGM, the observing keywords of the image (EXPOSURE ... AIRMASS,
//     LONG-OBS and LON-OBS both), APRX_RA/APRX_DEC [deg] from the image's
//     pointing, APRX_XPS/APRX_YPS [arcsec/pix] from XPIXSZ/YPIXSZ and
//     FOCALLEN, APRX_XWD/APRX_YHG/APRX_FOV [deg], AP_FWHM/AP_EFWHM [pix]
//     (Moffat), AP_ELLIP/AP_EELLI, AP_BETA, AP_GFWHM (Gaussian), AP_BGMED,
//     AP_BGSTD [ADU], AP_NSAT, AP_APRAD [pix], AP_DFWHM (detection kernel).
//   AP_XYPOS: X, Y [pix, FITS 1-based], FLUX [ADU], brightest first
//     (what a plate solver reads).
//   AP_L1MAG: id, xcenter, ycenter [pix, 0-based], aperture_sum [ADU],
//     peak_adu [ADU], psbl_sat, bgmed_per_pix [ADU/pix], adu_per_sec [ADU/s],
//     magnitude [mag], sharpness, roundness1, roundness2.
//   AP_L1PSF: one row per fitted star: id, xcenter, ycenter, region,
//     nn_dist, then for the Moffat (m_) and Gaussian (g_) fits: x, y and
//     errors [pix, 0-based], ampl, fwhm_maj/fwhm_min and errors [pix],
//     theta [deg], ellip, fit_ok, rchisq; m_beta.
// Quality report YAML: the sections of the original (image_info,
// background_info, source_info, saturation_info, psf_info) with the
// ellipticity, star count and sky noise added; values it could not measure
// are null, never a sentinel number.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/header.h"
#include "measure/stars.h"

namespace ap {

// Primary header of the source list.
Header source_list_header(const StarsResult& result, const Header& image_header,
                          std::string_view image_file, const StarsOptions& options);

// Writes the FITS source list atomically.
void write_source_list(const std::filesystem::path& path, const StarsResult& result,
                       const Header& list_header);

// The YAML quality report, from the source list's primary header and the result.
std::string quality_report_yaml(const StarsResult& result, const Header& list_header);

// ds9 regions: a circle of the aperture radius per star (image coordinates,
// 1-based), with the star id as its text.
std::string ds9_regions(const StarsResult& result);

}  // namespace ap
