// A loader that knows the machine: forbidden.
#include "run/machine_bits.hpp"
#include "dust/fine.hpp"
