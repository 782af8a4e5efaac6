// Before answering its listing, writes 256 MiB on stdout without a newline; then behaves.
import { text, tool } from "./rpc.js";

const chunk = "A".repeat(1 << 20);
const flood = () =>
  new Promise((resolve) => {
    let left = 256;
    const write = () => {
      while (left > 0) {
        left -= 1;
        if (!process.stdout.write(chunk)) return process.stdout.once("drain", write);
      }
      process.stdout.write("\n", resolve);
    };
    write();
  });

export const handlers = {
  "tools/list": async () => {
    await flood();
    return { tools: [tool("echo")] };
  },
  "tools/call": () => text("done"),
};
