// Team sync tests: Offline (see CMakeLists.txt).
