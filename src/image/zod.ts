/**
 * Schemas in tsbuild use zod's tree-shakable `zod/mini` API (`import * as z from "zod/mini"`,
 * used only through property access so the bundler keeps what is used): the full `zod` entry
 * point bundles every locale and the JSON-schema tooling, about 750 kB that each `tsbuild` start
 * would otherwise compile. zod/mini loads no locale by itself; importing this module sets zod's
 * English messages, as the full entry point does.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());
