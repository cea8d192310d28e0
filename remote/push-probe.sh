# fleet push, step 1 on each host: what is already there. POSIX sh, run as
# `sh -c SCRIPT fleet-probe PARENT HASH` (HASH 0 with --force: nothing is skipped, so nothing is hashed).
# stdin: the destination paths, one per line (fleet refuses names with a newline, tab or backslash).
# stdout: "missing-parent" when PARENT is not a directory; "d PATH" for each existing directory;
# "f SHA256  PATH" for each existing regular file (symlinks count as absent: rename replaces them).
parent=$1 hash=${2:-1}
[ -d "$parent" ] || echo missing-parent
list=$(mktemp) || exit 70
trap 'rm -f "$list"' EXIT
while IFS= read -r p; do
  if [ -L "$p" ]; then
    :
  elif [ -f "$p" ]; then
    printf '%s\n' "$p" >>"$list"
  elif [ -d "$p" ]; then
    printf 'd %s\n' "$p"
  fi
done
# One sha256sum for all files (xargs -0: GNU, busybox); unreadable files just do not match.
if [ "$hash" = 1 ] && [ -s "$list" ]; then
  tr '\n' '\0' <"$list" | xargs -0 sha256sum 2>/dev/null | sed 's/^/f /'
fi
exit 0
