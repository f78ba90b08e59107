# vcpkg port of ocpp-client. Use it as an overlay port:
#   vcpkg install ocpp-client --overlay-ports=<checkout>/vcpkg/ports
# With the environment variable OCPP_SOURCE_DIR set (and passed through with
# VCPKG_KEEP_ENV_VARS=OCPP_SOURCE_DIR) the port builds that source tree instead of the
# release archive.
if(DEFINED ENV{OCPP_SOURCE_DIR})
    set(SOURCE_PATH "$ENV{OCPP_SOURCE_DIR}")
else()
    # Fill in REPO and SHA512 when the project publishes its release tags.
    vcpkg_from_github(
        OUT_SOURCE_PATH SOURCE_PATH
        REPO ocpp-client/ocpp-client
        REF "v${VERSION}"
        SHA512 0
        HEAD_REF main
    )
endif()

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DOCPP_BUILD_TESTS=OFF
        -DOCPP_BUILD_EXAMPLES=OFF
        -DOCPP_BUILD_BENCH=OFF
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME ocpp-client CONFIG_PATH lib/cmake/ocpp-client)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
