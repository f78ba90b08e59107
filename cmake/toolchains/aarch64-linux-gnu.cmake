# Cross-compiling for 64-bit Arm Linux with Debian's cross compiler and multiarch libraries:
#   apt-get install g++-aarch64-linux-gnu libssl-dev:arm64 ...   (see scripts/cross-arm64.sh)
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# The arm64 libraries and their CMake packages live in /usr/lib/aarch64-linux-gnu; the host's
# (/usr/lib/x86_64-linux-gnu) are kept out of every search.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(OCPP_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${OCPP_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${OCPP_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${OCPP_CROSS_TRIPLE})

# Programs run on the build machine; libraries, headers and packages come from the target's
# multiarch directories only.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu
                      /usr/lib/x86_64-linux-gnu/cmake /usr/include/x86_64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${OCPP_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)

# The build runs aarch64 programs (Catch2's test discovery, ctest) through qemu-user when it is
# installed (Debian's qemu-user-static): binfmt_misc may not be there to do it implicitly.
# No -L: the arm64 runtime is the multiarch one (libc6:arm64, libstdc++6:arm64, whose loader is
# /lib/ld-linux-aarch64.so.1). -L /usr/aarch64-linux-gnu would load the cross toolchain's
# ld.so (libc6-arm64-cross) with the multiarch libc.so.6 found through /etc/ld.so.cache: two
# builds of glibc whose private ABI differs, and the first pthread_create spins forever.
find_program(OCPP_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(OCPP_QEMU_AARCH64 AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${OCPP_QEMU_AARCH64})
endif()
