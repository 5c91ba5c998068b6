#!/usr/bin/env bash
# Runs every test given (cmocka binaries and shell tests), shows their
# output, and ends with one summary line: "N passed, N failed[, N skipped]".
# Integration tests need root; without it they are skipped, and said so.
# TEST_WRAPPER (words) runs before each binary: `make valgrind` sets it.
set -u
# Third-party caches kept until exit are not our leaks (see the file);
# slow unwinding finds them through libraries built without frame pointers.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0}
passed=0 failed=0 skipped=0
failed_names=()

for t in "$@"; do
	[ -e "$t" ] || continue
	case "$t" in
	*integration*)
		if [ "$(id -u)" -ne 0 ]; then
			echo "SKIP: $t (needs root)"; skipped=$((skipped + 1)); continue
		fi ;;
	esac
	echo "=== $t"
	out=$(mktemp)
	start=$(date +%s)
	if [ "${t%.sh}" != "$t" ]; then bash "$t" >"$out" 2>&1; else ${TEST_WRAPPER:-} "./$t" >"$out" 2>&1; fi
	rc=$?
	cat "$out"
	# cmocka: "[  PASSED  ] 3 test(s)." / "[  FAILED  ] 1 test(s), listed below:"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$out" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:.*/\1/p' "$out" | tail -n 1)
	# shell tests: one "PASS: name" or "FAIL: name" line per case
	if [ -z "$p$f" ]; then
		p=$(grep -c '^PASS: ' "$out"); f=$(grep -c '^FAIL: ' "$out")
	fi
	p=${p:-0} f=${f:-0}
	# A crash (sanitizer abort, signal) that printed no failure still fails.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)) failed=$((failed + f))
	[ "$f" -gt 0 ] && failed_names+=("$t")
	echo "--- $t: $p passed, $f failed ($(( $(date +%s) - start )) s)"
	rm -f "$out"
done

[ ${#failed_names[@]} -gt 0 ] && echo "failing: ${failed_names[*]}"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
