// Runs the sandbox conformance suite against the runc driver.
import { describeConformance } from "./conformance-suite.js";

describeConformance("runc");
