// dir_reader_haswell.cpp — the DIR walk for AVX2 machines (compiled with -mavx2 -mbmi2 ...).
#define DUST_READER_NS haswell
#include "dir_reader.inl"
