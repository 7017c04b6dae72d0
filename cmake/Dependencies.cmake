# Every third-party dependency is gathered into one interface target, cimvp_deps.
find_package(PkgConfig REQUIRED)
# libsystemc-dev ships a pkg-config file but no CMake package.
pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc)
find_package(yaml-cpp REQUIRED)
find_package(Boost REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(ONNX REQUIRED)
find_package(Protobuf REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)  # CRC-32 of program images

add_library(cimvp_deps INTERFACE)
target_link_libraries(cimvp_deps INTERFACE
    PkgConfig::SYSTEMC yaml-cpp Boost::boost nlohmann_json::nlohmann_json onnx onnx_proto
    protobuf::libprotobuf Threads::Threads ZLIB::ZLIB)
# SystemC's headers warn about deprecated features; keep our own warnings readable.
target_compile_definitions(cimvp_deps INTERFACE SC_INCLUDE_DYNAMIC_PROCESSES)

if(CIMVP_SANITIZE)
    # UBSan findings abort the test instead of printing and carrying on.
    target_compile_options(cimvp_deps INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=all
                                                -fno-omit-frame-pointer)
    target_link_options(cimvp_deps INTERFACE -fsanitize=address,undefined)
endif()
