// sanitizer_options.cpp — AddressSanitizer's defaults for dustdbg (only
// in sanitizer builds).
//
// OpenGL drivers (Mesa's, loaded and unloaded at run time) keep
// allocations until the process ends, which LeakSanitizer reports as leaks
// in code that is not ours, from modules it can no longer name. Leak
// checking stays on where our own leaks would be: the model, exercised
// without OpenGL by debugger_tests.
#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
#endif
