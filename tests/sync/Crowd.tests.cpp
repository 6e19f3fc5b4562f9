// Team sync tests: Crowd (see CMakeLists.txt).
