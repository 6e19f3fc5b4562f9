// Must not compile: core has no Qt. See tests/walls.
#include <QString>
