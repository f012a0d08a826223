// Reaches Z3 from run/: forbidden, only solve/z3_phi_solver.cpp may.
#include <z3.h>
