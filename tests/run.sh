#!/bin/sh
# Runs the test binaries and prints one closing line for all of them.
# Integration tests load BPF programs and need root; they run one at a time
# because some count the links attached system-wide.
set -u
passed=0 failed=0 rc=0
for bin in "$@"; do
	case "$bin" in
	*integration*)
		if [ "$(id -u)" -ne 0 ]; then
			echo "SKIP $bin: needs root (BPF programs are loaded)"
			[ -n "${CI:-}" ] && rc=1
			continue
		fi
		args="--jobs 1" ;;
	*) args="" ;;
	esac
	log=$(mktemp)
	# Into a file, not a pipe: a process a failed test left behind holding the pipe
	# would keep tee waiting for ever. The timeout bounds a hung test the same way.
	# shellcheck disable=SC2086
	timeout -k 10 1200 "$bin" $args >"$log" 2>&1
	cat "$log"

	line=$(grep 'Synthesis:' "$log" | tail -n 1)
	# An integration test that fails once is run again alone, and named either way:
	# a pass the second time is reported as FLAKY, never hidden.
	if [ "$args" != "" ]; then
		for t in $(sed -n 's/^\[FAIL\] \([a-z_]*\)::\([a-z_0-9]*\):.*/\1\/\2/p' "$log"); do
			if "$bin" --jobs 1 --filter "$t" >/dev/null 2>&1; then
				echo "FLAKY $t: failed, then passed when run again alone"
				line=$(echo "$line" | awk '{ for (i = 1; i <= NF; i++) { if ($(i-1) == "Passing:") $i++; if ($(i-1) == "Failing:") $i--; } print }')
			else
				echo "FAIL $t: failed again when run alone"
			fi
		done
	fi
	rm -f "$log"
	p=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	c=$(echo "$line" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
	if [ -z "$p" ]; then
		echo "FAIL $bin: no result line"
		failed=$((failed + 1))
		rc=1
		continue
	fi
	passed=$((passed + p))
	failed=$((failed + ${f:-0} + ${c:-0}))
	[ "${f:-0}" -ne 0 ] || [ "${c:-0}" -ne 0 ] && rc=1
done
echo "tests: $passed passed, $failed failed"
exit $rc
