// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause

// A Go target for the function probe tests: main.add is called N times with
// known arguments, and its arguments travel in Go's register ABI (RAX, RBX).
package main

import (
	"fmt"
	"os"
	"strconv"
)

//go:noinline
func add(a, b int) int {
	return a + b
}

func main() {
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
