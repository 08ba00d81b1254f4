/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** A deployment of the example app (https://<name>.convex.cloud): the page reads it live. */
  readonly VITE_CONVEX_URL?: string;
  /** The workspace (the rules' namespace) the live page shows; "acme" by default. */
  readonly VITE_WORKSPACE?: string;
}
