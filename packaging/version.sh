#!/usr/bin/env bash
# The one version of kabigate, from git describe: what `kabigate --version` prints (packaging/version.targets passes
# it to the build) and what the packages are versioned by (packaging/build-packages.sh).
#
#   version.sh [--full|--rpm-version|--rpm-release|--deb] [CHECKOUT]
#
#   --full (default)  X.Y.Z+N.gSHA[.dirty]  N commits after the tag vX.Y.Z, SHA the commit (12 hex digits), .dirty when
#                                           tracked files differ from it; with no v* tag: 0.0.0, N = commits in history
#   --rpm-version     X.Y.Z                 RPM Version (a tag's '-' becomes '~': v1.0-rc1 sorts before v1.0)
#   --rpm-release     N.gSHA[.dirty]        RPM Release: N orders the builds of one version
#   --deb             X.Y.Z+N.gSHA[.dirty]  the Debian version: the full string (a native version; dpkg orders N
#                                           numerically, so 0.0.0+10.g... follows 0.0.0+9.g...)
#
# Outside a git checkout (a source tarball) $KABIGATE_VERSION, in the full form, is used; else 0.0.0+0.unknown.
set -euo pipefail
mode=--full
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for arg in "$@"; do
  case $arg in
    --full|--rpm-version|--rpm-release|--deb) mode=$arg ;;
    -*) echo "version.sh: unknown option '$arg'" >&2; exit 2 ;;
    *) dir=$arg ;;
  esac
done

full=${KABIGATE_VERSION:-}
if [ -z "$full" ]; then
  if git -C "$dir" rev-parse --git-dir >/dev/null 2>&1 && git -C "$dir" rev-parse -q --verify HEAD >/dev/null; then
    sha=$(git -C "$dir" rev-parse --short=12 HEAD)
    if described=$(git -C "$dir" describe --tags --long --match 'v[0-9]*' --abbrev=12 HEAD 2>/dev/null); then
      # vX.Y.Z-N-gSHA: the tag may itself hold '-' (v1.0-rc1), so N and SHA are taken from the right.
      rest=${described%-g*}
      count=${rest##*-}
      base=${rest%-*}
      base=${base#v}
    else
      count=$(git -C "$dir" rev-list --count HEAD)
      base=0.0.0
    fi
    base=${base//-/\~}
    dirty=
    git -C "$dir" diff --quiet HEAD -- 2>/dev/null || dirty=.dirty
    full="$base+$count.g$sha$dirty"
  else
    full=0.0.0+0.unknown
  fi
fi
if ! [[ $full =~ ^[0-9][0-9A-Za-z.~]*\+[0-9]+\.[0-9A-Za-z.]+$ ]]; then
  echo "version.sh: '$full' is not a version of the form X.Y.Z+N.gSHA" >&2
  exit 2
fi

case $mode in
  --full|--deb) echo "$full" ;;
  --rpm-version) echo "${full%%+*}" ;;
  --rpm-release) echo "${full#*+}" ;;
esac
