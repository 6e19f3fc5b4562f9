// Team sync tests: Tamper (see CMakeLists.txt).
