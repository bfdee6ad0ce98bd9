/**
 * Importing the `undici` package (v7, for the viewers' keep-alive pools)
 * installs its Agent as the process-wide dispatcher, which Node's built-in
 * `fetch` (bundled undici 6) then calls and fails with UND_ERR_INVALID_ARG.
 * The benchmark process therefore uses undici's own `fetch` as the global
 * one (test-env's registry pushes call the global `fetch`), so both sides of
 * the dispatcher are the same version. Import this module first.
 */
import { fetch as undiciFetch } from 'undici';

globalThis.fetch = undiciFetch as unknown as typeof globalThis.fetch;
