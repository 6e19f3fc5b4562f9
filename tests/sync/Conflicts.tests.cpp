// Team sync tests: Conflicts (see CMakeLists.txt).
