# fleet push, step 2 on each host. POSIX sh, run as
# `sh -c SCRIPT fleet-receive NONCE MKDIR PARENT MODE OWNER [MANIFEST_BYTES]`.
# stdin: manifest lines, then a line "--fleet-end--" (MANIFEST_BYTES bytes in all), then a tar stream.
# Manifest lines are
#   SHA256<TAB>TMP<TAB>FINAL   a file: tar writes it as TMP (beside FINAL), checked, renamed to FINAL
#   D<TAB>PATH                 a directory the tar creates (only --owner touches it)
# Every file is verified (sha256, read back) before any is renamed; on failure (or TERM/INT/HUP: an
# interrupted push) the temp files are removed and every old file is left as it was.
nonce=$1 mkdir=$2 parent=$3 mode=$4 owner=$5 mbytes=${6:-0}
if [ "$mkdir" = 1 ]; then
  mkdir -p -- "$parent" || exit 71
fi
if [ ! -d "$parent" ]; then
  echo "fleet: $parent does not exist (use --mkdir to create it)" >&2
  exit 71
fi
work=$(mktemp -d) || exit 70
check=$work/check moves=$work/moves dirs=$work/dirs
: >"$moves"
tab=$(printf '\t')
cleanup() {
  cut -f1 "$moves" | tr '\n' '\0' | xargs -0 rm -f --
  rm -rf -- "$work"
}
trap 'cleanup; exit 130' INT TERM HUP
# A closed channel must not kill this shell halfway through cleaning up: writes just fail instead.
trap '' PIPE
# The manifest comes off the pipe exactly, so tar gets the rest. sh's `read` takes one byte per system
# call there (2,000 files: ~300,000 of them, per host); perl's sysread takes the announced byte count
# in a few calls. Small manifests (or no perl) go line by line.
if [ "$mbytes" -gt 4096 ] && command -v perl >/dev/null 2>&1; then
  perl -e '$n = shift; while ($n > 0) { $r = sysread(STDIN, $b, $n < 65536 ? $n : 65536); die "fleet: the file list was cut short\n" unless $r; print $b; $n -= $r; }' "$mbytes" >"$work/manifest" || {
    rm -rf -- "$work"
    exit 72
  }
else
  ended=0
  while IFS= read -r line; do
    if [ "$line" = "--fleet-end--" ]; then ended=1 && break; fi
    printf '%s\n' "$line"
  done >"$work/manifest"
  if [ "$ended" != 1 ]; then
    echo "fleet: the file list was cut short" >&2
    rm -rf -- "$work"
    exit 72
  fi
fi
# "SUM<TAB>TMP<TAB>FINAL" → check ("SUM  TMP", sha256sum's format) and moves ("TMP<TAB>FINAL").
grep -v -e '^--fleet-end--$' -e "^D$tab" "$work/manifest" >"$work/files"
cut -f1,2 "$work/files" | sed "s/$tab/  /" >"$check"
cut -f2- "$work/files" >"$moves"
grep "^D$tab" "$work/manifest" | cut -f2- >"$dirs"
# Temp files that an earlier, killed push of these same files left (SIGKILL leaves no chance to
# clean up): one glob per directory, and only names that are ours (.NAME.fleet-* of a file we write).
cut -f2 "$moves" >"$work/finals"
sed 's#/[^/]*$##' "$work/finals" | sort -u >"$work/dirlist"
while IFS= read -r d; do
  for old in "$d"/.*.fleet-*; do
    [ -f "$old" ] || continue
    case $old in *.fleet-"$nonce") continue ;; esac
    base=${old##*/} && base=${base#.} && base=${base%.fleet-*}
    grep -Fxq -- "$d/$base" "$work/finals" && rm -f -- "$old"
  done
done <"$work/dirlist"
# -p keeps the modes in the archive; -o (no-same-owner) leaves files owned by whoever extracts.
# GNU tar moves data in 10 KiB records: one pipe read and one file write per 10 KiB. With 1 MiB
# records (-b 2048; -B fills each from the pipe) a 50 MB file costs the host about half the system
# time (measured with process accounting on 50 lab hosts). busybox tar has neither option.
case $(tar --version 2>/dev/null) in
*GNU*) records='-b 2048 -B' ;;
*) records= ;;
esac
# shellcheck disable=SC2086 # $records is two options or none
if ! tar -x -p -o $records -f - -C /; then
  cleanup
  echo "fleet: tar could not write the files (stream cut or disk full?)" >&2
  exit 72
fi
# Every file written is read back and hashed before anything is renamed. openssl hashes with the
# CPU's SHA instructions (x86 SHA-NI, ARMv8 crypto extensions): a 50 MB file costs ~0.05 s of CPU
# there against ~0.3 s for coreutils' sha256sum, which is the fallback. Measured on this path:
# reading back from the page cache costs less CPU than hashing while writing (tee into the hasher).
if [ -s "$check" ]; then
  if command -v openssl >/dev/null 2>&1; then
    hash_files() { xargs -0 openssl dgst -sha256 -r | sed 's/ \*/  /'; }
  else
    hash_files() { xargs -0 sha256sum; }
  fi
  # "SUM  PATH" lines: the path is everything after the two spaces (it may hold spaces itself).
  cut -d' ' -f3- "$check" | tr '\n' '\0' | hash_files 2>"$work/hash-errors" | sort >"$work/got"
  sort "$check" >"$work/want"
  if ! cmp -s "$work/want" "$work/got"; then
    comm -23 "$work/want" "$work/got" | sed 's/^[0-9a-f]*  //; s/^/fleet-bad /; s/$/: FAILED/'
    cleanup
    exit 73
  fi
fi
# One process per step, not one per file (a fork costs more than a small file's rename).
if [ -n "$owner" ] && ! cut -f1 "$moves" | tr '\n' '\0' | xargs -0 chown -- "$owner"; then cleanup; exit 74; fi
if [ -n "$mode" ] && ! cut -f1 "$moves" | tr '\n' '\0' | xargs -0 chmod -- "$mode"; then cleanup; exit 74; fi
if command -v perl >/dev/null 2>&1; then
  # perl-base is part of every Debian/Ubuntu (Jetson L4T, DGX OS, Raspberry Pi OS).
  perl -e 'while (<STDIN>) { chomp; my ($t, $f) = split /\t/, $_, 2; rename($t, $f) or die "fleet: cannot rename $t to $f: $!\n"; }' <"$moves" || {
    cleanup
    exit 75
  }
else
  while IFS="$tab" read -r tmp final; do
    if ! mv -f -- "$tmp" "$final"; then
      echo "fleet: cannot rename $tmp to $final" >&2
      cleanup
      exit 75
    fi
  done <"$moves"
fi
if [ -n "$owner" ] && [ -s "$dirs" ]; then
  while IFS= read -r d; do chown -- "$owner" "$d" || exit 74; done <"$dirs"
fi
echo "fleet-verified $(wc -l <"$check" | tr -d ' ')"
rm -rf -- "$work"
exit 0
