export * from "./digest.js";
export * from "./diagnostic.js";
export * from "./errors.js";
export * from "./dockerignore.js";
export * from "./events.js";
export * from "./event-channel.js";
