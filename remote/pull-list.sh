# fleet pull, step 1 on each host: the regular files under REMOTE with their sha256 and size.
# POSIX sh, run as `sh -c SCRIPT fleet-pull-list REMOTE`. stdout: sha256sum lines ("SUM  PATH"),
# a line "--sizes--", then wc -c lines ("SIZE PATH", and wc's own "total" line).
remote=$1
if [ ! -e "$remote" ]; then
  echo "fleet: $remote does not exist" >&2
  exit 66
fi
find "$remote" -type f -exec sha256sum {} + || exit 1
echo --sizes--
find "$remote" -type f -exec wc -c {} + || exit 1
