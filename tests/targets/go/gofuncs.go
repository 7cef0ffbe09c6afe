// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause

// A Go target for the function probe tests: main.add is called N times with
// known arguments, and its arguments travel in Go's register ABI (RAX, RBX).
//
// "gofuncs types FILE" calls instead functions whose arguments take several
// registers each (a string two, a slice three, an interface two), a known
// number of times with known values, strings and slices cut from longer ones
// so that a read past their length shows; FILE gets the two words of the
// interfaces passed, which the test cannot know otherwise.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"
)

//go:noinline
func add(a, b int) int {
	return a + b
}

// s in RAX (pointer) and RBX (length), n in RCX.
//
//go:noinline
func greet(s string, n int) int {
	return len(s) + n
}

// b in RAX, RBX, RCX (pointer, length, capacity), n in RDI.
//
//go:noinline
func sum(b []byte, n int) int {
	t := n
	for _, c := range b {
		t += int(c)
	}
	return t
}

// v in RAX (type word) and RBX (data word), n in RCX.
//
//go:noinline
func kind(v interface{}, n int) int {
	if v == nil {
		return n
	}
	return n + 1
}

type point struct{ x, y int }

// The receiver, a pointer, is the first argument: p in RAX, s in RBX and RCX, n in RDI.
//
//go:noinline
func (p *point) move(s string, n int) int {
	p.x += n
	return p.x + len(s)
}

func check(what string, got, want int) {
	if got != want {
		fmt.Fprintln(os.Stderr, "gofuncs:", what, "returned", got, "want", want)
		os.Exit(1)
	}
}

// The interface's two words, as the ABI passes them.
func words(v interface{}) (uintptr, uintptr) {
	w := (*[2]uintptr)(unsafe.Pointer(&v))
	return w[0], w[1]
}

func types(file string) {
	long := "hello, world: only the first five bytes are the argument"
	for i := 0; i < 6; i++ {
		check("greet", greet(long[:5], i), 5+i)
	}
	for i := 0; i < 4; i++ {
		check("greet", greet(long[7:12], 100+i), 105+i)
	}
	check("greet", greet("", 42), 42)
	check("greet", greet(strings.Repeat("x", 100), 7), 107)

	digits := []byte("0123456789abcdef")
	check("sum", sum(digits[2:6], 1), 1+'2'+'3'+'4'+'5')
	check("sum", sum(digits[2:6], 2), 2+'2'+'3'+'4'+'5')
	check("sum", sum(nil, 3), 3)

	pt := &point{x: 1}
	var e interface{} = pt
	check("kind", kind(nil, 5), 5)
	check("kind", kind(e, 6), 7)
	check("move", pt.move(long[:5], 10), 16)

	tw, dw := words(e)
	out := fmt.Sprintf("%x %x %x\n", tw, dw, uintptr(unsafe.Pointer(pt)))
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gofuncs:", err)
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "types" {
		types(os.Args[2])
		return
	}
	n := 0
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	sum := 0
	for i := 0; i < n; i++ {
		sum = add(sum, i)
	}
	if sum != n*(n-1)/2 {
		fmt.Fprintln(os.Stderr, "gofuncs: wrong sum", sum)
		os.Exit(1)
	}
}

// A struct of a known layout for dereference ARGs: id at 0, method (a
// string header: pointer, length) at 8, path at 24.
type request struct {
	id     int
	method string
	path   string
}

// r in RAX, n in RBX.
//
//go:noinline
func (r *request) serve(n int) int {
	return r.id + len(r.method) + len(r.path) + n
}

// r in RAX, prefix in RBX and RCX, q in RDI: a member path from q starts at RDI.
//
//go:noinline
func (r *request) route(prefix string, q *request) int {
	return r.id + len(prefix) + q.id + len(q.path)
}

// "gofuncs deref N": serve called N times with known fields (id 100 + i,
// method "GET", path "/items/i"), and route with a second request (id 7,
// "POST", "/other"), each result checked; then the program ends.
func init() {
	if len(os.Args) < 3 || os.Args[1] != "deref" {
		return
	}
	n, _ := strconv.Atoi(os.Args[2])
	long := "/items/0123456789"
	other := &request{id: 7, method: "POST", path: "/other"}
	for i := 0; i < n; i++ {
		r := &request{id: 100 + i, method: "GET", path: long[:8+i%10]}
		check("serve", r.serve(i), 100+i+3+8+i%10+i)
		check("route", r.route("/v1", other), 100+i+3+7+6)
	}
	os.Exit(0)
}
