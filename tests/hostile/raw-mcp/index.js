// Runs the behaviour named by the first argument: ./<name>.js exports a handler table for rpc.js.
import { serve } from "./rpc.js";

const name = process.argv[2];
if (!/^[a-z-]+$/.test(name ?? "")) throw new Error(`name a behaviour, got ${name}`);
const behaviour = await import(`./${name}.js`);
serve(behaviour.handlers, behaviour.options ?? {});
