// Reaches into the recorder: forbidden.
#include "dust/recorder/trace_reader.hpp"
