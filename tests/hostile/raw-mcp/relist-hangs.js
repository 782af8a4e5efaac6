// Answers the first tools/list and calls, then never answers a tools/list again.
import { text, tool } from "./rpc.js";

let listings = 0;
export const handlers = {
  "tools/list": () => {
    listings += 1;
    return listings === 1 ? { tools: [tool("alpha"), tool("beta")] } : new Promise(() => {});
  },
  "tools/call": ({ name }) => text(`${name} done`),
};
