// Runs the sandbox conformance suite against the builtin driver.
import { describeConformance } from "./conformance-suite.js";

describeConformance("builtin");
