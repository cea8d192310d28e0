# fleet push, step 2 on each host. POSIX sh, run as `sh -c SCRIPT fleet-receive NONCE MKDIR PARENT MODE OWNER`.
# stdin: manifest lines, then "--fleet-end--<TAB>BYTES1<TAB>BYTES2", then two tar archives of
# exactly those lengths (a length of 0: that archive is not sent). Manifest lines are
#   SHA256<TAB>TMP<TAB>FINAL     a small file of archive 1: tar writes TMP (beside FINAL), then one
#                                sha256sum re-reads them all (from the page cache)
#   H<TAB>SHA256<TAB>TMP<TAB>FINAL  a large file of archive 2: hashed while it is written (GNU tar
#                                hands it to a hook that tees it into TMP and sha256sum), not re-read
#   D<TAB>PATH                   a directory archive 1 creates (only --owner touches it)
# Every file is verified before any is renamed; on failure (or TERM/INT/HUP: an interrupted push)
# the temp files are removed and every old file is left as it was.
nonce=$1 mkdir=$2 parent=$3 mode=$4 owner=$5
if [ "$mkdir" = 1 ]; then
  mkdir -p -- "$parent" || exit 71
fi
if [ ! -d "$parent" ]; then
  echo "fleet: $parent does not exist (use --mkdir to create it)" >&2
  exit 71
fi
work=$(mktemp -d) || exit 70
check=$work/check hashed=$work/hashed landed=$work/landed moves=$work/moves dirs=$work/dirs
: >"$check"; : >"$hashed"; : >"$landed"; : >"$moves"; : >"$dirs"
len1=0 len2=0
tab=$(printf '\t')
cleanup() {
  while IFS="$tab" read -r tmp final; do rm -f -- "$tmp"; done <"$moves"
  rm -rf -- "$work"
}
trap 'cleanup; exit 130' INT TERM HUP
# A closed channel must not kill this shell halfway through cleaning up: writes just fail instead.
trap '' PIPE
while IFS= read -r line; do
  case $line in
    "--fleet-end--$tab"*)
      rest=${line#*"$tab"} && len1=${rest%%"$tab"*} len2=${rest#*"$tab"}
      break
      ;;
    "D$tab"*) printf '%s\n' "${line#D"$tab"}" >>"$dirs" ;;
    "H$tab"*)
      rest=${line#H"$tab"}
      sum=${rest%%"$tab"*} rest=${rest#*"$tab"}
      tmp=${rest%%"$tab"*} final=${rest#*"$tab"}
      printf '%s  %s\n' "$sum" "$tmp" >>"$hashed"
      printf '%s\t%s\n' "$tmp" "$final" >>"$moves"
      ;;
    *)
      sum=${line%%"$tab"*} rest=${line#*"$tab"}
      tmp=${rest%%"$tab"*} final=${rest#*"$tab"}
      printf '%s  %s\n' "$sum" "$tmp" >>"$check"
      printf '%s\t%s\n' "$tmp" "$final" >>"$moves"
      ;;
  esac
done
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
# `head -c` hands each tar exactly its archive (GNU head reads no further than asked).
if [ "$len1" -gt 0 ] && ! head -c "$len1" | tar -x -p -o -f - -C /; then
  cleanup
  echo "fleet: tar could not write the files (stream cut or disk full?)" >&2
  exit 72
fi
if [ "$len2" -gt 0 ]; then
  if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    # GNU tar pipes each file into this hook instead of writing it: tee writes the temp file while
    # sha256sum hashes the same bytes. A failed write (disk full) adds a line to what is hashed, so
    # the sum cannot match; the mode and mtime of the archive are set as tar -p would.
    hook='f=/$TAR_FILENAME; s=$({ tee -- "$f" || echo fleet-write-failed; } | sha256sum) &&
      chmod "$TAR_MODE" "$f" && touch -d "@$TAR_MTIME" "$f" && printf "%s  %s\n" "${s%% *}" "$f"'
    head -c "$len2" | tar -x -f - -C / --to-command="$hook" >"$landed"
  else
    # Another tar (busybox): write, then re-read like the small files.
    head -c "$len2" | tar -x -p -o -f - -C / && cat "$hashed" >>"$check" && cp "$hashed" "$landed"
  fi || {
    cleanup
    echo "fleet: tar could not write the files (stream cut or disk full?)" >&2
    exit 72
  }
fi
sort "$hashed" >"$work/want" && sort "$landed" >"$work/got"
if ! cmp -s "$work/want" "$work/got"; then
  comm -23 "$work/want" "$work/got" | sed 's/^[0-9a-f]*  //; s/^/fleet-bad /; s/$/: FAILED/'
  cleanup
  exit 73
fi
if [ -s "$check" ] && ! sha256sum -c "$check" >"$work/verify" 2>&1; then
  grep -v ': OK$' "$work/verify" | sed 's/^/fleet-bad /'
  cleanup
  exit 73
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
echo "fleet-verified $(cat "$check" "$hashed" | wc -l | tr -d ' ')"
rm -rf -- "$work"
exit 0
