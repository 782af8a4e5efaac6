// A bare JSON-RPC loop over stdio: one JSON message per line. A handler returns a result object,
// or undefined to never answer; it may use send() and the shared state to misbehave.
import readline from "node:readline";

export const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
export const notify = (method) => send({ jsonrpc: "2.0", method });

export function serve(handlers, options) {
  const capabilities = options.capabilities ?? { tools: { listChanged: true } };
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", async (line) => {
    const message = JSON.parse(line);
    if (message.id === undefined) return; // notifications
    let result;
    if (message.method === "initialize") {
      result = { protocolVersion: message.params.protocolVersion, capabilities, serverInfo: { name: "tools", version: "1.0.0" } };
    } else if (handlers[message.method]) {
      result = await handlers[message.method](message.params ?? {});
    } else if (message.method === "ping") {
      result = {};
    } else {
      send({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } });
      return;
    }
    if (result !== undefined) send({ jsonrpc: "2.0", id: message.id, result });
  });
  setInterval(() => {}, 60_000); // stay alive after stdin closes
}

export const tool = (name, description = `The ${name} tool.`) => ({
  name,
  description,
  inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
});

export const text = (value) => ({ content: [{ type: "text", text: value }] });
