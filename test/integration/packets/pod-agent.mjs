// A "pod" of the packet tests: runs inside one network namespace (started through `ip netns exec`).
// It answers on the TCP and UDP ports given on the command line with its own name, so a probe knows
// which pod answered, and it opens connections on request: one JSON line on stdin
// {"id","proto","host","port","timeoutMs"} gets one JSON line on stdout {"id","ok","answeredBy"|"error"}.
// Plain JavaScript with no imports but Node's, so it starts in a few tens of milliseconds.
import { createServer, connect } from "node:net";
import { createSocket } from "node:dgram";
import { createInterface } from "node:readline";

const [name, portList] = process.argv.slice(2);
const ports = (portList ?? "").split(",").filter(Boolean).map(Number);

function listenTcp(port) {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end(name));
    server.on("error", reject);
    server.listen(port, "0.0.0.0", () => resolve(server));
  });
}

function listenUdp(port) {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.on("message", (_msg, from) => socket.send(name, from.port, from.address));
    socket.on("error", reject);
    socket.bind(port, "0.0.0.0", () => resolve(socket));
  });
}

function probeTcp({ host, port, timeoutMs }) {
  return new Promise((resolve) => {
    let data = "";
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, error: "timeout" });
    }, timeoutMs);
    socket.on("data", (chunk) => {
      data += chunk;
    });
    socket.on("end", () => {
      clearTimeout(timer);
      resolve({ ok: true, answeredBy: data });
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, error: err.code ?? err.message });
    });
  });
}

function probeUdp({ host, port, timeoutMs }) {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    const timer = setTimeout(() => {
      socket.close();
      resolve({ ok: false, error: "timeout" });
    }, timeoutMs);
    socket.on("message", (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve({ ok: true, answeredBy: msg.toString() });
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      socket.close();
      resolve({ ok: false, error: err.code ?? err.message });
    });
    socket.send("probe", port, host);
  });
}

await Promise.all(ports.flatMap((p) => [listenTcp(p), listenUdp(p)]));
process.stdout.write(JSON.stringify({ ready: name, ports }) + "\n");

createInterface({ input: process.stdin }).on("line", async (line) => {
  const request = JSON.parse(line);
  const result = request.proto === "UDP" ? await probeUdp(request) : await probeTcp(request);
  process.stdout.write(JSON.stringify({ id: request.id, ...result }) + "\n");
});
// The test closes stdin when it is done with this pod.
process.stdin.on("end", () => process.exit(0));
