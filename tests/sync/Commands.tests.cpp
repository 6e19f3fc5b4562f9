// Team sync tests: Commands (see CMakeLists.txt).
