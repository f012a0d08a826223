// dir_reader_generic.cpp — the DIR walk for any x86-64 machine.
#define DUST_READER_NS generic
#include "dir_reader.inl"
