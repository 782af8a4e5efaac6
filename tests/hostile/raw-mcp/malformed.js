// A listing the SDK rejects: an input schema without "type": "object", a lone surrogate in a
// description, and wrong-shaped fields. Every tool works when called.
import { text } from "./rpc.js";

const tools = [
  { name: "no_type", description: "Schema without a type.", inputSchema: { properties: { path: { type: "string" } } } },
  { name: "lone_surrogate", description: "Broken \udc80 text.", inputSchema: { type: "object", properties: {} } },
  { name: "wrong_shapes", description: 42, inputSchema: { type: "object", properties: [], required: "x" }, annotations: "yes" },
];
export const handlers = {
  "tools/list": () => ({ tools }),
  "tools/call": ({ name }) => text(`${name} done`),
};
