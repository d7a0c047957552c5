// Runs the CVE-2024-21626 cwd check (cwd /proc/self/fd/N, N = 3..64) against the OCI drivers.
import { describeCwdEscape } from "./conformance-suite.js";

describeCwdEscape("runc");
describeCwdEscape("crun");
