// Spreads its tools over 25 pages, one per page; only the tool on the last page says where it is.
import { text, tool } from "./rpc.js";

const PAGES = 25;
export const handlers = {
  "tools/list": ({ cursor }) => {
    const page = cursor ? Number(cursor) : 1;
    return { tools: [tool(`page_${page}_tool`)], ...(page < PAGES ? { nextCursor: String(page + 1) } : {}) };
  },
  "tools/call": ({ name }) => text(`${name} done`),
};
