// Team sync tests: Faults (see CMakeLists.txt).
