/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The build's test targets, for unit tests that read real binaries. */
#ifndef AT_UNIT_TARGETS_H
#define AT_UNIT_TARGETS_H

/*
 * build/targets/NAME, next to this binary's build/tests/; asserts it is built
 * (naming the make target). One of 4 static buffers.
 */
const char *unit_target(const char *name);

#endif /* AT_UNIT_TARGETS_H */
