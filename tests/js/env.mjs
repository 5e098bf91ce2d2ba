// What every JS test reads of its surroundings, with no browser library
// attached: the sandbox `cargo xtask test` started, and where artifacts go.
export const SANDBOX = process.env.SANDBOX_URL;
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);
