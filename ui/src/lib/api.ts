// The one module through which the UI calls Rust. Everything is generated from the Rust
// commands (`bindings.ts`); this module only re-exports it under one name.

export { commands as api } from "./bindings";
export type * from "./bindings";
export { asAppError, nextStep, type AppError } from "./errors";
