#pragma once
// The fuzz targets' own invariant checks: a failed one prints what broke and
// aborts, which libFuzzer reports as a crash and saves the input for.
#include <cstdio>
#include <cstdlib>

#define SLUICE_FUZZ_CHECK(cond, what)                                                          \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(stderr, "fuzz check failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                         what, #cond);                                                         \
            std::abort();                                                                      \
        }                                                                                      \
    } while (0)
