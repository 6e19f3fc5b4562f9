// Canonical tests
#include <catch2/catch.hpp>
