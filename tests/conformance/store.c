/* Store conformance: see the store issue. */
#include "conformance.h"

const struct conf_case store_cases[] = { { 0 } };
