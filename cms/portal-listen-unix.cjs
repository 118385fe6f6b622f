// Preloaded into decap-server by `portal serve --cms` (node --require): its server listens on
// the Unix socket PORTAL_DECAP_SOCKET (a folder only this user can enter) instead of a TCP port.
// decap-server writes content/ with no login; on a TCP port any web page could reach it by
// rebinding its own DNS name to 127.0.0.1.  A browser cannot open a Unix socket: the editor page
// reaches decap-server only through the preview server's /admin/api/v1, which checks the Host
// and Origin of every request (pipeline/cms_backend.py).
"use strict";
const net = require("net");

const socketPath = process.env.PORTAL_DECAP_SOCKET;
if (!socketPath) {
  console.error("portal-listen-unix: PORTAL_DECAP_SOCKET is not set");
  process.exit(2);
}
process.umask(0o077);
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const callback = args.find((arg) => typeof arg === "function");
  return listen.call(this, { path: socketPath, exclusive: true }, callback);
};
