#!/usr/bin/env bash
# Fetch CIFAR-10 (python version) into datasets/cifar-10-batches-py/, verified.
#
# Steps: download to datasets/.cifar-10-python.tar.gz.part (resumable), check
# its md5, extract into a temporary folder, check the 7 expected files are
# there, write a marker, then rename the folder into place. The data folder is
# therefore complete (marker present) or absent, never half-written.
# Run with --help for the options and environment variables.
set -euo pipefail

DEFAULT_URL="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
DEFAULT_MD5="c58f30108f718f92721af3b95e74349a"
DEFAULT_BYTES=170498071
NAME="cifar-10-batches-py"
FILES=(data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch batches.meta)
MARKER=".verified"

usage() {
  cat <<EOF
Usage: bash get_datasets.sh [--force] [--dir DIR] [--help]

Download CIFAR-10 (python version), verify its md5 and extract it to
DIR/$NAME/ (DIR defaults to the datasets/ folder beside this script).
A complete dataset already there is left alone; an interrupted download
is resumed on the next run.

Options:
  --force     fetch and extract again even when the dataset is complete
  --dir DIR   put the dataset in DIR/$NAME/ instead
  -h, --help  show this help

Environment:
  CIFAR10_URL          source archive (default $DEFAULT_URL);
                       http(s):// or file:// for a mirror
  CIFAR10_MD5          its md5 (default $DEFAULT_MD5)
  CIFAR10_DIR          same as --dir
  CIFAR10_DOWNLOADER   curl or wget (default: curl when present, else wget)
  CIFAR10_RETRIES      extra download attempts after a failure (default 4)
  CIFAR10_RETRY_DELAY  seconds before the first retry, doubled each time (default 2)
EOF
}

die() {  # die MESSAGE: one sentence on stderr, exit 1
  echo "get_datasets.sh: error: $1" >&2
  exit 1
}

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
force=0
dest="${CIFAR10_DIR:-$script_dir/datasets}"
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --dir)
      [ $# -ge 2 ] || { echo "get_datasets.sh: --dir needs a folder; see --help." >&2; exit 2; }
      dest="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "get_datasets.sh: unknown argument '$1'; see --help." >&2; exit 2 ;;
  esac
  shift
done

url="${CIFAR10_URL:-$DEFAULT_URL}"
md5="${CIFAR10_MD5:-$DEFAULT_MD5}"
retries="${CIFAR10_RETRIES:-4}"
delay="${CIFAR10_RETRY_DELAY:-2}"
[[ "$retries" =~ ^[0-9]+$ ]] || die "CIFAR10_RETRIES must be a whole number, got '$retries'; unset it or set e.g. 4."
[[ "$delay" =~ ^[0-9]+$ ]] || die "CIFAR10_RETRY_DELAY must be whole seconds, got '$delay'; unset it or set e.g. 2."
[[ "$md5" =~ ^[0-9a-fA-F]{32}$ ]] || die "CIFAR10_MD5 must be 32 hex digits, got '$md5'; set it to the archive's md5."

mkdir -p "$dest" 2>/dev/null || die "cannot create the folder $dest; check the path and its permissions."
dest="$(cd "$dest" && pwd)"
target="$dest/$NAME"
part="$dest/.cifar-10-python.tar.gz.part"  # dot name + .part: never taken for data
work="$dest/.cifar-10-extract.$$"           # temporary extraction folder
old="$dest/.$NAME.old.$$"                    # the previous dataset, during --force

is_complete() {  # is_complete DIR: all 7 files and the marker written after verification
  local f
  for f in "${FILES[@]}" "$MARKER"; do [ -s "$1/$f" ] || return 1; done
}

if [ "$force" -eq 0 ] && is_complete "$target"; then
  echo "CIFAR-10 is already complete in $target ($(head -n 1 "$target/$MARKER")); nothing to do (use --force to fetch it again)."
  exit 0
fi

# ------------------------------------------------------------------ tools

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed; install it (it comes with $2) and run again."; }
need tar tar
need gzip gzip
if command -v md5sum >/dev/null 2>&1; then md5_of() { md5sum "$1" | cut -d' ' -f1; }
elif command -v md5 >/dev/null 2>&1; then md5_of() { md5 -q "$1"; }
else die "neither md5sum nor md5 is installed; install coreutils and run again."
fi

case "$url" in
  file://*) downloader=file ;;
  *)
    downloader="${CIFAR10_DOWNLOADER:-}"
    if [ -z "$downloader" ]; then
      if command -v curl >/dev/null 2>&1; then downloader=curl
      elif command -v wget >/dev/null 2>&1; then downloader=wget
      else die "neither curl nor wget is installed, so $url cannot be downloaded; install one of them (e.g. 'sudo apt-get install curl') and run again."
      fi
    fi
    case "$downloader" in
      curl|wget) command -v "$downloader" >/dev/null 2>&1 \
        || die "CIFAR10_DOWNLOADER=$downloader but $downloader is not installed; install it or unset CIFAR10_DOWNLOADER." ;;
      *) die "CIFAR10_DOWNLOADER must be curl or wget, got '$downloader'; fix or unset it." ;;
    esac ;;
