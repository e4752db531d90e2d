/* exs-fuzz.h: the one entry point every harness in fuzz/ defines.
 *
 * With -Dfuzzing=true and clang, libFuzzer supplies main() and calls it;
 * otherwise exs-fuzz-replay.c supplies a main() that feeds it every file of
 * the harness's committed corpus, so the normal test suite replays it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
