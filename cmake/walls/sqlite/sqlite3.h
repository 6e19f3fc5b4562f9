// Wall: only core/storage may include sqlite3.h. This decoy sits first on the include path of
// every other target so that a stray include fails the build (style.md, dependency walls).
#error "sqlite3.h is only for core/storage; use the storage wrapper"