esac

# ------------------------------------------------- cleanup and interruption

child=""
phase="download"
cleanup() {  # remove everything this run created except a resumable .part
  if [ -n "$child" ]; then
    kill "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true  # (set -e must not end the cleanup here)
    child=""
  fi
  rm -rf "$work"
  [ -z "${tar_log:-}" ] || rm -f "$tar_log"
  if [ -d "$old" ] && [ ! -e "$target" ]; then mv "$old" "$target"; fi  # put back the old dataset
  rm -rf "$old"
}
on_signal() {  # on_signal NAME CODE
  trap - INT TERM
  cleanup
  if [ "$phase" = "download" ] && [ -s "$part" ]; then
    echo "get_datasets.sh: interrupted ($1) during the download; the partial file $part is kept and the next run resumes it." >&2
  else
    rm -f "$part"
    echo "get_datasets.sh: interrupted ($1); nothing was installed, run the script again to fetch CIFAR-10." >&2
  fi
  exit "$2"
}
trap 'on_signal SIGINT 130' INT
trap 'on_signal SIGTERM 143' TERM
trap cleanup EXIT

# run CMD...: run it in the background and wait, so a signal reaches our trap
# at once (bash delays traps until a foreground command ends).
run() {
  local status=0
  "$@" &
  child=$!
  wait "$child" || status=$?
  child=""
  return "$status"
}

size_of() { if [ -e "$1" ]; then wc -c <"$1" | tr -d ' '; else echo 0; fi; }

# ------------------------------------------------------------------ download

fetch_once() {  # one attempt, resuming $part; returns the downloader's exit code
  case "$downloader" in
    file)
      echo "  (copying a local file)"
      run cat "${url#file://}" >"$part" ;;  # not cp: the copy must be writable even if the source is not
    curl)
      local progress=(--silent --show-error)
      [ -t 2 ] && progress=(--progress-bar)
      run curl --fail --location --continue-at - --connect-timeout 30 --speed-limit 1 --speed-time 60 \
        "${progress[@]}" --output "$part" "$url" ;;
    wget)
      local progress=(--no-verbose)
      [ -t 2 ] && progress=(--progress=bar:force)
      run wget --tries=1 --continue --timeout=60 "${progress[@]}" --output-document="$part" "$url" ;;
  esac
}

explain() {  # explain TOOL CODE: a few words on why an attempt failed
  case "$1:$2" in
    curl:6|curl:7|wget:4) echo "could not reach the server (network down?)" ;;
    curl:18|curl:56|curl:52) echo "the connection broke mid-way" ;;
    curl:22|wget:8) echo "the server answered with an error (see above)" ;;
    curl:23|wget:3) echo "could not write the file (disk full?)" ;;
    curl:28) echo "the connection timed out" ;;
    curl:33) echo "the server cannot resume, so the next attempt starts over" ;;
    *) echo "$1 failed with exit code $2" ;;
  esac
}

