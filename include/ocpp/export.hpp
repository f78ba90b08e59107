// Symbol visibility of the public API. The shared library is built with hidden visibility
// by default; everything marked OCPP_API is exported. Harmless in the static library.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define OCPP_API __attribute__((visibility("default")))
#else
#define OCPP_API
#endif
