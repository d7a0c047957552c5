// Runs the sandbox conformance suite against the crun driver.
import { describeConformance } from "./conformance-suite.js";

describeConformance("crun");
