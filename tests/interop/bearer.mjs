// Preloaded into the conformance runner with `node --import`. Its server scenarios connect without credentials (the
// CLI has no header option), so every request this process sends to the gateway's origin gets the member's bearer
// token. Node's fetch (the MCP SDK transport) and undici's request (raw checks such as DNS rebinding) both go through
// the global dispatcher installed here. Requests that already carry an Authorization header are left alone.
import { Agent, setGlobalDispatcher } from 'undici';

const token = process.env.LARKGATE_INTEROP_TOKEN;
const origin = process.env.LARKGATE_INTEROP_ORIGIN;
if (!token || !origin) {
  throw new Error('bearer.mjs needs LARKGATE_INTEROP_TOKEN and LARKGATE_INTEROP_ORIGIN');
}

// Undici passes headers as a flat [name, value, ...] array, an iterable of pairs or a plain object.
function flat(headers) {
  if (headers == null) return [];
  if (Array.isArray(headers)) return headers;
  const pairs = typeof headers[Symbol.iterator] === 'function' ? [...headers] : Object.entries(headers);
  return pairs.flat();
}

function withBearer(dispatch) {
  return (options, handler) => {
    const headers = flat(options.headers);
    const named = headers.filter((_, i) => i % 2 === 0).map((name) => String(name).toLowerCase());
    if (new URL(String(options.origin)).origin !== origin || named.includes('authorization')) {
      return dispatch(options, handler);
    }
    return dispatch({ ...options, headers: [...headers, 'authorization', `Bearer ${token}`] }, handler);
  };
}

setGlobalDispatcher(new Agent().compose(withBearer));
