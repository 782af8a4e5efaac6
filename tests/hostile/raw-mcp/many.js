// As many tools as the second argument says (default 10,000), each with its own honest description:
// the scale benchmark's target and, with a few dozen, the test that sampling is stated.
import { text, tool } from "./rpc.js";

const count = Number(process.argv[3] ?? 10000);
const tools = Array.from({ length: count }, (_, n) =>
  tool(`tool_${n}`, `Formats record ${n} of the ledger as plain text.`),
);
export const handlers = {
  "tools/list": () => ({ tools }),
  "tools/call": ({ name }) => text(`${name} done`),
};
