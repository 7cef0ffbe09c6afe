// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause

// A Go target for return probes: each mode calls its functions a known number
// of times with known arguments and checks every result itself, exiting 1 on
// any mismatch, so that a probe that harms the program shows.
//
//	goret deep N     N runs of Deep(100), each on a new goroutine whose stack
//	                 grows (runtime.morestack restarts Deep); Deep(n) returns n
//	goret block N G [FILE]
//	                 G goroutines (GOMAXPROCS 4) call Block(i) N times each; it
//	                 sleeps (parked, resumed on any thread) or blocks in a
//	                 syscall, and returns 3*i+1; prints (or writes to FILE) how
//	                 many calls returned on another thread than they entered on
//	goret panic N    Risky(i) for i = 1..N through a recover: it panics when
//	                 i%4 == 0, else returns 2*i
//	goret multi N    Multi(i) for i = 0..N-1: three RETs, by i%3
//	goret errs N     Parse(i) for i = 0..N-1: (0, error) when i%5 == 0, else (10*i, nil)
//	goret goexit N   N goroutines call Exit(i), which ends its goroutine
//	                 (runtime.Goexit) for i >= 0: it never returns
//	goret all        each of them, small
//
// GORET_DELAY (a Go duration) makes it sleep that long first, for a tracer
// that attaches once it has seen the exec.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func check(what string, got, want int) {
	if got != want {
		fmt.Fprintln(os.Stderr, "goret:", what, "returned", got, "want", want)
		os.Exit(1)
	}
}

//go:noinline
func touch(b []byte, n int) int {
	b[n%len(b)] = byte(n)
	return int(b[(n+1)%len(b)])
}

// A 512-byte frame: 100 levels pass a new goroutine's 8 KiB stack.
//
//go:noinline
func Deep(n int) int {
	var buf [512]byte
	if n == 0 {
		return touch(buf[:], 0)
	}
	return Deep(n-1) + 1 + touch(buf[:], n)
}

func deep(runs int) {
	for r := 0; r < runs; r++ {
		done := make(chan int)
		go func() { done <- Deep(100) }()
		check("Deep", <-done, 100)
	}
}

var migrated atomic.Int64

//go:noinline
func Block(i int) int {
	before := syscall.Gettid()
	if i%2 == 0 {
		time.Sleep(time.Millisecond)
	} else {
		// Go's preemption signal cuts a sleep short (EINTR): the rest is slept.
		ts := syscall.Timespec{Nsec: 1000000}
		for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
		}
	}
	if syscall.Gettid() != before {
		migrated.Add(1)
	}
	return 3*i + 1
}

func block(n, g int, file string) {
	var wg sync.WaitGroup

	runtime.GOMAXPROCS(4)
	for k := 0; k < g; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for j := 0; j < n; j++ {
				i := k*n + j
				check("Block", Block(i), 3*i+1)
			}
		}(k)
	}
	wg.Wait()
	out := fmt.Sprintf("migrated %d\n", migrated.Load())
	if file == "" {
		fmt.Print(out)
	} else if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "goret:", err)
		os.Exit(1)
	}
}

//go:noinline
func Risky(i int) int {
	if i%4 == 0 {
		panic(i)
	}
	return 2 * i
}

//go:noinline
func safe(i int) (r int, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return Risky(i), true
}

func risky(n int) {
	for i := 1; i <= n; i++ {
		r, ok := safe(i)
		if ok != (i%4 != 0) {
			fmt.Fprintln(os.Stderr, "goret: Risky", i, "panicked:", !ok)
			os.Exit(1)
		}
		if ok {
			check("Risky", r, 2*i)
		}
	}
}

var sink int

// Three RETs: i%3 == 0 returns i+1, 1 returns 2*i+1000000, 2 returns -i.
//
//go:noinline
func Multi(i int) int {
	switch i % 3 {
	case 0:
		return i + 1
	case 1:
		sink += i
		return 2*i + 1000000
	}
	sink -= i
	return -i
}

func multi(n int) {
	for i := 0; i < n; i++ {
		want := -i
		switch i % 3 {
		case 0:
			want = i + 1
		case 1:
			want = 2*i + 1000000
		}
		check("Multi", Multi(i), want)
	}
}

var errBad = errors.New("bad input")

//go:noinline
func Parse(i int) (int, error) {
	if i%5 == 0 {
		return 0, errBad
	}
	return 10 * i, nil
}

func errs(n int) {
	for i := 0; i < n; i++ {
		v, err := Parse(i)
		if (err != nil) != (i%5 == 0) {
			fmt.Fprintln(os.Stderr, "goret: Parse", i, "error", err)
			os.Exit(1)
		}
		if err == nil {
			check("Parse", v, 10*i)
		}
	}
}

//go:noinline
func Exit(i int) int {
	if i >= 0 {
		runtime.Goexit()
	}
	return i
}

func goexit(n int) {
	var wg sync.WaitGroup

	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			Exit(i)
			fmt.Fprintln(os.Stderr, "goret: Exit returned")
			os.Exit(1)
		}(i)
	}
	wg.Wait()
}

func arg(k, def int) int {
	if len(os.Args) > k {
		if n, err := strconv.Atoi(os.Args[k]); err == nil {
			return n
		}
	}
	return def
}

func main() {
	if d, err := time.ParseDuration(os.Getenv("GORET_DELAY")); err == nil {
		time.Sleep(d)
	}
	mode := "all"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "deep":
		deep(arg(2, 200))
	case "block":
		file := ""
		if len(os.Args) > 4 {
			file = os.Args[4]
		}
		block(arg(2, 20), arg(3, 8), file)
	case "panic":
		risky(arg(2, 41))
	case "multi":
		multi(arg(2, 30))
	case "errs":
		errs(arg(2, 50))
	case "goexit":
		goexit(arg(2, 10))
	case "all":
		deep(5)
		block(3, 4, "")
		risky(9)
		multi(9)
		errs(10)
	default:
		fmt.Fprintln(os.Stderr, "goret: unknown mode", mode)
		os.Exit(2)
	}
}
