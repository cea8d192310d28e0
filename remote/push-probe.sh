# fleet push, step 1 on each host: what is already there. POSIX sh, run as
# `sh -c SCRIPT fleet-probe PARENT HASH` (HASH 0 with --force: nothing is skipped, so nothing is hashed).
# stdin: the destination paths, one per line (fleet refuses names with a newline, tab or backslash).
# stdout: "missing-parent" when PARENT is not a directory; "d PATH" for each existing directory;
# "f SHA256  PATH" for each existing regular file (symlinks count as absent: rename replaces them).
parent=$1 hash=${2:-1}
[ -d "$parent" ] || echo missing-parent
work=$(mktemp -d) || exit 70
trap 'rm -rf -- "$work"' EXIT
# One stat for all paths, no shell loop (sh's `read` takes one byte per system call: a 2,000-file push
# is ~100,000 of them). %f is the raw mode in hex, its first digit the type: 8 a regular file,
# 4 a directory (a for a symlink, not listed). Missing paths just print nothing.
tr '\n' '\0' | xargs -0 stat -c '%f %n' 2>/dev/null >"$work/types"
sed -n 's/^4[0-9a-f][0-9a-f][0-9a-f] /d /p' "$work/types"
sed -n 's/^8[0-9a-f][0-9a-f][0-9a-f] //p' "$work/types" >"$work/files"
# One hasher for all files; openssl uses the CPU's SHA instructions (see push-receive.sh), sha256sum
# is the fallback. Unreadable files just do not match.
if [ "$hash" = 1 ] && [ -s "$work/files" ]; then
  if command -v openssl >/dev/null 2>&1; then
    tr '\n' '\0' <"$work/files" | xargs -0 openssl dgst -sha256 -r 2>/dev/null | sed 's/ \*/  /; s/^/f /'
  else
    tr '\n' '\0' <"$work/files" | xargs -0 sha256sum 2>/dev/null | sed 's/^/f /'
  fi
fi
exit 0
