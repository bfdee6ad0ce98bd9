/*
 * Loaded into every jest test file (root package.json "jest.setupFiles").
 * Refuses, at the socket level, any TCP connection that is not to the
 * loopback interface, so no test can reach the network even if the code
 * under test is wrong. Refused attempts are recorded in
 * globalThis.__mlopsBlockedConnections for tests that assert on them.
 */
const net = require('node:net');

const blocked = [];
globalThis.__mlopsBlockedConnections = blocked;

function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true; // Node defaults to localhost
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.split('.')[0] === '127';
  if (net.isIPv6(h)) {
    if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return Boolean(mapped && mapped[1].split('.')[0] === '127');
  }
  return false; // any other name would need a DNS lookup: refuse
}

const originalConnect = net.Socket.prototype.connect;
if (!originalConnect.__mlopsGuard) {
  const guarded = function connect(...args) {
    let options = args[0];
    if (Array.isArray(options)) options = options[0];
    let host;
    let path;
    if (options && typeof options === 'object') {
      host = options.host;
      path = options.path;
    } else if (typeof options === 'number' || /^\d+$/.test(String(options))) {
      host = typeof args[1] === 'string' ? args[1] : undefined;
    } else if (typeof options === 'string') {
      path = options;
    }
    // A caller-supplied DNS lookup (e.g. an SSRF-guarding connector): let it
    // run, then allow only loopback answers. No real DNS is involved.
    if (!path && !isLoopback(host) && options && typeof options === 'object' && typeof options.lookup === 'function' && !net.isIP(String(host))) {
      const innerLookup = options.lookup;
      options.lookup = (name, opts, callback) => {
        innerLookup(name, opts, (err, address, family) => {
          if (err) return callback(err);
          const addresses = Array.isArray(address) ? address.map(a => a.address) : [address];
          const outside = addresses.find(a => !isLoopback(a));
          if (outside) {
            blocked.push(`${name} -> ${outside}`);
            const error = new Error(
              `test network guard: ${name} resolved to ${outside}; tests may only connect to 127.0.0.1`,
            );
            error.code = 'ECONNREFUSED';
            return callback(error);
          }
          return callback(null, address, family);
        });
      };
      return originalConnect.apply(this, args);
    }
    if (!path && !isLoopback(host)) {
      blocked.push(String(host));
      const error = new Error(
        `test network guard: refused a connection to ${host} (tests may only connect to 127.0.0.1)`,
      );
      error.code = 'ECONNREFUSED';
      process.nextTick(() => this.destroy(error));
      return this;
    }
    return originalConnect.apply(this, args);
  };
  guarded.__mlopsGuard = true;
  net.Socket.prototype.connect = guarded;
}
