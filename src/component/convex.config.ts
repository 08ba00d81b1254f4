import { defineComponent } from "convex/server";
import workpool from "@convex-dev/workpool/convex.config.js";

const component = defineComponent("rules");
// Actions run durably through a workpool of the component's own.
component.use(workpool);

export default component;