download() {
  local attempt=0 status wait_s="$delay"
  echo "Downloading $url"
  echo "  to $part (resumable)"
  while :; do
    attempt=$((attempt + 1))
    status=0
    fetch_once || status=$?
    [ "$status" -eq 0 ] && return 0
    case "$downloader:$status" in
      file:*)
        rm -f "$part"
        die "could not copy ${url#file://} to $dest; check that the file in CIFAR10_URL exists and that $dest has about 400 MB free, then run again." ;;
      curl:23|wget:3)
        die "could not write to $dest (is the disk full?); free about 400 MB there and run again, the download resumes." ;;
      curl:33) rm -f "$part" ;;  # server ignores Range: start over
    esac
    if [ "$attempt" -gt "$retries" ]; then
      if [ "$(size_of "$part")" -gt 0 ]; then local kept="; the partial file is kept and the next run resumes it"; else local kept=""; rm -f "$part"; fi
      die "download of $url failed after $attempt attempt(s): $(explain "$downloader" "$status")$kept; check your connection or set CIFAR10_URL to a mirror, then run again."
    fi
    echo "get_datasets.sh: attempt $attempt failed: $(explain "$downloader" "$status"); retrying in ${wait_s}s." >&2
    run sleep "$wait_s"
    wait_s=$((wait_s * 2))
  done
}

if [ "$force" -eq 1 ]; then
  rm -f "$part"  # --force starts from scratch
  echo "--force: fetching CIFAR-10 again."
elif [ -e "$target" ]; then
  echo "$target is incomplete (no verification marker); fetching CIFAR-10 again to replace it."
fi
download
phase="verify"

# ------------------------------------------------------------------ verify

echo "Checking md5 ..."
got="$(md5_of "$part")"
if [ "$got" != "$(echo "$md5" | tr 'A-F' 'a-f')" ]; then
  size="$(size_of "$part")"
  rm -f "$part"
  hint=""
  if [ "$url" = "$DEFAULT_URL" ] && [ "$size" -ne "$DEFAULT_BYTES" ]; then
    hint=" (got $size bytes, expected $DEFAULT_BYTES)"
  fi
  die "checksum mismatch: the download has md5 $got, expected $md5$hint, so it is corrupt, truncated or a different file and was deleted; run again, or check CIFAR10_URL and CIFAR10_MD5."
fi

# ------------------------------------------------------------------ extract

phase="extract"
echo "Extracting ..."
mkdir "$work"
tar_log="$(mktemp)"  # not in $work: that may be the disk that is full
run tar -xzf "$part" -C "$work" 2>"$tar_log" || {
  rm -f "$part"
  case "$(cat "$tar_log")" in
    *"No space left"*) die "extraction ran out of disk space in $dest; free about 400 MB there and run again." ;;
    *) die "the archive passed the checksum but could not be extracted ($(grep -m 1 . "$tar_log" || echo "tar failed")), so it is truncated or corrupt at the source; check CIFAR10_URL and CIFAR10_MD5, then run again." ;;
  esac
}
for f in "${FILES[@]}"; do
  [ -s "$work/$NAME/$f" ] || { rm -f "$part"; die "the archive has no $NAME/$f, so it is not the CIFAR-10 python version; check CIFAR10_URL and CIFAR10_MD5, then run again."; }
done
echo "$url md5 $got" >"$work/$NAME/$MARKER" \
  || die "could not write to $dest (is the disk full?); free about 400 MB there and run again."

# ------------------------------------------------------------------ install

phase="install"
if [ -e "$target" ]; then mv "$target" "$old"; fi
mv "$work/$NAME" "$target"
rm -rf "$old" "$work" "$part"
echo "CIFAR-10 is ready in $target."
