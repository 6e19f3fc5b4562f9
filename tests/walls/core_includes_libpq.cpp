// Must not compile: only core/remote may include libpq. See tests/walls.
#include <libpq-fe.h>
