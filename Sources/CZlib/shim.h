#ifndef AUGBENCH_CZLIB_SHIM_H
#define AUGBENCH_CZLIB_SHIM_H
#include <zlib.h>
#endif
