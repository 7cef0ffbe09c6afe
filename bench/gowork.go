// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause

// The Go benchmark workload (bench/bench.py --only go): N calls of main.F, a
// //go:noinline function with a stack-check prologue (it calls mix, so it
// has a frame) and two RET instructions, in a tight loop on one goroutine.
// It times its own loop, as bench/workload does, so a tracer's start-up is
// never part of the measurement:
//
//	gowork go N
//
// With BENCH_WAIT set it prints "ready" and waits for a byte on stdin before
// the loop. The result goes to the file named by BENCH_OUT (stdout otherwise)
// as one line: loop_ns=... cpu_ns=... events=...
// It checks its own sum, so that a probe that harmed a call shows as exit 1.
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

//go:noinline
func mix(a int64) int64 {
	return a ^ 0x5bd1e995
}

// F returns through one of two RETs: a+1 for 7 calls in 8, mix(a)+1 for the 8th.
//
//go:noinline
func F(a int64) int64 {
	if a&7 == 0 {
		return mix(a) + 1
	}
	return a + 1
}

func cpuNs() int64 {
	var ru syscall.Rusage

	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "gowork: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 || os.Args[1] != "go" {
		die("usage: gowork go N")
	}
	n, err := strconv.ParseInt(os.Args[2], 10, 64)
	if err != nil || n < 1 {
		die("bad N '%s'", os.Args[2])
	}
	if os.Getenv("BENCH_WAIT") != "" {
		fmt.Println("ready")
		b := make([]byte, 1)
		os.Stdin.Read(b)
	}
	var s, want int64
	c0, t0 := cpuNs(), time.Now()
	for i := int64(0); i < n; i++ {
		s += F(i)
	}
	loop, cpu := time.Since(t0).Nanoseconds(), cpuNs()-c0
	for i := int64(0); i < n; i++ {
		if i&7 == 0 {
			want += (i ^ 0x5bd1e995) + 1
		} else {
			want += i + 1
		}
	}
	if s != want {
		die("sum %d, want %d: a call went wrong", s, want)
	}
	line := fmt.Sprintf("loop_ns=%d cpu_ns=%d events=%d\n", loop, cpu, n)
	if path := os.Getenv("BENCH_OUT"); path != "" {
		if err := os.WriteFile(path, []byte(line), 0644); err != nil {
			die("%s: %v", path, err)
		}
		return
	}
	fmt.Print(line)
}
