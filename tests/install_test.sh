#!/usr/bin/env bash
# cmake --install puts ap, the original script names (symlinks that dispatch
# to the matching subcommand) and the bash completion in place.
#   tests/install_test.sh BUILD_DIR
set -euo pipefail
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest cmake --install "$build" --prefix /usr >/dev/null
bin=$dest/usr/bin
for name in ap_imarith ap_combine_darks ap_calc_read_noise ap_find_badpix ap_auto_badcol \
    ap_calibrate ap_add_metadata ap_fix_badpix ap_fix_cosmic_rays ap_find_stars ap_astrometry \
    ap_quality_summary ap_measure_background; do
  [[ -L $bin/$name && $(readlink "$bin/$name") == ap ]] || { echo "missing symlink $name"; exit 1; }
done
"$bin/ap_imarith" --help | grep -q "VALUE_OR_IMAGE" || { echo "ap_imarith does not dispatch"; exit 1; }
bash -n "$dest/usr/share/bash-completion/completions/ap"
# The completion offers subcommands read from the installed ap.
out=$(PATH=$bin:$PATH bash -c 'source '"$dest"'/usr/share/bash-completion/completions/ap
  COMP_WORDS=(ap im); COMP_CWORD=1; _ap_complete; echo "${COMPREPLY[@]}"')
[[ $out == imarith ]] || { echo "completion gave '$out'"; exit 1; }
echo "install layout ok"
