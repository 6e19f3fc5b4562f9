// Team sync tests: Engine (see CMakeLists.txt).
