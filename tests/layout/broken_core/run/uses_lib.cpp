// Reaches dustlib_k by angle brackets: forbidden.
#include <dustlib_k/dustlib_k.hpp>
#include <dust/recorder/trace_reader.hpp>
