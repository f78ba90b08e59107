"""Conan 2 recipe of ocpp-client, kept in the project's repository (conan/).

    conan create conan -pr:a conan/profiles/debian12    # Debian's libraries, see the profile
    conan create conan                                  # every dependency from a Conan remote

Consumers get the CMake package ocpp-client (target ocpp::ocpp) and the pkg-config module
ocpp-client, as from `cmake --install`.
"""

import os
import re

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load

required_conan_version = ">=2.0"


class OcppClientConan(ConanFile):
    name = "ocpp-client"
    description = "Embeddable C++17 OCPP 1.6J charge-point library"
    license = "Apache-2.0"
    topics = ("ocpp", "ev-charging", "websocket")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"shared": [True, False], "fPIC": [True, False]}
    default_options = {"shared": False, "fPIC": True}

    # The recipe sits in conan/ of the source tree: the sources are one level up.
    _source_parts = ("CMakeLists.txt", "LICENSE", "cmake/*", "include/*", "src/*")

    @property
    def _root(self):
        return os.path.join(self.recipe_folder, "..")

    @property
    def _tests(self):
        # The tests are built only on request (-c tools.build:skip_test=False).
        return not self.conf.get("tools.build:skip_test", default=True, check_type=bool)

    def set_version(self):
        if not self.version:
            text = load(self, os.path.join(self._root, "CMakeLists.txt"))
            self.version = re.search(r"project\(ocpp-client VERSION ([0-9.]+)", text).group(1)

    def export_sources(self):
        for pattern in self._source_parts:
            copy(self, pattern, src=self._root, dst=self.export_sources_folder)
        if self._tests:
            copy(self, "tests/*", src=self._root, dst=self.export_sources_folder,
                 excludes=("tests/integration/node_modules/*",))

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        self.requires("openssl/[>=3 <4]")
        self.requires("sqlite3/[>=3.40]")
        self.requires("libwebsockets/[>=4 <5]")
        # Header-only and private: nothing of RapidJSON is in ocpp-client's headers.
        self.requires("rapidjson/[>=1.1]", transitive_headers=False)

    def build_requirements(self):
        if self._tests:
            self.test_requires("catch2/[>=2.13 <3]")

    def validate(self):
        from conan.tools.build import check_min_cppstd
        check_min_cppstd(self, 17)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["OCPP_BUILD_TESTS"] = self._tests
        tc.cache_variables["OCPP_BUILD_EXAMPLES"] = False
        tc.cache_variables["OCPP_BUILD_BENCH"] = False
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()
        if self._tests:
            cmake.test()

    def package(self):
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))
        CMake(self).install()

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "ocpp-client")
        self.cpp_info.set_property("cmake_target_name", "ocpp::ocpp")
        self.cpp_info.set_property("pkg_config_name", "ocpp-client")
        self.cpp_info.libs = ["ocpp-client"]
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
        # A dependency given by [platform_requires] is not in self.dependencies and carries no
        # link information: link its system library by name. Real Conan packages are linked
        # through their components.
        deps = self.dependencies.host
        links = (("openssl", ["openssl::ssl", "openssl::crypto"], ["ssl", "crypto"]),
                 ("sqlite3", ["sqlite3::sqlite3"], ["sqlite3"]),
                 ("libwebsockets", ["libwebsockets::libwebsockets"], ["websockets"]))
        for name, components, system_libs in links:
            if name in deps:
                self.cpp_info.requires += components
            else:
                self.cpp_info.system_libs += system_libs
        if "rapidjson" in deps:
            self.cpp_info.requires.append("rapidjson::rapidjson")
