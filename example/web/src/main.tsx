/**
 * The example page: the rules of a workspace, their history and why each
 * execution ran or didn't, with convex-rules/react. With VITE_CONVEX_URL it
 * reads a deployment of the example app; without it, what `npm run demo`
 * recorded (public/demo-data.json).
 */
import "convex-rules/react/styles.css";
import "./page.css";
import { ConvexReactClient } from "convex/react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { LiveApp } from "./LiveApp.js";
import { StaticApp } from "./StaticApp.js";

const convexUrl = import.meta.env.VITE_CONVEX_URL;

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    {convexUrl ? <LiveApp client={new ConvexReactClient(convexUrl)} url={convexUrl} /> : <StaticApp />}
  </StrictMode>,
);
