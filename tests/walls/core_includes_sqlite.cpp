// Must not compile: core outside core/storage may not include SQLite. See tests/walls.
#include <sqlite3.h>
