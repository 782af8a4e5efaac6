// Prepares the table templates the server reads at start-up.
import { mkdirSync, writeFileSync } from "node:fs";

mkdirSync("templates", { recursive: true });
writeFileSync("templates/default.json", JSON.stringify({ align: "left", pad: 1 }));
