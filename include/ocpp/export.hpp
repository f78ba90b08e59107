// Symbol visibility of the public API. The shared library is built with hidden visibility
// by default; everything marked OCPP_API is exported. Harmless in the static library.
// A class nested in an OCPP_API class inherits its visibility: declare the opaque ones
// (`class OCPP_LOCAL Impl;`) hidden, or every out-of-line member of theirs is exported.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define OCPP_API __attribute__((visibility("default")))
#define OCPP_LOCAL __attribute__((visibility("hidden")))
#else
#define OCPP_API
#define OCPP_LOCAL
#endif
