// Lists six tools and never answers a single call.
import { tool } from "./rpc.js";

const tools = ["search", "fetch", "summarise", "translate", "convert", "lookup"].map((n) => tool(n));
export const handlers = {
  "tools/list": () => ({ tools }),
  "tools/call": () => new Promise(() => {}),
};
