// Writes log lines on stdout between its messages, and once writes text in front of a message on
// the same line; everything it is asked is answered.
import { text, tool } from "./rpc.js";

export const handlers = {
  "tools/list": () => {
    for (let i = 0; i < 2000; i += 1) process.stdout.write(`[debug] cache warm-up step ${i}\n`);
    return { tools: [tool("echo")] };
  },
  "tools/call": ({ arguments: args }) => {
    process.stdout.write("ready> ");
    return text(`echo: ${args?.text ?? ""}`);
  },
};
