#!/usr/bin/env bash
# crash-test --keep DIR and DEMO_DIR are wiped before a run: each script must
# refuse a folder it did not make (no marker file), leave it as it was, and
# accept a new or empty folder and one it made before.
#   wipe_guard_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1 build=$2
tmp=$(mktemp -d /tmp/wipe-guard.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect_refused() {  # NAME DIR COMMAND...
  local name=$1 dir=$2
  shift 2
  mkdir -p "$dir" && echo keep >"$dir/precious"
  "$@" >"$tmp/out" 2>&1
  local rc=$?
  if [ "$rc" -ne 2 ] || [ "$(cat "$dir/precious" 2>/dev/null)" != keep ] ||
    ! grep -q "is not a folder" "$tmp/out"; then
    echo "FAIL: $name: rc $rc, precious file $( [ -e "$dir/precious" ] && echo kept || echo GONE)" >&2
    cat "$tmp/out" >&2
    fail=1
  else
    echo "ok: $name refused a folder it did not make"
  fi
}
expect_refused "crash-test --keep" "$tmp/ct" "$src/scripts/crash-test.sh" --short --build "$build" --keep "$tmp/ct"
expect_refused "demo DEMO_DIR" "$tmp/demo" env DEMO_DIR="$tmp/demo" "$src/scripts/demo.sh" "$build"
# A plain file is refused too.
echo keep >"$tmp/file"
if "$src/scripts/crash-test.sh" --short --build "$build" --keep "$tmp/file" >/dev/null 2>&1 ||
  [ "$(cat "$tmp/file")" != keep ]; then
  echo "FAIL: crash-test --keep accepted a plain file" >&2
  fail=1
else
  echo "ok: crash-test --keep refused a plain file"
fi
exit "$fail"
