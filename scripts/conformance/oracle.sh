#!/usr/bin/env bash
# Regenerates src/core/conformance/cases.json: harvests cases from a checkout
# of aws/event-ruler and asks event-ruler itself (compiled from that checkout)
# for each answer, in its array-consistent mode (rulesForJSONEvent).
#
# Usage: scripts/conformance/oracle.sh <event-ruler work tree> <classpath of jackson-core,
#        jackson-databind, jackson-annotations and jsr305 jars>
# fastdoubleparser (an event-ruler dependency) is replaced by a BigDecimal shim.
set -euo pipefail
ruler=$1
cp=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
mkdir -p "$work/classes" "$work/shim/ch/randelshofer/fastdoubleparser"
cp "$here/JavaBigDecimalParser.java" "$work/shim/ch/randelshofer/fastdoubleparser/"
javac -nowarn -d "$work/classes" -cp "$cp" "$work"/shim/ch/randelshofer/fastdoubleparser/*.java \
  $(find "$ruler/src/main" -name '*.java')
javac -nowarn -d "$work/classes" -cp "$cp:$work/classes" "$here/Oracle.java"
node "$here/harvest.mjs" "$ruler" > "$work/candidates.jsonl"
java -cp "$cp:$work/classes" Oracle < "$work/candidates.jsonl" > "$work/answers.jsonl"
node "$here/build.mjs" "$work/candidates.jsonl" "$work/answers.jsonl" "$here/deviations.json" \
  > "$here/../../src/core/conformance/cases.json"
