import { defineComponent } from "convex/server";

const component = defineComponent("rules");

export default component;
