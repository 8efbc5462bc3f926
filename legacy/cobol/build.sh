#!/bin/sh
# Compiles the demo bank into OUTDIR, one program at a time:
#   online programs (CICS LINK targets) with `cobc -m` -> OUTDIR/CBxxx.so
#   batch programs with `cobc -x`                     -> OUTDIR/SEED ...
# Usage: legacy/cobol/build.sh OUTDIR
set -eu
out=${1:?usage: build.sh OUTDIR}
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for p in CBINQ CBOPEN CBPOST CBXFER CBSTMT CBCLOSE; do
  cobc -m -I "$src/copybooks" -I "$src/include" -o "$out/$p.so" "$src/$p.cbl"
done
for p in SEED EXTRACT EODINT; do
  cobc -x -I "$src/copybooks" -I "$src/include" -o "$out/$p" "$src/$p.cbl"
done
