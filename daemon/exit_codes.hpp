#pragma once
// Every exit status the tenantca binary uses, in one place (documented in
// docs/operations.md). Worker processes report to their master with their
// own statuses, which never reach the outside.

namespace tenantca::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitConfig = 1;  // configuration invalid, or a command failed
inline constexpr int kExitUsage = 2;   // command line not understood (CLI11)
inline constexpr int kExitWorkerBootFailures =
    3;                                  // serve: workers kept failing to boot; the master gave up
inline constexpr int kExitStartup = 4;  // serve: could not start (KEK, schema, port, database)

// A worker's status to its master (not a status of the binary): it could not boot.
inline constexpr int kWorkerExitBootError = 70;  // EX_SOFTWARE

}  // namespace tenantca::daemon
