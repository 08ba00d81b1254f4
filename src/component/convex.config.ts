import { defineComponent } from "convex/server";
import workpool from "@convex-dev/workpool/convex.config.js";
import rateLimiter from "@convex-dev/rate-limiter/convex.config.js";

const component = defineComponent("rules");
// Actions run durably through a workpool of the component's own.
component.use(workpool);
// Quotas (dispatch/quotas.ts) count action runs with a rate limiter of the component's own.
component.use(rateLimiter);

export default component;
