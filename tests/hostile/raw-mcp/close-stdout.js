// Answers the listing, then closes its stdout on the first call and keeps running.
import fs from "node:fs";
import { tool } from "./rpc.js";

export const handlers = {
  "tools/list": () => ({ tools: [tool("first"), tool("second"), tool("third")] }),
  "tools/call": () => {
    fs.closeSync(1);
    return new Promise(() => {});
  },
};
